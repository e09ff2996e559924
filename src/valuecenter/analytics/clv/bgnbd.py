"""The BG/NBD model of repeat buying: how often a customer buys and whether he is still alive.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting your customers' the easy way:
an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284 (FHL below).

While alive a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after every purchase
he drops out with probability p ~ Beta(a, b). A customer is summarised by ``frequency`` x (repeat
purchases), ``recency`` t_x (time of the last purchase since the first) and ``T`` (time since the
first purchase), all in one unit of time (see :mod:`valuecenter.analytics.clv.summary`).

The fit maximises the log-likelihood (FHL eq. 6) on the logarithms of the four parameters.
Every term is computed in log space (``gammaln``, ``betaln``, and the log-odds of the two terms
of eq. 6), so a frequency in the thousands neither overflows nor underflows; the terms that
depend on x alone are computed once per distinct x, the rest block by block in cache. On
120,000 customers or more, a fit on a fixed-seed random subsample of 30,000 starts Newton's
method with the exact Hessian on all the data, which converges quadratically — about five
passes over the data. Smaller data are fitted from scratch by L-BFGS-B with the analytic
gradient, then polished by Newton.

Where the maximum lies on the boundary of the parameter space — no dropout at all, a → 0 or
b → ∞, common in retail data, where ``lifetimes`` raises ``ConvergenceError`` — the likelihood
tends to that of the NBD model (Ehrenberg 1959; Morrison & Schmittlein 1988), whose maximum is
the supremum of the BG/NBD likelihood. The fit then returns that NBD limit with
``degenerate="nbd"``, ``a = 0`` and ``b = ∞``, and the predictions use the limit: every customer
is alive and buys at his posterior gamma rate.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats  # type: ignore[import-untyped]

from valuecenter.analytics.clv._checks import (
    FloatArray,
    counts_by_value,
    newton_maximise,
    rfm_arrays,
    weights_array,
)
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

_LOG_BOUND = 18.0  # parameters live in [e^-18, e^18] ≈ [1.5e-8, 6.6e7] during the search
_DEGENERATE_TOLERANCE = 1e-7  # relative log-likelihood gap below which the NBD limit wins
_SUBSAMPLE = 30_000  # customers in the warm-start fit; used when there are 4× as many
_SUBSAMPLE_SEED = 20050401  # fixed, so a fit is deterministic
_BLOCK = 8192  # rows per block of the likelihood sums: stays in cache, and OpenBLAS runs dot
# products of at most 10,000 elements on one thread (no waiting on a busy core)
_DROPOUT_EVIDENCE = 25.0  # subsample log-likelihood gain of the BG/NBD over the NBD to trust it


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
        Optimiser iterations (warm-start fit, quasi-Newton and Newton steps together).
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
    """Customers split into non-buyers (x = 0) and repeat buyers, with weights.

    A non-buyer's likelihood depends on T alone and a buyer's second term exists only for x > 0,
    so the two groups are kept apart. Every term that depends on x alone (``gammaln``,
    ``betaln``, ``digamma``, ``polygamma``) enters the sums only through the weighted count of
    each distinct x (``ux``, ``cx``), so it is computed once per distinct x, never per row.
    """

    age0: FloatArray
    w0: FloatArray
    x1: FloatArray
    t_x1: FloatArray
    age1: FloatArray
    w1: FloatArray
    wx1: FloatArray
    ux: FloatArray
    cx: FloatArray
    total: float

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray) -> _Data:
        """Split checked (x, t_x, T) and weights into the two groups and count the x values."""
        buyer = x > 0
        none, some = np.flatnonzero(~buyer), np.flatnonzero(buyer)
        x1, w1 = x.take(some), w.take(some)
        ux, cx = counts_by_value(x, w)
        return cls(
            age0=age.take(none),
            w0=w.take(none),
            x1=x1,
            t_x1=t_x.take(some),
            age1=age.take(some),
            w1=w1,
            wx1=w1 * x1,
            ux=ux,
            cx=cx,
            total=float(cx.sum()),
        )


def _subsample(x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray) -> _Data:
    """A fixed-seed random subsample of ``_SUBSAMPLE`` customers (rows, with their weights)."""
    rng = np.random.default_rng(_SUBSAMPLE_SEED)
    rows = np.sort(rng.choice(len(x), size=_SUBSAMPLE, replace=False))
    return _Data.build(x.take(rows), t_x.take(rows), age.take(rows), w.take(rows))


def _x_terms(params: FloatArray, ux: FloatArray, order: int) -> FloatArray:
    """Per distinct x: the x-only parts of the log-likelihood and its derivatives in (r, α, a, b).

    Rows: ``ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)`` (FHL eq. 6 without its
    (α+T)-terms); then its gradient (∂r, ∂α, ∂a, ∂b, from ∂ ln B(p, q)/∂p = ψ(p) − ψ(p+q));
    then, with ``order`` 2, the second derivatives rr, aa (= ab) and bb (the trigamma ψ').
    """
    r, alpha, a, b = params
    psi = special.digamma
    rows = [
        special.gammaln(r + ux)
        - special.gammaln(r)
        + r * math.log(alpha)
        + special.betaln(a, b + ux)
        - special.betaln(a, b),
        psi(r + ux) - psi(r) + math.log(alpha),
        np.full_like(ux, r / alpha),
        psi(a + b) - psi(a + b + ux),
        psi(b + ux) - psi(a + b + ux) - psi(b) + psi(a + b),
    ]
    if order == 2:
        tri = functools.partial(special.polygamma, 1)
        rows += [
            tri(r + ux) - tri(r),
            tri(a + b) - tri(a + b + ux),
            tri(b + ux) - tri(a + b + ux) - tri(b) + tri(a + b),
        ]
    return np.stack(rows)


def _age_sums(alpha: float, age: FloatArray, w: FloatArray, order: int) -> FloatArray:
    """Σ w ln(α+T), Σ w/(α+T) and, with ``order`` 2, Σ w/(α+T)², block by block."""
    sums = np.zeros(3)
    for block in _blocks(len(age)):
        inv = 1.0 / (alpha + age[block])
        wb = w[block]
        sums[0] -= float(wb @ np.log(inv))
        sums[1] += float(wb @ inv)
        if order == 2:
            sums[2] += float(wb @ (inv * inv))
    return sums


def _dot(u: FloatArray, v: FloatArray) -> float:
    """u · v summed block by block (single-threaded BLAS; see ``_BLOCK``)."""
    return sum((float(u[block] @ v[block]) for block in _blocks(len(u))), start=0.0)


def _blocks(n: int) -> list[slice]:
    """Row blocks of ``_BLOCK`` rows: the temporaries of one block stay in the CPU cache."""
    return [slice(start, start + _BLOCK) for start in range(0, n, _BLOCK)]


def _buyer_sums(params: FloatArray, d: _Data, block: slice, order: int) -> FloatArray:
    """The weighted sums over one block of repeat buyers that the likelihood needs.

    With A = α+T, B = α+t_x, the log-odds g and s = σ(g) of :func:`_bgnbd_evaluate`: Σw ln A,
    Σwx ln A, Σw S(g), Σw/A, Σwx/A, and Σws times ∂g/∂r = ln A − ln B, ∂g/∂α = (r+x)(1/A − 1/B),
    1 and 1/(b+x−1); with ``order`` 2 also Σw/A², Σwx/A², Σws (1/A − 1/B),
    Σws (r+x)(1/B² − 1/A²), Σws/(b+x−1)², and Σw s(1−s) u uᵀ, Σw s(1−s) u and Σw s(1−s) for
    u = (∂g/∂r, ∂g/∂α, ∂g/∂b). Since ln a − ln(b+x−1) ≥ −36 − ln(x) inside the parameter
    bounds and (r+x)(ln A − ln B) ≥ 0, e^−g cannot overflow, so s = 1/(1 + e^−g) and
    S(g) = ln(1 + e^g) = g + log1p(e^−g) need no branches.
    """
    r, alpha, a, b = params
    x, w, wx = d.x1[block], d.w1[block], d.wx1[block]
    inv_a = 1.0 / (alpha + d.age1[block])
    inv_b = 1.0 / (alpha + d.t_x1[block])
    log_a = -np.log(inv_a)
    spread = np.log(inv_b)
    spread += log_a  # ln A − ln B ≥ 0
    rx = x + r
    inv_bp = 1.0 / (x + (b - 1.0))
    gap = rx * spread
    gap += math.log(a)
    gap += np.log(inv_bp)
    odds = np.exp(-gap)
    share = 1.0 / (1.0 + odds)  # s = σ(g)
    soft = np.log1p(odds)
    soft += gap  # S(g)
    ws = w * share
    d_inv = inv_a - inv_b
    g_alpha = rx * d_inv
    first = [
        w @ log_a,
        wx @ log_a,
        w @ soft,
        w @ inv_a,
        wx @ inv_a,
        ws @ spread,
        ws @ g_alpha,
        ws.sum(),
        ws @ inv_bp,
    ]
    if order == 1:
        return np.array(first)
    inv_a2 = inv_a * inv_a
    wv = ws * (odds * share)  # w s (1 − s), as 1 − s = e^−g s
    v_r, v_alpha, v_b = wv * spread, wv * g_alpha, wv * inv_bp
    second = [
        w @ inv_a2,
        wx @ inv_a2,
        ws @ d_inv,
        ws @ ((inv_b * inv_b - inv_a2) * rx),
        ws @ (inv_bp * inv_bp),
        v_r @ spread,
        v_r @ g_alpha,
        -(v_r @ inv_bp),
        v_alpha @ g_alpha,
        -(v_alpha @ inv_bp),
        v_b @ inv_bp,
        v_r.sum(),
        v_alpha.sum(),
        -v_b.sum(),
        wv.sum(),
    ]
    return np.array(first + second)


def _bgnbd_evaluate(
    theta: FloatArray, d: _Data, order: int
) -> tuple[float, FloatArray, FloatArray]:
    """Total log-likelihood (FHL eq. 6), gradient and (``order`` 2) Hessian in log-parameters.

    Per customer, ``ℓ = D + δ_{x>0} S(g)`` with ``D = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x)
    − ln B(a, b) − (r+x) ln(α+T)``, the log-odds of the second term of eq. 6 to the first
    ``g = ln a − ln(b+x−1) + (r+x)(ln(α+T) − ln(α+t_x))`` (since B(a+1, b+x−1)/B(a, b+x) =
    a/(b+x−1)) and ``S(g) = ln(1 + e^g)``. With the share of the second term s = σ(g) = S′(g)
    and S″(g) = s(1 − s), ``∇ℓ = ∇D + s ∇g`` and ``∇²ℓ = ∇²D + s(1−s) ∇g ∇gᵀ + s ∇²g``. The
    x-only parts come from :func:`_x_terms`, once per distinct x; per row only ln(α+T),
    ln(α+t_x), ln(b+x−1) and the logistic terms are computed, block by block. The log-parameter
    derivatives follow from ∂/∂ln θ = θ ∂/∂θ.
    """
    params = np.exp(theta)
    r, alpha, a, _b = params
    xt = np.einsum("ij,j->i", _x_terms(params, d.ux, order), d.cx)  # no BLAS threads
    ages = _age_sums(alpha, d.age0, d.w0, order)
    sums = sum(
        (_buyer_sums(params, d, block, order) for block in _blocks(len(d.x1))),
        start=np.zeros(9 if order == 1 else 24),
    )
    sum_log = ages[0] + sums[0]
    sum_inv = ages[1] + sums[3]
    ll = float(xt[0] - r * sum_log - sums[1] + sums[2])
    grad = np.array(
        [
            xt[1] - sum_log + sums[5],
            xt[2] - r * sum_inv - sums[4] + sums[6],
            xt[3] + sums[7] / a,
            xt[4] - sums[8],
        ]
    )
    if order == 1:
        return ll, grad * params, np.zeros((4, 4))
    hess = _bgnbd_hessian(params, d.total, xt, ages, sums)
    return ll, grad * params, hess * np.outer(params, params) + np.diag(grad * params)


def _bgnbd_hessian(
    params: FloatArray, total: float, xt: FloatArray, ages: FloatArray, sums: FloatArray
) -> FloatArray:
    """The Hessian of the total log-likelihood in (r, α, a, b); see :func:`_bgnbd_evaluate`.

    ``∇²D``: rr = ψ′(r+x) − ψ′(r), rα = 1/α − 1/(α+T), αα = −r/α² + (r+x)/(α+T)², aa = ab =
    ψ′(a+b) − ψ′(a+b+x), bb = ψ′(b+x) − ψ′(a+b+x) − ψ′(b) + ψ′(a+b). ``∇²g``: rα = 1/(α+T) −
    1/(α+t_x), αα = (r+x)(1/(α+t_x)² − 1/(α+T)²), aa = −1/a², bb = 1/(b+x−1)². The term
    Σ w s(1−s) ∇g ∇gᵀ has ∂g/∂a = 1/a in every row. ``sums`` are :func:`_buyer_sums`' totals.
    """
    r, alpha, a, _b = params
    sum_inv = ages[1] + sums[3]
    sum_inv2 = ages[2] + sums[9]
    h = np.zeros((4, 4))
    h[0, 0] = xt[5]
    h[0, 1] = h[1, 0] = total / alpha - sum_inv + sums[11]
    h[1, 1] = -total * r / alpha**2 + r * sum_inv2 + sums[10] + sums[12]
    h[2, 2] = xt[6] - sums[7] / a**2
    h[2, 3] = h[3, 2] = xt[6]
    h[3, 3] = xt[7] + sums[13]
    rab = [0, 1, 3]  # ∂g/∂r, ∂g/∂α, ∂g/∂b; ∂g/∂a = 1/a
    outer = np.empty((3, 3))
    outer[np.triu_indices(3)] = sums[14:20]
    outer[np.tril_indices(3, -1)] = outer.T[np.tril_indices(3, -1)]
    h[np.ix_(rab, rab)] += outer
    h[rab, 2] += sums[20:23] / a
    h[2, rab] += sums[20:23] / a
    h[2, 2] += sums[23] / a**2
    return h


def _bgnbd_objective(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Minus the weighted mean log-likelihood (FHL eq. 6) and its gradient in log-parameters."""
    ll, grad, _hess = _bgnbd_evaluate(theta, d, order=1)
    return -ll / d.total, -grad / d.total


