"""The M/M/n+M simulation against Erlang A and Erlang C (issue 21): within 2 percentage points
of service level and abandon rate at several (load, agents, patience) points, seeded."""

from __future__ import annotations

import pytest

from valuecenter.analytics.erlang import erlang_a_metrics, erlang_c_metrics
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.queue_simulation import simulate_queue

AHT, TARGET = 180.0, 20.0
POINTS = 0.02  # 2 percentage points


@pytest.mark.parametrize(
    ("traffic", "agents", "patience"),
    [
        (10, 12, 60),  # the worked example, patience 60 s
        (10, 13, 300),  # … and 300 s
        (50, 48, 120),  # fewer agents than the load: only abandonment keeps it stable
        (100, 105, 30),
        (200, 190, 600),
    ],
)
def test_erlang_a_matches_the_simulation(traffic: float, agents: int, patience: float) -> None:
    simulated = simulate_queue(
        traffic_erlangs=traffic,
        agents=agents,
        aht_seconds=AHT,
        target_seconds=TARGET,
        patience_seconds=patience,
        calls=300_000,
        seed=7,
    )
    formula = erlang_a_metrics(traffic, agents, AHT, TARGET, patience)
    assert formula.abandon_rate is not None
    assert simulated.service_level == pytest.approx(float(formula.service_level), abs=POINTS)
    assert simulated.abandon_rate == pytest.approx(float(formula.abandon_rate), abs=POINTS)
    assert simulated.p_wait == pytest.approx(float(formula.p_wait), abs=POINTS)
    # E[W] of every offered call, the abandoned ones up to their abandonment.
    assert simulated.asa_seconds == pytest.approx(float(formula.asa_seconds), rel=0.1)


def test_erlang_c_matches_the_simulation() -> None:
    simulated = simulate_queue(
        traffic_erlangs=10, agents=14, aht_seconds=AHT, target_seconds=TARGET, calls=300_000
    )
    formula = erlang_c_metrics(10, 14, AHT, TARGET)
    assert simulated.abandon_rate == 0.0
    assert simulated.service_level == pytest.approx(float(formula.service_level), abs=POINTS)
    assert simulated.p_wait == pytest.approx(float(formula.p_wait), abs=POINTS)
    assert simulated.asa_seconds == pytest.approx(float(formula.asa_seconds), rel=0.1)
    assert simulated.asa_answered_seconds == simulated.asa_seconds


def test_seeded_runs_repeat() -> None:
    options = {
        "traffic_erlangs": 5.0,
        "agents": 6,
        "aht_seconds": AHT,
        "target_seconds": TARGET,
        "patience_seconds": 90.0,
        "calls": 20_000,
    }
    assert simulate_queue(**options, seed=3) == simulate_queue(**options, seed=3)  # type: ignore[arg-type]
    assert simulate_queue(**options, seed=3) != simulate_queue(**options, seed=4)  # type: ignore[arg-type]


def test_bad_input() -> None:
    with pytest.raises(InputError, match=r"^agents: must exceed the load"):
        simulate_queue(traffic_erlangs=10, agents=10, aht_seconds=AHT, target_seconds=TARGET)
    with pytest.raises(InputError, match=r"^aht_seconds: must be > 0"):
        simulate_queue(traffic_erlangs=10, agents=12, aht_seconds=0, target_seconds=TARGET)
    with pytest.raises(InputError, match=r"^calls: must be from 1"):
        simulate_queue(
            traffic_erlangs=10, agents=12, aht_seconds=AHT, target_seconds=TARGET, calls=0
        )
