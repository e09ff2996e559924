"""The contact forecast's entry point: the grid, the candidates, the honest ``auto`` choice,
the interval and the calendar (issue 21).

**Candidates.** The seasonal naive baselines, the profile forecasts (mean / median of the last
4 or 8 same weekdays, a level-scaled one and their ensemble) and the statistical models (MSTL,
AutoETS top-down); see ``profiles.py`` and ``statistical.py``.

**The honest ``auto``.** The accuracy ``auto`` reports is that of a choice it could have made
at the time: for each of the last ``K`` evaluation windows (day-ahead, rolling origin,
``backtest.py``) it picks the candidate with the lowest mean MASE over the ``K`` windows
*before* that window, and is scored on the window with that candidate's forecast — the
selection never sees the window it is scored on (a nested, rolling selection). The forecast
itself uses the candidate with the lowest MASE over the last ``K`` windows.

**Interval.** ``lo``/``hi`` are the split-conformal interval of the chosen model's day-ahead
backtest errors on the √ scale, squared back (``backtest.interval_halfwidth``): the lower limit
is ``max(√ŷ − q, 0)²``, never negative, and the interval always holds the point. They are
calibrated on day-ahead errors, so on a horizon of several days they are too narrow for the
later days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.forecasting import backtest, effects, statistical
from valuecenter.analytics.forecasting.calendar import (
    DEFAULT_PEAK_DAYS,
    PeakDay,
    peak_dates,
    public_holidays,
)
from valuecenter.analytics.forecasting.grid import Grid, build_grid
from valuecenter.analytics.forecasting.history import History, Model
from valuecenter.analytics.forecasting.profiles import ensemble, profile_model
from valuecenter.i18n import N_

BASELINES = ("seasonal_naive_day", "seasonal_naive_week")
MAX_HORIZON_DAYS = 62
"""The longest horizon, in days of intervals."""
MIN_HISTORY_WEEKS = 2
"""Weeks of history before the first backtest window."""


def candidates() -> dict[str, Model]:
    """Every model by name, in the order ties are broken (simplest first)."""
    profiles = {
        "profile_mean": profile_model(4, np.mean),
        "profile_median": profile_model(4, np.median),
        "profile_mean_8": profile_model(8, np.mean),
        "profile_median_8": profile_model(8, np.median),
    }
    return {
        "seasonal_naive_day": statistical.seasonal_naive_day,
        "seasonal_naive_week": statistical.seasonal_naive_week,
        **profiles,
        "profile_scaled": profile_model(4, np.mean, scaled=True),
        "profile_ensemble": ensemble(list(profiles.values())),
        "ets_daily": statistical.ets_daily,
        "mstl": statistical.mstl,
    }


MODELS = ("auto", *candidates())
"""The names ``model`` accepts."""


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and how it was chosen. ``forecast`` has one row per interval of the horizon
    (``time``, ``value``, ``lo``, ``hi``, ``closed``: closed intervals are 0); ``backtest`` the
    MASE of every candidate (and of ``auto``) over the evaluation windows; ``selected`` the
    model ``auto`` chose for each evaluation window; ``peaks`` / ``holidays`` the peak days
    (code) and public holidays (name) inside the horizon."""

    model: str
    horizon: int
    freq: str
    level: int
    mase: float
    mase_seasonal_naive: float
    forecast: pd.DataFrame
    backtest: pd.DataFrame
    filled_missing: int
    closed_intervals: int
    peaks: dict[date, str] = field(default_factory=dict)
    holidays: dict[date, str] = field(default_factory=dict)
    selected: tuple[str, ...] = ()


