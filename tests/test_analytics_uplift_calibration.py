"""The BLP test of Chernozhukov, Demirer, Duflo & Fernández-Val (2018): β₁ recovers the
average effect, β₂ ≈ 1 for a ranking that is the true uplift, β₂ ≈ 0 (not significant) for
a ranking that is noise, and the calibrated uplift falls back to the average effect then."""

from __future__ import annotations

import numpy as np
import pytest

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.calibration import best_linear_predictor, calibrated


def _experiment(n: int, seed: int, share: float = 0.5) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    p0 = 1 / (1 + np.exp(-(0.3 + 0.5 * x)))
    tau = np.clip(0.05 + 0.1 * x, -0.2, 0.3)  # heterogeneous, mean ≈ 0.05
    p1 = np.clip(p0 + tau, 0.0, 1.0)
    t = rng.random(n) < share
    y = (rng.random(n) < np.where(t, p1, p0)).astype(float)
    return x, t, y, p1 - p0, p0


def test_a_true_ranking_has_loading_near_one_and_the_ate_is_recovered() -> None:
    _x, t, y, tau, p0 = _experiment(40_000, 1)
    blp = best_linear_predictor(tau, t, y, baseline=p0)
    assert blp.heterogeneity
    assert abs(blp.loading - 1.0) < 3 * blp.loading_se
    assert abs(blp.ate - tau.mean()) < 3 * blp.ate_se
    out = calibrated(tau, blp)
    assert np.corrcoef(out, tau)[0, 1] > 0.99


def test_a_noise_ranking_is_not_taken_for_heterogeneity() -> None:
    detected = 0
    for seed in range(40):
        _x, t, y, _tau, _p0 = _experiment(4_000, 100 + seed, share=0.9)
        noise = np.random.default_rng(seed).normal(size=len(t))
        blp = best_linear_predictor(noise, t, y)
        detected += blp.heterogeneity
        if not blp.heterogeneity:
            assert np.all(calibrated(noise, blp) == blp.ate)
    # One-sided 5% test: about 2 of 40 false alarms expected; 7 or more has p < 0.01.
    assert detected <= 6


def test_bad_input_is_named() -> None:
    with pytest.raises(InputError, match="both arms"):
        best_linear_predictor(np.zeros(50), np.ones(50), np.zeros(50))
    with pytest.raises(InputError, match="at least"):
        best_linear_predictor(np.zeros(5), np.array([0, 1, 0, 1, 0]), np.zeros(5))
    with pytest.raises(InputError, match="propensity"):
        best_linear_predictor(np.zeros(50), np.arange(50) % 2, np.zeros(50), propensity=1.0)
