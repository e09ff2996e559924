"""How well a predicted uplift ranks the rows of an experiment (binary outcome, one treatment
against the control group). For several treatments the caller scores each treatment against
the control on the rows of those two arms.

The conventions are scikit-uplift's (Maksimov et al., ``sklift.metrics``, version 0.5), so the
figures compare with the literature that uses it:

* **Uplift at k** (``uplift_at_k(strategy="overall")``): sort the *whole* set by predicted uplift,
  descending, take the first ``floor(k · n)`` rows, and return the response rate of the treated
  rows among them minus that of the control rows among them. Ties keep the rows' order (a
  stable sort); scikit-uplift reverses a stable ascending sort, which orders tied rows the other
  way — the two agree whenever the cut does not split a tie.
* **Qini curve** (Radcliffe 2007, "Using control groups to target on predicted lift: building and
  assessing uplift models", Direct Marketing Analytics Journal 1:14–21): after the first
  ``N(φ)`` rows of the sorted set, ``Q(φ) = Y_t(φ) − Y_c(φ) · N_t(φ) / N_c(φ)`` — the treated
  responders minus the control responders scaled to the treated count (0 while no control row
  has been seen). Points are taken only where the score changes, so tied rows enter together
  and their order does not matter; the curve starts at (0, 0).
* **Qini coefficient** (``qini_auc_score(negative_effect=True)``): with ``A(·)`` the trapezoid
  area under a curve over ``N = 0 … n``,
  ``(A(model) − A(random)) / (A(perfect) − A(random))``, where *random* is the straight line
  from (0, 0) to the curve's end (n, Q(n)) and *perfect* is the Qini curve of the ranking that
  puts treated responders first and control responders last (score ``y·t − y·(1 − t)``).
  1 is that perfect ranking, 0 is no better than random, below 0 worse.
* **Uplift curve** (``uplift_curve``; Devriendt, Guns & Verbeke 2020, "Learning to rank for
  uplift modeling"): ``U(φ) = (Y_t/N_t − Y_c/N_c) · N(φ)`` (a rate of an arm not yet seen counts
  as 0), and the **AUUC** (``uplift_auc_score``) is normalised as the Qini coefficient, with
  scikit-uplift's perfect uplift ranking: score ``2·1[y = t] + (y if CR > TN else t)``, CR the
  control responders and TN the treated non-responders.

The curve functions accept row weights of shape (B, n) as well — one curve per weight vector —
which the ``auto`` choice uses for a Poisson bootstrap without sorting again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import FloatArray
from valuecenter.i18n import N_

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Curve:
    """Points of a Qini or uplift curve: ``x`` the rows taken (N), ``y`` the curve's value."""

    x: FloatArray
    y: FloatArray


