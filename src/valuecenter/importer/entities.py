"""What each importable entity's file holds: its canonical columns, their kinds and rules.

These names are the public file format (documented in ``docs/data-format.md``); the demo
company generator writes exactly these columns. The database side of each entity lives in
``loaders.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from valuecenter import channels
from valuecenter.campaigns.models import Arm, CampaignChannel
from valuecenter.consent.models import ConsentChannel, Purpose
from valuecenter.contacts.models import Channel, Direction
from valuecenter.contracts.models import ContractStatus
from valuecenter.customers.models import CustomerKind


class Kind(enum.Enum):
    """How a cell is read. Every kind treats a blank cell (after trimming) as "no value"."""

    ID = "id"  # external identifier: trimmed; "17850.0" (a spreadsheet artefact) becomes "17850"
    TEXT = "text"
    INT = "int"
    MONEY = "money"  # an amount in the currency unit, stored as integer cents
    PRICE = "price"  # a unit price, up to 4 decimals, stored as integer ten-thousandths
    DATE = "date"
    TIMESTAMP = "timestamp"  # stored in UTC; naive values are in ImportOptions.timezone
    BOOL = "bool"
    ENUM = "enum"
    CODES = "codes"  # one or more codes separated by ';' or '|'


@dataclass(frozen=True)
class Column:
    """One canonical column of an entity's file."""

    name: str
    kind: Kind
    required: bool = False
    default: object = (
        None  # used when the cell is blank (and, on insert, when the column is absent)
    )
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    min: int | None = None
    max: int | None = None
    max_len: int | None = None
    upper: bool = False
    # A day planned ahead (a contract's end, a campaign's end) may lie beyond the import
    # horizon, up to validate.PLANNED_YEARS; every other day is of something that happened.
    planned: bool = False


