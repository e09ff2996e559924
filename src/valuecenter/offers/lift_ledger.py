"""The next-best-action engine's lift ledger (issue 19): per sales offer and month, the sales of
the offered product to the customers the engine could show it to, against the same month's
control group, with the incremental sales and purchases and their 95% intervals
(estimator: :mod:`valuecenter.analytics.experiments.lift`). Read from the decision log and
the orders only.

**Who is compared.** The control group is drawn per customer and month (the experiments
kernel's ``nba-control:YYYY-MM``, ``offers/decisions.py``), so the unit is a customer-month.
The log does not record which offer the engine *would* have shown a control customer (the
control-group rule holds every sales offer before they are scored), so the ledger compares
like with like one step earlier: an offer's group in a month is every customer-month in which
the offer **could** have been shown — at some decision of the month it passed every rule that
does not depend on the arm: its validity, channel, consent, the do-not-call register, its
eligibility rule and "service first" (the decision's context records that). Whether it was then
held by the contact policy (a rule that depends on what earlier decisions showed), by the
control group, as not worth it or ranked lower, or was shown, it counts. Both arms pass the
same test, so the arms of a group are as exchangeable as the draw made them; the group's
treated customers are the engine's arm, whether or not it chose this offer for them (an
intention-to-treat comparison: the engine's choice is part of the effect).

**The outcome** of a customer-month is what he bought of the offer's product (or category)
from his first decision of the month at which the offer could have been shown, until the
offer's ``conversion_days`` after his last decision of the month — cut at his first decision of
a later month (a new draw begins) and at ``as_of`` (a window still open is counted as far as it
goes, and the month is marked as maturing): the sales in cents (order lines' totals) and the
number of order lines of it (purchases).

**What it is not.** An offer's group is not all the customers it was shown to, and a
customer-month counts in the group of every offer he could have been shown; the total adds
the groups up with a cluster-robust interval (a customer's groups are correlated). Sales of a
product the engine did not offer a customer, or that an offer of another product moved, are
in no group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.experiments.lift import Lift, group_lift, lift_table, total_lift
from valuecenter.analytics.ledger import Incremental
from valuecenter.analytics.message import shown as translated
from valuecenter.csv_export import cents
from valuecenter.db.base import utcnow
from valuecenter.i18n import _
from valuecenter.offers.models import Action, ActionKind, Decision, DecisionArm, EngineSettings
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

# Rules that hold an offer after the arm-independent ones: the contact policy (it reads what
# earlier decisions showed, so it depends on the arm), the control group, and the scoring.
COULD_SHOW = frozenset(
    {"repeat", "frequency", "rejection-pause", "control-group", "not-worth", "ranked-lower"}
)
LOOKAHEAD = timedelta(days=62)  # decisions after the period that may cut a window
TOTAL = "total"
_LATEST = datetime.max.replace(tzinfo=UTC) - LOOKAHEAD  # a later --until needs no look-ahead


@dataclass(frozen=True)
class LiftRow:
    """One offer in one month (or a month's or the period's total: ``action_code`` None)."""

    key: str
    month: str | None
    action_code: str | None
    action_name: str | None
    shown: int  # decisions of the engine's arm in the group's windows that showed the offer
    sales_treated_cents: int  # gross: what the engine's arm bought of the product
    sales: Lift  # cents
    purchases: Lift  # order lines
    experiment_keys: list[str]
    control_share: float | None  # of the row's customer-months
    maturing: bool  # a window was still open at as_of

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "month": self.month,
            "action": self.action_code,
            "action_name": self.action_name,
            "shown": self.shown,
            "sales_treated_cents": self.sales_treated_cents,
            "sales_cents": self.sales.as_json(digits=0),
            "purchases": self.purchases.as_json(),
            "experiments": self.experiment_keys,
            "control_share": None if self.control_share is None else round(self.control_share, 4),
            "maturing": self.maturing,
        }


@dataclass(frozen=True)
class LiftLedger:
    rows: list[LiftRow]  # per offer and month, by month then code
    months: list[LiftRow]  # per month, all offers
    total: LiftRow
    since: date | None
    until: date | None
    as_of: datetime
    control_share_setting: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "as_of": self.as_of.isoformat(),
            "control_share_setting": self.control_share_setting,
            "rows": [r.as_json() for r in self.rows],
            "months": [r.as_json() for r in self.months],
            "total": self.total.as_json(),
        }


@dataclass
class _Unit:
    customer: int
    month: str
    action: int
    treated: bool
    start: datetime
    end: datetime
    shown: int = 0


@dataclass(frozen=True)
class _Offer:
    id: int
    code: str
    name: str
    conversion_days: int
    products: frozenset[int]


def _bound(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _offers(session: Session) -> dict[int, _Offer]:
    """The catalogue's sales offers of a product or a category, with the products they sell."""
    actions = session.execute(
        select(
            Action.id,
            Action.code,
            Action.name,
            Action.conversion_days,
            Action.product_id,
            Action.category_id,
        ).where(Action.kind == ActionKind.OFFER)
    ).all()
    categories = {int(a.category_id) for a in actions if a.category_id is not None}
    in_category: dict[int, set[int]] = defaultdict(set)
    if categories:
        for pid, cid in session.execute(
            select(Product.id, Product.category_id).where(Product.category_id.in_(categories))
        ):
            if cid is not None:
                in_category[int(cid)].add(int(pid))
    out: dict[int, _Offer] = {}
    for a in actions:
        products: set[int] = set()
        if a.product_id is not None:
            products.add(int(a.product_id))
        elif a.category_id is not None:
            products |= in_category[int(a.category_id)]
        if products:
            out[int(a.id)] = _Offer(
                int(a.id), str(a.code), str(a.name), int(a.conversion_days), frozenset(products)
            )
    return out


