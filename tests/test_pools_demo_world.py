"""Issue 22, first Done-when point, on the demo world itself (not a synthetic draw): the
wholesale company of seed 000 at full scale — 97,500 B2B customers in NL, BE, DE, CH and AT,
an AM per ≈650 customers (152 AMs) — assigned by :func:`assign_pools` from the demo's own
initial pools (an even deal per country, blind to value): every customer's AM of his country,
pool sizes within ±5% of the market's mean, pool-value CV ≤ 5% per market. Then 5% new
customers arrive (drawn by the same generator, another seed) and 3 AMs leave; the sticky
rebalance moves at most 1.5 × the theoretical minimum of ``min_moves``.

The inputs are the ones ``pools/service.py`` reads from the database, computed from the
world's frames without a database (the database path is tests/test_pools_demo_db.py):

- value: the CLV of the score run's models (BG/NBD + Gamma-Gamma, ``value/service.py``)
  fitted on the world's order lines, per customer and purchase day as ``purchase_days`` reads
  them (the contract part of a score run is left out);
- workload: each customer's contacts in the last twelve months of the history;
- locked: customers with a case — the importer stores every case open (the demo's contacts
  carry no case status), so three in four customers are locked, as on the loaded database.

No timings here; the seconds are in bench/pools_demo_bench.py and docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from valuecenter.analytics.pools import AccountManagers, Customers, PoolAssignment, assign_pools
from valuecenter.analytics.purchases import PurchaseDays, summary_from_days
from valuecenter.demo.presets import get_preset
from valuecenter.demo.world import DemoWorld, build_world
from valuecenter.value.figures import fit_value_models, value_figures

CUSTOMERS = 97_500
NEW = CUSTOMERS // 20  # 5% new customers
AS_OF = date(2026, 11, 1)  # the day after the demo's history
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
YEAR_AGO = pd.Timestamp("2025-11-01", tz="UTC")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Inputs:
    """The world's customers (the 97,500 first, then the 4,875 new ones) and its AMs."""

    country: npt.NDArray[np.object_]
    value: npt.NDArray[np.float64]
    workload: npt.NDArray[np.float64]
    locked: npt.NDArray[np.bool_]
    initial: npt.NDArray[np.int64]  # the demo's AM id of each of the first 97,500
    am_ids: npt.NDArray[np.int64]
    am_code: npt.NDArray[np.object_]
    am_country: npt.NDArray[np.object_]


def _frames(world: DemoWorld, offset: int) -> dict[str, npt.NDArray[np.int64]]:
    """Purchase-day rows, recent contacts and case contacts of a world, its customers
    numbered from ``offset`` in the order of its customers frame."""
    customers = world.frames["customers"]
    index = pd.Series(np.arange(len(customers)) + offset, index=customers["customer_id"])
    orders = world.frames["orders"]
    ordered = pd.to_datetime(orders["ordered_at"], utc=True)
    contacts = world.frames["contacts"]
    started = pd.to_datetime(contacts["started_at"], utc=True)
    known = contacts["customer_id"].notna()
    cents = np.round(orders["quantity"].to_numpy() * orders["unit_price"].to_numpy() * 100)
    return {
        "order_customer": index.loc[orders["customer_id"]].to_numpy(np.int64),
        "order_day": (ordered - EPOCH).dt.days.to_numpy(np.int64),
        "order_cents": cents.astype(np.int64),
        "recent": index.loc[contacts["customer_id"][known & (started >= YEAR_AGO)]].to_numpy(
            np.int64
        ),
        "cased": index.loc[contacts["customer_id"][known & contacts["case_id"].notna()]].to_numpy(
            np.int64
        ),
    }


