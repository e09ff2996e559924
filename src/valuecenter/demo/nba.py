"""Months of next-best-action decisions on the loaded demo world, with the truth's answers.

Everything the engine does goes through the product's own code: the feature rows are
refreshed as of each period's start (``offers.features.refresh_features``: nothing after it
is known), every contact is decided by ``offers.decisions.decide_batch`` at its own moment,
and answers are stored with ``record_batch``. Only the *answers* come from the world's truth
(``demo/offers_truth.py``): the agent presents the first action shown; a customer accepts a
sales offer with its true ``p_treated`` in the contact's context, a service or loyalty action
with the truth's constant, and otherwise rejects (70%) or ignores it (30%). An accepted offer
becomes a real order of the offered product (at its list price less the offer's cost), so the
next refresh knows he holds it.

- **Who is decided for**: the world's own inbound contacts handled by an agent (phone, chat,
  e-mail, webcare, fax) in the simulated months, with their channel, primary reason (the
  intent), time and wait.
- **How it learns**: the history is a pilot (seed 004: a pilot with success criteria fixed
  beforehand): a share of the decisions (``explore``, default 0.5) shows a random eligible
  offer, so every offer is tried on every kind of customer; the catalogue's control share
  holds its customers out of offers. Train on it with ``valuecenter offers train``.
- **Simplifications**: answers within one batch (``batch_days``) do not reach the contact
  policy of later contacts in the same batch; an accepted order does not change the
  customer's later rhythm.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from valuecenter.contacts import repository as contacts_repository
from valuecenter.customers.models import Customer
from valuecenter.demo.offers_truth import draw_answer, evaluate
from valuecenter.demo.truth_models import (
    TruthCustomer,
    TruthProduct,
    TruthWorld,
    require_truth,
)
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.offers.catalogue import save_settings
from valuecenter.offers.decisions import Answered, Request, Timed, decide_batch, record_batch
from valuecenter.offers.engine import load_engine
from valuecenter.offers.features import refresh_features
from valuecenter.offers.models import Action
from valuecenter.offers.repository import engine_settings
from valuecenter.offers.schemas import DecisionOut
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

AGENT_CHANNELS = ("phone", "chat", "email", "webcare", "fax")
ANSWER_DELAY = timedelta(minutes=4)
MONTHS_MAX = 24
Progress = Callable[[str], None]


@dataclass
class History:
    """What the simulated months did."""

    starts: datetime
    ends: datetime
    decisions: int = 0
    answered: int = 0
    accepted: int = 0
    explored: int = 0
    control: int = 0
    orders: int = 0
    refreshes: int = 0
    by_action: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "decisions": self.decisions,
            "answered": self.answered,
            "accepted": self.accepted,
            "explored": self.explored,
            "control": self.control,
            "orders": self.orders,
            "feature_refreshes": self.refreshes,
            "by_action": self.by_action,
        }


def truth_frames(session: Session) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(preset, truth_customers, truth_products) of the loaded world."""
    require_truth(session)
    world = session.scalar(select(TruthWorld).limit(1))
    if world is None:
        raise NotFound(
            _("this database holds no simulated company (load one with `valuecenter demo`)")
        )
    t = TruthCustomer
    customers = pd.DataFrame(
        session.execute(
            select(
                t.customer_id,
                t.value_potential,
                t.order_rate,
                t.offer_sensitivity,
                t.response_type,
                t.basket_lines,
                t.favourites,
            )
        ).all(),
        columns=[
            "customer_id",
            "value_potential",
            "order_rate",
            "offer_sensitivity",
            "response_type",
            "basket_lines",
            "favourites",
        ],
    )
    if customers["favourites"].isna().any():
        raise InvalidInput(
            "world",
            _(
                "this world predates the offer truth (generator 3): load it again with "
                "`valuecenter demo`"
            ),
        )
    p = TruthProduct
    products = pd.DataFrame(
        session.execute(select(p.product_id, p.category, p.popularity, p.list_price_cents)).all(),
        columns=["product_id", "category", "popularity", "list_price_cents"],
    )
    return world.preset, customers, products


def world_end(session: Session) -> datetime:
    require_truth(session)
    world = session.scalar(select(TruthWorld).limit(1))
    if world is None:
        raise NotFound(
            _("this database holds no simulated company (load one with `valuecenter demo`)")
        )
    return datetime.combine(world.ends + timedelta(days=1), time(), tzinfo=UTC)


