"""The market dips of the order rhythm scored against the demo world's truth
(``truth_market_shocks``: which market dips, and when): weekly runs through the last year
raise no dip in a quiet world and only the hit market's in a recession.

Issue 6's target for the individual warning (≥ 70% of leavers caught 30 days before their
last order) was replaced by issue 18's, taken from real data: the learned rhythm warning is
judged against the world's truth in ``tests/test_rhythm_warning_truth.py`` and on CDNOW in
``tests/test_cli_rhythm.py``.
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
        last_order=last,
        end_day=(pd.Timestamp(world.window.end) - EPOCH).days,
    )


@pytest.fixture(scope="module")
def wholesale() -> Observed:
    return _observe(build_world(WHOLESALE, CUSTOMERS, SEED))


def quiet_dips(obs: Observed, options: RhythmOptions | None = None) -> dict[int, list[str]]:
    """The markets in a dip at each weekly run through the window's last year."""
    start, stop = obs.end_day - 365, obs.end_day - HORIZON
    dips: dict[int, list[str]] = {}
    for t in range(start, stop + 1, 7):
        res = order_rhythm(obs.customer, obs.day, obs.cents, obs.market, t, options)
        dips[t] = [m.market for m in res.markets if m.dip]
    return dips


def test_no_market_dip_without_a_shock_and_only_the_hit_market_in_a_recession(
    wholesale: Observed,
) -> None:
    assert all(not markets for markets in quiet_dips(wholesale).values())
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
