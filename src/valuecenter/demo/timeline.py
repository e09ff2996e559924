"""Time for the demo: the history window, Dutch/German/Belgian local time to UTC, and the
load profiles contacts and orders are drawn from (the office is closed on Dutch public
holidays).

Times are kept as ``int64`` seconds (local or UTC) until the frames are built. The profiles
carry the patterns the seeds describe: the Monday-morning peak of customers who waited all
weekend (seed 002), and peaks before Valentine's Day, Mother's Day and Christmas (seed 003).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DAY = 86_400
HOUR = 3_600
_EPOCH = date(1970, 1, 1)


def days_since_epoch(d: date) -> int:
    return (d - _EPOCH).days


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole months (day clipped to the target month's length)."""
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(f"cannot move {d} by {months} months")


@dataclass(frozen=True)
class Window:
    """The history the demo covers: ``months`` whole months from ``start`` (inclusive)."""

    start: date
    months: int

    @property
    def end(self) -> date:
        """The first day after the window."""
        return add_months(self.start, self.months)

    @property
    def last_day(self) -> date:
        """The window's last day (inclusive)."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_s(self) -> int:
        return days_since_epoch(self.start) * DAY

    @property
    def end_s(self) -> int:
        return days_since_epoch(self.end) * DAY

    @classmethod
    def ending(cls, last_day: date, months: int) -> Window:
        """The window of ``months`` months whose last day is ``last_day``."""
        return cls(add_months(last_day + timedelta(days=1), -months), months)


def _last_sunday(year: int, month: int) -> date:
    d = add_months(date(year, month, 1), 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def local_to_utc(local_s: IntArray) -> IntArray:
    """Central European local time to UTC: +1 h, +2 h in summer time (EU rule: from the last
    Sunday of March to the last Sunday of October, 01:00 UTC)."""
    years = range(1960, 2101)
    starts = np.array(
        [days_since_epoch(_last_sunday(y, 3)) * DAY + 2 * HOUR for y in years], dtype=np.int64
    )
    ends = np.array(
        [days_since_epoch(_last_sunday(y, 10)) * DAY + 3 * HOUR for y in years], dtype=np.int64
    )
    k = np.clip(local_s // (365 * DAY) + 1970 - 1960, 0, len(starts) - 1)
    # The year index from the division can be off by one around New Year; summer time never is.
    summer = (local_s >= starts[k]) & (local_s < ends[k])
    return (local_s - HOUR - HOUR * summer.astype(np.int64)).astype(np.int64)


def to_timestamps(utc_s: IntArray) -> pd.Series:
    """UTC seconds as a tz-aware (UTC) pandas column."""
    return pd.Series(pd.to_datetime(utc_s, unit="s", utc=True))


def to_dates(day_numbers: IntArray) -> pd.Series:
    """Days since 1970-01-01 as ``YYYY-MM-DD`` strings (the importer's date format)."""
    stamps = pd.to_datetime(day_numbers.astype(np.int64), unit="D")
    return pd.Series(stamps.strftime("%Y-%m-%d"), dtype=object)


def mothers_day(year: int) -> date:
    """Second Sunday of May (NL, BE-Flanders, DE, CH, AT)."""
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def dutch_holidays(days: list[date]) -> np.ndarray:
    """Per day: a Dutch public holiday (New Year, Easter, King's Day, Ascension, Whitsun,
    Christmas; Liberation Day in lustrum years), from the ``holidays`` package."""
    import holidays

    years = sorted({d.year for d in days})
    off = holidays.country_holidays("NL", years=years)
    return np.array([d in off for d in days], dtype=bool)


def seasonal_factor(days: list[date], peak: float) -> FloatArray:
    """Extra load in the week before Valentine's Day and Mother's Day and in December before
    Christmas (seed 003); quiet between Christmas and New Year."""
    factor = np.ones(len(days))
    for i, d in enumerate(days):
        for event in (date(d.year, 2, 14), mothers_day(d.year)):
            if 0 <= (event - d).days < 7:
                factor[i] += peak
        if d.month == 12 and d.day <= 23:
            factor[i] += peak * d.day / 23
        if (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1):
            factor[i] *= 0.5
    return factor


_OFFICE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 1.0, 1.3, 1.3, 1.2, 0.9, 1.0, 1.1, 1.0, 0.9, 0.7, 0, 0, 0, 0, 0, 0]
)
_DIGITAL_HOURS = np.array(
    [
        *(0.15, 0.08, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6),
        *(0.9, 1.1, 1.2, 1.2, 1.1, 1.1, 1.1, 1.0),
        *(1.0, 0.9, 0.9, 1.0, 1.1, 1.0, 0.7, 0.35),
    ]
)