def _contacts(session: Session, starts: datetime, ends: datetime) -> pd.DataFrame:
    answered = contacts_repository.answered_inbound(starts, ends, AGENT_CHANNELS)
    rows = session.execute(
        select(
            answered.c.customer_id,
            answered.c.started_at,
            answered.c.channel,
            answered.c.intent,
            answered.c.wait_seconds,
            Customer.external_id,
        )
        .join(Customer, Customer.id == answered.c.customer_id)
        .order_by(answered.c.started_at, answered.c.id)
    ).all()
    return pd.DataFrame(
        rows, columns=["customer_id", "at", "channel", "intent", "wait", "external_id"]
    )


def simulate(
    session: Session,
    *,
    months: int = 6,
    ends: datetime | None = None,
    explore: float = 0.5,
    seed: int = 0,
    batch_days: int = 1,
    refresh_days: int = 14,
    zone: ZoneInfo = ZoneInfo("Europe/Amsterdam"),
    progress: Progress | None = None,
) -> History:
    """Simulate ``months`` of decisions ending at ``ends`` (default: the world's end)."""
    if not 1 <= months <= MONTHS_MAX:
        raise InvalidInput(
            "months", _("%(value)s is outside 1–%(max)s", value=months, max=MONTHS_MAX)
        )
    if not 0.0 <= explore <= 0.5:
        raise InvalidInput(
            "explore", _("%(value)s is not in %(bound)s", value=explore, bound="[0, 0.5]")
        )
    if session.scalar(select(func.count()).select_from(Action)) == 0:
        raise NotFound(
            _("the catalogue is empty: import the demo's with `valuecenter offers import`")
        )
    preset, truth_customers, truth_products = truth_frames(session)
    end = ends or world_end(session)
    start = end - timedelta(days=round(30.44 * months))
    say = progress or (lambda _text: None)
    settings = engine_settings(session)
    usual = float(settings.exploration_share)
    save_settings(session, {"exploration_share": explore})
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    history = History(starts=start, ends=end)
    prices = dict(session.execute(select(Product.id, Product.list_price_cents)).all())
    products = {
        code: (int(pid), ext)
        for code, pid, ext in session.execute(
            select(Action.code, Product.id, Product.external_id).join(
                Product, Product.id == Action.product_id
            )
        ).all()
    }
    costs = dict(session.execute(select(Action.code, Action.cost_cents)).all())
    next_refresh = start
    day = start
    try:
        while day < end:
            if day >= next_refresh:
                refresh_features(session, as_of=day)
                history.refreshes += 1
                next_refresh = day + timedelta(days=refresh_days)
                say(_("features as of %(day)s", day=f"{day:%Y-%m-%d}"))
            stop = min(day + timedelta(days=batch_days), end, next_refresh)
            contacts = _contacts(session, day, stop)
            if not contacts.empty:
                _decide_and_answer(
                    session,
                    contacts,
                    preset,
                    truth_customers,
                    truth_products,
                    history,
                    rng,
                    pick,
                    zone,
                    products,
                    prices,
                    costs,
                )
            day = stop
    finally:
        save_settings(session, {"exploration_share": usual})
    return history


def _timed(contacts: pd.DataFrame) -> list[Timed]:
    """The contacts as requests, each at its own moment."""
    return [
        Timed(
            Request(
                customer_id=int(cid),
                channel=str(channel),
                intent=None if intent is None else str(intent),
                wait_seconds=int(wait),
            ),
            _aware(at),
        )
        for cid, at, channel, intent, wait in zip(
            contacts["customer_id"].tolist(),
            contacts["at"].tolist(),
            contacts["channel"].tolist(),
            contacts["intent"].tolist(),
            contacts["wait"].tolist(),
            strict=True,
        )
    ]


