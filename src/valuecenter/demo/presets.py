"""The parameters of the two demo companies: a Benelux-DACH office-supplies wholesaler (seed 000,
the fixed pools of ≈650 customers per account manager) and a Dutch mobile operator (seed 001,
IVR self-service of 54% of calls, contracts of one or two years).

Everything a generator module draws from is named here, so a company is one readable object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

CHANNELS = ("phone", "chat", "email", "webcare", "sms", "fax", "self-service")

# The history window ends at a fixed date so the same seed gives the same company on any day.
DEFAULT_END = date(2026, 10, 31)
DEFAULT_MONTHS = 24

# Seed 000: "BE/DE/LU/AT prefer phone and fax, NL wants online". Shares in CHANNELS order.
_MIX_ONLINE = (0.28, 0.16, 0.24, 0.07, 0.03, 0.01, 0.21)
_MIX_PHONE_FAX = (0.46, 0.05, 0.19, 0.02, 0.02, 0.12, 0.14)
_MIX_SWISS = (0.42, 0.07, 0.22, 0.03, 0.02, 0.08, 0.16)
# Telecom before the IVR: the IVR then serves 54% of the calls itself (seed 001).
_MIX_TELECOM = (0.62, 0.10, 0.08, 0.05, 0.04, 0.004, 0.106)


@dataclass(frozen=True)
class Country:
    """A market: its share of the customers, languages, cities and channel habits."""

    code: str
    share: float
    languages: tuple[tuple[str, float], ...]
    cities: tuple[str, ...]
    phone_prefix: str
    channel_mix: tuple[float, ...]
    # Share of orders placed through a contact centre channel (phone/fax/email) rather than
    # online; seed 000: "70% of the phone traffic is taking orders", more so in phone markets.
    assisted_orders: float


@dataclass(frozen=True)
class Plan:
    """A contract plan (telecom subscriptions, wholesale service agreements)."""

    code: str
    monthly_fee_cents: int
    weight: float
    term_months: tuple[int, ...]
    handset: bool = False


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign in the demo's history: one action through one channel to a share of the
    eligible customers at ``month`` (months after the window start), with a random control
    hold-out (seed 004: pilot with success criteria fixed beforehand, measured on a control)."""

    code: str
    name: str
    channel: str  # a CampaignChannel value
    action: str  # a treatments.ACTIONS key
    month: int
    share: float  # of the eligible (active, consenting) customers
    control_share: float
    cost_cents: int  # per contacted member
    category: str | None = None  # what a conversion buys (cross-sell)


# Seed 001: "direct mail responds 3–5%, SMS about 50%". Base response of an average customer.
CHANNEL_RESPONSE = {"direct-mail": 0.04, "sms": 0.5, "email": 0.09, "phone": 0.35}


@dataclass(frozen=True)
class Preset:
    """One demo company."""

    name: str
    kind: str  # b2b | b2c
    countries: tuple[Country, ...]
    pool_size: int | None  # customers per account manager (seed 000), None: no AMs
    categories: tuple[tuple[str, str, float], ...]  # code, name, median list price (euro)
    products_per_category: int
    plans: tuple[Plan, ...]
    contract_share: float  # share of customers with contracts
    extra_lines: float  # mean number of extra contracts per contract customer
    order_rate_per_month: float  # mean orders per active customer per month
    lines_per_order: float
    contacts_per_month: float  # service contacts per active customer per month
    reasons: tuple[tuple[str, float], ...]
    ivr_share: float  # share of calls the IVR handles itself
    annual_churn: float
    functions: tuple[str, ...]  # agent teams besides the language service desks
    segment_labels: tuple[str, ...]  # six value segments (seed 001), best first
    seasonal_peak: float  # extra contact load in the week before Valentine/Mother's Day/Xmas
    campaigns: tuple[CampaignSpec, ...] = ()
    recession_country: str = "NL"  # the market --scenario recession hits
    renewal_campaign: bool = False  # contract renewals are offered by an outbound campaign


COUNTRIES_WHOLESALE = (
    Country(
        "NL",
        0.36,
        (("nl", 1.0),),
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Venlo", "Groningen", "Zwolle"),
        "+31",
        _MIX_ONLINE,
        0.07,
    ),
    Country(
        "BE",
        0.15,
        (("nl", 0.6), ("fr", 0.4)),
        ("Antwerpen", "Gent", "Brussel", "Liège", "Charleroi", "Brugge", "Leuven"),
        "+32",
        _MIX_PHONE_FAX,
        0.13,
    ),
    Country(
        "DE",
        0.34,
        (("de", 1.0),),
        ("Düsseldorf", "Köln", "München", "Hamburg", "Berlin", "Frankfurt", "Essen"),
        "+49",
        _MIX_PHONE_FAX,
        0.13,
    ),
    Country(
        "CH",
        0.08,
        (("de", 0.75), ("fr", 0.25)),
        ("Zürich", "Basel", "Bern", "Genève", "Lausanne", "Luzern"),
        "+41",
        _MIX_SWISS,
        0.11,
    ),
    Country(
        "AT",
        0.07,
        (("de", 1.0),),
        ("Wien", "Graz", "Linz", "Salzburg", "Innsbruck"),
        "+43",
        _MIX_PHONE_FAX,
        0.13,
    ),
)

