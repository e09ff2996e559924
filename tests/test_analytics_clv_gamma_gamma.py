"""Gamma-Gamma: Fader & Hardie's (2013) CDNOW figures and the shape of the estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from tests.conftest import FIXTURES
from valuecenter.analytics.clv import GammaGammaFit, expected_average_value, fit_gamma_gamma
from valuecenter.analytics.clv import gamma_gamma as gg
from valuecenter.analytics.clv.gamma_gamma import log_likelihood
from valuecenter.analytics.errors import InputError

# Conditional expected average profit of the first ten CDNOW customers (F&H 2013, note 025).
FIRST_TEN = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> GammaGammaFit:
    return fit_gamma_gamma(cdnow["x"], cdnow["zbar"])


def test_cdnow_estimates_match_the_note(fitted: GammaGammaFit) -> None:
    assert fitted.customers == 946  # the repeat buyers
    assert fitted.p == pytest.approx(6.25, abs=0.01)
    # The file's spend is rounded to cents: q comes out 3.7446 against the printed 3.74.
    assert fitted.q == pytest.approx(3.7446, abs=1e-4)
    assert fitted.q == pytest.approx(3.74, abs=0.01)
    assert fitted.v == pytest.approx(15.44, abs=0.01)
    assert fitted.population_mean == pytest.approx(35.17, abs=0.01)


def test_first_ten_expected_average_profits(fitted: GammaGammaFit, cdnow: pd.DataFrame) -> None:
    head = cdnow.iloc[:10]
    values = expected_average_value(fitted, head["x"], head["zbar"])
    np.testing.assert_allclose(values, FIRST_TEN, atol=0.01 + 1e-9)


def test_expectation_is_a_weighted_mean_of_population_and_own_mean(
    fitted: GammaGammaFit,
) -> None:
    # F&H 2013, eq. 5: the weight on the customer's own mean grows with his purchases.
    own = 100.0
    values = expected_average_value(fitted, [1, 5, 50, 5000], [own] * 4)
    assert (np.diff(values) > 0).all()
    assert fitted.population_mean < values[0] < own
    assert values[-1] == pytest.approx(own, rel=1e-3)
    weight = (fitted.q - 1) / (fitted.p * 5 + fitted.q - 1)
    assert values[1] == pytest.approx(weight * fitted.population_mean + (1 - weight) * own)


def test_zero_frequency_customers_are_ignored_by_the_fit(cdnow: pd.DataFrame) -> None:
    buyers = cdnow[cdnow["x"] > 0]
    only_buyers = fit_gamma_gamma(buyers["x"], buyers["zbar"])
    everyone = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    assert only_buyers == everyone


def test_the_fit_is_the_maximum(fitted: GammaGammaFit, cdnow: pd.DataFrame) -> None:
    from valuecenter.analytics.clv.gamma_gamma import _objective

    buyers = cdnow[cdnow["x"] > 0]
    x, m = buyers["x"].to_numpy(float), buyers["zbar"].to_numpy(float)
    best = np.log([fitted.p, fitted.q, fitted.v])
    value, grad = _objective(best, x, m)
    assert -value * len(x) == pytest.approx(fitted.log_likelihood)
    per_customer = log_likelihood(fitted, cdnow["x"], cdnow["zbar"])
    assert per_customer.sum() == pytest.approx(fitted.log_likelihood)
    assert (per_customer[cdnow["x"].to_numpy() == 0] == 0).all()
    assert np.abs(grad).max() < 1e-6
    for step in np.eye(3) * 1e-3:
        assert _objective(best + step, x, m)[0] > value
        assert _objective(best - step, x, m)[0] > value


def test_bad_input() -> None:
    with pytest.raises(InputError, match="no repeat buyers"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(InputError, match="monetary: needs values > 0"):
        fit_gamma_gamma([1, 2], [10.0, -3.0])
    with pytest.raises(InputError, match="monetary: needs one value per customer"):
        fit_gamma_gamma([1, 2], [10.0])


def test_exact_derivatives_match_finite_differences(cdnow: pd.DataFrame) -> None:
    buyers = cdnow[cdnow["x"] > 0]
    x, m = buyers["x"].to_numpy(float), buyers["zbar"].to_numpy(float)
    data = gg._Data.build(x, m)
    for point in ([6.25, 3.74, 15.44], [1.0, 2.0, 30.0], [20.0, 0.5, 2.0]):
        theta = np.log(point)
        value, grad, hess = gg._evaluate(theta, data, order=2)
        fit = GammaGammaFit(*point, customers=0, log_likelihood=0.0)
        assert value == pytest.approx(float(log_likelihood(fit, x, m).sum()), rel=1e-12)
        step = 1e-5
        shifts = np.eye(3) * step
        numeric_grad = [
            (gg._evaluate(theta + e, data, 1)[0] - gg._evaluate(theta - e, data, 1)[0]) / (2 * step)
            for e in shifts
        ]
        np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6, atol=1e-5)
        numeric_hess = np.array(
            [
                gg._evaluate(theta + e, data, 1)[1] - gg._evaluate(theta - e, data, 1)[1]
                for e in shifts
            ]
        ) / (2 * step)
        np.testing.assert_allclose(hess, numeric_hess, rtol=1e-6, atol=1e-6 * np.abs(hess).max())


def _gamma_gamma_buyers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Repeat buyers with spend from the Gamma-Gamma model at F&H's (2013) CDNOW estimates.

    ν ~ Gamma(q, γ) per customer; the mean of x spends Gamma(p, ν) is Gamma(p x, ν x).
    """
    rng = np.random.default_rng(seed)
    x = rng.geometric(0.3, n).astype(np.float64)
    rate = rng.gamma(3.74, 1 / 15.44, n)
    return x, rng.gamma(6.25 * x, 1 / (rate * x))


