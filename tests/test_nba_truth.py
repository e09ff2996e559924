"""The next-best-action engine scored against the demo world's truth — issue 8's "Done when":
on the demo world, the offers the engine chooses earn at least 25% more true incremental value
than offering every customer the single best-selling product.

Built through the CLI as an operator would: the wholesale world (20,000 customers, seed 1,
history to 2026-10-31), the demo's catalogue, six months of decisions ending 2026-10-01
through the product's own engine — a pilot in which half the decisions show a random
eligible offer, answers drawn from the truth (``demo/offers_truth.py``) — and the propensity
models trained on that log only (``offers train`` before 2026-10-01). Then every agent contact
of October 2026 is decided with the engine as trained (no exploration, no control group), and
``demo nba-compare`` scores on the truth (never read by the product) the engine's first sales
offer against offering the best-selling product (copy paper, the offer product with the most
order lines in the year before) in every contact where the law, the contact policy and service
first allow a sales offer — the same contacts for both.

Measured with this seed (SQLite, 2026-12-02): the engine € 1,663.82, the best seller to
everyone € 1,177.66 (1.41×), the best single offer in hindsight (the toner multipack to
everyone) € 1,526.61, the oracle (the best offer per contact on the truth) € 2,257.29. With
seeds 2: 1.45× (€ 1,707.56 against € 1,174.22; best single € 1,557.04). Untreated decisions
bought the best seller in 2.06% of them, inside the control group's 95% interval
(10 of 506, [1.08%, 3.60%]).

SQLite only: the run takes about two minutes and the product code it drives is the same on
both backends, which the API tests cover.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_world import build_world
from tests.conftest import _copy_sqlite
from tests.test_demo_cli import run
from valuecenter.analytics.ledger import wilson
from valuecenter.customers.models import Customer
from valuecenter.demo.nba import truth_frames
from valuecenter.demo.offers_truth import evaluate
from valuecenter.offers.lift_ledger import lift_ledger
from valuecenter.offers.models import Action, Decision, DecisionArm, DecisionResponse
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

BEST_SELLER_TARGET = 1.25
DECIDED_UNTIL = date(2026, 10, 1)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


@pytest.fixture(scope="module")
def nba_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The wholesale world with six months of decisions, built once for this file's tests (a
    SQLite file of its own; each test gets a copy): its path and ``demo nba``'s summary."""
    path = tmp_path_factory.mktemp("nba-world") / "world.db"
    _world, history = build_world(
        path,
        ("demo", "--preset", "wholesale", "--customers", "20000", "--seed", "1"),
        ("demo", "nba", "--months", "6", "--until", DECIDED_UNTIL.isoformat(), "--seed", "1"),
    )
    return path, history


