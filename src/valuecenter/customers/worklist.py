"""One worklist for every list of customers a user works through (issue 16): the alert inbox,
the save desk and the renewal list build their rows here.

A list is a query on its own rows (alerts, save cases, renewal candidates, with their own
joins) plus what every such list shows of the customer — :class:`CustomerRef`: id, customer
number, name, country, account manager — and the viewer's visibility (an account manager
sees only his own pool, C11: :func:`customers.repository.visible_customers`). :func:`listing`
adds both to a query; :func:`page_of` reads one page of it with its total, :func:`every_row`
the whole list in batches (the CSV exports); :func:`paging` checks a page request with the
one-line errors of the API. Queries only: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import ColumnExpressionArgument, Row, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from valuecenter.bounds import row_offset
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.customers.schemas import CustomerRef
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import _
from valuecenter.users.models import User

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A list's query: any columns."""

Column: TypeAlias = ColumnExpressionArgument[Any]
"""A column or expression to count on or sort by."""

REF_COLUMNS = (
    Customer.id,
    Customer.external_id,
    Customer.name,
    Customer.country,
    AccountManager.code,
)
"""The customer columns :func:`listing` appends to a list's own columns, in this order."""

BATCH = 1000
"""Rows per fetch when a whole list is read (:func:`every_row`)."""


@dataclass(frozen=True, slots=True)
class Paging:
    """A checked page request: page ``page`` (from 1) of ``size`` rows."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return row_offset(self.page, self.size)


def paging(page: int, page_size: int, page_size_max: int) -> Paging:
    """``page`` and ``page_size`` checked (page from 1, size 1 to ``page_size_max``)."""
    if page < 1:
        raise InvalidInput("page", _("must be 1 or more"))
    if not 1 <= page_size <= page_size_max:
        raise InvalidInput("page_size", _("must be between 1 and %(max)s", max=page_size_max))
    return Paging(page, page_size)


def listing(rows: Query, customer_id: ColumnExpressionArgument[int], viewer: User | None) -> Query:
    """``rows`` joined to its customer on ``customer_id`` and his account manager, with the
    :data:`REF_COLUMNS` appended and, for a ``viewer``, only the customers he may see (None:
    the caller has checked visibility, e.g. for one row he just changed)."""
    stmt = (
        rows.add_columns(*REF_COLUMNS)
        .join(Customer, Customer.id == customer_id)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
    )
    return stmt if viewer is None else stmt.where(visible_customers(viewer))


def split(row: Row[Any]) -> tuple[tuple[Any, ...], CustomerRef]:
    """A row of a :func:`listing` query as (the list's own columns, the customer)."""
    values = tuple(row)
    own, ref = values[: -len(REF_COLUMNS)], values[-len(REF_COLUMNS) :]
    customer_id, external_id, name, country, account_manager = ref
    return own, CustomerRef(
        id=customer_id,
        external_id=external_id,
        name=name,
        country=country,
        account_manager=account_manager,
    )


def count_of(session: Session, stmt: Query, key: InstrumentedAttribute[Any]) -> int:
    """How many rows the :func:`listing` query ``stmt`` has (counted on its ``key`` column)."""
    keys = stmt.with_only_columns(key, maintain_column_froms=True).order_by(None)
    return int(session.scalar(select(func.count()).select_from(keys.subquery())) or 0)


def page_of(
    session: Session,
    stmt: Query,
    *,
    key: InstrumentedAttribute[Any],
    order_by: Sequence[Column],
    offset: int,
    limit: int,
) -> tuple[list[tuple[tuple[Any, ...], CustomerRef]], int]:
    """One page of the :func:`listing` query ``stmt`` in ``order_by`` order (end it with a
    unique column so pages never overlap), split by :func:`split`, and the list's total."""
    total = count_of(session, stmt, key)
    rows = session.execute(stmt.order_by(*order_by).offset(offset).limit(limit)).all()
    return [split(row) for row in rows], total


def every_row(
    session: Session, stmt: Query, *, order_by: Sequence[Column]
) -> Iterator[tuple[tuple[Any, ...], CustomerRef]]:
    """The whole :func:`listing` query ``stmt`` in ``order_by`` order, fetched :data:`BATCH`
    rows at a time (a server-side cursor on PostgreSQL), split by :func:`split`."""
    result = session.execute(stmt.order_by(*order_by).execution_options(yield_per=BATCH))
    for row in result:
        yield split(row)


NOTE_MAX = 2000
"""The longest note an agent or account manager writes when he handles a row of a worklist."""

Outcome = TypeVar("Outcome", bound=StrEnum)


def outcome_and_note(
    kind: type[Outcome], outcome: str, note: str | None
) -> tuple[Outcome, str | None]:
    """The outcome a worklist row is handled with (one of ``kind``) and its note, stripped
    (blank → None); :class:`InvalidInput` naming the field otherwise."""
    try:
        result = kind(outcome)
    except ValueError:
        choices = ", ".join(o.value for o in kind)
        raise InvalidInput(
            "outcome", _("'%(value)s' is not one of %(choices)s", value=outcome, choices=choices)
        ) from None
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise InvalidInput(
            "note",
            _("is %(n)s characters; at most %(max)s", n=grouped(len(text)), max=grouped(NOTE_MAX)),
        )
    return result, text