def test_subsample_warm_start_reaches_the_cold_start_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, m = _gamma_gamma_buyers(4 * gg._SUBSAMPLE + 1000, seed=4)
    starts: list[np.ndarray] = []
    original = gg._maximise

    def spy(data: gg._Data, start: np.ndarray) -> tuple[np.ndarray, float]:
        starts.append(start)
        return original(data, start)

    monkeypatch.setattr(gg, "_maximise", spy)
    warm = fit_gamma_gamma(x, m)
    assert len(starts) == 2  # the subsample's fit, then all buyers from its estimate
    cold_theta, cold_ll = original(gg._Data.build(x, m), starts[0])
    cold = np.exp(cold_theta)
    np.testing.assert_allclose([warm.p, warm.q, warm.v], cold, rtol=1e-6)
    assert warm.log_likelihood == pytest.approx(cold_ll, abs=1e-6)
    # And the same maximum as a first-order optimiser finds on its own.
    lbfgs = optimize.minimize(
        gg._objective, starts[0], args=(x, m), jac=True, method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000},
    )  # fmt: skip
    np.testing.assert_allclose([warm.p, warm.q, warm.v], np.exp(lbfgs.x), rtol=1e-4)
    assert warm.log_likelihood >= -lbfgs.fun * len(x) - 1e-6
    assert warm.p == pytest.approx(6.25, rel=0.05)
    assert warm.q == pytest.approx(3.74, rel=0.05)


def test_one_spend_rate_for_all_runs_q_to_the_bound_without_error() -> None:
    # Every customer's ν is the same: the likelihood rises towards q, γ → ∞ with p γ / q fixed.
    rng = np.random.default_rng(2)
    x = rng.integers(1, 20, 5000).astype(np.float64)
    m = rng.gamma(6.0 * x, 1 / (0.4 * x))
    fit = fit_gamma_gamma(x, m)
    assert fit.q > 1e4
    assert fit.p == pytest.approx(6.0, rel=0.05)
    assert fit.p * fit.v / (fit.q - 1) == pytest.approx(15.0, rel=0.05)
    assert np.isfinite(fit.log_likelihood)
