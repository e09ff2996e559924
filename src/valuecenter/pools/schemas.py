"""Response models of the AM cockpit's API (``GET /api/v1/pools/cockpit``)."""

from __future__ import annotations

import dataclasses
from datetime import date

from pydantic import BaseModel, Field

from valuecenter.pools.cockpit import ArmFigures, Cockpit, ControlComparison, Peers
from valuecenter.pools.metrics import AmMetrics, Period

SOURCES: dict[str, str] = {
    "revenue_cents": "order lines (total_cents) of his pool's orders placed in the period",
    "previous_revenue_cents": "the same for the previous period",
    "top_retention": (
        "his top 20% customers by previous-period revenue (buyers only, at least one): "
        "their revenue in the period ÷ their revenue in the previous period"
    ),
    "offers_made": "next-best-action decisions of the engine's arm that showed an action",
    "offers_accepted": "of those, decisions with an accepted offer, retention or loyalty action",
    "sales_cents": "value (actions.value_cents) of the accepted marketing actions",
    "service_sales_cents": (
        "order lines within 14 days after an inbound contact, of products the customer had "
        "not ordered in the 365 days before it"
    ),
    "nps": "his pool's survey answers in the period: % 9–10 minus % 0–6",
    "open_alerts": "alerts of his pool with status open, now",
    "open_tasks": "open detractor follow-up tasks of his pool, now",
}
"""Where each figure comes from (docs/pools.md has the full definitions)."""


class PeriodOut(BaseModel):
    label: str = Field(description="YYYY-MM for a calendar month.")
    start: date
    end: date = Field(description="Exclusive: the period is [start, end) in UTC days.")

    @classmethod
    def of(cls, p: Period) -> PeriodOut:
        return cls(label=p.label, start=p.start, end=p.end)


class AmMetricsOut(BaseModel):
    account_manager_id: int
    code: str
    name: str | None
    country: str | None
    customers: int
    revenue_cents: int
    previous_revenue_cents: int
    top_customers: int
    top_previous_cents: int
    top_current_cents: int
    top_retention: float | None
    offers_made: int
    offers_accepted: int
    sales_cents: int
    service_sales_cents: int
    nps: float | None = Field(description="−100…100; none without answers.")
    nps_answers: int
    open_alerts: int
    open_tasks: int

    @classmethod
    def of(cls, m: AmMetrics) -> AmMetricsOut:
        return cls(**dataclasses.asdict(m))


class PeersOut(BaseModel):
    market: str | None = Field(description="His market (the AM's country).")
    market_ams: int = Field(description="The other active AMs of his market.")
    all_ams: int = Field(description="All other active AMs.")
    market_median: dict[str, float | None]
    all_median: dict[str, float | None]

    @classmethod
    def of(cls, p: Peers) -> PeersOut:
        return cls(**dataclasses.asdict(p))


class ArmOut(BaseModel):
    customers: int = Field(description="Pool customers with a decision of this arm.")
    decisions: int
    accepted: int = Field(description="Accepted marketing actions.")
    sales_cents: int
    revenue_cents: int = Field(description="These customers' order revenue in the period.")
    accepted_per_customer: float | None
    sales_per_customer_cents: float | None
    revenue_per_customer_cents: float | None

    @classmethod
    def of(cls, a: ArmFigures) -> ArmOut:
        return cls(
            customers=a.customers,
            decisions=a.decisions,
            accepted=a.accepted,
            sales_cents=a.sales_cents,
            revenue_cents=a.revenue_cents,
            accepted_per_customer=a.accepted_per_customer,
            sales_per_customer_cents=a.sales_per_customer,
            revenue_per_customer_cents=a.revenue_per_customer,
        )


class ControlGroupOut(BaseModel):
    key: str = Field(description="The experiment: nba-control:YYYY-MM.")
    control_share: float


class ControlOut(BaseModel):
    treated: ArmOut
    control: ArmOut
    revenue_difference_per_customer_cents: float | None = Field(
        description="Revenue per treated customer − per control customer."
    )
    control_groups: list[ControlGroupOut]
    source: str

    @classmethod
    def of(cls, c: ControlComparison) -> ControlOut:
        return cls(
            treated=ArmOut.of(c.treated),
            control=ArmOut.of(c.control),
            revenue_difference_per_customer_cents=c.revenue_difference,
            control_groups=[ControlGroupOut(key=k, control_share=s) for k, s in c.experiments],
            source=(
                "decisions of his pool in the period by arm (the engine's random monthly "
                "control group, held out of sales offers) and those customers' orders"
            ),
        )


class CockpitOut(BaseModel):
    period: PeriodOut
    previous_period: PeriodOut
    account_manager: AmMetricsOut
    peers: PeersOut
    control: ControlOut | None = Field(
        description="Treated against the NBA control group; none without control decisions."
    )
    sources: dict[str, str]

    @classmethod
    def of(cls, c: Cockpit) -> CockpitOut:
        return cls(
            period=PeriodOut.of(c.period),
            previous_period=PeriodOut.of(c.previous),
            account_manager=AmMetricsOut.of(c.me),
            peers=PeersOut.of(c.peers),
            control=None if c.control is None else ControlOut.of(c.control),
            sources=SOURCES,
        )
