"""sBG: Fader & Hardie's (2007) "regular" and "high end" cohorts, and the lifetime formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuecenter.analytics.clv import (
    SbgFit,
    derl,
    discounted_expected_lifetime,
    expected_lifetime,
    fit_sbg,
    retention_curve,
    survival,
)
from valuecenter.analytics.errors import InputError

# FH 2007, "How to project customer retention", the survivors of each cohort of 1,000 customers
# over years 0..12 (from Berry & Linoff 2004); the model is fitted on years 0..7.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("survivors", "gamma", "delta"),
    [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
    ids=["regular", "high end"],
)
def test_paper_estimates_from_the_first_seven_years(
    survivors: list[int], gamma: float, delta: float
) -> None:
    fit = fit_sbg(survivors[:8])
    assert fit.gamma == pytest.approx(gamma, abs=1e-3)
    assert fit.delta == pytest.approx(delta, abs=1e-3)
    assert (fit.periods, fit.customers) == (7, 1000)


def test_projection_of_the_high_end_cohort_tracks_years_8_to_12() -> None:
    # The point of FH 2007: fitted on 7 years, the sBG projects the next five years closely.
    fit = fit_sbg(HIGH_END[:8])
    projected = 1000 * survival(fit, np.arange(8, 13))
    np.testing.assert_allclose(projected, HIGH_END[8:], atol=17)
    # The same projection as jdmaturen/shifted_beta_geometric_py's README (an independent
    # implementation): 0.460, 0.436, 0.414, 0.395, 0.378.
    np.testing.assert_allclose(projected / 1000, [0.460, 0.436, 0.414, 0.395, 0.378], atol=5e-4)


def test_survival_and_retention_identities() -> None:
    fit = SbgFit(gamma=0.704, delta=1.182, log_likelihood=0.0, periods=7, customers=1000)
    t = np.arange(1, 30)
    s = survival(fit, np.arange(0, 30))
    assert s[0] == 1.0
    np.testing.assert_allclose(retention_curve(fit, t), s[1:] / s[:-1], rtol=1e-12)
    assert (np.diff(retention_curve(fit, t)) > 0).all()  # rises through sorting
    # P(T = 1) = γ / (γ + δ): the share lost in the first period.
    assert 1 - s[1] == pytest.approx(0.704 / (0.704 + 1.182))


def test_expected_lifetime() -> None:
    heavy_tail = SbgFit(0.704, 1.182, 0.0, 7, 1000)
    assert expected_lifetime(heavy_tail) == math.inf
    light_tail = SbgFit(3.0, 2.0, 0.0, 7, 1000)
    t = np.arange(0, 200_000)
    assert expected_lifetime(light_tail) == pytest.approx(survival(light_tail, t).sum(), rel=1e-4)
    assert expected_lifetime(light_tail) == pytest.approx(2.0)


@pytest.mark.parametrize("d", [0.05, 0.10, 0.25])
def test_discounted_lifetimes_equal_their_defining_sums(d: float) -> None:
    fit = fit_sbg(HIGH_END[:8])
    t = np.arange(0, 3000, dtype=float)
    s = survival(fit, t)
    assert discounted_expected_lifetime(fit, d) == pytest.approx((s / (1 + d) ** t).sum(), rel=1e-9)
    for renewals in (0, 1, 4, 7):
        n = renewals + 1
        future = t[t >= n]
        direct = (s[future.astype(int)] / s[n - 1] / (1 + d) ** (future - n)).sum()
        assert derl(fit, d, renewals)[0] == pytest.approx(direct, rel=1e-9)


def test_derl_grows_with_tenure() -> None:
    fit = fit_sbg(REGULAR[:8])
    values = derl(fit, 0.10, np.arange(0, 12))
    assert (np.diff(values) > 0).all()
    # Cross-check against jdmaturen/shifted_beta_geometric_py's README (an independent
    # implementation): high end, 7 renewals, d = 10% -> 7.530.
    assert derl(fit_sbg(HIGH_END[:8]), 0.10, 7)[0] == pytest.approx(7.530, abs=1e-3)


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([1000], "survivors: needs the cohort size"),
        ([1000, 1001], "survivors: counts cannot grow"),
        ([0, 0], "survivors: the first count"),
        ([100, 100, 100], "nobody cancelled"),
        ([100, 50.5], "survivors: needs whole numbers"),
    ],
)
def test_bad_survivor_counts(survivors: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        fit_sbg(survivors)


def test_bad_rates_and_periods() -> None:
    fit = SbgFit(0.7, 1.2, 0.0, 7, 1000)
    with pytest.raises(InputError, match="discount_rate"):
        discounted_expected_lifetime(fit, 0.0)
    with pytest.raises(InputError, match="t: needs whole periods ≥ 1"):
        retention_curve(fit, 0)
    with pytest.raises(InputError, match="t: needs whole periods ≥ 0"):
        survival(fit, 1.5)


@pytest.mark.parametrize("cohort", [REGULAR[:8], HIGH_END[:8]])
def test_individual_histories_give_the_cohort_fit(cohort: list[int]) -> None:
    # FH 2007's cohort likelihood is the individual one with everybody starting together: the
    # paper's estimates come back from the same customers given one row each.
    from valuecenter.analytics.clv.sbg import fit_sbg_individual, next_renewal, retention_curve

    n = np.asarray(cohort)
    lost = n[:-1] - n[1:]
    renewals = np.concatenate([np.repeat(np.arange(len(lost)), lost), np.full(n[-1], len(lost))])
    cancelled = np.concatenate([np.ones(lost.sum(), bool), np.zeros(n[-1], bool)])
    cohort_fit = fit_sbg(cohort)
    individual = fit_sbg_individual(renewals, cancelled)
    assert individual.gamma == pytest.approx(cohort_fit.gamma, rel=1e-5)
    assert individual.delta == pytest.approx(cohort_fit.delta, rel=1e-5)
    assert individual.log_likelihood == pytest.approx(cohort_fit.log_likelihood, rel=1e-9)
    assert individual.customers == n[0]
    # The next decision after k renewals is period k + 1 of the retention curve.
    np.testing.assert_allclose(
        next_renewal(individual, [0, 3, 6]), retention_curve(individual, [1, 4, 7]), rtol=1e-12
    )


def test_individual_fit_needs_a_cancellation() -> None:
    from valuecenter.analytics.clv.sbg import fit_sbg_individual

    with pytest.raises(InputError, match="nobody cancelled"):
        fit_sbg_individual([0, 1, 2], [False, False, False])
    with pytest.raises(InputError, match="whole numbers"):
        fit_sbg_individual([0.5], [True])
