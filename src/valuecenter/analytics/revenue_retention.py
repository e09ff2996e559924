"""The difference in revenue retention between a group and a comparison group, as revenue.

Revenue retention of a group is a ratio of sums, R = Σ revenue now ÷ Σ revenue then, over the
customers who bought then. The figure of a group A against a comparison group B is what A
would have lost at B's rate: (R_A − R_B) × Σ revenue then of A. Its standard error comes
from the delta method for a ratio estimator (Cochran 1977, *Sampling Techniques*, §6.3):
var(R) ≈ Σ (y − R·x)² ÷ (n (n − 1) x̄²) per group, the groups independent, and the
interval is normal.

This is a *comparison*, not an experiment: unless the groups were drawn at random, the
difference holds whatever else sets them apart, and the caller must say so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from valuecenter.analytics.experiments import Z_95
from valuecenter.analytics.ledger import Incremental
from valuecenter.analytics.message import Message
from valuecenter.i18n import N_


def _ratio(then: np.ndarray, now: np.ndarray) -> tuple[float, float]:
    """R and var(R) (module docstring); needs two customers and revenue then."""
    n = len(then)
    ratio = float(now.sum() / then.sum())
    residual = now - ratio * then
    variance = float((residual**2).sum() / (n * (n - 1) * then.mean() ** 2))
    return ratio, variance


def retention_difference(
    then_a: ArrayLike, now_a: ArrayLike, then_b: ArrayLike, now_b: ArrayLike, z: float = Z_95
) -> Incremental:
    """(R_A − R_B) × Σ then_a with its delta-method interval (module docstring). Customers
    with no revenue then are left out; fewer than two buyers in a group: no figure."""
    groups = []
    for then, now in ((then_a, now_a), (then_b, now_b)):
        x = np.asarray(then, dtype=np.float64)
        y = np.asarray(now, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError("then and now differ in length")
        bought = x > 0
        groups.append((x[bought], y[bought]))
    (xa, ya), (xb, yb) = groups
    if len(xb) < 2:
        return Incremental(None, None, None, None, Message(N_("no comparison group")))
    if len(xa) < 2:
        return Incremental(None, None, None, None, Message(N_("too few customers to compare")))
    ra, va = _ratio(xa, ya)
    rb, vb = _ratio(xb, yb)
    base = float(xa.sum())
    estimate = (ra - rb) * base
    se = float(np.sqrt(va + vb)) * base
    return Incremental(estimate, se, estimate - z * se, estimate + z * se)
