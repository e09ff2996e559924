"""The order-rhythm warning scored against the demo world's truth (``truth_customers``:
who really leaves, and when; ``truth_market_shocks``: which market dips, and when).

Issue 6 asks that on the wholesale world the warning catch ≥70% of the customers who truly
leave at least 30 days before their last order, with precision ≥50%. The first test measures
both; the second shows why the recall part cannot be met in this world by *any* detector that
reads orders: a leaver's orders only thin out in his last 45–150 days (``decline_days``,
docs/simulation.md), and for most leavers that decline has not begun 30 days before their
last order — before it, a leaver's orders are drawn exactly like a stayer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from valuecenter.analytics.rhythm import RhythmOptions, order_rhythm
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.world import DemoWorld, build_world

CUSTOMERS, SEED = 20_000, 1
EPOCH = pd.Timestamp("1970-01-01")
HORIZON = 180  # an alert is right when the customer leaves within this many days after it


def _day(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, utc=True).dt.tz_localize(None).dt.floor("D")
    return np.asarray((stamps - EPOCH).dt.days, dtype=np.int64)


@dataclass(frozen=True)
class Observed:
    """What the product sees of a world (purchase days per customer index, markets), and the
    truth the test scores it against."""

    customer: np.ndarray
    day: np.ndarray
    cents: np.ndarray
    market: np.ndarray
    churn_day: np.ndarray  # NaN: stays
    decline_days: np.ndarray
    last_order: np.ndarray
    end_day: int


def _observe(world: DemoWorld) -> Observed:
    orders = world.frames["orders"]
    customers = world.frames["customers"]
    index = pd.Series(np.arange(len(customers)), index=customers["customer_id"])
    frame = pd.DataFrame(
        {
            "c": index.reindex(orders["customer_id"]).to_numpy(),
            "d": _day(orders["ordered_at"]),
            "v": (orders["quantity"] * (orders["unit_price"] * 100).round()).to_numpy(),
        }
    )
    days = frame.groupby(["c", "d"], as_index=False)["v"].sum()
    truth = world.truth["truth_customers"].set_index("customer_id").reindex(index.index)
    churn = pd.to_datetime(truth["churn_date"])
    last = np.full(len(customers), -1, dtype=np.int64)
    np.maximum.at(last, days["c"].to_numpy(), days["d"].to_numpy())
    return Observed(
        customer=days["c"].to_numpy(np.int64),
        day=days["d"].to_numpy(np.int64),
        cents=days["v"].to_numpy(np.float64),
        market=customers["country"].to_numpy(),
        churn_day=np.asarray((churn - EPOCH).dt.days, dtype=np.float64),
        decline_days=truth["decline_days"].to_numpy(np.float64),
        last_order=last,
        end_day=(pd.Timestamp(world.window.end) - EPOCH).days,
    )


@pytest.fixture(scope="module")
def wholesale() -> Observed:
    return _observe(build_world(WHOLESALE, CUSTOMERS, SEED))


@dataclass(frozen=True)
class Backtest:
    alerted: int
    precision: float  # alerted customers who leave within HORIZON days (or already left)
    late: float  # share of alerts raised after the customer had already left
    leavers: int
    recall_before_last_order: float  # caught ≥ 30 days before their last order
    recall_before_leaving: float  # caught ≥ 30 days before they leave
    dips: dict[int, list[str]]  # run day → markets in a dip


def backtest(obs: Observed, options: RhythmOptions | None = None) -> Backtest:
    """The warning run weekly through the window's last year, as a product would: each
    customer's first alert is kept. Scored only where the truth has had time to show."""
    start, stop = obs.end_day - 365, obs.end_day - HORIZON
    first = np.full(len(obs.market), np.nan)
    dips: dict[int, list[str]] = {}
    for t in range(start, stop + 1, 7):
        res = order_rhythm(obs.customer, obs.day, obs.cents, obs.market, t, options)
        new = res.alert & np.isnan(first)
        first[new] = t
        dips[t] = [m.market for m in res.markets if m.dip]
    alerted = ~np.isnan(first)
    right = obs.churn_day[alerted] <= first[alerted] + HORIZON  # NaN (stays) compares False
    late = obs.churn_day[alerted] < first[alerted]
    # Leavers whose 30-day lead falls inside the runs' span.
    leavers = (obs.churn_day >= start + 30) & (obs.churn_day < stop + 30)
    caught = first[leavers]
    return Backtest(
        alerted=int(alerted.sum()),
        precision=float(right.mean()),
        late=float(late.mean()),
        leavers=int(leavers.sum()),
        recall_before_last_order=float(np.mean(caught <= obs.last_order[leavers] - 30)),
        recall_before_leaving=float(np.mean(caught <= obs.churn_day[leavers] - 30)),
        dips=dips,
    )


