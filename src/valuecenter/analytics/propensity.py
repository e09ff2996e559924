"""Propensity models of a next-best-action catalogue: per action, P(accept | features).

For every action (an offer) of a catalogue one binary model of "the customer accepts" is
trained on the response log: a row per shown action, its features (customer and contact
context) and its label, 1 when the customer accepted and 0 when he rejected or ignored it.
The engine then scores one customer across the 5–15 actions of the catalogue in real time,
so :meth:`ActionModel.predict_one` is a short path: a dot product for the logistic model, one
LightGBM call on one thread for the trees.

* **Enough answers** (at least ``min_positives`` accepted and ``min_negatives`` not
  accepted): the model is :func:`valuecenter.analytics.churn.model.fit_churn` — despite its
  name a general calibrated binary classifier: LightGBM, an L2 logistic regression or their
  50/50 blend chosen by out-of-fold AUC in a stratified inner cross-validation, its
  probabilities calibrated by Platt scaling (Platt 1999) on the out-of-fold log-odds. Only
  what prediction needs is kept: the chosen kind, the logistic parameters (training mean and
  sd, coefficients, intercept), the LightGBM model text and the two Platt parameters.
* **Too few answers**: kind ``"prior"``, a constant — the action's observed acceptance rate
  shrunk towards the catalogue's prior (:func:`shrunk_rate`). Every kind carries that rate as
  :attr:`ActionModel.rate`.

:func:`to_payload` and :func:`from_payload` store a catalogue's models as zlib-compressed
JSON (numbers and LightGBM's own model text; never pickle, so a stored payload can neither
run code when read nor break with a library's private classes), and the round trip gives
identical predictions.

Calibration: Platt's a and b are fitted on the inner folds' out-of-fold log-odds and the
final model is refitted on all rows. The folds stop adding trees exactly when the final fit
does (``fit_churn`` passes it down), so they calibrate a model of about the same size; before
that fix, LightGBM on 10,000–15,000 rows came out about 14% too high on a 12% base rate.
Measured on fresh rows of a 10% logistic-interaction truth (mean predicted ÷ mean true):
1.07 at 8,000 rows (folds of 2/3 the rows make somewhat weaker trees), 1.00 at 12,000, 1.00
at 14,000, 1.03 at 20,000.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import lightgbm
import numpy as np
import numpy.typing as npt

from valuecenter.analytics.churn.calibration import Platt
from valuecenter.analytics.churn.learners import Gbm, Logistic
from valuecenter.analytics.churn.model import _blend, fit_churn
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
PropensityKind = Literal["auto", "gbm", "logistic"]
ModelKind = Literal["prior", "logistic", "gbm", "blend"]

KINDS: tuple[str, ...] = get_args(PropensityKind)
MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
PAYLOAD_FORMAT = "valuecenter.propensity"
PAYLOAD_VERSION = 1
TOP_FEATURES = 5
"""Features listed by :meth:`ActionModel.describe`, by mean |contribution|."""
BLEND_CLIP = 1e-12
"""The probability clip of the blend's log-odds (as in :mod:`valuecenter.analytics.churn`)."""


def shrunk_rate(positives: int, rows: int, prior: float, strength: float) -> float:
    """The acceptance rate shrunk towards ``prior``: (positives + m·prior) / (rows + m).

    It is the posterior mean of a binomial rate under a Beta(m·prior, m·(1 − prior)) prior,
    i.e. ``strength`` = m pseudo-answers at the prior's rate added to the observed ones
    (Gelman et al. 2013, *Bayesian Data Analysis*, 3rd ed., ch. 2.4, the beta-binomial
    model). It is a weighted mean of the observed rate (weight rows/(rows + m)) and the prior,
    so it always lies between the two; with no rows it is the prior.

    Parameters
    ----------
    positives : int
        Accepted rows, ``0 <= positives <= rows``.
    rows : int
        Answers (accepted or not).
    prior : float
        The rate shrunk towards, in (0, 1).
    strength : float
        The pseudo-count m, > 0.

    Returns
    -------
    float
        The shrunk rate.
    """
    if not 0 <= positives <= rows:
        raise InputError(
            N_("data: %(positives)s positives for %(rows)s rows"), positives=positives, rows=rows
        )
    _check_prior(prior, strength)
    return (positives + strength * prior) / (rows + strength)


