"""BG/NBD: the published CDNOW figures, the no-dropout boundary, and numerical stability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from tests.conftest import FIXTURES
from valuecenter.analytics.clv import (
    BgNbdFit,
    bgnbd,
    expected_purchases,
    fit_bgnbd,
    log_likelihood,
    p_alive,
    p_purchases,
)
from valuecenter.analytics.clv._checks import counts_by_value, newton_maximise
from valuecenter.analytics.clv.bgnbd import _bgnbd_evaluate, _bgnbd_objective, _Data
from valuecenter.analytics.errors import InputError

# Fader, Hardie & Lee (2005), section 4, on the 2,357 CDNOW customers (39-week calibration).
PUBLISHED = BgNbdFit(
    r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4, customers=2357,
    degenerate=None, iterations=0,
)  # fmt: skip


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> BgNbdFit:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_cdnow_estimates_match_the_paper(fitted: BgNbdFit) -> None:
    # ±1 in the last printed digit.
    assert fitted.r == pytest.approx(0.243, abs=1e-3)
    assert fitted.alpha == pytest.approx(4.414, abs=1e-3)
    assert fitted.a == pytest.approx(0.793, abs=1e-3)
    assert fitted.b == pytest.approx(2.426, abs=1e-3)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert fitted.customers == 2357
    assert fitted.degenerate is None
    assert fitted.iterations > 0


def test_cdnow_conditional_expectation_of_customer_one(fitted: BgNbdFit) -> None:
    # FHL 2005, section 4: a customer with x = 2, t_x = 30.43, T = 38.86 buys 1.226 in 39 weeks.
    assert expected_purchases(fitted, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=1e-3)
    assert expected_purchases(PUBLISHED, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=1e-3)


def test_probability_of_no_purchase_in_39_weeks() -> None:
    # BTYD's bgnbd.pmf with the published parameters: P(X(39) = 0) = 0.5737864.
    assert p_purchases(PUBLISHED, 0, 39)[0] == pytest.approx(0.5737864, abs=1e-7)


def test_purchase_probabilities_sum_to_one_and_match_the_mean(fitted: BgNbdFit) -> None:
    n = np.arange(0, 2000)
    probabilities = p_purchases(fitted, n, 39.0)
    assert (probabilities >= 0).all()
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    # E[X(t)] of FHL eq. 9 equals the conditional expectation of a customer just acquired.
    mean = float(n @ probabilities)
    assert expected_purchases(fitted, 39.0, 0, 0.0, 0.0)[0] == pytest.approx(mean, rel=1e-6)


def test_p_alive_known_cases(fitted: BgNbdFit, cdnow: pd.DataFrame) -> None:
    alive = p_alive(fitted, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert ((alive > 0) & (alive <= 1)).all()
    assert (alive[cdnow["x"].to_numpy() == 0] == 1).all()
    # A customer who bought often but long ago is less likely alive than one who bought lately.
    old, recent = p_alive(fitted, [5, 5], [5.0, 38.0], [38.86, 38.86])
    assert old < 0.2 < 0.8 < recent
    # Closed form of FHL eq. 12 for one customer.
    r, al, a, b = fitted.r, fitted.alpha, fitted.a, fitted.b
    odds = a / (b + 2 - 1) * ((al + 38.86) / (al + 30.43)) ** (r + 2)
    assert p_alive(fitted, 2, 30.43, 38.86)[0] == pytest.approx(1 / (1 + odds), rel=1e-12)


def test_expectation_for_a_short_horizon_is_alive_times_posterior_rate(
    fitted: BgNbdFit,
) -> None:
    # d/dt E[Y(t)] at t = 0 is P(alive) · (r + x) / (α + T): the hypergeometric route of eq. 10
    # must agree, including for frequencies in the thousands.
    x = np.array([0, 1, 7, 120, 3000, 8000])
    t_x = np.array([0.0, 2.0, 30.0, 38.0, 38.5, 38.8])
    age = np.full(6, 38.86)
    dt = 1e-5
    slope = expected_purchases(fitted, dt, x, t_x, age) / dt
    rate = p_alive(fitted, x, t_x, age) * (fitted.r + x) / (fitted.alpha + age)
    np.testing.assert_allclose(slope, rate, rtol=1e-3)


def test_large_frequencies_neither_overflow_nor_underflow(cdnow: pd.DataFrame) -> None:
    heavy = pd.DataFrame({"x": [2500, 6000], "t_x": [38.0, 38.8], "T": [38.86, 38.86]})
    data = pd.concat([cdnow[["x", "t_x", "T"]], heavy], ignore_index=True)
    fit = fit_bgnbd(data["x"], data["t_x"], data["T"])
    assert all(math.isfinite(v) for v in (fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood))
    ll = log_likelihood(fit, heavy["x"], heavy["t_x"], heavy["T"])
    assert np.isfinite(ll).all()
    expected = expected_purchases(fit, 52, heavy["x"], heavy["t_x"], heavy["T"])
    assert np.isfinite(expected).all()
    # Between nothing and buying on at his posterior rate without ever dropping out (he may
    # drop out after any of the thousands of purchases to come).
    no_dropout = 52 * (fit.r + heavy["x"]) / (fit.alpha + heavy["T"])
    assert ((expected > 0) & (expected < no_dropout)).all()
    assert expected[1] > 0.25 * no_dropout[1]
    assert np.isfinite(p_alive(fit, heavy["x"], heavy["t_x"], heavy["T"])).all()


def test_analytic_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    x, t_x, age = (cdnow[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    data = _Data.build(x, t_x, age, np.ones_like(x))
    for point in ([0.2, 4.0, 0.8, 2.4], [1.5, 0.5, 3.0, 0.3]):
        theta = np.log(point)
        error = optimize.check_grad(
            lambda th: _bgnbd_objective(th, data)[0],
            lambda th: _bgnbd_objective(th, data)[1],
            theta,
        )
        assert error < 1e-6


def test_exact_hessian_matches_finite_differences_of_the_gradient(cdnow: pd.DataFrame) -> None:
    x, t_x, age = (cdnow[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(x))
    data = _Data.build(x, t_x, age, weights)
    for point in ([0.243, 4.414, 0.793, 2.426], [1.5, 0.5, 3.0, 0.3], [0.05, 30.0, 0.01, 50.0]):
        theta = np.log(point)
        value, grad, hess = _bgnbd_evaluate(theta, data, order=2)
        assert value == pytest.approx(float(weights @ log_likelihood(_params(point), x, t_x, age)))
        step = 1e-6
        numeric = np.array(
            [
                _bgnbd_evaluate(theta + e, data, 1)[1] - _bgnbd_evaluate(theta - e, data, 1)[1]
                for e in np.eye(4) * step
            ]
        ) / (2 * step)
        np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-6 * np.abs(hess).max())
        np.testing.assert_allclose(hess, hess.T)
        assert np.abs(grad - _bgnbd_evaluate(theta, data, 1)[1]).max() == 0


def _params(point: list[float]) -> BgNbdFit:
    return BgNbdFit(*point, log_likelihood=0.0, customers=0, degenerate=None, iterations=0)


def test_weights_stand_for_repeated_customers(cdnow: pd.DataFrame) -> None:
    rows = cdnow.iloc[:400]
    counts = np.arange(400) % 3 + 1
    repeated = rows.loc[rows.index.repeat(counts)]
    by_rows = fit_bgnbd(repeated["x"], repeated["t_x"], repeated["T"])
    by_weight = fit_bgnbd(rows["x"], rows["t_x"], rows["T"], weights=counts)
    assert by_weight.customers == by_rows.customers == counts.sum()
    for name in ("r", "alpha", "a", "b", "log_likelihood"):
        assert getattr(by_weight, name) == pytest.approx(getattr(by_rows, name), rel=1e-5)


def _nbd_customers(n: int, seed: int) -> pd.DataFrame:
    """Poisson buyers with gamma(0.8, 5) rates who never drop out: the NBD, a → 0 in BG/NBD."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.8, 1 / 5.0, n)
    age = rng.uniform(20, 52, n)
    x = rng.poisson(rate * age)
    # The last of x uniform purchase times on (0, T] is T times a Beta(x, 1) draw.
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), 1), 0.0)
    return pd.DataFrame({"x": x, "t_x": t_x, "T": age})


