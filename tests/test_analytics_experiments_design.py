"""The sample size of a two-sided two-proportion test (Fleiss, Levin & Paik 2003, eq. 4.19,
no continuity correction), checked by hand and against the arcsine approximation that
statsmodels' ``NormalIndPower`` with ``proportion_effectsize`` uses (Cohen 1988, ch. 6)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.design import two_proportion_sample_size

Z_975 = 1.959963984540054  # z of 1 − 0.05 / 2
Z_80 = 0.8416212335729143  # z of 0.80


def test_five_to_six_percent_by_hand() -> None:
    p0, p1 = 0.05, 0.06
    pooled = (p0 + p1) / 2
    by_hand = (
        Z_975 * math.sqrt(2 * pooled * (1 - pooled))
        + Z_80 * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1))
    ) ** 2 / (p1 - p0) ** 2
    size = two_proportion_sample_size(0.05, 0.01)
    assert size.treated == size.control == math.ceil(by_hand) == 8158
    # Cohen's h = 2·asin√p₁ − 2·asin√p₀; n per arm = 2 · ((z₁₋α/₂ + z₁₋β) / h)² (statsmodels)
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))
    arcsine = 2 * ((Z_975 + Z_80) / h) ** 2
    assert size.treated == pytest.approx(arcsine, rel=0.01)


def test_an_unequal_allocation_by_hand() -> None:
    # 20% control: k = 0.25 control units per treated unit; 10% → 12%, alpha 0.05, power 0.9
    p0, p1, k = 0.10, 0.12, 0.25
    z_90 = 1.2815515655446004
    pooled = (p1 + k * p0) / (1 + k)
    treated = (
        Z_975 * math.sqrt((1 + 1 / k) * pooled * (1 - pooled))
        + z_90 * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / k)
    ) ** 2 / (p1 - p0) ** 2
    size = two_proportion_sample_size(0.10, 0.02, power=0.9, control_per_treated=0.25)
    assert size.treated == math.ceil(treated)
    assert size.control == math.ceil(0.25 * size.treated)


@given(
    st.floats(0.01, 0.9),
    st.floats(0.005, 0.09),
    st.floats(0.5, 0.95),
)
def test_more_power_or_a_smaller_effect_needs_more_units(
    baseline: float, mde: float, power: float
) -> None:
    size = two_proportion_sample_size(baseline, mde, power=power)
    assert two_proportion_sample_size(baseline, mde, power=min(power + 0.04, 0.99)).treated >= (
        size.treated
    )
    assert two_proportion_sample_size(baseline, mde / 2, power=power).treated > 2 * size.treated


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": 0.0, "mde": 0.01}, "baseline: must be a rate"),
        ({"baseline": 0.5, "mde": 0.6}, "mde: must be non-zero"),
        ({"baseline": 0.5, "mde": 0.0}, "mde: must be non-zero"),
        ({"baseline": 0.5, "mde": 1e-7}, "mde: too small"),
        ({"baseline": 0.5, "mde": 0.1, "alpha": 1.0}, "alpha: "),
        ({"baseline": 0.5, "mde": 0.1, "power": 0.0}, "power: "),
        ({"baseline": 0.5, "mde": 0.1, "control_per_treated": 1000.0}, "allocation: "),
    ],
)
def test_bad_designs_name_the_argument(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        two_proportion_sample_size(**kwargs)  # type: ignore[arg-type]
