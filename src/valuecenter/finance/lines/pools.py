"""The account-manager pools line: the revenue retention of the pools' customers against the
customers without an account manager (issue 23, point 2; seed 000: the best customers'
revenue retention rose from 75% to 97% once each had his own AM).

For the period and the period of the same length before it, per customer: revenue then and
revenue now (order lines' ``total_cents``), the customers who bought then. Gross: what the
pools' customers of then bought now (their retained revenue). Incremental: (the pools'
revenue retention − the comparison group's) × the pools' revenue then, with the delta
method's interval (:func:`valuecenter.analytics.revenue_retention.retention_difference`).

The comparison group was not drawn at random — an AM is given to the customers who matter —
so the line is **never proven**: it shows its figures, says why, and stays out of the proven
total. Proving it takes a random hold-out of customers who get no AM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.revenue_retention import retention_difference
from valuecenter.customers.models import Customer
from valuecenter.finance.costs import bound
from valuecenter.finance.ledger import RecordsRef, YieldLine, figures
from valuecenter.i18n import _
from valuecenter.orders.models import Order, OrderLine


def _revenue(session: Session, start: date, end: date) -> dict[bool, tuple[list[int], list[int]]]:
    """Per group (has an AM): revenue then and now of each customer who bought then."""
    before = start - (end - start)
    lo, mid, hi = bound(before), bound(start), bound(end)
    now = case((Order.ordered_at >= mid, OrderLine.total_cents), else_=0)
    then = case((Order.ordered_at < mid, OrderLine.total_cents), else_=0)
    groups: dict[bool, tuple[list[int], list[int]]] = {True: ([], []), False: ([], [])}
    for am, prev, cur in session.execute(
        select(Customer.account_manager_id, func.sum(then), func.sum(now))
        .join(Order, Order.customer_id == Customer.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.ordered_at >= lo, Order.ordered_at < hi)
        .group_by(Customer.id, Customer.account_manager_id)
    ):
        if prev and prev > 0:
            group = groups[am is not None]
            group[0].append(int(prev))
            group[1].append(int(cur or 0))
    return groups


@dataclass(frozen=True)
class PoolsLedger:
    key: str = "am-pools"

    def line(self, session: Session, start: date, end: date) -> YieldLine:
        groups = _revenue(session, start, end)
        (then_a, now_a), (then_b, now_b) = groups[True], groups[False]
        value = retention_difference(then_a, now_a, then_b, now_b)
        incremental, interval = figures(value)
        pooled = sum(then_a)
        retention = (sum(now_a) / pooled) if pooled else None
        other = (sum(now_b) / sum(then_b)) if sum(then_b) else None
        return YieldLine(
            key=self.key,
            label=_("Account-manager pools"),
            start=start,
            end=end,
            gross_cents=int(np.sum(now_a)) if now_a else 0,
            incremental_cents=incremental,
            interval_cents=interval,
            proven=False,
            method=_(
                "Revenue retention of the pools' customers (%(a)s who bought in the period "
                "before) against the customers without an account manager (%(b)s): the "
                "difference × the pools' revenue before, delta-method interval. Gross: what "
                "the pools' customers bought in the period.",
                a=len(then_a),
                b=len(then_b),
            ),
            provenance={
                "pool_customers": len(then_a),
                "comparison_customers": len(then_b),
                "pool_retention": None if retention is None else round(retention, 4),
                "comparison_retention": None if other is None else round(other, 4),
                "comparison": "customers without an account manager (not randomised)",
            },
            records=RecordsRef(
                path="/pools",
                query={"month": f"{start:%Y-%m}"},
                count=len(then_a) + len(then_b),
                what=_("customers who bought in the period before"),
            ),
            reason=_(
                "the comparison group was not drawn at random: account managers are given to "
                "the customers who matter, so the difference is not the pools' effect"
            ),
        )
