"""Response models of the renewal list (assembled by ``retention/renewals/listing.py``).

Money is integer cents. Every list says which renewal run it comes from (``source``): its
day, horizon and budget, the uplift model and the campaigns it learned from, and the score
run of the day."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.alerts.schemas import Reason, reasons_of
from valuecenter.customers.schemas import CustomerRef
from valuecenter.retention.models import RenewalGroup, RenewalRun
from valuecenter.retention.renewals.repository import CandidateRow


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CandidateOut(_Out):
    id: int
    customer: CustomerRef
    plan: str
    monthly_fee_cents: int
    ends_on: date
    group: RenewalGroup
    rank: int | None = Field(description="Call order (1 first); null when not listed.")
    offer_code: str | None
    offer_name: str | None
    p_renew: float = Field(description="Chance he renews without an offer.")
    p_renew_offer: float = Field(description="Chance he renews with the offer.")
    uplift: float = Field(description="p_renew_offer − p_renew.")
    value_cents: int = Field(description="What a renewal is worth: the next term's fees.")
    cost_cents: int = Field(description="Expected cost: the call + the offer if taken.")
    net_cents: int = Field(description="uplift × value − cost.")
    reasons: list[Reason]

    @classmethod
    def of(cls, row: CandidateRow) -> CandidateOut:
        c = row.candidate
        return cls(
            id=c.id,
            customer=row.customer,
            plan=row.plan,
            monthly_fee_cents=row.monthly_fee_cents,
            ends_on=c.ends_on,
            group=c.group,
            rank=c.rank,
            offer_code=row.offer_code,
            offer_name=row.offer_name,
            p_renew=c.p_renew,
            p_renew_offer=c.p_renew_offer,
            uplift=c.uplift,
            value_cents=c.value_cents,
            cost_cents=c.cost_cents,
            net_cents=c.net_cents,
            reasons=reasons_of(c.reasons),
        )


class RenewalSource(_Out):
    run_id: str
    as_of: date
    finished_at: datetime
    horizon_days: int
    budget_calls: int | None
    budget_cents: int | None
    call_cost_cents: int
    score_run_id: int | None
    candidates: int
    listed: int
    counts: dict[str, object] = Field(description="Candidates per group (all pools).")
    totals: dict[str, object] = Field(description="Expected figures of the listed customers.")
    model: dict[str, object] = Field(
        description="The uplift model, the campaigns it learned from and its validation."
    )

    @classmethod
    def of(cls, run: RenewalRun | None) -> RenewalSource | None:
        return None if run is None else cls.model_validate(run)


class RenewalPage(_Out):
    items: list[CandidateOut]
    total: int
    page: int
    page_size: int
    group: RenewalGroup | None
    counts: dict[str, int] = Field(description="Candidates per group the caller may see.")
    source: RenewalSource | None = Field(description="The renewal run; null before the first.")

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
