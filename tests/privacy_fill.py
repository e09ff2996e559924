"""One row in every table that holds a customer (``privacy/holdings.py``), made from the model
alone, so the export and erasure tests cover a new domain's table the day it is added.

Every personal text column gets a recognisable value (``pii:<table>.<column>``; a personal JSON
column a reason naming the customer), every other text column a neutral one. A foreign
key to ``customers`` names the customer; one to another holding table the row made there; a
required one to any other table a fresh row made there the same way (an alert run, a product).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.orm import Session

from valuecenter.db.base import UTCDateTime
from valuecenter.db.personal import is_personal
from valuecenter.privacy.holdings import CUSTOMERS, holdings

MARK = "pii:"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def marker(column: Column[Any]) -> str:
    return f"{MARK}{column.table.name}.{column.name}"


class Filler:
    def __init__(self, session: Session, customer_id: int) -> None:
        self.session = session
        self.customer_id = customer_id
        self.name = str(
            session.scalar(
                select(holdings()[0].table.c.name).where(holdings()[0].table.c.id == customer_id)
            )
        )
        self.made: dict[str, object] = {CUSTOMERS: customer_id}
        self.serial = 0

    def value(self, column: Column[Any], holding: set[str]) -> tuple[bool, object]:
        """(set it?, value) for one column of a new row."""
        self.serial += 1
        if (
            column.primary_key
            and column.autoincrement in (True, "auto")
            and not column.foreign_keys
        ):
            return False, None
        for fk in column.foreign_keys:
            target = fk.column.table
            if target.name in holding and target.name in self.made:
                return True, self.made[target.name]
            if target is column.table or column.nullable:
                return True, None
            return True, self.row(target, holding=set())
        kind = column.type
        personal = is_personal(column)
        if isinstance(kind, Enum):
            return True, kind.enums[0]
        if isinstance(kind, JSON):
            text = f"a reason about {self.name}" if personal else "code"
            return True, {"text": text, "reasons": [{"code": "x", "text": text}], "n": 1}
        if isinstance(kind, String | Text):
            text = f"{marker(column)}#{self.serial}" if personal else f"v{self.serial}"
            length = getattr(kind, "length", None)
            return True, text[-length:] if length and len(text) > length else text
        if isinstance(kind, LargeBinary):
            return True, b"x"
        if isinstance(kind, Boolean):
            return True, False
        if isinstance(kind, UTCDateTime):
            return True, AT
        if isinstance(kind, Date):
            return True, date(2026, 3, 2)
        if isinstance(kind, Float):
            return True, 0.5
        if isinstance(kind, Integer):
            return True, 1
        if column.nullable:
            return True, None
        raise AssertionError(f"no test value for {column} ({kind!r})")

    def row(self, table: Table, *, holding: set[str]) -> object:
        values = {}
        for column in table.columns:
            wanted, value = self.value(column, holding)
            if wanted:
                values[column.name] = value
        key = next(iter(table.primary_key.columns))
        result = self.session.execute(insert(table).values(values).returning(key))
        made = result.scalar_one()
        return made


def fill_every_holding_table(session: Session, customer_id: int) -> dict[str, object]:
    """One new row of the customer's in every holding table but ``customers``; their keys."""
    filler = Filler(session, customer_id)
    names = {h.table.name for h in holdings()}
    for h in holdings():
        if h.table.name == CUSTOMERS:
            continue
        filler.made[h.table.name] = filler.row(h.table, holding=names)
    session.flush()
    return filler.made
