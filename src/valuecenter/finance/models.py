"""The service P&L's own records (issue 23, points 1 and 7; docs/finance.md).

- **finance_cost_entries**: the costs the product cannot read from its own data — overhead,
  IT and telephony, training, other — per month, optionally per team and per channel, money in
  integer cents. An import replaces the entries of the months it holds, so loading a
  corrected file twice gives the same books.
- **finance_budgets**: the yearly budget of a cost line and the yearly target of a yield line,
  one row per year and line.

The agent hours' cost rates are the staffing settings' (``workforce.models.StaffingSettings``):
one source for the staffing plans and the P&L.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter import channels
from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL
from valuecenter.db.types import str_choice, str_enum


class CostKind(enum.StrEnum):
    """The cost lines entered by hand or imported (the others are read from the product)."""

    OVERHEAD = "overhead"
    IT_TELEPHONY = "it-telephony"
    TRAINING = "training"
    OTHER = "other"


class BudgetKind(enum.StrEnum):
    COST = "cost"
    YIELD = "yield"


class CostEntry(Base):
    __tablename__ = "finance_cost_entries"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("amount_cents < 100000000000000", name="amount_bounded"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    month: Mapped[date] = mapped_column(index=True)  # the first day of the month
    kind: Mapped[CostKind] = mapped_column(str_enum(CostKind, "cost_kind"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    channel: Mapped[str | None] = mapped_column(
        str_choice(channels.values(channels.CONTACT_CHANNELS), "cost_channel")
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Budget(Base):
    __tablename__ = "finance_budgets"
    __table_args__ = (
        UniqueConstraint("year", "line"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[BudgetKind] = mapped_column(str_enum(BudgetKind, "budget_kind"))
    line: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
