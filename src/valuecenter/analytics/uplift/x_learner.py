"""The X-learner (Künzel, Sekhon, Bickel & Yu 2019, "Metalearners for estimating heterogeneous
treatment effects using machine learning", PNAS 116(10)), per treatment t against the control:

1. outcome models μ₀ and μ_t, cross-fitted (:mod:`.crossfit`), so each row's imputed effect
   below uses models that never saw the row;
2. imputed individual effects: ``D¹ = y − μ₀(x)`` on the rows of arm t, ``D⁰ = μ_t(x) − y`` on
   the control rows; a regression τ₁ of D¹ on x (arm-t rows) and τ₀ of D⁰ on x (control rows);
3. ``τ(x) = g·τ₀(x) + (1 − g)·τ₁(x)``, clipped to [−1, 1].

The weight ``g`` is the share of arm t among the rows of the two arms — the propensity of a
randomised experiment, Künzel et al.'s suggested choice; any g in [0, 1] keeps the estimate
consistent (their sec. "X-learner"), so given per-row propensities (used by the DR-learner and
class transformation) do not change it. The X-learner gains most when one arm is much larger
than the other: the small arm's effects are imputed with the large arm's model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from valuecenter.analytics.uplift.base import BaseModel, FloatArray, FloatMatrix, fit_regressor
from valuecenter.analytics.uplift.crossfit import Nuisance
from valuecenter.analytics.uplift.data import Experiment


@dataclass(frozen=True)
class XLearner:
    """Per treatment: τ₀ (fitted on control rows), τ₁ (on the treatment's rows) and g."""

    nuisance: Nuisance
    tau_control: tuple[BaseModel, ...]
    tau_treated: tuple[BaseModel, ...]
    weight: tuple[float, ...]

    def control(self, x: FloatMatrix) -> FloatArray:
        """P(y = 1 | x, control): the mean of the cross-fitted control models."""
        return self.nuisance.predict(x, 0)

    def uplift(self, x: FloatMatrix) -> FloatMatrix:
        """g·τ₀(x) + (1 − g)·τ₁(x) per treatment (rows × K), within [−1, 1]."""
        columns = [
            g * tau0.predict(x) + (1 - g) * tau1.predict(x)
            for g, tau0, tau1 in zip(self.weight, self.tau_control, self.tau_treated, strict=True)
        ]
        return np.clip(np.column_stack(columns), -1.0, 1.0)

    def describe(self) -> dict[str, Any]:
        """The weights g and the trees of each stage-2 regression."""
        return {
            "g": [round(g, 6) for g in self.weight],
            "tau_control_trees": [m.trees for m in self.tau_control],
            "tau_treated_trees": [m.trees for m in self.tau_treated],
            "crossfit_folds": self.nuisance.folds,
        }


def fit_x(data: Experiment, nuisance: Nuisance, seed: int) -> XLearner:
    """Stage 2 and 3 of the X-learner on the cross-fitted outcome models ``nuisance``."""
    control = data.arm == 0
    tau_control: list[BaseModel] = []
    tau_treated: list[BaseModel] = []
    weight: list[float] = []
    for t in range(1, data.treatments + 1):
        treated = data.arm == t
        imputed_treated = data.y[treated] - nuisance.oof[treated, 0]
        imputed_control = nuisance.oof[control, t] - data.y[control]
        tau_treated.append(fit_regressor(data.x[treated], imputed_treated, seed + 2 * t))
        tau_control.append(fit_regressor(data.x[control], imputed_control, seed + 2 * t + 1))
        weight.append(float(treated.sum() / (treated.sum() + control.sum())))
    return XLearner(
        nuisance=nuisance,
        tau_control=tuple(tau_control),
        tau_treated=tuple(tau_treated),
        weight=tuple(weight),
    )
