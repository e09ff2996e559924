"""The Gamma-Gamma model of monetary value: what a customer's purchases are worth on average.

Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value", note,
http://brucehardie.com/notes/025/ (after Schmittlein & Peterson 1994 and Colombo & Jiang 1999).

The value z of each of a customer's x purchases is Gamma(p, ν); the rate ν varies across
customers as Gamma(q, γ), and is independent of the purchasing process. Only the mean value
m_x = z̄ of a repeat buyer's x ≥ 1 purchases is used. Its likelihood (note, eq. 3) is

    f(m_x | p, q, γ; x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q m_x^(px−1) x^(px) / (γ + x m_x)^(px+q),

fitted here by maximum likelihood with L-BFGS-B on the logarithms of p, q and γ (``v`` below)
with the analytic gradient. The conditional expectation of a customer's mean value (note,
eq. 5) is a weighted mean of the population mean p γ / (q − 1) and his own mean m_x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

from valuecenter.analytics.clv._checks import FloatArray, as_float_array
from valuecenter.analytics.errors import InputError

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
        raise InputError("monetary: needs one value per customer (as many as frequency)")
    if (x < 0).any() or (np.floor(x) != x).any():
        raise InputError("frequency: needs whole numbers ≥ 0 (repeat purchases)")
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


def _objective(theta: FloatArray, x: FloatArray, m: FloatArray) -> tuple[float, FloatArray]:
    """Minus the mean log-likelihood (note, eq. 3) and its gradient in log p, log q, log γ."""
    p, q, v = np.exp(theta)
    px = p * x
    log_m, log_x, log_xmv = np.log(m), np.log(x), np.log(x * m + v)
    ll = _log_likelihood(p, q, v, x, m)
    psi_pxq = special.digamma(px + q)
    d_p = x * (psi_pxq - special.digamma(px) + log_m + log_x - log_xmv)
    d_q = psi_pxq - special.digamma(q) + math.log(v) - log_xmv
    d_v = q / v - (px + q) / (x * m + v)
    n = len(x)
    grad = np.array([d_p.sum() * p, d_q.sum() * q, d_v.sum() * v]) / n
    return float(-ll.sum() / n), -grad


def log_likelihood(
    fit: GammaGammaFit, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """Each customer's log-likelihood under ``fit`` (F&H 2013, eq. 3); 0 for customers without
    repeat purchases, who carry no information on spend."""
    x, m = _repeat_buyers(frequency, monetary)
    buyers = x > 0
    if (m[buyers] <= 0).any():
        raise InputError("monetary: needs values > 0 for every repeat buyer")
    ll = np.zeros_like(x)
    ll[buyers] = _log_likelihood(fit.p, fit.q, fit.v, x[buyers], m[buyers])
    return ll


def fit_gamma_gamma(frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> GammaGammaFit:
    """Fit the Gamma-Gamma model on the repeat buyers (frequency > 0) by maximum likelihood.

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
    buyers = x > 0
    x, m = x[buyers], m[buyers]
    if len(x) == 0:
        raise InputError("frequency: no repeat buyers to fit the Gamma-Gamma model on")
    if (m <= 0).any():
        raise InputError("monetary: needs values > 0 for every repeat buyer")
    # Start at p = 1, q = 2 (a finite mean) and γ matching the mean value: p γ / (q − 1) = m̄.
    start = np.log([1.0, 2.0, float(m.mean())])
    result = optimize.minimize(
        _objective,
        start,
        args=(x, m),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-10},
    )
    p, q, v = np.exp(result.x)
    return GammaGammaFit(
        p=float(p),
        q=float(q),
        v=float(v),
        customers=len(x),
        log_likelihood=-float(result.fun) * len(x),
    )


def expected_average_value(
    fit: GammaGammaFit, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """E(M | p, q, γ, m_x, x): a customer's expected mean purchase value (F&H 2013, eq. 5).

    ``(γ + x m_x) p / (p x + q − 1)``: a weighted mean of the population mean p γ / (q − 1),
    with weight (q − 1) / (p x + q − 1), and the customer's own mean m_x. A customer without
    repeat purchases (x = 0) gets the population mean. Requires q > 1.
    """
    if fit.q <= 1:
        raise InputError("q: the fitted q ≤ 1 has no finite mean purchase value")
    x, m = _repeat_buyers(frequency, monetary)
    m = np.where(x > 0, m, 0.0)
    value: FloatArray = (fit.v + x * m) * fit.p / (fit.p * x + fit.q - 1)
    return value