def test_no_dropout_degenerates_to_the_nbd_and_still_predicts() -> None:
    data = _nbd_customers(5000, seed=7)
    fit = fit_bgnbd(data["x"], data["t_x"], data["T"])
    assert fit.degenerate == "nbd"
    assert (fit.a, fit.b) == (0.0, math.inf)
    assert fit.r == pytest.approx(0.8, rel=0.1)
    assert fit.alpha == pytest.approx(5.0, rel=0.15)
    # The returned likelihood is the supremum: BG/NBD points approaching the boundary reach it
    # from below.
    lls = []
    for a in (1e-2, 1e-4, 1e-8):
        near = BgNbdFit(fit.r, fit.alpha, a, 1.0, 0.0, 0, None, 0)
        lls.append(float(log_likelihood(near, data["x"], data["t_x"], data["T"]).sum()))
    assert lls[0] < lls[1] < lls[2] <= fit.log_likelihood + 1e-6
    assert lls[2] == pytest.approx(fit.log_likelihood, abs=1e-3)
    # Predictions in the limit: everyone alive, buying at the posterior gamma rate.
    head = data.iloc[:5]
    assert (p_alive(fit, head["x"], head["t_x"], head["T"]) == 1).all()
    np.testing.assert_allclose(
        expected_purchases(fit, 10, head["x"], head["t_x"], head["T"]),
        10 * (fit.r + head["x"]) / (fit.alpha + head["T"]),
    )
    probabilities = p_purchases(fit, np.arange(400), 10)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)


