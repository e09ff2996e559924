"""Products and a category tree (cross/up-sell and "who calls about what", C8 and C16)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId
from valuecenter.db.personal import NOT_PERSONAL


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str | None] = mapped_column(String(300), info=NOT_PERSONAL)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    list_price_cents: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
