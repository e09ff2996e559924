"""The service P&L (issue 23; docs/finance.md): what the department cost in a period beside
what it yielded, proven against control or not.

:func:`pnl` composes the cost lines (``finance/costs.py``) and the yield lines
(``finance/lines/``, one :class:`~valuecenter.finance.ledger.ValueLedger` each) for
``[start, end)``. The **proven yield** is the sum of the proven lines' incremental figures
only; its interval treats the lines as independent experiments (each has its own random
control group). **ROI** is (proven yield − cost) ÷ cost: what a euro of the department
returned beyond itself, counting only what is proven.

The seeds count a save desk's yield as the customers kept × their value (seed 002's telecom
manager: "1,250 kept, a save value of €10.7M"); :func:`seeds_saves` puts that figure beside
the incremental one and says why they differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.experiments.effect import Z_95
from valuecenter.contacts.models import Contact
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.finance.costs import CostLine, cost_lines
from valuecenter.finance.ledger import ValueLedger, YieldLine, proven_total
from valuecenter.finance.lines import (
    AvoidedCostsLedger,
    CampaignsLedger,
    NbaSalesLedger,
    PoolsLedger,
    SavesLedger,
)
from valuecenter.i18n import _
from valuecenter.orders.models import Order


@dataclass(frozen=True)
class Pnl:
    """The P&L of ``[start, end)``. Money in integer cents."""

    start: date
    end: date
    costs: list[CostLine]
    yields: list[YieldLine]
    read_at: datetime

    @property
    def cost_cents(self) -> int:
        return sum(line.cents for line in self.costs)

    @property
    def proven_cents(self) -> int:
        return proven_total(self.yields)

    @property
    def proven_interval_cents(self) -> tuple[int, int] | None:
        """The proven total's 95% interval, the proven lines taken as independent (normal,
        each line's standard error read back from its own interval)."""
        intervals = [line.interval_cents for line in self.yields if line.proven]
        if not intervals:
            return None
        variance = sum(((hi - lo) / (2 * Z_95)) ** 2 for lo, hi in filter(None, intervals))
        half = Z_95 * math.sqrt(variance)
        return round(self.proven_cents - half), round(self.proven_cents + half)

    @property
    def unproven_gross_cents(self) -> int:
        """The gross figures of the lines without proof: shown, never summed into the yield."""
        return sum(line.gross_cents for line in self.yields if not line.proven)

    @property
    def net_cents(self) -> int:
        return self.proven_cents - self.cost_cents

    @property
    def roi(self) -> float | None:
        """(Proven yield − cost) ÷ cost; ``None`` without costs."""
        return self.net_cents / self.cost_cents if self.cost_cents else None

    def line(self, key: str) -> YieldLine:
        return next(line for line in self.yields if line.key == key)


def ledgers(as_of: datetime | None = None) -> list[ValueLedger]:
    """The yield lines in the order the P&L shows them, read as of ``as_of``."""
    return [
        SavesLedger(),
        NbaSalesLedger(as_of=as_of),
        CampaignsLedger(as_of=as_of),
        PoolsLedger(),
        AvoidedCostsLedger(),
    ]


def pnl(session: Session, start: date, end: date, *, as_of: datetime | None = None) -> Pnl:
    """The P&L of ``[start, end)`` as known at ``as_of`` (default now)."""
    if not start < end:
        raise InvalidInput("period", _("the period must end after it starts"))
    now = as_of or utcnow()
    return Pnl(
        start=start,
        end=end,
        costs=cost_lines(session, start, end, now),
        yields=[ledger.line(session, start, end) for ledger in ledgers(now)],
        read_at=now,
    )


def month_bounds(month: str) -> tuple[date, date]:
    """``YYYY-MM`` → its first day and the first day of the next month."""
    try:
        start = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidInput(
            "month",
            _("'%(value)s' is not a month like %(example)s", value=month, example="2026-10"),
        ) from None
    if not 2000 <= start.year <= 2100:
        raise InvalidInput("month", _("the month must lie between 2000-01 and 2100-12"))
    return start, next_month(start)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def latest_month(session: Session) -> str | None:
    """The last complete month in the data: the month of the last contact or order if that
    day is the month's last, else the month before. ``None`` without data."""
    last = max(
        (
            stamp
            for stamp in (
                session.scalar(select(func.max(Contact.started_at))),
                session.scalar(select(func.max(Order.ordered_at))),
            )
            if stamp is not None
        ),
        default=None,
    )
    if last is None:
        return None
    day = last.astimezone(UTC).date() if last.tzinfo else last.date()
    if (day + timedelta(days=1)).month != day.month:
        return f"{day:%Y-%m}"
    previous = day.replace(day=1) - timedelta(days=1)
    return f"{previous:%Y-%m}"


def month_or_latest(session: Session, month: str | None) -> str:
    """``month`` (checked: ``YYYY-MM``, 2000-01 … 2100-12), or without one the last complete
    month in the data; :class:`NotFound` when there is no data to take it from."""
    if month is not None:
        start, _end = month_bounds(month)
        return f"{start:%Y-%m}"
    latest = latest_month(session)
    if latest is None:
        raise NotFound(_("no contacts or orders yet: there is no month to show"))
    return latest


@dataclass(frozen=True)
class MonthFigures:
    """One month of the trend: cost, proven yield and the unproven lines' gross figures."""

    month: str
    cost_cents: int
    proven_cents: int
    unproven_gross_cents: int


def trend(
    session: Session, last: date, months: int = 12, *, as_of: datetime | None = None
) -> list[MonthFigures]:
    """The ``months`` months ending with the month of ``last``, oldest first."""
    first = last.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    out = []
    day = first
    while day <= last:
        figures = pnl(session, day, next_month(day), as_of=as_of)
        out.append(
            MonthFigures(
                month=f"{day:%Y-%m}",
                cost_cents=figures.cost_cents,
                proven_cents=figures.proven_cents,
                unproven_gross_cents=figures.unproven_gross_cents,
            )
        )
        day = next_month(day)
    return out


@dataclass(frozen=True)
class SeedsFigure:
    """The save line counted the seeds' way beside the honest way."""

    kept: int  # customers the desk kept
    gross_cents: int  # kept × their value
    incremental_saves: float | None
    incremental_cents: int | None
    interval_cents: tuple[int, int] | None
    why: str


def seeds_saves(line: YieldLine) -> SeedsFigure:
    """Seed 002's way of counting the saves ("1,250 kept, €10.7M") next to the incremental
    value against control, with the one sentence that says why they differ."""
    kept = int(str(line.provenance.get("gross_saves", 0)) or 0)
    incremental = line.provenance.get("incremental_saves")
    saves = float(str(incremental)) if incremental is not None else None
    return SeedsFigure(
        kept=kept,
        gross_cents=line.gross_cents,
        incremental_saves=saves,
        incremental_cents=line.incremental_cents,
        interval_cents=line.interval_cents,
        why=_(
            "The gross figure counts every customer the desk kept, but most of them would have "
            "stayed anyway — the control group, handled as usual, stayed too; only the "
            "difference is what the desk earned."
        ),
    )
