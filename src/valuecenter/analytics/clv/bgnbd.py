"""The BG/NBD model of repeat buying: how often a customer buys and whether he is still alive.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting your customers' the easy way:
an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284 (FHL below).

While alive a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after every purchase
he drops out with probability p ~ Beta(a, b). A customer is summarised by ``frequency`` x (repeat
purchases), ``recency`` t_x (time of the last purchase since the first) and ``T`` (time since the
first purchase), all in one unit of time (see :mod:`valuecenter.analytics.clv.summary`).

The fit maximises the log-likelihood (FHL eq. 6) with L-BFGS-B on the logarithms of the four
parameters, with the analytic gradient; every term is computed in log space (``gammaln``,
``betaln``, ``logaddexp``), so a frequency in the thousands neither overflows nor underflows.

Where the maximum lies on the boundary of the parameter space — no dropout at all, a → 0 or
b → ∞, common in retail data, where ``lifetimes`` raises ``ConvergenceError`` — the likelihood
tends to that of the NBD model (Ehrenberg 1959; Morrison & Schmittlein 1988), whose maximum is
the supremum of the BG/NBD likelihood. The fit then returns that NBD limit with
``degenerate="nbd"``, ``a = 0`` and ``b = ∞``, and the predictions use the limit: every customer
is alive and buys at his posterior gamma rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special, stats  # type: ignore[import-untyped]

from valuecenter.analytics.clv._checks import FloatArray, rfm_arrays, weights_array
from valuecenter.analytics.errors import InputError

_LOG_BOUND = 18.0  # parameters live in [e^-18, e^18] ≈ [1.5e-8, 6.6e7] during the search
_DEGENERATE_TOLERANCE = 1e-7  # relative log-likelihood gap below which the NBD limit wins


@dataclass(frozen=True)
class BgNbdFit:
    """A fitted BG/NBD model (FHL 2005).

    Attributes
    ----------
    r, alpha : float
        Shape and rate of the gamma distribution of purchase rates λ (rate in purchases per unit
        of time: the mean rate is r / alpha).
    a, b : float
        Parameters of the beta distribution of the dropout probability p. ``a = 0`` and
        ``b = inf`` when the fit degenerated to the NBD (no dropout).
    log_likelihood : float
        The maximised log-likelihood (FHL eq. 6, summed over customers).
    customers : int
        Number of customers fitted (the sum of the weights when weights were given).
    degenerate : str or None
        ``"nbd"`` when the maximum lies on the boundary a → 0 / b → ∞ (no dropout), else None.
    iterations : int
        Optimiser iterations.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    degenerate: str | None
    iterations: int


@dataclass(frozen=True)
class _Data:
    """Customers collapsed to distinct (x, t_x, T) rows with weights, and the distinct x.

    Every term of the likelihood that depends on x alone (``gammaln``, ``betaln``, ``digamma``)
    is computed once per distinct x and gathered, which makes a fit on a million customers a
    matter of seconds.
    """

    x: FloatArray
    t_x: FloatArray
    age: FloatArray
    w: FloatArray
    ux: FloatArray
    index: npt.NDArray[np.intp]

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray) -> _Data:
        """Collapse repeated rows (summaries in whole periods repeat a lot); keep unique data."""
        if len(pd.unique(age)) < 0.5 * len(age):
            frame = pd.DataFrame({"x": x, "t_x": t_x, "age": age, "w": w})
            grouped = frame.groupby(["x", "t_x", "age"], sort=False)["w"].sum()
            if len(grouped) < 0.7 * len(frame):
                keys = grouped.index
                x = keys.get_level_values(0).to_numpy(np.float64)
                t_x = keys.get_level_values(1).to_numpy(np.float64)
                age = keys.get_level_values(2).to_numpy(np.float64)
                w = grouped.to_numpy(np.float64)
        ux, index = np.unique(x, return_inverse=True)
        return cls(x=x, t_x=t_x, age=age, w=w, ux=ux, index=index.ravel())


