"""The account-manager cockpit (issue 22, point 2): one AM's figures of a month beside his
peers' medians and, where the next-best-action control group exists, treated against control.

**Who sees what.** An account manager sees only himself (another AM's id is "not found",
exactly like a missing one); managers and admins see any AM; agents none (the front doors
refuse them). The figures are :func:`valuecenter.pools.metrics.am_metrics`' (definitions
there and in docs/pools.md).

**Peers.** The median of each figure over the *other* active AMs of his market (his
``country``) and over every other active AM; a figure an AM does not have (no NPS answers, no
top customers) is left out of the median. The only AM of his market has no market median.

**Control.** The engine holds a random share of customers out of every sales offer each month
(experiment ``nba-control:YYYY-MM``, ``offers/decisions.py``); a customer's decisions of a
month all carry his arm. Per arm, among his pool customers with a decision in the period: how
many customers, their accepted marketing actions and those actions' value, and their order
revenue in the period — each per customer. The difference of revenue per customer (treated −
control) is what the offers added per treated customer, as far as the draw allows; with a
few control customers it is noisy, and the counts are shown with it. A customer with decisions
in two months of a longer period can be in both arms. No control decisions: no comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.pool_metrics import peer_median
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.repository import pool_of
from valuecenter.errors import Forbidden, InvalidInput, NotFound
from valuecenter.experiments.models import Experiment, ExperimentKind
from valuecenter.i18n import _
from valuecenter.offers.models import (
    Action,
    Decision,
    DecisionArm,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.pools.metrics import MARKETING_KINDS, AmMetrics, Period, am_metrics
from valuecenter.users.models import Role, User

COMPARED = (
    "customers",
    "revenue_cents",
    "previous_revenue_cents",
    "top_retention",
    "offers_made",
    "offers_accepted",
    "acceptance",
    "sales_cents",
    "service_sales_cents",
    "nps",
    "open_alerts",
    "open_tasks",
)
"""The figures compared with the peers (``acceptance`` = accepted ÷ made)."""


def figure(m: AmMetrics, name: str) -> float | None:
    """One compared figure of ``m`` (``acceptance`` derived, None without offers)."""
    if name == "acceptance":
        return m.offers_accepted / m.offers_made if m.offers_made else None
    value = getattr(m, name)
    return None if value is None else float(value)


@dataclass(frozen=True)
class Peers:
    """Medians of :data:`COMPARED` over his peers: the other active AMs of his market
    (``market_ams`` of them) and all other active AMs (``all_ams``)."""

    market: str | None
    market_ams: int
    all_ams: int
    market_median: dict[str, float | None]
    all_median: dict[str, float | None]


def medians(rows: Sequence[AmMetrics]) -> dict[str, float | None]:
    return {name: peer_median(figure(r, name) for r in rows) for name in COMPARED}


@dataclass(frozen=True)
class ArmFigures:
    """One arm's figures within an AM's pool for the period."""

    customers: int  # pool customers with a decision of this arm in the period
    decisions: int
    accepted: int  # accepted marketing actions
    sales_cents: int  # their Action.value_cents
    revenue_cents: int  # these customers' order revenue in the period

    def per_customer(self, amount: int) -> float | None:
        return amount / self.customers if self.customers else None

    @property
    def accepted_per_customer(self) -> float | None:
        return self.per_customer(self.accepted)

    @property
    def sales_per_customer(self) -> float | None:
        return self.per_customer(self.sales_cents)

    @property
    def revenue_per_customer(self) -> float | None:
        return self.per_customer(self.revenue_cents)


@dataclass(frozen=True)
class ControlComparison:
    """Treated (the engine's arm) against the control group in one AM's pool; ``experiments``
    are the control groups of the period: (key, control share)."""

    account_manager_id: int
    treated: ArmFigures
    control: ArmFigures
    experiments: list[tuple[str, float]] = field(default_factory=list)

    @property
    def revenue_difference(self) -> float | None:
        """Revenue per treated customer − per control customer (cents)."""
        t, c = self.treated.revenue_per_customer, self.control.revenue_per_customer
        return None if t is None or c is None else t - c


def _months(period: Period) -> list[str]:
    out: list[str] = []
    day = period.start.replace(day=1)
    while day < period.end:
        out.append(f"{day:%Y-%m}")
        day = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return out


def control_comparison(
    session: Session, period: Period, account_manager_ids: Sequence[int]
) -> dict[int, ControlComparison]:
    """Per AM of ``account_manager_ids`` whose pool had decisions of **both** arms in the
    period: treated against control (module docstring). Four grouped queries."""
    ids = sorted(set(account_manager_ids))
    if not ids:
        return {}
    in_period = (
        Customer.account_manager_id.in_(ids),
        Decision.decided_at >= period.start_at,
        Decision.decided_at < period.end_at,
    )
    counts: dict[tuple[int, str], list[int]] = {}
    for am, arm, customers, decisions in session.execute(
        select(
            Customer.account_manager_id,
            Decision.arm,
            func.count(distinct(Decision.customer_id)),
            func.count(Decision.id),
        )
        .join(Decision, Decision.customer_id == Customer.id)
        .where(*in_period)
        .group_by(Customer.account_manager_id, Decision.arm)
    ):
        counts[(int(am or 0), str(DecisionArm(arm).value))] = [
            int(customers),
            int(decisions),
            0,
            0,
            0,
        ]
    for am, arm, accepted, cents in session.execute(
        select(
            Customer.account_manager_id,
            Decision.arm,
            func.count(DecisionResponse.id),
            func.sum(Action.value_cents),
        )
        .join(Decision, Decision.customer_id == Customer.id)
        .join(DecisionResponse, DecisionResponse.decision_id == Decision.id)
        .join(Action, Action.id == DecisionResponse.action_id)
        .where(
            *in_period,
            DecisionResponse.outcome == ResponseOutcome.ACCEPTED,
            Action.kind.in_(MARKETING_KINDS),
        )
        .group_by(Customer.account_manager_id, Decision.arm)
    ):
        row = counts.get((int(am or 0), str(DecisionArm(arm).value)))
        if row is not None:
            row[2], row[3] = int(accepted), int(cents or 0)
    arms = (
        select(Decision.customer_id.label("cid"), Decision.arm.label("arm"))
        .join(Customer, Customer.id == Decision.customer_id)
        .where(*in_period)
        .distinct()
        .subquery()
    )
    for am, arm, cents in session.execute(
        select(Customer.account_manager_id, arms.c.arm, func.sum(OrderLine.total_cents))
        .select_from(arms)
        .join(Customer, Customer.id == arms.c.cid)
        .join(Order, Order.customer_id == arms.c.cid)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.ordered_at >= period.start_at, Order.ordered_at < period.end_at)
        .group_by(Customer.account_manager_id, arms.c.arm)
    ):
        row = counts.get((int(am or 0), str(DecisionArm(arm).value)))
        if row is not None:
            row[4] = int(cents or 0)
    keys = [f"nba-control:{month}" for month in _months(period)]
    experiments = [
        (key, round(1.0 - share, 6))
        for key, share in session.execute(
            select(Experiment.key, Experiment.treated_share)
            .where(Experiment.key.in_(keys), Experiment.kind == ExperimentKind.NBA_CONTROL)
            .order_by(Experiment.key)
        )
    ]
    out: dict[int, ControlComparison] = {}
    for am in ids:
        treated = counts.get((am, DecisionArm.NBA.value))
        control = counts.get((am, DecisionArm.CONTROL.value))
        if treated is None or control is None:
            continue
        out[am] = ControlComparison(
            account_manager_id=am,
            treated=ArmFigures(*treated),
            control=ArmFigures(*control),
            experiments=experiments,
        )
    return out


@dataclass(frozen=True)
class Cockpit:
    period: Period
    previous: Period
    me: AmMetrics
    peers: Peers
    control: ControlComparison | None


def visible_account_manager(
    session: Session, viewer: User, account_manager_id: int | None
) -> AccountManager:
    """The AM whose cockpit ``viewer`` asked for: an account manager only himself (any other id
    is not found), a manager or admin any (the id is then required)."""
    if viewer.role == Role.ACCOUNT_MANAGER:
        own = pool_of(session, viewer)
        if own is None:
            raise NotFound(_("no customer pool is linked to your login"))
        if account_manager_id is not None and account_manager_id != own.id:
            raise NotFound(_("no account manager %(id)s", id=account_manager_id))
        return own
    if viewer.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(_("only account managers and managers see the cockpit"))
    if account_manager_id is None:
        raise InvalidInput("account_manager_id", _("which account manager? (required)"))
    am = session.get(AccountManager, account_manager_id)
    if am is None:
        raise NotFound(_("no account manager %(id)s", id=account_manager_id))
    return am


def cockpit(
    session: Session, viewer: User, period: Period, account_manager_id: int | None = None
) -> Cockpit:
    """The cockpit of the AM ``viewer`` may see (:func:`visible_account_manager`)."""
    am = visible_account_manager(session, viewer, account_manager_id)
    active = session.scalars(select(AccountManager.id).where(AccountManager.active.is_(True)))
    ids = sorted({*active, am.id})
    rows = am_metrics(session, period, ids)
    me = next(r for r in rows if r.account_manager_id == am.id)
    others = [r for r in rows if r.account_manager_id != am.id]
    market = [r for r in others if r.country == am.country]
    peers = Peers(
        market=am.country,
        market_ams=len(market),
        all_ams=len(others),
        market_median=medians(market),
        all_median=medians(others),
    )
    control = control_comparison(session, period, [am.id]).get(am.id)
    return Cockpit(period, period.previous(), me, peers, control)


@dataclass(frozen=True)
class Overview:
    period: Period
    rows: list[AmMetrics]
    all_median: dict[str, float | None]


def overview(session: Session, viewer: User, period: Period) -> Overview:
    """Every active AM's figures (managers and admins)."""
    if viewer.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(_("only managers see every account manager"))
    rows = am_metrics(session, period)
    return Overview(period, rows, medians(rows))
