"""The campaign readout of the experiments kernel (issue 19): ROI by hand, the pre-registered
decision rule, the lift day by day, and the sample size of a revenue goal."""

from __future__ import annotations

import numpy as np
import pytest

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.design import two_mean_sample_size
from valuecenter.analytics.experiments.readout import (
    EXTEND,
    SCALE,
    STOP,
    Rule,
    decide,
    lift_over_time,
    readout,
)
from valuecenter.analytics.ledger import newcombe


def _campaign(
    n: int, p_treated: float, p_control: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    treated = rng.permutation(np.arange(n) < n // 2)
    p = np.where(treated, p_treated, p_control)
    converted = (rng.random(n) < p).astype(float)
    revenue = np.where(converted > 0, rng.uniform(4_000, 12_000, n), 0.0).round()
    return converted, revenue, treated


def test_the_figures_equal_a_hand_computation() -> None:
    converted, revenue, treated = _campaign(2_000, 0.30, 0.10, seed=1)
    out = readout(
        converted, revenue, treated, share=0.5, rule=Rule(mde=0.05), cost_cents=50_000,
        margin_share=0.3,
    )  # fmt: skip
    xt, nt = converted[treated].sum(), treated.sum()
    xc, nc = converted[~treated].sum(), (~treated).sum()
    assert out.lift == pytest.approx(xt / nt - xc / nc)
    assert (out.lift_low, out.lift_high) == pytest.approx(newcombe(xt, nt, xc, nc))
    incremental = nt * (revenue[treated].mean() - revenue[~treated].mean())
    assert out.incremental_revenue.estimate == pytest.approx(incremental)
    assert out.roi == pytest.approx((incremental * 0.3 - 50_000) / 50_000)
    assert out.roi_low is not None
    assert out.roi_high is not None
    assert out.roi_low < out.roi < out.roi_high
    # The always-valid interval is wider than the fixed one: it may be read every day.
    assert out.always_low is not None
    assert out.always_high is not None
    assert out.always_low < out.lift_low
    assert out.always_high > out.lift_high
    assert out.decision == SCALE


def test_no_effect_is_stopped_when_the_interval_excludes_the_mde() -> None:
    converted, revenue, treated = _campaign(20_000, 0.10, 0.10, seed=2)
    out = readout(
        converted, revenue, treated, share=0.5, rule=Rule(mde=0.05), cost_cents=10_000,
        margin_share=0.3,
    )  # fmt: skip
    assert out.always_high is not None
    assert out.always_high < 0.05
    assert out.decision == STOP


def test_a_small_campaign_is_extended_until_it_is_clear() -> None:
    converted, revenue, treated = _campaign(60, 0.15, 0.10, seed=3)
    out = readout(
        converted, revenue, treated, share=0.5, rule=Rule(mde=0.05), cost_cents=10_000,
        margin_share=0.3, planned_members=2_000,
    )  # fmt: skip
    assert out.decision == EXTEND


def test_decide_applies_the_rule_in_its_order() -> None:
    rule = Rule(mde=0.02, min_roi=0.5)
    assert decide(rule, None, None, None, None, 10)[0] == EXTEND
    assert decide(rule, (0.01, 0.05), 0.6, 1.0, None, 100)[0] == SCALE
    assert decide(rule, (0.01, 0.05), 0.2, 1.0, 100, 50)[0] == EXTEND  # ROI not met yet
    assert decide(rule, (-0.03, 0.01), None, None, None, 100)[0] == STOP  # below the MDE
    assert decide(rule, (-0.01, 0.05), 0.1, 0.3, 100, 100)[0] == STOP  # ROI out of reach
    assert decide(rule, (-0.01, 0.05), 0.1, 0.3, 200, 100)[0] == EXTEND  # not all members in


def test_the_lift_over_time_ends_at_the_readout() -> None:
    rng = np.random.default_rng(4)
    n = 1_000
    treated = rng.permutation(np.arange(n) < n // 2)
    day = np.where(rng.random(n) < np.where(treated, 0.3, 0.1), rng.integers(0, 30, n), np.nan)
    looks = lift_over_time(day, treated, 0.5, 30)
    assert [x.day for x in looks] == list(range(31))
    converted = (~np.isnan(day)).astype(float)
    final = readout(converted, converted * 0, treated, share=0.5, rule=Rule(mde=0.05),
                    cost_cents=0, margin_share=None)  # fmt: skip
    assert looks[-1].lift == pytest.approx(final.lift)
    assert looks[-1].low == pytest.approx(final.always_low)
    assert looks[0].lift is not None
    assert abs(looks[0].lift) < abs(looks[-1].lift or 0)


def test_two_mean_sample_size_matches_the_textbook_formula() -> None:
    """n = 2 σ² (z₀.₉₇₅ + z₀.₈)² / δ² = 2 · 100 · 7.849 / 4 = 392.4 → 393 per group for
    σ = 10, δ = 2 (Chow, Shao & Wang 2008, §3.2.1; G*Power's z-test gives 393 as well)."""
    size = two_mean_sample_size(10.0, 2.0)
    assert (size.treated, size.control) == (393, 393)
    unequal = two_mean_sample_size(10.0, 2.0, control_per_treated=0.25)
    assert unequal.treated == 982
    assert unequal.control == 246
    with pytest.raises(InputError):
        two_mean_sample_size(0.0, 1.0)
    with pytest.raises(InputError):
        two_mean_sample_size(1.0, 1e-9)