def _check_prior(prior: float, strength: float) -> None:
    if not (math.isfinite(prior) and 0.0 < prior < 1.0):
        raise InputError(
            N_("prior: %(prior)s is not a probability strictly between 0 and 1"), prior=f"{prior!r}"
        )
    if not (math.isfinite(strength) and strength > 0.0):
        raise InputError(
            N_("prior_strength: %(strength)s must be a finite number above 0"),
            strength=f"{strength!r}",
        )


def _sigmoid(z: float) -> float:
    """σ(z) for one number, without overflow for large |z|."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True, eq=False)
class ActionModel:
    """One action's fitted propensity model.

    Attributes
    ----------
    kind : {"prior", "logistic", "gbm", "blend"}
        The learner chosen; ``"prior"`` when there were too few answers for a model.
    rows : int
        Training rows (answers).
    positives : int
        Accepted rows.
    rate : float
        Shrunk observed rate (positives + m·prior) / (rows + m), see :func:`shrunk_rate`.
    prior : float
        The catalogue's prior the rate was shrunk towards.
    auc : float or None
        Inner-CV out-of-fold AUC of the chosen learner (None for ``"prior"``).
    feature_names : tuple of str
        The feature columns, in matrix order.
    platt : Platt or None
        Platt scaling of the raw log-odds (None for ``"prior"``).
    logistic : Logistic or None
        The logistic regression (``"logistic"`` and ``"blend"``).
    gbm_text : str or None
        LightGBM's model text, ``Booster.model_to_string()`` (``"gbm"`` and ``"blend"``).
    importance : tuple of (str, float)
        Mean |contribution| (calibrated log-odds) of each feature over up to 1,000 training
        rows, largest first.
    """

    kind: ModelKind
    rows: int
    positives: int
    rate: float
    prior: float
    auc: float | None
    feature_names: tuple[str, ...]
    platt: Platt | None = None
    logistic: Logistic | None = None
    gbm_text: str | None = None
    importance: tuple[tuple[str, float], ...] = ()
    booster: Any = field(init=False, repr=False)
    """The LightGBM booster restored from :attr:`gbm_text` (None without trees)."""
    _weights: FloatArray | None = field(init=False, repr=False)
    _offset: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        width = len(self.feature_names)
        if self.kind not in MODEL_KINDS:
            raise InputError(
                N_("kind: '%(kind)s' is not one of %(names)s"),
                kind=self.kind,
                names=", ".join(MODEL_KINDS),
            )
        has_trees = self.kind in ("gbm", "blend")
        has_linear = self.kind in ("logistic", "blend")
        if (self.platt is None) != (self.kind == "prior"):
            raise InputError(
                N_("model: a '%(kind)s' model needs Platt parameters, a prior none"), kind=self.kind
            )
        if (self.gbm_text is not None) != has_trees:
            raise InputError(
                N_("model: a '%(kind)s' model has the wrong LightGBM part"), kind=self.kind
            )
        if (self.logistic is not None) != has_linear:
            raise InputError(
                N_("model: a '%(kind)s' model has the wrong logistic part"), kind=self.kind
            )
        booster = None
        if self.gbm_text is not None:
            try:
                booster = lightgbm.Booster(model_str=self.gbm_text)
            except lightgbm.basic.LightGBMError as error:
                first = str(error).splitlines()[0] if str(error) else "unreadable"
                raise InputError(
                    N_("model: the LightGBM model text is not valid (%(first)s)"), first=first
                ) from None
            if booster.num_feature() != width:
                raise InputError(
                    N_("model: the trees use %(trees)s features, not %(width)s"),
                    trees=booster.num_feature(),
                    width=width,
                )
        object.__setattr__(self, "booster", booster)
        weights, offset = None, 0.0
        if self.logistic is not None:
            lin = self.logistic
            if not (len(lin.mean) == len(lin.scale) == len(lin.coef) == width):
                raise InputError(
                    N_("model: the logistic parameters are not of %(width)s features"), width=width
                )
            # (x − mean)/scale · coef + intercept = x · (coef/scale) + (intercept − mean ·
            # coef/scale): one dot product per row on the fast path.
            weights = np.ascontiguousarray(lin.coef / lin.scale, dtype=np.float64)
            offset = float(lin.intercept - lin.mean @ weights)
        object.__setattr__(self, "_weights", weights)
        object.__setattr__(self, "_offset", offset)

    # ------------------------------------------------------------------ checks

    def _matrix(self, x: FloatArray) -> FloatArray:
        matrix = np.asarray(x, dtype=np.float64)
        width = len(self.feature_names)
        if matrix.ndim != 2 or matrix.shape[1] != width:
            raise InputError(
                N_("data: expected rows × %(width)s features, got shape %(shape)s"),
                width=width,
                shape=matrix.shape,
            )
        if not np.isfinite(matrix).all():
            raise InputError(N_("data: the feature matrix has blanks or infinite values"))
        return matrix

    def _row(self, row: FloatArray) -> FloatArray:
        vector = np.asarray(row, dtype=np.float64)
        if vector.shape != (len(self.feature_names),):
            raise InputError(
                N_("data: expected one row of %(n_feature_names)s features, got shape %(shape)s"),
                n_feature_names=len(self.feature_names),
                shape=vector.shape,
            )
        return vector

    # ------------------------------------------------------------------ scoring

    def margin(self, x: FloatArray) -> FloatArray:
        """Raw log-odds per row before Platt scaling (zeros for ``"prior"``).

        Parameters
        ----------
        x : ndarray of shape (rows, features)
            Finite feature values.

        Returns
        -------
        ndarray of shape (rows,)
        """
        x = self._matrix(x)
        if self.kind == "prior":
            return np.zeros(len(x))
        if self.kind == "logistic":
            assert self.logistic is not None
            return self.logistic.margin(x)
        trees = Gbm(booster=self.booster).margin(x)
        if self.kind == "gbm":
            return trees
        assert self.logistic is not None
        return _blend(trees, self.logistic.margin(x))

    def predict(self, x: FloatArray) -> FloatArray:
        """Calibrated P(accept) per row: Platt's σ(a·margin + b); :attr:`rate` for a prior.

        Parameters
        ----------
        x : ndarray of shape (rows, features)
            Finite feature values, in the order of :attr:`feature_names`.

        Returns
        -------
        ndarray of shape (rows,)
            Probabilities in (0, 1).
        """
        margin = self.margin(x)
        if self.platt is None:
            return np.full(len(margin), self.rate)
        return self.platt.apply(margin)

    def predict_one(self, row: FloatArray) -> float:
        """P(accept) of one row, the real-time path; equal to ``predict`` up to rounding.

        Logistic: one dot product with the folded weights coef/sd; gbm: one
        ``booster.predict(..., raw_score=True, num_threads=1)`` call; then Platt's
        σ(a·margin + b) in plain floats.

        Parameters
        ----------
        row : ndarray of shape (features,)
            One row of finite feature values.

        Returns
        -------
        float
        """
        vector = self._row(row)
        if self.platt is None:
            if not math.isfinite(float(vector.sum())):
                raise InputError(N_("data: the row has blanks or infinite values"))
            return self.rate
        if self.kind == "logistic":
            assert self._weights is not None
            margin = float(vector @ self._weights) + self._offset
            # A blank or infinite value makes the dot product non-finite: no separate check.
            if not math.isfinite(margin):
                raise InputError(N_("data: the row has blanks or infinite values"))
        else:
            if not np.isfinite(vector).all():
                raise InputError(N_("data: the row has blanks or infinite values"))
            margin = float(
                self.booster.predict(vector.reshape(1, -1), raw_score=True, num_threads=1)[0]
            )
            if self.kind == "blend":
                assert self._weights is not None
                linear = float(vector @ self._weights) + self._offset
                mean = 0.5 * _sigmoid(margin) + 0.5 * _sigmoid(linear)
                mean = min(max(mean, BLEND_CLIP), 1.0 - BLEND_CLIP)
                margin = math.log(mean / (1.0 - mean))
        return _sigmoid(self.platt.a * margin + self.platt.b)

    def contributions(self, x: FloatArray) -> FloatArray:
        """(rows × features) contributions to the calibrated log-odds, logit P.

        For ``"logistic"`` a·βⱼ·zⱼ with zⱼ the feature standardised on the training rows, for
        ``"gbm"`` a times LightGBM's TreeSHAP values (Lundberg et al. 2020); with the bias
        (a·intercept + b, resp. a·expected value + b) they add up exactly to logit P. For the
        blend the mean of the two models' (which sums to the mean of their log-odds, close to
        the blend's); zeros for a prior.

        Parameters
        ----------
        x : ndarray of shape (rows, features)

        Returns
        -------
        ndarray of shape (rows, features)
        """
        x = self._matrix(x)
        if self.platt is None:
            return np.zeros(x.shape)
        if self.kind == "logistic":
            assert self.logistic is not None
            raw = self.logistic.contributions(x)[0]
        else:
            raw = Gbm(booster=self.booster).contributions(x)[0]
            if self.kind == "blend":
                assert self.logistic is not None
                raw = (raw + self.logistic.contributions(x)[0]) / 2
        result: FloatArray = self.platt.a * raw
        return result

    def contributions_one(self, row: FloatArray) -> FloatArray:
        """Per-feature contributions of one row to its calibrated log-odds (see
        :meth:`contributions`); zeros for a prior.

        Parameters
        ----------
        row : ndarray of shape (features,)

        Returns
        -------
        ndarray of shape (features,)
        """
        vector = self._row(row)
        result: FloatArray = self.contributions(vector.reshape(1, -1))[0]
        return result

    # ------------------------------------------------------------------ summary

    def top_features(self, n: int = TOP_FEATURES) -> list[tuple[str, float]]:
        """The ``n`` features of largest mean |contribution| on the training rows."""
        return list(self.importance[:n])

    def describe(self) -> dict[str, object]:
        """A JSON-able summary: kind, rows, positives, rate, prior, AUC, calibration and the
        top features by mean |contribution|."""
        summary: dict[str, object] = {
            "kind": self.kind,
            "rows": self.rows,
            "positives": self.positives,
            "rate": round(self.rate, 6),
            "prior": round(self.prior, 6),
            "auc": None if self.auc is None else round(self.auc, 6),
            "top_features": [
                {"feature": name, "importance": round(value, 6)}
                for name, value in self.top_features()
            ],
        }
        if self.platt is not None:
            summary["calibration"] = {
                "method": "platt",
                "a": round(self.platt.a, 6),
                "b": round(self.platt.b, 6),
            }
        if self.logistic is not None:
            summary["logistic_C"] = self.logistic.c
        if self.booster is not None:
            summary["trees"] = int(self.booster.num_trees())
        return summary


# ---------------------------------------------------------------------- fitting


def _names(feature_names: Sequence[str] | None, width: int) -> tuple[str, ...]:
    names = (
        tuple(feature_names) if feature_names is not None else tuple(f"x{i}" for i in range(width))
    )
    if len(names) != width:
        raise InputError(
            N_("feature_names: %(n_names)s names for %(width)s feature columns"),
            n_names=len(names),
            width=width,
        )
    if not all(isinstance(name, str) for name in names):
        raise InputError(N_("feature_names: every name must be a string"))
    if len(set(names)) != len(names):
        raise InputError(N_("feature_names: the names are not unique"))
    return names


def fit_action(
    x: FloatArray,
    y: npt.ArrayLike,
    *,
    prior: float,
    kind: PropensityKind = "auto",
    seed: int = 0,
    min_positives: int = 30,
    min_negatives: int = 30,
    prior_strength: float = 20.0,
    feature_names: Sequence[str] | None = None,
) -> ActionModel:
    """Fit one action's propensity model on its response log.

    With fewer than ``min_positives`` accepted or ``min_negatives`` not-accepted rows the
    model is the constant ``"prior"``: the beta-binomial posterior mean
    (positives + m·prior) / (rows + m) with m = ``prior_strength`` (Gelman et al. 2013,
    *Bayesian Data Analysis*, ch. 2; :func:`shrunk_rate`). Otherwise it is
    :func:`valuecenter.analytics.churn.model.fit_churn`, a general calibrated binary
    classifier despite its name (LightGBM, L2 logistic regression or their blend chosen by
    inner cross-validated AUC; Platt 1999 calibration), of which the parameters needed for
    prediction are kept.

    Parameters
    ----------
    x : ndarray of shape (rows, features)
        Finite features (customer and contact context) of each answer.
    y : array-like of shape (rows,)
        1 accepted, 0 rejected or ignored.
    prior : float
        The catalogue's prior acceptance rate, in (0, 1).
    kind : {"auto", "gbm", "logistic"}
        The learner; ``"auto"`` chooses by inner-CV AUC.
    seed : int
        Seed of the inner folds and of LightGBM.
    min_positives, min_negatives : int
        Answers of each class below which no model is fitted (each at least 2).
    prior_strength : float
        The pseudo-count m of the shrinkage, > 0.
    feature_names : sequence of str, optional
        Column names (default ``x0``, ``x1``, …).

    Returns
    -------
    ActionModel
    """
    if kind not in KINDS:
        raise InputError(
            N_("kind: '%(kind)s' is not one of %(names)s"), kind=kind, names=", ".join(KINDS)
        )
    _check_prior(prior, prior_strength)
    for name, value in (("min_positives", min_positives), ("min_negatives", min_negatives)):
        if value < 2:
            raise InputError(
                N_("%(name)s: %(value)s is below 2, the inner cross-validation's minimum"),
                name=name,
                value=value,
            )
    matrix = np.asarray(x, dtype=np.float64)
    labels = np.asarray(y)
    if matrix.ndim != 2 or labels.ndim != 1 or len(matrix) != len(labels):
        raise InputError(
            N_("data: %(shape)s features for %(shape2)s labels"),
            shape=matrix.shape,
            shape2=labels.shape,
        )
    if not np.isfinite(matrix).all():
        raise InputError(N_("data: the feature matrix has blanks or infinite values"))
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise InputError(N_("target: labels must be 1 (accepted) or 0 (rejected or ignored)"))
    labels = labels.astype(np.int64)
    names = _names(feature_names, matrix.shape[1])
    rows = len(labels)
    positives = int(labels.sum())
    rate = shrunk_rate(positives, rows, prior, prior_strength)
    if positives < min_positives or rows - positives < min_negatives:
        return ActionModel(
            kind="prior",
            rows=rows,
            positives=positives,
            rate=rate,
            prior=prior,
            auc=None,
            feature_names=names,
        )
    churn = fit_churn(matrix, labels, kind=kind, seed=seed, feature_names=list(names))
    gbm_text = None
    if churn.gbm is not None:
        gbm_text = churn.gbm.booster.model_to_string()
    importance = np.abs(churn.contributions(churn.reference)[0]).mean(axis=0) * abs(churn.platt.a)
    ranked = sorted(zip(names, (float(v) for v in importance), strict=True), key=lambda p: -p[1])
    return ActionModel(
        kind=churn.kind,
        rows=rows,
        positives=positives,
        rate=rate,
        prior=prior,
        auc=float(churn.inner.auc[churn.kind]),
        feature_names=names,
        platt=churn.platt,
        logistic=churn.logistic,
        gbm_text=gbm_text,
        importance=tuple(ranked),
    )


# ---------------------------------------------------------------------- storage


def _model_record(model: ActionModel) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": model.kind,
        "rows": model.rows,
        "positives": model.positives,
        "rate": model.rate,
        "prior": model.prior,
        "auc": model.auc,
        "importance": [[name, value] for name, value in model.importance],
        "platt": None,
        "logistic": None,
        "gbm": model.gbm_text,
    }
    if model.platt is not None:
        record["platt"] = {"a": model.platt.a, "b": model.platt.b}
    if model.logistic is not None:
        lin = model.logistic
        record["logistic"] = {
            "mean": lin.mean.tolist(),
            "scale": lin.scale.tolist(),
            "coef": lin.coef.tolist(),
            "intercept": float(lin.intercept),
            "c": float(lin.c),
        }
    return record


def to_payload(models: Mapping[str, ActionModel], feature_names: Sequence[str]) -> bytes:
    """A catalogue's models as zlib-compressed JSON (RFC 8259 text, RFC 1950 stream).

    Floats are written as Python's shortest repr, which reads back to the same double, and the
    trees as LightGBM's own model text, so :func:`from_payload` gives identical predictions.
    No pickle: reading a payload runs no code.

    Parameters
    ----------
    models : mapping of str to ActionModel
        Per action key its model; every model must use ``feature_names``.
    feature_names : sequence of str
        The shared feature columns, in matrix order.

    Returns
    -------
    bytes
    """
    names = list(feature_names)
    actions: dict[str, Any] = {}
    for key, model in models.items():
        if not isinstance(key, str):
            raise InputError(N_("models: the action key %(key)s is not a string"), key=f"{key!r}")
        if list(model.feature_names) != names:
            raise InputError(
                N_("models: action '%(key)s' was fitted on other feature columns"), key=key
            )
        actions[key] = _model_record(model)
    document = {
        "format": PAYLOAD_FORMAT,
        "version": PAYLOAD_VERSION,
        "feature_names": names,
        "actions": actions,
    }
    text = json.dumps(document, allow_nan=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"))


def _floats(values: Any, what: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(N_("payload: %(what)s is not a list of numbers"), what=what)
    return array


def _from_record(key: str, record: Mapping[str, Any], names: tuple[str, ...]) -> ActionModel:
    platt = record.get("platt")
    lin = record.get("logistic")
    auc = record.get("auc")
    return ActionModel(
        kind=record["kind"],
        rows=int(record["rows"]),
        positives=int(record["positives"]),
        rate=float(record["rate"]),
        prior=float(record["prior"]),
        auc=None if auc is None else float(auc),
        feature_names=names,
        platt=None if platt is None else Platt(a=float(platt["a"]), b=float(platt["b"])),
        logistic=None
        if lin is None
        else Logistic(
            mean=_floats(lin["mean"], f"action '{key}' mean"),
            scale=_floats(lin["scale"], f"action '{key}' scale"),
            coef=_floats(lin["coef"], f"action '{key}' coef"),
            intercept=float(lin["intercept"]),
            c=float(lin["c"]),
        ),
        gbm_text=record.get("gbm"),
        importance=tuple((str(name), float(value)) for name, value in record["importance"]),
    )


def from_payload(payload: bytes) -> tuple[dict[str, ActionModel], list[str]]:
    """Read what :func:`to_payload` wrote: the models per action key and the feature names.

    Parameters
    ----------
    payload : bytes
        zlib-compressed JSON of :func:`to_payload`.

    Returns
    -------
    models : dict of str to ActionModel
    feature_names : list of str
    """
    try:
        document = json.loads(zlib.decompress(payload).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InputError(
            N_("payload: not zlib-compressed JSON (%(error_type)s)"),
            error_type=type(error).__name__,
        ) from None
    if not isinstance(document, dict) or document.get("format") != PAYLOAD_FORMAT:
        raise InputError(N_("payload: not a propensity payload"))
    if document.get("version") != PAYLOAD_VERSION:
        raise InputError(
            N_("payload: version %(version)s is not %(payload_version)s"),
            version=f"{document.get('version')!r}",
            payload_version=PAYLOAD_VERSION,
        )
    names = _names(document.get("feature_names"), len(document.get("feature_names") or []))
    models: dict[str, ActionModel] = {}
    for key, record in dict(document.get("actions") or {}).items():
        try:
            models[key] = _from_record(key, record, names)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, InputError):
                raise
            raise InputError(
                N_("payload: action '%(key)s' is incomplete (%(error)s)"),
                key=key,
                error=f"{error!r}",
            ) from None
    return models, list(names)


__all__ = [
    "ActionModel",
    "ModelKind",
    "PropensityKind",
    "fit_action",
    "from_payload",
    "shrunk_rate",
    "to_payload",
]
