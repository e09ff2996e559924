"""RFM scores and named RFM segments.

Recency, frequency and monetary value scored in quantile bins, 5 best (Hughes 1994, *Strategic
Database Marketing*; the quintile coding of Fader, Hardie & Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis", *Journal of Marketing Research* 42(4), 415–430).

Scoring rule (ties and small n). Each measure is ordered so that larger is better (recency in
days is negated: the most recent customer is best). A customer's score is
``1 + floor(bins · (rank − 1) / n)``, where ``rank`` is his ``min`` rank (1 for the worst; tied
customers all get the lowest rank of their group). So:

* equal values always get equal scores, whatever the row order (deterministic);
* with distinct values each score holds n / bins customers (± 1) — quintiles for bins = 5;
* a large tie (e.g. the many one-time buyers) shares the score where it starts, and the scores it
  spans are left empty rather than split arbitrarily between identical customers;
* with fewer customers than bins the scores spread over 1..bins by the same formula (one
  customer scores 1).

Segments follow the widely used R × F grid of the RFM segmentation literature (the "customer
segmentation by RFM" map of ten named cells, with "lost" split off the worst corner), on scores
rescaled to quintiles when ``bins`` ≠ 5 (``ceil(score · 5 / bins)``):

================  =====  =====
segment           R      F
================  =====  =====
champions         5      4–5
loyal             3–4    4–5
potential loyalist 4–5   2–3
new               5      1
promising         4      1
needs attention   3      3
about to sleep    3      1–2
at risk           1–2    3–4
can't lose them   1–2    5
hibernating       1–2    1–2 (not R1 F1)
lost              1      1
================  =====  =====
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

SEGMENTS = (
    "champions",
    "loyal",
    "potential loyalist",
    "new",
    "promising",
    "needs attention",
    "about to sleep",
    "at risk",
    "can't lose them",
    "hibernating",
    "lost",
)

# _GRID[r - 1][f - 1]: the segment of quintile scores r (recency) and f (frequency).
_GRID = (
    ("lost", "hibernating", "at risk", "at risk", "can't lose them"),
    ("hibernating", "hibernating", "at risk", "at risk", "can't lose them"),
    ("about to sleep", "about to sleep", "needs attention", "loyal", "loyal"),
    ("promising", "potential loyalist", "potential loyalist", "loyal", "loyal"),
    ("new", "potential loyalist", "potential loyalist", "champions", "champions"),
)


def _measure(values: npt.ArrayLike | pd.Series, field: str) -> npt.NDArray[np.float64]:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1:
        raise InputError(N_("%(field)s: needs a one-dimensional list of numbers"), field=field)
    if not np.isfinite(array).all():
        raise InputError(N_("%(field)s: has missing or infinite values"), field=field)
    return array


def quantile_cuts(values: npt.ArrayLike, bins: int = 5) -> npt.NDArray[np.float64]:
    """The ``bins − 1`` cut values of :func:`quantile_scores`: a value scores 1 + the number of
    cuts strictly below it. With ``c`` values strictly below it a value scores
    ``1 + floor(bins · c / n)`` (its ``min`` rank is c + 1), so it reaches score k exactly when
    ``c ≥ ceil((k − 1) · n / bins)``, i.e. when the ``ceil((k − 1) · n / bins)``-th smallest value
    lies below it. The cuts are that order statistic for k = 2..bins (−∞ when it is the 0th)."""
    array = np.sort(_measure(values, "values"))
    n = len(array)
    counts = [((k - 1) * n + bins - 1) // bins for k in range(2, bins + 1)]
    return np.array([array[c - 1] if c > 0 else -np.inf for c in counts], dtype=np.float64)


def scores_at(cuts: npt.NDArray[np.float64], values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Scores of ``values`` against cuts of :func:`quantile_cuts` (of these or other values:
    a partition of the customers is scored with the cuts of all of them)."""
    array = _measure(values, "values")
    scores: npt.NDArray[np.int64] = 1 + np.searchsorted(cuts, array, side="left").astype(np.int64)
    return scores


