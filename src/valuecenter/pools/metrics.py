"""Each account manager's figures for a period (issue 22, points 2 and 3): the one source of the
AM cockpit (``/pools/cockpit``) and of the bonus plan.

Seed 000 (the telesales AM article): 150 AMs, each with a fixed pool of about 650 customers of
his own market, responsible for sales *and* churn, with "exact insight per AM in what he does
and sells". :func:`am_metrics` reads every figure for any set of AMs with a handful of
set-based queries (one GROUP BY per source), so 150 AMs over 100,000 customers take seconds.

**Definitions** (all money in cents; a period is half-open ``[start, end)`` of UTC days):

- *Pool.* A customer belongs to the AM of ``customers.account_manager_id`` **now**. The product
  keeps no history of pool membership, so a customer moved between pools counts for his
  current AM in both periods (``valuecenter pools assign`` moves few: docs/pools.md).
- ``customers``: customers in his pool now.
- ``revenue_cents``: the order lines' ``total_cents`` of his pool's orders placed in the period;
  ``previous_revenue_cents`` the same for :meth:`Period.previous`.
- ``top_customers``, ``top_previous_cents``, ``top_current_cents``, ``top_retention``: revenue
  retention of his best customers,
  :func:`valuecenter.analytics.pool_metrics.top_revenue_retention` — his pool's top 20% by
  revenue in the previous period (only buyers; at least one), and their revenue this period
  ÷ their revenue then.
- ``offers_made``: next-best-action decisions of the engine's arm (``arm = nba``, not the
  control group) taken in the period for his pool customers that showed at least one action.
- ``offers_accepted``: how many of those decisions had a marketing action (an offer, a
  retention or a loyalty action — not a service action) accepted; ``sales_cents`` the sum of
  ``actions.value_cents`` of those accepted marketing actions (what an acceptance earns, as the
  catalogue says: the sale's margin, a save's value).
- ``service_sales_cents``: cross- and up-sell after service — the order lines of his pool
  placed in the period within 14 days after an **inbound** contact of the same customer
  (``contact.started_at ≤ ordered_at < started_at + 14 days``), of a product the customer had
  not ordered in the 365 days before that contact. Each order line counts once.
- ``nps``, ``nps_answers``: the NPS (−100…100: % promoters 9–10 minus % detractors 0–6) of
  the survey answers his pool customers gave in the period; ``None`` without answers.
- ``open_alerts``: alerts of his pool customers with status ``open``; ``open_tasks``: open
  detractor follow-up tasks (``followup_tasks``) of his pool customers. Both are **now**, not
  of the period.

``account_manager_ids=None`` reads every *active* AM; given ids are read whether active or not
(an AM who left still has a period to settle), unknown ids are skipped.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    distinct,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from valuecenter.alerts.models import Alert, AlertStatus
from valuecenter.analytics.pool_metrics import nps_points, top_revenue_retention
from valuecenter.contacts.models import Contact, Direction
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.offers.models import (
    Action,
    ActionKind,
    Decision,
    DecisionArm,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.quality.models import FollowupStatus, FollowupTask
from valuecenter.surveys.models import Survey

TOP_SHARE = 0.2
"""The share of his pool that are an AM's best customers (seed 000's measure)."""

SERVICE_SALE_DAYS = 14
"""An order this many days after an inbound contact counts as a sale after service."""

NEW_PRODUCT_DAYS = 365
"""… of a product the customer had not ordered in this many days before the contact."""

MARKETING_KINDS = (ActionKind.OFFER, ActionKind.RETENTION, ActionKind.LOYALTY)

_MONTH = re.compile(r"(\d{4})-(\d{2})")
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class Period:
    """Half-open ``[start, end)`` in UTC dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("period", _("must end after it starts"))

    @classmethod
    def month(cls, text: str) -> Period:
        """``"2026-10"`` → 1 October … 1 November 2026; years 2000 to 2100."""
        found = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise InvalidInput("month", _("must be a month like 2026-10 (YYYY-MM)"))
        year, month = int(found.group(1)), int(found.group(2))
        if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
            raise InvalidInput("month", _("must be a month from 2000-01 to 2100-12"))
        start = date(year, month, 1)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(start, end)

    @property
    def is_month(self) -> bool:
        last = calendar.monthrange(self.start.year, self.start.month)[1]
        return self.start.day == 1 and self.end == self.start + timedelta(days=last)

    def previous(self) -> Period:
        """The period of the same length just before: the previous calendar month for a
        calendar month (September before October, though it has a day less), else the same
        number of days."""
        if self.is_month:
            end = self.start
            start = (end - timedelta(days=1)).replace(day=1)
            return Period(start, end)
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def label(self) -> str:
        """``2026-10`` for a calendar month, else ``2026-10-01 – 2026-10-31`` (inclusive)."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)


@dataclass(frozen=True)
class AmMetrics:
    """One AM's figures for a period (the module docstring defines each)."""

    account_manager_id: int
    code: str
    name: str | None
    country: str | None
    customers: int
    revenue_cents: int
    previous_revenue_cents: int
    top_customers: int
    top_previous_cents: int
    top_current_cents: int
    top_retention: float | None
    offers_made: int
    offers_accepted: int
    sales_cents: int
    service_sales_cents: int
    nps: float | None
    nps_answers: int
    open_alerts: int
    open_tasks: int


