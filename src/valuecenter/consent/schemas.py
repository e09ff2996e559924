"""The consent API's shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from valuecenter.consent.models import ConsentChannel, Purpose


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    channel: ConsentChannel
    granted: StrictBool = Field(description="true: opt-in; false: withdrawal (opt-out).")
    source: str = Field(min_length=1, max_length=120, description="Where it came from.")


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    purpose: Purpose
    channel: ConsentChannel
    granted: bool
    source: str | None
    recorded_at: datetime
