"""An always-valid interval for the effect of a randomised experiment: a confidence sequence.

A manager looks at a running campaign every day. A fixed-horizon 95% interval read every day
excludes zero by chance far more often than 5% of the time (Johari, Koomen, Pekelis & Walsh,
"Always valid inference", *Operations Research* 70(3), 2022). A **confidence sequence** holds
at every look at once: P(the true effect is outside the interval at *any* time) ≤ α.

Each unit ``i`` in arrival order contributes the augmented inverse-probability-weighted term

    φᵢ = (m̂₁ − m̂₀) + Tᵢ (yᵢ − m̂₁) / π − (1 − Tᵢ)(yᵢ − m̂₀) / (1 − π),

with ``π`` the treated share of the design and ``m̂₁, m̂₀`` the arms' means of the units
*before* ``i`` (predictable, so ``E[φᵢ | past] = τ``, the average effect). The interval is the
asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas
("Time-uniform central limit theory and asymptotic confidence sequences", *Annals of
Statistics* 52(6), 2024, Theorem 2.2; the design-based use is Ham, Imai & Janson 2022):

    φ̄ₜ ± σ̂ₜ · √( 2(tρ² + 1) / (t²ρ²) · log(√(tρ² + 1) / α) ),

σ̂ₜ the standard deviation of φ₁…φₜ and ``ρ`` set to be tightest at ``t*`` units,
``ρ = √((−2 log α + log(−2 log α + 1)) / t*)`` (their eq. 2.6). The boundary is Robbins'
normal mixture, two-sided at level α.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SequenceBounds:
    """The estimate and the always-valid interval after each unit (or each look)."""

    n: npt.NDArray[np.int64]
    estimate: FloatArray
    low: FloatArray
    high: FloatArray


def mixture_rho(alpha: float, t_star: float) -> float:
    """The mixture's ``ρ`` that makes the boundary tightest at ``t_star`` units (eq. 2.6)."""
    la = -2.0 * math.log(alpha)
    return math.sqrt((la + math.log(la + 1.0)) / t_star)


def half_width(sd: FloatArray, t: FloatArray, alpha: float, rho: float) -> FloatArray:
    """The normal-mixture boundary ÷ t, scaled by the standard deviation ``sd``."""
    r2 = rho * rho
    inner = 2.0 * (t * r2 + 1.0) / (t * t * r2) * np.log(np.sqrt(t * r2 + 1.0) / alpha)
    return np.asarray(sd * np.sqrt(inner), dtype=np.float64)


def aipw_terms(outcome: npt.ArrayLike, treated: npt.ArrayLike, share: float) -> FloatArray:
    """The φᵢ of the module docstring, in the order given (the arrival order)."""
    y = np.asarray(outcome, dtype=np.float64)
    t = np.asarray(treated, dtype=bool)
    if y.shape != t.shape or y.ndim != 1:
        raise InputError(N_("treated: needs one value per outcome"))
    if not 0.0 < share < 1.0:
        raise InputError(N_("share: the treated share must be between 0 and 1 (exclusive)"))
    if np.isnan(y).any():
        raise InputError(N_("outcome: has missing values"))
    n = len(y)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    # the arms' running sums and counts of the units before i (means 0 until an arm has one)
    sums1 = np.concatenate(([0.0], np.cumsum(np.where(t, y, 0.0))[:-1]))
    sums0 = np.concatenate(([0.0], np.cumsum(np.where(t, 0.0, y))[:-1]))
    cnt1 = np.concatenate(([0], np.cumsum(t)[:-1]))
    cnt0 = np.arange(n) - cnt1
    m1 = np.divide(sums1, cnt1, out=np.zeros(n), where=cnt1 > 0)
    m0 = np.divide(sums0, cnt0, out=np.zeros(n), where=cnt0 > 0)
    return np.asarray(
        (m1 - m0) + np.where(t, (y - m1) / share, -(y - m0) / (1.0 - share)), dtype=np.float64
    )


def confidence_sequence(
    outcome: npt.ArrayLike,
    treated: npt.ArrayLike,
    share: float,
    *,
    alpha: float = 0.05,
    planned_n: int | None = None,
    looks: npt.ArrayLike | None = None,
) -> SequenceBounds:
    """The estimate and always-valid ``1 − alpha`` interval after each of ``looks`` (numbers
    of units seen, ascending; default every unit), tightest near ``planned_n`` units."""
    if not 0.0 < alpha < 1.0:
        raise InputError(N_("alpha: must be between 0 and 1 (exclusive)"))
    phi = aipw_terms(outcome, treated, share)
    n = len(phi)
    if n < 2:
        raise InputError(N_("treated: each arm needs at least two units"))
    at = np.arange(1, n + 1) if looks is None else np.asarray(looks, dtype=np.int64)
    if at.ndim != 1 or len(at) == 0 or at.min() < 2 or at.max() > n or np.any(np.diff(at) <= 0):
        raise InputError(N_("looks: must be ascending numbers of units between 2 and all units"))
    rho = mixture_rho(alpha, float(planned_n or n))
    s1 = np.cumsum(phi)[at - 1]
    s2 = np.cumsum(phi * phi)[at - 1]
    t = at.astype(np.float64)
    mean = s1 / t
    var = np.maximum(s2 / t - mean * mean, 0.0) * t / (t - 1.0)
    width = half_width(np.sqrt(var), t, alpha, rho)
    return SequenceBounds(n=at, estimate=mean, low=mean - width, high=mean + width)
