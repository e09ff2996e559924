"""Contacts across every channel, their reasons, and the cases they belong to."""
