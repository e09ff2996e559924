"""Purchase and contract features per customer from arrays: the pure half of the features of
the score run, shared by every engine that reads the orders (the database on one machine,
``valuecenter.spark`` on a cluster), so both compute the same figures with the same code.

The convention is the one of the CLV literature (Fader, Hardie & Lee 2005; ``lifetimes``):
one purchase per customer per day (UTC), ``frequency`` = purchase days − 1, ``recency`` = last
− first purchase day, ``T`` = the last day before ``as_of`` − first purchase day; the monetary
value of a customer is the mean value of his repeat days (the first day excluded).

Every function here works customer by customer: run on any set of whole customers (one
partition of a cluster), it gives those customers' rows of the run on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
EPOCH = date(1970, 1, 1)
NEVER = 10_000_000  # a day number far beyond any date: no end, no cancellation


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


@dataclass(frozen=True)
class PurchaseDays:
    """Every purchase day before ``as_of``: one entry per customer and UTC day with an order
    (the unit of the order-rhythm warning, ``valuecenter.analytics.rhythm``), sorted by
    customer then day."""

    customer_id: IntArray  # database ids
    day: IntArray  # days since 1970-01-01 (UTC)
    cents: IntArray


def purchase_days_of(customer: IntArray, day: IntArray, cents: IntArray) -> PurchaseDays:
    """The customer-days of orders given as (customer, UTC day, value) in any order: sorted by
    customer then day, the orders of one customer and day summed."""
    if len(customer) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return PurchaseDays(customer_id=empty, day=empty, cents=empty)
    same = customer[1:] == customer[:-1]
    if np.all((customer[1:] > customer[:-1]) | (same & (day[1:] > day[:-1]))):
        # Already one row per customer-day in order (a sorted engine's result): no copies.
        return PurchaseDays(
            customer_id=customer.astype(np.int64, copy=False),
            day=day.astype(np.int64, copy=False),
            cents=cents.astype(np.int64, copy=False),
        )
    del same
    order = np.lexsort((day, customer))
    customer, day = customer[order], day[order]
    starts = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])])
    return PurchaseDays(
        customer_id=customer[starts].astype(np.int64),
        day=day[starts].astype(np.int64),
        cents=np.add.reduceat(cents[order], starts).astype(np.int64),
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


def contract_summary_of(
    as_of: date,
    customer: IntArray,
    fee: IntArray,
    start: IntArray,
    end: IntArray,
    cancelled: IntArray,
    renewed: npt.NDArray[np.bool_],
    active: npt.NDArray[np.bool_],
) -> ContractSummary:
    """Per customer, from his contracts that started before ``as_of``: days since 1970-01-01
    for ``start``, ``end`` and ``cancelled`` (:data:`NEVER` when there is none)."""
    if len(customer) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ContractSummary(empty, empty, empty, np.zeros(0), np.zeros(0, bool), empty)
    end_day = (as_of - EPOCH).days
    running = (active | (renewed & (end >= end_day))) & (cancelled >= end_day)
    stop = np.where(active, np.minimum(cancelled, end_day), np.minimum(end, cancelled))
    overlap = np.clip(np.minimum(stop, end_day) - np.maximum(start, end_day - 365), 0, None)
    paid = np.round(fee * overlap * 12 / 365.25).astype(np.int64)
    ids, index = np.unique(customer, return_inverse=True)
    index = index.reshape(-1)

    def total(values: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> IntArray:
        return np.bincount(index, weights=values, minlength=len(ids)).round().astype(np.int64)

    to_end = np.where(running, np.maximum(end - end_day, 0), NEVER)
    first_end = np.full(len(ids), NEVER, dtype=np.int64)
    np.minimum.at(first_end, index, to_end)
    chains = np.maximum(total(~renewed), 1)
    is_running = total(running) > 0
    return ContractSummary(
        customer_id=ids.astype(np.int64),
        open_fee_cents=total(np.where(running, fee, 0)),
        days_to_end=np.where(is_running, first_end, 0),
        renewals=total(renewed) / chains,
        running=is_running,
        fees_12m_cents=total(paid),
    )