def test_dropout_data_is_not_called_degenerate(fitted: BgNbdFit) -> None:
    assert fitted.degenerate is None
    assert 0 < fitted.a < 5
    assert 0 < fitted.b < 50


@pytest.mark.parametrize(
    ("x", "t_x", "age", "message"),
    [
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "frequency: needs whole numbers"),
        ([1.5], [1.0], [2.0], "frequency: needs whole numbers"),
        ([1], [3.0], [2.0], "recency: is larger than T"),
        ([0], [1.0], [2.0], "recency: must be 0"),
        ([1, 2], [1.0], [2.0, 3.0, 4.0], "frequency: frequency, recency and T differ"),
        ([1, float("nan")], [1.0, 1.0], [2.0, 2.0], "frequency: has missing"),
        ([], [], [], "frequency: no customers"),
    ],
)
def test_bad_input_is_one_line(
    x: list[float], t_x: list[float], age: list[float], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        fit_bgnbd(x, t_x, age)


def test_bad_prediction_arguments(fitted: BgNbdFit) -> None:
    with pytest.raises(InputError, match="t: needs"):
        expected_purchases(fitted, -1, 1, 1.0, 2.0)
    with pytest.raises(InputError, match="n: needs whole numbers"):
        p_purchases(fitted, 1.5, 10)


def test_closed_form_agrees_with_quadrature_over_the_dropout_probability(
    fitted: BgNbdFit, cdnow: pd.DataFrame
) -> None:
    from valuecenter.analytics.clv.bgnbd import _purchases_if_alive

    x, t_x, age = (cdnow[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    alive = p_alive(fitted, x, t_x, age)
    for t in (1.0, 39.0, 500.0):
        closed = expected_purchases(fitted, t, x, t_x, age)
        numeric = alive * _purchases_if_alive(fitted, np.full_like(x, t), x, age)
        np.testing.assert_allclose(closed, numeric, rtol=1e-5)


def test_extreme_parameters_still_predict() -> None:
    # Four customers, one repeat purchase: the maximum runs to the Poisson / certain-dropout
    # corner, where the hypergeometric function of eq. 10 fails; the quadrature takes over.
    fit = fit_bgnbd([0, 0, 0, 1], [0, 0, 0, 1.0], [5, 5, 5, 5.0])
    expected = expected_purchases(fit, 10, [0, 1], [0, 1.0], [5, 5.0])
    assert np.isfinite(expected).all()
    assert (expected >= 0).all()
    # At a = 1 eq. 10 has a removable pole: the prediction is continuous through it.
    at_pole = BgNbdFit(0.3, 5.0, 1.0, 2.5, 0.0, 0, None, 0)
    near = BgNbdFit(0.3, 5.0, 1.0 + 1e-5, 2.5, 0.0, 0, None, 0)
    args = ([1, 39], [3, 3], [20.0, 20.0], [30.0, 30.0])
    np.testing.assert_allclose(
        expected_purchases(at_pole, *args), expected_purchases(near, *args), rtol=1e-4
    )


def _bgnbd_customers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers drawn from the BG/NBD process (FHL 2005, section 3) at the CDNOW estimates.

    With N ~ Poisson(λT) purchase opportunities and J ~ Geometric(p) purchases before dropout,
    x = min(N, J), and the x-th of N uniform times on (0, T] is T times a Beta(x, N − x + 1).
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.243, 1 / 4.414, n)
    dropout = rng.beta(0.793, 2.426, n)
    age = rng.uniform(20, 80, n)
    events = rng.poisson(rate * age)
    x = np.minimum(events, rng.geometric(dropout))
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), events - x + 1), 0.0)
    return x.astype(np.float64), t_x, age


