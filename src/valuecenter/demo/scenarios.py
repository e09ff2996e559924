"""Scenarios: shocks to the simulated markets, combinable (``--scenario recession,peak-season``).

- ``recession``: seed 000's question — "does a customer place fewer orders than usual:
  recession, or a threatened departure?". For six months from the middle of the window one
  market (the preset's ``recession_country``) orders 35% less, its customers' hazard of leaving
  is 1.8 times as high, and they call 15% more (price and invoice questions).
- ``peak-season``: seed 003's peaks at Valentine's Day, Mother's Day and Christmas grow 2.5
  times as high, in every market (the contact load; orders keep their rhythm).

Each shock is stored as a ``truth_market_shocks`` row; the observable data only show its
effects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from valuecenter.demo.presets import Preset
from valuecenter.demo.timeline import (
    DAY,
    FloatArray,
    IntArray,
    Window,
    add_months,
    days_since_epoch,
    mothers_day,
)
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

SCENARIOS = ("recession", "peak-season")
RECESSION_MONTHS = 6
RECESSION_ORDERS = 0.65
RECESSION_CHURN = 1.8
RECESSION_CONTACTS = 1.15
PEAK_SEASON = 2.5


@dataclass(frozen=True)
class Shock:
    scenario: str
    country: str | None  # None: every market
    starts: date
    ends: date  # first day after the shock
    order_factor: float
    churn_factor: float
    contact_factor: float
    note: str

    @property
    def start_s(self) -> int:
        return days_since_epoch(self.starts) * DAY

    @property
    def end_s(self) -> int:
        return days_since_epoch(self.ends) * DAY


def parse_scenarios(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """Scenario names from ``"a,b"`` or a list; unknown names are an :class:`InvalidInput`."""
    if names is None:
        return ()
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen: set[str] = set()
    for item in items:
        for name in item.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in SCENARIOS:
                raise InvalidInput(
                    "scenario",
                    _(
                        "'%(value)s' is not a scenario; use one of %(choices)s",
                        value=name,
                        choices=", ".join(SCENARIOS),
                    ),
                )
            chosen.add(name)
    return tuple(s for s in SCENARIOS if s in chosen)


def shocks(preset: Preset, window: Window, scenarios: tuple[str, ...]) -> tuple[Shock, ...]:
    out: list[Shock] = []
    if "recession" in scenarios:
        months = min(RECESSION_MONTHS, max(1, window.months // 2))
        starts = add_months(window.start, window.months // 2)
        out.append(
            Shock(
                "recession",
                preset.recession_country,
                starts,
                add_months(starts, months),
                RECESSION_ORDERS,
                RECESSION_CHURN,
                RECESSION_CONTACTS,
                f"{preset.recession_country} market dips for {months} months",
            )
        )
    if "peak-season" in scenarios:
        for year in range(window.start.year, window.end.year + 1):
            for name, first, last in (
                ("Valentine's Day", date(year, 2, 7), date(year, 2, 14)),
                ("Mother's Day", mothers_day(year) - timedelta(days=7), mothers_day(year)),
                ("Christmas", date(year, 12, 1), date(year, 12, 24)),
            ):
                if last < window.start or first >= window.end:
                    continue
                out.append(
                    Shock(
                        "peak-season",
                        None,
                        max(first, window.start),
                        min(last, window.end),
                        1.0,
                        1.0,
                        1.0 + PEAK_SEASON * preset.seasonal_peak,
                        f"{name} peak {PEAK_SEASON}x as high",
                    )
                )
    return tuple(out)


def seasonal_peak(preset: Preset, scenarios: tuple[str, ...]) -> float:
    """The extra load in the peak weeks (``LoadProfile``'s ``seasonal_peak``)."""
    return preset.seasonal_peak * (PEAK_SEASON if "peak-season" in scenarios else 1.0)


def market_factor(
    all_shocks: tuple[Shock, ...],
    countries: np.ndarray,
    local_s: IntArray,
    field: str,
    scenario: str = "recession",
) -> FloatArray:
    """The product of ``field`` (``order_factor``, ``contact_factor``) over the ``scenario``
    shocks hitting each (country, time); 1.0 where none does."""
    factor = np.ones(len(local_s), dtype=np.float64)
    for shock in all_shocks:
        if shock.scenario != scenario:
            continue
        hit = (local_s >= shock.start_s) & (local_s < shock.end_s)
        if shock.country is not None:
            hit &= countries == shock.country
        factor = np.where(hit, factor * float(getattr(shock, field)), factor)
    return factor
