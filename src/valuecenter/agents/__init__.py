"""Agents, teams and employee surveys (eNPS)."""
