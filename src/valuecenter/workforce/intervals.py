"""One interval of a staffing plan as the service reads it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IntervalRow:
    starts_at: datetime  # UTC
    calls: float
    agents: int
    agents_with_shrinkage: int
    service_level: float
    occupancy: float
    abandon_rate: float | None