def _default_horizon(grid: Grid, start: pd.Timestamp) -> int:
    """Up to the end of the first open day from ``start`` (the rest of the day ``start`` is in,
    when that day still has open intervals)."""
    day = start.normalize()
    slot = int((start - day) // grid.step)
    today_open = day.weekday() in grid.weekdays and bool(
        (grid.slots[grid.open_mask[day.weekday()]] >= slot).any()
    )
    if not today_open:
        day += pd.Timedelta(1, "D")
        while day.weekday() not in grid.weekdays:
            day += pd.Timedelta(1, "D")
    return int((day + pd.Timedelta(1, "D") - start) // grid.step)


def _windows(usable: npt.NDArray[np.bool_], first: int, count: int) -> list[int]:
    rows = [int(r) for r in np.flatnonzero(usable) if r >= first]
    if len(rows) < count:
        raise InputError(
            N_(
                "series: too short: %(count)s backtest days need at least %(weeks)s weeks of "
                "history before them"
            ),
            count=count,
            weeks=MIN_HISTORY_WEEKS,
        )
    return rows[-count:]


def forecast(
    series: pd.Series,
    *,
    freq: str,
    horizon: int | None = None,
    model: str = "auto",
    backtest_windows: int = 5,
    level: int = 80,
    peak_days: Sequence[PeakDay] = DEFAULT_PEAK_DAYS,
    country: str | None = "NL",
    progress: Callable[[str], None] | None = None,
) -> ForecastResult:
    """Forecast the counts of ``series`` (naive local interval starts → counts) per interval
    of ``freq`` for ``horizon`` intervals after the data (default: to the end of the next open
    day), with ``model`` (``auto`` or one of :data:`MODELS`)."""
    if model not in MODELS:
        raise InputError(
            N_("model: '%(value)s' is not one of %(choices)s"),
            value=model,
            choices=", ".join(MODELS),
        )
    if not 1 <= backtest_windows <= 60:
        raise InputError(N_("backtest_windows: must be from 1 to 60"))
    if not 50 <= level < 100:
        raise InputError(N_("level: must be from 50 to 99"))
    grid = build_grid(series, freq)
    start = grid.last_time + grid.step
    if horizon is None:
        horizon = _default_horizon(grid, start)
    max_horizon = MAX_HORIZON_DAYS * grid.slots_per_day
    if not 1 <= horizon <= max_horizon:
        raise InputError(N_("horizon: must be from 1 to %(max)s intervals"), max=max_horizon)
    times = pd.date_range(start, periods=horizon, freq=grid.step)
    ahead_days = pd.date_range(
        grid.days[-1] + pd.Timedelta(1, "D"), times[-1].normalize(), freq="D"
    )
    ahead_days = ahead_days[np.isin(ahead_days.weekday, grid.weekdays)]
    years = range(grid.days[0].year, times[-1].year + 1)
    holidays = public_holidays(years, country) if country else {}
    peaks = peak_dates(peak_days, years)
    special = np.array([d.date() in holidays or d.date() in peaks for d in grid.days])
    weekdays = grid.day_weekdays
    history = History(
        values=grid.values,
        weekdays=weekdays,
        usable=grid.observed & ~special,
        period=grid.period,
        observed=grid.observed,
        open_cells=grid.cell_open(weekdays),
    )

    k = backtest_windows
    first = MIN_HISTORY_WEEKS * grid.period
    rows = _windows(history.usable, first, 2 * k if model == "auto" else k)
    pool = candidates()
    chosen = pool if model == "auto" else {m: pool[m] for m in (*BASELINES, model)}
    scores = backtest.run(history, chosen, rows, progress)
    evaluation = slice(len(rows) - k, len(rows))
    mean_mase = {name: float(s[evaluation].mean()) for name, s in scores.mase.items()}
    selected: tuple[str, ...] = ()
    if model == "auto":
        picks, auto_scores = [], []
        for p in range(len(rows) - k, len(rows)):
            best = min(pool, key=lambda name: float(scores.mase[name][p - k : p].mean()))
            picks.append(best)
            auto_scores.append(float(scores.mase[best][p]))
        selected = tuple(picks)
        final = min(pool, key=lambda name: mean_mase[name])
        reported = float(np.mean(auto_scores))
    else:
        final, reported = model, mean_mase[model]

    if progress is not None:
        progress(final)
    ahead = np.asarray(ahead_days.weekday, dtype=np.int64)
    point = pool[final](history, ahead) if len(ahead) else np.zeros((0, len(grid.slots)))
    q = backtest.interval_halfwidth(np.concatenate(scores.residuals[final][evaluation]), level)
    root = np.sqrt(point)
    # min/max only undo the rounding of √ then ² (the limits hold the point exactly).
    lo = np.minimum(np.square(np.maximum(root - q, 0.0)), point)
    hi = np.maximum(np.square(root + q), point)
    factor = effects.factors(history, grid.days, ahead_days, holidays, peaks)
    table = _table(grid, times, ahead_days, factor, point, lo, hi)
    board_rows = [("auto", reported)] if model == "auto" else []
    board = pd.DataFrame(board_rows + list(mean_mase.items()), columns=["model", "mase"])
    horizon_days = {t.date() for t in times}
    return ForecastResult(
        model=final,
        horizon=horizon,
        freq=grid.freq,
        level=level,
        mase=reported,
        mase_seasonal_naive=min(mean_mase[b] for b in BASELINES),
        forecast=table,
        backtest=board,
        filled_missing=grid.filled_missing,
        closed_intervals=grid.closed_intervals,
        peaks={d: c for d, c in peaks.items() if d in horizon_days},
        holidays={d: n for d, n in holidays.items() if d in horizon_days},
        selected=selected,
    )


def _table(
    grid: Grid,
    times: pd.DatetimeIndex,
    ahead_days: pd.DatetimeIndex,
    factor: npt.NDArray[np.float64],
    point: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """One row per interval; intervals of closed slots, closed weekdays or closed days are 0."""
    day = times.normalize()
    n = len(ahead_days)
    row = ahead_days.get_indexer(day)
    row = np.where(row >= 0, row, n)  # row n: a zero row for days that are not open
    factor = np.append(factor, 0.0)
    slot = np.asarray((times - day) // grid.step, dtype=np.int64)
    column = np.minimum(np.searchsorted(grid.slots, slot), len(grid.slots) - 1)
    is_open = (row < n) & (grid.slots[column] == slot)
    is_open &= grid.open_mask[np.asarray(day.weekday), column]
    is_open &= factor[row] > 0  # a closed holiday
    padded = [np.vstack([m, np.zeros((1, m.shape[1]))]) * factor[:, None] for m in (point, lo, hi)]
    values = [np.where(is_open, m[row, column], 0.0) for m in padded]
    return pd.DataFrame(
        {
            "time": times,
            "value": values[0],
            "lo": values[1],
            "hi": values[2],
            "closed": ~is_open,
        }
    )
