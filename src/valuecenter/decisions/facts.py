"""What a decision knows: the customer's facts (from his feature row) and the contact's context.

Both are plain, typed, immutable values, so the rule language, the contact policy and the
arbitration are pure functions of them and can be tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DecisionChannel(StrEnum):
    """Where the decision is shown: the contact channels plus the web site, the IVR and a
    letter — the vocabulary's ``DECISION_CHANNELS`` (``valuecenter/channels.py``; a test holds
    them equal)."""

    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEBCARE = "webcare"
    SMS = "sms"
    FAX = "fax"
    SELF_SERVICE = "self-service"
    WEB = "web"
    IVR = "ivr"
    POST = "post"


CHANNELS: tuple[str, ...] = tuple(c.value for c in DecisionChannel)
MAX_WAIT_MINUTES = 24 * 60
"""The longest wait an agent enters, in minutes: the agent desktop and ``offers decide --wait``
both take the wait in minutes (one unit in both front doors; the log keeps seconds)."""
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONTRACT_STATES: tuple[str, ...] = ("none", "active", "ending")


@dataclass(frozen=True, slots=True)
class Facts:
    """One customer as the decision engine sees him (his feature row, ``offers/features.py``).

    Money in cents. ``products`` and ``categories``: external product ids and category codes
    bought in the year before ``as_of``. ``x``: the propensity models' numeric features.
    """

    customer_id: int
    as_of: datetime | None = None
    kind: str | None = None
    segment: str | None = None  # the company's own label (customers.segment)
    value_segment: str | None = None  # the latest score run's segment
    country: str | None = None
    language: str | None = None
    customer_since: date | None = None
    contract: str = "none"
    contract_ends: date | None = None
    plans: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    open_case: bool = False
    open_complaint: bool = False
    last_nps: int | None = None
    last_nps_at: datetime | None = None
    clv_cents: int | None = None
    revenue_12m_cents: int = 0
    orders_12m: int = 0
    days_since_order: int | None = None
    churn_risk: float | None = None
    account_manager_id: int | None = None
    phone: str | None = None
    x: dict[str, float] = field(default_factory=dict)

    def tenure_days(self, today: date) -> int | None:
        return (today - self.customer_since).days if self.customer_since else None


@dataclass(frozen=True, slots=True)
class Context:
    """The contact: when (UTC and the display zone's local time), where, why, how long the
    customer waited, in which language."""

    at: datetime
    local: datetime
    channel: str
    direction: str = "inbound"
    intent: str | None = None
    wait_seconds: int = 0
    language: str | None = None
    open_case_since: datetime | None = None  # he has an open save case: he wants to cancel

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.local.weekday()]

    @property
    def hour(self) -> int:
        return self.local.hour

    @property
    def today(self) -> date:
        return self.local.date()
