"""The cost of agent attrition (issue 21, point 4) and the seeds' case.

Seed 004 ("De kosten van verloop"): a contact center of 250 agents, 330,000 inbound calls a
month and three weeks of full-time initial training saves roughly €100,000 a year for every 10%
less attrition. Under the assumptions of ``SEED_CASE`` (module text, docs/staffing.md) one
replacement costs €4,028, so 25 fewer leavers save €100,700.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuecenter.analytics.attrition import (
    SEED_CASE,
    AttritionInputs,
    attrition_cost,
    replacement_cost,
)
from valuecenter.analytics.errors import InputError


def test_the_seeds_case_saves_about_100000_euros_per_ten_points_less_attrition() -> None:
    result = attrition_cost(SEED_CASE)
    per = result.per_replacement
    assert per.trainee_hours_cents == 237_600  # 3 weeks × 36 h × €22
    assert per.trainer_cents == 36_000  # 108 h × €40 ÷ 12 trainees
    assert per.ramp_up_cents == 79_200  # 4 weeks × 36 h × 25% × €22
    assert per.recruitment_cents == 50_000
    assert per.total_cents == 402_800
    assert result.saving_per_10_points_cents == 10_070_000  # €100,700
    # "roughly €100,000": within 5%
    assert abs(result.saving_per_10_points_cents - 10_000_000) <= 500_000
    assert result.leavers_per_year == pytest.approx(87.5)
    assert result.yearly_cost_cents == 35_245_000


def test_the_relative_reading_is_smaller_at_a_rate_below_100_percent() -> None:
    result = attrition_cost(SEED_CASE)
    assert result.saving_per_10_percent_cents == round(87.5 * 0.1 * 402_800)
    assert result.saving_per_10_percent_cents < result.saving_per_10_points_cents


def test_longer_training_costs_more_and_full_productivity_costs_no_ramp_up() -> None:
    longer = dataclasses.replace(SEED_CASE, training_weeks=6)
    assert replacement_cost(longer).total_cents > replacement_cost(SEED_CASE).total_cents
    assert (
        replacement_cost(dataclasses.replace(SEED_CASE, ramp_up_productivity=1.0)).ramp_up_cents
        == 0
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agents": 0}, "agents"),
        ({"attrition_rate": -0.1}, "attrition_rate"),
        ({"attrition_rate": float("nan")}, "attrition_rate"),
        ({"training_weeks": 60}, "training_weeks"),
        ({"trainees_per_trainer": 0.5}, "trainees_per_trainer"),
        ({"ramp_up_productivity": 1.5}, "ramp_up_productivity"),
        ({"agent_cost_per_hour_cents": -1}, "agent_cost_per_hour"),
    ],
)
def test_bad_inputs_name_their_field(change: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as caught:
        attrition_cost(dataclasses.replace(SEED_CASE, **change))  # type: ignore[arg-type]
    assert caught.value.field == field


@given(
    agents=st.integers(1, 5_000),
    rate=st.floats(0, 1),
    weeks=st.floats(0, 12),
)
def test_the_cost_grows_with_the_rate_and_the_saving_does_not_depend_on_it(
    agents: int, rate: float, weeks: float
) -> None:
    base = AttritionInputs(agents=agents, attrition_rate=rate, training_weeks=weeks)
    more = dataclasses.replace(base, attrition_rate=min(rate + 0.1, 5))
    assert attrition_cost(more).yearly_cost_cents >= attrition_cost(base).yearly_cost_cents
    assert (
        attrition_cost(more).saving_per_10_points_cents
        == attrition_cost(base).saving_per_10_points_cents
    )
