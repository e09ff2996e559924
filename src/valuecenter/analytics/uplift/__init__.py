"""Uplift models: whom a treatment changes, not who is at risk. One concern per module.

* :mod:`.base` — the LightGBM classifiers and regressors every learner is built from;
* :mod:`.data` — the training data checked once (arms 0 … K, 0/1 outcome, propensities);
* :mod:`.crossfit` — folds and the train/test split stratified on arm × outcome, and the
  cross-fitted outcome models (Chernozhukov et al. 2018);
* :mod:`.t_learner`, :mod:`.x_learner`, :mod:`.dr_learner`, :mod:`.class_transformation` — the
  T-, X- (Künzel et al. 2019), DR- (Kennedy 2023) learners and the weighted class
  transformation (Jaskowski & Jaroszewicz 2012; Athey & Imbens 2015);
* :mod:`.model` — ``fit_uplift`` and the fitted :class:`UpliftModel`, with ``auto`` choosing a
  learner by an inner cross-fitted Qini coefficient;
* :mod:`.metrics` — uplift at k, Qini curve and coefficient (Radcliffe 2007), AUUC, in
  scikit-uplift's conventions;
* :mod:`.synthetic` — an experiment with a known individual uplift (the oracle);
* :mod:`.outcome`, :mod:`.evaluate` — an experiment file: its arms and outcome, and the
  train/test evaluation behind ``valuecenter uplift evaluate``.
"""

from valuecenter.analytics.uplift.base import FloatArray, FloatMatrix, IntArray
from valuecenter.analytics.uplift.crossfit import fold_ids, stratified_split
from valuecenter.analytics.uplift.evaluate import evaluate
from valuecenter.analytics.uplift.metrics import (
    Curve,
    auuc,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_curve,
)
from valuecenter.analytics.uplift.model import (
    LEARNERS,
    AutoChoice,
    Learner,
    UpliftModel,
    fit_uplift,
)
from valuecenter.analytics.uplift.outcome import parse_outcome
from valuecenter.analytics.uplift.synthetic import SyntheticUplift, known_uplift

__all__ = [
    "LEARNERS",
    "AutoChoice",
    "Curve",
    "FloatArray",
    "FloatMatrix",
    "IntArray",
    "Learner",
    "SyntheticUplift",
    "UpliftModel",
    "auuc",
    "evaluate",
    "fit_uplift",
    "fold_ids",
    "known_uplift",
    "parse_outcome",
    "qini_coefficient",
    "qini_curve",
    "stratified_split",
    "uplift_at_k",
    "uplift_curve",
]
