"""Contacts on every channel (C1), with reasons (C16), transfers and repeats (C15), and cases."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


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
