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
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from valuecenter.analytics.purchases import (
    EPOCH,
    NEVER,
    ContractSummary,
    IntArray,
    PurchaseDays,
    PurchaseSummary,
    contract_summary_of,
    purchase_days_of,
)
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.orders.models import Order

SQLITE_CACHE_KIB = 524_288
FETCH_ROWS = 1_000_000  # customer-days per block read from the driver

_PER_ORDER = (
    "SELECT l.order_id AS oid, SUM(l.total_cents) AS v FROM order_lines l GROUP BY l.order_id"
)
_SQLITE_DAY = "CAST(julianday(substr(o.ordered_at, 1, 10)) - 2440587.5 AS INTEGER)"
_PG_DAY = "((o.ordered_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
_SPARK_DAY = "CAST(div(unix_micros(o.ordered_at), 86400000000) AS BIGINT)"  # a UTC session
DAY_OF = {"sqlite": _SQLITE_DAY, "postgresql": _PG_DAY, "spark": _SPARK_DAY}


def order_days_sql(engine: str, end: str) -> str:
    """The orders placed before the parameter ``end`` as rows (customer, UTC day, value): one
    statement for every engine (SQLite, PostgreSQL, Spark SQL), the lines summed per order.
    Only the day of a timestamp is spelled per engine, since each stores time its own way
    (SQLite as text, PostgreSQL as ``timestamptz``, Parquet as UTC microseconds)."""
    return (
        f"WITH per_order AS ({_PER_ORDER}) "
        f"SELECT o.customer_id, {DAY_OF[engine]} AS d, p.v "
        f"FROM per_order p JOIN orders o ON o.id = p.oid WHERE o.ordered_at < {end}"
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
    frame = np.asarray(
        [
            (
                customer,
                fee,
                (start - EPOCH).days,
                (end - EPOCH).days if end is not None else NEVER,
                (cancelled - EPOCH).days if cancelled is not None else NEVER,
                status == ContractStatus.RENEWED,
                status == ContractStatus.ACTIVE,
            )
            for customer, fee, start, end, cancelled, status in rows
        ],
        dtype=np.int64,
    ).reshape(-1, 7)
    customer, fee, start, end, cancelled, renewed, active = frame.T
    return contract_summary_of(
        as_of, customer, fee, start, end, cancelled, renewed == 1, active == 1
    )


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
    sql = order_days_sql("postgresql" if postgres else "sqlite", "%(end)s" if postgres else ":end")
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
    return purchase_days_of(table[:, 0], table[:, 1], table[:, 2])
