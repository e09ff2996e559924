"""A risk score judged on the company's own past: out-of-time AUC, calibration and the
at-risk cut (issue 18, "risk that is measured, not assumed").

A risk model is fitted on the history before ``as_of − horizon`` and scores every customer
known then; whether he left is known at ``as_of`` (no order, or no running contract, in the
horizon after the cut). On those scores and outcomes:

- **AUC** (Hanley & McNeil 1982): the chance that a leaver is ranked above a stayer — the
  figure by which the run picks its risk model (on CDNOW the issue measured recency 0.706,
  BG/NBD 1 − P(alive) 0.715, a learned model 0.728: the models are judged, not assumed);
- **calibration**: the score is put on the validation cut's rank scale (its normal score,
  Φ⁻¹ of the mid-rank, so any monotonic score — days, a probability, a log-odds — has the
  same shape), then Platt scaling (Platt 1999; ``churn.calibration``) maps it to the observed
  leaving rate, so today's score reads as "chance of leaving within the horizon". Both steps
  are increasing when Platt's slope is positive, so the ranking (the AUC) is kept; a score
  whose slope is not positive ranks leavers no better than chance and is refused;
- **the at-risk cut**: the largest top group of the validation cut, ranked by the score, of
  which at least ``precision`` left (default one in two, the precision the issue asks of the
  early warning); when no top group of at least 1% of the customers reaches it, the group with
  the best precision. Today a customer is at risk when his calibrated risk is at or above
  the calibrated risk of that group's last member.

The calibration carries the cut's leaving rates over to today: it assumes the company's
leaving rate at ``as_of`` is like the one a horizon before (stated on the value page).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]
from sklearn.metrics import brier_score_loss, roc_auc_score

from valuecenter.analytics.churn.calibration import Platt, fit_platt
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
MIN_CLASS = 20  # leavers and stayers needed on the validation cut (as the alerts' churn model)
MIN_GROUP_SHARE = 0.01  # the at-risk group of the validation cut: at least 1% of its customers


@dataclass(frozen=True)
class ValidatedRisk:
    """A risk score's out-of-time figures and the map from its raw score to a calibrated
    chance of leaving."""

    auc: float
    brier: float  # of the calibrated risk on the validation cut
    rows: int  # customers scored at the cut
    leavers: int  # ... of whom left in the horizon after it
    reference: FloatArray  # the validation cut's scores, sorted (the rank scale)
    platt: Platt
    cut: float  # calibrated risk at and above which a customer is at risk
    precision: float  # share of leavers among the validation customers at or above the cut
    flagged_share: float  # share of the validation customers at or above the cut

    def risk(self, score: npt.ArrayLike) -> FloatArray:
        """Calibrated chance of leaving within the horizon for raw scores of the same model."""
        return self.platt.apply(_normal_scores(self.reference, score))

    def at_risk(self, score: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        result: npt.NDArray[np.bool_] = self.risk(score) >= self.cut
        return result


def validate_risk(
    score: npt.ArrayLike, left: npt.ArrayLike, *, precision: float = 0.5
) -> ValidatedRisk:
    """Judge raw scores (higher = more likely to leave; any monotonic scale) against what
    happened. ``score`` and ``left`` (0/1): one per customer scored at the validation cut."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(left, dtype=np.int64)
    if len(s) != len(y):
        raise InputError(N_("score and outcome differ in length"))
    if not 0.0 < precision <= 1.0:
        raise InputError(N_("precision: needs a share above 0 and up to 1"))
    finite = np.isfinite(s)
    s, y = s[finite], y[finite]
    leavers = int(y.sum())
    if leavers < MIN_CLASS or len(y) - leavers < MIN_CLASS:
        raise InputError(
            N_(
                "the validation cut has %(left)s leavers of %(n)s customers; %(min)s of each "
                "are needed"
            ),
            left=leavers,
            n=len(y),
            min=MIN_CLASS,
        )
    reference = np.sort(s)
    z = _normal_scores(reference, s)
    platt = fit_platt(z, y)
    if platt.a <= 0:
        raise InputError(N_("the score does not rank leavers above stayers on the validation cut"))
    calibrated = platt.apply(z)
    # The AUC of the ranking itself (a calibration that turned it round would hide a score
    # that ranks leavers low); the Brier score of the calibrated chances.
    auc = float(roc_auc_score(y, z))
    brier = float(brier_score_loss(y, calibrated))
    cut, reached, share = _precision_cut(calibrated, y, precision)
    return ValidatedRisk(
        auc=auc,
        brier=brier,
        rows=len(y),
        leavers=leavers,
        reference=reference,
        platt=platt,
        cut=cut,
        precision=reached,
        flagged_share=share,
    )


def _normal_scores(reference: FloatArray, score: npt.ArrayLike) -> FloatArray:
    """Φ⁻¹ of each score's mid-rank among the sorted ``reference`` (ties share a rank; scores
    beyond the reference get the extreme half-rank)."""
    s = np.asarray(score, dtype=np.float64)
    n = len(reference)
    below = np.searchsorted(reference, s, side="left")
    upto = np.searchsorted(reference, s, side="right")
    share = np.clip((below + upto) / 2.0, 0.5, n - 0.5) / n
    result: FloatArray = special.ndtri(share)
    return result


def _precision_cut(
    risk: FloatArray, y: npt.NDArray[np.int64], target: float
) -> tuple[float, float, float]:
    """(cut, its precision, its share): the largest top group with precision ≥ ``target``,
    cut only between different scores; else the top group of ≥ 1% with the best precision."""
    order = np.argsort(-risk, kind="stable")
    ranked = risk[order]
    hits = np.cumsum(y[order])
    k = np.arange(1, len(y) + 1)
    # A cut may fall only where the next customer's score is lower (ties stay together).
    ends = np.flatnonzero(np.r_[ranked[1:] < ranked[:-1], True])
    prec = hits[ends] / k[ends]
    big = k[ends] >= max(1, int(np.ceil(MIN_GROUP_SHARE * len(y))))
    good = np.flatnonzero((prec >= target) & big)
    pick = int(good[-1]) if len(good) else int(np.argmax(np.where(big, prec, -1.0)))
    end = int(ends[pick])
    return float(ranked[end]), float(prec[pick]), float((end + 1) / len(y))