def oracle_bound(obs: Observed) -> float:
    """Share of the scored leavers whose decline has begun 30 days before their last order."""
    start, stop = obs.end_day - 365, obs.end_day - HORIZON
    leavers = (obs.churn_day >= start + 30) & (obs.churn_day < stop + 30)
    decline_start = obs.churn_day[leavers] - obs.decline_days[leavers]
    return float(np.mean(decline_start <= obs.last_order[leavers] - 30))


def test_the_rhythm_warning_against_the_truth(wholesale: Observed) -> None:
    """The figures of the Done-when point, measured. Precision ≥ 50% is met; the recall of
    ≥ 70% caught 30 days before the last order is NOT met (see the next test for why)."""
    result = backtest(wholesale)
    print(result)  # the figures quoted in docs/churn.md
    assert result.leavers > 500
    assert result.alerted > 100
    assert result.precision >= 0.5
    # No detector can beat the oracle bound of the next test; most alerts come after the
    # customer has already gone (``late``): in this world the warning finds lapsed customers
    # for a win-back call more than it warns early.
    assert result.recall_before_last_order <= oracle_bound(wholesale)
    assert result.recall_before_last_order <= result.recall_before_leaving


def test_no_order_based_detector_can_reach_70_percent_in_this_world(
    wholesale: Observed,
) -> None:
    """Oracle bound: a leaver can only be told from a stayer by his orders once his decline
    has begun. The share of leavers whose decline has begun 30 days before their last order
    bounds the recall of every order-based detector — and it is far below 70%."""
    bound = oracle_bound(wholesale)
    print(f"oracle bound on recall 30 days before the last order: {bound:.3f}")
    assert 0.2 < bound < 0.5


def test_no_market_dip_without_a_shock_and_only_the_hit_market_in_a_recession(
    wholesale: Observed,
) -> None:
    quiet = backtest(wholesale)
    assert all(not markets for markets in quiet.dips.values())
    world = build_world(WHOLESALE, CUSTOMERS, SEED, scenarios=("recession",))
    shock = world.truth["truth_market_shocks"].iloc[0]
    hit = _observe(world)
    options = RhythmOptions()
    starts = (pd.Timestamp(shock["starts"]) - EPOCH).days
    ends = (pd.Timestamp(shock["ends"]) - EPOCH).days
    seen: dict[int, list[str]] = {}
    for t in range(starts - 60, ends + 120, 14):
        res = order_rhythm(hit.customer, hit.day, hit.cents, hit.market, t, options)
        seen[t] = [m.market for m in res.markets if m.dip]
    dipped = {t: markets for t, markets in seen.items() if markets}
    assert {m for markets in dipped.values() for m in markets} == {shock["country"]}
    assert min(dipped) > starts  # seen only once the shock has begun ...
    assert max(dipped) < ends + 120  # ... and no longer once it has passed
    # In the middle of the shock it is seen.
    assert shock["country"] in seen[max(t for t in seen if t <= (starts + ends) // 2)]


def test_the_window_dates_are_the_worlds(wholesale: Observed) -> None:
    assert wholesale.end_day == (pd.Timestamp(date(2026, 11, 1)) - EPOCH).days