@dataclass(frozen=True)
class Entity:
    """An importable entity: its columns and the natural key that must be unique in a file."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _values(enum_cls: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum_cls)


def _id(name: str, *, required: bool = False) -> Column:
    return Column(name, Kind.ID, required=required, max_len=64)


def _text(name: str, max_len: int | None, *, required: bool = False, upper: bool = False) -> Column:
    return Column(name, Kind.TEXT, required=required, max_len=max_len, upper=upper)


def _seconds(name: str) -> Column:
    return Column(name, Kind.INT, default=0, min=0, max=2_147_483_647)


INT32_MAX = 2_147_483_647

AGENTS = Entity(
    "agents",
    (
        _id("agent_id", required=True),
        _text("name", 200),
        _text("team", 64),
        _text("language", 8),
        _text("skills", 400),
        Column("hire_date", Kind.DATE),
        Column("leave_date", Kind.DATE),
    ),
    key=("agent_id",),
)

CUSTOMERS = Entity(
    "customers",
    (
        _id("customer_id", required=True),
        _text("name", 200),
        Column("kind", Kind.ENUM, default="b2b", choices=_values(CustomerKind)),
        _text("country", 64),
        _text("language", 8),
        _text("city", 120),
        _text("email", 254),
        _text("phone", 40),
        _text("segment", 64),
        _text("account_manager", 64),
        Column("customer_since", Kind.DATE),
    ),
    key=("customer_id",),
)

PRODUCTS = Entity(
    "products",
    (
        _id("product_id", required=True),
        _text("name", 300),
        _text("category", 64),
        Column("list_price", Kind.MONEY),
    ),
    key=("product_id",),
)

CONTRACTS = Entity(
    "contracts",
    (
        _id("contract_id", required=True),
        _id("customer_id", required=True),
        _text("plan", 120, required=True),
        Column("monthly_fee", Kind.MONEY, required=True),
        Column("start_date", Kind.DATE, required=True),
        Column("end_date", Kind.DATE, planned=True),
        Column("status", Kind.ENUM, default="active", choices=_values(ContractStatus)),
        Column("renewed_at", Kind.DATE),
        Column("cancelled_at", Kind.DATE),
        _text("cancel_reason", 200),
    ),
    key=("contract_id",),
)

ORDERS = Entity(
    "orders",
    (
        _id("order_id", required=True),
        _id("customer_id", required=True),
        Column("ordered_at", Kind.TIMESTAMP, required=True),
        _id("product_id", required=True),
        Column("quantity", Kind.INT, required=True, min=-INT32_MAX, max=INT32_MAX),
        Column("unit_price", Kind.PRICE, required=True),
        Column("line_no", Kind.INT, min=1, max=INT32_MAX),
        _text("currency", 3, upper=True),
        _text("country", 64),
        _text("product_name", 300),
    ),
    key=("order_id", "line_no"),
)

CONTACTS = Entity(
    "contacts",
    (
        _id("contact_id", required=True),
        _id("customer_id"),
        Column(
            "channel",
            Kind.ENUM,
            required=True,
            choices=_values(Channel),
            aliases=MappingProxyType(
                {
                    "self_service": "self-service",
                    "selfservice": "self-service",
                    "ivr": "self-service",
                }
            ),
        ),
        Column("direction", Kind.ENUM, default="inbound", choices=_values(Direction)),
        _text("queue", 64),
        _id("agent_id"),
        Column("started_at", Kind.TIMESTAMP, required=True),
        _seconds("wait_seconds"),
        _seconds("talk_seconds"),
        _seconds("wrap_seconds"),
        _seconds("hold_seconds"),
        Column("abandoned", Kind.BOOL, default=False),
        _id("transferred_from"),
        Column("reasons", Kind.CODES, max_len=64),
        _id("case_id"),
        Column("resolved", Kind.BOOL),
        _text("intent", 64),
    ),
    key=("contact_id",),
)

# The queues contacts arrive in (issue 20): the contacts' ``queue`` code, the service-level
# target as "percent within seconds" (80 within 20 for the classic phone target) and the
# opening hours as JSON per weekday (``contacts/queues.py`` checks them).
QUEUES = Entity(
    "queues",
    (
        _text("queue", 64, required=True),
        _text("name", 200, required=True),
        _text("department", 120),
        Column(
            "channel",
            Kind.ENUM,
            required=True,
            choices=channels.values(channels.CONTACT_CHANNELS),
            aliases=MappingProxyType(
                {
                    "self_service": "self-service",
                    "selfservice": "self-service",
                    "ivr": "self-service",
                }
            ),
        ),
        Column("service_level_percent", Kind.INT, required=True, min=1, max=100),
        Column("service_level_seconds", Kind.INT, required=True, min=1, max=INT32_MAX),
        _text("opening_hours", 2000),
        _text("timezone", 64),
        Column("active", Kind.BOOL, default=True),
    ),
    key=("queue",),
)

SURVEYS = Entity(
    "surveys",
    (
        _id("survey_id", required=True),
        _id("customer_id", required=True),
        Column("answered_at", Kind.TIMESTAMP, required=True),
        Column("nps", Kind.INT, required=True, min=0, max=10),
        _text("comment", None),
        _id("contact_id"),
        Column(
            "channel",
            Kind.ENUM,
            choices=channels.values(channels.SURVEY_CHANNELS),
            aliases=MappingProxyType(
                {"self_service": "self-service", "selfservice": "self-service"}
            ),
        ),
    ),
    key=("survey_id",),
)

CONSENTS = Entity(
    "consents",
    (
        _id("customer_id", required=True),
        Column("purpose", Kind.ENUM, required=True, choices=_values(Purpose)),
        Column("channel", Kind.ENUM, required=True, choices=_values(ConsentChannel)),
        Column("granted", Kind.BOOL, required=True),
        _text("source", 120),
        Column("recorded_at", Kind.TIMESTAMP, required=True),
    ),
    key=("customer_id", "purpose", "channel", "recorded_at"),
)

EMPLOYEE_SURVEYS = Entity(
    "employee_surveys",
    (
        _id("agent_id", required=True),
        Column("answered_at", Kind.TIMESTAMP, required=True),
        Column("score", Kind.INT, required=True, min=0, max=10),
        _text("comment", None),
    ),
    key=("agent_id", "answered_at"),
)

# Campaigns (C7, C9): the action, its channel and its cost per contact (seed 004: register
# costs and conversions), then one member row per selected customer in the treatment or the
# control arm, so uplift is measured as the difference between the arms.
CAMPAIGNS = Entity(
    "campaigns",
    (
        _id("campaign_id", required=True),
        _text("name", 200),
        Column(
            "channel",
            Kind.ENUM,
            required=True,
            choices=_values(CampaignChannel),
            aliases=MappingProxyType(
                {
                    "mail": "direct-mail",
                    "post": "direct-mail",
                    "direct_mail": "direct-mail",
                    "call": "phone",
                    "telephone": "phone",
                }
            ),
        ),
        _text("action", 64),
        Column("started_at", Kind.TIMESTAMP, required=True),
        Column("ended_at", Kind.TIMESTAMP, planned=True),
        Column("cost_per_contact", Kind.MONEY, default=0),
        _text("description", None),
    ),
    key=("campaign_id",),
)

CAMPAIGN_MEMBERS = Entity(
    "campaign_members",
    (
        _id("campaign_id", required=True),
        _id("customer_id", required=True),
        Column("arm", Kind.ENUM, required=True, choices=_values(Arm)),
        Column("contacted_at", Kind.TIMESTAMP),
        Column("responded_at", Kind.TIMESTAMP),
        Column("converted_at", Kind.TIMESTAMP),
        Column("revenue", Kind.MONEY, default=0),
    ),
    key=("campaign_id", "customer_id"),
)

SPECS: Mapping[str, Entity] = MappingProxyType(
    {
        e.name: e
        for e in (
            AGENTS,
            CUSTOMERS,
            PRODUCTS,
            CONTRACTS,
            ORDERS,
            QUEUES,
            CONTACTS,
            SURVEYS,
            CONSENTS,
            EMPLOYEE_SURVEYS,
            CAMPAIGNS,
            CAMPAIGN_MEMBERS,
        )
    }
)

# Dependency order: an entity's references are loaded by the ones before it.
ENTITIES: tuple[str, ...] = tuple(SPECS)
