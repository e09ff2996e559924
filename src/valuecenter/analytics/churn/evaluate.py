"""Cross-validated quality of the churn model on a customer file.

Stratified k-fold cross-validation (Kohavi 1995, "A study of cross-validation and bootstrap
for accuracy estimation and model selection", recommends stratified 10- or 5-fold): the rows
are shuffled with ``seed`` and split into ``folds`` parts with the churn rate of the file; each
part is predicted by a model whose encoder *and* model (including ``auto``'s inner choice and
the calibration) were fitted on the other parts only, so nothing of the predicted rows leaks
into their prediction. Reported: the mean and standard deviation (``np.std``, as
scikit-learn's examples) of the fold AUCs, the mean Brier score (Brier 1950: mean squared
difference of probability and outcome; the calibration's test), and the global importance of
a model fitted on all rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from valuecenter.analytics.churn.columns import split_columns
from valuecenter.analytics.churn.features import fit_encoder
from valuecenter.analytics.churn.model import KINDS, Kind, fit_churn
from valuecenter.analytics.churn.target import MIN_CLASS_ROWS, check_classes
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

TOP_FEATURES = 10


def auc_brier(y: npt.ArrayLike, probability: npt.ArrayLike) -> tuple[float, float]:
    """AUC (Hanley & McNeil 1982) and Brier score (Brier 1950) of probabilities on held-out
    rows with labels 0/1."""
    return float(roc_auc_score(y, probability)), float(brier_score_loss(y, probability))


def evaluate(
    frame: pd.DataFrame,
    target: str,
    id_col: str,
    positive: str | None = None,
    drop_cols: Sequence[str] = (),
    folds: int = 5,
    seed: int = 0,
    kind: Kind = "auto",
    on_fold: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Cross-validate the churn model on ``frame`` (one row per customer).

    ``on_fold(done, folds)`` is called after each fold (a progress bar). Each class needs at
    least ``max(10, 2 × folds)`` rows so that every training part can run the inner
    cross-validation.
    """
    started = time.perf_counter()
    if kind not in KINDS:
        raise InputError(
            N_("kind: '%(kind)s' is not one of %(names)s"), kind=kind, names=", ".join(KINDS)
        )
    if folds < 2:
        raise InputError(
            N_("folds: %(folds)s folds cannot cross-validate; use 2 or more"), folds=folds
        )
    data = split_columns(frame, target, id_col, positive=positive, drop_cols=drop_cols)
    check_classes(data.target, target, max(MIN_CLASS_ROWS, 2 * folds))
    y = data.target.y.astype(np.int64)
    features = data.features
    aucs: list[float] = []
    briers: list[float] = []
    chosen: list[str] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for done, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y), start=1):
        encoder = fit_encoder(features.iloc[train])
        model = fit_churn(
            encoder.transform(features.iloc[train]), y[train], kind, seed, encoder.layout
        )
        probability = model.predict_proba(encoder.transform(features.iloc[test]))
        auc, brier = auc_brier(y[test], probability)
        aucs.append(auc)
        briers.append(brier)
        chosen.append(model.kind)
        if on_fold is not None:
            on_fold(done, folds)
    encoder = fit_encoder(features)
    final = fit_churn(encoder.transform(features), y, kind, seed, encoder.layout)
    return {
        "rows": len(y),
        "folds": folds,
        "auc": round(float(np.mean(aucs)), 6),
        "auc_std": round(float(np.std(aucs)), 6),
        "brier": round(float(np.mean(briers)), 6),
        "model": {
            "requested": kind,
            "per_fold": chosen,
            "all_rows": final.kind,
            "inner_cv_auc": {k: round(v, 6) for k, v in final.inner.auc.items()},
        },
        "top_features": [name for name, _ in final.top_features(TOP_FEATURES)],
        "auc_per_fold": [round(a, 6) for a in aucs],
        "positive": data.target.positive,
        "churn_rate": round(float(y.mean()), 6),
        "fixes": encoder.fixes.as_dict(),
        "seconds": round(time.perf_counter() - started, 3),
    }
