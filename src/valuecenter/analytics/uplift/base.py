"""The base models every uplift learner is built from: small LightGBM classifiers (outcome
models, the class-transformation model) and regressors (the pseudo-outcome models of the X- and
DR-learner), with the same settings everywhere.

LightGBM (Ke et al. 2017) with modest settings (:data:`BASE_PARAMS`: 15 leaves, at least 40 rows
a leaf, shrinkage 0.05, row and column subsampling 0.8). Uplift is a small difference of two
noisy quantities, so the trees are kept smaller than the churn model's (31 leaves): an outcome
model that chases noise adds that noise to every difference it takes part in.

* From :data:`EARLY_STOP_ROWS` rows on, 10% of them (stratified for a classifier) decide how many
  trees are kept: no tree after :data:`EARLY_STOP_ROUNDS` rounds without a better validation loss
  (log-loss, or squared error for a regressor), at most :data:`MAX_TREES` — scikit-learn's
  ``HistGradientBoosting`` rule of early stopping on a held-out share.
* Below :data:`SMALL_ROWS` rows (an arm of a small experiment) the trees are stronger
  regularised (:data:`SMALL_PARAMS`: 7 leaves, at least 50 rows a leaf, L2 penalty 10, a fixed
  100 trees), so that a few hundred rows do not overfit.
* A classifier whose rows all have one class is a constant (LightGBM cannot fit it).

Every fit is deterministic for a seed (``deterministic``, ``force_col_wise``) and silent. NaN in
``x`` is allowed: LightGBM sends missing values down the side of each split that fits best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt

from valuecenter.analytics.churn.learners import GBM_ONE_THREAD_BELOW, GBM_RUNTIME, GBM_THREADS

FloatArray = npt.NDArray[np.float64]
FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BASE_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}
"""The settings of every base model from :data:`SMALL_ROWS` rows on."""
SMALL_PARAMS: dict[str, Any] = {
    **BASE_PARAMS,
    "num_leaves": 7,
    "min_child_samples": 50,
    "reg_lambda": 10.0,
    "n_estimators": 100,
}
"""The settings below :data:`SMALL_ROWS` rows: smaller trees, a stronger penalty, fewer trees."""
SMALL_ROWS = 2_000
EARLY_STOP_ROWS = 2_000
"""Rows from which 10% are held out to stop adding trees (below: the fixed count of
:data:`SMALL_PARAMS`)."""
EARLY_STOP_ROUNDS = 20
MAX_TREES = 500
STOP_SHARE = 0.1


def params_for(rows: int) -> dict[str, Any]:
    """The LightGBM settings used for a base model fitted on ``rows`` rows."""
    if rows < SMALL_ROWS:
        return dict(SMALL_PARAMS)
    return {**BASE_PARAMS, "n_estimators": MAX_TREES}


def _threads(rows: int) -> int:
    return 1 if rows < GBM_ONE_THREAD_BELOW else GBM_THREADS


@dataclass(frozen=True)
class BaseModel:
    """A fitted base model: a LightGBM booster, or a constant when there was nothing to learn.
    :meth:`predict` is P(y = 1) for a classifier and the regression value for a regressor."""

    booster: Any | None
    constant: float
    trees: int

    def predict(self, x: FloatMatrix) -> FloatArray:
        """One prediction per row of ``x``."""
        if self.booster is None:
            return np.full(len(x), self.constant)
        threads = _threads(len(x))
        return np.asarray(self.booster.predict(x, num_threads=threads), dtype=np.float64)


def _stop_rows(
    rows: int, seed: int, labels: npt.NDArray[np.integer] | None
) -> tuple[IntArray, IntArray]:
    """Row indices to fit on and to stop on (10%; stratified by ``labels`` when given)."""
    rng = np.random.default_rng(seed)
    if labels is None:
        order = rng.permutation(rows)
        cut = round(rows * STOP_SHARE)
        return np.sort(order[cut:]), np.sort(order[:cut])
    stop: list[IntArray] = []
    for value in np.unique(labels):
        members = rng.permutation(np.nonzero(labels == value)[0])
        stop.append(members[: round(len(members) * STOP_SHARE)])
    held = np.sort(np.concatenate(stop))
    keep = np.ones(rows, dtype=bool)
    keep[held] = False
    return np.nonzero(keep)[0].astype(np.int64), held.astype(np.int64)


def _fit(
    estimator: Any,
    x: FloatMatrix,
    target: FloatArray,
    weight: FloatArray | None,
    stratify: npt.NDArray[np.integer] | None,
    seed: int,
) -> BaseModel:
    """Fit ``estimator`` with early stopping from :data:`EARLY_STOP_ROWS` rows on."""
    if len(x) < EARLY_STOP_ROWS:
        estimator.fit(x, target, sample_weight=weight)
        booster = estimator.booster_
        return BaseModel(booster=booster, constant=0.0, trees=booster.num_trees())
    fit, stop = _stop_rows(len(x), seed, stratify)
    estimator.fit(
        x[fit],
        target[fit],
        sample_weight=None if weight is None else weight[fit],
        eval_X=(x[stop],),
        eval_y=(target[stop],),
        eval_sample_weight=None if weight is None else [weight[stop]],
        callbacks=[lightgbm.early_stopping(EARLY_STOP_ROUNDS, verbose=False)],
    )
    booster = estimator.booster_
    booster.free_dataset()
    best = estimator.best_iteration_ or booster.current_iteration()
    trimmed = lightgbm.Booster(model_str=booster.model_to_string(num_iteration=best))
    return BaseModel(booster=trimmed, constant=0.0, trees=trimmed.num_trees())


def fit_classifier(
    x: FloatMatrix, y: npt.NDArray[np.integer], seed: int, weight: FloatArray | None = None
) -> BaseModel:
    """P(y = 1 | x) by LightGBM (``y`` 0/1, optional row weights); a constant if ``y`` has one
    class (its weighted mean)."""
    labels = np.asarray(y, dtype=np.int64)
    if len(np.unique(labels)) < 2:
        return BaseModel(booster=None, constant=float(labels[0]) if len(labels) else 0.0, trees=0)
    estimator = lightgbm.LGBMClassifier(
        **params_for(len(x)), **GBM_RUNTIME, n_jobs=_threads(len(x)), random_state=seed
    )
    return _fit(estimator, x, labels.astype(np.float64), weight, labels, seed)


def fit_regressor(
    x: FloatMatrix, target: FloatArray, seed: int, weight: FloatArray | None = None
) -> BaseModel:
    """E[target | x] by LightGBM with squared error (optional row weights); a constant when
    the target does not vary."""
    values = np.asarray(target, dtype=np.float64)
    if len(values) == 0 or np.ptp(values) == 0:
        return BaseModel(booster=None, constant=float(values[0]) if len(values) else 0.0, trees=0)
    estimator = lightgbm.LGBMRegressor(
        **params_for(len(x)), **GBM_RUNTIME, n_jobs=_threads(len(x)), random_state=seed
    )
    return _fit(estimator, x, values, weight, None, seed)
