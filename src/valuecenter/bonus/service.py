"""Every account manager's bonus for a period, from the database (issue 22, point 3;
``valuecenter bonus compute``). The plan's arithmetic is :mod:`valuecenter.analytics.bonus`;
this module reads its inputs:

- **retention and NPS** from the AMs' period figures, :func:`valuecenter.pools.metrics.am_metrics`
  (the one source the AM cockpit reads too: best-customer revenue retention, NPS and its
  answers);
- **the sales units** for the control-adjusted credit
  (:mod:`valuecenter.analytics.bonus_credit`), per month of the period: every pool customer
  (one with an AM) the next-best-action engine decided for in the month is a customer-month of
  the arm of his first decision of the month (``decisions.arm``: the month's draw
  ``nba-control:YYYY-MM``, as the lift ledger reads it, ``offers/lift_ledger.py``), with what
  he bought in the month (his order lines' ``total_cents``, returns negative). His market is
  his AM's country (a pool is of one market: docs/pools.md). The pool is the pool **now**,
  as in the metrics: the product keeps no history of pool membership.

A quarterly plan takes ``--period 2026-Q4``; its retention compares with the previous
calendar quarter.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.bonus import AmInputs, BonusResult, as_fraction, compute
from valuecenter.analytics.bonus_credit import SalesMonth, Unit
from valuecenter.bonus.plan_file import PlanFile
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.offers.models import Decision, DecisionArm, EngineSettings
from valuecenter.orders.models import Order, OrderLine
from valuecenter.pools.metrics import AmMetrics, Period, am_metrics

_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class Quarter(Period):
    """A calendar quarter; its previous period is the previous calendar quarter."""

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = _QUARTER.fullmatch(text.strip())
        if found is None or not YEAR_MIN <= int(found.group(1)) <= YEAR_MAX:
            raise InvalidInput(
                "--period", _("the plan pays per quarter: give one like 2026-Q4 (2000 to 2100)")
            )
        year, q = int(found.group(1)), int(found.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
        return cls(start, end)

    def previous(self) -> Quarter:
        end = self.start
        start = date(end.year - 1, 10, 1) if end.month == 1 else date(end.year, end.month - 3, 1)
        return Quarter(start, end)

    @property
    def label(self) -> str:
        return f"{self.start.year}-Q{(self.start.month + 2) // 3}"


def period_of(kind: str, text: str) -> Period:
    """The period ``text`` names, of the plan's kind (month ``2026-10``, quarter ``2026-Q4``)."""
    if kind == "quarter":
        return Quarter.parse(text)
    if _QUARTER.fullmatch(text.strip()):
        raise InvalidInput("--period", _("the plan pays per month: give one like 2026-10"))
    try:
        return Period.month(text)
    except InvalidInput as error:
        raise InvalidInput("--period", error.detail) from None


def months_of(period: Period) -> list[tuple[str, datetime, datetime]]:
    """The calendar months of a period: (YYYY-MM, start, end)."""
    out: list[tuple[str, datetime, datetime]] = []
    day = period.start
    while day < period.end:
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        following = date(year, month, 1)
        out.append(
            (
                f"{day:%Y-%m}",
                datetime(day.year, day.month, 1, tzinfo=UTC),
                datetime(following.year, following.month, 1, tzinfo=UTC),
            )
        )
        day = following
    return out


@dataclass(frozen=True)
class ControlGroup:
    """The control customer-months of one market (or of all: ``market`` None) in a month."""

    month: str
    market: str | None
    customers: int
    sales_cents: int

    def as_json(self) -> dict[str, object]:
        return {
            "month": self.month,
            "market": self.market,
            "control_customers": self.customers,
            "control_sales_cents": self.sales_cents,
        }


@dataclass
class _Month:
    treated: dict[int, list[Unit]] = field(default_factory=lambda: defaultdict(list))
    market_control: dict[str, list[Unit]] = field(default_factory=lambda: defaultdict(list))
    all_control: list[Unit] = field(default_factory=list)
    own_control: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    outside: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _arms(session: Session, start: datetime, end: datetime) -> dict[int, bool]:
    """Pool customer → treated, by the arm of his first decision in [start, end)."""
    rows = session.execute(
        select(Decision.customer_id, Decision.arm, func.min(Decision.decided_at))
        .join(Customer, Customer.id == Decision.customer_id)
        .where(
            Customer.account_manager_id.is_not(None),
            Decision.decided_at >= start,
            Decision.decided_at < end,
        )
        .group_by(Decision.customer_id, Decision.arm)
    ).all()
    first: dict[int, tuple[datetime, bool]] = {}
    for cid, arm, at in rows:
        moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        known = first.get(int(cid))
        if known is None or moment < known[0]:
            first[int(cid)] = (moment, arm == DecisionArm.NBA)
    return {cid: treated for cid, (_at, treated) in first.items()}


