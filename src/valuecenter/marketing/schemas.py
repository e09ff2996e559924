"""What the campaign manager takes in: a selection's filter, a campaign's settings, its goal.

Every field is bounded (``valuecenter.bounds``): money in whole euros up to a billion, shares
between 0 and 1, days as ISO dates between 2000 and 2100, lists of at most 50 words.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from annotated_types import Ge, Le, MaxLen
from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from valuecenter.bounds import JSON_INTEGER, IsoDate, JsonRowId
from valuecenter.channels import CAMPAIGN_CHANNELS, values
from valuecenter.i18n import _

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
Euros = Annotated[float, Strict(), Ge(0), Le(1_000_000_000)]
Share = Annotated[float, Strict(), Ge(0), Le(1)]
Word = Annotated[str, MaxLen(64)]
Words = Annotated[list[Word], MaxLen(50)]
Metric = Literal["conversion", "retention", "revenue"]
CampaignChannelWord = Literal["direct-mail", "email", "sms", "phone", "in-contact"]
assert set(values(CAMPAIGN_CHANNELS)) == set(CampaignChannelWord.__args__)  # type: ignore[attr-defined]


class SelectionSpec(BaseModel):
    """A filter over the customers: every given condition must hold (AND); a list matches
    any of its words (OR). Scores come from the latest score run. A range whose lower bound
    is above its upper bound selects nobody (as its SQL does), it is not an error."""

    model_config = ConfigDict(extra="forbid")

    segments: Words = Field(default_factory=list, description="value segments (latest run)")
    rfm_segments: Words = Field(default_factory=list)
    countries: Words = Field(default_factory=list)
    kinds: list[Literal["b2b", "b2c"]] = Field(default_factory=list, max_length=2)
    clv_min_euro: Euros | None = None
    clv_max_euro: Euros | None = None
    risk_min: Share | None = None
    risk_max: Share | None = None
    categories: Words = Field(
        default_factory=list, description="bought a product of one of these categories"
    )
    bought_within_days: Annotated[int, Ge(1), Le(3660), JSON_INTEGER] = 365
    contract_end_from: IsoDate | None = None
    contract_end_to: IsoDate | None = None

    def needs_scores(self) -> bool:
        return bool(
            self.segments
            or self.rfm_segments
            or self.clv_min_euro is not None
            or self.clv_max_euro is not None
            or self.risk_min is not None
            or self.risk_max is not None
        )


class CampaignDraft(BaseModel):
    """A new campaign: what it offers, to whom, how, for how long, at what cost."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, MaxLen(64)] = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: Annotated[str, MaxLen(200)] = Field(pattern=r"\S")
    selection_id: JsonRowId
    action: Annotated[str, MaxLen(64)]
    channel: CampaignChannelWord
    start: IsoDate
    runtime_days: Annotated[int, Ge(1), Le(366), JSON_INTEGER] = 30
    budget_euro: Euros | None = None
    fixed_cost_euro: Euros = 0.0
    cost_per_contact_euro: Euros = 0.0
    cost_per_voucher_euro: Euros = 0.0
    margin_share: Share | None = None
    vouchers: Annotated[bool, Strict()] = False
    landing_title: Annotated[str, MaxLen(200)] | None = None
    landing_body: Annotated[str, MaxLen(5000)] | None = None

    @field_validator("start")
    @classmethod
    def _start(cls, value: date) -> date:
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(_("must be between 2000-01-01 and 2100-12-31"))
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("must not be empty"))
        return value.strip()


class Goal(BaseModel):
    """The pre-registered goal: fixed at launch, never edited after."""

    model_config = ConfigDict(extra="forbid")

    metric: Metric = "conversion"
    baseline: Annotated[float, Strict(), Ge(0), Le(1_000_000)] = Field(
        description="conversion/retention: the control rate (0–1); revenue: euros per member"
    )
    mde: Annotated[float, Strict(), Ge(-1_000_000), Le(1_000_000)] = Field(
        description="the minimum detectable effect, in the metric's unit"
    )
    sd_euro: Annotated[float, Strict(), Ge(0), Le(1_000_000)] | None = Field(
        default=None, description="revenue only: the standard deviation per member"
    )
    alpha: Annotated[float, Strict(), Ge(0.0001), Le(0.5)] = 0.05
    power: Annotated[float, Strict(), Ge(0.5), Le(0.9999)] = 0.8
    treated_share: Annotated[float, Strict(), Ge(0.05), Le(0.95)] = 0.5
    min_roi: Annotated[float, Strict(), Ge(-1), Le(1000)] = 0.0
