"""Profile forecasts: the mean or median of the last *k* days of the same weekday, optionally
scaled by the recent level (issue 21).

On call-center arrivals these plain profiles are often the forecasts to beat: the intraday
shape of a weekday is stable while its noise is large, so averaging a few recent same-weekday
days beats models that extrapolate a fitted trend. On the bank's 5-minute calls (De Livera,
Hyndman & Snyder 2011) the mean of the last four same weekdays scores a MASE of about 0.69
against about 1.0 for the daily seasonal naive (the issue's reference figures).

Only *usable* days (observed, not a public holiday or peak day) enter a profile, so a holiday
neither drags the profile down nor misaligns it: the rows stay on the week (``grid.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.forecasting.history import History, Model

LEVEL_DAYS = 5
"""Recent days whose actual-to-profile ratio gives the level of a scaled profile."""
LEVEL_BOUNDS = (0.5, 2.0)
"""A scaled profile's level factor is kept within these bounds (a broken day is not a level)."""

Aggregate = Callable[..., npt.NDArray[np.float64]]


def _same_weekday(history: History, weekday: int, k: int, before: int) -> npt.NDArray[np.int64]:
    rows = np.flatnonzero(history.usable[:before] & (history.weekdays[:before] == weekday))
    if len(rows) == 0:  # no usable day of that weekday: fall back on the imputed rows
        rows = np.flatnonzero(history.weekdays[:before] == weekday)
    return rows[-k:]


def profile(
    history: History, weekday: int, k: int, agg: Aggregate, before: int
) -> npt.NDArray[np.float64]:
    """The ``agg`` of the last ``k`` usable rows of ``weekday`` before row ``before``."""
    rows = _same_weekday(history, weekday, k, before)
    if len(rows) == 0:
        return np.zeros(history.values.shape[1])
    out: npt.NDArray[np.float64] = agg(history.values[rows], axis=0)
    return out


def _level(history: History, k: int, agg: Aggregate) -> float:
    """Σ actual / Σ profile over the last usable days, each profile from the days before it."""
    recent = np.flatnonzero(history.usable)[-LEVEL_DAYS:]
    actual = expected = 0.0
    for row in recent:
        actual += float(history.values[row].sum())
        expected += float(profile(history, int(history.weekdays[row]), k, agg, int(row)).sum())
    if expected <= 0:
        return 1.0
    return float(np.clip(actual / expected, *LEVEL_BOUNDS))


def profile_model(k: int, agg: Aggregate, *, scaled: bool = False) -> Model:
    """The profile of the last ``k`` usable same-weekday days (``agg`` np.mean or np.median),
    times the recent level when ``scaled``."""

    def predict(history: History, ahead: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        n = len(history.values)
        rows = [profile(history, int(w), k, agg, n) for w in ahead]
        out = np.vstack(rows) if rows else np.zeros((0, history.values.shape[1]))
        if scaled:
            out = out * _level(history, k, agg)
        return out

    return predict


def ensemble(models: list[Model]) -> Model:
    """The mean of several models' forecasts."""

    def predict(history: History, ahead: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        forecasts = [model(history, ahead) for model in models]
        out: npt.NDArray[np.float64] = np.mean(forecasts, axis=0)
        return out

    return predict
