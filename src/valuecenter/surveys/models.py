"""NPS answers, optionally linked to the contact they are about (closed loop, C14)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter import channels
from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import PERSONAL
from valuecenter.db.types import str_choice


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nps: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    channel: Mapped[str | None] = mapped_column(
        str_choice(channels.values(channels.SURVEY_CHANNELS), "survey_channel", length=32)
    )
