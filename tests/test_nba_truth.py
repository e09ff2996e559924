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
from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.analytics.ledger import wilson
from valuecenter.offers.models import Decision, DecisionArm, DecisionResponse
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

BEST_SELLER_TARGET = 1.25


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.slow
# The heaviest truth test of the suite (a 20,000-customer world): it gets its own time limit,
# so a busy machine does not turn it into a timeout while the suite's 600 s default still
# catches a hung test elsewhere.
@pytest.mark.timeout(1800)
def test_nba_offers_earn_25_percent_more_true_value_than_the_best_seller_to_everyone(
    db_url: str, capsys: pytest.CaptureFixture[str], sessions: sessionmaker[Session]
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("measured on SQLite (the same product code runs on both backends)")
    code, _out, err = run(
        ["demo", "--preset", "wholesale", "--customers", "20000", "--seed", "1"], capsys
    )
    assert code == 0, err
    history = _cli(capsys, "demo", "nba", "--months", "6", "--until", "2026-10-01", "--seed", "1")
    facts = history["history"]
    assert isinstance(facts, dict)
    assert facts["decisions"] > 10_000
    training = history["training"]
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
