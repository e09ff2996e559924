"""The hidden truth of a simulated company, in its own metadata beside the observable tables.

These ``truth_*`` tables are written only by the demo generator and read only by tests,
benchmarks and ``valuecenter demo …``; the product never reads them (the layers contract keeps
every product package from importing ``valuecenter.demo``). They are not part of the product's
schema: their :data:`TRUTH_METADATA` is not the product's ``Base.metadata``, no migration
creates them, and a real company's database (``db upgrade``, no demo) has none. The demo
creates them when it loads a world (:func:`create_truth_tables`) and drops them with it
(:func:`drop_truth_tables`). They are keyed by the same external ids as the observable data
(``C0000001``, ``K…``, ``A…``) and have no foreign keys, so the product's tables never depend
on them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Float, Integer, MetaData, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from valuecenter.db.base import NAMING_CONVENTION, BigId
from valuecenter.errors import NotFound

TRUTH_METADATA = MetaData(naming_convention=NAMING_CONVENTION)
NO_WORLD = "this database holds no simulated company (load one with `valuecenter demo`)"


class TruthBase(DeclarativeBase):
    """The declarative base of the truth tables: their own metadata, not the product's."""

    metadata = TRUTH_METADATA


def _connection(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def has_truth(session: Session | Connection) -> bool:
    """Whether this database holds the truth tables (a demo world was loaded into it)."""
    return inspect(_connection(session)).has_table(TruthWorld.__tablename__)


def require_truth(session: Session | Connection, message: str = NO_WORLD) -> None:
    """:class:`NotFound` (``message``: the way out) when no demo world was loaded into this
    database — the same words the callers use for truth tables without rows."""
    if not has_truth(session):
        raise NotFound(message)


def create_truth_tables(session: Session | Connection) -> None:
    """Fresh, empty truth tables for a world about to be loaded, inside the caller's
    transaction; an earlier world's are dropped first (the demo loads only into a database
    without customers, so such truth belongs to no data)."""
    drop_truth_tables(session)
    TRUTH_METADATA.create_all(_connection(session))


def drop_truth_tables(session: Session | Connection) -> None:
    """Drop the truth tables that exist (none: nothing happens)."""
    TRUTH_METADATA.drop_all(_connection(session), checkfirst=True)


class TruthWorld(TruthBase):
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


class TruthCustomer(TruthBase):
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


class TruthProduct(TruthBase):
    """A catalogue product's category and its share of that category's order lines."""

    __tablename__ = "truth_products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(64))
    popularity: Mapped[float] = mapped_column(Float)
    list_price_cents: Mapped[int] = mapped_column(Integer)


class TruthResponse(TruthBase):
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


class TruthContact(TruthBase):
    """Why a contact really happened, whether it could have been avoided, and whether the
    question was really solved (the observable ``resolved`` tick box is sometimes wrong)."""

    __tablename__ = "truth_contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), unique=True)
    need: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16))
    avoidable: Mapped[bool]
    true_resolved: Mapped[bool | None]


class TruthAgent(TruthBase):
    """An agent's hidden engagement and quality, and his team's climate."""

    __tablename__ = "truth_agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True)
    team: Mapped[str] = mapped_column(String(64))
    team_climate: Mapped[float] = mapped_column(Float)
    engagement: Mapped[float] = mapped_column(Float)
    quality: Mapped[float] = mapped_column(Float)


class TruthNpsDriver(TruthBase):
    """One term of the stated causal model the NPS answers were drawn from."""

    __tablename__ = "truth_nps_drivers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    driver: Mapped[str] = mapped_column(String(64), unique=True)
    effect: Mapped[float] = mapped_column(Float)  # NPS points (0–10 scale) per unit
    unit: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class TruthMarketShock(TruthBase):
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
