"""Contacts on every channel (C1), with reasons (C16), transfers and repeats (C15), and cases;
the queues they arrive in, each with its service-level target and opening hours."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter import channels
from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_choice, str_enum


class Channel(enum.StrEnum):
    """Where a service contact took place: the vocabulary's ``CONTACT_CHANNELS``
    (``valuecenter/channels.py``; a test holds them equal)."""

    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEBCARE = "webcare"
    SMS = "sms"
    FAX = "fax"
    SELF_SERVICE = "self-service"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Case(Base):
    """A customer's question or problem, handled over one or more contacts."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "case_status"), default=CaseStatus.OPEN
    )
    subject: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)


class Contact(Base):
    """One contact: a call, chat, mail, webcare message, SMS, fax or self-service session."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    direction: Mapped[Direction] = mapped_column(
        str_enum(Direction, "direction"), default=Direction.INBOUND
    )
    queue: Mapped[str | None] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    wait_seconds: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[int] = mapped_column(Integer, default=0)
    wrap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds the customer was put on hold during the conversation (part of the handle time
    # beside talk and wrap; 0 when never on hold or not recorded).
    hold_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    abandoned: Mapped[bool] = mapped_column(default=False)
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    resolved: Mapped[bool | None]
    intent: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)


class ContactReason(Base):
    """One of the (often 3–4, seed 002) reasons of a contact, in the order given."""

    __tablename__ = "contact_reasons"
    __table_args__ = (UniqueConstraint("contact_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64), index=True, info=NOT_PERSONAL)


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Queue(Base):
    """A queue contacts arrive in (its ``code`` is the contacts' ``queue``), with its service-level
    target — ``service_level_share`` of the offered contacts answered within
    ``service_level_seconds`` (the "80/20" of a phone queue: 0.8 within 20 s) — and its opening
    hours: per weekday (``mon`` … ``sun``) a list of ``["HH:MM", "HH:MM"]`` intervals in local
    time of ``timezone`` (an IANA name); a weekday absent or empty is closed."""

    __tablename__ = "queues"
    __table_args__ = (
        CheckConstraint(
            "service_level_share > 0 AND service_level_share <= 1", name="service_level_share"
        ),
        CheckConstraint("service_level_seconds > 0", name="service_level_seconds"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    department: Mapped[str | None] = mapped_column(String(120), info=NOT_PERSONAL)
    channel: Mapped[str] = mapped_column(
        str_choice(channels.values(channels.CONTACT_CHANNELS), "queue_channel")
    )
    service_level_share: Mapped[float] = mapped_column(Float)
    service_level_seconds: Mapped[int] = mapped_column(Integer)
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=NOT_PERSONAL)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam", info=NOT_PERSONAL)
    active: Mapped[bool] = mapped_column(default=True)
