"""The lift ledger's estimator: what an action added, per group and in total, against a random
control group, with a 95% interval only where its normal approximation is credible.

The units are customers in a group (an action × a month): ``treated`` ones (the arm that may
be shown the action) and ``control`` ones (held out by the month's draw), each with an
outcome ``y`` (the sales of the action's product in cents, or the number of purchases of it).
For a group with ``n_t`` treated and ``n_c`` control units:

- **incremental** ``= n_t × (ȳ_t − ȳ_c)``: the outcome beyond what the control group's mean
  predicts for as many treated units, an unbiased estimate of the treated units' total effect
  because the draw made the arms exchangeable (Imbens & Rubin 2015, ch. 6);
- its **standard error** is ``n_t`` times Neyman's, ``√(s_t²/n_t + s_c²/n_c)``, and the 95%
  interval uses Welch's t quantile (:func:`valuecenter.analytics.ledger.welch_quantile`), as the
  save-value ledger does;
- the **total** of several groups is the sum of their estimates. A customer may sit in several
  groups (two actions of one month, or two months), so his contributions are correlated: the
  total's variance is the sum over customers of the square of his summed linearised
  contributions (a cluster-robust sandwich, Liang & Zeger 1986), which equals the sum of the
  groups' Neyman variances when no customer is in two groups. Its interval is normal.

**No interval** — ``None`` with the reason, never a made-up one — when an arm has fewer than
``min_arm`` units, when an arm's outcomes have no spread, or when the estimate is too skewed
for the normal approximation. Sales are rare and lumpy (most customers buy nothing of the
product in a month, a few buy a pallet), and a mean of such outcomes is far from normal until
the sample is large: Cochran's rule (Cochran, *Sampling Techniques*, 3rd ed. 1977, §2.15) asks
``n > 25 G₁²`` of a mean, ``G₁`` the outcome's skewness, i.e. the mean's own skewness
``G₁/√n`` at most 0.2. Here the rule is applied to the estimate: the arms' contributions to its
third cumulant, each taken at its absolute value (no credit for the two arms' skews cancelling),
over its standard deviation cubed, at most ``SKEW_LIMIT`` = 0.2. For one arm this is Cochran's
rule exactly.

**The minimum detectable incremental amount** is always given where a standard error exists:
``(z₀.₉₇₅ + z₀.₈₀) × se`` ≈ 2.8 standard errors, the true effect a two-sided 5% test would
find with 80% power (the sample-size formula of :mod:`.design` read backwards). A manager
reads it beside the estimate: an effect smaller than that is one the control group cannot see.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.effect import Z_95
from valuecenter.analytics.ledger import MIN_ARM, Incremental, welch_quantile
from valuecenter.analytics.message import Message
from valuecenter.i18n import N_

SKEW_LIMIT = 0.2  # Cochran's rule: a mean's skewness G₁/√n at most 1/5
POWER = 0.8
Z_POWER = float(stats.norm.ppf(POWER))

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Lift:
    """One group's (or the total's) figures: units per arm, means, the incremental figure
    with its interval (or the reason there is none), the estimate's skewness and the minimum
    detectable incremental amount (``None`` with ``mde_reason`` without a standard error)."""

    treated: int
    control: int
    mean_treated: float | None
    mean_control: float | None
    incremental: Incremental
    skewness: float | None
    mde: float | None
    mde_reason: str | None = None
    left_out: int = 0  # treated units of groups without a usable control arm (totals only)

    def as_json(self, digits: int = 3) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "treated": self.treated,
            "control": self.control,
            "mean_treated": r(self.mean_treated),
            "mean_control": r(self.mean_control),
            "incremental": self.incremental.as_json(digits),
            "skewness": r(self.skewness),
            "min_detectable": r(self.mde),
            "min_detectable_reason": self.mde_reason,
            "left_out": self.left_out,
        }


def _finite(outcome: FloatArray) -> None:
    bad = np.flatnonzero(~np.isfinite(outcome))
    if len(bad):
        raise InputError(
            N_("outcome: row %(bad)s is %(value)s, not a number"),
            bad=int(bad[0]),
            value=f"{float(outcome[bad[0]]):g}",
        )


def _check(outcome: FloatArray, treated: BoolArray, group: IntArray, cluster: IntArray) -> None:
    n = len(outcome)
    for name, array in (("treated", treated), ("group", group), ("cluster", cluster)):
        if array.shape != (n,):
            raise InputError(
                N_("%(name)s: needs one value per unit (%(size)s), got %(size2)s"),
                name=name,
                size=n,
                size2=array.size,
            )
    _finite(outcome)


def _mde(se: float | None, z: float) -> float | None:
    return None if se is None else (z + Z_POWER) * se


def _skewness(third_t: float, third_c: float, variance: float) -> float | None:
    """The estimate's skewness with no credit for the arms' skews cancelling."""
    if variance <= 0.0:
        return None
    return float((abs(third_t) + abs(third_c)) / variance**1.5)


def _few(n_t: int, n_c: int, min_arm: int) -> Message:
    return Message(
        N_(
            "%(treated)s treated and %(control)s control customers: an interval needs at "
            "least %(min_arm)s in each"
        ),
        treated=n_t,
        control=n_c,
        min_arm=min_arm,
    )


def _skewed(skew: float) -> Message:
    return Message(
        N_(
            "the estimate is too skewed for a normal interval (skewness %(skew)s > %(limit)s, "
            "Cochran's rule): too few purchases in the arms"
        ),
        skew=f"{skew:.2f}",
        limit=f"{SKEW_LIMIT:g}",
    )


def _no_spread(arm: str) -> Message:
    return Message(
        N_("every %(arm)s customer has the same outcome: its spread cannot be estimated"),
        arm=arm,
    )


def group_lift(
    treated: npt.ArrayLike,
    control: npt.ArrayLike,
    *,
    min_arm: int = MIN_ARM,
    z: float = Z_95,
) -> Lift:
    """``n_t × (ȳ_t − ȳ_c)`` of one group with its Welch interval, or the reason there is
    none, its skewness and the minimum detectable incremental amount."""
    if min_arm < 2:
        raise InputError(N_("min_arm: needs 2 or more (a variance needs two cases)"))
    yt = np.asarray(treated, dtype=np.float64).ravel()
    yc = np.asarray(control, dtype=np.float64).ravel()
    _finite(yt)
    _finite(yc)
    n_t, n_c = len(yt), len(yc)
    mean_t = float(yt.mean()) if n_t else None
    mean_c = float(yc.mean()) if n_c else None
    if n_t == 0:
        zero = Incremental(0.0, 0.0, 0.0, 0.0)
        return Lift(0, n_c, None, mean_c, zero, None, None, Message(N_("nobody treated")))
    if n_c == 0:
        why = Message(N_("no control customer in the group: nothing to compare with"))
        return Lift(n_t, 0, mean_t, None, Incremental(None, None, None, None, why), None, None, why)
    mean_t, mean_c = float(yt.mean()), float(yc.mean())
    estimate = n_t * (mean_t - mean_c)
    if min(n_t, n_c) < 2:
        why = _few(n_t, n_c, min_arm)
        return Lift(
            n_t, n_c, mean_t, mean_c, Incremental(estimate, None, None, None, why), None, None, why
        )
    var_t, var_c = float(yt.var(ddof=1)), float(yc.var(ddof=1))
    variance = n_t * var_t + n_t * n_t * var_c / n_c  # n_t² × (s_t²/n_t + s_c²/n_c)
    se = math.sqrt(variance)
    # The arms' contributions to the estimate's third cumulant: n_t³ × κ₃(ȳ) = n_t³ m₃ / n².
    third_t = n_t * float(((yt - mean_t) ** 3).mean())
    third_c = n_t**3 * float(((yc - mean_c) ** 3).mean()) / n_c**2
    skew = _skewness(third_t, third_c, variance)
    mde = _mde(se, z) if se > 0 else None
    mde_reason = None if mde is not None else _no_spread(Message(N_("treated")))
    reason: str | None = None
    if min(n_t, n_c) < min_arm:
        reason = _few(n_t, n_c, min_arm)
    elif var_c == 0.0:
        reason = _no_spread(Message(N_("control")))
    elif var_t == 0.0:
        reason = _no_spread(Message(N_("treated")))
    elif skew is not None and skew > SKEW_LIMIT:
        reason = _skewed(skew)
    if reason is not None:
        figure = Incremental(estimate, se, None, None, reason)
    else:
        q = welch_quantile(yt, yc, z)
        figure = Incremental(estimate, se, estimate - q * se, estimate + q * se)
    return Lift(n_t, n_c, mean_t, mean_c, figure, skew, mde, mde_reason)


def lift_table(
    outcome: npt.ArrayLike,
    treated: npt.ArrayLike,
    group: npt.ArrayLike,
    cluster: npt.ArrayLike,
    *,
    min_arm: int = MIN_ARM,
    z: float = Z_95,
) -> tuple[list[Lift], Lift]:
    """Per group (``0 … G−1``, in order) :func:`group_lift`, and the total of the groups with
    its cluster-robust interval. One row per unit: its ``outcome``, whether it was
    ``treated``, its ``group`` and its ``cluster`` (the customer: his units in different
    groups are correlated). Groups without two units in each arm are left out of the total
    (their treated units counted in ``left_out``)."""
    y = np.asarray(outcome, dtype=np.float64).ravel()
    t = np.asarray(treated, dtype=bool).ravel()
    g = np.asarray(group, dtype=np.int64).ravel()
    c = np.asarray(cluster, dtype=np.int64).ravel()
    _check(y, t, g, c)
    if len(g) and g.min() < 0:
        raise InputError(N_("group: numbers start at 0"))
    size = int(g.max()) + 1 if len(g) else 0
    rows = [
        group_lift(y[(g == k) & t], y[(g == k) & ~t], min_arm=min_arm, z=z) for k in range(size)
    ]
    return rows, total_lift(y, t, g, c, rows, min_arm=min_arm, z=z)


def total_lift(
    y: FloatArray,
    t: BoolArray,
    g: IntArray,
    c: IntArray,
    rows: Sequence[Lift],
    *,
    min_arm: int = MIN_ARM,
    z: float = Z_95,
) -> Lift:
    """The sum of the groups' estimates with its cluster-robust standard error (see the
    module docstring); the groups' rows from :func:`group_lift`."""
    usable = np.asarray([r.treated >= 2 and r.control >= 2 for r in rows], dtype=bool)
    left_out = sum(r.treated for r, ok in zip(rows, usable, strict=True) if not ok)
    keep = usable[g] if len(g) else np.zeros(0, bool)
    y, t, g, c = y[keep], t[keep], g[keep], c[keep]
    n_t, n_c = int(t.sum()), int((~t).sum())
    mean_t = float(y[t].mean()) if n_t else None
    mean_c = float(y[~t].mean()) if n_c else None
    if not usable.any():
        why = Message(N_("no group has two or more customers in each arm: nothing to add up"))
        return Lift(
            n_t,
            n_c,
            mean_t,
            mean_c,
            Incremental(None, None, None, None, why),
            None,
            None,
            why,
            left_out,
        )
    size = len(rows)
    nt = np.bincount(g[t], minlength=size).astype(np.float64)
    nc = np.bincount(g[~t], minlength=size).astype(np.float64)
    sum_t = np.bincount(g[t], weights=y[t], minlength=size)
    sum_c = np.bincount(g[~t], weights=y[~t], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mt, mc = sum_t / nt, sum_c / nc
    estimate = float(np.nansum(nt * (mt - mc)))
    # Linearised contributions, scaled by √(n/(n−1)) per arm so that one customer per group
    # gives back each group's Neyman variance exactly.
    psi = np.where(
        t,
        (y - mt[g]) * np.sqrt(nt[g] / (nt[g] - 1)),
        -(nt[g] / nc[g]) * (y - mc[g]) * np.sqrt(nc[g] / (nc[g] - 1)),
    )
    _, which = np.unique(c, return_inverse=True)
    per_customer = np.bincount(which, weights=psi)
    variance = float((per_customer**2).sum())
    se = math.sqrt(variance)
    third_t = float((psi[t] ** 3).sum())
    third_c = float((psi[~t] ** 3).sum())
    skew = _skewness(third_t, third_c, variance)
    mde = _mde(se, z) if se > 0 else None
    mde_reason = None if mde is not None else _no_spread(Message(N_("treated")))
    reason: str | None = None
    if min(n_t, n_c) < min_arm:
        reason = _few(n_t, n_c, min_arm)
    elif se == 0.0:
        reason = _no_spread(Message(N_("treated")))
    elif skew is not None and skew > SKEW_LIMIT:
        reason = _skewed(skew)
    if reason is not None:
        figure = Incremental(estimate, se, None, None, reason)
    else:
        figure = Incremental(estimate, se, estimate - z * se, estimate + z * se)
    return Lift(n_t, n_c, mean_t, mean_c, figure, skew, mde, mde_reason, left_out)
