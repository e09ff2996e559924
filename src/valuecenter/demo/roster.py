"""The demo company's roster for a week: two shifts on weekdays, its agents alternating.

An early shift 08:00–16:30 and a late one 12:30–21:00 (local time, Monday to Friday), the
agents who can take the queue's channel split between them — the roster a small service desk
keeps, so the planning page can hold it against the staffing plan.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd

SHIFTS = (
    ("early", "Early shift", "08:00", 510),
    ("late", "Late shift", "12:30", 510),
)


def roster_frame(agents: list[str], days: list[date]) -> pd.DataFrame:
    """One row per agent and weekday: agent_id, starts_at, ends_at (local), kind, shift."""
    rows = []
    for day in days:
        if day.weekday() >= 5:
            continue
        for i, agent in enumerate(agents):
            code, _name, start, minutes = SHIFTS[i % len(SHIFTS)]
            hour, minute = (int(p) for p in start.split(":"))
            begins = datetime.combine(day, time(hour, minute))
            rows.append(
                {
                    "agent_id": agent,
                    "starts_at": begins.isoformat(),
                    "ends_at": (begins + timedelta(minutes=minutes)).isoformat(),
                    "kind": "work",
                    "shift": code,
                }
            )
    return pd.DataFrame(rows, columns=["agent_id", "starts_at", "ends_at", "kind", "shift"])
