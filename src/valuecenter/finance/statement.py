"""The whole statement of a month (issue 23, points 3–5 and 7): the month's P&L, the year to
date, the save line counted the seeds' way, the budget and the trend — what the P&L page, the
API and the monthly report show, read once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.finance.budget import BudgetLine, against_budget
from valuecenter.finance.pnl import (
    MonthFigures,
    Pnl,
    SeedsFigure,
    month_bounds,
    pnl,
    seeds_saves,
    trend,
)

TREND_MONTHS = 12


@dataclass(frozen=True)
class Statement:
    month: str
    period: Pnl
    year_to_date: Pnl
    seeds: SeedsFigure
    budget: list[BudgetLine]
    trend: list[MonthFigures]

    @property
    def read_at(self) -> datetime:
        return self.period.read_at


def statement(
    session: Session,
    month: str,
    *,
    as_of: datetime | None = None,
    trend_months: int = TREND_MONTHS,
) -> Statement:
    """The statement of ``month`` (``YYYY-MM``) as known at ``as_of`` (default now)."""
    now = as_of or utcnow()
    start, end = month_bounds(month)
    period = pnl(session, start, end, as_of=now)
    ytd = period if start.month == 1 else pnl(session, start.replace(month=1), end, as_of=now)
    return Statement(
        month=month,
        period=period,
        year_to_date=ytd,
        seeds=seeds_saves(period.line("saves")),
        budget=against_budget(session, start, period.costs, period.yields, ytd.costs, ytd.yields),
        trend=trend(session, start, trend_months, as_of=now) if trend_months else [],
    )
