"""Alert runs, the alerts they raised in the account managers' inboxes, and market dips.

A run (``valuecenter alerts run``) looks at every customer as of one day. It raises an
**individual** alert when a customer falls below his own rhythm *and* below his market's, or
when the churn model gives a contract customer a high risk; it records a **market dip** once
when a whole country orders clearly less than its customers' own rhythms predict (recession,
season), so that a dip is one line on a manager's page and not hundreds of alerts. Every alert
names its run (and through it the models and the score run whose CLV priced it).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class AlertKind(enum.StrEnum):
    ORDER_RHYTHM = "order-rhythm"  # B2B: orders or revenue well below his own rhythm
    CHURN_MODEL = "churn-model"  # contract customers: the churn model's calibrated risk


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class AlertOutcome(enum.StrEnum):
    """What the account manager found when he acted on the alert."""

    KEPT = "kept"  # he was at risk; the customer stays
    LEFT = "left"  # the customer leaves anyway
    FALSE_ALARM = "false-alarm"  # nothing was wrong
    NO_CONTACT = "no-contact"  # could not reach the customer


class AlertRun(Base):
    __tablename__ = "alert_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), unique=True, info=NOT_PERSONAL)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date]
    score_run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    customers: Mapped[int] = mapped_column(Integer)  # customers looked at
    raised: Mapped[int] = mapped_column(Integer)  # new individual alerts
    still_open: Mapped[int] = mapped_column(Integer)  # skipped: an open alert exists
    market_dips: Mapped[int] = mapped_column(Integer)
    models: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # rules, fitted models, validation
    seconds: Mapped[float] = mapped_column(Float)


class Alert(Base):
    """One alert in an account manager's inbox. Money in cents."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("alert_runs.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"))
    raised_on: Mapped[date] = mapped_column(index=True)
    risk: Mapped[float] = mapped_column(
        Float
    )  # churn model: P(leaving); rhythm: share of usual revenue missing
    clv_cents: Mapped[int] = mapped_column(BigInteger)
    value_at_risk_cents: Mapped[int] = mapped_column(BigInteger, index=True)  # risk × CLV
    reasons: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, info=PERSONAL
    )  # [{"code","text"}, ...]
    action: Mapped[str] = mapped_column(String(200), info=PERSONAL)  # the suggested next step
    status: Mapped[AlertStatus] = mapped_column(
        str_enum(AlertStatus, "alert_status"), default=AlertStatus.OPEN, index=True
    )
    outcome: Mapped[AlertOutcome | None] = mapped_column(str_enum(AlertOutcome, "alert_outcome"))
    note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MarketDip(Base):
    """A market (a country) ordering clearly below its customers' own rhythms. One row per
    dip: later runs that still see it extend ``last_seen_on`` instead of adding rows."""

    __tablename__ = "market_dips"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("alert_runs.id", ondelete="CASCADE"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("alert_runs.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)  # "country"
    market: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    first_seen_on: Mapped[date]
    last_seen_on: Mapped[date]
    customers: Mapped[int] = mapped_column(Integer)  # customers in the market with a rhythm
    expected_orders: Mapped[float] = mapped_column(Float)
    observed_orders: Mapped[int] = mapped_column(Integer)
    ratio: Mapped[float] = mapped_column(Float)  # observed / expected
    below_rhythm: Mapped[int] = mapped_column(Integer)  # customers the dip explains
