"""The shifted-beta-geometric (sBG) model of contract renewals: retention, lifetime and DERL.

Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention", *Journal of
Interactive Marketing* 21(1), 76–90 (FH 2007); Fader, P. S. & Hardie, B. G. S. (2010),
"Customer-base valuation in a contractual setting: the perils of ignoring heterogeneity",
*Marketing Science* 29(1), 85–93 (FH 2010).

At the end of every period a customer renews his contract or cancels it; each customer cancels
with his own probability θ, and θ ~ Beta(γ, δ) across customers. With T the period in which a
customer cancels (T = 1, 2, …):

* P(T = t) = B(γ + 1, δ + t − 1) / B(γ, δ)  (FH 2007, eq. 6),
* S(t) = P(T > t) = B(γ, δ + t) / B(γ, δ)  (FH 2007, eq. 7),
* the retention rate r_t = S(t) / S(t − 1) = (δ + t − 1) / (γ + δ + t − 1)  (FH 2007, eq. 8),

and γ, δ are fitted by maximum likelihood on the survivor counts of a cohort (FH 2007, eq. 9):
``LL = Σ_t (n_{t−1} − n_t) ln P(T = t) + n_k ln S(k)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

from valuecenter.analytics.clv._checks import FloatArray, as_float_array
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

_LOG_BOUND = 25.0


@dataclass(frozen=True)
class SbgFit:
    """A fitted sBG model (FH 2007).

    Attributes
    ----------
    gamma, delta : float
        Parameters of the beta distribution of the per-period cancellation probability.
    log_likelihood : float
        The maximised log-likelihood (FH 2007, eq. 9).
    periods : int
        Renewal periods observed (survivor counts minus one).
    customers : int
        Size of the cohort (the first survivor count).
    """

    gamma: float
    delta: float
    log_likelihood: float
    periods: int
    customers: int


def _survivors(survivors: npt.ArrayLike) -> FloatArray:
    n = as_float_array(survivors, "survivors")
    if len(n) < 2:
        raise InputError(N_("survivors: needs the cohort size and at least one later count"))
    if (n < 0).any() or (np.floor(n) != n).any():
        raise InputError(N_("survivors: needs whole numbers ≥ 0"))
    if n[0] <= 0:
        raise InputError(N_("survivors: the first count (the cohort size) must be > 0"))
    if (np.diff(n) > 0).any():
        raise InputError(N_("survivors: counts cannot grow from one period to the next"))
    return n


def _log_likelihood(theta: FloatArray, survivors: FloatArray) -> float:
    gamma, delta = np.exp(theta)
    t = np.arange(1, len(survivors), dtype=np.float64)
    lost = survivors[:-1] - survivors[1:]
    beta = special.betaln(gamma, delta)
    log_p = special.betaln(gamma + 1, delta + t - 1) - beta
    log_s = special.betaln(gamma, delta + t[-1]) - beta
    return float(lost @ log_p + survivors[-1] * log_s)


def _maximise(log_likelihood: Callable[[FloatArray], float], customers: float) -> FloatArray:
    """(ln γ, ln δ) maximising ``log_likelihood`` (L-BFGS-B on the mean, from γ = δ = 1)."""
    result = optimize.minimize(
        lambda theta: -log_likelihood(theta) / customers,
        np.zeros(2),
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
        options={"ftol": 1e-15, "gtol": 1e-11},
    )
    return np.asarray(result.x, dtype=np.float64)


def fit_sbg(survivors: npt.ArrayLike) -> SbgFit:
    """Fit the sBG model to a cohort's survivor counts by maximum likelihood (FH 2007, eq. 9).

    Parameters
    ----------
    survivors : array_like
        Customers still active at the start (the cohort size) and after each renewal period,
        e.g. ``[1000, 631, 468, 382, 326, 289, 262, 241]``.

    Returns
    -------
    SbgFit
    """
    n = _survivors(survivors)
    if n[-1] == n[0]:
        raise InputError(N_("survivors: nobody cancelled, so there is no churn to fit"))
    theta = _maximise(lambda theta: _log_likelihood(theta, n), float(n[0]))
    gamma, delta = np.exp(theta)
    return SbgFit(
        gamma=float(gamma),
        delta=float(delta),
        log_likelihood=_log_likelihood(theta, n),
        periods=len(n) - 1,
        customers=int(n[0]),
    )


def _periods(t: npt.ArrayLike, minimum: int) -> FloatArray:
    periods = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if (
        not np.isfinite(periods).all()
        or (periods < minimum).any()
        or (np.floor(periods) != periods).any()
    ):
        raise InputError(N_("t: needs whole periods ≥ %(minimum)s"), minimum=minimum)
    return periods


def survival(fit: SbgFit, t: npt.ArrayLike) -> FloatArray:
    """S(t) = B(γ, δ + t) / B(γ, δ): the share of the cohort still a customer after t renewal
    periods (FH 2007, eq. 7), for whole t ≥ 0; S(0) = 1."""
    periods = _periods(t, 0)
    log_s = special.betaln(fit.gamma, fit.delta + periods) - special.betaln(fit.gamma, fit.delta)
    share: FloatArray = np.exp(log_s)
    return share


def retention_curve(fit: SbgFit, t: npt.ArrayLike) -> FloatArray:
    """r_t = (δ + t − 1) / (γ + δ + t − 1): the share of period t − 1's customers who renew at the
    end of period t (FH 2007, eq. 8), for whole t ≥ 1. It rises with t as the customers most
    likely to cancel leave the cohort (sorting, not a change in any one customer)."""
    periods = _periods(t, 1)
    rate: FloatArray = (fit.delta + periods - 1) / (fit.gamma + fit.delta + periods - 1)
    return rate


def expected_lifetime(fit: SbgFit) -> float:
    """E[T] = Σ_{t≥0} S(t) = (γ + δ − 1) / (γ − 1) periods for a new customer, from Gauss's sum
    ₂F₁(1, δ; γ + δ; 1) (FH 2010, eq. 4 with d = 0); infinite when γ ≤ 1, where the tail of
    long-lived customers is too heavy — use :func:`discounted_expected_lifetime` then."""
    if fit.gamma <= 1:
        return math.inf
    return (fit.gamma + fit.delta - 1) / (fit.gamma - 1)


def _check_rate(discount_rate: float) -> float:
    if not math.isfinite(discount_rate) or discount_rate <= 0:
        raise InputError(N_("discount_rate: needs a rate > 0 per period (e.g. 0.10)"))
    return 1.0 / (1.0 + discount_rate)


def discounted_expected_lifetime(fit: SbgFit, discount_rate: float) -> float:
    """DEL = Σ_{t≥0} S(t) / (1 + d)^t = ₂F₁(1, δ; γ + δ; 1 / (1 + d)) (FH 2010, eq. 4).

    The expected discounted number of periods a newly acquired customer pays for, the first
    payment now; times the margin per period it is the expected CLV of a new customer.
    """
    z = _check_rate(discount_rate)
    return float(special.hyp2f1(1.0, fit.delta, fit.gamma + fit.delta, z))


def derl(fit: SbgFit, discount_rate: float, renewals: npt.ArrayLike) -> FloatArray:
    """Discounted expected residual lifetime of a customer who has renewed ``renewals`` times.

    FH 2010, eq. 6, with n − 1 = ``renewals``: computed just before his next renewal decision,
    ``DERL = Σ_{t≥n} S(t | T > n − 1) / (1 + d)^(t−n)
    = (δ + n − 1) / (γ + δ + n − 1) · ₂F₁(1, δ + n; γ + δ + n; 1 / (1 + d))``;
    times the margin per period it is his expected residual value. It grows with ``renewals``:
    a customer who has stayed long is likely to have a low cancellation probability.
    """
    z = _check_rate(discount_rate)
    k = _periods(renewals, 0)
    g, d = fit.gamma, fit.delta
    value: FloatArray = (d + k) / (g + d + k) * special.hyp2f1(1.0, d + k + 1, g + d + k + 1, z)
    return value


def fit_sbg_individual(renewals: npt.ArrayLike, cancelled: npt.ArrayLike) -> SbgFit:
    """Fit the sBG model to individual contract histories by maximum likelihood.

    A customer who cancelled at his (k + 1)-th renewal decision after ``k`` renewals
    contributes ln P(T = k + 1); one still under contract after ``k`` renewals contributes
    ln S(k) (right-censored). With all customers starting together this is FH 2007, eq. 9;
    it also takes customers who started at different times (FH 2007, §"Model estimation";
    Fader & Hardie 2010).

    Parameters
    ----------
    renewals : array_like of int
        Renewals each customer made (k ≥ 0).
    cancelled : array_like of bool
        Whether he cancelled at his next decision (else he is still under contract).

    Returns
    -------
    SbgFit
        ``periods`` is the largest number of decisions seen; ``customers`` the number of
        histories.
    """
    k = as_float_array(renewals, "renewals")
    gone = np.asarray(cancelled, dtype=bool)
    if k.shape != gone.shape:
        raise InputError(N_("cancelled: needs one value per customer"))
    if len(k) == 0 or (k < 0).any() or (k != np.round(k)).any():
        raise InputError(N_("renewals: needs whole numbers ≥ 0 for at least one customer"))
    if not gone.any():
        raise InputError(N_("cancelled: nobody cancelled, so there is no churn to fit"))
    # Collapse to counts per (k, cancelled): the likelihood depends on nothing else.
    keys, counts = np.unique(np.stack([k, gone.astype(np.float64)]), axis=1, return_counts=True)
    kk, cc, w = keys[0], keys[1].astype(bool), counts.astype(np.float64)

    def log_likelihood(theta: FloatArray) -> float:
        gamma, delta = np.exp(theta)
        beta = special.betaln(gamma, delta)
        terms = np.where(
            cc,
            special.betaln(gamma + 1.0, delta + kk) - beta,
            special.betaln(gamma, delta + kk) - beta,
        )
        return float(w @ terms)

    theta = _maximise(log_likelihood, float(w.sum()))
    gamma, delta = np.exp(theta)
    return SbgFit(
        gamma=float(gamma),
        delta=float(delta),
        log_likelihood=log_likelihood(theta),
        periods=int(k.max() + gone[k == k.max()].any()),
        customers=len(k),
    )


def next_renewal(fit: SbgFit, renewals: npt.ArrayLike) -> FloatArray:
    """The chance that a customer with ``renewals`` renewals renews at his next decision:
    r_{k+1} = (δ + k) / (γ + δ + k) (FH 2007, eq. 8, updated on his survival)."""
    k = as_float_array(renewals, "renewals")
    return np.asarray((fit.delta + k) / (fit.gamma + fit.delta + k), dtype=np.float64)
