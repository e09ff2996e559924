"""Contracts of subscription customers (the telecom case: renewal at contract end, C7)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class ContractStatus(enum.StrEnum):
    ACTIVE = "active"
    RENEWED = "renewed"
    CANCELLED = "cancelled"
    ENDED = "ended"


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    plan: Mapped[str] = mapped_column(String(120), info=NOT_PERSONAL)
    monthly_fee_cents: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus, "contract_status"), default=ContractStatus.ACTIVE
    )
    renewed_at: Mapped[date | None]
    cancelled_at: Mapped[date | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
