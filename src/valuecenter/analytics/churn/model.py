"""The churn model: gradient boosting, logistic regression or their blend, chosen by inner
cross-validation, with calibrated probabilities and reason codes.

:func:`fit_churn` with ``kind="auto"`` runs a stratified 3-fold cross-validation on the
training rows only and scores three candidates by out-of-fold AUC: LightGBM, the L2 logistic
regression (its C picked from :data:`~.learners.LOGISTIC_C` in the same folds) and the 50/50
blend of their probabilities. The best one is kept — the simpler one (logistic, then gbm,
then blend) unless a more complex one gains more than :data:`MIN_GAIN` of AUC — so the
product never does worse in that validation than its own linear baseline; on some real
files the linear model wins (Verbeke et al. 2012, "New insights into churn prediction in the
telecommunication sector", where logistic regression ranks among the best). The chosen kind
is then refitted on all training rows.

Probabilities are calibrated by Platt scaling (:mod:`.calibration`) fitted on the same
out-of-fold predictions, so ``kind="gbm"`` and ``kind="logistic"`` run the inner
cross-validation too (for their calibration, and for logistic's C).

Scale rule: the inner cross-validation (choice, C and calibration) uses at most
:data:`INNER_MAX_ROWS` rows, a stratified random subsample of the training rows when there are
more; the chosen kind is then refitted on all rows. The AUCs of the candidates differ by far
more than the subsample's noise at 200,000 rows, and it keeps ``auto`` at 1M customers within
about twice the time of one fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from valuecenter.analytics.churn import reasons as reason_codes
from valuecenter.analytics.churn import tree_patterns
from valuecenter.analytics.churn.calibration import Platt, fit_platt
from valuecenter.analytics.churn.features import FeatureLayout
from valuecenter.analytics.churn.learners import (
    EARLY_STOP_ROWS,
    GBM_PARAMS,
    LOGISTIC_C,
    Gbm,
    Logistic,
    fit_gbm,
    fit_logistic,
    standardizer,
)
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.integer]
Kind = Literal["auto", "gbm", "logistic"]
Choice = Literal["logistic", "gbm", "blend"]

KINDS: tuple[str, ...] = get_args(Kind)
SIMPLEST_FIRST: tuple[Choice, ...] = ("logistic", "gbm", "blend")
MIN_GAIN = 0.002
"""AUC a more complex candidate must gain over a simpler one to be chosen. Far below the
standard error of an AUC on a few thousand rows (Hanley & McNeil 1982), so only differences
that are noise are settled for the simpler, cheaper and more readable model."""
INNER_FOLDS = 3
INNER_MAX_ROWS = 200_000
IMPORTANCE_ROWS = 1_000
"""Rows (a fixed stratified random subset of the training rows) over which the global
importance is averaged: enough to rank the columns, and TreeSHAP costs 1–2 ms a row."""


@dataclass(frozen=True)
class InnerCv:
    """The out-of-fold log-odds of each candidate on the (subsampled) training rows."""

    rows: int
    folds: int
    y: Labels
    margins: dict[Choice, FloatArray]
    auc: dict[Choice, float]
    c: float | None


def _blend(gbm_margin: FloatArray, logistic_margin: FloatArray) -> FloatArray:
    """Log-odds of the 50/50 blend of the two models' probabilities."""
    mean = 0.5 * special.expit(gbm_margin) + 0.5 * special.expit(logistic_margin)
    blended: FloatArray = special.logit(np.clip(mean, 1e-12, 1 - 1e-12))
    return blended


def _auc(y: Labels, score: FloatArray) -> float:
    return float(roc_auc_score(y, score))


