"""Agents per interval → paid hours and FTE, and the flexible pool against a team for the peak
(issue 21, point 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.staffing_plan import FlexCosts, compare_flex, hours_by_period

COSTS = FlexCosts(
    fixed_cost_per_hour_cents=2_200,
    flex_cost_per_hour_cents=2_800,
    flex_fixed_cost_per_year_cents=150_000,
    hours_per_fte_week=36.0,
    flex_hours_per_agent_week=20.0,
)


def test_hours_and_fte_per_day_and_week_with_shrinkage() -> None:
    starts = pd.date_range("2026-03-02 08:00", periods=4, freq="30min")  # a Monday
    agents = np.array([10, 14, 14, 8])
    days = hours_by_period(
        starts, agents, interval_seconds=1800, shrinkage=0.3, hours_per_fte_week=36, period="D"
    )
    assert len(days) == 1
    row = days.iloc[0]
    assert row["on_phone_hours"] == pytest.approx(23.0)  # 46 agent-intervals × ½ h
    assert row["paid_hours"] == pytest.approx(23.0 / 0.7)
    assert row["fte"] == pytest.approx(23.0 / 0.7 / 7.2)  # a normal day is 36 h ÷ 5
    assert row["peak_agents"] == 14
    weeks = hours_by_period(
        starts, agents, interval_seconds=1800, shrinkage=0.3, hours_per_fte_week=36, period="W"
    )
    assert weeks.iloc[0]["period"] == pd.Timestamp("2026-03-02")
    assert weeks.iloc[0]["fte"] == pytest.approx(23.0 / 0.7 / 36)


def test_weeks_start_on_monday() -> None:
    starts = pd.DatetimeIndex(["2026-03-01 10:00", "2026-03-02 10:00"])  # Sunday, Monday
    weeks = hours_by_period(
        starts, [1, 1], interval_seconds=3600, shrinkage=0.0, hours_per_fte_week=36, period="W"
    )
    assert list(weeks["period"]) == [pd.Timestamp("2026-02-23"), pd.Timestamp("2026-03-02")]


def test_a_flat_year_needs_no_flex_pool() -> None:
    result = compare_flex(np.full(52, 720.0), COSTS)
    assert result.core_and_flex.flex_agents == 0
    assert result.core_and_flex.core_fte == pytest.approx(20.0)
    assert result.saving_cents == 0


def test_three_peak_weeks_are_cheaper_with_a_flex_pool() -> None:
    # 20 FTE all year, 30 FTE in the weeks of Valentine's Day, Mother's Day and Christmas.
    hours = np.full(52, 720.0)
    hours[[6, 18, 51]] = 1_080.0
    result = compare_flex(hours, COSTS)
    fixed, flex = result.fixed_for_peak, result.core_and_flex
    assert fixed.core_fte == pytest.approx(30.0)
    assert fixed.cost_cents == (1_080 * 52 * 2_200)
    assert flex.core_fte == pytest.approx(20.0)
    assert flex.flex_hours == pytest.approx(3 * 360.0)
    assert flex.flex_agents == 18  # 360 h in the peak week ÷ 20 h each
    assert flex.cost_cents == (720 * 52 * 2_200 + 1_080 * 2_800 + 18 * 150_000)
    assert result.saving_cents == fixed.cost_cents - flex.cost_cents > 0
    assert fixed.idle_paid_hours == pytest.approx(49 * 360.0)


def test_when_flex_costs_more_than_idle_hours_the_core_covers_the_peak() -> None:
    hours = np.full(52, 720.0)
    # The "peak" lasts 45 of 52 weeks: an FTE needed in 87% of the weeks costs less fixed
    # (€22 an hour every week) than flex (€28 an hour in the weeks it is needed): 22/28 = 79%.
    hours[:45] = 1_080.0
    result = compare_flex(hours, COSTS)
    assert result.core_and_flex.core_fte == pytest.approx(30.0)
    assert result.saving_cents == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 5_000), min_size=1, max_size=60))
def test_the_cheapest_option_never_costs_more_than_the_team_for_the_peak(
    hours: list[float],
) -> None:
    result = compare_flex(np.array(hours), COSTS)
    assert result.core_and_flex.cost_cents <= result.fixed_for_peak.cost_cents
    assert result.core_and_flex.flex_hours >= 0


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ([], "weekly_paid_hours"),
        ([1.0, -2.0], "weekly_paid_hours"),
        ([float("inf")], "weekly_paid_hours"),
    ],
)
def test_bad_weeks_name_their_field(hours: list[float], field: str) -> None:
    with pytest.raises(InputError) as caught:
        compare_flex(np.array(hours), COSTS)
    assert caught.value.field == field


def test_bad_shrinkage_names_its_field() -> None:
    with pytest.raises(InputError) as caught:
        hours_by_period(
            pd.DatetimeIndex([]),
            [],
            interval_seconds=900,
            shrinkage=1.0,
            hours_per_fte_week=36,
            period="D",
        )
    assert caught.value.field == "shrinkage"
