"""Request and response models of the save desk, its ledger and the offer catalogue.

Money is integer cents (incremental figures are estimates: cents as numbers, rounded). In the
ledger the gross figure never travels alone: ``saves`` holds the gross count *and* the
incremental estimate with its 95% interval, ``value`` the gross value *and* the incremental
and net ones — one cannot be read from the API without the other beside it.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.alerts.schemas import Reason, reasons_of
from valuecenter.analytics.ledger import Incremental
from valuecenter.analytics.message import shown
from valuecenter.customers.schemas import CustomerRef
from valuecenter.retention.desk.ledger import LedgerRow
from valuecenter.retention.desk.listing import CaseRow
from valuecenter.retention.models import (
    OfferKind,
    RetentionOffer,
    SaveArm,
    SaveOutcome,
    SaveSource,
    SaveStatus,
)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseOut(_Out):
    id: int
    customer: CustomerRef
    source: SaveSource
    opened_at: datetime
    arm: SaveArm = Field(description="desk (the retention team, with an offer) or control.")
    status: SaveStatus
    value_cents: int = Field(description="His CLV at opening, in the score run `score_run`.")
    monthly_fee_cents: int | None = Field(description="Fees of his running contracts.")
    risk: float | None = Field(description="His open churn-model alert's risk, if any.")
    reasons: list[Reason]
    score_run: str | None = Field(description="The score run whose CLV priced the case.")
    suggested_offer: str | None = Field(description="The suggested offer's code (desk only).")
    suggestion: dict[str, object] = Field(description="How the suggestion was chosen.")
    offer: str | None = Field(description="The offer the agent gave.")
    offer_cost_cents: int = Field(description="Its cost; only when the customer stayed.")
    outcome: SaveOutcome | None
    closed_at: datetime | None
    agent: str | None = Field(description="The agent's id who handled the case.")
    note: str | None

    @classmethod
    def of(cls, row: CaseRow) -> CaseOut:
        c = row.case
        return cls(
            id=c.id,
            customer=row.customer,
            source=c.source,
            opened_at=c.opened_at,
            arm=c.arm,
            status=c.status,
            value_cents=c.value_cents,
            monthly_fee_cents=c.monthly_fee_cents,
            risk=c.risk,
            reasons=reasons_of(c.reasons),
            score_run=row.score_run,
            suggested_offer=row.suggested_offer,
            suggestion=dict(c.suggestion or {}),
            offer=row.offer,
            offer_cost_cents=c.offer_cost_cents,
            outcome=c.outcome,
            closed_at=c.closed_at,
            agent=row.agent,
            note=c.note,
        )


class CasePage(_Out):
    items: list[CaseOut]
    total: int
    page: int
    page_size: int


class OpenCaseIn(BaseModel):
    """A cancellation request for a customer."""

    customer_id: str = Field(
        description="The customer's external id (`customer_id` in GET /customers)."
    )
    source: SaveSource = SaveSource.REQUEST


class OutcomeIn(BaseModel):
    """What came of the case: the outcome and the offer given (none for a control case)."""

    outcome: SaveOutcome
    offer_code: str | None = None
    note: str | None = Field(default=None, description="Optional; at most 2,000 characters.")


class OfferOut(_Out):
    code: str
    name: str
    kind: OfferKind
    discount_share: float = Field(description="Share off the monthly fee over the next term.")
    free_months: int
    fixed_cost_cents: int = Field(description="Paid once when taken (a handset, a gift).")
    prior_uplift: float = Field(description="The catalogue's guess of its effect on keeping.")
    campaign_action: str | None
    active: bool
    description: str | None

    @classmethod
    def of(cls, offer: RetentionOffer) -> OfferOut:
        return cls.model_validate(offer)


class Interval(_Out):
    """An incremental estimate with its 95% interval; ``reason`` says why an interval (or
    the estimate) is missing."""

    estimate: float | None
    std_error: float | None
    ci95_low: float | None
    ci95_high: float | None
    reason: str | None

    @classmethod
    def of(cls, figure: Incremental, digits: int) -> Interval:
        # The reason in the language of the request or command (the core keeps it English).
        return cls.model_validate({**figure.as_json(digits), "reason": shown(figure.reason)})


class SavesOut(_Out):
    gross: int = Field(description="Desk cases kept: most would have stayed anyway.")
    incremental: Interval = Field(
        description="Kept beyond the control group's keep rate: n_desk × (keep_desk − "
        "keep_control)."
    )


class ValueOut(_Out):
    gross_cents: int = Field(description="Σ value of the kept desk cases.")
    incremental_cents: Interval = Field(
        description="n_desk × (mean(value × kept | desk) − mean(value × kept | control))."
    )
    offer_cost_cents: int = Field(description="What the offers given and kept cost.")
    net_incremental_cents: Interval = Field(description="Incremental value − offer cost.")


class Provenance(_Out):
    score_runs: list[str] = Field(description="The score runs whose CLV priced the cases.")
    control_share: float | None = Field(description="Share of the row's cases in control.")
    randomised: bool = Field(
        description="True for month and total rows: desk against control as drawn. False for "
        "agent and offer rows: a chosen subset of desk cases against every control case, so "
        "the figure mixes the effect with who was in the subset."
    )


class LedgerRowOut(_Out):
    key: str = Field(description='YYYY-MM, an agent id, an offer code, or "total".')
    label: str
    cases: int = Field(description="Desk and control cases compared.")
    desk: int
    control: int
    kept_desk: int
    kept_control: int
    keep_rate_desk: float | None
    keep_rate_control: float | None
    saves: SavesOut
    value: ValueOut
    provenance: Provenance

    @classmethod
    def of(cls, row: LedgerRow) -> LedgerRowOut:
        return cls(
            key=row.key,
            label=row.label,
            cases=row.cases,
            desk=row.desk,
            control=row.control,
            kept_desk=row.kept_desk,
            kept_control=row.kept_control,
            keep_rate_desk=None if row.keep_rate_desk is None else round(row.keep_rate_desk, 4),
            keep_rate_control=None
            if row.keep_rate_control is None
            else round(row.keep_rate_control, 4),
            saves=SavesOut(
                gross=row.gross_saves, incremental=Interval.of(row.incremental_saves, 3)
            ),
            value=ValueOut(
                gross_cents=row.gross_value_cents,
                incremental_cents=Interval.of(row.incremental_value_cents, 0),
                offer_cost_cents=row.offer_cost_cents,
                net_incremental_cents=Interval.of(row.net_incremental_value_cents, 0),
            ),
            provenance=Provenance(
                score_runs=row.score_runs,
                control_share=None if row.control_share is None else round(row.control_share, 4),
                randomised=row.randomised,
            ),
        )


class LedgerOut(_Out):
    by: str
    since: date | None
    until: date | None = Field(description="Exclusive: cases closed before this day.")
    control_share_setting: float = Field(description="The share new cases are drawn with.")
    rows: list[LedgerRowOut]
    total: LedgerRowOut = Field(description="Every desk case against every control case.")

    @classmethod
    def of(
        cls,
        by: str,
        since: date | None,
        until: date | None,
        rows: list[LedgerRow],
        control_share: float,
    ) -> LedgerOut:
        *body, total = rows
        return cls(
            by=by,
            since=since,
            until=until,
            control_share_setting=control_share,
            rows=[LedgerRowOut.of(r) for r in body],
            total=LedgerRowOut.of(total),
        )