def quantile_scores(values: npt.ArrayLike, bins: int = 5) -> npt.NDArray[np.int64]:
    """Scores 1..bins, larger values scoring higher; ties share a score (see the module rule)."""
    return scores_at(quantile_cuts(values, bins), values)


def segment_of(r: npt.ArrayLike, f: npt.ArrayLike, bins: int = 5) -> npt.NDArray[np.str_]:
    """The named segment of each (recency score, frequency score) pair (the module's grid)."""
    r5 = np.ceil(np.asarray(r, dtype=np.float64) * 5 / bins).astype(np.int64)
    f5 = np.ceil(np.asarray(f, dtype=np.float64) * 5 / bins).astype(np.int64)
    if ((r5 < 1) | (r5 > 5) | (f5 < 1) | (f5 > 5)).any():
        raise InputError(N_("r: scores must lie in 1..%(bins)s"), bins=bins)
    grid = np.array(_GRID)
    named: npt.NDArray[np.str_] = grid[r5 - 1, f5 - 1]
    return named


def rfm_scores(
    recency_days: npt.ArrayLike | pd.Series,
    frequency: npt.ArrayLike | pd.Series,
    monetary: npt.ArrayLike | pd.Series,
    bins: int = 5,
) -> pd.DataFrame:
    """R, F and M scores (1..bins, ``bins`` best), the "RFM" code and the named segment.

    Parameters
    ----------
    recency_days : array_like
        Days since each customer's last purchase (fewer is better), ≥ 0.
    frequency : array_like
        Purchases (or purchase periods) of each customer (more is better).
    monetary : array_like
        Value of each customer, e.g. revenue or mean purchase value (more is better).
    bins : int, default 5
        Number of scores, 2..9 (5: quintiles).

    Returns
    -------
    pandas.DataFrame
        Columns ``r``, ``f``, ``m`` (int), ``rfm`` (e.g. ``"543"``) and ``segment``; the index of
        ``recency_days`` when it is a Series, else 0..n−1.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 9:
        raise InputError(N_("bins: needs a whole number from 2 to 9"))
    recency = _measure(recency_days, "recency_days")
    freq = _measure(frequency, "frequency")
    money = _measure(monetary, "monetary")
    if not len(recency) == len(freq) == len(money):
        raise InputError(N_("frequency: recency_days, frequency and monetary differ in length"))
    if (recency < 0).any():
        raise InputError(N_("recency_days: needs values ≥ 0"))
    index = recency_days.index if isinstance(recency_days, pd.Series) else None
    if len(recency) == 0:
        empty: dict[str, list[object]] = {"r": [], "f": [], "m": [], "rfm": [], "segment": []}
        return pd.DataFrame(empty, index=index).astype({"r": int, "f": int, "m": int})
    cuts = RfmCuts(
        quantile_cuts(-recency, bins), quantile_cuts(freq, bins), quantile_cuts(money, bins), bins
    )
    return rfm_at(cuts, recency, freq, money, index)


@dataclass(frozen=True)
class RfmCuts:
    """The cut values of the three scores (:func:`quantile_cuts`; recency negated)."""

    recency: npt.NDArray[np.float64]
    frequency: npt.NDArray[np.float64]
    monetary: npt.NDArray[np.float64]
    bins: int = 5


def rfm_at(
    cuts: RfmCuts,
    recency_days: npt.ArrayLike,
    frequency: npt.ArrayLike,
    monetary: npt.ArrayLike,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """:func:`rfm_scores` of some customers against the cuts of all of them (a partition of a
    cluster scores its customers with the cuts the driver took from everyone)."""
    r = scores_at(cuts.recency, -_measure(recency_days, "recency_days"))
    f = scores_at(cuts.frequency, frequency)
    m = scores_at(cuts.monetary, monetary)
    code = pd.Series(r).astype(str) + pd.Series(f).astype(str) + pd.Series(m).astype(str)
    return pd.DataFrame(
        {"r": r, "f": f, "m": m, "rfm": code.to_numpy(), "segment": segment_of(r, f, cuts.bins)},
        index=index,
    )