def _could_show(decision: Decision, offers: dict[int, _Offer]) -> tuple[set[int], set[int]]:
    """(offers that could have been shown, offers shown) at one decision."""
    shown = {int(str(a.get("action_id"))) for a in decision.actions if a.get("action_id")}
    shown &= offers.keys()
    if decision.context.get("service_first"):
        return set(), shown
    held = {
        int(str(h.get("action_id")))
        for h in decision.suppressed
        if h.get("rule") in COULD_SHOW and h.get("action_id")
    }
    return (held & offers.keys()) | shown, shown


def _units(
    session: Session,
    offers: dict[int, _Offer],
    start: datetime | None,
    stop: datetime | None,
    as_of: datetime,
) -> list[_Unit]:
    stmt = select(Decision).order_by(Decision.decided_at, Decision.id)
    if start is not None:
        stmt = stmt.where(Decision.decided_at >= start)
    if stop is not None and stop < _LATEST:
        stmt = stmt.where(Decision.decided_at < stop + LOOKAHEAD)
    by_customer_month: dict[tuple[int, str], list[Decision]] = defaultdict(list)
    firsts: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for decision in session.scalars(stmt):
        at = _aware(decision.decided_at)
        month = f"{at:%Y-%m}"
        key = (int(decision.customer_id), month)
        if key not in by_customer_month:
            firsts[key[0]].append((month, at))
        if stop is None or at < stop:
            by_customer_month[key].append(decision)
        else:
            by_customer_month.setdefault(key, [])
    units: list[_Unit] = []
    for (customer, month), decisions in by_customer_month.items():
        if not decisions:
            continue
        later = [at for m, at in firsts[customer] if m > month]
        cutoff = min([as_of, *later[:1]])
        last = _aware(decisions[-1].decided_at)
        treated = decisions[0].arm == DecisionArm.NBA
        mine: dict[int, _Unit] = {}
        for decision in decisions:
            could, shown = _could_show(decision, offers)
            for action in could:
                unit = mine.get(action)
                if unit is None:
                    window = last + timedelta(days=offers[action].conversion_days)
                    unit = mine[action] = _Unit(
                        customer,
                        month,
                        action,
                        treated,
                        _aware(decision.decided_at),
                        min(window, cutoff),
                    )
                if action in shown and treated:
                    unit.shown += 1
        units.extend(mine.values())
    return units