def _decide_and_answer(
    session: Session,
    contacts: pd.DataFrame,
    preset: str,
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    history: History,
    rng: np.random.Generator,
    pick: random.Random,
    zone: ZoneInfo,
    products: dict[str, tuple[int, str]],
    prices: dict[int, int | None],
    costs: dict[str, int],
) -> None:
    engine = load_engine(session)
    timed = _timed(contacts)
    decided = decide_batch(session, engine, timed, zone=zone, source="simulation", rng=pick)
    history.decisions += len(decided)
    presented: list[tuple[int, DecisionOut]] = []
    for i, out in decided:
        history.explored += int(out.explored)
        history.control += int(out.arm == "control")
        if out.actions:
            presented.append((i, out))
    if not presented:
        return
    rows = pd.DataFrame(
        {
            "customer_id": [contacts["external_id"].iloc[i] for i, _ in presented],
            "action": [out.actions[0].code for _, out in presented],
            "intent": [contacts["intent"].iloc[i] for i, _ in presented],
            "channel": [contacts["channel"].iloc[i] for i, _ in presented],
            "local_weekday": [
                _aware(contacts["at"].iloc[i]).astimezone(zone).weekday() for i, _ in presented
            ],
            "local_hour": [
                _aware(contacts["at"].iloc[i]).astimezone(zone).hour for i, _ in presented
            ],
            "wait_seconds": [int(contacts["wait"].iloc[i]) for i, _ in presented],
        }
    )
    truth = evaluate(rows, truth_customers, truth_products, preset)
    answers = draw_answer(rng, truth["p_accept"].to_numpy())
    batch: list[Answered] = []
    orders: list[tuple[int, int, datetime, int, str]] = []
    for (_i, out), answer in zip(presented, answers, strict=True):
        top = out.actions[0]
        at = out.decided_at + ANSWER_DELAY
        batch.append(Answered(out, top.action_id, str(answer), at))
        stats = history.by_action.setdefault(top.code, {"shown": 0, "accepted": 0})
        stats["shown"] += 1
        if answer == "accepted":
            history.accepted += 1
            stats["accepted"] += 1
            if top.code in products:
                pid, _ext = products[top.code]
                price = max(int(prices.get(pid) or 0) - int(costs.get(top.code, 0)), 1)
                orders.append((int(out.customer_id), pid, at, price, f"NBA-{out.decision_id}"))
    history.answered += record_batch(session, batch)
    if orders:
        _orders(session, orders)
        history.orders += len(orders)


def _orders(session: Session, orders: list[tuple[int, int, datetime, int, str]]) -> None:
    """The accepted offers as real one-line orders."""
    ids = (
        session.execute(
            insert(Order).returning(Order.id, sort_by_parameter_order=True),
            [
                {"external_id": ext, "customer_id": cid, "ordered_at": at, "currency": "EUR"}
                for cid, _pid, at, _price, ext in orders
            ],
        )
        .scalars()
        .all()
    )
    session.execute(
        insert(OrderLine),
        [
            {
                "order_id": oid,
                "line_no": 1,
                "product_id": pid,
                "quantity": 1,
                "unit_price_ten_thousandths": price * 100,
                "total_cents": price,
            }
            for oid, (_cid, pid, _at, price, _ext) in zip(ids, orders, strict=True)
        ],
    )


def _aware(value: object) -> datetime:
    stamp = pd.Timestamp(value).to_pydatetime()  # type: ignore[arg-type]
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


UNIVERSAL_RULES = frozenset(
    {
        "validity",
        "channel",
        "consent",
        "do-not-call",
        "frequency",
        "rejection-pause",
        "repeat",
        "service-first",
        "control-group",
        "rule-broken",
    }
)
"""Rules that stop any policy from offering in a contact (the law, the contact policy, service
first): a comparison offers the best seller only where none of them held it back."""


@dataclass(frozen=True)
class Comparison:
    """True incremental value (cents, on the truth) of policies over the same contacts."""

    starts: datetime
    ends: datetime
    contacts: int
    best_seller: str
    nba_cents: float
    nba_offers: int
    best_seller_cents: float
    best_seller_offers: int
    best_seller_eligible_cents: float
    best_single: str
    best_single_cents: float
    oracle_cents: float
    per_offer_cents: dict[str, float]
    nba_by_offer: dict[str, int]

    @property
    def ratio(self) -> float:
        """NBA ÷ offering everyone the best seller (inf when the latter earns ≤ 0)."""
        return (
            self.nba_cents / self.best_seller_cents if self.best_seller_cents > 0 else float("inf")
        )

    def as_json(self) -> dict[str, object]:
        return {
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "contacts": self.contacts,
            "best_seller": self.best_seller,
            "true_value_euro": {
                "nba": round(self.nba_cents / 100, 2),
                "best_seller_to_everyone": round(self.best_seller_cents / 100, 2),
                "best_seller_where_eligible": round(self.best_seller_eligible_cents / 100, 2),
                f"best_single_offer ({self.best_single})": round(self.best_single_cents / 100, 2),
                "oracle": round(self.oracle_cents / 100, 2),
            },
            "nba_over_best_seller": None if self.ratio == float("inf") else round(self.ratio, 3),
            "nba_offers": self.nba_offers,
            "best_seller_offers": self.best_seller_offers,
            "nba_offers_by_action": self.nba_by_offer,
            "every_offer_to_everyone_euro": {
                k: round(v / 100, 2) for k, v in self.per_offer_cents.items()
            },
        }


