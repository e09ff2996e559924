"""Score runs and the scores they wrote.

A run (``valuecenter score``) fits the value models on the order history up to ``as_of`` and
writes one row per customer. Scores are never updated in place: a new run writes new rows,
and pages show the latest run with its id, its time and its model parameters (the rule that
every figure a manager sees says where it came from).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL


class ScoreRun(Base):
    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), unique=True, info=NOT_PERSONAL)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date]
    customers: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)  # customers with at least one purchase
    horizon_months: Mapped[int] = mapped_column(Integer)
    discount_rate: Mapped[float] = mapped_column(Float)  # yearly
    models: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # fitted parameters per model
    segments: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # the segment definitions used
    seconds: Mapped[float] = mapped_column(Float)
    # The risk model the segments' risk axis came from (value/risk.py) and its out-of-time AUC;
    # None: no model could be validated, the risk is 1 − P(alive) (runs before issue 18 too).
    risk_model: Mapped[str | None] = mapped_column(String(32), info=NOT_PERSONAL)
    risk_auc: Mapped[float | None] = mapped_column(Float)


class CustomerScore(Base):
    """One customer's scores in one run. Money in cents."""

    __tablename__ = "customer_scores"
    __table_args__ = (UniqueConstraint("run_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    revenue_12m_cents: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)  # all history up to as_of
    purchases: Mapped[int] = mapped_column(Integer)  # purchase days
    recency_days: Mapped[int | None] = mapped_column(Integer)  # since the last purchase
    r: Mapped[int | None] = mapped_column(SmallInteger)
    f: Mapped[int | None] = mapped_column(SmallInteger)
    m: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_segment: Mapped[str | None] = mapped_column(String(32), info=NOT_PERSONAL)
    p_alive: Mapped[float | None] = mapped_column(Float)
    expected_purchases: Mapped[float | None] = mapped_column(Float)  # over the horizon
    clv_cents: Mapped[int | None] = mapped_column(BigInteger)  # discounted, over the horizon
    segment: Mapped[str] = mapped_column(String(32), index=True, info=NOT_PERSONAL)
    # Chance of leaving within the run's risk horizon, from the run's risk model (calibrated on
    # its out-of-time cut); 1 − P(alive) where that model does not score him.
    risk: Mapped[float | None] = mapped_column(Float)
    # The risk model his risk came from (the run's chosen one, or the next best that scores
    # him; None: 1 − P(alive)).
    risk_model: Mapped[str | None] = mapped_column(String(32), info=NOT_PERSONAL)
