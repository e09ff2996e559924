"""The T-learner ("two models"): one outcome model per arm, uplift = their difference.

μₐ(x) = P(y = 1 | x, arm a) is fitted on the rows of arm ``a`` alone, and the uplift of
treatment t is μ_t(x) − μ₀(x) (Künzel, Sekhon, Bickel & Yu 2019, "Metalearners for estimating
heterogeneous treatment effects using machine learning", PNAS 116(10), sec. "T-learner"; the
"two-model approach" of Radcliffe 2007). Simple and a strong baseline when every arm is large;
its weakness is that each model's errors add up in the difference and nothing pushes the two
models to share what does not differ between the arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from valuecenter.analytics.uplift.base import BaseModel, FloatArray, FloatMatrix, fit_classifier
from valuecenter.analytics.uplift.data import Experiment


@dataclass(frozen=True)
class TLearner:
    """Outcome models of arms 0 … K, each fitted on its own arm's rows."""

    outcomes: tuple[BaseModel, ...]

    def control(self, x: FloatMatrix) -> FloatArray:
        """P(y = 1 | x, control)."""
        return self.outcomes[0].predict(x)

    def uplift(self, x: FloatMatrix) -> FloatMatrix:
        """μ_t(x) − μ₀(x) for t = 1 … K (rows × K)."""
        base = self.control(x)
        return np.column_stack([model.predict(x) - base for model in self.outcomes[1:]])

    def describe(self) -> dict[str, Any]:
        """The trees of each arm's outcome model."""
        return {"outcome_trees": [model.trees for model in self.outcomes]}


def fit_t(data: Experiment, seed: int) -> TLearner:
    """One LightGBM classifier per arm on that arm's rows."""
    models = tuple(
        fit_classifier(data.x[data.arm == arm], data.y[data.arm == arm], seed + arm)
        for arm in range(data.treatments + 1)
    )
    return TLearner(outcomes=models)