def _inputs(
    uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Scores, treated (0/1) and outcome (0/1) as floats of one length; both arms present."""
    score = np.asarray(uplift_pred, dtype=np.float64)
    flag = np.asarray(treated)
    outcome = np.asarray(y)
    if score.ndim != 1 or flag.shape != score.shape or outcome.shape != score.shape:
        raise InputError(
            N_(
                "uplift: scores %(shape)s, treated %(shape2)s and outcomes %(shape3)s "
                "must be three arrays of one length"
            ),
            shape=score.shape,
            shape2=flag.shape,
            shape3=outcome.shape,
        )
    if np.isnan(score).any():
        raise InputError(
            N_("uplift: row %(row)s has no score"), row=int(np.nonzero(np.isnan(score))[0][0])
        )
    if not np.isin(flag, (0, 1)).all():
        raise InputError(N_("treated: values must be true/false (1/0)"))
    if not np.isin(outcome, (0, 1)).all():
        raise InputError(N_("y: outcomes must be 0 or 1"))
    t = flag.astype(np.float64)
    if t.sum() == 0 or t.sum() == len(t):
        missing = "treated" if t.sum() == 0 else "control"
        raise InputError(
            N_("treated: no %(missing)s row; the metrics compare both arms"), missing=missing
        )
    return score, t, outcome.astype(np.float64)


def _descending(score: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The stable descending order and the positions (in it) of the last row of each distinct
    score — where the curves take their points."""
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    ends = np.r_[np.nonzero(np.diff(ranked))[0], len(ranked) - 1]
    return order, ends


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    out: FloatArray = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
    return out


def _sums(
    order: npt.NDArray[np.intp],
    ends: npt.NDArray[np.intp],
    t: FloatArray,
    y: FloatArray,
    weight: FloatArray | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Cumulative N, N_t, N_c, Y_t, Y_c at the curve's points (weighted: one row per weight)."""
    w = np.ones(len(t)) if weight is None else weight[..., order]
    ts, ys = t[order], y[order]
    n = np.cumsum(w, axis=-1)[..., ends]
    n_t = np.cumsum(w * ts, axis=-1)[..., ends]
    y_t = np.cumsum(w * ts * ys, axis=-1)[..., ends]
    y_c = np.cumsum(w * (1 - ts) * ys, axis=-1)[..., ends]
    return n, n_t, n - n_t, y_t, y_c


def _start_at_zero(x: FloatArray, value: FloatArray) -> Curve:
    pad = [(0, 0)] * (x.ndim - 1) + [(1, 0)]
    return Curve(x=np.pad(x, pad), y=np.pad(value, pad))


def _qini(score: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None) -> Curve:
    order, ends = _descending(score)
    n, n_t, n_c, y_t, y_c = _sums(order, ends, t, y, weight)
    return _start_at_zero(n, y_t - y_c * _ratio(n_t, n_c))


def _uplift(score: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None) -> Curve:
    order, ends = _descending(score)
    n, n_t, n_c, y_t, y_c = _sums(order, ends, t, y, weight)
    return _start_at_zero(n, (_ratio(y_t, n_t) - _ratio(y_c, n_c)) * n)


def qini_curve(uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike) -> Curve:
    """The Qini curve (Radcliffe 2007) of ranking by ``uplift_pred``; see the module text."""
    score, t, outcome = _inputs(uplift_pred, treated, y)
    return _qini(score, t, outcome, None)


def uplift_curve(uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike) -> Curve:
    """The uplift curve of ranking by ``uplift_pred``; see the module text."""
    score, t, outcome = _inputs(uplift_pred, treated, y)
    return _uplift(score, t, outcome, None)


def _area(curve: Curve) -> FloatArray:
    area: FloatArray = np.asarray(np.trapezoid(curve.y, curve.x, axis=-1), dtype=np.float64)
    return area


def _normalised(model: Curve, perfect: Curve, what: str) -> FloatArray:
    """(A(model) − A(random)) / (A(perfect) − A(random)), random the chord to the end point."""
    random = model.x[..., -1] * model.y[..., -1] / 2
    room = _area(perfect) - random
    if np.ndim(room) == 0 and room == 0:
        raise InputError(
            N_(
                "y: the %(what)s is undefined here: no ranking beats a random one (no "
                "responders, or responders of one kind only in a one-row arm)"
            ),
            what=what,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        value: FloatArray = (_area(model) - random) / room
    return value


def _perfect_qini_score(t: FloatArray, y: FloatArray) -> FloatArray:
    score: FloatArray = y * t - y * (1 - t)
    return score


def _perfect_uplift_score(t: FloatArray, y: FloatArray) -> FloatArray:
    control_responders = float(((y == 1) & (t == 0)).sum())
    treated_non_responders = float(((y == 0) & (t == 1)).sum())
    summand = y if control_responders > treated_non_responders else t
    score: FloatArray = 2.0 * (y == t) + summand
    return score


def qini_coefficients(
    uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike, weight: FloatArray
) -> FloatArray:
    """The Qini coefficient under each row-weight vector of ``weight`` (B × n): the same
    rankings, one weighted curve per vector (a bootstrap without re-sorting)."""
    score, t, outcome = _inputs(uplift_pred, treated, y)
    model = _qini(score, t, outcome, weight)
    perfect = _qini(_perfect_qini_score(t, outcome), t, outcome, weight)
    return _normalised(model, perfect, "Qini coefficient")


def qini_coefficient(uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """The normalised area between the Qini curve and the random line (module text)."""
    score, t, outcome = _inputs(uplift_pred, treated, y)
    model = _qini(score, t, outcome, None)
    perfect = _qini(_perfect_qini_score(t, outcome), t, outcome, None)
    return float(_normalised(model, perfect, "Qini coefficient"))


def auuc(uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """The normalised area under the uplift curve (scikit-uplift's ``uplift_auc_score``)."""
    score, t, outcome = _inputs(uplift_pred, treated, y)
    model = _uplift(score, t, outcome, None)
    perfect = _uplift(_perfect_uplift_score(t, outcome), t, outcome, None)
    return float(_normalised(model, perfect, "AUUC"))


def uplift_at_k(
    uplift_pred: npt.ArrayLike, treated: npt.ArrayLike, y: npt.ArrayLike, k: float
) -> float:
    """Response rate of the treated minus that of the controls among the top ``k`` share of
    the whole set sorted by predicted uplift (scikit-uplift's ``strategy="overall"``)."""
    if not 0 < k <= 1:
        raise InputError(N_("k: %(k)s is not a share in (0, 1]"), k=k)
    score, t, outcome = _inputs(uplift_pred, treated, y)
    top = int(len(score) * k)
    if top == 0:
        raise InputError(
            N_("k: the top %(k)s of %(n_score)s rows is no row"), k=f"{k:.0%}", n_score=len(score)
        )
    chosen = np.argsort(-score, kind="stable")[:top]
    in_arm = t[chosen]
    for flag, arm in ((1.0, "treated"), (0.0, "control")):
        if not (in_arm == flag).any():
            raise InputError(
                N_(
                    "uplift_at_k: no %(arm)s row in the top %(k)s (%(top)s rows); the uplift "
                    "there cannot be measured"
                ),
                arm=arm,
                k=f"{k:.0%}",
                top=top,
            )
    picked = outcome[chosen]
    return float(picked[in_arm == 1].mean() - picked[in_arm == 0].mean())
