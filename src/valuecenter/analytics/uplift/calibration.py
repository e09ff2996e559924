"""Is the model's uplift ranking real? The best linear predictor (BLP) test, and calibrated
uplift that falls back to the measured average effect when the ranking is noise.

Chernozhukov, Demirer, Duflo & Fernández-Val, "Generic Machine Learning Inference on
Heterogeneous Treatment Effects in Randomized Experiments" (NBER WP 24678, 2018; 2023
revision), sec. 3.1: on data the model has not seen, the weighted least squares

    Y = α₀ + α₁·B + β₁·(T − p) + β₂·(T − p)·(S − S̄) + ε,   weights 1 / (p(1 − p))

(B: the model's outcome without treatment, S: its predicted uplift, p: the chance of
treatment) gives β₁ = the average treatment effect and β₂ = how much of the model's spread
of S is real: β₂ = 1 for a perfectly calibrated ranking, β₂ = 0 when S carries no
information about who responds. "Heterogeneity is detected" when β₂ is significantly
positive; the standard errors are White's heteroskedasticity-robust ones (HC1).

:func:`calibrated` then uses β₁ + β₂·(S − S̄) when heterogeneity is detected, and β₁ for
everyone when it is not — so a list never acts on differences the data cannot confirm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
ONE_SIDED_95 = 1.6448536269514722
MIN_ROWS = 40


@dataclass(frozen=True)
class Blp:
    """The BLP of the true uplift given the model's predicted uplift."""

    ate: float  # β₁
    ate_se: float
    loading: float  # β₂
    loading_se: float
    mean_score: float  # S̄ on the test rows
    rows: int

    @property
    def t(self) -> float:
        return self.loading / self.loading_se if self.loading_se > 0 else 0.0

    @property
    def p_value(self) -> float:
        """One-sided: the chance of a loading this large if the ranking were noise."""
        return float(stats.norm.sf(self.t))

    @property
    def heterogeneity(self) -> bool:
        """β₂ > 0 at the one-sided 5% level."""
        return self.t >= ONE_SIDED_95

    def as_json(self) -> dict[str, float | int | bool]:
        return {
            "ate": round(self.ate, 5),
            "ate_se": round(self.ate_se, 5),
            "loading": round(self.loading, 4),
            "loading_se": round(self.loading_se, 4),
            "t": round(self.t, 3),
            "p_value": round(self.p_value, 4),
            "heterogeneity": self.heterogeneity,
            "rows": self.rows,
        }


def best_linear_predictor(
    score: npt.ArrayLike,
    treated: npt.ArrayLike,
    y: npt.ArrayLike,
    propensity: float | npt.ArrayLike | None = None,
    baseline: npt.ArrayLike | None = None,
) -> Blp:
    """The BLP regression on held-out rows: ``score`` the predicted uplift, ``treated`` 0/1,
    ``y`` the outcome, ``propensity`` P(treated) (default: the treated share — a randomised
    experiment), ``baseline`` the predicted outcome without treatment (optional; it only
    reduces the variance)."""
    s = np.asarray(score, dtype=np.float64)
    t = np.asarray(treated, dtype=np.float64)
    out = np.asarray(y, dtype=np.float64)
    if not (s.shape == t.shape == out.shape) or s.ndim != 1:
        raise InputError(N_("score: needs one value per row of treated and y"))
    if len(s) < MIN_ROWS:
        raise InputError(
            N_("score: %(n_s)s rows; the BLP test needs at least %(min_rows)s"),
            n_s=len(s),
            min_rows=MIN_ROWS,
        )
    if t.min() == t.max():
        raise InputError(N_("treated: both arms are needed on the test rows"))
    p = (
        np.full(len(s), t.mean())
        if propensity is None
        else np.broadcast_to(np.asarray(propensity, dtype=np.float64), s.shape)
    )
    if np.any((p <= 0) | (p >= 1)):
        raise InputError(N_("propensity: must lie strictly between 0 and 1"))
    centred = s - s.mean()
    columns = [np.ones(len(s))]
    if baseline is not None:
        columns.append(np.asarray(baseline, dtype=np.float64))
    columns += [t - p, (t - p) * centred]
    x = np.column_stack(columns)
    w = 1.0 / (p * (1.0 - p))
    xw = x * w[:, None]
    bread = np.linalg.pinv(x.T @ xw)
    beta = bread @ (xw.T @ out)
    resid = out - x @ beta
    meat = (xw * resid[:, None]).T @ (xw * resid[:, None])
    n, k = x.shape
    cov = bread @ meat @ bread * n / max(n - k, 1)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return Blp(
        ate=float(beta[-2]),
        ate_se=float(se[-2]),
        loading=float(beta[-1]),
        loading_se=float(se[-1]) if math.isfinite(float(se[-1])) else 0.0,
        mean_score=float(s.mean()),
        rows=n,
    )


def calibrated(score: npt.ArrayLike, blp: Blp, ate: float | None = None) -> FloatArray:
    """The uplift to act on: ``ate + β₂·(score − S̄)`` when the BLP test detected real
    heterogeneity, else ``ate`` for every row (``ate`` defaults to the BLP's β₁)."""
    s = np.asarray(score, dtype=np.float64)
    base = blp.ate if ate is None else ate
    if not blp.heterogeneity:
        return np.full(len(s), base)
    return np.asarray(base + max(blp.loading, 0.0) * (s - blp.mean_score), dtype=np.float64)