def _nbd_objective(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Minus the weighted mean NBD log-likelihood (no dropout) and its gradient.

    ``ln Γ(r+x) − ln Γ(r) + r ln α − (r+x) ln(α+T)``, the BG/NBD's limit as a → 0.
    """
    r, alpha = np.exp(theta)
    psi = special.digamma
    head = special.gammaln(r + d.ux) - special.gammaln(r) + r * math.log(alpha)
    d_head = psi(r + d.ux) - psi(r) + math.log(alpha)
    ages = _age_sums(alpha, d.age0, d.w0, 1) + _age_sums(alpha, d.age1, d.w1, 1)
    x_ages = _age_sums(alpha, d.age1, d.wx1, 1)  # Σ wx ln(α+T), Σ wx/(α+T)
    ll = _dot(head, d.cx) - r * ages[0] - x_ages[0]
    d_r = _dot(d_head, d.cx) - ages[0]
    d_alpha = d.total * r / alpha - r * ages[1] - x_ages[1]
    grad = np.array([d_r * r, d_alpha * alpha])
    return -ll / d.total, -grad / d.total


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


@dataclass(frozen=True)
class _Estimate:
    """An optimum in log-parameters with its total log-likelihood; NBD estimates have 2 entries."""

    theta: FloatArray
    log_likelihood: float
    iterations: int


def _polish(data: _Data, start: FloatArray) -> _Estimate | None:
    """Newton's method with the exact Hessian on all the data (None if it does not converge)."""
    result = newton_maximise(lambda theta: _bgnbd_evaluate(theta, data, order=2), start, _LOG_BOUND)
    if result is None:
        return None
    return _Estimate(result.theta, result.log_likelihood, result.iterations + 1)


def _cold_fit(data: _Data) -> tuple[_Estimate, _Estimate]:
    """The NBD and the BG/NBD fitted from scratch (L-BFGS-B, then Newton where interior).

    The BG/NBD starts from the NBD's gamma and a moderate dropout (E[p] = 1/4).
    """
    mean_x = float(data.wx1.sum()) / data.total
    mean_age = (_dot(data.w0, data.age0) + _dot(data.w1, data.age1)) / data.total
    nbd = _minimise(_nbd_objective, np.log([1.0, mean_age / max(mean_x, 0.1)]), data)
    nbd_fit = _Estimate(nbd.x, -float(nbd.fun) * data.total, int(nbd.nit))
    full = _minimise(_bgnbd_objective, np.concatenate([nbd.x, np.log([1.0, 3.0])]), data)
    bg_fit = _Estimate(full.x, -float(full.fun) * data.total, int(full.nit))
    if np.abs(full.x).max() < _LOG_BOUND - 1.0:
        polished = _polish(data, full.x)
        if polished is not None and polished.log_likelihood >= bg_fit.log_likelihood:
            bg_fit = _Estimate(
                polished.theta, polished.log_likelihood, bg_fit.iterations + polished.iterations
            )
    return nbd_fit, bg_fit


def _warm_fit(
    data: _Data, x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray
) -> _Estimate | None:
    """The BG/NBD by Newton on all the data from a fit on a fixed-seed random subsample.

    The subsample's estimate lies within sampling error of the full-data maximum, well inside
    the region where Newton's method converges quadratically, so a few passes over the data
    reach the maximum. Used only when the subsample shows clear dropout — its BG/NBD beats its
    NBD by more than ``_DROPOUT_EVIDENCE`` and lies away from the bounds — since the
    likelihood-ratio gap grows in proportion to the number of customers; otherwise (None) the
    caller fits both models from scratch on all the data, so the no-dropout boundary is still
    found.
    """
    sample = _subsample(x, t_x, age, w)
    if sample.total <= 0:
        return None  # weights of zero all over the subsample
    nbd, bg = _cold_fit(sample)
    interior = np.abs(bg.theta).max() < _LOG_BOUND - 1.0
    if not interior or bg.log_likelihood - nbd.log_likelihood < _DROPOUT_EVIDENCE:
        return None
    polished = _polish(data, bg.theta)
    if polished is None:
        return None
    iterations = nbd.iterations + bg.iterations + polished.iterations
    return _Estimate(polished.theta, polished.log_likelihood, iterations)


def fit_bgnbd(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the papers' T)
    weights: npt.ArrayLike | None = None,
) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood (FHL 2005, eq. 6).

    With 4 × 30,000 customers (rows) or more, a fit on a fixed-seed random subsample of 30,000
    gives the start of Newton's method with the exact Hessian on all the data; otherwise, or
    when the subsample points at the no-dropout boundary, both the NBD and the BG/NBD are
    fitted from scratch (L-BFGS-B, then Newton) and the better one is kept. Either way the
    result is the same maximum (to ~1e-7 in the parameters).

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
        raise InputError(N_("frequency: no customers to fit"))
    return _fit(x, t_x, age, w, warm=len(x) >= 4 * _SUBSAMPLE)


def _fit(x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray, warm: bool) -> BgNbdFit:
    """The fit of :func:`fit_bgnbd` on checked arrays, from a subsample's estimate if ``warm``."""
    data = _Data.build(x, t_x, age, w)
    customers = round(data.total)
    estimate = _warm_fit(data, x, t_x, age, w) if warm else None
    if estimate is None:
        nbd, estimate = _cold_fit(data)
        gap = _DEGENERATE_TOLERANCE * max(1.0, abs(estimate.log_likelihood))
        if nbd.log_likelihood >= estimate.log_likelihood - gap:
            r, alpha = np.exp(nbd.theta)
            return BgNbdFit(
                r=float(r),
                alpha=float(alpha),
                a=0.0,
                b=math.inf,
                log_likelihood=nbd.log_likelihood,
                customers=customers,
                degenerate="nbd",
                iterations=nbd.iterations + estimate.iterations,
            )
    r, alpha, a, b = np.exp(estimate.theta)
    return BgNbdFit(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=estimate.log_likelihood,
        customers=customers,
        degenerate=None,
        iterations=estimate.iterations,
    )


def log_likelihood(
    fit: BgNbdFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """Each customer's log-likelihood under ``fit`` (FHL eq. 6; the NBD's in the limit).

    The same terms as the fit's (see :func:`_bgnbd_evaluate`): ``ln Γ(r+x) − ln Γ(r) + r ln α
    + ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T) + δ_{x>0} ln(1 + e^g)``.
    """
    x, t_x, age = rfm_arrays(frequency, recency, T)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    ux, index = np.unique(x, return_inverse=True)
    head = special.gammaln(r + ux) - special.gammaln(r) + r * math.log(alpha)
    log_age = np.log(alpha + age)
    if fit.degenerate == "nbd":
        nbd: FloatArray = head[index.ravel()] - (r + x) * log_age
        return nbd
    head += special.betaln(a, b + ux) - special.betaln(a, b)
    buyer = x > 0
    with np.errstate(divide="ignore"):
        gap = (
            math.log(a)
            - np.log(np.where(buyer, b + x - 1.0, 1.0))
            + (r + x) * (log_age - np.log(alpha + t_x))
        )
    second = np.where(buyer, np.logaddexp(0.0, gap), 0.0)
    ll: FloatArray = head[index.ravel()] - (r + x) * log_age + second
    return ll


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
        raise InputError(N_("t: needs finite values ≥ 0"))
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
        raise InputError(N_("n: needs whole numbers ≥ 0"))
    if not np.isfinite(horizon).all() or (horizon < 0).any():
        raise InputError(N_("t: needs finite values ≥ 0"))
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
