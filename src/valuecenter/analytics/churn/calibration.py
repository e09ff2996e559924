"""Platt scaling: a score (log-odds) → a calibrated probability, P = σ(a·s + b).

Platt (1999), "Probabilistic outputs for support vector machines and comparisons to
regularized likelihood methods": ``a`` and ``b`` maximise the likelihood of the labels on
scores the model did not see in training (here: the out-of-fold predictions of the inner
cross-validation), with the labels smoothed to t₊ = (N₊ + 1)/(N₊ + 2) and t₋ = 1/(N₋ + 2) so
that a perfectly separated set does not drive ``a`` to infinity.

Why Platt and not isotonic regression: Platt is monotonic and strictly increasing for a > 0,
so it keeps the ranking (the AUC) and the sign of every reason code, and its two parameters
are stable on files with a few hundred churners; isotonic regression needs more data and
makes steps (ties) that lower the AUC (Niculescu-Mizil & Caruana 2005, "Predicting good
probabilities with supervised learning", find both correct the S-shaped distortion of boosted
trees, Platt being better below about a thousand calibration rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Platt:
    """The two parameters of Platt scaling; ``apply`` gives P(churn) = σ(a·score + b)."""

    a: float
    b: float

    def apply(self, score: FloatArray) -> FloatArray:
        """Calibrated probabilities of raw scores (log-odds)."""
        z = self.a * np.asarray(score, dtype=np.float64) + self.b
        probability: FloatArray = special.expit(z)
        return probability


def fit_platt(score: FloatArray, y: npt.NDArray[np.integer]) -> Platt:
    """Platt's maximum-likelihood fit of ``a`` and ``b`` on held-out scores and 0/1 labels."""
    s = np.asarray(score, dtype=np.float64)
    labels = np.asarray(y)
    positives = int((labels == 1).sum())
    negatives = len(labels) - positives
    target = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(params: FloatArray) -> tuple[float, FloatArray]:
        z = params[0] * s + params[1]
        fit = target * special.log_expit(z) + (1 - target) * special.log_expit(-z)
        value = -float(np.sum(fit))
        residual = special.expit(z) - target
        return value, np.array([float(residual @ s), float(residual.sum())])

    # The scores are already log-odds: start from "calibrated as they are".
    result = optimize.minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return Platt(a=float(result.x[0]), b=float(result.x[1]))