def _sales(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Pool customer → what he bought in [start, end), cents."""
    rows = session.execute(
        select(Order.customer_id, func.sum(OrderLine.total_cents))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(
            Customer.account_manager_id.is_not(None),
            Order.ordered_at >= start,
            Order.ordered_at < end,
        )
        .group_by(Order.customer_id)
    ).all()
    return {int(cid): int(cents or 0) for cid, cents in rows}


def _pools(session: Session) -> dict[int, tuple[int, str]]:
    """Every pool customer → (his AM, the AM's market)."""
    rows = session.execute(
        select(Customer.id, Customer.account_manager_id, AccountManager.country).join(
            AccountManager, AccountManager.id == Customer.account_manager_id
        )
    ).all()
    return {int(cid): (int(am or 0), str(market or "")) for cid, am, market in rows}


def _month(
    session: Session, pools: dict[int, tuple[int, str]], start: datetime, end: datetime
) -> _Month:
    arms = _arms(session, start, end)
    sales = _sales(session, start, end)
    out = _Month()
    for cid, cents in sales.items():
        if cid in pools and cid not in arms:
            out.outside[pools[cid][0]] += cents
    for cid, treated in arms.items():
        if cid not in pools:
            continue
        am, market = pools[cid]
        unit = Unit(cid, sales.get(cid, 0))
        if treated:
            out.treated[am].append(unit)
        else:
            out.market_control[market].append(unit)
            out.all_control.append(unit)
            out.own_control[am] += unit.sales_cents
    return out


@dataclass(frozen=True)
class AmBonus:
    result: BonusResult
    metrics: AmMetrics


@dataclass(frozen=True)
class BonusRun:
    """Every AM's bonus for a period, with its provenance."""

    plan: PlanFile
    period: Period
    bonuses: list[AmBonus]
    controls: list[ControlGroup]  # per month: each market's, then all markets' (market None)
    control_share_setting: float | None
    computed_at: datetime

    @property
    def months(self) -> list[str]:
        return [m for m, _s, _e in months_of(self.period)]

    @property
    def total_cents(self) -> int:
        return sum(b.result.total_cents for b in self.bonuses)


def compute_bonus(
    session: Session, plan: PlanFile, period_text: str, am_code: str | None = None
) -> BonusRun:
    """Every active AM's bonus (or the one of ``am_code``, active or not) for the period."""
    period = period_of(plan.plan.period, period_text)
    ids: list[int] | None = None
    if am_code is not None:
        am_id = session.scalar(select(AccountManager.id).where(AccountManager.code == am_code))
        if am_id is None:
            raise NotFound(_("--am: no account manager with code '%(code)s'", code=am_code))
        ids = [int(am_id)]
    metrics = am_metrics(session, period, ids)
    pools = _pools(session)
    months = [(name, _month(session, pools, start, end)) for name, start, end in months_of(period)]
    inputs = [_inputs(m, months) for m in metrics]
    results = compute(plan.plan, inputs)
    setting = session.scalar(select(EngineSettings.control_share).where(EngineSettings.id == 1))
    return BonusRun(
        plan=plan,
        period=period,
        bonuses=[AmBonus(r, m) for r, m in zip(results, metrics, strict=True)],
        controls=_controls(months),
        control_share_setting=None if setting is None else float(setting),
        computed_at=utcnow(),
    )


def _inputs(m: AmMetrics, months: Sequence[tuple[str, _Month]]) -> AmInputs:
    market = str(m.country or "")
    return AmInputs(
        account_manager_id=m.account_manager_id,
        code=m.code,
        name=m.name,
        country=m.country,
        top_customers=m.top_customers,
        top_previous_cents=m.top_previous_cents,
        top_current_cents=m.top_current_cents,
        nps=as_fraction(m.nps),
        nps_answers=m.nps_answers,
        sales=[
            SalesMonth(
                month=name,
                treated=month.treated.get(m.account_manager_id, []),
                market_control=month.market_control.get(market, []),
                all_control=month.all_control,
                own_control_cents=month.own_control.get(m.account_manager_id, 0),
                outside_cents=month.outside.get(m.account_manager_id, 0),
            )
            for name, month in months
        ],
    )


def _controls(months: Sequence[tuple[str, _Month]]) -> list[ControlGroup]:
    out: list[ControlGroup] = []
    for name, month in months:
        for market in sorted(month.market_control):
            units = month.market_control[market]
            out.append(
                ControlGroup(name, market or None, len(units), sum(u.sales_cents for u in units))
            )
        out.append(
            ControlGroup(
                name, None, len(month.all_control), sum(u.sales_cents for u in month.all_control)
            )
        )
    return out