def _spy_on_warm_start(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record what each warm start returned (None: it handed over to the cold fit)."""
    seen: list[object] = []
    original = bgnbd._warm_fit

    def spy(*args: np.ndarray) -> object:
        result = original(*args)  # type: ignore[arg-type]
        seen.append(result)
        return result

    monkeypatch.setattr(bgnbd, "_warm_fit", spy)
    return seen


def test_subsample_warm_start_reaches_the_cold_start_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, t_x, age = _bgnbd_customers(4 * bgnbd._SUBSAMPLE + 5000, seed=11)
    seen = _spy_on_warm_start(monkeypatch)
    warm = fit_bgnbd(x, t_x, age)
    assert len(seen) == 1
    assert seen[0] is not None  # the warm start was taken and converged
    cold = bgnbd._fit(x, t_x, age, np.ones_like(x), warm=False)
    assert warm.degenerate is cold.degenerate is None
    for name in ("r", "alpha", "a", "b"):
        assert getattr(warm, name) == pytest.approx(getattr(cold, name), rel=1e-6)
    assert warm.log_likelihood == pytest.approx(cold.log_likelihood, abs=1e-6)
    assert warm.log_likelihood == pytest.approx(float(log_likelihood(warm, x, t_x, age).sum()))
    # Near the truth, and deterministic (the subsample's seed is fixed).
    assert warm.r == pytest.approx(0.243, rel=0.05)
    assert warm.a == pytest.approx(0.793, rel=0.1)
    assert fit_bgnbd(x, t_x, age) == warm


def test_warm_start_is_not_used_when_the_subsample_shows_no_dropout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _nbd_customers(4 * bgnbd._SUBSAMPLE, seed=5)
    x, t_x, age = (data[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    seen = _spy_on_warm_start(monkeypatch)
    fit = fit_bgnbd(x, t_x, age)
    assert seen == [None]  # the subsample pointed at the boundary: both models on all data
    assert fit == bgnbd._fit(x, t_x, age, np.ones_like(x), warm=False)
    # No dropout to speak of: the NBD limit, or a sliver of it (this draw's maximum is interior,
    # at a mean dropout probability a / (a + b) of 0.1 %, 2 log-likelihood units above it).
    assert fit.degenerate == "nbd" or fit.a / (fit.a + fit.b) < 0.01
    nbd, _bg = bgnbd._cold_fit(_Data.build(x, t_x, age, np.ones_like(x)))
    assert fit.log_likelihood >= nbd.log_likelihood
    assert fit.r == pytest.approx(0.8, rel=0.05)
    assert fit.alpha == pytest.approx(5.0, rel=0.05)


def test_newton_maximises_and_gives_up_on_a_supremum_at_infinity() -> None:
    # A concave quadratic in two variables: one step, then the decrement is 0.
    target = np.array([1.0, -2.0])
    curvature = np.array([[3.0, 1.0], [1.0, 2.0]])

    def quadratic(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        gap = theta - target
        return float(-0.5 * gap @ curvature @ gap), -curvature @ gap, -curvature

    result = newton_maximise(quadratic, np.zeros(2), bound=10.0)
    assert result is not None
    np.testing.assert_allclose(result.theta, target, atol=1e-12)
    assert result.iterations == 1
    # ln(1 + e^θ) − e^−θ... grows without bound: the steps leave the box, so no result.

    def unbounded(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        t = float(theta[0])
        return -math.exp(-t), np.array([math.exp(-t)]), np.array([[-math.exp(-t)]])

    assert newton_maximise(unbounded, np.zeros(1), bound=10.0) is None
    # Far from the maximum of a non-concave function the Hessian is modified, and it still
    # climbs to the maximum of −cos at π.

    def wave(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        t = float(theta[0])
        return -math.cos(t), np.array([math.sin(t)]), np.array([[math.cos(t)]])

    climbed = newton_maximise(wave, np.array([0.3]), bound=10.0)
    assert climbed is not None
    assert climbed.theta[0] == pytest.approx(math.pi, abs=1e-8)


@pytest.mark.parametrize("top", [7.0, 1e9])  # a bincount, and a sort where x has a huge value
def test_x_values_are_counted_with_their_weights(top: float) -> None:
    x = np.array([3.0, 0.0, 3.0, top, 1.0, 3.0])
    w = np.array([1.0, 2.0, 0.5, 4.0, 1.0, 0.0])
    values, counts = counts_by_value(x, w)
    np.testing.assert_array_equal(values, [0.0, 1.0, 3.0, top])
    np.testing.assert_array_equal(counts, [2.0, 1.0, 1.5, 4.0])
