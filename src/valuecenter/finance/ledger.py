"""The value-ledger interface (issue 23, point 0; docs/finance.md): one shape that every yield
line of the service P&L takes, whatever measured it.

A line gives, for a period [start, end) of UTC days:

- the **gross** figure, the way the seeds count it ("1,250 customers kept, a save value of
  €10.7M": what the arm that was treated kept or bought), never shown alone;
- the **incremental** figure beside it — what the treatment added beyond its control group —
  with its 95% interval, or ``None`` with the reason;
- whether it is **proven**: measured against a randomised control group, with units in both
  arms (nothing measured is nothing proven), *and* given with an interval (an effect whose
  uncertainty cannot be stated is not one a finance director can sign). An unproven line
  shows its gross figure and never enters the proven total;
- **how it was measured** (one sentence in the reader's language: which control group, which
  estimator), the **provenance** (the runs, experiments and control groups behind it) and the
  **records** behind it (where to list them and how many there are).

Each yield line is a :class:`ValueLedger` (``finance/lines/``: one file per line); they read
the domains' own ledgers and reuse their estimators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from valuecenter.analytics.ledger import Incremental


@dataclass(frozen=True)
class RecordsRef:
    """Where the records behind a figure are listed: a page's path and query (the drill-down),
    and how many records the figure was computed from."""

    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    count: int = 0
    what: str = ""  # what one record is, in the reader's language ("closed save cases")

    def url(self) -> str:
        """The path with its query (an empty query adds nothing)."""
        query = {k: v for k, v in self.query.items() if v}
        return f"{self.path}?{urlencode(query)}" if query else self.path


@dataclass(frozen=True)
class YieldLine:
    """One yield line of the service P&L for [start, end). Money in integer cents."""

    key: str
    label: str
    start: date
    end: date
    gross_cents: int
    incremental_cents: int | None
    interval_cents: tuple[int, int] | None  # 95%
    proven: bool
    method: str
    provenance: Mapping[str, object]
    records: RecordsRef
    reason: str | None = None  # why there is no incremental figure or no interval

    def __post_init__(self) -> None:
        if self.proven and (self.incremental_cents is None or self.interval_cents is None):
            raise ValueError(f"{self.key}: a proven line needs its incremental figure and interval")


class ValueLedger(Protocol):
    """A yield line of the P&L: its key and its figures for a period."""

    @property
    def key(self) -> str: ...

    def line(self, session: Session, start: date, end: date) -> YieldLine: ...


def figures(value: Incremental) -> tuple[int | None, tuple[int, int] | None]:
    """An estimator's incremental figure in whole cents: the estimate and its 95% interval
    (``None`` where the estimator gives none)."""
    estimate = None if value.estimate is None else round(value.estimate)
    if value.low is None or value.high is None:
        return estimate, None
    return estimate, (round(value.low), round(value.high))


def is_proven(value: Incremental, *, randomised: bool, treated: int, control: int) -> bool:
    """Proven: ``treated`` units against ``control`` units of a randomised control group (both
    arms present: nothing measured is nothing proven), with an estimate and its interval."""
    return (
        randomised
        and treated > 0
        and control > 0
        and value.estimate is not None
        and value.has_interval
    )


def proven_total(lines: Iterable[YieldLine]) -> int:
    """The proven yield: the sum of the proven lines' incremental figures. An unproven line
    never enters it, whatever its gross or incremental figure."""
    return sum(line.incremental_cents or 0 for line in lines if line.proven)