def _ams(session: Session, ids: Sequence[int] | None) -> list[AccountManager]:
    query = select(AccountManager).order_by(AccountManager.code)
    if ids is None:
        query = query.where(AccountManager.active.is_(True))
    else:
        query = query.where(AccountManager.id.in_(sorted(set(ids))))
    return list(session.scalars(query))


def _counts(session: Session, query: Any) -> dict[int, int]:
    return {int(am): int(n or 0) for am, n in session.execute(query).all()}


def _pool(ids: list[int]) -> ColumnElement[bool]:
    return Customer.account_manager_id.in_(ids)


def _revenue(
    session: Session, ids: list[int], period: Period, before: Period
) -> tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]]:
    """Per AM: customer → revenue in ``before`` and in ``period`` (every pool customer in
    ``before``'s map, 0 for none)."""
    previous: dict[int, dict[int, int]] = defaultdict(dict)
    current: dict[int, dict[int, int]] = defaultdict(dict)
    members = select(Customer.id, Customer.account_manager_id).where(_pool(ids))
    for cid, am in session.execute(members):
        previous[int(am or 0)][int(cid)] = 0
    now = case((Order.ordered_at >= period.start_at, OrderLine.total_cents), else_=0)
    then = case((Order.ordered_at < before.end_at, OrderLine.total_cents), else_=0)
    rows = session.execute(
        select(Customer.id, Customer.account_manager_id, func.sum(now), func.sum(then))
        .join(Order, Order.customer_id == Customer.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            _pool(ids),
            Order.ordered_at >= min(before.start_at, period.start_at),
            Order.ordered_at < max(before.end_at, period.end_at),
        )
        .group_by(Customer.id, Customer.account_manager_id)
    ).all()
    for cid, am, cur, prev in rows:
        previous[int(am)][int(cid)] = int(prev or 0)
        if cur:
            current[int(am)][int(cid)] = int(cur)
    return previous, current


def _shown() -> ColumnElement[bool]:
    """The decision showed at least one action (SQLite's and PostgreSQL's JSON function)."""
    return func.json_array_length(Decision.actions) > 0


