"""The demo company: a deterministic, plausible wholesale or telecom company."""
