"""The save-value ledger: what a group of save-desk cases kept, gross and incremental.

A cancel caller is assigned at random to the desk (the retention team, with an offer) or to
the control group (standard handling). For the ``n_d`` desk cases of a group (a month, an
agent, an offer) and the ``n_c`` control cases of the same period, with ``kept`` 0/1 and the
value ``V`` of each case (his CLV at opening):

- **gross saves** ``= Σ kept`` over the desk cases, **gross value** ``= Σ V·kept``: what a
  manager sees first ("1,250 customers kept, €10.7M"), and what the desk did *not* cause
  alone — most of them would have stayed anyway;
- **incremental saves** ``= n_d × (k̄_d − k̄_c)`` with ``k̄`` the keep rate of an arm: the
  saves beyond what the control group's keep rate predicts for as many callers;
- **incremental value** ``= n_d × (mean(V·kept | desk) − mean(V·kept | control))``.

Both are ``n_d`` times a difference in means of a randomised experiment, so their standard
error is ``n_d`` times Neyman's, ``sqrt(s_d²/n_d + s_c²/n_c)`` (Imbens & Rubin 2015, ch. 6;
:func:`valuecenter.analytics.experiments.average_effect`). The 95% intervals are made for the
small control groups a desk keeps (a tenth of a month's callers is a few dozen cases):

- **saves** (a difference of two proportions): Newcombe's hybrid score interval (Newcombe,
  "Interval estimation for the difference between independent proportions", *Statistics in
  Medicine* 17, 1998, method 10), built from the two arms' Wilson intervals, × ``n_d``. The
  normal (Wald) interval runs short with a few dozen control cases: on the demo world with
  the default tenth in control it covered the truth in 86 of 100 months, Newcombe's in 94;
- **value** (a difference of two means of skewed amounts): the Neyman standard error with
  Welch's t quantile (Welch–Satterthwaite degrees of freedom) instead of the normal one.
The estimand is the desk cases' own effect, ``Σ_desk (p_desk − p_control)``. For it,
Neyman's variance misses a small term, ``(S²_p0 − S²_p1)/n_d`` (the spread of the callers'
keep rates without and with the desk), so when the desk narrows that spread the interval is a
little short: it covered the truth in 92.8% (saves) and 95.0% (value) of 1,000 simulated
months with half the cases in control (``tests/test_analytics_ledger.py``), and in 97 and 92
of 100 months of the demo world (``tests/test_demo_savedesk.py``, docs/retention.md).

No interval is given — ``None`` with the reason, never a made-up one — when an arm has fewer
than ``min_arm`` cases (the normal approximation of a mean of a few 0/1 outcomes is poor;
10 per arm is the floor the simulation in the tests supports) or when an arm's outcomes have
no spread at all (every control case kept: its variance estimate is 0 and the interval would
pretend the control group's keep rate is known exactly). Without any control case there is
no incremental estimate at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments import Z_95, average_effect
from valuecenter.analytics.message import Message
from valuecenter.i18n import N_

MIN_ARM = 10

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Incremental:
    """An incremental figure: the estimate (``None`` without control cases), its standard
    error and 95% interval (``None`` with ``reason`` when they cannot honestly be given)."""

    estimate: float | None
    std_error: float | None
    low: float | None
    high: float | None
    reason: str | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    def covers(self, value: float) -> bool:
        """Whether the interval contains ``value`` (False without an interval)."""
        if self.low is None or self.high is None:
            return False
        return self.low <= value <= self.high

    def minus(self, amount: float) -> Incremental:
        """This figure less a known amount (the offer cost: net = incremental value − cost)."""
        return Incremental(
            estimate=None if self.estimate is None else self.estimate - amount,
            std_error=self.std_error,
            low=None if self.low is None else self.low - amount,
            high=None if self.high is None else self.high - amount,
            reason=self.reason,
        )

    def as_json(self, digits: int = 3) -> dict[str, float | str | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "estimate": r(self.estimate),
            "std_error": r(self.std_error),
            "ci95_low": r(self.low),
            "ci95_high": r(self.high),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LedgerFigures:
    """The figures of one group of desk cases against the control cases of its period."""

    desk: int
    control: int
    kept_desk: int
    kept_control: int
    keep_rate_desk: float | None
    keep_rate_control: float | None
    gross_saves: int
    gross_value: float
    incremental_saves: Incremental
    incremental_value: Incremental


def _kept(name: str, values: npt.ArrayLike) -> FloatArray:
    kept = np.asarray(values, dtype=np.float64)
    if kept.ndim != 1:
        raise InputError(N_("%(name)s: needs one value per case"), name=name)
    bad = np.flatnonzero(~np.isin(kept, (0.0, 1.0)))
    if len(bad):
        raise InputError(
            N_("%(name)s: row %(bad)s is %(kept)s, not 0 or 1"),
            name=name,
            bad=int(bad[0]),
            kept=f"{float(kept[bad[0]]):g}",
        )
    return kept


def _values(name: str, values: npt.ArrayLike, size: int) -> FloatArray:
    value = np.asarray(values, dtype=np.float64)
    if value.shape != (size,):
        raise InputError(
            N_("%(name)s: needs one value per case (%(size)s), got %(size2)s"),
            name=name,
            size=size,
            size2=value.size,
        )
    bad = np.flatnonzero(~np.isfinite(value) | (value < 0))
    if len(bad):
        raise InputError(
            N_("%(name)s: row %(bad)s is %(value)s, not a value ≥ 0"),
            name=name,
            bad=int(bad[0]),
            value=f"{float(value[bad[0]]):g}",
        )
    return value


def _no_spread(outcome: FloatArray, arm: str, what: str) -> str | None:
    if len(outcome) and float(np.ptp(outcome)) == 0.0:
        return Message(
            N_(
                "every %(arm)s case has the same %(what)s (%(value)s): its spread cannot be "
                "estimated"
            ),
            arm=arm,
            what=what,
            value=f"{outcome[0]:g}",
        )
    return None


def wilson(kept: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval of a proportion ``kept / n`` (Wilson 1927)."""
    p = kept / n
    scale = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / scale
    return centre - half, centre + half


