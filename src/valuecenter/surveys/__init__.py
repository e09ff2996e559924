"""Customer surveys (NPS)."""
