"""The service P&L as data (``GET /api/v1/pnl``, ``valuecenter finance pnl --json`` and the
report read the same shape). Money in integer cents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from valuecenter.finance.budget import BudgetLine
from valuecenter.finance.costs import CostLine
from valuecenter.finance.ledger import YieldLine
from valuecenter.finance.pnl import MonthFigures, Pnl, SeedsFigure
from valuecenter.finance.statement import Statement


def plain(value: object) -> Any:
    """Provenance values as JSON takes them."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class RecordsOut(BaseModel):
    url: str = Field(description="The page that lists the records behind the figure.")
    count: int
    what: str


class CostLineOut(BaseModel):
    key: str
    label: str
    cents: int
    method: str
    by_team: dict[str, int] = Field(description="Team code → cents; '' is no team.")
    by_channel: dict[str, int]
    provenance: dict[str, Any]
    records: RecordsOut | None

    @classmethod
    def of(cls, line: CostLine) -> CostLineOut:
        return cls(
            key=line.key,
            label=line.label,
            cents=line.cents,
            method=line.method,
            by_team=dict(line.by_team),
            by_channel=dict(line.by_channel),
            provenance=plain(dict(line.provenance)),
            records=None
            if line.records is None
            else RecordsOut(
                url=line.records.url(), count=line.records.count, what=line.records.what
            ),
        )


class YieldLineOut(BaseModel):
    key: str
    label: str
    gross_cents: int = Field(description="The seeds' way: what the treated arm kept or bought.")
    incremental_cents: int | None = Field(description="Beyond the control group; none without.")
    interval_cents: tuple[int, int] | None = Field(description="95% interval.")
    proven: bool = Field(description="Randomised control, both arms, an interval.")
    method: str
    reason: str | None
    provenance: dict[str, Any]
    records: RecordsOut

    @classmethod
    def of(cls, line: YieldLine) -> YieldLineOut:
        return cls(
            key=line.key,
            label=line.label,
            gross_cents=line.gross_cents,
            incremental_cents=line.incremental_cents,
            interval_cents=line.interval_cents,
            proven=line.proven,
            method=line.method,
            reason=line.reason,
            provenance=plain(dict(line.provenance)),
            records=RecordsOut(
                url=line.records.url(), count=line.records.count, what=line.records.what
            ),
        )


class SeedsOut(BaseModel):
    kept: int
    gross_cents: int
    incremental_saves: float | None
    incremental_cents: int | None
    interval_cents: tuple[int, int] | None
    why: str

    @classmethod
    def of(cls, s: SeedsFigure) -> SeedsOut:
        return cls(**{f: getattr(s, f) for f in cls.model_fields})


class TotalsOut(BaseModel):
    cost_cents: int
    proven_cents: int
    proven_interval_cents: tuple[int, int] | None
    unproven_gross_cents: int = Field(description="Shown, never summed into the yield.")
    net_cents: int = Field(description="Proven yield − cost.")
    roi: float | None = Field(description="(Proven yield − cost) ÷ cost.")

    @classmethod
    def of(cls, p: Pnl) -> TotalsOut:
        return cls(
            cost_cents=p.cost_cents,
            proven_cents=p.proven_cents,
            proven_interval_cents=p.proven_interval_cents,
            unproven_gross_cents=p.unproven_gross_cents,
            net_cents=p.net_cents,
            roi=p.roi,
        )


class PeriodPnlOut(BaseModel):
    start: date
    end: date = Field(description="Exclusive: [start, end) in UTC days.")
    totals: TotalsOut
    costs: list[CostLineOut]
    yields: list[YieldLineOut]

    @classmethod
    def of(cls, p: Pnl) -> PeriodPnlOut:
        return cls(
            start=p.start,
            end=p.end,
            totals=TotalsOut.of(p),
            costs=[CostLineOut.of(c) for c in p.costs],
            yields=[YieldLineOut.of(y) for y in p.yields],
        )


class BudgetLineOut(BaseModel):
    line: str
    kind: str
    label: str
    year_cents: int
    month_budget_cents: int
    month_actual_cents: int | None
    ytd_budget_cents: int
    ytd_actual_cents: int | None
    projection_cents: int | None = Field(description="Year to date ÷ months × 12.")

    @classmethod
    def of(cls, b: BudgetLine) -> BudgetLineOut:
        return cls(**{f: getattr(b, f) for f in cls.model_fields if f != "kind"}, kind=b.kind.value)


class MonthFiguresOut(BaseModel):
    month: str
    cost_cents: int
    proven_cents: int
    unproven_gross_cents: int

    @classmethod
    def of(cls, m: MonthFigures) -> MonthFiguresOut:
        return cls(**{f: getattr(m, f) for f in cls.model_fields})


class PnlOut(BaseModel):
    month: str
    read_at: datetime = Field(description="The moment the figures were read (UTC).")
    period: PeriodPnlOut
    year_to_date: PeriodPnlOut
    seeds_saves: SeedsOut
    budget: list[BudgetLineOut]
    trend: list[MonthFiguresOut]

    @classmethod
    def of(cls, s: Statement) -> PnlOut:
        return cls(
            month=s.month,
            read_at=s.read_at,
            period=PeriodPnlOut.of(s.period),
            year_to_date=PeriodPnlOut.of(s.year_to_date),
            seeds_saves=SeedsOut.of(s.seeds),
            budget=[BudgetLineOut.of(b) for b in s.budget],
            trend=[MonthFiguresOut.of(m) for m in s.trend],
        )
