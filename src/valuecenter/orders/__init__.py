"""Orders and order lines."""
