"""Erase one customer's personal data (GDPR art. 17), keeping every figure.

Every column marked personal (``db/personal.py``) in every table holding him
(``holdings.py``) is erased by its kind:

- a **unique identifier** (his customer number, the numbers of his orders, contacts, contracts,
  cases and surveys) gets a fresh random one, ``ANON-…``: the row keeps its place in every
  join, but nothing links it to the company's other systems any more;
- a **nullable value** (his name, e-mail, phone, city, notes, comments, subjects) becomes NULL;
- any **other text or JSON** (the reasons and suggestions of alerts, save cases, renewals and
  decisions, the decision's context, the feature row's facts) keeps its structure and codes,
  with every one of his own values cut out (``[erased]``): the values of his personal columns
  read before the erasure, in any case.

Ids, amounts, dates, enumerations and every number stay, so the P&L, the save ledger, the
score runs and the experiments keep their totals: the customer is now an anonymous id
(recital 26: data that can no longer be attributed to a person is not personal data). One
transaction: the caller's unit of work commits all of it or nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Column, String, Table, UniqueConstraint, update
from sqlalchemy.orm import Session

from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.db.personal import is_personal
from valuecenter.errors import NotFound
from valuecenter.i18n import _
from valuecenter.privacy.holdings import Holding, holdings, rows_of

ERASED = "[erased]"
PSEUDONYM_PREFIX = "ANON-"
# Shorter values are not cut out of texts: "NL" or "12" would blank out unrelated words.
MIN_SCRUB_LENGTH = 3


@dataclass(frozen=True)
class Erasure:
    customer_id: int
    pseudonym: str
    rows: int  # rows changed
    tables: dict[str, int]  # rows changed per table


def pseudonym(length: int | None = None) -> str:
    """A fresh anonymous identifier (``ANON-`` and 12 random hex digits)."""
    text = PSEUDONYM_PREFIX + secrets.token_hex(6).upper()
    return text[:length] if length else text


def _kind(column: Column[object]) -> str:
    if column.unique or any(
        isinstance(c, UniqueConstraint) and list(c.columns) == [column]
        for c in column.table.constraints
    ):
        return "pseudonym"
    if column.nullable:
        return "null"
    return "scrub"


def personal_columns(table: Table) -> list[Column[object]]:
    return [c for c in table.columns if is_personal(c)]


def _scrubber(values: Iterable[str]) -> re.Pattern[str] | None:
    wanted = sorted(
        {v.strip() for v in values if len(v.strip()) >= MIN_SCRUB_LENGTH}, key=len, reverse=True
    )
    if not wanted:
        return None
    return re.compile("|".join(re.escape(v) for v in wanted), re.IGNORECASE)


def scrub(value: object, pattern: re.Pattern[str] | None) -> object:
    """``value`` (text or JSON) with every match of ``pattern`` in its texts replaced."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, pattern) for k, v in value.items()}
    return value


def _his_values(session: Session, customer_id: int, found: list[Holding]) -> list[str]:
    """Every text of his personal columns (the values to cut out of texts and JSON)."""
    values: list[str] = []
    for h in found:
        columns = [c for c in personal_columns(h.table) if isinstance(c.type, String)]
        if not columns:
            continue
        for row in session.execute(rows_of(h, customer_id)).mappings():
            values.extend(str(row[c.name]) for c in columns if row[c.name] is not None)
    return values


def erase(session: Session, customer_id: int) -> Erasure:
    """Erase the customer's personal data in every table; :class:`NotFound` when unknown."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("no customer %(id)s", id=customer_id))
    found = list(holdings())
    pattern = _scrubber(_his_values(session, customer_id, found))
    changed: dict[str, int] = {}
    new_number = ""
    for h in reversed(found):  # children first: their texts are read before the parents change
        table = h.table
        columns = personal_columns(table)
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        rows = session.execute(rows_of(h, customer_id)).mappings().all()
        for row in rows:
            values: dict[str, object] = {}
            for column in columns:
                current = row[column.name]
                kind = _kind(column)
                if kind == "pseudonym":
                    length = getattr(column.type, "length", None)
                    values[column.name] = pseudonym(length)
                elif kind == "null":
                    values[column.name] = None
                elif current is not None:
                    values[column.name] = scrub(current, pattern)
            if table.name == Customer.__tablename__:
                values["erased_at"] = utcnow()
                new_number = str(values.get("external_id", row["external_id"]))
            where = [k == row[k.name] for k in keys]
            session.execute(update(table).where(*where).values(values))
        changed[table.name] = len(rows)
    session.expire_all()
    return Erasure(customer_id, new_number, sum(changed.values()), changed)
