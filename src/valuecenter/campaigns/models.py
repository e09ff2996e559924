"""Campaigns, their members, saved selections and vouchers (C7, C9).

A campaign sends one action (an offer, a renewal discount, a newsletter) through one channel
to its treatment arm and holds a control arm out. Every member row records what happened:
when he was contacted (treatment only), when he responded to the message, when he converted
(did what the campaign wanted: renewed, bought, upgraded; control members convert too, on
their own) and the revenue of that conversion. Seed 004: register costs *and* conversions;
seed 001: direct mail responds 3–5%, SMS about 50%.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class CampaignChannel(enum.StrEnum):
    """How a campaign's message is sent: the vocabulary's ``CAMPAIGN_CHANNELS``
    (``valuecenter/channels.py``; a test holds them equal)."""

    DIRECT_MAIL = "direct-mail"
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    IN_CONTACT = "in-contact"  # offered by the agent during a service contact (C8)


class Arm(enum.StrEnum):
    TREATMENT = "treatment"
    CONTROL = "control"


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    channel: Mapped[CampaignChannel] = mapped_column(str_enum(CampaignChannel, "campaign_channel"))
    action: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cost_per_contact_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)
    # The campaign manager's campaigns (issue 19); imported campaigns leave these empty. The
    # experiment holds the status, the treated share and the pre-registered goal.
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), unique=True)
    selection_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_selections.id"))
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    fixed_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cost_per_voucher_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    margin_share: Mapped[float | None] = mapped_column(Float)  # of revenue, for the ROI
    exclusions: Mapped[dict[str, int] | None] = mapped_column(
        JSON, info=NOT_PERSONAL
    )  # reason -> customers removed at launch
    vouchers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    landing_slug: Mapped[str | None] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    landing_title: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    landing_body: Mapped[str | None] = mapped_column(Text, info=NOT_PERSONAL)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignMember(Base):
    """One customer in one campaign, in the treatment or the control arm."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    arm: Mapped[Arm] = mapped_column(str_enum(Arm, "campaign_arm"))
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignSelection(Base):
    """A saved selection: a filter over customer attributes and scores (the spec's fields are
    the campaign manager's ``SelectionSpec``), reused by campaigns and counted live."""

    __tablename__ = "campaign_selections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, info=NOT_PERSONAL)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, info=NOT_PERSONAL)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignVoucher(Base):
    """One unique voucher code of a campaign, issued to one member (or unissued), and its
    redemption (imported from the shop or the till: when, which order, what it brought)."""

    __tablename__ = "campaign_vouchers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, info=NOT_PERSONAL)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_ref: Mapped[str | None] = mapped_column(String(64), info=PERSONAL)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
