"""Orders and order lines. A negative quantity is a return.

A unit price is stored exactly with four decimals, as integer ten-thousandths of the currency
unit (wholesale price lists have per-piece prices such as 0.001); a line's total is stored in
integer cents, ``quantity × unit price`` rounded to the cent half away from zero
(``importer/line_totals.py``), so every sum of money is a sum of exact integer cents and a
return mirrors its sale to the cent (docs/data-format.md, "Orders")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR", info=NOT_PERSONAL)
    country: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_ten_thousandths: Mapped[int] = mapped_column(BigInteger)
    """The unit price in ten-thousandths of the currency unit: 12.3456 → 123456."""
    total_cents: Mapped[int] = mapped_column(BigInteger)
    """``quantity × unit price`` in cents, rounded half away from zero."""