def _bgnbd_terms(
    params: FloatArray, d: _Data
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-row log-likelihood (FHL eq. 6), the weights of its two terms, and log(α+T), log(α+t_x).

    ``L = Γ(r+x) α^r / Γ(r) · [B(a, b+x)/B(a, b) (α+T)^-(r+x)
    + δ_{x>0} B(a+1, b+x−1)/B(a, b) (α+t_x)^-(r+x)]``, summed in log space with ``logaddexp``.
    """
    r, alpha, a, b = params
    ux, i = d.ux, d.index
    buyer_u = ux > 0
    beta_ab = special.betaln(a, b)
    head = (special.gammaln(r + ux) - special.gammaln(r) + r * math.log(alpha))[i]
    beta1 = (special.betaln(a, b + ux) - beta_ab)[i]
    b_prev = np.where(buyer_u, b + ux - 1, 1.0)
    beta2 = np.where(buyer_u, special.betaln(a + 1, b_prev) - beta_ab, -np.inf)[i]
    log_age = np.log(alpha + d.age)
    log_tx = np.log(alpha + d.t_x)
    rx = r + d.x
    term1 = beta1 - rx * log_age
    gap = beta2 - rx * log_tx - term1  # log of the ratio of the second term to the first
    share2 = special.expit(gap)
    ll = head + term1 + np.logaddexp(0.0, gap)
    return ll, 1.0 - share2, share2, np.stack([log_age, log_tx])


def _bgnbd_objective(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Minus the weighted mean log-likelihood and its gradient in the log-parameters.

    With w1, w2 the shares of the two terms of FHL eq. 6 in each customer's likelihood and ψ the
    digamma function: ∂/∂r = ψ(r+x) − ψ(r) + ln α − w1 ln(α+T) − w2 ln(α+t_x); ∂/∂α = r/α −
    (r+x)(w1/(α+T) + w2/(α+t_x)); ∂/∂a, ∂/∂b follow from ∂ ln B(p, q)/∂p = ψ(p) − ψ(p+q).
    """
    params = np.exp(theta)
    r, alpha, a, b = params
    ll, w1, w2, logs = _bgnbd_terms(params, d)
    ux, i = d.ux, d.index
    psi = special.digamma
    psi_abx = psi(a + b + ux)
    b_prev = np.where(ux > 0, b + ux - 1, 1.0)
    d_r = psi(r + ux)[i] - psi(r) + math.log(alpha) - w1 * logs[0] - w2 * logs[1]
    rx = r + d.x
    d_alpha = r / alpha - rx * (w1 / (alpha + d.age) + w2 / (alpha + d.t_x))
    d_a = w1 * (psi(a) - psi_abx)[i] + w2 * (psi(a + 1) - psi_abx)[i] - (psi(a) - psi(a + b))
    d_b = w1 * (psi(b + ux) - psi_abx)[i] + w2 * (psi(b_prev) - psi_abx)[i]
    d_b -= psi(b) - psi(a + b)
    w = d.w
    total = w.sum()
    grad = np.array([w @ d_r, w @ d_alpha, w @ d_a, w @ d_b]) * params / total
    return float(-(w @ ll) / total), -grad


def _nbd_terms(r: float, alpha: float, d: _Data) -> FloatArray:
    """The NBD log-likelihood Γ(r+x)/Γ(r) α^r (α+T)^-(r+x), the BG/NBD's limit as a → 0."""
    head = (special.gammaln(r + d.ux) - special.gammaln(r))[d.index]
    ll: FloatArray = head + r * math.log(alpha) - (r + d.x) * np.log(alpha + d.age)
    return ll


def _nbd_objective(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Minus the weighted mean NBD log-likelihood (no dropout) and its gradient."""
    r, alpha = np.exp(theta)
    ll = _nbd_terms(r, alpha, d)
    psi = special.digamma
    d_r = (psi(r + d.ux) - psi(r))[d.index] + math.log(alpha) - np.log(alpha + d.age)
    d_alpha = r / alpha - (r + d.x) / (alpha + d.age)
    w = d.w
    total = w.sum()
    grad = np.array([w @ d_r * r, w @ d_alpha * alpha]) / total
    return float(-(w @ ll) / total), -grad


def _minimise(fun: object, start: FloatArray, data: _Data) -> optimize.OptimizeResult:
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    return optimize.minimize(
        fun,
        start,
        args=(data,),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20},
    )


def fit_bgnbd(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the papers' T)
    weights: npt.ArrayLike | None = None,
) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood (FHL 2005, eq. 6).

    Parameters
    ----------
    frequency, recency, T : array_like
        Repeat purchases x, time of the last purchase t_x and age T of each customer (one unit).
    weights : array_like, optional
        How many customers share each (x, t_x, T) row; one each by default.

    Returns
    -------
    BgNbdFit
        The maximum-likelihood estimates; ``degenerate="nbd"`` when the maximum is the no-dropout
        limit (a → 0 / b → ∞), where the NBD's estimates of r and α are returned.

    Raises
    ------
    InputError
        On missing values, negative or fractional frequencies, recency > T, or no customers.
    """
    x, t_x, age = rfm_arrays(frequency, recency, T)
    w = weights_array(weights, len(x))
    if len(x) == 0:
        raise InputError("frequency: no customers to fit")
    data = _Data.build(x, t_x, age, w)
    total = float(w.sum())
    mean_x = float(w @ x) / total
    mean_age = float(w @ age) / total
    alpha0 = mean_age / max(mean_x, 0.1)
    nbd = _minimise(_nbd_objective, np.log([1.0, alpha0]), data)
    # The BG/NBD starts from the NBD's gamma and a moderate dropout (E[p] = 1/4).
    start = np.concatenate([nbd.x, np.log([1.0, 3.0])])
    full = _minimise(_bgnbd_objective, start, data)
    ll_full = -float(full.fun) * total
    ll_nbd = -float(nbd.fun) * total
    iterations = int(full.nit) + int(nbd.nit)
    if ll_nbd >= ll_full - _DEGENERATE_TOLERANCE * max(1.0, abs(ll_full)):
        r, alpha = np.exp(nbd.x)
        return BgNbdFit(
            r=float(r),
            alpha=float(alpha),
            a=0.0,
            b=math.inf,
            log_likelihood=ll_nbd,
            customers=round(total),
            degenerate="nbd",
            iterations=iterations,
        )
    r, alpha, a, b = np.exp(full.x)
    return BgNbdFit(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=ll_full,
        customers=round(total),
        degenerate=None,
        iterations=iterations,
    )


def log_likelihood(
    fit: BgNbdFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """Each customer's log-likelihood under ``fit`` (FHL eq. 6; the NBD's in the limit)."""
    x, t_x, age = rfm_arrays(frequency, recency, T)
    ux, index = np.unique(x, return_inverse=True)
    data = _Data(x=x, t_x=t_x, age=age, w=np.ones_like(x), ux=ux, index=index.ravel())
    if fit.degenerate == "nbd":
        return _nbd_terms(fit.r, fit.alpha, data)
    params = np.array([fit.r, fit.alpha, fit.a, fit.b])
    return _bgnbd_terms(params, data)[0]


def _log_odds_dead(fit: BgNbdFit, x: FloatArray, t_x: FloatArray, age: FloatArray) -> FloatArray:
    """log[a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x)], −∞ for x = 0 (FHL eq. 10, 12)."""
    buyer = x > 0
    b_prev = np.where(buyer, fit.b + x - 1, 1.0)
    odds = (
        math.log(fit.a)
        - np.log(b_prev)
        + (fit.r + x) * (np.log(fit.alpha + age) - np.log(fit.alpha + t_x))
    )
    return np.where(buyer, odds, -np.inf)


def p_alive(
    fit: BgNbdFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """P(alive | x, t_x, T) (FHL 2005, eq. 12; Fader, Hardie & Lee 2008 note on P(alive)).

    ``1 / (1 + δ_{x>0} · a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x))``, computed as
    ``exp(−logaddexp(0, log-odds))``; customers without repeat purchases are alive for sure.
    Every customer is alive in the NBD limit.
    """
    x, t_x, age = rfm_arrays(frequency, recency, T)
    if fit.degenerate == "nbd":
        return np.ones_like(x)
    alive: FloatArray = np.exp(-np.logaddexp(0.0, _log_odds_dead(fit, x, t_x, age)))
    return alive


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_U = (_NODES + 1.0) / 2.0  # Gauss-Legendre on (0, 1)
_W = _WEIGHTS / 2.0
_CHUNK = 65_536


def _purchases_if_alive(
    fit: BgNbdFit, horizon: FloatArray, x: FloatArray, age: FloatArray
) -> FloatArray:
    """E[Y(t) | alive, x, T] by quadrature over the posterior dropout probability.

    Given alive, λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x); a customer with (λ, p) makes
    (1 − e^(−λpt)) / p purchases in t on average (FHL 2005, eq. 7), and the gamma integral is
    ``(1 − (1 + p t / (α + T))^−(r+x)) / p``. Its mean over p is taken with 64-point
    Gauss-Legendre quadrature in the beta distribution's quantiles (``betaincinv``). Used where
    the closed form's hypergeometric function fails (extreme parameters, a = 1).
    """
    ux, index = np.unique(x, return_inverse=True)
    table = special.betaincinv(fit.a, fit.b + ux[:, None], _U[None, :])
    index = index.ravel()
    expected = np.empty(len(x))
    for start in range(0, len(x), _CHUNK):  # 64 nodes per customer: bounded memory
        part = slice(start, start + _CHUNK)
        quantiles = table[index[part]]
        rate = (horizon[part] / (fit.alpha + age[part]))[:, None]
        shape = (fit.r + x[part])[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = -np.expm1(-shape * np.log1p(quantiles * rate)) / quantiles
        expected[part] = np.where(quantiles > 0, inner, shape * rate) @ _W
    return expected


def expected_purchases(
    fit: BgNbdFit,
    t: npt.ArrayLike,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the papers' T)
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` units (FHL 2005, eq. 10).

    Equation 10 is ``(a + b + x − 1)/(a − 1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
    ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x))``.
    The power and the hypergeometric function over- and underflow for large x, so Euler's
    transformation ``₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z)`` (Abramowitz & Stegun
    15.3.3) is applied: the bracket becomes ``1 − y^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z)`` with
    ``y = (α+T)/(α+T+t)`` and ``z = 1 − y``, whose series shrinks as x grows. The denominator,
    1 / P(alive), is computed with ``logaddexp``. Where the result is not finite or leaves its
    bounds ``0 ≤ E ≤ P(alive) t (r+x)/(α+T)`` (extreme parameters, or a = 1 where eq. 10 has a
    removable pole), ``P(alive) · E[Y(t) | alive]`` is integrated numerically instead (see
    ``_purchases_if_alive``). In the NBD limit the expectation is ``t (r + x) / (α + T)``.
    """
    x, t_x, age = rfm_arrays(frequency, recency, T)
    horizon = np.asarray(t, dtype=np.float64)
    if not np.isfinite(horizon).all() or (horizon < 0).any():
        raise InputError("t: needs finite values ≥ 0")
    horizon, x, t_x, age = np.broadcast_arrays(horizon, x, t_x, age)
    if fit.degenerate == "nbd":
        nbd: FloatArray = horizon * (fit.r + x) / (fit.alpha + age)
        return nbd
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    alive = np.exp(-np.logaddexp(0.0, _log_odds_dead(fit, x, t_x, age)))
    ceiling = alive * horizon * (r + x) / (alpha + age)
    with np.errstate(all="ignore"):
        y = (alpha + age) / (alpha + age + horizon)
        z = horizon / (alpha + age + horizon)
        hyper = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bracket = 1.0 - np.power(y, a - 1) * hyper
        expected = (a + b + x - 1) / (a - 1) * bracket * alive
    failed = ~np.isfinite(expected) | (expected < 0) | (expected > ceiling * (1 + 1e-9))
    if abs(a - 1.0) < 1e-6:
        failed[...] = True
    if failed.any():
        flat = failed.ravel()
        quadrature = alive.ravel()[flat] * _purchases_if_alive(
            fit, horizon.ravel()[flat], x.ravel()[flat], age.ravel()[flat]
        )
        expected = expected.copy().ravel()
        expected[flat] = quadrature
        expected = expected.reshape(failed.shape)
    result: FloatArray = np.where(horizon == 0, 0.0, expected)
    return result


def p_purchases(fit: BgNbdFit, n: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
    """P(X(t) = n): probability of ``n`` purchases in a period of length ``t`` (FHL 2005, eq. 8).

    ``B(a, b+n)/B(a, b) · NB(n; r, α/(α+t)) + δ_{n>0} B(a+1, b+n−1)/B(a, b) ·
    [1 − Σ_{j<n} NB(j; r, α/(α+t))]``, where NB is the negative binomial probability
    ``Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j``; both terms are added in log space. For a
    customer who has just made his first purchase (unconditional on any history); the NBD
    limit is the negative binomial alone.
    """
    count = np.atleast_1d(np.asarray(n, dtype=np.float64))
    horizon = np.asarray(t, dtype=np.float64)
    if not np.isfinite(count).all() or (count < 0).any() or (np.floor(count) != count).any():
        raise InputError("n: needs whole numbers ≥ 0")
    if not np.isfinite(horizon).all() or (horizon < 0).any():
        raise InputError("t: needs finite values ≥ 0")
    count, horizon = np.broadcast_arrays(count, horizon)
    prob = fit.alpha / (fit.alpha + horizon)
    log_nb = stats.nbinom.logpmf(count, fit.r, prob)
    if fit.degenerate == "nbd":
        nbd: FloatArray = np.exp(log_nb)
        return nbd
    a, b = fit.a, fit.b
    beta_ab = special.betaln(a, b)
    term1 = special.betaln(a, b + count) - beta_ab + log_nb
    buyer = count > 0
    b_prev = np.where(buyer, b + count - 1, 1.0)
    with np.errstate(divide="ignore"):
        tail = stats.nbinom.logsf(count - 1, fit.r, prob)
    term2 = np.where(buyer, special.betaln(a + 1, b_prev) - beta_ab + tail, -np.inf)
    probability: FloatArray = np.exp(np.logaddexp(term1, term2))
    return probability
