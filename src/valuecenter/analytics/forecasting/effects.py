"""Calendar effects on a forecast: public holidays and peak days, estimated from history.

Each past occurrence is compared with what an ordinary day of its weekday would have brought:
the mean of the four usable days of that weekday before it (``profiles.py``).

- **Holidays.** When the history holds public holidays on open weekdays and at least half of
  them are closed (no data, or under :data:`CLOSED_SHARE` of an ordinary day), the office closes
  on holidays: a holiday ahead is forecast closed (0). Otherwise a holiday ahead is scaled by
  the mean ratio of the past holidays' volume to an ordinary day's. Without a past holiday there
  is no evidence and nothing is changed.
- **Peak days.** A peak day ahead is scaled by the mean ratio (actual ÷ ordinary) of the past
  occurrences of the same peak (its code) on open, observed days; without one it is left as
  the model forecasts it. A date that is both a holiday and a peak day follows the holiday.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.forecasting.history import History
from valuecenter.analytics.forecasting.profiles import profile

CLOSED_SHARE = 0.05
"""A day under this share of an ordinary day of its weekday counts as closed."""


def _ordinary(history: History, row: int) -> float:
    return float(profile(history, int(history.weekdays[row]), 4, np.mean, row).sum())


def factors(
    history: History,
    days: pd.DatetimeIndex,
    ahead: pd.DatetimeIndex,
    holidays: dict[date, str],
    peaks: dict[date, str],
) -> npt.NDArray[np.float64]:
    """The factor of every day ahead (1 for an ordinary day, 0 for a closed holiday)."""
    past = [d.date() for d in days]
    holiday_rows = [r for r, d in enumerate(past) if d in holidays]
    closed, ratios = 0, []
    for r in holiday_rows:
        expected = _ordinary(history, r)
        actual = float(history.values[r].sum()) if history.observed[r] else 0.0
        if not history.observed[r] or (expected > 0 and actual < CLOSED_SHARE * expected):
            closed += 1
        elif expected > 0:
            ratios.append(actual / expected)
    holiday_factor = 1.0
    if holiday_rows and closed * 2 >= len(holiday_rows):
        holiday_factor = 0.0
    elif ratios:
        holiday_factor = float(np.mean(ratios))
    peak_ratios: dict[str, list[float]] = {}
    for r, d in enumerate(past):
        code = peaks.get(d)
        if code is None or d in holidays or not history.observed[r]:
            continue
        expected = _ordinary(history, r)
        if expected > 0:
            peak_ratios.setdefault(code, []).append(float(history.values[r].sum()) / expected)
    out = np.ones(len(ahead))
    for j, stamp in enumerate(ahead):
        d = stamp.date()
        if d in holidays:
            out[j] = holiday_factor
        elif d in peaks and peaks[d] in peak_ratios:
            out[j] = float(np.mean(peak_ratios[peaks[d]]))
    return out
