"""The fast Erlang C sizing (issue 21): the search from the square-root staffing guess, Erlang
B by Taylor series from shared nodes and the stable Poisson log-pmf must give the smallest
``n`` meeting the target for fractional loads, and Erlang B to near float precision.

The reference values of Erlang B are computed exactly here, by Erlang's recursion
``B(k) = A·B(k−1) / (k + A·B(k−1))`` from ``B(0) = 1`` (Gans, Koole & Mandelbaum 2003,
§4.1) in 40-digit decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.erlang import (
    _erlang_b_many,
    erlang_b,
    erlang_c_metrics,
    size_agents,
)


def exact_erlang_b(traffic: float, agents: int) -> float:
    with localcontext() as context:
        context.prec = 40
        a, b = Decimal(traffic), Decimal(1)
        for k in range(1, agents + 1):
            b = a * b / (k + a * b)
        return float(b)


@pytest.mark.parametrize(
    ("traffic", "agents"),
    [(0.3, 1), (10.0, 14), (133.3, 142), (1234.56, 1346), (49_990.7, 50_886), (99_851.2, 102_380)],
)
def test_erlang_b_to_near_float_precision(traffic: float, agents: int) -> None:
    exact = exact_erlang_b(traffic, agents)
    # Loader's saddle-point form keeps the Poisson pmf's digits at 100,000 Erlangs, where
    # n·log A − A − log n! loses about 1e-11 of them.
    assert erlang_b(np.array([traffic]), np.array([float(agents)]))[0] == pytest.approx(
        exact, rel=5e-13
    )
    many = _erlang_b_many(np.array([traffic]), np.array([float(agents)]))[0]
    assert many == pytest.approx(exact, rel=5e-13)


@pytest.mark.parametrize("low", [0.01, 0.5, 8.0, 150.0, 5_000.0, 60_000.0])
def test_taylor_series_matches_the_poisson_ratio(low: float) -> None:
    rng = np.random.default_rng(3)
    traffic = np.sort(rng.uniform(low, low * 1.7, 4000))
    for beta in (0.3, 1.0, 3.0, 8.0, 20.0):  # 20: beyond the series' reach, the ratio itself
        agents = np.maximum(np.ceil(traffic + beta * np.sqrt(traffic)), np.floor(traffic) + 1)
        fast = _erlang_b_many(traffic, agents)
        assert fast == pytest.approx(erlang_b(traffic, agents), rel=2e-12)


def meets(
    traffic: float, agents: int, aht: float, target: float, level: float, cap: float | None
) -> bool:
    if agents <= traffic:
        return False
    figures = erlang_c_metrics(traffic, agents, aht, target)
    return bool(figures.service_level >= level - 1e-12 and (cap is None or traffic / agents <= cap))


@settings(max_examples=30, deadline=None)
@given(
    scale=st.sampled_from([0.3, 3.0, 40.0, 400.0, 8_000.0, 90_000.0]),
    aht=st.floats(20.0, 900.0),
    target=st.sampled_from([0.0, 10.0, 20.0, 120.0]),
    level=st.floats(0.0, 0.999),
    cap=st.one_of(st.none(), st.floats(0.5, 0.98)),
    seed=st.integers(0, 1000),
)
def test_fractional_loads_get_the_smallest_staffing(
    scale: float, aht: float, target: float, level: float, cap: float | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    traffic = rng.uniform(0.0, scale, 24)
    traffic[::7] = 0.0
    sized = size_agents(
        traffic * 900 / aht,
        interval_seconds=900,
        aht_seconds=aht,
        target_seconds=target,
        service_level=level,
        max_occupancy=cap,
    )
    # The service level and 1 − the occupancy rise with n: n meets the target and n − 1
    # misses it, checked with the metrics (Erlang B straight from the Poisson ratio).
    for load, n in zip(sized.traffic_erlangs.tolist(), sized.agents.tolist(), strict=True):
        if load == 0:
            assert n == 0
            continue
        assert meets(load, n, aht, target, level, cap)
        assert not meets(load, n - 1, aht, target, level, cap)


def test_whole_and_fractional_calls_agree() -> None:
    # Whole-number calls are deduplicated by a table, fractional ones sorted by their Taylor
    # node: the same loads, in any order or shape, get the same agents and figures.
    rng = np.random.default_rng(11)
    calls = rng.integers(0, 400, 2000).astype(np.float64)
    options = {"interval_seconds": 900, "aht_seconds": 300.0, "target_seconds": 20}
    whole = size_agents(calls, **options, service_level=0.8, shrinkage=0.3)
    nudged = size_agents(calls + 1e-9 * (calls > 0), **options, service_level=0.8, shrinkage=0.3)
    grid = size_agents(calls.reshape(40, 50), **options, service_level=0.8, shrinkage=0.3)
    assert np.array_equal(whole.agents, nudged.agents)
    assert np.array_equal(whole.agents_with_shrinkage, nudged.agents_with_shrinkage)
    assert np.array_equal(grid.agents.ravel(), whole.agents)
    assert np.allclose(whole.service_level, nudged.service_level, rtol=1e-6)
    options["aht_seconds"] = np.full(calls.size, 300.0)  # one per interval: the pairs' path
    per_aht = size_agents(calls, **options, service_level=0.8, shrinkage=0.3)
    assert np.array_equal(per_aht.agents, whole.agents)
    assert np.array_equal(per_aht.service_level, whole.service_level)
