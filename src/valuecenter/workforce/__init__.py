"""Workforce planning: skills, shifts, forecasts, staffing plans, the flexible pool (issue 21)."""
