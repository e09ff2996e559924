"""Request and response models of the staffing API (``/api/v1/staffing``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, Field, Strict

Seconds = Annotated[float, Strict(), Gt(0), Le(86_400)]
Share = Annotated[float, Strict(), Gt(0), Lt(1)]


class ErlangIn(BaseModel):
    calls: Annotated[float, Strict(), Ge(0), Le(10_000_000)] = Field(
        description="Contacts offered in the interval."
    )
    interval_seconds: Seconds = Field(description="Length of the interval (1800 = 30 minutes).")
    aht_seconds: Seconds = Field(description="Average handling time: talk + hold + wrap-up.")
    target_seconds: Seconds = Field(description="Answered within this many seconds …")
    service_level: Share = Field(description="… for this share of the contacts (0.8 = 80%).")
    max_occupancy: Annotated[float, Strict(), Gt(0), Le(1)] | None = Field(
        None, description="Occupancy cap (busy time ÷ available time)."
    )
    shrinkage: Annotated[float, Strict(), Ge(0), Lt(1)] = Field(
        0.0, description="Share of paid time not on contacts (breaks, training, absence)."
    )
    patience_seconds: Seconds | None = Field(
        None, description="Callers' mean patience: size with Erlang A (abandonment)."
    )


class ErlangOut(BaseModel):
    traffic_erlangs: float
    agents: int
    service_level: float = Field(
        description="Share answered within the target (Erlang A: of all offered contacts)."
    )
    p_wait: float
    asa_seconds: float = Field(description="Average speed of answer.")
    occupancy: float
    agents_with_shrinkage: int
    abandon_rate: float | None = Field(description="Erlang A only.")


class RunOut(BaseModel):
    id: int
    queue: str
    freq: str
    model: str
    horizon: int
    level: int = Field(description="The prediction interval's level (%).")
    mase: float | None = Field(description="Backtest MASE of the chosen model.")
    mase_seasonal_naive: float | None = Field(
        description="Backtest MASE of the better seasonal-naive baseline (daily or weekly)."
    )
    created_at: datetime
    history_from: datetime
    history_to: datetime
    contacts: int
    aht_seconds: float


class PointOut(BaseModel):
    starts_at: datetime
    value: float
    lo: float
    hi: float


class PlanIntervalOut(BaseModel):
    starts_at: datetime
    calls: float
    agents: int
    agents_with_shrinkage: int
    service_level: float
    occupancy: float
    abandon_rate: float | None


class PlanOut(BaseModel):
    id: int
    method: str
    service_level_share: float
    service_level_seconds: int
    aht_seconds: float
    shrinkage: float
    max_occupancy: float | None
    paid_hours: float
    cost_cents: int
    intervals: list[PlanIntervalOut]


class RunDetailOut(BaseModel):
    run: RunOut
    points: list[PointOut]
    plan: PlanOut | None


class FlexOptionOut(BaseModel):
    core_fte: float
    flex_agents: int
    flex_hours: float
    idle_paid_hours: float
    cost_cents: int


class FlexOut(BaseModel):
    queues: list[str]
    since: date
    until: date
    weeks: int
    peak_week_hours: float
    fixed_for_peak: FlexOptionOut
    core_and_flex: FlexOptionOut
    saving_cents: int


class AttritionOut(BaseModel):
    agents: int
    attrition_rate: float
    source: str = Field(description="'measured' (agents' hire and leave dates) or 'given'.")
    leavers_per_year: float
    cost_per_replacement_cents: int
    yearly_cost_cents: int
    saving_per_10_points_cents: int = Field(description="10 percentage points less attrition.")
    saving_per_10_percent_cents: int = Field(description="10% less of the current rate.")
