"""The shapes of the routing API (``POST /api/v1/routing/decide``, presence) and its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from valuecenter.bounds import JSON_INTEGER, JsonRowId

MAX_WAIT_SECONDS = 86_400


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RouteIn(_In):
    """One inbound call. Give the customer's id or the caller's number (or neither: an
    anonymous call); with both, the id decides."""

    customer_id: JsonRowId | None = Field(
        default=None, description="The customer's `id` as `/api/v1/customers` returns it."
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="The caller's number in international form (+31 20 123 4567, 0031…).",
    )
    intent: str | None = Field(
        default=None, max_length=64, description="What the IVR heard: cancel, invoice, order …"
    )
    language: str | None = Field(
        default=None, max_length=8, description="The call's language (else the customer's)."
    )
    time: AwareDatetime | None = Field(
        default=None,
        description="When the call came in, with its offset (default: now); the rules read its "
        "local weekday and hour.",
    )
    waiting_seconds: Annotated[int, Field(ge=0, le=MAX_WAIT_SECONDS), JSON_INTEGER] = Field(
        default=0, description="How long he has waited so far."
    )


class RoutedOut(BaseModel):
    decision_id: int
    customer_id: int | None = Field(description="The caller as found (None: unknown caller).")
    queue: str = Field(description="The queue the call goes to (or waits in for the agent).")
    agent_id: int | None = Field(description="The agent to offer it to first, if any.")
    agent: str | None = Field(description="That agent's external id.")
    priority: int = Field(description="Higher is sooner: base priority plus the boosts.")
    self_service: bool = Field(description="The IVR handles it itself.")
    reasons: list[str] = Field(description="Every rule that applied, in words.")
    rules_version: int


class PresenceIn(_In):
    state: Literal["available", "busy", "away"]


class PresenceOut(BaseModel):
    agent: str
    state: str
    updated_at: datetime
