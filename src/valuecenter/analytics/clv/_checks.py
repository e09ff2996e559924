"""Input checks and the Newton step shared by the CLV models.

Bad input raises one :class:`InputError` line naming the field; :func:`newton_maximise` polishes a
maximum-likelihood estimate with exact second derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]

# A log-likelihood, its gradient and its Hessian, all in the same (log-)parameters.
Evaluation = tuple[float, FloatArray, FloatArray]


def as_float_array(values: npt.ArrayLike, field: str) -> FloatArray:
    """``values`` as a 1-D float64 array without missing or infinite values."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1:
        raise InputError(N_("%(field)s: needs a one-dimensional list of numbers"), field=field)
    if not np.isfinite(array).all():
        raise InputError(N_("%(field)s: has missing or infinite values"), field=field)
    return array


def rfm_arrays(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Frequency, recency and age checked for the conventions of the BG/NBD and its kin.

    ``frequency`` is a whole number ≥ 0 of repeat purchases, ``0 ≤ recency ≤ T``, and a
    customer without repeat purchases has recency 0 (Fader, Hardie & Lee 2005, section 2).
    Scalars broadcast against arrays.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    age = as_float_array(T, "T")
    try:
        x, t_x, age = np.broadcast_arrays(x, t_x, age)
    except ValueError:
        raise InputError(N_("frequency: frequency, recency and T differ in length")) from None
    if (x < 0).any() or (np.floor(x) != x).any():
        raise InputError(N_("frequency: needs whole numbers ≥ 0 (repeat purchases)"))
    if (t_x < 0).any():
        raise InputError(N_("recency: needs values ≥ 0"))
    if (age < 0).any():
        raise InputError(N_("T: needs values ≥ 0 (time since the first purchase)"))
    if (t_x > age * (1 + 1e-12)).any():
        raise InputError(N_("recency: is larger than T for some customers"))
    if ((x == 0) & (t_x != 0)).any():
        raise InputError(N_("recency: must be 0 for customers without repeat purchases"))
    return x, t_x, age


def weights_array(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    """Non-negative weights (counts of identical customers); ones when ``None``."""
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = as_float_array(weights, "weights")
    if w.shape != (n,):
        raise InputError(N_("weights: needs one weight per customer"))
    if (w < 0).any() or w.sum() <= 0:
        raise InputError(N_("weights: needs values ≥ 0 with a positive sum"))
    return w


def counts_by_value(x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct whole numbers ≥ 0 in ``x`` and the sum of the weights of each.

    A ``bincount`` (linear time) unless a few huge values make the count table too long.
    """
    top = float(x.max())
    if top <= 4 * len(x) + 1024:
        counts = np.bincount(x.astype(np.intp), weights=w).astype(np.float64, copy=False)
        present = np.flatnonzero(counts)
        return present.astype(np.float64), counts[present]
    ux, index = np.unique(x, return_inverse=True)  # a few huge frequencies: sort instead
    counted = np.bincount(index.ravel(), weights=w, minlength=len(ux))
    return ux, counted.astype(np.float64, copy=False)


@dataclass(frozen=True)
class NewtonResult:
    """Where :func:`newton_maximise` stopped: the point, its log-likelihood and the steps taken."""

    theta: FloatArray
    log_likelihood: float
    iterations: int


def _newton_direction(gradient: FloatArray, hessian: FloatArray) -> tuple[FloatArray, bool]:
    """The Newton direction (−H)⁻¹ g, and whether −H was positive definite as it stood.

    Where it is not, each eigenvalue λ of −H is replaced by max(|λ|, 10⁻⁸ max |λ|) (Nocedal &
    Wright 2006, *Numerical Optimization*, 2nd ed., §3.4, eq. 3.41 with |λ| as in "saddle-free"
    Newton), which gives an ascent direction of sensible length anyway.
    """
    values, vectors = np.linalg.eigh(-hessian)
    if not np.isfinite(values).all():
        return np.zeros_like(gradient), False
    exact = bool(values.min() > 0.0)
    floor = 1e-8 * max(float(np.abs(values).max()), 1e-300)
    modified = values if exact else np.maximum(np.abs(values), floor)
    direction: FloatArray = vectors @ ((vectors.T @ gradient) / modified)
    return direction, exact


def newton_maximise(
    evaluate: Callable[[FloatArray], Evaluation],
    theta: FloatArray,
    bound: float,
    max_iterations: int = 50,
) -> NewtonResult | None:
    """Maximise a log-likelihood by Newton's method with backtracking (Nocedal & Wright 2006, §3).

    ``evaluate(theta)`` returns the log-likelihood, its gradient and its Hessian. Each step goes
    along the Newton direction d = (−H)⁻¹ g (Hessian modified where not negative definite) and is
    halved until the log-likelihood rises by at least 10⁻⁴ of the predicted gain (Armijo),
    allowing for rounding in a sum over a million customers. The search stops at an unmodified
    step whose Newton decrement gᵀd (twice the predicted gain) is at most 10⁻¹⁶ of the
    log-likelihood — Newton converges quadratically, so this costs about one pass more than a
    loose tolerance and pins the parameters down to ~10⁻⁷ relative — or, should rounding
    keep the decrement from falling that far, at a decrement below 10⁻¹⁰ of the log-likelihood
    that no longer shrinks by at least half per step.

    Returns None when a step would leave ``[-bound, bound]``, the line search fails, or the
    iterations run out: the caller then falls back to a first-order optimiser.
    """
    value, gradient, hessian = evaluate(theta)
    previous = math.inf
    for iteration in range(max_iterations):
        if not math.isfinite(value):
            return None
        direction, exact = _newton_direction(gradient, hessian)
        decrement = float(gradient @ direction)
        scale = max(1.0, abs(value))
        stalled = decrement <= 1e-10 * scale and decrement > 0.5 * previous
        if exact and (decrement <= 1e-16 * scale or stalled):
            return NewtonResult(theta, value, iteration)
        previous = decrement
        rounding = 1e-13 * scale
        step = 1.0
        while True:
            candidate = theta + step * direction
            if np.abs(candidate).max() > bound:
                return None
            trial = evaluate(candidate)
            if trial[0] >= value + 1e-4 * step * decrement - rounding:
                break
            step /= 2.0
            if step < 1e-8:
                return None
        theta = candidate
        value, gradient, hessian = trial
    return None
