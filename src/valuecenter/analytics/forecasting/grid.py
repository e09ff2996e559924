"""The regular grid a contact forecast works on: opening hours, missing intervals, closed hours
and weekday alignment (issue 21).

A series of interval counts (naive local wall-clock interval starts) is summed onto the grid of
its frequency (``5min``, ``15min``, ``30min``, ``h`` or ``D``; finer data is summed into the
coarser interval) and laid out as a matrix of **days × open slots**:

- an *open slot* is a time of day that has data on at least one day, an *open weekday* a day
  of the week that has data on at least one date. Slots and weekdays with no data on any day
  are **closed**: they are left out of the models and forecast as closed (zero, flagged), not
  as a zero-demand dip the models would have to learn;
- the rows are every date of an open weekday from the first to the last full day, so a date
  without any data (a public holiday, an outage) keeps its row: the series stays aligned on
  the week (a lag of one week — as many rows as open weekdays — lands on the same weekday);
  such a day is *unobserved* and imputed, for the models only, with the mean of the nearest
  observed days of its weekday (never with zeros);
- on an observed day, an interval missing inside the hours its weekday is open is **filled
  with 0** and counted (``filled_missing``): with count data a missing row means no contact;
- a first or last day that starts late or ends early (the extract cut it) is left out of the
  history, so its missing intervals are not taken for zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FREQS = {
    "5min": "5min",
    "15min": "15min",
    "30min": "30min",
    "h": "h",
    "1h": "h",
    "60min": "h",
    "d": "D",
    "1d": "D",
}
"""Accepted spellings (case-insensitive, pandas-style aliases) → the canonical alias."""

STEPS = {"5min": "5min", "15min": "15min", "30min": "30min", "h": "1h", "D": "1D"}
"""The interval length of each canonical alias."""
IMPUTE_NEIGHBOURS = 4
"""Observed days of the same weekday whose mean stands in for an unobserved day."""


def normalise_freq(text: str) -> str:
    """The canonical alias of a frequency: ``5min``, ``15min``, ``30min``, ``h`` or ``D``
    (case-insensitive); :class:`InputError` (field ``freq``) otherwise."""
    key = str(text).strip().lower()
    if key not in FREQS:
        raise InputError(
            N_("freq: '%(value)s' is not one of %(choices)s"),
            value=text,
            choices="5min, 15min, 30min, h, D",
        )
    return FREQS[key]


@dataclass(frozen=True)
class Grid:
    """A series on its grid: ``values[d, j]`` the count of row ``d`` (``days[d]``) in open slot
    ``slots[j]`` (slot ``k`` starts ``k × step`` after midnight)."""

    freq: str
    step: pd.Timedelta
    slots_per_day: int
    slots: npt.NDArray[np.int64]
    weekdays: tuple[int, ...]
    open_mask: npt.NDArray[np.bool_]  # (7, len(slots)): weekday w has ever had slot j open
    days: pd.DatetimeIndex
    values: npt.NDArray[np.float64]
    observed: npt.NDArray[np.bool_]
    filled_missing: int
    last_time: pd.Timestamp

    @property
    def closed_intervals(self) -> int:
        """Intervals of a day closed on every day (no data at that time of day ever)."""
        return self.slots_per_day - len(self.slots)

    @property
    def day_weekdays(self) -> npt.NDArray[np.int64]:
        """The weekday (Monday 0) of every row."""
        return np.asarray(self.days.weekday, dtype=np.int64)

    @property
    def period(self) -> int:
        """Rows in a week (the open weekdays): the weekly lag in rows."""
        return len(self.weekdays)

    def cell_open(self, weekdays: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """(rows, slots) mask of the cells open on those weekdays."""
        mask: npt.NDArray[np.bool_] = self.open_mask[weekdays]
        return mask


def _checked(series: pd.Series) -> pd.Series:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InputError(N_("series: the index must hold the interval start times"))
    if series.index.tz is not None:
        raise InputError(N_("series: interval times must be local wall-clock times, no zone"))
    if len(series) == 0:
        raise InputError(N_("series: no data"))
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        at = series.index[int(np.flatnonzero(bad)[0])]
        raise InputError(
            N_("series: the count at %(time)s is not a number ≥ 0"), time=at.isoformat()
        )
    if bool(np.asarray(series.index.isna()).any()):
        raise InputError(N_("series: an interval time is missing"))
    return pd.Series(values, index=series.index)


def build_grid(series: pd.Series, freq: str) -> Grid:
    """The series on the grid of ``freq`` (see the module's rules)."""
    canonical = normalise_freq(freq)
    clean = _checked(series)
    step = pd.Timedelta(STEPS[canonical])
    floored = pd.DatetimeIndex(clean.index).floor(STEPS[canonical])
    summed = clean.groupby(floored).sum().sort_index()
    stamps = pd.DatetimeIndex(summed.index)
    day = stamps.normalize()
    per_day = int(pd.Timedelta(1, "D") // step)
    slot = np.asarray((stamps - day) // step, dtype=np.int64)
    weekday = np.asarray(day.weekday, dtype=np.int64)
    slots = np.unique(slot)
    column = np.searchsorted(slots, slot)
    open_mask = np.zeros((7, len(slots)), dtype=bool)
    open_mask[weekday, column] = True
    weekdays = tuple(int(w) for w in np.unique(weekday))

    first_day, last_day = day[0], day[-1]
    if column[0] > int(np.argmax(open_mask[weekday[0]])):
        first_day += pd.Timedelta(1, "D")  # the extract starts late that day
    last_open = len(slots) - 1 - int(np.argmax(open_mask[weekday[-1]][::-1]))
    if column[-1] < last_open:
        last_day -= pd.Timedelta(1, "D")  # the extract ends early that day
    calendar = pd.date_range(first_day, last_day, freq="D")
    days = calendar[np.isin(calendar.weekday, weekdays)]
    if len(days) == 0:
        raise InputError(N_("series: no full day of data"))
    row = days.get_indexer(day)
    keep = row >= 0
    values = np.zeros((len(days), len(slots)))
    values[row[keep], column[keep]] = summed.to_numpy()[keep]
    observed = np.zeros(len(days), dtype=bool)
    observed[row[keep]] = True
    present = np.zeros_like(values, dtype=bool)
    present[row[keep], column[keep]] = True
    day_weekdays = np.asarray(days.weekday, dtype=np.int64)
    expected = open_mask[day_weekdays] & observed[:, None]
    filled = int((expected & ~present).sum())
    return Grid(
        freq=canonical,
        step=step,
        slots_per_day=per_day,
        slots=slots,
        weekdays=weekdays,
        open_mask=open_mask,
        days=days,
        values=_impute(values, observed, day_weekdays),
        observed=observed,
        filled_missing=filled,
        last_time=pd.Timestamp(stamps[-1]),
    )


def _impute(
    values: npt.NDArray[np.float64],
    observed: npt.NDArray[np.bool_],
    weekdays: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Unobserved rows → the mean of the nearest observed rows of their weekday (earlier ones
    first, later ones when there are none before)."""
    out = values.copy()
    for d in np.flatnonzero(~observed):
        same = np.flatnonzero(observed & (weekdays == weekdays[d]))
        before = same[same < d][-IMPUTE_NEIGHBOURS:]
        pick = before if len(before) else same[same > d][:IMPUTE_NEIGHBOURS]
        out[d] = values[pick].mean(axis=0) if len(pick) else 0.0
    return out
