"""The difference-in-means estimate of a randomised experiment and its Neyman interval
(Imbens & Rubin 2015, ch. 6), checked by hand and by invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments import Z_95, average_effect


def test_two_small_arms_by_hand() -> None:
    # treated 1,1,0,0: mean 0.5, sample variance 1/3; control 1,0,0,0: mean 0.25, variance 0.25.
    effect = average_effect([1, 1, 0, 0, 1, 0, 0, 0], [True] * 4 + [False] * 4)
    assert effect.estimate == pytest.approx(0.25)
    se = math.sqrt((1 / 3) / 4 + 0.25 / 4)
    assert effect.std_error == pytest.approx(se)
    assert effect.low == pytest.approx(0.25 - Z_95 * se)
    assert effect.high == pytest.approx(0.25 + Z_95 * se)
    assert (effect.treated_n, effect.control_n) == (4, 4)
    assert effect.covers(0.0)
    assert not effect.covers(1.0)
    assert effect.as_json()["estimate"] == 0.25


@given(
    st.lists(st.floats(-100, 100), min_size=2, max_size=30),
    st.lists(st.floats(-100, 100), min_size=2, max_size=30),
    st.floats(-50, 50),
)
def test_shifting_the_treated_outcomes_shifts_only_the_estimate(
    treated: list[float], control: list[float], shift: float
) -> None:
    arms = [True] * len(treated) + [False] * len(control)
    base = average_effect(treated + control, arms)
    moved = average_effect([y + shift for y in treated] + control, arms)
    assert moved.estimate == pytest.approx(base.estimate + shift, abs=1e-6)
    assert moved.std_error == pytest.approx(base.std_error, rel=1e-6, abs=1e-6)
    assert base.low <= base.estimate <= base.high


@pytest.mark.parametrize(
    ("outcome", "treated", "message"),
    [
        ([1, 0], [True], "one value per outcome"),
        ([1, 0, 1], [True, False, False], "at least two units"),
        ([1, np.nan, 1, 0], [True, True, False, False], "missing values"),
    ],
)
def test_bad_input_names_the_problem(
    outcome: list[float], treated: list[bool], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        average_effect(outcome, treated)
