"""The fitted uplift model, :func:`fit_uplift`, and the ``auto`` choice among the learners.

Learners (one module each): ``t`` (:mod:`.t_learner`), ``x`` (:mod:`.x_learner`), ``dr``
(:mod:`.dr_learner`) and ``ct`` (:mod:`.class_transformation`). All handle K ≥ 1 treatments,
each against the control.

**Auto.** ``learner="auto"`` scores the four learners by an inner cross-fitted Qini coefficient
on the training rows only (at most :data:`AUTO_MAX_ROWS`, a random subsample stratified on
arm × outcome when there are more): the rows are split into :data:`INNER_FOLDS` folds
(stratified on arm × outcome), each learner is fitted on two folds and predicts the third, and
the Qini coefficient (:mod:`.metrics`) of the pooled out-of-fold predictions is taken per
treatment (on the rows of that treatment and the control) and averaged over the treatments.
Going from the simplest to the most complex — ``t``, ``ct``, ``x``, ``dr`` (one model per arm;
one model per treatment; two stages; two stages with inverse-propensity terms) — a candidate
replaces the one kept so far only when it *wins clearly*: its Qini is higher than the kept
one's in at least :data:`CLEAR_WIN` of :data:`BOOTSTRAP` Poisson-bootstrap resamples of the
out-of-fold rows (a paired one-sided 95% bootstrap test of the gain; Efron & Tibshirani 1993,
ch. 16; the Poisson weights of Hanley & MacGibbon 2006 / Chamandy et al. 2012 re-weight the same
sorted rows, so no resample sorts again). Differences within the noise so keep the simpler,
cheaper model. The chosen learner is then fitted on all training rows.

**Outcomes.** ``predict_outcome`` gives P(y = 1) under the control (column 0, the learner's
control outcome model) and under each treatment (control + the learner's uplift, clipped to
[0, 1]), so that its differences are exactly :meth:`UpliftModel.predict` wherever no clipping
happens — a caller pricing an action and a caller ranking by uplift see the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import (
    BASE_PARAMS,
    EARLY_STOP_ROUNDS,
    EARLY_STOP_ROWS,
    MAX_TREES,
    SMALL_PARAMS,
    SMALL_ROWS,
    FloatArray,
    FloatMatrix,
    IntArray,
)
from valuecenter.analytics.uplift.class_transformation import CtLearner, fit_ct
from valuecenter.analytics.uplift.crossfit import crossfit_outcomes, fold_ids, stratified_split
from valuecenter.analytics.uplift.data import Experiment, experiment, subset
from valuecenter.analytics.uplift.dr_learner import DrLearner, fit_dr
from valuecenter.analytics.uplift.metrics import qini_coefficient, qini_coefficients
from valuecenter.analytics.uplift.t_learner import TLearner, fit_t
from valuecenter.analytics.uplift.x_learner import XLearner, fit_x
from valuecenter.i18n import N_

Learner = Literal["t", "x", "dr", "ct"]
LEARNERS: tuple[Learner, ...] = get_args(Learner)
SIMPLEST_FIRST: tuple[Learner, ...] = ("t", "ct", "x", "dr")
Fitted = TLearner | XLearner | DrLearner | CtLearner

INNER_FOLDS = 3
AUTO_MAX_ROWS = 100_000
BOOTSTRAP = 200
CLEAR_WIN = 0.95
_CHUNK = 25


@dataclass(frozen=True)
class AutoChoice:
    """Why ``auto`` chose: the inner Qini of each candidate and, for each candidate compared
    with the one kept before it, the share of bootstrap resamples in which it was better."""

    qini: dict[str, float]
    wins: dict[str, float]
    rows: int
    folds: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "inner_qini": {k: round(v, 6) for k, v in self.qini.items()},
            "bootstrap_win_share": {k: round(v, 4) for k, v in self.wins.items()},
            "rule": (
                f"simplest first ({', '.join(SIMPLEST_FIRST)}); a candidate replaces the kept "
                f"one if its Qini is higher in >= {CLEAR_WIN:.0%} of {BOOTSTRAP} bootstrap "
                "resamples"
            ),
            "rows": self.rows,
            "folds": self.folds,
        }


@dataclass(frozen=True)
class UpliftModel:
    """A fitted uplift model: ``learner`` is what was fitted (``requested`` what was asked)."""

    learner: str
    requested: str
    treatments: int
    fitted: Fitted
    rows_per_arm: tuple[int, ...]
    features: int
    seed: int
    folds: int
    propensity_given: bool
    auto: AutoChoice | None = field(default=None)

    def _check(self, x: npt.ArrayLike) -> FloatMatrix:
        matrix = np.asarray(x, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.features:
            raise InputError(
                N_("x: expected %(features)s feature columns, got shape %(shape)s"),
                features=self.features,
                shape=matrix.shape,
            )
        return matrix

    def predict(self, x: npt.ArrayLike) -> FloatMatrix:
        """Predicted uplift (rows × K): P(y=1 | do(t)) − P(y=1 | do(control)), t = 1 … K."""
        return self.fitted.uplift(self._check(x))

    def predict_outcome(self, x: npt.ArrayLike) -> FloatMatrix:
        """Predicted P(y = 1) (rows × (K + 1)): column 0 under the control, column t under
        treatment t (the control's plus the uplift, within [0, 1])."""
        matrix = self._check(x)
        control = self.fitted.control(matrix)
        treated = np.clip(control[:, None] + self.fitted.uplift(matrix), 0.0, 1.0)
        return np.column_stack([control, treated])

    def describe(self) -> dict[str, Any]:
        """What was fitted and why: learner, rows per arm, base-model settings, auto's choice."""
        return {
            "learner": self.learner,
            "requested": self.requested,
            "treatments": self.treatments,
            "rows_per_arm": list(self.rows_per_arm),
            "features": self.features,
            "propensity": "given per row" if self.propensity_given else "arm shares",
            "crossfit_folds": self.folds if self.learner in ("x", "dr") else None,
            "base_model": {
                "library": "lightgbm",
                "params": {**BASE_PARAMS, "max_trees": MAX_TREES, "random_state": self.seed},
                "early_stopping": {
                    "from_rows": EARLY_STOP_ROWS,
                    "held_out_share": 0.1,
                    "rounds": EARLY_STOP_ROUNDS,
                },
                "small_data": {"below_rows": SMALL_ROWS, "params": SMALL_PARAMS},
            },
            "fitted": self.fitted.describe(),
            "auto": self.auto.as_dict() if self.auto is not None else None,
        }


def _fit_one(
    learner: Learner, data: Experiment, seed: int, folds: int, cache: dict[str, Any] | None = None
) -> Fitted:
    """Fit ``learner``; X and DR share one cross-fit of the outcome models through ``cache``."""
    if learner == "t":
        return fit_t(data, seed)
    if learner == "ct":
        return fit_ct(data, seed)
    store = cache if cache is not None else {}
    if "nuisance" not in store:
        store["nuisance"] = crossfit_outcomes(data, folds, seed)
    if learner == "x":
        return fit_x(data, store["nuisance"], seed)
    return fit_dr(data, store["nuisance"], seed)


def _pair_qini(uplift: FloatMatrix, data: Experiment, weight: FloatArray | None) -> FloatArray:
    """The Qini coefficient per treatment on its pair of arms, averaged over the treatments:
    one value, or one per weight vector when ``weight`` is B × n."""
    values: list[FloatArray] = []
    for t in range(1, data.treatments + 1):
        rows = data.pair(t)
        treated = data.arm[rows] == t
        if weight is None:
            one = qini_coefficient(uplift[rows, t - 1], treated, data.y[rows])
            values.append(np.array([one]))
        else:
            values.append(
                qini_coefficients(uplift[rows, t - 1], treated, data.y[rows], weight[:, rows])
            )
    mean: FloatArray = np.mean(np.vstack(values), axis=0)
    return mean


def _out_of_fold(data: Experiment, seed: int, folds: int) -> dict[Learner, FloatMatrix]:
    """Each candidate's out-of-fold uplift on ``data`` (:data:`INNER_FOLDS` folds)."""
    fold = fold_ids(data.arm, data.y, INNER_FOLDS, seed)
    predictions = {c: np.zeros((len(data.y), data.treatments)) for c in SIMPLEST_FIRST}
    for f in range(INNER_FOLDS):
        part = subset(data, fold != f)
        held = data.x[fold == f]
        cache: dict[str, Any] = {}
        for candidate in SIMPLEST_FIRST:
            fitted = _fit_one(candidate, part, seed, min(folds, INNER_FOLDS), cache)
            predictions[candidate][fold == f] = fitted.uplift(held)
    return predictions


def _bootstrap(
    predictions: dict[Learner, FloatMatrix], data: Experiment, seed: int
) -> dict[Learner, FloatArray]:
    """Each candidate's Qini under the same :data:`BOOTSTRAP` Poisson(1) row weights."""
    rng = np.random.default_rng(seed)
    out: dict[Learner, list[FloatArray]] = {c: [] for c in predictions}
    for start in range(0, BOOTSTRAP, _CHUNK):
        weight = rng.poisson(1.0, (min(_CHUNK, BOOTSTRAP - start), len(data.y))).astype(float)
        for candidate, uplift in predictions.items():
            out[candidate].append(_pair_qini(uplift, data, weight))
    return {c: np.concatenate(v) for c, v in out.items()}


def choose(data: Experiment, seed: int, folds: int) -> tuple[Learner, AutoChoice]:
    """The ``auto`` choice (module text) on the training rows ``data``."""
    rows: IntArray = np.arange(len(data.y), dtype=np.int64)
    if len(rows) > AUTO_MAX_ROWS:
        _rest, rows = stratified_split(data.arm, data.y, AUTO_MAX_ROWS / len(rows), seed)
    inner = subset(data, rows)
    predictions = _out_of_fold(inner, seed, folds)
    qini: dict[str, float] = {
        str(c): float(_pair_qini(p, inner, None)[0]) for c, p in predictions.items()
    }
    boot = _bootstrap(predictions, inner, seed)
    kept: Learner = SIMPLEST_FIRST[0]
    wins: dict[str, float] = {}
    for candidate in SIMPLEST_FIRST[1:]:
        share = float(np.mean(boot[candidate] > boot[kept]))
        wins[f"{candidate} over {kept}"] = share
        if share >= CLEAR_WIN:
            kept = candidate
    return kept, AutoChoice(qini=qini, wins=wins, rows=len(rows), folds=INNER_FOLDS)


def fit_uplift(
    x: npt.ArrayLike,
    arm: npt.ArrayLike,
    y: npt.ArrayLike,
    learner: Learner | Literal["auto"] = "auto",
    seed: int = 0,
    folds: int = 5,
    propensity: npt.ArrayLike | None = None,
) -> UpliftModel:
    """Fit an uplift model: ``x`` rows × features (NaN allowed), ``arm`` 0 = control and
    1 … K the treatments, ``y`` 0/1, ``propensity`` each row's P(own arm | x) (default: the
    arm shares), ``folds`` the cross-fitting folds of X and DR."""
    if learner != "auto" and learner not in LEARNERS:
        raise InputError(
            N_("learner: '%(learner)s' is not one of auto, %(names)s"),
            learner=learner,
            names=", ".join(LEARNERS),
        )
    if folds < 2:
        raise InputError(N_("folds: %(folds)s folds cannot cross-fit; use 2 or more"), folds=folds)
    data = experiment(x, arm, y, propensity)
    auto = None
    chosen: Learner
    if learner == "auto":
        chosen, auto = choose(data, seed, folds)
    else:
        chosen = learner
    return UpliftModel(
        learner=chosen,
        requested=learner,
        treatments=data.treatments,
        fitted=_fit_one(chosen, data, seed, folds),
        rows_per_arm=tuple(data.rows_per_arm),
        features=data.x.shape[1],
        seed=seed,
        folds=folds,
        propensity_given=data.propensity_given,
        auto=auto,
    )
