"""Randomised experiments: the average treatment effect of a treatment against a control group.

The estimate is the difference of the two arms' mean outcomes; its standard error is Neyman's
conservative one, ``sqrt(s_t² / n_t + s_c² / n_c)`` (Imbens & Rubin, *Causal Inference for
Statistics, Social, and Biomedical Sciences*, 2015, ch. 6), and the interval is the normal one
(z = 1.959964 for 95%). For binary outcomes this is the classic two-proportion interval with
unpooled variances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Effect:
    """An estimated average treatment effect with its standard error and 95% interval."""

    estimate: float
    std_error: float
    low: float
    high: float
    treated_mean: float
    control_mean: float
    treated_n: int
    control_n: int

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_json(self) -> dict[str, float | int]:
        return {
            "estimate": round(self.estimate, 6),
            "std_error": round(self.std_error, 6),
            "ci95_low": round(self.low, 6),
            "ci95_high": round(self.high, 6),
            "treated_mean": round(self.treated_mean, 6),
            "control_mean": round(self.control_mean, 6),
            "treated_n": self.treated_n,
            "control_n": self.control_n,
        }


def average_effect(outcome: npt.ArrayLike, treated: npt.ArrayLike, z: float = Z_95) -> Effect:
    """The difference in mean ``outcome`` between treated and control units."""
    y = np.asarray(outcome, dtype=np.float64)
    t = np.asarray(treated, dtype=bool)
    if y.shape != t.shape or y.ndim != 1:
        raise InputError(N_("treated: needs one value per outcome"))
    if np.isnan(y).any():
        raise InputError(N_("outcome: has missing values"))
    yt, yc = y[t], y[~t]
    if len(yt) < 2 or len(yc) < 2:
        raise InputError(N_("treated: each arm needs at least two units"))
    se = math.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc))
    estimate = float(yt.mean() - yc.mean())
    return Effect(
        estimate=estimate,
        std_error=se,
        low=estimate - z * se,
        high=estimate + z * se,
        treated_mean=float(yt.mean()),
        control_mean=float(yc.mean()),
        treated_n=len(yt),
        control_n=len(yc),
    )
