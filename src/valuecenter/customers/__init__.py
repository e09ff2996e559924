"""Customers, account managers and their fixed pools; the customer 360."""
