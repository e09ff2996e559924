"""Consent events and the do-not-call register.

The current state of a (customer, purpose, channel) is its latest event; a withdrawal is an
event with ``granted = false`` and takes effect from its timestamp (``consent/state.py`` reads
it; the decision engine and campaigns ask it before every marketing contact)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class Purpose(enum.StrEnum):
    SERVICE = "service"
    MARKETING = "marketing"
    PROFILING = "profiling"


class ConsentChannel(enum.StrEnum):
    """The channels consent is kept for — the vocabulary's ``CONSENT_CHANNELS`` — and ``any``
    (every channel) (``valuecenter/channels.py``; a test holds them equal)."""

    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    POST = "post"
    ANY = "any"


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("customer_id", "purpose", "channel", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "purpose"))
    channel: Mapped[ConsentChannel] = mapped_column(str_enum(ConsentChannel, "consent_channel"))
    granted: Mapped[bool]
    source: Mapped[str | None] = mapped_column(String(120), info=PERSONAL)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DoNotCall(Base):
    """One number on a do-not-call register (the Dutch *Bel-me-niet Register* and its like),
    in E.164 form. An import of the register's file replaces the previous snapshot: numbers no
    longer in it get ``removed_at``. A number on the register may not get an outbound marketing
    call (C10, the telemarketing code)."""

    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, info=PERSONAL)
    registered_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(120), info=NOT_PERSONAL)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