def _offers(
    session: Session, ids: list[int], period: Period
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    in_period = (
        Decision.decided_at >= period.start_at,
        Decision.decided_at < period.end_at,
        Decision.arm == DecisionArm.NBA,
    )
    made = _counts(
        session,
        select(Customer.account_manager_id, func.count(Decision.id))
        .join(Decision, Decision.customer_id == Customer.id)
        .where(_pool(ids), *in_period, _shown())
        .group_by(Customer.account_manager_id),
    )
    accepted: dict[int, int] = {}
    sales: dict[int, int] = {}
    for am, decisions, cents in session.execute(
        select(
            Customer.account_manager_id,
            func.count(distinct(Decision.id)),
            func.sum(Action.value_cents),
        )
        .join(Decision, Decision.customer_id == Customer.id)
        .join(DecisionResponse, DecisionResponse.decision_id == Decision.id)
        .join(Action, Action.id == DecisionResponse.action_id)
        .where(
            _pool(ids),
            *in_period,
            DecisionResponse.outcome == ResponseOutcome.ACCEPTED,
            Action.kind.in_(MARKETING_KINDS),
        )
        .group_by(Customer.account_manager_id)
    ):
        accepted[int(am or 0)] = int(decisions or 0)
        sales[int(am or 0)] = int(cents or 0)
    return made, accepted, sales


def _days_back(session: Session, stamp: Any, days: int) -> Any:
    """``stamp − days`` comparable with a timestamp column (see :func:`_moment`)."""
    if session.get_bind().dialect.name == "postgresql":
        return stamp - func.make_interval(0, 0, 0, days)
    return func.julianday(stamp) - days


def _moment(session: Session, stamp: Any, *, indexed: bool = True) -> Any:
    """A timestamp as the dialect compares it: itself on PostgreSQL, its Julian day on SQLite
    (stored as text ``YYYY-MM-DD HH:MM:SS.ffffff``). ``indexed=False`` keeps PostgreSQL off
    the column's index (``+ 0 days``): a customer's few orders are found by customer, and a
    year of every customer's orders by date is the slow way round."""
    if session.get_bind().dialect.name == "postgresql":
        return stamp if indexed else stamp + func.make_interval()
    return func.julianday(stamp)


def _service_sales(session: Session, ids: list[int], period: Period) -> dict[int, int]:
    contact = aliased(Contact)
    earlier = aliased(Order)
    earlier_line = aliased(OrderLine)
    bought_before = (
        select(earlier_line.id)
        .join(earlier, earlier.id == earlier_line.order_id)
        .where(
            earlier.customer_id == Order.customer_id,
            earlier_line.product_id + 0 == OrderLine.product_id,  # by customer, not product
            _moment(session, earlier.ordered_at, indexed=False)
            >= _days_back(session, contact.started_at, NEW_PRODUCT_DAYS),
            _moment(session, earlier.ordered_at, indexed=False)
            < _moment(session, contact.started_at),
        )
        .correlate(Order, OrderLine, contact)
        .exists()
    )
    after_service = exists().where(
        contact.customer_id == Order.customer_id,
        contact.direction == Direction.INBOUND,
        _moment(session, contact.started_at) <= _moment(session, Order.ordered_at),
        _moment(session, contact.started_at)
        > _days_back(session, Order.ordered_at, SERVICE_SALE_DAYS),
        ~bought_before,
    )
    return _counts(
        session,
        select(Customer.account_manager_id, func.sum(OrderLine.total_cents))
        .join(Order, Order.customer_id == Customer.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            _pool(ids),
            Order.ordered_at >= period.start_at,
            Order.ordered_at < period.end_at,
            after_service,
        )
        .group_by(Customer.account_manager_id),
    )


def _nps(session: Session, ids: list[int], period: Period) -> dict[int, tuple[int, int, int]]:
    rows = session.execute(
        select(
            Customer.account_manager_id,
            func.sum(case((Survey.nps >= 9, 1), else_=0)),
            func.sum(case((Survey.nps <= 6, 1), else_=0)),
            func.count(Survey.id),
        )
        .join(Survey, Survey.customer_id == Customer.id)
        .where(
            _pool(ids),
            Survey.answered_at >= period.start_at,
            Survey.answered_at < period.end_at,
        )
        .group_by(Customer.account_manager_id)
    ).all()
    return {int(am): (int(p or 0), int(d or 0), int(n or 0)) for am, p, d, n in rows}


def am_metrics(
    session: Session, period: Period, account_manager_ids: Sequence[int] | None = None
) -> list[AmMetrics]:
    """The figures of each AM (every active one, or those of ``account_manager_ids``) for
    ``period``, ordered by AM code; the module docstring defines them."""
    ams = _ams(session, account_manager_ids)
    ids = [am.id for am in ams]
    if not ids:
        return []
    before = period.previous()
    sizes = _counts(
        session,
        select(Customer.account_manager_id, func.count(Customer.id))
        .where(_pool(ids))
        .group_by(Customer.account_manager_id),
    )
    previous, current = _revenue(session, ids, period, before)
    made, accepted, sales = _offers(session, ids, period)
    service = _service_sales(session, ids, period)
    nps = _nps(session, ids, period)
    alerts = _counts(
        session,
        select(Customer.account_manager_id, func.count(Alert.id))
        .join(Alert, Alert.customer_id == Customer.id)
        .where(_pool(ids), Alert.status == AlertStatus.OPEN)
        .group_by(Customer.account_manager_id),
    )
    tasks = _counts(
        session,
        select(Customer.account_manager_id, func.count(FollowupTask.id))
        .join(FollowupTask, FollowupTask.customer_id == Customer.id)
        .where(_pool(ids), FollowupTask.status == FollowupStatus.OPEN)
        .group_by(Customer.account_manager_id),
    )
    out: list[AmMetrics] = []
    for am in ams:
        prev = previous.get(am.id, {})
        cur = current.get(am.id, {})
        top = top_revenue_retention(prev, cur, TOP_SHARE)
        promoters, detractors, answers = nps.get(am.id, (0, 0, 0))
        out.append(
            AmMetrics(
                account_manager_id=am.id,
                code=am.code,
                name=am.name,
                country=am.country,
                customers=sizes.get(am.id, 0),
                revenue_cents=sum(cur.values()),
                previous_revenue_cents=sum(prev.values()),
                top_customers=top.customers,
                top_previous_cents=top.denominator,
                top_current_cents=top.numerator,
                top_retention=top.ratio,
                offers_made=made.get(am.id, 0),
                offers_accepted=accepted.get(am.id, 0),
                sales_cents=sales.get(am.id, 0),
                service_sales_cents=service.get(am.id, 0),
                nps=nps_points(promoters, detractors, answers),
                nps_answers=answers,
                open_alerts=alerts.get(am.id, 0),
                open_tasks=tasks.get(am.id, 0),
            )
        )
    return out
