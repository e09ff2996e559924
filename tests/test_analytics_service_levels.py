"""Operational KPIs (issue 20, point 2) on a hand-made queue, figures worked out below."""

from __future__ import annotations

import pytest

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.service_levels import queue_figures


def test_kpis_by_hand() -> None:
    # Queue "sales", target 20 s: answered after 5, 15, 40 s (handle 300, 200, 100 s);
    # abandoned after 10 s (short: left out of the service level) and after 60 s (counted).
    # Service level = 2 in time / (3 answered + 1 late abandon) = 0.5; ASA = 60/3 = 20 s;
    # abandon rate 2/5; AHT 600/3 = 200 s; reachability 3/5; occupancy 600 / 1200 = 0.5.
    # Queue "support", target 60 s: one contact answered after 30 s, handle 120 s.
    out = queue_figures(
        ["sales"] * 5 + ["support"],
        [5, 15, 40, 10, 60, 30],
        [False, False, False, True, True, False],
        [300, 200, 100, 999, 999, 120],
        [20] * 5 + [60],
        staffed_seconds={"sales": 1200.0},
    )
    sales, support = out
    assert sales.group == "sales"
    assert (sales.offered, sales.answered, sales.abandoned) == (5, 3, 2)
    assert sales.service_level == pytest.approx(0.5)
    assert sales.asa_seconds == pytest.approx(20.0)
    assert sales.abandon_rate == pytest.approx(0.4)
    assert sales.aht_seconds == pytest.approx(200.0)
    assert sales.reachability == pytest.approx(0.6)
    assert sales.occupancy == pytest.approx(0.5)
    assert support.service_level == 1.0
    assert support.occupancy is None  # no staffed time given


def test_empty_and_bad_input() -> None:
    assert queue_figures([], [], [], [], []) == []
    with pytest.raises(InputError):
        queue_figures(["a"], [-1], [False], [1], [20])
    with pytest.raises(InputError):
        queue_figures(["a", "b"], [1], [False], [1], [20])
