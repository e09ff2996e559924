"""Contact-volume forecasts per interval (issue 21): see ``auto.py`` for the entry point,
``grid.py`` for the grid rules, ``calendar.py`` for holidays and peak days."""

from valuecenter.analytics.forecasting.auto import MODELS, ForecastResult, forecast
from valuecenter.analytics.forecasting.calendar import (
    DEFAULT_PEAK_DAYS,
    PeakDay,
    PeakRule,
    parse_peak_rule,
    peak_dates,
    public_holidays,
)
from valuecenter.analytics.forecasting.grid import normalise_freq

__all__ = [
    "DEFAULT_PEAK_DAYS",
    "MODELS",
    "ForecastResult",
    "PeakDay",
    "PeakRule",
    "forecast",
    "normalise_freq",
    "parse_peak_rule",
    "peak_dates",
    "public_holidays",
]
