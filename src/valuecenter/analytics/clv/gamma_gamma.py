"""The Gamma-Gamma model of monetary value: what a customer's purchases are worth on average.

Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value", note,
http://brucehardie.com/notes/025/ (after Schmittlein & Peterson 1994 and Colombo & Jiang 1999).

The value z of each of a customer's x purchases is Gamma(p, ν); the rate ν varies across
customers as Gamma(q, γ), and is independent of the purchasing process. Only the mean value
m_x = z̄ of a repeat buyer's x ≥ 1 purchases is used. Its likelihood (note, eq. 3) is

    f(m_x | p, q, γ; x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q m_x^(px−1) x^(px) / (γ + x m_x)^(px+q),

fitted here by maximum likelihood on the logarithms of p, q and γ (``v`` below) by Newton's
method with the exact gradient and Hessian (L-BFGS-B where Newton fails). Every term that
depends on x alone is computed once per distinct x; per customer only ln(x m_x + γ) and its
reciprocal are, so a fit on half a million repeat buyers takes a few passes over the data. The
conditional expectation of a customer's mean value (note,
eq. 5) is a weighted mean of the population mean p γ / (q − 1) and his own mean m_x.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

from valuecenter.analytics.clv._checks import (
    Evaluation,
    FloatArray,
    as_float_array,
    counts_by_value,
    newton_maximise,
)
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

_LOG_BOUND = 25.0


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma model (Fader & Hardie 2013).

    Attributes
    ----------
    p : float
        Shape of the gamma distribution of the value of one purchase.
    q, v : float
        Shape and rate (γ in the note) of the gamma distribution of the purchase-value rate ν.
    customers : int
        Repeat buyers the model was fitted on (customers with frequency 0 carry no information).
    log_likelihood : float
        The maximised log-likelihood.
    """

    p: float
    q: float
    v: float
    customers: int
    log_likelihood: float

    @property
    def population_mean(self) -> float:
        """E[Z] = p γ / (q − 1), the mean value of a purchase across customers (inf if q ≤ 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else math.inf


def _repeat_buyers(frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> tuple[FloatArray, ...]:
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary, "monetary")
    if x.shape != m.shape:
        raise InputError(N_("monetary: needs one value per customer (as many as frequency)"))
    if (x < 0).any() or (np.floor(x) != x).any():
        raise InputError(N_("frequency: needs whole numbers ≥ 0 (repeat purchases)"))
    return x, m


def _log_likelihood(p: float, q: float, v: float, x: FloatArray, m: FloatArray) -> FloatArray:
    """Each repeat buyer's log-likelihood, note eq. 3, in log space."""
    px = p * x
    ll: FloatArray = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * math.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return ll


_BLOCK = 8192  # rows per block: OpenBLAS runs dots of at most 10,000 elements on one thread
_SUBSAMPLE = 30_000  # repeat buyers in the warm-start fit; used when there are 4× as many
_SUBSAMPLE_SEED = 20130201  # fixed, so a fit is deterministic


@dataclass(frozen=True)
class _Data:
    """Repeat buyers' x and x·m_x, the distinct x with their counts, and the sums of ln m_x."""

    x: FloatArray
    xm: FloatArray
    ux: FloatArray
    cx: FloatArray
    sum_log_m: float
    sum_x_log_m: float

    @classmethod
    def build(cls, x: FloatArray, m: FloatArray) -> _Data:
        """Precompute what does not depend on the parameters (x > 0 and m > 0 checked)."""
        ux, counts = counts_by_value(x, np.ones_like(x))
        log_m = np.log(m)
        return cls(
            x=x,
            xm=x * m,
            ux=ux,
            cx=counts,
            sum_log_m=float(log_m.sum()),
            sum_x_log_m=float(np.einsum("i,i->", x, log_m)),
        )

    @property
    def n(self) -> int:
        return len(self.x)


