"""The pre-registered design of an experiment: how many units each arm needs.

For a two-sided test of two proportions — control rate ``p₀``, treated rate ``p₁ = p₀ + δ``,
``δ`` the minimum detectable effect — at level ``α`` with power ``1 − β``, and ``k`` control
units per treated unit, the treated arm needs (Fleiss, Levin & Paik, *Statistical Methods for
Rates and Proportions*, 3rd ed. 2003, eq. 4.19, without the continuity correction)::

    n₁ = ( z₁₋α/₂ · √((1 + 1/k) · p̄ q̄) + z₁₋β · √(p₁ q₁ + p₀ q₀ / k) )² / δ²,
    p̄ = (p₁ + k p₀) / (1 + k),  q = 1 − p,

and the control arm ``k · n₁`` (both rounded up). With ``k = 1`` this is the textbook
``(z₁₋α/₂ √(2 p̄ q̄) + z₁₋β √(p₀ q₀ + p₁ q₁))² / δ²``: for 5% → 6%, α = 0.05 and 80% power,
8,158 per arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

MAX_UNITS = 10**9  # a design asking for more units than this is not a design


@dataclass(frozen=True)
class SampleSize:
    """Units per arm of a two-proportion test."""

    treated: int
    control: int

    @property
    def total(self) -> int:
        return self.treated + self.control


def two_proportion_sample_size(
    baseline: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    control_per_treated: float = 1.0,
) -> SampleSize:
    """Units per arm to detect ``baseline`` → ``baseline + mde`` (two-sided, level ``alpha``,
    power ``power``), with ``control_per_treated`` control units per treated unit."""
    if not 0.0 < baseline < 1.0:
        raise InputError(N_("baseline: must be a rate between 0 and 1 (exclusive)"))
    if mde == 0.0 or not 0.0 < baseline + mde < 1.0:
        raise InputError(
            N_("mde: must be non-zero and keep baseline + mde between 0 and 1 (exclusive)")
        )
    if not 0.0 < alpha < 1.0:
        raise InputError(N_("alpha: must be between 0 and 1 (exclusive)"))
    if not 0.0 < power < 1.0:
        raise InputError(N_("power: must be between 0 and 1 (exclusive)"))
    k = control_per_treated
    if not 0.01 <= k <= 100.0:
        raise InputError(N_("allocation: control units per treated unit must be 0.01–100"))
    p0, p1 = baseline, baseline + mde
    pooled = (p1 + k * p0) / (1.0 + k)
    z_alpha = float(norm.ppf(1.0 - alpha / 2.0))
    z_beta = float(norm.ppf(power))
    root = z_alpha * math.sqrt((1.0 + 1.0 / k) * pooled * (1.0 - pooled)) + z_beta * math.sqrt(
        p1 * (1.0 - p1) + p0 * (1.0 - p0) / k
    )
    treated = root**2 / mde**2
    if treated * (1.0 + k) > MAX_UNITS:
        raise InputError(N_("mde: too small to detect with fewer than a billion units"))
    n1 = math.ceil(treated - 1e-9)
    return SampleSize(treated=n1, control=math.ceil(k * n1 - 1e-9))


def two_mean_sample_size(
    sd: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    control_per_treated: float = 1.0,
) -> SampleSize:
    """Units per arm to detect a difference ``mde`` in a mean whose per-unit standard
    deviation is ``sd`` in both arms (two-sided z-test; e.g. Chow, Shao & Wang, *Sample Size
    Calculations in Clinical Research*, 2nd ed., §3.2.1): ``n₁ = (z₁₋α/₂ + z₁₋β)² σ² (1 + 1/k)
    / δ²``, ``n₀ = k n₁``."""
    if not (math.isfinite(sd) and sd > 0.0):
        raise InputError(N_("sd: must be a positive number"))
    if not (math.isfinite(mde) and mde != 0.0):
        raise InputError(N_("mde: must be non-zero"))
    if not 0.0 < alpha < 1.0:
        raise InputError(N_("alpha: must be between 0 and 1 (exclusive)"))
    if not 0.0 < power < 1.0:
        raise InputError(N_("power: must be between 0 and 1 (exclusive)"))
    k = control_per_treated
    if not 0.01 <= k <= 100.0:
        raise InputError(N_("allocation: control units per treated unit must be 0.01–100"))
    z = float(norm.ppf(1.0 - alpha / 2.0)) + float(norm.ppf(power))
    treated = z * z * sd * sd * (1.0 + 1.0 / k) / (mde * mde)
    if treated * (1.0 + k) > MAX_UNITS:
        raise InputError(N_("mde: too small to detect with fewer than a billion units"))
    n1 = math.ceil(treated - 1e-9)
    return SampleSize(treated=n1, control=math.ceil(k * n1 - 1e-9))
