"""Response models of the customer 360: one customer's profile, figures, orders, contracts,
contacts, surveys, consent and value scores, and the unified timeline.

Money is integer cents with its currency (never floats); timestamps are UTC-aware.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.consent.models import ConsentChannel, Purpose
from valuecenter.contacts.models import Channel, Direction
from valuecenter.contracts.models import ContractStatus
from valuecenter.customers.models import CustomerKind
from valuecenter.customers.schemas import AccountManagerRef, Money


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CustomerProfile(_Out):
    id: int
    customer_id: str
    name: str | None
    kind: CustomerKind
    country: str | None
    language: str | None
    city: str | None
    email: str | None
    phone: str | None
    segment: str | None
    customer_since: date | None
    account_manager: AccountManagerRef | None


class OrderLineOut(_Out):
    line_no: int
    product_id: int
    product_external_id: str
    product_name: str | None
    quantity: int
    unit_price_ten_thousandths: int
    """The unit price in ten-thousandths of the currency unit (0.001 → 10)."""
    total_cents: int


class OrderOut(_Out):
    id: int
    order_id: str
    ordered_at: datetime
    currency: str
    country: str | None
    total_cents: int
    lines: list[OrderLineOut]


class OrdersBlock(_Out):
    items: list[OrderOut] = Field(description="The newest orders, newest first.")
    total: int = Field(description="How many orders the customer has in all.")


class ContractOut(_Out):
    id: int
    contract_id: str
    plan: str
    monthly_fee_cents: int
    start_date: date
    end_date: date | None
    status: ContractStatus
    renewed_at: date | None
    cancelled_at: date | None
    cancel_reason: str | None


class ContactOut(_Out):
    id: int
    contact_id: str
    channel: Channel
    direction: Direction
    started_at: datetime
    queue: str | None
    agent: str | None = Field(description="The agent's name (or external id).")
    wait_seconds: int
    talk_seconds: int
    abandoned: bool
    transferred: bool = Field(description="The contact was handed on to another contact.")
    transferred_from_id: int | None
    resolved: bool | None
    case_id: str | None = Field(description="External id of the case, if any.")
    intent: str | None
    reasons: list[str]


class ContactsBlock(_Out):
    items: list[ContactOut] = Field(description="The newest contacts, newest first.")
    total: int


class SurveyOut(_Out):
    id: int
    survey_id: str
    answered_at: datetime
    nps: int
    comment: str | None
    channel: str | None
    contact_id: int | None
    contact_external_id: str | None
    contact_channel: Channel | None


class SurveysBlock(_Out):
    items: list[SurveyOut]
    total: int


class ConsentOut(_Out):
    purpose: Purpose
    channel: ConsentChannel
    granted: bool
    source: str | None
    recorded_at: datetime


class ConsentsBlock(_Out):
    current: list[ConsentOut] = Field(description="Latest event per purpose × channel.")
    history: list[ConsentOut] = Field(description="The newest events, newest first.")
    history_total: int


class LastNps(_Out):
    nps: int
    answered_at: datetime


class Summary(_Out):
    revenue_12m: list[Money] = Field(
        description="Net revenue of the last 365 days per currency, largest first (EUR 0 if none)."
    )
    orders_count: int
    contacts_count: int
    contacts_by_channel: dict[str, int]
    last_contact_at: datetime | None
    last_nps: LastNps | None


class ValueScore(_Out):
    """The customer's scores of the latest score run, with the run that made them."""

    run_id: str = Field(description="The score run (valuecenter score) these figures come from.")
    scored_at: datetime
    as_of: date = Field(description="The run used the order history before this day.")
    segment: str
    treatment: str | None
    clv: Money | None = Field(description="Discounted expected value over the horizon.")
    horizon_months: int
    p_alive: float | None
    risk: float | None = Field(
        description="Chance of leaving within risk_horizon_days, from the run's risk model "
        "(calibrated on its out-of-time cut); 1 − P(alive) when no model was validated."
    )
    risk_model: str | None = Field(
        description="The run's risk model (recency, order-rhythm, bgnbd, churn-model, ...); "
        "None: P(alive), not validated."
    )
    risk_model_name: str = Field(description="The risk model in words.")
    risk_auc: float | None = Field(description="The risk model's out-of-time AUC.")
    risk_horizon_days: int | None
    expected_purchases: float | None
    revenue_12m: Money
    rfm: str | None = Field(description='R, F and M quintile scores, e.g. "543" (5 best).')
    rfm_segment: str | None
    models: str = Field(description="The models and their fitted parameters.")


class Customer360(_Out):
    profile: CustomerProfile
    summary: Summary
    value: ValueScore | None = Field(description="None until a score run has scored him.")
    orders: OrdersBlock
    contracts: list[ContractOut]
    contacts: ContactsBlock
    surveys: SurveysBlock
    consents: ConsentsBlock
    risk: RiskBlock | None = Field(default=None, description="Risk, open alerts, save case.")


class TimelineEntry(_Out):
    """One line of the unified timeline on the 360 page."""

    at: datetime
    kind: str = Field(description="order, contact, survey, contract or consent")
    title: str
    detail: str | None = None
    channel: str | None = None
    tags: list[str] = Field(default_factory=list)
    money: Money | None = None
    score: int | None = None


class OpenAlert(_Out):
    """One open churn alert of the customer (``alerts``), as the inbox holds it."""

    id: int
    kind: str = Field(description="order-rhythm (B2B rhythm test) or churn-model.")
    raised_on: date
    risk: float
    value_at_risk: Money
    reasons: list[str]
    action: str


class OpenSaveCase(_Out):
    """The customer's open save case (he said he wants to cancel), from the save desk."""

    id: int
    opened_at: datetime
    source: str = Field(description="ivr, contact-reason or request.")
    arm: str = Field(description="desk (with an offer) or control (standard handling).")
    suggested_offer: str | None = Field(description="The retention offer the desk suggests.")


class RiskBlock(_Out):
    """Is he leaving: his risk with the alert run and model it came from, his open alerts
    and his open save case (issue 16: one place on the 360 for all three)."""

    risk: float | None = Field(description="The highest risk among his open alerts.")
    alert_run_id: str | None = Field(description="The alert run the risk comes from.")
    alert_run_as_of: date | None
    alert_models: dict[str, object] = Field(default_factory=dict)
    alerts: list[OpenAlert]
    save_case: OpenSaveCase | None


Customer360.model_rebuild()
