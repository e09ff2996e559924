"""The two learners of the churn model, each giving log-odds and per-feature contributions.

* :class:`Gbm` — gradient-boosted trees (LightGBM; Ke et al. 2017, "LightGBM: a highly
  efficient gradient boosting decision tree"), modest fixed settings (:data:`GBM_PARAMS`).
  Its contributions are LightGBM's ``pred_contrib``: TreeSHAP values (Lundberg et al. 2020,
  "From local explanations to global understanding with explainable AI for trees"), which
  with the bias column add up to the raw log-odds of each row.
* :class:`Logistic` — L2-regularised logistic regression on standardised features
  (Hastie, Tibshirani & Friedman 2009, sec. 4.4.4). Its contribution of feature j to a row is
  βⱼ·zⱼ with zⱼ = (xⱼ − mean)/sd on the training rows: the row's log-odds minus those of an
  average customer, split exactly over the features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.integer]

GBM_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}
"""LightGBM settings: 300 trees of at most 31 leaves, shrinkage 0.05, row and column
subsampling 0.8 — moderate choices that hold up from a few thousand to millions of rows."""
GBM_RUNTIME: dict[str, Any] = {
    "verbose": -1,
    "deterministic": True,
    "force_col_wise": True,
}
"""Settings that change no result: no log, reproducible with the same seed."""
GBM_THREADS = 2
GBM_ONE_THREAD_BELOW = 20_000
"""Rows below which LightGBM runs on one thread: on small data the threads' synchronisation
costs more than they save (LightGBM's docs on ``num_threads``: "do not set it too large if your
dataset is small"; measured here: 0.26 s on one thread against 0.7 s on two for 2,666 rows)."""
EARLY_STOP_ROWS = 10_000
"""From this many rows on, 10% of them (stratified) decide when to stop adding trees: no
tree is kept after 20 rounds without a better log-loss there, at most the 300 of
:data:`GBM_PARAMS` — scikit-learn's ``HistGradientBoostingClassifier`` rule (early stopping
above 10,000 samples). Fewer trees also make the TreeSHAP reasons cheaper; below it, small
data keep all 300 trees (a 10% split of a few thousand rows is too noisy to stop on)."""
EARLY_STOP_ROUNDS = 20
LOGISTIC_C = (0.01, 0.1, 1.0, 10.0)
"""Inverse L2 strengths tried by the inner cross-validation."""


@dataclass(frozen=True)
class Gbm:
    """A fitted LightGBM booster."""

    booster: Any

    def margin(self, x: FloatArray) -> FloatArray:
        """Raw log-odds per row (before calibration)."""
        threads = 1 if len(x) < GBM_ONE_THREAD_BELOW else GBM_THREADS
        return np.asarray(
            self.booster.predict(x, raw_score=True, num_threads=threads), dtype=np.float64
        )

    def contributions(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(rows × features) TreeSHAP contributions and the bias per row; they sum to
        :meth:`margin`."""
        threads = 1 if len(x) < GBM_ONE_THREAD_BELOW else GBM_THREADS
        both = np.asarray(
            self.booster.predict(x, pred_contrib=True, num_threads=threads), dtype=np.float64
        )
        return both[:, :-1], both[:, -1]


def fit_gbm(x: FloatArray, y: Labels, seed: int, early_stop: bool | None = None) -> Gbm:
    """LightGBM with :data:`GBM_PARAMS`, deterministic for a given ``seed``.

    ``early_stop``: stop adding trees on a 10% hold-out (default: from
    :data:`EARLY_STOP_ROWS` rows on). The inner cross-validation passes the decision of the
    final fit, so the folds' models — on which the calibration is fitted — have about as many
    trees as the model it then calibrates.
    """
    threads = 1 if len(x) < GBM_ONE_THREAD_BELOW else GBM_THREADS
    model = lightgbm.LGBMClassifier(**GBM_PARAMS, **GBM_RUNTIME, n_jobs=threads, random_state=seed)
    stop = len(x) >= EARLY_STOP_ROWS if early_stop is None else early_stop
    if not stop:
        model.fit(x, y)
        return Gbm(booster=model.booster_)
    from sklearn.model_selection import train_test_split

    fit_rows, stop_rows = train_test_split(
        np.arange(len(x)), test_size=0.1, stratify=y, random_state=seed
    )
    model.fit(
        x[fit_rows],
        y[fit_rows],
        eval_X=(x[stop_rows],),
        eval_y=(y[stop_rows],),
        callbacks=[lightgbm.early_stopping(EARLY_STOP_ROUNDS, verbose=False)],
    )
    booster = model.booster_
    booster.free_dataset()
    # Keep only the trees up to the best round, so prediction and TreeSHAP use just those.
    best = model.best_iteration_ or booster.current_iteration()
    trimmed = lightgbm.Booster(model_str=booster.model_to_string(num_iteration=best))
    return Gbm(booster=trimmed)


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic regression on standardised features."""

    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    c: float

    def standardized(self, x: FloatArray) -> FloatArray:
        """(x − training mean) / training sd, column by column."""
        z: FloatArray = (x - self.mean) / self.scale
        return z

    def margin(self, x: FloatArray) -> FloatArray:
        """Log-odds per row."""
        margin: FloatArray = self.standardized(x) @ self.coef + self.intercept
        return margin

    def contributions(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(rows × features) βⱼ·zⱼ and the intercept per row; they sum to :meth:`margin`."""
        return self.standardized(x) * self.coef, np.full(len(x), self.intercept)


def standardizer(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and sd of each column (sd 1 for a constant column, which then stays 0)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def fit_logistic(
    x: FloatArray, y: Labels, c: float, scaling: tuple[FloatArray, FloatArray] | None = None
) -> Logistic:
    """L2 logistic regression with inverse strength ``c`` on the standardised ``x`` (the
    scaling of ``x`` itself unless given, so several ``c`` can share one)."""
    mean, scale = scaling if scaling is not None else standardizer(x)
    z = (x - mean) / scale
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(z, y)
    return Logistic(
        mean=mean,
        scale=scale,
        coef=np.asarray(model.coef_[0], dtype=np.float64),
        intercept=float(model.intercept_[0]),
        c=c,
    )