def stratified_subsample(y: Labels, limit: int, seed: int) -> npt.NDArray[np.int64]:
    """Row indices: all rows up to ``limit``, else a random ``limit`` with the same class
    shares (each class at least 2 rows), sorted."""
    n = len(y)
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    picked = []
    for value in (0, 1):
        rows = np.nonzero(y == value)[0]
        take = max(2, round(limit * len(rows) / n))
        picked.append(rng.choice(rows, size=min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(picked)).astype(np.int64)


def inner_cv(x: FloatArray, y: Labels, kind: Kind, seed: int) -> InnerCv:
    """Out-of-fold log-odds of the candidates ``kind`` needs, on at most
    :data:`INNER_MAX_ROWS` rows."""
    rows = stratified_subsample(y, INNER_MAX_ROWS, seed)
    xs, ys = x[rows], y[rows]
    smallest = int(min((ys == 0).sum(), (ys == 1).sum()))
    folds = min(INNER_FOLDS, smallest)
    if folds < 2:
        raise InputError(N_("target: the model needs at least 2 training rows of each class"))
    gbm = np.zeros(len(ys))
    linear = {c: np.zeros(len(ys)) for c in LOGISTIC_C}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(xs, ys):
        if kind in ("auto", "gbm"):
            # As the final fit on all rows decides it: folds of 10,000–15,000 rows would
            # otherwise grow all 300 trees while the refit stops at ~70, and the calibration
            # fitted on the folds would overstate the refitted model.
            stop = len(x) >= EARLY_STOP_ROWS
            gbm[test] = fit_gbm(xs[train], ys[train], seed, early_stop=stop).margin(xs[test])
        if kind in ("auto", "logistic"):
            scaling = standardizer(xs[train])
            for c in LOGISTIC_C:
                model = fit_logistic(xs[train], ys[train], c, scaling)
                linear[c][test] = model.margin(xs[test])
    margins: dict[Choice, FloatArray] = {}
    best_c = None
    if kind in ("auto", "logistic"):
        by_c = {c: _auc(ys, m) for c, m in linear.items()}
        best_c = max(LOGISTIC_C, key=lambda c: (by_c[c], -c))  # a tie: the stronger penalty
        margins["logistic"] = linear[best_c]
    if kind in ("auto", "gbm"):
        margins["gbm"] = gbm
    if kind == "auto":
        margins["blend"] = _blend(gbm, linear[best_c if best_c is not None else LOGISTIC_C[0]])
    auc = {name: _auc(ys, m) for name, m in margins.items()}
    return InnerCv(rows=len(ys), folds=folds, y=ys, margins=margins, auc=auc, c=best_c)


def choose(auc: dict[Choice, float]) -> Choice:
    """The simplest candidate that no more complex one beats by more than :data:`MIN_GAIN`:
    going from logistic to gbm to blend, a candidate replaces the one kept so far only when
    its AUC is higher by more than that."""
    kept: Choice | None = None
    for candidate in SIMPLEST_FIRST:
        if candidate in auc and (kept is None or auc[candidate] > auc[kept] + MIN_GAIN):
            kept = candidate
    assert kept is not None
    return kept


KERNEL_MIN_ROWS = 1_000
"""Rows from which the tree contributions come from the compiled leaf-table kernel
(:mod:`.tree_patterns`): below, LightGBM's ``pred_contrib`` over the rows (1–2 ms a row)
costs less than building the model's tables (once per model, 1–2 s)."""


@dataclass(frozen=True)
class ChurnModel:
    """A fitted churn model: ``kind`` is what was chosen, ``requested`` what was asked."""

    kind: Choice
    requested: Kind
    layout: FeatureLayout
    gbm: Gbm | None
    logistic: Logistic | None
    platt: Platt
    inner: InnerCv
    rows: int
    seed: int
    reference: FloatArray
    """The training rows the global importance is averaged over (:data:`IMPORTANCE_ROWS`)."""

    def _check(self, x: FloatArray) -> FloatArray:
        matrix = np.asarray(x, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.layout.names):
            raise InputError(
                N_("data: expected %(n_names)s feature columns, got shape %(shape)s"),
                n_names=len(self.layout.names),
                shape=matrix.shape,
            )
        return matrix

    def margin(self, x: FloatArray) -> FloatArray:
        """Raw log-odds of churn per row, before calibration."""
        x = self._check(x)
        if self.kind == "gbm":
            assert self.gbm is not None
            return self.gbm.margin(x)
        if self.kind == "logistic":
            assert self.logistic is not None
            return self.logistic.margin(x)
        assert self.gbm is not None
        assert self.logistic is not None
        return _blend(self.gbm.margin(x), self.logistic.margin(x))

    def predict_proba(self, x: FloatArray) -> FloatArray:
        """Calibrated P(churn) per row."""
        return self.platt.apply(self.margin(x))

    def contributions(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(rows × matrix columns) log-odds contributions and the bias per row. For gbm and
        logistic they sum exactly to :meth:`margin`; for the blend they are the average of the
        two models' (which sums to the mean of their log-odds, close to the blend's)."""
        x = self._check(x)
        if self.kind == "gbm":
            assert self.gbm is not None
            return self.gbm.contributions(x)
        if self.kind == "logistic":
            assert self.logistic is not None
            return self.logistic.contributions(x)
        assert self.gbm is not None
        assert self.logistic is not None
        trees, tree_bias = self.gbm.contributions(x)
        linear, linear_bias = self.logistic.contributions(x)
        return (trees + linear) / 2, (tree_bias + linear_bias) / 2

    def source_contributions(self, x: FloatArray) -> FloatArray:
        """(rows × source columns): contributions merged back to the file's columns.

        From :data:`KERNEL_MIN_ROWS` rows on, the trees' share comes from the compiled leaf
        table kernel (:mod:`.tree_patterns`: the same TreeSHAP values, summed per source column
        as they are computed); below it, LightGBM's ``pred_contrib`` on every row."""
        x = self._check(x)
        if self.kind == "logistic" or len(x) < KERNEL_MIN_ROWS:
            return reason_codes.merge(self.contributions(x)[0], self.layout)
        trees = tree_patterns.contributions(self._forest, x)
        if self.kind == "gbm":
            return trees
        assert self.logistic is not None
        linear = reason_codes.merge(self.logistic.contributions(x)[0], self.layout)
        blended: FloatArray = (trees + linear) / 2
        return blended

    @cached_property
    def _forest(self) -> tree_patterns.Forest:
        assert self.gbm is not None
        return tree_patterns.forest(
            self.gbm.booster, self.layout.source_index(), len(self.layout.source_names)
        )

    def reasons(self, x: FloatArray, k: int = 3) -> list[list[reason_codes.Reason]]:
        """Per row the ``k`` source columns that raise its risk most (positive only)."""
        x = self._check(x)
        return reason_codes.reasons(x, self.source_contributions(x), self.layout, k)

    def reason_texts(self, x: FloatArray, k: int = 3) -> list[npt.NDArray[np.str_]]:
        """``k`` arrays of reason sentences (``""`` where a row has fewer), vectorised."""
        x = self._check(x)
        return reason_codes.reason_texts(x, self.source_contributions(x), self.layout, k)

    @cached_property
    def importance(self) -> dict[str, float]:
        """Mean |contribution| of each source column over :attr:`reference` (computed once)."""
        shares = np.abs(self.source_contributions(self.reference)).mean(axis=0)
        return dict(zip(self.layout.source_names, (float(v) for v in shares), strict=True))

    def top_features(self, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` source columns of largest mean |contribution| on the training rows."""
        ranked = sorted(self.importance.items(), key=lambda item: -item[1])
        return ranked[:n]

    def describe(self) -> dict[str, Any]:
        """What was fitted, and why: the choice, parameters, inner-CV AUCs, calibration."""
        params: dict[str, Any] = {}
        if self.gbm is not None:
            params["gbm"] = {**GBM_PARAMS, "random_state": self.seed}
        if self.logistic is not None:
            params["logistic"] = {"C": self.logistic.c, "penalty": "l2", "standardized": True}
        return {
            "kind": self.kind,
            "requested": self.requested,
            "rows": self.rows,
            "features": len(self.layout.names),
            "source_columns": len(self.layout.source_names),
            "params": params,
            "inner_cv": {
                "folds": self.inner.folds,
                "rows": self.inner.rows,
                "auc": {k: round(v, 6) for k, v in self.inner.auc.items()},
                "logistic_C_tried": list(LOGISTIC_C) if self.inner.c is not None else [],
            },
            "calibration": {
                "method": "platt",
                "a": round(self.platt.a, 6),
                "b": round(self.platt.b, 6),
                "fitted_on": "out-of-fold inner-CV log-odds",
            },
        }


def _layout(names: Sequence[str] | FeatureLayout | None, width: int) -> FeatureLayout:
    if isinstance(names, FeatureLayout):
        layout = names
    else:
        layout = FeatureLayout.plain(
            names if names is not None else [f"x{i}" for i in range(width)]
        )
    if len(layout.names) != width:
        raise InputError(
            N_("data: %(n_names)s feature names for %(width)s columns"),
            n_names=len(layout.names),
            width=width,
        )
    return layout


def fit_churn(
    x: FloatArray,
    y: Labels,
    kind: Kind = "auto",
    seed: int = 0,
    feature_names: Sequence[str] | FeatureLayout | None = None,
) -> ChurnModel:
    """Fit the churn model on ``x`` (rows × features, finite) and ``y`` (1 = churn, 0 = stay).

    ``feature_names`` is the encoder's :class:`FeatureLayout` (reasons then merge one-hot
    columns and name typical values) or plain column names.
    """
    if kind not in KINDS:
        raise InputError(
            N_("kind: '%(kind)s' is not one of %(names)s"), kind=kind, names=", ".join(KINDS)
        )
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(y)
    if x.ndim != 2 or len(x) != len(labels) or len(x) == 0:
        raise InputError(
            N_("data: %(shape)s features for %(n_labels)s labels"),
            shape=x.shape,
            n_labels=len(labels),
        )
    if not np.isfinite(x).all():
        raise InputError(N_("data: the feature matrix has blanks or infinite values"))
    if not np.isin(labels, (0, 1)).all():
        raise InputError(N_("target: labels must be 0 (stay) or 1 (churn)"))
    layout = _layout(feature_names, x.shape[1])
    inner = inner_cv(x, labels, kind, seed)
    chosen: Choice = choose(inner.auc)
    platt = fit_platt(inner.margins[chosen], inner.y)
    gbm = fit_gbm(x, labels, seed) if chosen in ("gbm", "blend") else None
    logistic = None
    if chosen in ("logistic", "blend"):
        assert inner.c is not None
        logistic = fit_logistic(x, labels, inner.c)
    return ChurnModel(
        kind=chosen,
        requested=kind,
        layout=layout,
        gbm=gbm,
        logistic=logistic,
        platt=platt,
        inner=inner,
        rows=len(x),
        seed=seed,
        reference=x[stratified_subsample(labels, IMPORTANCE_ROWS, seed)],
    )


def predictions_frame(model: ChurnModel, x: FloatArray, k: int = 3) -> pd.DataFrame:
    """P(churn) and ``reason_1`` … ``reason_k`` per row of ``x``."""
    frame = pd.DataFrame({"probability": model.predict_proba(x)})
    for j, texts in enumerate(model.reason_texts(x, k), start=1):
        frame[f"reason_{j}"] = texts
    return frame
