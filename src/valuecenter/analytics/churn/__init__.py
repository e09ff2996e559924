"""Churn model for contract and subscription customers, one concern per module.

* :mod:`.target` — the target column → 0/1 (two classes, which one is churn);
* :mod:`.features` — a table → a numeric matrix, the same encoding at scoring time;
* :mod:`.learners` — LightGBM and the L2 logistic regression, with per-feature contributions;
* :mod:`.calibration` — Platt scaling (Platt 1999);
* :mod:`.model` — ``fit_churn``: gbm, logistic or their blend chosen by inner CV;
* :mod:`.reasons` — reason codes: the columns that push a customer's risk up, in words;
* :mod:`.columns` — a file's target, id and feature columns;
* :mod:`.evaluate` — stratified k-fold AUC and Brier score on a file;
* :mod:`.score` — fit on the labelled rows of a file and score every row.
"""

from valuecenter.analytics.churn.calibration import Platt, fit_platt
from valuecenter.analytics.churn.columns import Columns, split_columns
from valuecenter.analytics.churn.evaluate import auc_brier, evaluate
from valuecenter.analytics.churn.features import (
    Encoder,
    FeatureLayout,
    Fixes,
    NumericColumn,
    TextColumn,
    fit_encoder,
)
from valuecenter.analytics.churn.model import ChurnModel, Kind, fit_churn, predictions_frame
from valuecenter.analytics.churn.reasons import Reason
from valuecenter.analytics.churn.score import Scored, score_file
from valuecenter.analytics.churn.target import Target, check_classes, parse_target

__all__ = [
    "ChurnModel",
    "Columns",
    "Encoder",
    "FeatureLayout",
    "Fixes",
    "Kind",
    "NumericColumn",
    "Platt",
    "Reason",
    "Scored",
    "Target",
    "TextColumn",
    "auc_brier",
    "check_classes",
    "evaluate",
    "fit_churn",
    "fit_encoder",
    "fit_platt",
    "parse_target",
    "predictions_frame",
    "score_file",
    "split_columns",
]