class LoadProfile:
    """Relative load per local hour over the window; draws times proportional to it.

    ``kind`` is ``office`` (agents at work: weekdays 8–18, Saturday mornings when
    ``saturday``) or ``digital`` (mail, webcare, SMS, self-service: around the clock).
    """

    def __init__(
        self, window: Window, *, kind: str, seasonal_peak: float, saturday: bool = False
    ) -> None:
        days = [window.start + timedelta(days=i) for i in range(window.days)]
        weekday = np.array([d.weekday() for d in days])
        hours = _OFFICE_HOURS if kind == "office" else _DIGITAL_HOURS
        grid = np.tile(hours, (len(days), 1))
        if kind == "office":
            grid[weekday == 6] = 0.0
            sat = np.where(np.arange(24) < 13, 0.4, 0.0) * (hours > 0) if saturday else 0.0
            grid[weekday == 5] = sat
            closed = dutch_holidays(days)
            grid[closed] = 0.0
            # The working day after a holiday catches up what waited.
            after = np.roll(closed, 1) & ~closed & (weekday < 5)
            after[0] = False
            grid[after] *= 1.3
        else:
            grid[weekday >= 5] *= 0.6
        monday = weekday == 0
        grid[monday] *= 1.2
        grid[np.ix_(monday, np.arange(8, 12))] *= 1.5
        grid *= seasonal_factor(days, seasonal_peak)[:, None]
        self.window = window
        self.weights: FloatArray = grid.reshape(-1).astype(np.float64)
        self.cdf: FloatArray = np.concatenate([[0.0], np.cumsum(self.weights)])
        self.total = float(self.cdf[-1])

    def _cdf_at(self, offset_s: FloatArray) -> FloatArray:
        h = np.clip(offset_s / HOUR, 0, len(self.weights) - 1e-9)
        i = np.floor(h).astype(np.int64)
        return np.asarray(self.cdf[i] + (h - i) * self.weights[i], dtype=np.float64)

    def mass(self, lo_local_s: IntArray, hi_local_s: IntArray) -> FloatArray:
        """Share of the window's load between two local times (0 when ``hi <= lo``)."""
        lo = self._cdf_at((lo_local_s - self.window.start_s).astype(np.float64))
        hi = self._cdf_at((hi_local_s - self.window.start_s).astype(np.float64))
        return np.maximum(hi - lo, 0.0) / self.total

    def sample(
        self, rng: np.random.Generator, lo_local_s: IntArray, hi_local_s: IntArray
    ) -> IntArray:
        """One local time per pair of bounds, drawn proportional to the load between them."""
        lo = self._cdf_at((lo_local_s - self.window.start_s).astype(np.float64))
        hi = self._cdf_at((hi_local_s - self.window.start_s).astype(np.float64))
        u = lo + rng.random(len(lo)) * np.maximum(hi - lo, 0.0)
        idx = np.clip(np.searchsorted(self.cdf, u, side="right") - 1, 0, len(self.weights) - 1)
        within = (u - self.cdf[idx]) / np.maximum(self.weights[idx], 1e-12)
        seconds = (idx + np.clip(within, 0.0, 0.9999)) * HOUR
        return (self.window.start_s + seconds).astype(np.int64)


def business_day(local_s: IntArray) -> IntArray:
    """Move Saturday and Sunday to the next Monday, same time of day (B2B ordering)."""
    weekday = (local_s // DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
    shift = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0)).astype(np.int64)
    return np.asarray(local_s + shift * DAY, dtype=np.int64)
