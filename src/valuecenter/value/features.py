"""Purchase features per customer, computed in the database (set-based SQL, no Python loops
over order lines): the input of RFM and of the BG/NBD and Gamma-Gamma models.

The convention is the one of the CLV literature (Fader, Hardie & Lee 2005; ``lifetimes``):
one purchase per customer per day (UTC), ``frequency`` = purchase days − 1, ``recency`` = last
− first purchase day, ``T`` = the last day before ``as_of`` − first purchase day; the monetary
value of a customer is the mean value of his repeat days (the first day excluded).

Order lines are first summed per order (a streaming pass, lines are stored by order), then
per customer and day; on SQLite that result is materialised in a temporary table, from which
the per-customer figures and the first day's value are read in two ordered passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.orders.models import Order

IntArray = npt.NDArray[np.int64]
SQLITE_CACHE_KIB = 524_288
FETCH_ROWS = 1_000_000  # customer-days per block read from the driver
_NEVER = 10_000_000  # a day number far beyond any date: no end, no cancellation
EPOCH = date(1970, 1, 1)

_PER_ORDER = (
    "SELECT l.order_id AS oid, SUM(l.total_cents) AS v FROM order_lines l GROUP BY l.order_id"
)
_SQLITE_DAY = "CAST(julianday(substr(o.ordered_at, 1, 10)) - 2440587.5 AS INTEGER)"
_PG_DAY = "((o.ordered_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"


@dataclass(frozen=True)
class PurchaseSummary:
    """One entry per customer with at least one purchase day before ``as_of``."""

    as_of: date
    customer_id: IntArray  # database ids, ascending
    periods: IntArray  # purchase days
    first_day: IntArray  # days since 1970-01-01 (UTC)
    last_day: IntArray
    total_cents: IntArray
    first_cents: IntArray  # value of the first purchase day
    recent_cents: IntArray  # value in the 365 days before as_of

    @property
    def end_day(self) -> int:
        """The last day of the calibration period (the day before ``as_of``)."""
        return (self.as_of - EPOCH).days - 1

    @property
    def frequency(self) -> IntArray:
        return self.periods - 1

    @property
    def recency(self) -> IntArray:
        return self.last_day - self.first_day

    @property
    def age(self) -> IntArray:
        """``T``: days from the first purchase to the end of the calibration period."""
        return self.end_day - self.first_day

    @property
    def repeat_value(self) -> npt.NDArray[np.float64]:
        """Mean value of the repeat days in cents (0 without repeat days)."""
        repeat = (self.total_cents - self.first_cents).astype(np.float64)
        return np.divide(
            repeat, self.frequency, out=np.zeros(len(repeat)), where=self.frequency > 0
        )


def latest_order_day(session: Session) -> date | None:
    latest = session.scalar(select(func.max(Order.ordered_at)))
    return None if latest is None else latest.astimezone(UTC).date()


def purchase_summary(session: Session, as_of: date) -> PurchaseSummary:
    """The features of every customer from the orders placed before ``as_of`` (00:00 UTC)."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    since = (as_of - EPOCH).days - 365
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        rows = session.execute(
            text(
                f"WITH per_order AS ({_PER_ORDER}), daily AS ("
                f"SELECT o.customer_id AS c, {_PG_DAY} AS d, SUM(p.v) AS v "
                "FROM per_order p JOIN orders o ON o.id = p.oid WHERE o.ordered_at < :end "
                "GROUP BY 1, 2) "
                "SELECT c, COUNT(*), MIN(d), MAX(d), SUM(v), (array_agg(v ORDER BY d))[1], "
                "SUM(CASE WHEN d >= :since THEN v ELSE 0 END) FROM daily GROUP BY c ORDER BY c"
            ),
            {"end": end, "since": since},
        ).all()
        return _summary(as_of, rows, None)
    stamp = end.strftime("%Y-%m-%d %H:%M:%S.%f")
    restore = [
        (pragma, session.execute(text(f"PRAGMA {pragma}")).scalar())
        for pragma in ("cache_size", "temp.cache_size")
    ]
    # A larger page cache while the per-day table is built and grouped.
    for pragma, _value in restore:
        session.execute(text(f"PRAGMA {pragma} = -{SQLITE_CACHE_KIB}"))
    session.execute(text("DROP TABLE IF EXISTS temp.vc_daily"))
    session.execute(
        text(
            f"CREATE TEMP TABLE vc_daily AS WITH per_order AS ({_PER_ORDER}) "
            f"SELECT o.customer_id AS c, {_SQLITE_DAY} AS d, SUM(p.v) AS v "
            "FROM per_order p JOIN orders o ON o.id = p.oid WHERE o.ordered_at < :end "
            "GROUP BY 1, 2"
        ),
        {"end": stamp},
    )
    try:
        rows = session.execute(
            text(
                "SELECT c, COUNT(*), MIN(d), MAX(d), SUM(v), 0, "
                "SUM(CASE WHEN d >= :since THEN v ELSE 0 END) FROM vc_daily GROUP BY c ORDER BY c"
            ),
            {"since": since},
        ).all()
        # SQLite's bare column: with MIN() alone, v comes from the row of the minimum.
        firsts = session.execute(
            text("SELECT c, MIN(d), v FROM vc_daily GROUP BY c ORDER BY c")
        ).all()
    finally:
        session.execute(text("DROP TABLE IF EXISTS temp.vc_daily"))
        for pragma, value in restore:
            session.execute(text(f"PRAGMA {pragma} = {int(str(value))}"))
    return _summary(as_of, rows, firsts)