@pytest.fixture
def decided(db_url: str, request: pytest.FixtureRequest) -> dict[str, object]:
    """The test database holds a copy of :func:`nba_world` (SQLite only: the run takes minutes
    and the product code it drives is the same on both backends)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("measured on SQLite (the same product code runs on both backends)")
    path, history = request.getfixturevalue("nba_world")
    _copy_sqlite(path, db_url.removeprefix("sqlite:///"))
    return dict(history)


@pytest.mark.slow
# The heaviest truth test of the suite (a 20,000-customer world): it gets its own time limit,
# so a busy machine does not turn it into a timeout while the suite's 600 s default still
# catches a hung test elsewhere.
@pytest.mark.timeout(1800)
def test_nba_offers_earn_25_percent_more_true_value_than_the_best_seller_to_everyone(
    decided: dict[str, object],
    capsys: pytest.CaptureFixture[str],
    sessions: sessionmaker[Session],
) -> None:
    facts = decided["history"]
    assert isinstance(facts, dict)
    assert facts["decisions"] > 10_000
    training = decided["training"]
    assert isinstance(training, dict)
    assert training["version"].startswith("pm-20261001")

    result = _cli(capsys, "demo", "nba-compare", "--since", "2026-10-01", "--until", "2026-11-01")
    print(json.dumps(result, indent=1))  # the figures, for the closing note (pytest -s)
    values = result["true_value_euro"]
    assert isinstance(values, dict)
    assert result["best_seller"] == "copy-paper-bulk"
    assert values["best_seller_to_everyone"] > 0  # a real comparator, not a loss
    assert values["nba"] >= BEST_SELLER_TARGET * values["best_seller_to_everyone"]
    assert values["nba"] <= values["oracle"]
    # The comparison writes nothing: its October decisions were rolled back.
    with sessions() as session:
        latest = session.scalar(select(Decision.decided_at).order_by(Decision.decided_at.desc()))
    assert latest is not None
    assert latest.isoformat() < "2026-10-01"
    _organic_rate_agrees_with_the_control_group(sessions)


def _organic_rate_agrees_with_the_control_group(sessions: sessionmaker[Session]) -> None:
    """The organic models learn P(buys it anyway) from every matured decision that presented
    nothing of the product's category (``offers/training.py``), assuming that presenting one
    product does not change the purchases of another. The control group (held out of all
    offers) measures the same rate without that assumption: the untreated decisions' rate of
    buying the best-selling product within 30 days lies in the control group's 95% Wilson
    interval."""
    with sessions() as session:
        product = session.scalar(select(Product.id).where(Product.external_id == "P01006"))
        rows = session.execute(
            select(Decision.id, Decision.customer_id, Decision.decided_at, Decision.arm)
        ).all()
        answered = {d for (d,) in session.execute(select(DecisionResponse.decision_id)).all()}
        bought = session.execute(
            select(Order.customer_id, Order.ordered_at)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.product_id == product, ~Order.external_id.like("NBA-%"))
        ).all()
    by_customer: dict[int, list[datetime]] = {}
    for customer, at in bought:
        by_customer.setdefault(int(customer), []).append(at)

    def bought_within(customer: int, at: datetime) -> bool:
        return any(at < t <= at + timedelta(days=30) for t in by_customer.get(customer, []))

    control, untreated = [], []
    for decision, customer, at, arm in rows:
        if at.isoformat() >= "2026-09-01":  # not yet matured by 2026-10-01
            continue
        hit = bought_within(int(customer), at)
        if arm == DecisionArm.CONTROL:
            control.append(hit)
        elif decision not in answered:
            untreated.append(hit)
    assert len(control) > 200
    low, high = wilson(float(sum(control)), len(control))
    rate = float(np.mean(untreated))
    print(f"control {sum(control)}/{len(control)} [{low:.4f}, {high:.4f}], untreated {rate:.4f}")
    assert low <= rate <= high


# --- the lift ledger against the truth (issue 19) ----------------------------------------------

LEDGER_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)  # the world's end: every window has closed


@dataclass(frozen=True)
class TrueLift:
    """What the engine's offers truly added in the decided period, per month and offer code:
    the expected sales (cents) and purchases of the offered product they caused."""

    sales_cents: dict[tuple[str, str], float]
    purchases: dict[tuple[str, str], float]

    @property
    def total_sales_cents(self) -> float:
        return sum(self.sales_cents.values())

    @property
    def total_purchases(self) -> float:
        return sum(self.purchases.values())


def _true_lift(session: Session, until_day: date = DECIDED_UNTIL) -> TrueLift:
    """The truth of the ledger's estimand, from the world's truth (which the product never
    reads). ``demo nba`` presents a decision's first action; a customer accepts a sales offer
    with its true ``p_accept`` in the contact's context and the acceptance becomes an extra
    order of the product at its list price less the offer's cost, on top of the orders the
    world already holds (which no offer changes: ``demo/nba.py``). So each presentation of an
    offer adds ``p_accept`` purchases and ``p_accept × price`` sales in expectation — more than
    the stated model's ``p_treated − p_control`` (``demo/offers_truth.py``), because a customer
    who would have bought anyway still places his own order too."""
    zone = ZoneInfo("Europe/Amsterdam")
    preset, truth_customers, truth_products = truth_frames(session)
    actions = {int(a.id): a for a in session.scalars(select(Action))}
    prices = dict(session.execute(select(Product.id, Product.list_price_cents)).all())
    numbers = dict(session.execute(select(Customer.id, Customer.external_id)).all())
    until = datetime.combine(until_day, datetime.min.time(), tzinfo=UTC)
    rows = []
    for d in session.scalars(
        select(Decision).where(Decision.arm == DecisionArm.NBA, Decision.decided_at < until)
    ):
        if not d.actions:
            continue
        action = actions[int(str(d.actions[0]["action_id"]))]
        if action.kind.value != "offer" or action.product_id is None:
            continue
        at = d.decided_at if d.decided_at.tzinfo else d.decided_at.replace(tzinfo=UTC)
        local = at.astimezone(zone)
        rows.append(
            {
                "customer_id": numbers[d.customer_id],
                "action": action.code,
                "intent": d.intent,
                "channel": d.channel,
                "local_weekday": local.weekday(),
                "local_hour": local.hour,
                "wait_seconds": int(str(d.context.get("wait_seconds", 0))),
                "month": f"{at:%Y-%m}",
                "price": max(int(prices[action.product_id] or 0) - action.cost_cents, 1),
            }
        )
    frame = pd.DataFrame(rows)
    p = evaluate(frame, truth_customers, truth_products, preset)["p_accept"].to_numpy()
    frame["purchases"] = p
    frame["sales"] = p * frame["price"].to_numpy()
    sums = frame.groupby(["month", "action"])[["sales", "purchases"]].sum()
    return TrueLift(
        sales_cents={(str(m), str(a)): float(v) for (m, a), v in sums["sales"].items()},
        purchases={(str(m), str(a)): float(v) for (m, a), v in sums["purchases"].items()},
    )


# Measured on this world (SQLite, 2026-12-07): the ledger's total incremental sales −€ 30,730
# (standard error € 201,125, no interval: skewness 0.67 > 0.2), truth € 14,127; the minimum
# detectable incremental amount € 563,469, 40 times the true effect. docs/offers.md explains.
LEDGER_XFAIL = (
    "the 5% control group cannot see the offers' sales: total incremental sales -EUR 30,730 "
    "(se EUR 201,125), interval withheld (skewness 0.67 > 0.2, Cochran's rule), truth "
    "EUR 14,127, minimum detectable amount EUR 563,469 = 40x the true effect (docs/offers.md)"
)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=LEDGER_XFAIL)
def test_nba_lift_ledger_incremental_sales_cover_the_truth(
    decided: dict[str, object], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        ledger = lift_ledger(session, until=DECIDED_UNTIL, as_of=LEDGER_AS_OF)
        truth = _true_lift(session)
    sales = ledger.total.sales.incremental
    print(ledger.total.sales.as_json(), truth.total_sales_cents)
    assert sales.covers(truth.total_sales_cents)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_nba_lift_ledger_purchases_cover_the_truth_and_say_what_sales_it_could_detect(
    decided: dict[str, object], sessions: sessionmaker[Session]
) -> None:
    """The count of purchases of the offered products is far less skewed than their sales
    (a pallet of paper is one purchase, and €1,000): its total has an interval, and it covers
    the truth. The sales' minimum detectable amount says why their interval cannot help."""
    with sessions() as session:
        ledger = lift_ledger(session, until=DECIDED_UNTIL, as_of=LEDGER_AS_OF)
        truth = _true_lift(session)
    total = ledger.total
    print(total.purchases.as_json(), truth.total_purchases)
    assert total.experiment_keys == [f"nba-control:2026-{m:02d}" for m in range(4, 10)]
    assert total.control_share is not None
    assert 0.02 < total.control_share < 0.08  # the catalogue's 5% control share
    assert not total.maturing
    assert len(ledger.months) == 6
    assert {r.action_code for r in ledger.rows} >= {k[1] for k in truth.purchases}
    purchases = total.purchases.incremental
    assert purchases.has_interval
    assert purchases.covers(truth.total_purchases)
    # What the control group can detect in sales is far above what the offers truly added.
    assert total.sales.mde is not None
    assert total.sales.mde > 10 * truth.total_sales_cents
    # Every figure without an interval says why.
    for row in [*ledger.rows, *ledger.months, total]:
        for figure in (row.sales.incremental, row.purchases.incremental):
            assert figure.has_interval or figure.reason
