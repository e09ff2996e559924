"""Class transformation (Jaskowski & Jaroszewicz 2012, "Uplift modeling for clinical trial
data", ICML workshop on clinical data analysis), weighted so that any arm shares work.

Per treatment t, on the rows of the control and of arm t, the new label is

    z = 1 when (arm = t and y = 1) or (arm = 0 and y = 0), else 0,

and one classifier learns P(z = 1 | x). When both arms are equally likely at every x,
P(z = 1 | x) = ½·p_t(x) + ½·(1 − p₀(x)), so the uplift is ``2·P(z = 1 | x) − 1``. Jaskowski &
Jaroszewicz need that balance; here every row is weighted by 1 / (its own arm's propensity)
(normalised to mean 1), which makes the weighted arms equally likely at every x, so the
identity holds for unequal shares and for given propensities too. It is the classification form
of Athey & Imbens' transformed outcome (2015, "Machine learning methods for estimating
heterogeneous causal effects": E[y·(1[t]/e_t − 1[0]/e₀) | x] = τ(x)), with a bounded label
instead of a regression target of size up to 1/e — less noisy for a binary outcome.

The model has no outcome model of its own, so a control outcome model (fitted on the control
rows) is kept as well: ``predict_outcome`` needs P(y = 1 | x, control).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from valuecenter.analytics.uplift.base import BaseModel, FloatArray, FloatMatrix, fit_classifier
from valuecenter.analytics.uplift.data import Experiment


@dataclass(frozen=True)
class CtLearner:
    """Per treatment the classifier of the transformed label; the control outcome model."""

    transformed: tuple[BaseModel, ...]
    control_model: BaseModel

    def control(self, x: FloatMatrix) -> FloatArray:
        """P(y = 1 | x, control)."""
        return self.control_model.predict(x)

    def uplift(self, x: FloatMatrix) -> FloatMatrix:
        """2·P(z = 1 | x) − 1 per treatment (rows × K)."""
        return np.column_stack([2.0 * m.predict(x) - 1.0 for m in self.transformed])

    def describe(self) -> dict[str, Any]:
        """The trees of each transformed-label classifier and of the control model."""
        return {
            "transformed_trees": [m.trees for m in self.transformed],
            "control_trees": self.control_model.trees,
            "weights": "1 / propensity of the row's own arm, mean 1",
        }


def transformed_label(data: Experiment, treatment: int) -> tuple[np.ndarray, FloatArray]:
    """The rows of the control and of ``treatment``: their label z and their weights."""
    rows = data.pair(treatment)
    arm, y = data.arm[rows], data.y[rows]
    z = np.where(arm == treatment, y, 1 - y).astype(np.int64)
    weight = 1.0 / data.propensity[rows]
    normalised: FloatArray = weight / weight.mean()
    return z, normalised


def fit_ct(data: Experiment, seed: int) -> CtLearner:
    """One weighted classifier of z per treatment, and the control outcome model."""
    models = []
    for t in range(1, data.treatments + 1):
        z, weight = transformed_label(data, t)
        models.append(fit_classifier(data.x[data.pair(t)], z, seed + t, weight))
    control = data.arm == 0
    return CtLearner(
        transformed=tuple(models),
        control_model=fit_classifier(data.x[control], data.y[control], seed),
    )