def _purchases(
    session: Session, units: list[_Unit], offers: dict[int, _Offer]
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's sales (cents) and order lines of its offer's products in its window."""
    sales = np.zeros(len(units))
    lines = np.zeros(len(units))
    if not units:
        return sales, lines
    products = sorted(set().union(*(offers[u.action].products for u in units)))
    first = min(u.start for u in units)
    last = max(u.end for u in units)
    bought: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    stmt = (
        select(Order.customer_id, Order.ordered_at, OrderLine.product_id, OrderLine.total_cents)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            OrderLine.product_id.in_(products),
            Order.ordered_at >= first,
            Order.ordered_at < last,
        )
    )
    for customer, at, product, total in session.execute(stmt):
        bought[(int(customer), int(product))].append((_aware(at), int(total or 0)))
    for i, unit in enumerate(units):
        for product in offers[unit.action].products:
            for at, amount in bought.get((unit.customer, product), ()):
                if unit.start <= at < unit.end:
                    sales[i] += amount
                    lines[i] += 1
    return sales, lines


def _row(
    key: str,
    month: str | None,
    offer: _Offer | None,
    chosen: list[_Unit],
    sales: Lift,
    purchases: Lift,
    gross: float,
    as_of: datetime,
) -> LiftRow:
    control = sum(1 for u in chosen if not u.treated)
    months = sorted({u.month for u in chosen})
    return LiftRow(
        key=key,
        month=month,
        action_code=None if offer is None else offer.code,
        action_name=None if offer is None else offer.name,
        shown=sum(u.shown for u in chosen),
        sales_treated_cents=round(gross),
        sales=sales,
        purchases=purchases,
        experiment_keys=[f"nba-control:{m}" for m in months],
        control_share=control / len(chosen) if chosen else None,
        maturing=any(u.end >= as_of for u in chosen),
    )


def lift_ledger(
    session: Session,
    since: date | None = None,
    until: date | None = None,
    *,
    as_of: datetime | None = None,
) -> LiftLedger:
    """The ledger of the decisions made in [since, until): a row per offer and month, a row
    per month and the total (see the module docstring)."""
    now = _aware(as_of or utcnow())
    start, stop = _bound(since), _bound(until)
    setting = session.scalar(select(EngineSettings.control_share).where(EngineSettings.id == 1))
    empty = LiftLedger([], [], _empty_total(now), since, until, now, setting)
    if start is not None and stop is not None and stop <= start:
        return empty
    offers = _offers(session)
    units = _units(session, offers, start, stop, now)
    if not units:
        return empty
    sales, lines = _purchases(session, units, offers)
    keys = sorted({(u.month, offers[u.action].code, u.action) for u in units})
    index = {(m, a): i for i, (m, _code, a) in enumerate(keys)}
    group = np.asarray([index[(u.month, u.action)] for u in units], dtype=np.int64)
    treated = np.asarray([u.treated for u in units], dtype=bool)
    cluster = np.asarray([u.customer for u in units], dtype=np.int64)
    sales_rows, sales_total = lift_table(sales, treated, group, cluster)
    line_rows, line_total = lift_table(lines, treated, group, cluster)
    rows: list[LiftRow] = []
    for i, (month, code, action) in enumerate(keys):
        chosen = [u for u, g in zip(units, group, strict=True) if g == i]
        gross = float(sales[(group == i) & treated].sum())
        rows.append(
            _row(
                f"{month}:{code}", month, offers[action], chosen, sales_rows[i], line_rows[i],
                gross, now,
            )
        )  # fmt: skip
    months: list[LiftRow] = []
    for month in sorted({m for m, _c, _a in keys}):
        mine = np.asarray([u.month == month for u in units], dtype=bool)
        groups = [i for i, (m, _c, _a) in enumerate(keys) if m == month]
        renumber = {g: j for j, g in enumerate(groups)}
        g = np.asarray([renumber[int(x)] for x in group[mine]], dtype=np.int64)
        s = total_lift(
            sales[mine], treated[mine], g, cluster[mine], [sales_rows[i] for i in groups]
        )
        p = total_lift(lines[mine], treated[mine], g, cluster[mine], [line_rows[i] for i in groups])
        chosen = [u for u in units if u.month == month]
        gross = float(sales[mine & treated].sum())
        months.append(_row(month, month, None, chosen, s, p, gross, now))
    gross = float(sales[treated].sum())
    total = _row(TOTAL, None, None, units, sales_total, line_total, gross, now)
    return LiftLedger(rows, months, total, since, until, now, setting)


def _empty_total(as_of: datetime) -> LiftRow:
    nothing = group_lift([], [])
    return _row(TOTAL, None, None, [], nothing, nothing, 0.0, as_of)


# --- the CSV export ------------------------------------------------------------------------


def export_header() -> list[str]:
    """The export's column headers in the current locale (incremental figures with their 95%
    interval and the reason where none is given; empty cells where the ledger has none)."""
    header = [
        _("Row"),
        _("Month"),
        _("Offer"),
        _("Treated customers"),
        _("Control customers"),
        _("Control share"),
        _("Times shown"),
        _("Sales, engine's arm (EUR)"),
    ]
    for figure in (_("Incremental sales (EUR)"), _("Incremental purchases")):
        header += [
            figure,
            _("%(figure)s, 95%% low", figure=figure),
            _("%(figure)s, 95%% high", figure=figure),
            _("%(figure)s, why no interval", figure=figure),
        ]
    return [
        *header,
        _("Minimum detectable incremental sales (EUR)"),
        _("Control experiments"),
        _("Maturing"),
    ]


def _figure(value: Incremental, *, money: bool) -> list[object]:
    figures = (value.estimate, value.low, value.high)
    if money:
        shown: list[object] = [None if f is None else cents(round(f)) for f in figures]
    else:
        shown = [None if f is None else round(f, 2) for f in figures]
    return [*shown, translated(value.reason)]


def export_values(row: LiftRow) -> list[object]:
    return [
        row.key,
        row.month,
        row.action_code,
        row.sales.treated,
        row.sales.control,
        None if row.control_share is None else round(row.control_share, 4),
        row.shown,
        cents(row.sales_treated_cents),
        *_figure(row.sales.incremental, money=True),
        *_figure(row.purchases.incremental, money=False),
        None if row.sales.mde is None else cents(round(row.sales.mde)),
        " ".join(row.experiment_keys),
        row.maturing,
    ]


def export_rows(session: Session, since: date | None, until: date | None) -> Iterator[list[object]]:
    """The ledger's offer-month rows, then its month rows, then the total, as export rows."""
    ledger = lift_ledger(session, since, until)
    for row in [*ledger.rows, *ledger.months, ledger.total]:
        yield export_values(row)
