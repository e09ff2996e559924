"""Customers and the account managers who own fixed pools of them (C11)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class CustomerKind(enum.StrEnum):
    B2B = "b2b"
    B2C = "b2c"


class AccountManager(Base):
    """Owner of a fixed pool of customers; ``user_id`` links the login that sees the pool."""

    __tablename__ = "account_managers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    country: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), index=True, info=PERSONAL)
    kind: Mapped[CustomerKind] = mapped_column(
        str_enum(CustomerKind, "customer_kind"), default=CustomerKind.B2B
    )
    country: Mapped[str | None] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    language: Mapped[str | None] = mapped_column(String(8), info=NOT_PERSONAL)
    city: Mapped[str | None] = mapped_column(String(120), info=PERSONAL)
    email: Mapped[str | None] = mapped_column(String(254), info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(String(40), info=PERSONAL)
    segment: Mapped[str | None] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_managers.id"), index=True
    )
    customer_since: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When his personal data was erased (GDPR art. 17, privacy/erasure.py): he is an
    # anonymous id since.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