def _clv(
    customer: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
    cents: npt.NDArray[np.int64],
    n: int,
) -> npt.NDArray[np.float64]:
    """The score run's CLV (cents) per customer, 0 without a purchase."""
    key = customer * 100_000 + day
    unique, inverse = np.unique(key, return_inverse=True)
    days = PurchaseDays(
        customer_id=(unique // 100_000).astype(np.int64),
        day=(unique % 100_000).astype(np.int64),
        cents=np.bincount(inverse.reshape(-1), weights=cents).round().astype(np.int64),
    )
    summary = summary_from_days(AS_OF, days)
    figures = value_figures(fit_value_models(summary), summary, 12, 0.10)
    clv = np.zeros(n)
    clv[summary.customer_id] = np.maximum(figures["clv_cents"].to_numpy(np.float64), 0.0)
    return clv


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    preset = get_preset("wholesale")
    world = build_world(preset, CUSTOMERS, seed=0)
    newcomers = build_world(preset, NEW, seed=1)
    old, new = _frames(world, 0), _frames(newcomers, CUSTOMERS)
    n = CUSTOMERS + NEW
    parts = {k: np.concatenate([old[k], new[k]]) for k in old}
    ams = world.account_managers
    am_ids = np.arange(1, len(ams) + 1, dtype=np.int64)
    code_to_id = dict(zip(ams["code"], am_ids.tolist(), strict=True))
    locked = np.zeros(n, dtype=bool)
    locked[parts["cased"]] = True
    return Inputs(
        country=np.concatenate(
            [
                world.frames["customers"]["country"].to_numpy(object),
                newcomers.frames["customers"]["country"].to_numpy(object),
            ]
        ),
        value=_clv(parts["order_customer"], parts["order_day"], parts["order_cents"], n),
        workload=np.bincount(parts["recent"], minlength=n).astype(np.float64),
        locked=locked,
        initial=world.frames["customers"]["account_manager"].map(code_to_id).to_numpy(np.int64),
        am_ids=am_ids,
        am_code=ams["code"].to_numpy(object),
        am_country=ams["country"].to_numpy(object),
    )


def _customers(inputs: Inputs, n: int) -> Customers:
    return Customers(
        np.arange(n, dtype=np.int64), inputs.country[:n], inputs.value[:n], inputs.workload[:n]
    )


@pytest.fixture(scope="module")
def first(inputs: Inputs) -> PoolAssignment:
    """``pools assign`` on the freshly loaded demo: a rebalance of the demo's own pools."""
    return assign_pools(
        _customers(inputs, CUSTOMERS),
        AccountManagers(inputs.am_ids, inputs.am_country),
        current=inputs.initial,
        locked=inputs.locked[:CUSTOMERS],
    )


def check_done_when(
    result: PoolAssignment,
    inputs: Inputs,
    n: int,
    am_ids: npt.NDArray[np.int64],
    am_country: npt.NDArray[np.object_],
) -> None:
    """Every customer's AM of his country; per market, every pool size within ±5% of the
    mean size and the pool values' coefficient of variation ≤ 5%."""
    country_of = dict(zip(am_ids.tolist(), am_country.tolist(), strict=True))
    assert [country_of[a] for a in result.am.tolist()] == inputs.country[:n].tolist()
    position = {a: i for i, a in enumerate(am_ids.tolist())}
    pool = np.array([position[a] for a in result.am.tolist()])
    size = np.bincount(pool, minlength=len(am_ids))
    value = np.bincount(pool, weights=inputs.value[:n], minlength=len(am_ids))
    for market in np.unique(am_country):
        team = am_country == market
        mean = size[team].mean()
        assert np.abs(size[team] - mean).max() <= 0.05 * mean, market
        cv = value[team].std() / value[team].mean()
        assert cv <= 0.05, (market, cv)


def test_the_demo_world_has_150_ams_over_five_countries(inputs: Inputs) -> None:
    assert 145 <= len(inputs.am_ids) <= 155
    assert set(inputs.am_country) == {"NL", "BE", "DE", "CH", "AT"}
    assert set(inputs.country) == set(inputs.am_country)
    # the demo's initial deal is even in size but blind to value: its CV is above 5%
    value = np.bincount(
        inputs.initial, weights=inputs.value[:CUSTOMERS], minlength=len(inputs.am_ids) + 1
    )[1:]
    cvs = [
        value[inputs.am_country == m].std() / value[inputs.am_country == m].mean()
        for m in np.unique(inputs.am_country)
    ]
    assert max(cvs) > 0.05
    assert inputs.locked.mean() > 0.5  # most customers have an (imported, open) case


def test_the_first_assignment_meets_the_done_when_bands(
    inputs: Inputs, first: PoolAssignment
) -> None:
    check_done_when(first, inputs, CUSTOMERS, inputs.am_ids, inputs.am_country)
    assert first.locked_moved == 0
    assert first.min_moves == 0  # the demo's pools are already even in size
    assert len(first.markets) == 5


@pytest.mark.parametrize(
    "leaving",
    [("NL-01", "DE-07", "BE-03"), ("AT-01", "CH-01", "BE-01"), ("AT-01", "AT-02", "AT-03")],
    ids=["three-markets", "small-markets", "one-market"],
)
def test_the_rebalance_after_arrivals_and_leavers_moves_at_most_1_5_times_the_minimum(
    inputs: Inputs, first: PoolAssignment, leaving: tuple[str, ...]
) -> None:
    n = CUSTOMERS + NEW
    stay = ~np.isin(inputs.am_code, leaving)
    assert int((~stay).sum()) == 3
    result = assign_pools(
        _customers(inputs, n),
        AccountManagers(inputs.am_ids[stay], inputs.am_country[stay]),
        current=np.concatenate([first.am, np.full(NEW, -1, dtype=np.int64)]),
        locked=inputs.locked,
    )
    check_done_when(result, inputs, n, inputs.am_ids[stay], inputs.am_country[stay])
    assert result.moved <= 1.5 * result.min_moves
    assert result.locked_moved == 0
    # everyone whose AM stayed and who did not move kept his AM
    kept = np.isin(first.am, inputs.am_ids[stay])
    same = result.am[:CUSTOMERS] == first.am
    assert int((kept & ~same).sum()) == result.moved