def _row_sums(v: float, d: _Data, order: int) -> FloatArray:
    """Σ L, Σ x L, Σ 1/(xm+γ), Σ x/(xm+γ), and with ``order`` 2 Σ 1/(xm+γ)², Σ x/(xm+γ)².

    L = ln(x m_x + γ); block by block, so that the dot products stay single-threaded.
    """
    sums = np.zeros(6)
    for start in range(0, d.n, _BLOCK):
        block = slice(start, start + _BLOCK)
        x = d.x[block]
        inv = 1.0 / (d.xm[block] + v)
        log = -np.log(inv)
        sums[:4] += (log.sum(), x @ log, inv.sum(), x @ inv)
        if order == 2:
            inv2 = inv * inv
            sums[4:] += (inv2.sum(), x @ inv2)
    return sums


def _evaluate(theta: FloatArray, d: _Data, order: int) -> Evaluation:
    """Total log-likelihood (note, eq. 3), gradient and (``order`` 2) Hessian in log p, q, γ.

    ``Σ [ln Γ(px+q) − ln Γ(px) + px ln x] − n ln Γ(q) + nq ln γ + p Σ x ln m − Σ ln m
    − p Σ x L − q Σ L`` with L = ln(x m_x + γ): the x-only parts are summed once per distinct x
    with its count, the m-only parts once per fit. Derivatives use ψ (digamma) and ψ′ (trigamma);
    ∂/∂ln θ = θ ∂/∂θ.
    """
    p, q, v = np.exp(theta)
    ux, cx, n = d.ux, d.cx, d.n
    px = p * ux
    psi, tri = special.digamma, functools.partial(special.polygamma, 1)
    rows = _row_sums(v, d, order)
    ll = (
        _dot(cx, special.gammaln(px + q) - special.gammaln(px) + px * np.log(ux))
        - n * special.gammaln(q)
        + n * q * math.log(v)
        + p * d.sum_x_log_m
        - d.sum_log_m
        - p * rows[1]
        - q * rows[0]
    )
    psi_pxq = psi(px + q)
    grad = np.array(
        [
            _dot(cx, ux * (psi_pxq - psi(px) + np.log(ux))) + d.sum_x_log_m - rows[1],
            _dot(cx, psi_pxq) - n * psi(q) + n * math.log(v) - rows[0],
            n * q / v - p * rows[3] - q * rows[2],
        ]
    )
    params = np.array([p, q, v])
    hess = np.zeros((3, 3))
    if order == 2:
        tri_pxq = tri(px + q)
        hess[0, 0] = _dot(cx, ux * ux * (tri_pxq - tri(px)))
        hess[0, 1] = hess[1, 0] = _dot(cx, ux * tri_pxq)
        hess[1, 1] = _dot(cx, tri_pxq) - n * tri(q)
        hess[0, 2] = hess[2, 0] = -rows[3]
        hess[1, 2] = hess[2, 1] = n / v - rows[2]
        hess[2, 2] = -n * q / v**2 + p * rows[5] + q * rows[4]
        hess = hess * np.outer(params, params) + np.diag(grad * params)
    return float(ll), grad * params, hess


def _dot(u: FloatArray, v: FloatArray) -> float:
    """u · v for the short per-x vectors, without BLAS threads."""
    return float(np.einsum("i,i->", u, v))


def _objective(theta: FloatArray, x: FloatArray, m: FloatArray) -> tuple[float, FloatArray]:
    """Minus the mean log-likelihood (note, eq. 3) and its gradient in log p, q, log γ."""
    return _mean_objective(theta, _Data.build(x, m))


