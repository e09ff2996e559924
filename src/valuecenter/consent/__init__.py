"""Consents: opt-in and opt-out per purpose and channel (C10)."""
