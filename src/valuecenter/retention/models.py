"""Retention offers, renewal lists and the save desk's cases (C6, C7, C13).

- **Offers** are the catalogue the retention team works with: a discount on the next term's
  fee, free months, a handset, or another gift, each with what it costs when the customer
  takes it. The cost is what seed 001's manager counts against the department ("discounts
  and handsets given away").
- A **renewal run** ranks the customers whose contract ends soon by the *expected net
  incremental value* of calling them with the best offer (uplift × value − expected cost),
  leaves the silent renewers and lost causes out and counts them, and cuts the list at a
  budget. Its rows keep every figure the ranking used, and the run says which model, which
  campaigns it learned from, and which score run priced the customers.
- A **save case** opens when a customer says he wants to cancel (the IVR intent, a contact's
  reason, a cancellation request). A small random share goes to the *control* arm and gets
  standard handling, so the desk's effect is measured, not assumed. The agent records the
  offer and the outcome; the ledger adds them up, gross and incremental.

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
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class OfferKind(enum.StrEnum):
    DISCOUNT = "discount"  # a share off the monthly fee over the next term
    FREE_MONTHS = "free-months"
    HANDSET = "handset"
    OTHER = "other"


class RetentionOffer(Base):
    """One offer of the catalogue. What it costs when the customer takes it: ``discount_share``
    of the monthly fee over the next term, ``free_months`` months of fee, and
    ``fixed_cost_cents`` (a handset, a gift). ``campaign_action`` names the campaigns'
    ``action`` whose history (treatment vs control) teaches the uplift model of this offer;
    ``prior_uplift`` is the catalogue's guess of its effect before any is measured."""

    __tablename__ = "retention_offers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind, "offer_kind"))
    discount_share: Mapped[float] = mapped_column(Float, default=0.0)
    free_months: Mapped[int] = mapped_column(Integer, default=0)
    fixed_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    campaign_action: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    # The expected rise of a cancel caller's keep rate, until the desk's own control group
    # has measured it (the save desk's suggestion shrinks its measurement towards this).
    prior_uplift: Mapped[float] = mapped_column(Float, default=0.1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)


class RenewalRun(Base):
    """One renewal list: the customers whose contract ends in (as_of, as_of + horizon]."""

    __tablename__ = "renewal_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), unique=True, info=NOT_PERSONAL)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date]
    horizon_days: Mapped[int] = mapped_column(Integer)
    budget_calls: Mapped[int | None] = mapped_column(Integer)
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    call_cost_cents: Mapped[int] = mapped_column(BigInteger)
    score_run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    candidates: Mapped[int] = mapped_column(Integer)  # contracts ending in the horizon
    listed: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, object]] = mapped_column(JSON, info=NOT_PERSONAL)  # per group
    model: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # learner, training data, validation
    totals: Mapped[dict[str, object]] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # expected figures of the list
    seconds: Mapped[float] = mapped_column(Float)


class RenewalGroup(enum.StrEnum):
    LISTED = "listed"  # on the list, within the budget
    OVER_BUDGET = "over-budget"  # worth calling, but the budget ran out
    SILENT_RENEWER = "silent-renewer"  # renews anyway: an offer only costs
    LOST_CAUSE = "lost-cause"  # leaves anyway: an offer does not change it
    NOT_WORTH = "not-worth"  # some uplift, but less than the offer costs


class RenewalCandidate(Base):
    __tablename__ = "renewal_candidates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("renewal_runs.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    ends_on: Mapped[date]
    group: Mapped[RenewalGroup] = mapped_column(str_enum(RenewalGroup, "renewal_group"))
    rank: Mapped[int | None] = mapped_column(Integer)  # 1 = call first; None when not listed
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("retention_offers.id"))
    p_renew: Mapped[float] = mapped_column(Float)  # without an offer
    p_renew_offer: Mapped[float] = mapped_column(Float)  # with the chosen offer
    uplift: Mapped[float] = mapped_column(Float)
    value_cents: Mapped[int] = mapped_column(BigInteger)  # what a renewal is worth
    cost_cents: Mapped[int] = mapped_column(BigInteger)  # expected cost: call + offer taken
    net_cents: Mapped[int] = mapped_column(BigInteger, index=True)  # uplift × value − cost
    reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON, info=PERSONAL)


class SaveSource(enum.StrEnum):
    IVR = "ivr"  # the caller chose "cancel" in the IVR
    CONTACT_REASON = "contact-reason"  # a contact's reason was a cancellation
    REQUEST = "request"  # a written cancellation request (web form, letter)


class SaveArm(enum.StrEnum):
    DESK = "desk"  # the retention team with an offer
    CONTROL = "control"  # standard handling, no offer: the random control group


class SaveStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SaveOutcome(enum.StrEnum):
    KEPT = "kept"  # the customer stays
    CANCELLED = "cancelled"  # he cancels all the same


class SaveCase(Base):
    """A cancel intent. ``value_cents``, ``risk`` and ``reasons`` are frozen at opening, with
    the score run that priced them; the suggestion is the offer with the best expected net
    value at that moment. ``offer_id`` and ``offer_cost_cents`` are what the agent recorded."""

    __tablename__ = "save_cases"
    __table_args__ = (
        # At most one open case per customer, also when two requests open one at once.
        Index(
            "uq_save_cases_open_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The suggestion's evidence and the ledger read closed cases by when they closed.
        Index("ix_save_cases_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), unique=True)
    source: Mapped[SaveSource] = mapped_column(str_enum(SaveSource, "save_source"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    arm: Mapped[SaveArm] = mapped_column(str_enum(SaveArm, "save_arm"), index=True)
    status: Mapped[SaveStatus] = mapped_column(
        str_enum(SaveStatus, "save_status"), default=SaveStatus.OPEN, index=True
    )
    value_cents: Mapped[int] = mapped_column(BigInteger)  # CLV at opening
    monthly_fee_cents: Mapped[int | None] = mapped_column(BigInteger)
    risk: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON, info=PERSONAL)
    score_run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    suggested_offer_id: Mapped[int | None] = mapped_column(ForeignKey("retention_offers.id"))
    suggestion: Mapped[dict[str, object]] = mapped_column(JSON, info=PERSONAL)  # how it was chosen
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("retention_offers.id"))
    offer_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    outcome: Mapped[SaveOutcome | None] = mapped_column(str_enum(SaveOutcome, "save_outcome"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