def best_seller(session: Session, before: datetime) -> str:
    """The catalogue's offer whose product sold in the most order lines in the year before."""
    rows = session.execute(
        select(Action.code, func.count(OrderLine.id))
        .join(OrderLine, OrderLine.product_id == Action.product_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Action.active.is_(True),
            Order.ordered_at >= before - timedelta(days=365),
            Order.ordered_at < before,
        )
        .group_by(Action.code)
        .order_by(func.count(OrderLine.id).desc(), Action.code)
    ).all()
    if not rows:
        raise NotFound(_("no offer of the catalogue sold in the year before"))
    return str(rows[0][0])


def compare(
    session: Session,
    *,
    starts: datetime,
    ends: datetime,
    zone: ZoneInfo = ZoneInfo("Europe/Amsterdam"),
    seed: int = 0,
    progress: Progress | None = None,
) -> Comparison:
    """Decide every agent contact in [starts, ends) with the engine as it is (no exploration,
    no control group), and put the true value of its offers beside offering everyone the
    best-selling product, the best single offer and the oracle. Nothing is kept: the
    decisions are made inside a savepoint that is rolled back."""
    preset, truth_customers, truth_products = truth_frames(session)
    say = progress or (lambda _text: None)
    seller = best_seller(session, starts)
    offers = [
        code
        for code, kind in session.execute(
            select(Action.code, Action.kind).where(
                Action.active.is_(True), Action.product_id.is_not(None)
            )
        ).all()
        if kind.value == "offer"
    ]
    nested = session.begin_nested()
    try:
        save_settings(session, {"exploration_share": 0.0, "control_share": 0.0})
        say(_("features as of %(day)s", day=f"{starts:%Y-%m-%d}"))
        refresh_features(session, as_of=starts)
        engine = load_engine(session)
        contacts = _contacts(session, starts, ends)
        timed = _timed(contacts)
        say(f"deciding {len(timed):,} contacts")
        decided = decide_batch(
            session, engine, timed, zone=zone, source="evaluation", rng=random.Random(seed)
        )
    finally:
        nested.rollback()
    index = np.asarray([i for i, _ in decided], dtype=np.int64)
    picked = contacts.iloc[index].reset_index(drop=True)
    local = [_aware(at).astimezone(zone) for at in picked["at"].tolist()]
    base = pd.DataFrame(
        {
            "customer_id": picked["external_id"],
            "intent": picked["intent"],
            "channel": picked["channel"],
            "local_weekday": [t.weekday() for t in local],
            "local_hour": [t.hour for t in local],
            "wait_seconds": picked["wait"],
        }
    )

    def value_of(actions: list[str | None]) -> np.ndarray:
        rows = base.copy()
        rows["action"] = pd.Series(actions, dtype=object)
        values = evaluate(rows, truth_customers, truth_products, preset)["net_value_cents"]
        return np.asarray(np.nan_to_num(values.to_numpy(dtype=np.float64), nan=0.0))

    nba_choice: list[str | None] = []
    allowed: dict[str, list[bool]] = {code: [] for code in offers}
    eligible: dict[str, list[bool]] = {code: [] for code in offers}
    for _i, out in decided:
        # The engine's chosen offer: the first sales offer it shows (the agent may also
        # present a service action or a loyalty moment ranked above it).
        top = next((a for a in out.actions if a.kind == "offer"), None)
        nba_choice.append(None if top is None else top.code)
        held = {h.code: h.rule for h in out.suppressed}
        for code in offers:
            rule = held.get(code)
            allowed[code].append(rule not in UNIVERSAL_RULES)
            eligible[code].append(rule in (None, "not-worth", "ranked-lower"))
    nba = value_of(nba_choice)
    per_offer: dict[str, float] = {}
    values: dict[str, np.ndarray] = {}
    for code in offers:
        values[code] = value_of([code if ok else None for ok in allowed[code]])
        per_offer[code] = float(values[code].sum())
    seller_eligible = value_of([seller if ok else None for ok in eligible[seller]])
    single = max(per_offer, key=lambda c: per_offer[c])
    stacked = np.vstack([np.zeros(len(base)), *values.values()])
    counts: dict[str, int] = {}
    for chosen in nba_choice:
        if chosen is not None:
            counts[chosen] = counts.get(chosen, 0) + 1
    return Comparison(
        starts=starts,
        ends=ends,
        contacts=len(decided),
        best_seller=seller,
        nba_cents=float(nba.sum()),
        nba_offers=sum(counts.values()),
        best_seller_cents=per_offer[seller],
        best_seller_offers=sum(allowed[seller]),
        best_seller_eligible_cents=float(seller_eligible.sum()),
        best_single=single,
        best_single_cents=per_offer[single],
        oracle_cents=float(stacked.max(axis=0).sum()),
        per_offer_cents=dict(sorted(per_offer.items())),
        nba_by_offer=dict(sorted(counts.items())),
    )
