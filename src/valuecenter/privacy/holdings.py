"""Which tables hold a customer, and the query of his rows in each — derived from the model.

A table *holds* a customer when a chain of foreign keys leads from it to ``customers``: the
orders and the consents point at him, an order line points at one of his orders, a contact
reason at one of his contacts. The walk reads the metadata of every domain's ``models``
module (found by name, as Alembic's registry ``valuecenter/models.py`` lists them), so a new
domain's table with a ``customer_id`` is exported and erased without a line here.

A table with its own foreign key to ``customers`` is read by that key only (a contact of
another customer transferred from one of his is not his); any other holding table by its
foreign keys to the holding tables it points at (an order line by its order).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, MetaData, Select, Table, false, or_, select

import valuecenter
from valuecenter.db.base import Base

CUSTOMERS = "customers"
# Packages whose tables are not the product's: the demo keeps its truth in its own metadata.
NOT_PRODUCT = frozenset({"demo"})


@cache
def product_metadata() -> MetaData:
    """The metadata of every table of the product: each domain's ``models`` module imported."""
    for module in pkgutil.iter_modules(valuecenter.__path__):
        if module.ispkg and module.name not in NOT_PRODUCT:
            try:
                importlib.import_module(f"valuecenter.{module.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"valuecenter.{module.name}.models":
                    raise
    return Base.metadata


@dataclass(frozen=True)
class Holding:
    """A table that holds customers, and the foreign keys that lead to them: (column of this
    table, the referenced column) pairs, any of which names one of his rows."""

    table: Table
    via: tuple[tuple[str, Table, str], ...]  # (column here, referenced table, its column)


@cache
def holdings() -> tuple[Holding, ...]:
    """Every table holding a customer, parents before children (``customers`` first)."""
    metadata = product_metadata()
    found: dict[str, Holding] = {}
    for table in metadata.sorted_tables:
        if table.name == CUSTOMERS:
            found[CUSTOMERS] = Holding(table, ())
            continue
        keys = [
            fk
            for fk in table.foreign_keys
            if fk.column.table.name in found and fk.column.table is not table
        ]
        direct = [fk for fk in keys if fk.column.table.name == CUSTOMERS]
        chosen = direct or keys
        if chosen:
            found[table.name] = Holding(
                table,
                tuple(sorted((fk.parent.name, fk.column.table, fk.column.name) for fk in chosen)),
            )
    return tuple(found.values())


def holding(name: str) -> Holding:
    return next(h for h in holdings() if h.table.name == name)


def belongs_to(h: Holding, customer_id: int) -> ColumnElement[bool]:
    """The condition selecting the rows of ``h`` that are the customer's."""
    table = h.table
    if table.name == CUSTOMERS:
        return table.c.id == customer_id
    conditions: list[ColumnElement[bool]] = []
    for column, parent, parent_column in h.via:
        if parent.name == CUSTOMERS and parent_column == "id":
            conditions.append(table.c[column] == customer_id)
        else:
            of_parent = select(parent.c[parent_column]).where(
                belongs_to(holding(parent.name), customer_id)
            )
            conditions.append(table.c[column].in_(of_parent))
    return or_(*conditions) if conditions else false()


def rows_of(h: Holding, customer_id: int) -> Select[tuple[object, ...]]:
    """His rows of ``h``, in primary-key order."""
    table = h.table
    return select(table).where(belongs_to(h, customer_id)).order_by(*table.primary_key.columns)
