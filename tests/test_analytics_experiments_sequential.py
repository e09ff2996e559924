"""The always-valid interval (asymptotic confidence sequence, Waudby-Smith et al. 2024,
Theorem 2.2, on AIPW terms with predictable arm means): the boundary by hand, and its promise —
under no effect, looking after every unit, the interval excludes zero in at most α of the
experiments (a fixed 95% interval read as often does so far more: Johari et al. 2022)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.sequential import (
    aipw_terms,
    confidence_sequence,
    half_width,
    mixture_rho,
)
from valuecenter.analytics.experiments.simulate import neyman_at


def test_the_boundary_by_hand() -> None:
    alpha, t_star, t, sd = 0.05, 1_000.0, 400.0, 0.7
    la = -2 * math.log(alpha)
    rho = math.sqrt((la + math.log(la + 1)) / t_star)
    assert mixture_rho(alpha, t_star) == pytest.approx(rho)
    by_hand = sd * math.sqrt(
        2 * (t * rho**2 + 1) / (t**2 * rho**2) * math.log(math.sqrt(t * rho**2 + 1) / alpha)
    )
    got = half_width(np.array([sd]), np.array([t]), alpha, rho)
    assert got[0] == pytest.approx(by_hand)
    # wider than the fixed-horizon interval at the same n: the price of looking at any time
    assert by_hand > 1.959963984540054 * sd / math.sqrt(t)


def test_aipw_terms_use_only_earlier_units() -> None:
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    t = np.array([True, False, True, False, True])
    phi = aipw_terms(y, t, 0.5)
    # unit 1: no earlier units (means 0): 0 + (1 − 0)/0.5 = 2
    assert phi[0] == pytest.approx(2.0)
    # unit 2 (control, y=0): m1 = 1, m0 = 0 → 1 − 0 − (0 − 0)/0.5 = 1
    assert phi[1] == pytest.approx(1.0)
    # unit 4 (control, y=1): m1 = 1 (units 1, 3), m0 = 0 (unit 2) → 1 − (1 − 0)/0.5 = −1
    assert phi[3] == pytest.approx(-1.0)
    # changing a later unit's outcome leaves the earlier terms alone
    y2 = y.copy()
    y2[4] = 1.0
    assert np.array_equal(aipw_terms(y2, t, 0.5)[:4], phi[:4])


def test_under_no_effect_looking_after_every_unit_keeps_false_positives_below_alpha() -> None:
    rng = np.random.default_rng(7)
    experiments, n, alpha = 400, 3_000, 0.05
    always_valid = fixed = 0
    for _ in range(experiments):
        treated = rng.random(n) < 0.5
        y = (rng.random(n) < 0.2).astype(np.float64)
        looks = np.arange(50, n + 1)
        cs = confidence_sequence(y, treated, 0.5, alpha=alpha, looks=looks)
        always_valid += bool(np.any((cs.low > 0) | (cs.high < 0)))
        _, low, high = neyman_at(y, treated, looks)
        fixed += bool(np.any((low > 0) | (high < 0)))
    print(f"false positives: always-valid {always_valid}/{experiments}, fixed {fixed}")
    assert always_valid / experiments <= alpha
    assert fixed / experiments > 3 * alpha


def test_the_interval_closes_in_on_the_effect() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    treated = rng.random(n) < 0.8
    y = (rng.random(n) < 0.10 + 0.03 * treated).astype(np.float64)
    cs = confidence_sequence(y, treated, 0.8, looks=[n // 16, n // 4, n])
    widths = cs.high - cs.low
    assert widths[0] > widths[1] > widths[2]
    assert cs.low[2] <= 0.03 <= cs.high[2]
    assert cs.low[2] > 0.0  # 3 points on 10% with 40,000 units is found


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": [1, 0, 1], "treated": [True, False]}, "one value per outcome"),
        ({"outcome": [1, 0, 1], "treated": [True, False, True], "share": 1.0}, "share: "),
        ({"outcome": [1, 0, 1], "treated": [True, False, True], "looks": [1, 3]}, "looks: "),
        ({"outcome": [1, 0, 1], "treated": [True, False, True], "looks": [3, 2]}, "looks: "),
        ({"outcome": [1], "treated": [True]}, "at least two units"),
        ({"outcome": [1, 0], "treated": [True, False], "alpha": 0.0}, "alpha: "),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, object], message: str) -> None:
    args = {"share": 0.5, **kwargs}
    with pytest.raises(InputError, match=message):
        confidence_sequence(**args)  # type: ignore[arg-type]
