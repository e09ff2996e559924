"""The next-best-action engine's tables (C8, C10, C20, C21).

- **Actions** are the catalogue: sales offers (a product, an upgrade), retention offers (a
  save-desk offer, C6), service actions (solve the open complaint first, call back, send a
  how-to) and loyalty moments (an anniversary, a gift for fans). Each has the value an
  acceptance earns, what it costs, the channels it may be used on, a validity and an
  eligibility rule in a small declarative language (``decisions/rules.py``) that is validated
  when it is saved and stored compiled-ready, so a broken rule never reaches a decision.
- **Levers** are the manager's weights on the arbitration: a cancel intent boosts retention
  offers, the Monday-morning rule (seed 002) damps sales offers, a long wait damps them too.
- **Contact-policy rules** limit how often a customer hears marketing (at most one marketing
  call per 30 days) and pause an offer he keeps refusing (after three rejections, none for
  90 days). Consent and the do-not-call register are the ``consent`` domain's.
- **The engine's settings** (one row): exploration and control shares, which intents are a
  service need, the detractor window, the catalogue's version (bumped on every change, so each
  process's compiled rule set knows when it is stale).
- **Feature rows**: one compact row per customer, refreshed in batch, which the real-time
  path reads with one primary-key lookup (``offers/features.py``).
- **Decisions and responses**: every decision is logged with who asked, what was shown, why
  (the reasons and the suppressions with the rule that refused each action), the model and
  catalogue version, and the features it used; responses (accepted, rejected, ignored) feed
  the contact policy at once and the propensity models at the next training.
- **Propensity models**: per action, trained from the response log (``offers/training.py``),
  stored as data (coefficients, LightGBM model text), never as pickles.

Money in cents.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.channels import CONSENT_WORDS
from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_choice, str_enum
from valuecenter.decisions.facts import CHANNELS


class ActionKind(enum.StrEnum):
    OFFER = "offer"  # cross- or up-sell: a product, an upgrade (marketing)
    RETENTION = "retention"  # a save offer for a customer who wants to leave (marketing)
    SERVICE = "service"  # solve the complaint first, call back, send a how-to (service)
    LOYALTY = "loyalty"  # recognise and reward: an anniversary, a gift for fans (marketing)


class Action(Base):
    """One action of the catalogue.

    ``value_cents`` is what one acceptance earns (the margin of the sale, the value of a save);
    ``cost_cents`` what an acceptance costs (the discount, the gift); ``contact_cost_cents``
    what presenting it costs whatever the answer. ``prior_accept`` is the catalogue's guess of
    P(accept) until the response log has taught a model. An offer of a ``product`` (or any
    product of a ``category``) converts when the customer buys it within ``conversion_days``;
    the engine does not offer an accepted action again within ``repeat_after_days``.
    ``rule`` is the parsed eligibility rule, ``rule_source`` the text as entered.
    """

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind, "action_kind"))
    description: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    retention_offer_id: Mapped[int | None] = mapped_column(ForeignKey("retention_offers.id"))
    value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    contact_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    channels: Mapped[list[str]] = mapped_column(
        JSON, default=list, info=NOT_PERSONAL
    )  # empty: every channel
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    prior_accept: Mapped[float] = mapped_column(Float, default=0.05)
    conversion_days: Mapped[int] = mapped_column(Integer, default=30)
    repeat_after_days: Mapped[int] = mapped_column(Integer, default=365)
    rule: Mapped[dict[str, object] | None] = mapped_column(JSON, info=NOT_PERSONAL)
    rule_source: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lever(Base):
    """A manager's weight on the score of the actions it matches (every set condition must
    hold; an unset one matches anything). Weights of all matching levers multiply."""

    __tablename__ = "decision_levers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    weight: Mapped[float] = mapped_column(Float)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list, info=NOT_PERSONAL)
    intents: Mapped[list[str]] = mapped_column(JSON, default=list, info=NOT_PERSONAL)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list, info=NOT_PERSONAL)
    weekdays: Mapped[list[str]] = mapped_column(
        JSON, default=list, info=NOT_PERSONAL
    )  # mon … sun, local time
    hour_from: Mapped[int | None] = mapped_column(Integer)  # local hour, inclusive
    hour_to: Mapped[int | None] = mapped_column(Integer)  # local hour, exclusive
    min_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)


class PolicyKind(enum.StrEnum):
    FREQUENCY = "frequency"  # at most max_count presentations per window_days
    REJECTION_PAUSE = "rejection-pause"  # max_count rejections in window_days: pause_days off


class ContactPolicyRule(Base):
    """A contact-policy limit. ``purpose``, ``channel`` (a consent channel, or ``any``) and
    ``direction`` (inbound, outbound or any) say which presentations count and which actions
    it holds back; ``action_id`` narrows a rejection pause to one action (else each action
    is paused on its own rejections)."""

    __tablename__ = "contact_policy_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    kind: Mapped[PolicyKind] = mapped_column(str_enum(PolicyKind, "policy_kind"))
    purpose: Mapped[str] = mapped_column(String(16), default="marketing", info=NOT_PERSONAL)
    channel: Mapped[str] = mapped_column(
        str_choice(CONSENT_WORDS, "policy_channel", length=16), default="any"
    )
    direction: Mapped[str] = mapped_column(String(8), default="any", info=NOT_PERSONAL)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    max_count: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    pause_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)


class EngineSettings(Base):
    """The decision engine's settings: one row (id 1). ``version`` rises with every change to
    the catalogue, the levers, the contact policy or these settings."""

    __tablename__ = "nba_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exploration_share: Mapped[float] = mapped_column(Float, default=0.05)
    control_share: Mapped[float] = mapped_column(Float, default=0.05)
    max_actions: Mapped[int] = mapped_column(Integer, default=3)
    service_intents: Mapped[list[str]] = mapped_column(JSON, default=list, info=NOT_PERSONAL)
    detractor_max_nps: Mapped[int] = mapped_column(Integer, default=6)
    detractor_days: Mapped[int] = mapped_column(Integer, default=30)
    ending_within_days: Mapped[int] = mapped_column(Integer, default=90)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerFeatures(Base):
    """One customer's compact feature row for the real-time path, as of ``as_of``.

    ``facts`` holds what the rules and the arbitration read (segment, contract state, products
    held, open complaint, last NPS, value, risk …) and the model's numeric features under
    ``x``; ``account_manager_id`` and ``phone`` (E.164) sit in columns so the one query of a
    decision checks visibility and joins the do-not-call register.
    """

    __tablename__ = "customer_features"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    feature_set: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)
    account_manager_id: Mapped[int | None] = mapped_column(BigInteger)
    # Indexed: inbound routing finds a caller by his number (``routing/hotpath.py``).
    phone: Mapped[str | None] = mapped_column(String(20), index=True, info=PERSONAL)
    facts: Mapped[dict[str, object]] = mapped_column(JSON, info=PERSONAL)


class DecisionArm(enum.StrEnum):
    NBA = "nba"  # the engine's choice (with its exploration share)
    CONTROL = "control"  # held out of sales offers, so their lift is measured


class Decision(Base):
    """One decision: who asked, for whom, in which context, what was shown and why."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_customer_id_decided_at", "customer_id", "decided_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(str_choice(CHANNELS, "decision_channel", length=16))
    direction: Mapped[str] = mapped_column(String(8), info=NOT_PERSONAL)
    intent: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    context: Mapped[dict[str, object]] = mapped_column(JSON, info=PERSONAL)
    arm: Mapped[DecisionArm] = mapped_column(str_enum(DecisionArm, "decision_arm"))
    explored: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(
        String(16), info=NOT_PERSONAL
    )  # api, page, batch, simulation
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("propensity_models.id"))
    catalogue_version: Mapped[int] = mapped_column(Integer)
    features_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    features: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # the model inputs used
    actions: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, info=PERSONAL
    )  # shown, best first
    suppressed: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, info=PERSONAL
    )  # {action, rule, detail}
    latency_us: Mapped[int] = mapped_column(Integer, default=0)


class ResponseOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IGNORED = "ignored"


class DecisionResponse(Base):
    """What the customer did with one shown action. Channel, direction, purpose and the
    customer are copied from the decision and the action, so the contact policy reads a
    customer's history with one indexed query."""

    __tablename__ = "decision_responses"
    __table_args__ = (
        UniqueConstraint("decision_id", "action_id"),
        Index("ix_decision_responses_customer_id_recorded_at", "customer_id", "recorded_at"),
        # The scoreboard counts today's answers of every agent at once (docs/scoreboard.md).
        Index("ix_decision_responses_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    outcome: Mapped[ResponseOutcome] = mapped_column(str_enum(ResponseOutcome, "nba_outcome"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(str_choice(CHANNELS, "decision_channel", length=16))
    direction: Mapped[str] = mapped_column(String(8), info=NOT_PERSONAL)
    purpose: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)


class PropensityModel(Base):
    """One training of the propensity models (``valuecenter offers train``): per action the
    learner chosen, its validation and its parameters (``payload``: zlib-compressed JSON of
    coefficients and LightGBM model text). The newest active one serves decisions."""

    __tablename__ = "propensity_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True, info=NOT_PERSONAL)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    learner: Mapped[str] = mapped_column(
        String(16), info=NOT_PERSONAL
    )  # requested: auto, gbm, logistic
    decisions_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decisions_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responses: Mapped[int] = mapped_column(Integer)
    feature_names: Mapped[list[str]] = mapped_column(JSON, info=NOT_PERSONAL)
    summary: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # per action: learner, rows, AUC
    payload: Mapped[bytes] = mapped_column(LargeBinary, info=NOT_PERSONAL)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    seconds: Mapped[float] = mapped_column(Float)
