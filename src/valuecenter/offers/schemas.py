"""The shapes the decision API takes and returns (``POST /api/v1/decisions`` and its
responses), and the catalogue's rows for the admin page and ``offers list``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.bounds import JSON_INTEGER, JsonRowId
from valuecenter.decisions.facts import DecisionChannel
from valuecenter.offers.models import ResponseOutcome


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DecisionContextIn(_In):
    """What the channel knows of the contact besides its channel and intent."""

    direction: Literal["inbound", "outbound"] = "inbound"
    wait_seconds: Annotated[int, Field(ge=0, le=2_592_000), JSON_INTEGER] = Field(
        default=0, description="How long he waited (an e-mail: days)."
    )
    language: str | None = Field(
        default=None, max_length=8, description="The contact's language (else the customer's)."
    )
    contact_id: str | None = Field(
        default=None, max_length=64, description="The contact's external id, for the log."
    )


class DecisionIn(_In):
    customer_id: JsonRowId = Field(
        description="The customer's `id` as `/api/v1/customers` returns it."
    )
    channel: DecisionChannel
    intent: str | None = Field(
        default=None, max_length=64, description="Why he is in contact: order, complaint, cancel …"
    )
    context: DecisionContextIn | None = None


class ShownAction(_Out):
    action_id: int
    code: str
    name: str
    kind: str
    rank: int
    score: float = Field(description="Expected net incremental value of showing it, in euro.")
    weight: float = Field(
        default=1.0, description="The manager's levers' weight on its rank (not on its euros)."
    )
    p_accept: float
    p_organic: float = Field(description="P(he buys it anyway, without the offer).")
    explored: bool = Field(description="Shown at random by the exploration share.")
    reasons: list[str]


class SuppressedAction(_Out):
    action_id: int
    code: str
    rule: str = Field(description="The rule that held it back: consent, service-first, …")
    detail: str


class DecisionOut(_Out):
    decision_id: int
    customer_id: int
    decided_at: datetime
    channel: str
    direction: str
    intent: str | None
    arm: str = Field(description="nba, or control: held out of sales offers to measure lift.")
    explored: bool
    service_first: str | None
    model_version: str | None = Field(description="The propensity models used (None: priors).")
    catalogue_version: int
    features_as_of: datetime | None
    actions: list[ShownAction]
    suppressed: list[SuppressedAction]


class ResponseIn(_In):
    action_id: JsonRowId
    outcome: ResponseOutcome


class ResponseOut(_Out):
    decision_id: int
    action_id: int
    outcome: ResponseOutcome
    recorded_at: datetime
