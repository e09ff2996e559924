"""Subscription contracts: plan, fee, term, renewal and cancellation."""