def _ints(rows: Sequence[Sequence[Any]], width: int) -> IntArray:
    """Rows of integers as an (n, width) array (``np.asarray`` on SQLAlchemy rows is ~100×
    slower than this flat pass)."""
    flat = itertools.chain.from_iterable(rows)
    return np.fromiter(flat, dtype=np.int64, count=len(rows) * width).reshape(-1, width)


def _summary(
    as_of: date,
    rows: Sequence[Sequence[Any]],
    firsts: Sequence[Sequence[Any]] | None,
) -> PurchaseSummary:
    table = _ints(rows, 7)
    first = table[:, 5]
    if firsts is not None:
        first = _ints(firsts, 3)[:, 2]
    return PurchaseSummary(
        as_of=as_of,
        customer_id=table[:, 0],
        periods=table[:, 1],
        first_day=table[:, 2],
        last_day=table[:, 3],
        total_cents=table[:, 4],
        first_cents=first,
        recent_cents=table[:, 6],
    )


@dataclass(frozen=True)
class ContractSummary:
    """Per customer with a contract that started before ``as_of`` (database ids, ascending).

    A contract chain ends in exactly one contract that is not ``renewed`` (still ``active``, or
    ``ended``/``cancelled``), so a customer's chains are his non-renewed contracts and his
    renewals per chain are ``renewed contracts ÷ chains``: the k of the sBG model.
    """

    customer_id: IntArray
    open_fee_cents: IntArray  # monthly fees of the contracts running at as_of
    days_to_end: IntArray  # until the earliest end of a running contract (0: rolling on)
    renewals: npt.NDArray[np.float64]  # per chain
    running: npt.NDArray[np.bool_]  # has a contract running at as_of
    fees_12m_cents: IntArray  # fees of the 365 days before as_of


