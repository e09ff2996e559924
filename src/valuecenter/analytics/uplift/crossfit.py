"""Fold assignment, the train/test split, and the cross-fitted outcome models.

Folds and the split are stratified on arm × outcome: within each of the 2·(K+1) strata the rows
are shuffled with the seed and dealt round-robin to the folds (as scikit-learn's
``StratifiedKFold``), so every fold holds each arm with its response rate. A stratum smaller than
the number of folds simply leaves some folds without it (no error: the arm checks come first).

Cross-fitting (Chernozhukov et al. 2018, "Double/debiased machine learning for treatment and
structural parameters", sec. 3): the outcome model of arm ``a``, μₐ(x) = P(y = 1 | x, arm a), is
fitted ``folds`` times, each time on the arm's rows outside one fold, and predicts the rows of
that fold. Every row so gets μ₀ … μ_K from models that never saw it, and the pseudo-outcomes of
the X-learner (Künzel et al. 2019) and the DR-learner (Kennedy 2023) built from them carry no
overfit of the row's own outcome. The fold models' average predicts new rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import (
    BaseModel,
    FloatArray,
    FloatMatrix,
    IntArray,
    fit_classifier,
)
from valuecenter.analytics.uplift.data import Experiment
from valuecenter.i18n import N_


def _strata(arm: npt.ArrayLike, y: npt.ArrayLike) -> IntArray:
    strata: IntArray = np.asarray(arm, dtype=np.int64) * 2 + np.asarray(y, dtype=np.int64)
    return strata


def fold_ids(arm: npt.ArrayLike, y: npt.ArrayLike, folds: int, seed: int) -> IntArray:
    """The fold (0 … folds − 1) of each row, stratified on arm × outcome."""
    if folds < 2:
        raise InputError(N_("folds: %(folds)s folds cannot cross-fit; use 2 or more"), folds=folds)
    strata = _strata(arm, y)
    rng = np.random.default_rng(seed)
    out = np.empty(len(strata), dtype=np.int64)
    start = 0
    for value in np.unique(strata):
        members = rng.permutation(np.nonzero(strata == value)[0])
        # Continue the round-robin where the previous stratum stopped, so the folds stay even.
        out[members] = (start + np.arange(len(members))) % folds
        start = (start + len(members)) % folds
    return out


def stratified_split(
    arm: npt.ArrayLike, y: npt.ArrayLike, test_size: float, seed: int
) -> tuple[IntArray, IntArray]:
    """Row indices (sorted) of the training and the test part: ``test_size`` of every arm ×
    outcome stratum (rounded) goes to the test part."""
    if not 0 < test_size < 1:
        raise InputError(
            N_("test_size: %(test_size)s is not a share between 0 and 1"), test_size=test_size
        )
    strata = _strata(arm, y)
    rng = np.random.default_rng(seed)
    test: list[IntArray] = []
    for value in np.unique(strata):
        members = rng.permutation(np.nonzero(strata == value)[0])
        test.append(members[: round(len(members) * test_size)])
    held = np.zeros(len(strata), dtype=bool)
    held[np.concatenate(test)] = True
    return np.nonzero(~held)[0].astype(np.int64), np.nonzero(held)[0].astype(np.int64)


@dataclass(frozen=True)
class Nuisance:
    """Cross-fitted outcome models: ``oof[:, a]`` is μₐ of each training row from the model of
    arm ``a`` that did not see it; ``models[a]`` are that arm's fold models."""

    oof: FloatMatrix
    models: tuple[tuple[BaseModel, ...], ...]
    folds: int

    def predict(self, x: FloatMatrix, arm: int) -> FloatArray:
        """μ_arm of new rows: the mean of the arm's fold models."""
        total = np.zeros(len(x))
        for model in self.models[arm]:
            total += model.predict(x)
        mean: FloatArray = total / len(self.models[arm])
        return mean


def crossfit_outcomes(data: Experiment, folds: int, seed: int) -> Nuisance:
    """μ₀ … μ_K out of fold for every training row (see the module text)."""
    fold = fold_ids(data.arm, data.y, folds, seed)
    oof = np.zeros((len(data.y), data.treatments + 1))
    models: list[tuple[BaseModel, ...]] = []
    for arm in range(data.treatments + 1):
        per_fold: list[BaseModel] = []
        for f in range(folds):
            train = (data.arm == arm) & (fold != f)
            model = fit_classifier(data.x[train], data.y[train], seed + f)
            held = fold == f
            oof[held, arm] = model.predict(data.x[held])
            per_fold.append(model)
        models.append(tuple(per_fold))
    return Nuisance(oof=oof, models=tuple(models), folds=folds)
