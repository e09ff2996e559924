"""The DR-learner (Kennedy 2023, "Towards optimal doubly robust estimation of heterogeneous
causal effects", Electronic Journal of Statistics 17(2)): regress a doubly robust pseudo-outcome
on x. For treatment t against the control, with cross-fitted outcome models μₐ (:mod:`.crossfit`;
Chernozhukov et al. 2018) and each row's propensity e of its own arm:

    ψ_t = μ_t(x) − μ₀(x) + 1[arm = t]·(y − μ_t(x)) / e − 1[arm = 0]·(y − μ₀(x)) / e

(the augmented inverse-propensity-weighted score of Robins, Rotnitzky & Zhao 1994), so that
E[ψ_t | x] = τ_t(x) when either the outcome models or the propensities are right. τ_t is a
LightGBM regression of ψ_t on x over all training rows — rows of a third arm carry only
μ_t − μ₀, as in EconML's multi-treatment ``DRLearner`` — and predictions are clipped to [−1, 1].
The propensity is the arm's share (randomised) unless the caller gives one per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from valuecenter.analytics.uplift.base import BaseModel, FloatArray, FloatMatrix, fit_regressor
from valuecenter.analytics.uplift.crossfit import Nuisance
from valuecenter.analytics.uplift.data import Experiment


@dataclass(frozen=True)
class DrLearner:
    """One regression of the pseudo-outcome ψ_t on x per treatment."""

    nuisance: Nuisance
    tau: tuple[BaseModel, ...]

    def control(self, x: FloatMatrix) -> FloatArray:
        """P(y = 1 | x, control): the mean of the cross-fitted control models."""
        return self.nuisance.predict(x, 0)

    def uplift(self, x: FloatMatrix) -> FloatMatrix:
        """τ_t(x) per treatment (rows × K), within [−1, 1]."""
        return np.clip(np.column_stack([m.predict(x) for m in self.tau]), -1.0, 1.0)

    def describe(self) -> dict[str, Any]:
        """The trees of each pseudo-outcome regression."""
        return {"tau_trees": [m.trees for m in self.tau], "crossfit_folds": self.nuisance.folds}


def pseudo_outcome(data: Experiment, nuisance: Nuisance, treatment: int) -> FloatArray:
    """ψ_t of every training row (module text)."""
    mu0 = nuisance.oof[:, 0]
    mut = nuisance.oof[:, treatment]
    treated = (data.arm == treatment).astype(np.float64)
    control = (data.arm == 0).astype(np.float64)
    psi: FloatArray = (
        mut
        - mu0
        + treated * (data.y - mut) / data.propensity
        - control * (data.y - mu0) / data.propensity
    )
    return psi


def fit_dr(data: Experiment, nuisance: Nuisance, seed: int) -> DrLearner:
    """The pseudo-outcome regressions on the cross-fitted outcome models ``nuisance``."""
    tau = tuple(
        fit_regressor(data.x, pseudo_outcome(data, nuisance, t), seed + t)
        for t in range(1, data.treatments + 1)
    )
    return DrLearner(nuisance=nuisance, tau=tau)