def newcombe(
    kept_d: float, n_d: int, kept_c: float, n_c: int, z: float = Z_95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``kept_d/n_d − kept_c/n_c`` (1998, method 10)."""
    p_d, p_c = kept_d / n_d, kept_c / n_c
    low_d, high_d = wilson(kept_d, n_d, z)
    low_c, high_c = wilson(kept_c, n_c, z)
    diff = p_d - p_c
    return (
        diff - math.sqrt((p_d - low_d) ** 2 + (high_c - p_c) ** 2),
        diff + math.sqrt((high_d - p_d) ** 2 + (p_c - low_c) ** 2),
    )


def welch_quantile(desk: FloatArray, control: FloatArray, z: float = Z_95) -> float:
    """The t quantile with Welch–Satterthwaite degrees of freedom at the level of ``z``."""
    a, b = desk.var(ddof=1) / len(desk), control.var(ddof=1) / len(control)
    df = (a + b) ** 2 / (a * a / (len(desk) - 1) + b * b / (len(control) - 1))
    return float(stats.t.ppf(stats.norm.cdf(z), df))


def incremental(
    desk: FloatArray,
    control: FloatArray,
    what: str,
    min_arm: int = MIN_ARM,
    z: float = Z_95,
    binary: bool = False,
) -> Incremental:
    """``n_desk × (mean(desk) − mean(control))`` with its 95% interval: Newcombe's for 0/1
    outcomes (``binary``), Neyman's standard error with Welch's t quantile otherwise."""
    n_d, n_c = len(desk), len(control)
    if n_d == 0:
        return Incremental(0.0, 0.0, 0.0, 0.0)
    if n_c == 0:
        return Incremental(
            None,
            None,
            None,
            None,
            Message(N_("no control case in the period: nothing to compare with")),
        )
    estimate = n_d * (float(desk.mean()) - float(control.mean()))
    reason: str | None = None
    if min(n_d, n_c) < min_arm:
        reason = Message(
            N_(
                "%(desk)s desk and %(control)s control cases: an interval needs at least "
                "%(min_arm)s in each"
            ),
            desk=n_d,
            control=n_c,
            min_arm=min_arm,
        )
    else:
        reason = _no_spread(control, Message(N_("control")), what) or _no_spread(
            desk, Message(N_("desk")), what
        )
    if reason is not None:
        return Incremental(estimate, None, None, None, reason)
    effect = average_effect(np.concatenate([desk, control]), np.arange(n_d + n_c) < n_d, z)
    se = n_d * effect.std_error
    if binary:
        low, high = newcombe(float(desk.sum()), n_d, float(control.sum()), n_c, z)
        return Incremental(estimate, se, n_d * low, n_d * high)
    q = welch_quantile(desk, control, z)
    return Incremental(estimate, se, estimate - q * se, estimate + q * se)


def save_ledger(
    desk_kept: npt.ArrayLike,
    desk_value: npt.ArrayLike,
    control_kept: npt.ArrayLike,
    control_value: npt.ArrayLike,
    *,
    min_arm: int = MIN_ARM,
    z: float = Z_95,
) -> LedgerFigures:
    """Gross and incremental saves and save value of desk cases against control cases.

    ``*_kept``: 1 when the customer stayed, 0 when he cancelled; ``*_value``: each case's
    value (≥ 0, any unit: the product passes cents). A bad value names its array and row.
    """
    if min_arm < 2:
        raise InputError(N_("min_arm: needs 2 or more (a variance needs two cases)"))
    kd, kc = _kept("desk_kept", desk_kept), _kept("control_kept", control_kept)
    vd = _values("desk_value", desk_value, len(kd))
    vc = _values("control_value", control_value, len(kc))
    n_d, n_c = len(kd), len(kc)
    return LedgerFigures(
        desk=n_d,
        control=n_c,
        kept_desk=int(kd.sum()),
        kept_control=int(kc.sum()),
        keep_rate_desk=float(kd.mean()) if n_d else None,
        keep_rate_control=float(kc.mean()) if n_c else None,
        gross_saves=int(kd.sum()),
        gross_value=float((vd * kd).sum()),
        incremental_saves=incremental(kd, kc, Message(N_("outcome")), min_arm, z, binary=True),
        incremental_value=incremental(vd * kd, vc * kc, Message(N_("value kept")), min_arm, z),
    )