def contract_summary(session: Session, as_of: date) -> ContractSummary:
    """Contract features from the contracts table (one row each, a few columns)."""
    c = Contract
    rows = session.execute(
        select(
            c.customer_id,
            c.monthly_fee_cents,
            c.start_date,
            c.end_date,
            c.cancelled_at,
            c.status,
        )
        .where(c.start_date < as_of)
        .order_by(c.customer_id)
    ).all()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return ContractSummary(empty, empty, empty, np.zeros(0), np.zeros(0, bool), empty)
    end_day = (as_of - EPOCH).days
    frame = np.asarray(
        [
            (
                customer,
                fee,
                (start - EPOCH).days,
                (end - EPOCH).days if end is not None else _NEVER,
                (cancelled - EPOCH).days if cancelled is not None else _NEVER,
                status == ContractStatus.RENEWED,
                status == ContractStatus.ACTIVE,
            )
            for customer, fee, start, end, cancelled, status in rows
        ],
        dtype=np.int64,
    )
    customer, fee, start, end, cancelled, renewed, active = frame.T
    running = ((active == 1) | ((renewed == 1) & (end >= end_day))) & (cancelled >= end_day)
    stop = np.where(active == 1, np.minimum(cancelled, end_day), np.minimum(end, cancelled))
    overlap = np.clip(np.minimum(stop, end_day) - np.maximum(start, end_day - 365), 0, None)
    paid = np.round(fee * overlap * 12 / 365.25).astype(np.int64)
    ids, index = np.unique(customer, return_inverse=True)
    index = index.reshape(-1)

    def total(values: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> IntArray:
        return np.bincount(index, weights=values, minlength=len(ids)).round().astype(np.int64)

    to_end = np.where(running, np.maximum(end - end_day, 0), _NEVER)
    first_end = np.full(len(ids), _NEVER, dtype=np.int64)
    np.minimum.at(first_end, index, to_end)
    chains = np.maximum(total(renewed == 0), 1)
    is_running = total(running) > 0
    return ContractSummary(
        customer_id=ids.astype(np.int64),
        open_fee_cents=total(np.where(running, fee, 0)),
        days_to_end=np.where(is_running, first_end, 0),
        renewals=total(renewed == 1) / chains,
        running=is_running,
        fees_12m_cents=total(paid),
    )


@dataclass(frozen=True)
class PurchaseDays:
    """Every purchase day before ``as_of``: one entry per customer and UTC day with an order
    (the unit of the order-rhythm warning, ``valuecenter.analytics.rhythm``), sorted by
    customer then day."""

    customer_id: IntArray  # database ids
    day: IntArray  # days since 1970-01-01 (UTC)
    cents: IntArray


def purchase_days(session: Session, as_of: date) -> PurchaseDays:
    """The customer-days of the orders placed before ``as_of`` (00:00 UTC), set-based, sorted
    by customer then day.

    The database sums the lines per order and returns one row per order (customer, day,
    value); the orders of one customer and day are summed here, after a sort (in SQLite a
    ``GROUP BY`` over the orders builds a temporary B-tree and cost more than twice the rest
    of the query). Rows are read through the driver's own cursor in blocks of ``FETCH_ROWS``
    straight into integer arrays: a run reads millions of orders, and a Python row object per
    order (SQLAlchemy's ``Row``, or one list of all the driver's tuples) costs more time and
    memory than the query itself."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    postgres = session.connection().dialect.name == "postgresql"
    bound: object = end if postgres else end.strftime("%Y-%m-%d %H:%M:%S.%f")
    sql = (
        f"WITH per_order AS ({_PER_ORDER}) "
        f"SELECT o.customer_id, {_PG_DAY if postgres else _SQLITE_DAY} AS d, p.v "
        f"FROM per_order p JOIN orders o ON o.id = p.oid WHERE o.ordered_at < "
        f"{'%(end)s' if postgres else ':end'}"
    )
    raw: Any = session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql, {"end": bound})
        blocks = [np.zeros((0, 3), dtype=np.int64)]
        while rows := cursor.fetchmany(FETCH_ROWS):
            blocks.append(_ints(rows, 3))
    finally:
        cursor.close()
    table = np.concatenate(blocks)
    if len(table) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return PurchaseDays(customer_id=empty, day=empty, cents=empty)
    order = np.lexsort((table[:, 1], table[:, 0]))
    customer, day = table[order, 0], table[order, 1]
    starts = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])])
    cents = np.add.reduceat(table[order, 2], starts)
    return PurchaseDays(
        customer_id=customer[starts].astype(np.int64),
        day=day[starts].astype(np.int64),
        cents=np.asarray(cents, dtype=np.int64),
    )


def summary_from_days(as_of: date, days: PurchaseDays) -> PurchaseSummary:
    """:func:`purchase_summary` computed from the customer-days already read (one pass over the
    orders instead of two when a run needs both): per customer (ascending ids) the number of
    purchase days, the first and last day, the total, the first day's value and the value of
    the 365 days before ``as_of``."""
    order = np.lexsort((days.day, days.customer_id))
    customer, day, cents = days.customer_id[order], days.day[order], days.cents[order]
    if len(customer) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return PurchaseSummary(as_of, empty, empty, empty, empty, empty, empty, empty)
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    ends = np.r_[starts[1:], len(customer)]
    since = (as_of - EPOCH).days - 365
    recent = np.where(day >= since, cents, 0)
    return PurchaseSummary(
        as_of=as_of,
        customer_id=customer[starts].astype(np.int64),
        periods=(ends - starts).astype(np.int64),
        first_day=day[starts].astype(np.int64),
        last_day=day[ends - 1].astype(np.int64),
        total_cents=np.add.reduceat(cents, starts).astype(np.int64),
        first_cents=cents[starts].astype(np.int64),
        recent_cents=np.add.reduceat(recent, starts).astype(np.int64),
    )
