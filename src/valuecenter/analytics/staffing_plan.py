"""From agents needed per interval to paid hours and FTE, and the flexible pool for the peaks.

**Hours and FTE.** ``agents`` per interval (Erlang C or A, :mod:`valuecenter.analytics.erlang`)
are agents *on the phones*; ``agents × interval`` is the agent-hours the interval needs.
Shrinkage (breaks, training, meetings, absence: the share of paid time not available for
contacts) turns them into paid hours: ``paid = on-phone ÷ (1 − shrinkage)``. An FTE works
``hours_per_fte_week`` paid hours a week, so a week needs ``paid ÷ hours_per_fte_week`` FTE and
a day ``paid ÷ (hours_per_fte_week ÷ 5)`` full-time agents working a normal day.

**The flexible pool** (seed 003: "a flexible Customer Service pool all year, to scale at the
peaks"). Two ways to cover a year of weekly paid hours ``h_w``:

- *fixed for the peak*: a team of ``max_w h_w ÷ H`` FTE paid every week, whether or not the
  week needs them (``H`` = hours per FTE week);
- *core plus flex*: a core of ``c`` FTE paid every week, and flex agents (students, colleagues
  of other departments, seed 003: "keep the organisation involved so it can join at peaks")
  who work the shortfall ``max(0, h_w − c·H)`` at the flex hourly rate, at most
  ``flex_hours_per_agent_week`` each, and cost a fixed amount a year each (recruitment,
  training, keeping them current). The pool is as large as the worst week's shortfall needs.

The core that costs least is found by trying every core size in steps of ``step_fte`` from 0 to
the peak team (the cost is piecewise linear in ``c``, so a fine grid is exact to within one
step; the classic newsvendor reading: the core grows while a further FTE is needed in more than
``fixed rate ÷ flex rate`` of the weeks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]


def _share(name: str, value: float, *, high_open: bool = True) -> None:
    ok = 0 <= value < 1 if high_open else 0 <= value <= 1
    if not (math.isfinite(value) and ok):
        raise InputError(N_("%(name)s: must be a share from 0 to 1"), name=name)


def _positive(name: str, value: float, high: float) -> None:
    if not (math.isfinite(value) and 0 < value <= high):
        raise InputError(
            N_("%(name)s: must be more than 0 and at most %(high)s"), name=name, high=high
        )


def hours_by_period(
    starts: pd.DatetimeIndex,
    agents: npt.ArrayLike,
    *,
    interval_seconds: int,
    shrinkage: float,
    hours_per_fte_week: float,
    period: str,
) -> pd.DataFrame:
    """Per day (``period="D"``) or week (``"W"``, weeks starting Monday): the on-phone
    agent-hours, the paid hours with shrinkage, the FTE and the most agents needed at once.

    ``starts`` are the intervals' starts in local wall-clock time, ``agents`` the agents on the
    phones in each."""
    _share("shrinkage", shrinkage)
    _positive("hours_per_fte_week", hours_per_fte_week, 80)
    if period not in ("D", "W"):
        raise InputError(N_("period: must be D (day) or W (week)"))
    needed = np.asarray(agents, dtype=np.float64)
    if needed.shape != (len(starts),):
        raise InputError(N_("agents: needs one value per interval"))
    if needed.size and (not np.isfinite(needed).all() or needed.min() < 0):
        raise InputError(N_("agents: must be finite and not negative"))
    on_phone = needed * interval_seconds / 3600.0
    days = starts.normalize()
    keys = days if period == "D" else days - pd.to_timedelta(days.dayofweek, unit="D")
    frame = pd.DataFrame({"period": keys, "on_phone_hours": on_phone, "peak_agents": needed})
    grouped = frame.groupby("period", sort=True).agg(
        on_phone_hours=("on_phone_hours", "sum"), peak_agents=("peak_agents", "max")
    )
    grouped["paid_hours"] = grouped["on_phone_hours"] / (1 - shrinkage)
    per_fte = hours_per_fte_week if period == "W" else hours_per_fte_week / 5
    grouped["fte"] = grouped["paid_hours"] / per_fte
    return grouped.reset_index()


@dataclass(frozen=True)
class FlexCosts:
    """Rates of the two ways to staff (cents)."""

    fixed_cost_per_hour_cents: int
    flex_cost_per_hour_cents: int
    flex_fixed_cost_per_year_cents: int  # per flex agent: recruitment, training, refreshers
    hours_per_fte_week: float = 36.0
    flex_hours_per_agent_week: float = 20.0


@dataclass(frozen=True)
class StaffingOption:
    """One way to cover the weeks: its core team, flex pool and cost over the weeks given."""

    core_fte: float
    flex_agents: int
    flex_hours: float
    idle_paid_hours: float  # paid hours of the core that no week needed
    cost_cents: int


@dataclass(frozen=True)
class FlexComparison:
    weeks: int
    needed_hours: float
    peak_week_hours: float
    fixed_for_peak: StaffingOption
    core_and_flex: StaffingOption

    @property
    def saving_cents(self) -> int:
        return self.fixed_for_peak.cost_cents - self.core_and_flex.cost_cents


def _option(hours: FloatArray, core_fte: float, costs: FlexCosts) -> StaffingOption:
    core_hours = core_fte * costs.hours_per_fte_week
    short = np.maximum(hours - core_hours, 0.0)
    flex_hours = float(short.sum())
    flex_agents = (
        math.ceil(round(float(short.max()) / costs.flex_hours_per_agent_week, 9))
        if short.size
        else 0
    )
    weeks = hours.size
    cost = (
        core_hours * weeks * costs.fixed_cost_per_hour_cents
        + flex_hours * costs.flex_cost_per_hour_cents
        + flex_agents * costs.flex_fixed_cost_per_year_cents * weeks / 52.0
    )
    return StaffingOption(
        core_fte=core_fte,
        flex_agents=flex_agents,
        flex_hours=flex_hours,
        idle_paid_hours=float(np.maximum(core_hours - hours, 0.0).sum()),
        cost_cents=math.floor(cost + 0.5),
    )


def compare_flex(
    weekly_paid_hours: npt.ArrayLike, costs: FlexCosts, *, step_fte: float = 0.1
) -> FlexComparison:
    """The fixed team for the peak against the cheapest core plus flex pool (module text)."""
    hours = np.asarray(weekly_paid_hours, dtype=np.float64)
    if hours.ndim != 1 or hours.size == 0:
        raise InputError(N_("weekly_paid_hours: needs at least one week"))
    if not np.isfinite(hours).all() or hours.min() < 0:
        raise InputError(N_("weekly_paid_hours: must be finite and not negative"))
    _positive("hours_per_fte_week", costs.hours_per_fte_week, 80)
    _positive("flex_hours_per_agent_week", costs.flex_hours_per_agent_week, 80)
    _positive("step_fte", step_fte, 100)
    for name, cents in (
        ("fixed_cost_per_hour", costs.fixed_cost_per_hour_cents),
        ("flex_cost_per_hour", costs.flex_cost_per_hour_cents),
        ("flex_fixed_cost_per_year", costs.flex_fixed_cost_per_year_cents),
    ):
        if not 0 <= cents <= 100_000_000:
            raise InputError(N_("%(name)s: must be from 0 to 1,000,000 euros"), name=name)
    peak_fte = float(hours.max()) / costs.hours_per_fte_week
    fixed = _option(hours, peak_fte, costs)
    steps = math.floor(peak_fte / step_fte) + 1
    best = fixed
    for k in range(steps):
        candidate = _option(hours, k * step_fte, costs)
        if candidate.cost_cents < best.cost_cents:
            best = candidate
    return FlexComparison(
        weeks=int(hours.size),
        needed_hours=float(hours.sum()),
        peak_week_hours=float(hours.max()),
        fixed_for_peak=fixed,
        core_and_flex=best,
    )
