"""The lift ledger's estimator (analytics/experiments/lift.py): coverage of a known effect,
the cluster-robust total, and every case where an interval is withheld with its reason."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.effect import Z_95
from valuecenter.analytics.experiments.lift import SKEW_LIMIT, Z_POWER, group_lift, lift_table

GROUPS = 1_000


def _sales(rng: np.random.Generator, n: int, buy: float) -> np.ndarray:
    """Lumpy sales: a purchase with probability ``buy``, of a gamma-distributed amount."""
    return np.where(rng.random(n) < buy, rng.gamma(2.0, 50.0, n), 0.0)


def test_group_intervals_cover_a_known_effect_in_95_percent_of_simulated_groups() -> None:
    """1,000 groups of 600 treated and 300 control customers: the offer raises the chance
    of a purchase from 30% to 36%, so the true incremental sales of a group are
    ``n_t × 0.06 × 100`` (the gamma's mean is 100)."""
    rng = np.random.default_rng(19)
    n_t, n_c, base, lift = 600, 300, 0.30, 0.06
    truth = n_t * lift * 100.0
    covered = given_ = 0
    for _ in range(GROUPS):
        row = group_lift(_sales(rng, n_t, base + lift), _sales(rng, n_c, base))
        if row.incremental.has_interval:
            given_ += 1
            covered += row.incremental.covers(truth)
    assert given_ == GROUPS  # skewness ≈ 0.05 here: Cochran's rule allows every interval
    assert covered / given_ >= 0.93


def test_the_total_counts_a_customer_in_two_groups_once_and_still_covers() -> None:
    """Two offers of one month, every customer in both groups with his own spending level in
    both: the groups' estimates are correlated, so adding their variances undercovers; the
    cluster-robust total covers the known effect."""
    rng = np.random.default_rng(7)
    n, effect = 400, 5.0
    robust = naive = 0
    for _ in range(GROUPS):
        treated = rng.random(n) < 0.7
        level = rng.gamma(2.0, 20.0, n)  # the customer's own spending, in both groups
        a = level + rng.normal(0, 5, n) + effect * treated
        b = level + rng.normal(0, 5, n) + effect * treated
        outcome = np.concatenate([a, b])
        rows, total = lift_table(
            outcome,
            np.concatenate([treated, treated]),
            np.repeat([0, 1], n),
            np.tile(np.arange(n), 2),
        )
        truth = 2 * effect * treated.sum()
        robust += total.incremental.covers(truth)
        se = math.sqrt(sum((r.incremental.std_error or 0.0) ** 2 for r in rows))
        estimate = total.incremental.estimate
        assert estimate is not None
        naive += abs(estimate - truth) <= Z_95 * se
    assert robust / GROUPS >= 0.93
    assert naive / GROUPS < 0.90


def test_one_customer_per_group_gives_back_the_sum_of_the_groups_variances() -> None:
    rng = np.random.default_rng(3)
    outcome = rng.gamma(3.0, 10.0, 300)
    treated = rng.random(300) < 0.6
    group = rng.integers(0, 3, 300)
    rows, total = lift_table(outcome, treated, group, np.arange(300))
    assert total.incremental.estimate == pytest.approx(
        sum(r.incremental.estimate or 0.0 for r in rows)
    )
    assert total.incremental.std_error == pytest.approx(
        math.sqrt(sum((r.incremental.std_error or 0.0) ** 2 for r in rows))
    )
    assert total.treated == sum(r.treated for r in rows)
    assert total.left_out == 0


def test_rare_lumpy_purchases_get_no_interval_but_a_minimum_detectable_amount() -> None:
    """1% of 400 treated and 200 control customers buy: the estimate's skewness is far above
    Cochran's 0.2."""
    rng = np.random.default_rng(5)
    # One purchase in each arm at least, so both arms have a spread.
    treated = np.concatenate([_sales(rng, 399, 0.01), [120.0]])
    control = np.concatenate([_sales(rng, 199, 0.01), [100.0]])
    row = group_lift(treated, control)
    assert row.skewness is not None
    assert row.skewness > SKEW_LIMIT
    assert not row.incremental.has_interval
    assert row.incremental.reason is not None
    assert "skewed" in row.incremental.reason
    assert row.incremental.estimate is not None
    assert row.incremental.std_error is not None
    assert row.mde == pytest.approx((Z_95 + Z_POWER) * row.incremental.std_error)


def test_cochran_rule_for_one_skewed_arm() -> None:
    """A control arm with no spread adds nothing: the skewness is the treated mean's own,
    ``G₁/√n`` (and the interval is withheld for the control's lack of spread)."""
    rng = np.random.default_rng(11)
    treated = rng.exponential(10.0, 500)  # G₁ = 2: Cochran asks n > 100
    row = group_lift(treated, np.zeros(50))
    m2 = float(((treated - treated.mean()) ** 2).mean())
    m3 = float(((treated - treated.mean()) ** 3).mean())
    g1 = m3 / m2**1.5
    var = treated.var(ddof=1)
    assert row.skewness == pytest.approx(g1 / math.sqrt(500) * (m2 / var) ** 1.5)
    assert row.incremental.reason is not None
    assert "control" in row.incremental.reason


def test_withheld_intervals_say_why() -> None:
    few = group_lift([1.0, 2.0, 3.0], [1.0, 2.0, 5.0, 0.0, 3.0] * 3)
    assert few.incremental.estimate == pytest.approx(3 * (2.0 - 2.2))
    assert few.incremental.reason is not None
    assert "at least 10" in few.incremental.reason
    assert few.mde is not None  # a standard error exists: what the group could detect

    alone = group_lift([1.0, 2.0], [])
    assert alone.incremental.estimate is None
    assert alone.mde is None
    assert alone.mde_reason is not None

    flat = group_lift(np.arange(20.0), np.zeros(20))
    assert flat.incremental.reason is not None
    assert "control" in flat.incremental.reason

    nobody = group_lift([], [1.0, 2.0])
    assert nobody.incremental.estimate == 0.0


def test_groups_without_a_control_arm_are_left_out_of_the_total() -> None:
    outcome = np.arange(30.0)
    treated = np.asarray([True] * 10 + [True, False] * 10)
    group = np.asarray([0] * 10 + [1] * 20)
    rows, total = lift_table(outcome, treated, group, np.arange(30))
    assert rows[0].incremental.estimate is None
    assert total.left_out == 10
    assert total.treated == 10
    assert total.incremental.estimate == pytest.approx(rows[1].incremental.estimate or 0.0)


def test_bad_input_is_refused() -> None:
    with pytest.raises(InputError):
        lift_table([1.0, float("nan")], [True, False], [0, 0], [1, 2])
    with pytest.raises(InputError):
        lift_table([1.0, 2.0], [True], [0, 0], [1, 2])
    with pytest.raises(InputError):
        lift_table([1.0, 2.0], [True, False], [0, -1], [1, 2])
    with pytest.raises(InputError):
        group_lift([1.0], [2.0], min_arm=1)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    shift=st.floats(-1_000.0, 1_000.0, allow_nan=False),
    scale=st.floats(0.01, 100.0, allow_nan=False),
)
def test_the_total_moves_with_the_outcome_scale_and_ignores_a_shift(
    seed: int, shift: float, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    outcome = rng.gamma(2.0, 10.0, n)
    treated = rng.random(n) < 0.5
    group = rng.integers(0, 3, n)
    cluster = rng.integers(0, 60, n)
    _, base = lift_table(outcome, treated, group, cluster)
    _, shifted = lift_table(outcome + shift, treated, group, cluster)
    _, scaled = lift_table(outcome * scale, treated, group, cluster)
    assume_estimate = base.incremental.estimate
    assert assume_estimate is not None
    assert shifted.incremental.estimate == pytest.approx(
        assume_estimate, abs=1e-6 * (1 + abs(shift)) * n
    )
    assert shifted.incremental.std_error == pytest.approx(base.incremental.std_error, rel=1e-6)
    assert scaled.incremental.estimate == pytest.approx(scale * assume_estimate, rel=1e-6, abs=1e-9)
    assert scaled.skewness == pytest.approx(base.skewness, rel=1e-6)