def _mean_objective(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """What L-BFGS-B minimises: minus the mean log-likelihood and its gradient."""
    ll, grad, _hess = _evaluate(theta, d, order=1)
    return -ll / d.n, -grad / d.n


def log_likelihood(
    fit: GammaGammaFit, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """Each customer's log-likelihood under ``fit`` (F&H 2013, eq. 3); 0 for customers without
    repeat purchases, who carry no information on spend."""
    x, m = _repeat_buyers(frequency, monetary)
    buyers = x > 0
    if (m[buyers] <= 0).any():
        raise InputError(N_("monetary: needs values > 0 for every repeat buyer"))
    ll = np.zeros_like(x)
    ll[buyers] = _log_likelihood(fit.p, fit.q, fit.v, x[buyers], m[buyers])
    return ll


def fit_gamma_gamma(frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> GammaGammaFit:
    """Fit the Gamma-Gamma model on the repeat buyers (frequency > 0) by maximum likelihood.

    Newton's method on log p, log q, log γ, from a fit on a fixed-seed random subsample of
    30,000 when there are 4 × as many repeat buyers or more (the same maximum, in fewer passes).

    Parameters
    ----------
    frequency : array_like
        Repeat purchases x of each customer; customers with x = 0 are left out of the fit.
    monetary : array_like
        Mean value m_x of each customer's repeat purchases (must be > 0 where x > 0).

    Returns
    -------
    GammaGammaFit

    Raises
    ------
    InputError
        If there are no repeat buyers, or a repeat buyer's mean value is not positive.
    """
    x, m = _repeat_buyers(frequency, monetary)
    buyers = np.flatnonzero(x > 0)
    x, m = x.take(buyers), m.take(buyers)
    if len(x) == 0:
        raise InputError(N_("frequency: no repeat buyers to fit the Gamma-Gamma model on"))
    if (m <= 0).any():
        raise InputError(N_("monetary: needs values > 0 for every repeat buyer"))
    data = _Data.build(x, m)
    # Start at p = 1, q = 2 (a finite mean) and γ matching the mean value, p γ / (q − 1) = m̄;
    # with many repeat buyers, at the estimate on a fixed-seed random subsample of them.
    start = np.log([1.0, 2.0, float(m.mean())])
    if len(x) >= 4 * _SUBSAMPLE:
        rng = np.random.default_rng(_SUBSAMPLE_SEED)
        rows = np.sort(rng.choice(len(x), size=_SUBSAMPLE, replace=False))
        start = _maximise(_Data.build(x.take(rows), m.take(rows)), start)[0]
    theta, ll = _maximise(data, start)
    p, q, v = np.exp(theta)
    return GammaGammaFit(p=float(p), q=float(q), v=float(v), customers=len(x), log_likelihood=ll)


def _maximise(data: _Data, start: FloatArray) -> tuple[FloatArray, float]:
    """The maximum log-likelihood from ``start`` in log p, log q, log γ, and its value.

    Newton's method with the exact Hessian (:func:`newton_maximise`); where it does not converge
    (e.g. q → ∞ when all customers share one spend rate), L-BFGS-B, then Newton from there.
    """
    newton = newton_maximise(lambda theta: _evaluate(theta, data, order=2), start, _LOG_BOUND)
    if newton is not None:
        return newton.theta, newton.log_likelihood
    result = optimize.minimize(
        _mean_objective,
        start,
        args=(data,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-10},
    )
    polished = newton_maximise(lambda theta: _evaluate(theta, data, order=2), result.x, _LOG_BOUND)
    if polished is not None and polished.log_likelihood >= -float(result.fun) * data.n:
        return polished.theta, polished.log_likelihood
    return np.asarray(result.x, dtype=np.float64), -float(result.fun) * data.n


def expected_average_value(
    fit: GammaGammaFit, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """E(M | p, q, γ, m_x, x): a customer's expected mean purchase value (F&H 2013, eq. 5).

    ``(γ + x m_x) p / (p x + q − 1)``: a weighted mean of the population mean p γ / (q − 1),
    with weight (q − 1) / (p x + q − 1), and the customer's own mean m_x. A customer without
    repeat purchases (x = 0) gets the population mean. Requires q > 1.
    """
    if fit.q <= 1:
        raise InputError(N_("q: the fitted q ≤ 1 has no finite mean purchase value"))
    x, m = _repeat_buyers(frequency, monetary)
    m = np.where(x > 0, m, 0.0)
    value: FloatArray = (fit.v + x * m) * fit.p / (fit.p * x + fit.q - 1)
    return value