WHOLESALE = Preset(
    name="wholesale",
    kind="b2b",
    countries=COUNTRIES_WHOLESALE,
    pool_size=650,
    categories=(
        ("paper", "Paper and envelopes", 9.0),
        ("ink", "Ink and toner", 45.0),
        ("writing", "Writing and correction", 4.0),
        ("filing", "Filing and archiving", 7.0),
        ("desk", "Desk accessories", 12.0),
        ("furniture", "Office furniture", 180.0),
        ("it", "IT and accessories", 35.0),
        ("catering", "Coffee and catering", 15.0),
        ("cleaning", "Cleaning and hygiene", 10.0),
        ("mailroom", "Mailroom and shipping", 8.0),
        ("school", "School and education", 5.0),
        ("safety", "Safety and first aid", 20.0),
    ),
    products_per_category=40,
    plans=(
        Plan("next-day-plus", 1995, 0.5, (12,)),
        Plan("managed-print", 4900, 0.3, (12, 24)),
        Plan("coffee-service", 7900, 0.2, (12, 24)),
    ),
    contract_share=0.12,
    extra_lines=0.1,
    order_rate_per_month=0.4,
    lines_per_order=2.4,
    contacts_per_month=0.055,
    reasons=(
        ("order", 0.20),
        ("delivery", 0.18),
        ("invoice", 0.14),
        ("product-info", 0.12),
        ("return", 0.08),
        ("complaint", 0.07),
        ("price", 0.07),
        ("how-to", 0.06),
        ("account", 0.05),
        ("cancel", 0.03),
    ),
    ivr_share=0.0,
    annual_churn=0.11,
    functions=("orderdesk", "webcare"),
    segment_labels=("platinum", "gold", "silver", "bronze", "standard", "dormant"),
    seasonal_peak=0.25,
    campaigns=(
        CampaignSpec(
            "CAT-DM", "Spring catalogue", "direct-mail", "cross-sell", 3, 0.5, 0.1, 180, "furniture"
        ),
        CampaignSpec(
            "COFFEE-EMAIL", "Coffee corner offer", "email", "cross-sell", 9, 0.8, 0.1, 2, "catering"
        ),
        CampaignSpec(
            "TONER-SMS", "Toner reorder reminder", "sms", "cross-sell", 13, 1.0, 0.1, 9, "ink"
        ),
        CampaignSpec(
            "AM-CALL",
            "Account-manager call: office chairs",
            "phone",
            "cross-sell",
            18,
            0.3,
            0.1,
            650,
            "furniture",
        ),
    ),
    recession_country="DE",
    renewal_campaign=True,
)

TELECOM = Preset(
    name="telecom",
    kind="b2c",
    countries=(
        Country(
            "NL",
            0.93,
            (("nl", 1.0),),
            ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Tilburg", "Almere"),
            "+31",
            _MIX_TELECOM,
            0.0,
        ),
        Country(
            "BE",
            0.07,
            (("nl", 0.7), ("fr", 0.3)),
            ("Antwerpen", "Gent", "Brussel", "Liège"),
            "+32",
            _MIX_TELECOM,
            0.0,
        ),
    ),
    pool_size=None,
    categories=(
        ("accessories", "Accessories", 25.0),
        ("sim", "SIM cards", 5.0),
        ("handsets", "Handsets", 320.0),
    ),
    products_per_category=12,
    plans=(
        Plan("sim-only-5gb", 1250, 0.25, (12, 24)),
        Plan("sim-only-20gb", 2000, 0.25, (12, 24)),
        Plan("unlimited", 3500, 0.15, (12, 24)),
        Plan("handset-basic", 3000, 0.2, (24,), handset=True),
        Plan("handset-premium", 5500, 0.15, (24,), handset=True),
    ),
    contract_share=1.0,
    extra_lines=0.35,
    order_rate_per_month=0.015,
    lines_per_order=1.2,
    contacts_per_month=0.13,
    reasons=(
        ("invoice", 0.22),
        ("how-to", 0.16),
        ("device", 0.12),
        ("plan-change", 0.10),
        ("outage", 0.09),
        ("roaming", 0.07),
        ("payment", 0.08),
        ("complaint", 0.07),
        ("contract-end", 0.05),
        ("cancel", 0.04),
    ),
    ivr_share=0.54,
    annual_churn=0.14,
    functions=("retention", "webcare"),
    segment_labels=("platinum", "gold", "silver", "bronze", "standard", "dormant"),
    seasonal_peak=0.45,
    campaigns=(
        CampaignSpec(
            "UPGRADE-DM",
            "Handset upgrade mailing",
            "direct-mail",
            "cross-sell",
            5,
            0.4,
            0.1,
            150,
            "handsets",
        ),
        CampaignSpec(
            "ROAMING-SMS",
            "Summer roaming bundle",
            "sms",
            "cross-sell",
            8,
            1.0,
            0.1,
            9,
            "accessories",
        ),
        CampaignSpec(
            "CASE-EMAIL",
            "Accessories newsletter",
            "email",
            "cross-sell",
            13,
            0.9,
            0.1,
            2,
            "accessories",
        ),
        CampaignSpec(
            "XMAS-DM",
            "Christmas handset offer",
            "direct-mail",
            "cross-sell",
            13,
            0.4,
            0.1,
            150,
            "handsets",
        ),
    ),
    recession_country="NL",
    renewal_campaign=True,
)

PRESETS = {p.name: p for p in (WHOLESALE, TELECOM)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; :class:`InvalidInput` names the choices otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        choices = ", ".join(sorted(PRESETS))
        raise InvalidInput(
            "preset",
            _("'%(value)s' is not a preset; use one of %(choices)s", value=name, choices=choices),
        ) from None
