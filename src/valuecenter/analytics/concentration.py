"""Value concentration: how much of the revenue the best customers bring.

The Lorenz curve (Lorenz 1905, "Methods of measuring the concentration of wealth", *Publications
of the American Statistical Association* 9(70), 209–219) plots the cumulative share of value
held by the smallest share of customers; the Gini coefficient (Gini 1912) is twice the area
between it and the diagonal. The share of the top customers is the Pareto view of the same curve
("the top 1% of customers bring 14% of the revenue").

Conventions. Values are per customer (e.g. revenue over twelve months). A negative value (a
customer whose returns exceed his purchases) is clipped to 0: concentration describes how the
positive value is divided, and a negative share would make the Lorenz curve leave [0, 1]. The
top ``share`` of n customers are the ``ceil(share · n)`` customers with the largest values
(at least one). A total of zero has no shares: :class:`InputError`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]


def _values(values: npt.ArrayLike) -> FloatArray:
    """The values as a sorted (ascending) float array, negatives clipped to 0."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1:
        raise InputError(N_("values: needs a one-dimensional list of numbers"))
    if len(array) == 0:
        raise InputError(N_("values: there are no customers"))
    if not np.isfinite(array).all():
        raise InputError(N_("values: has missing or infinite values"))
    clipped = np.sort(np.clip(array, 0.0, None))
    if clipped[-1] <= 0:
        raise InputError(N_("values: the total value is zero, so there are no shares"))
    return clipped


def _top_count(n: int, share: float) -> int:
    if not math.isfinite(share) or not 0 < share <= 1:
        raise InputError(N_("share: needs a fraction in (0, 1], e.g. 0.01 for the top 1%"))
    # A small tolerance keeps 0.1 × 30 (= 3.0000000000000004 in floating point) at 3.
    return max(1, math.ceil(share * n - 1e-9))


def _top_share(ordered: FloatArray, share: float) -> float:
    k = _top_count(len(ordered), share)
    return float(ordered[-k:].sum() / ordered.sum())


def top_share(values: npt.ArrayLike, share: float) -> float:
    """The share of the total value held by the top ``ceil(share · n)`` customers.

    Parameters
    ----------
    values : array_like
        One value per customer; negatives count as 0.
    share : float
        The fraction of customers, in (0, 1]: 0.01 for the top 1%.

    Returns
    -------
    float
        Between ``k / n`` (everyone equal) and 1 (the top holds everything).
    """
    return _top_share(_values(values), share)


def lorenz(values: npt.ArrayLike, points: int = 101) -> tuple[FloatArray, FloatArray]:
    """The Lorenz curve at ``points`` evenly spaced shares of customers (Lorenz 1905).

    ``x`` runs from 0 to 1 over the customers from the smallest to the largest; ``y`` is the
    share of the total value they hold, interpolated linearly between the n + 1 exact points
    (i / n, L_i) of the empirical curve. ``y`` is convex, with y(0) = 0, y(1) = 1 and y ≤ x.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise InputError(N_("points: needs a whole number ≥ 2"))
    ordered = _values(values)
    n = len(ordered)
    knots_x = np.arange(n + 1, dtype=np.float64) / n
    knots_y = np.concatenate([[0.0], np.cumsum(ordered)]) / ordered.sum()
    knots_y[-1] = 1.0
    x = np.linspace(0.0, 1.0, points)
    y = np.minimum(np.interp(x, knots_x, knots_y), x)  # rounding must not lift it above y = x
    return x, y


def _gini(ordered: FloatArray) -> float:
    n = len(ordered)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * (ranks @ ordered) / (n * ordered.sum()) - (n + 1) / n)


def gini(values: npt.ArrayLike) -> float:
    """The Gini coefficient: G = 2 Σ i·x_(i) / (n Σ x) − (n + 1) / n, with x_(i) ascending.

    Exactly twice the area between the diagonal and the piecewise-linear empirical Lorenz curve
    (Gini 1912, "Variabilità e mutabilità"), without the small-sample factor n / (n − 1): 0 when
    every customer has the same value, (n − 1) / n when one customer has everything.
    """
    return _gini(_values(values))


def concentration(values: npt.ArrayLike) -> dict[str, float | int]:
    """Customers, the value shares of the top 1, 5, 10 and 20% of them, and the Gini coefficient.

    Returns
    -------
    dict
        ``customers``, ``top1_share``, ``top5_share``, ``top10_share``, ``top20_share``, ``gini``.
    """
    ordered = _values(values)
    return {
        "customers": len(ordered),
        "top1_share": _top_share(ordered, 0.01),
        "top5_share": _top_share(ordered, 0.05),
        "top10_share": _top_share(ordered, 0.10),
        "top20_share": _top_share(ordered, 0.20),
        "gini": _gini(ordered),
    }
