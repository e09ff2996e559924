"""The hidden truth of a simulated company, stored next to its observable tables.

These ``truth_*`` tables are written only by the demo generator and read only by tests,
benchmarks and ``valuecenter demo respond``; the product's own analytics never read them
(an import-linter contract keeps every product domain from importing ``valuecenter.demo``).
They are keyed by the same external ids as the observable data (``C0000001``, ``K…``,
``A…``) and have no foreign keys, so the product's tables never depend on them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId


class TruthWorld(Base):
    """Which simulation produced the data: preset, seed, size, window and scenarios."""

    __tablename__ = "truth_worlds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    preset: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)
    starts: Mapped[date]
    ends: Mapped[date]
    scenarios: Mapped[str] = mapped_column(String(200), default="")
    generator: Mapped[str] = mapped_column(String(64))


class TruthCustomer(Base):
    """A customer's latent traits, his true churn date and cause, and his response type."""

    __tablename__ = "truth_customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    value_potential: Mapped[float] = mapped_column(Float)  # expected revenue per month (euro)
    order_rate: Mapped[float] = mapped_column(Float)  # orders per month when active
    contact_rate: Mapped[float] = mapped_column(Float)  # service needs per month
    satisfaction: Mapped[float] = mapped_column(Float)  # baseline NPS answer (0–10)
    offer_sensitivity: Mapped[float] = mapped_column(Float)  # 0–1
    response_type: Mapped[str] = mapped_column(String(16))
    channel_pref: Mapped[str] = mapped_column(String(16))
    churn_date: Mapped[date | None]
    churn_cause: Mapped[str | None] = mapped_column(String(32))
    decline_days: Mapped[int] = mapped_column(Integer)
    # Mean order lines per order, and the three favourite categories (';'-separated codes, a
    # category may repeat) that 65% of his order lines come from (worlds of generator 3 on).
    basket_lines: Mapped[float | None] = mapped_column(Float)
    favourites: Mapped[str | None] = mapped_column(String(200))


class TruthProduct(Base):
    """A catalogue product's category and its share of that category's order lines."""

    __tablename__ = "truth_products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(64))
    popularity: Mapped[float] = mapped_column(Float)
    list_price_cents: Mapped[int] = mapped_column(Integer)


class TruthResponse(Base):
    """A customer's true probability of the action's outcome without and with treatment,
    and the uniform draw ``u`` that decides it (outcome = ``u < p``), so any policy can be
    re-simulated on the same world with common random numbers."""

    __tablename__ = "truth_responses"
    __table_args__ = (UniqueConstraint("customer_id", "action"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    p_control: Mapped[float] = mapped_column(Float)
    p_treated: Mapped[float] = mapped_column(Float)
    u: Mapped[float] = mapped_column(Float)


class TruthContact(Base):
    """Why a contact really happened, whether it could have been avoided, and whether the
    question was really solved (the observable ``resolved`` tick box is sometimes wrong)."""

    __tablename__ = "truth_contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), unique=True)
    need: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16))
    avoidable: Mapped[bool]
    true_resolved: Mapped[bool | None]


class TruthAgent(Base):
    """An agent's hidden engagement and quality, and his team's climate."""

    __tablename__ = "truth_agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True)
    team: Mapped[str] = mapped_column(String(64))
    team_climate: Mapped[float] = mapped_column(Float)
    engagement: Mapped[float] = mapped_column(Float)
    quality: Mapped[float] = mapped_column(Float)


class TruthNpsDriver(Base):
    """One term of the stated causal model the NPS answers were drawn from."""

    __tablename__ = "truth_nps_drivers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    driver: Mapped[str] = mapped_column(String(64), unique=True)
    effect: Mapped[float] = mapped_column(Float)  # NPS points (0–10 scale) per unit
    unit: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class TruthMarketShock(Base):
    """A scenario's shock to one market for some months."""

    __tablename__ = "truth_market_shocks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scenario: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(8))  # None: every market
    starts: Mapped[date]
    ends: Mapped[date]
    order_factor: Mapped[float] = mapped_column(Float)
    churn_factor: Mapped[float] = mapped_column(Float)
    contact_factor: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
