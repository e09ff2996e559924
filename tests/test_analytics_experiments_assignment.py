"""Deterministic, stratified, hash-ordered assignment (the experiments kernel): the same unit in
the same experiment always lands in the same arm, arms are balanced within every stratum to
±1 unit, and which units are treated is as good as random."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.assignment import (
    assign,
    assign_more,
    hash_position,
    hash_positions,
    next_arm,
)


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=300, unique=True),
    st.sampled_from([0.1, 0.2, 0.5, 0.8, 0.9, 1 / 3]),
    st.integers(1, 5),
    st.text(min_size=1, max_size=12),
)
def test_balanced_within_strata_and_the_same_in_any_order(
    ids: list[int], share: float, strata_count: int, key: str
) -> None:
    strata = [f"s{i % strata_count}" for i in ids]
    treated = assign(key, ids, share, strata)
    for stratum in set(strata):
        members = [i for i, s in enumerate(strata) if s == stratum]
        assert abs(treated[members].sum() - share * len(members)) <= 1.0
    # the same units, listed in another order: the same unit in the same arm
    order = list(range(len(ids)))
    random.Random(0).shuffle(order)
    again = assign(key, [ids[i] for i in order], share, [strata[i] for i in order])
    assert dict(zip([ids[i] for i in order], again.tolist(), strict=True)) == dict(
        zip(ids, treated.tolist(), strict=True)
    )


def test_another_experiment_draws_other_arms_as_good_as_random() -> None:
    ids = list(range(20_000))
    first = assign("campaign-1", ids, 0.5)
    second = assign("campaign-2", ids, 0.5)
    agree = int((first == second).sum())
    assert binomtest(agree, len(ids), 0.5).pvalue > 0.001
    # not steered by the id: even and odd ids are treated alike
    even = first[0::2].sum()
    assert binomtest(int(even), int(first.sum()), 0.5).pvalue > 0.001
    positions = hash_positions("campaign-1", ids)
    assert positions.min() >= 0.0
    assert positions.max() < 1.0
    assert positions[17] == hash_position("campaign-1", "17")


def test_arrivals_one_at_a_time_stay_balanced_and_match_the_batch() -> None:
    counts: dict[str, list[int]] = {"a": [0, 0], "b": [0, 0]}
    units = [f"c{i}" for i in range(1_000)]
    strata = ["a" if i % 3 else "b" for i in range(1_000)]
    # the units arrive in hash order, as the batch takes them within each stratum
    arrival = np.argsort(hash_positions("desk", units), kind="stable")
    arms = {}
    for i in arrival:
        treated_so_far, total = counts[strata[i]]
        arm = next_arm("desk", strata[i], treated_so_far, total, 0.2)
        arms[units[i]] = arm
        counts[strata[i]] = [treated_so_far + arm, total + 1]
        assert abs(counts[strata[i]][0] - 0.2 * counts[strata[i]][1]) <= 1.0
    batch = assign("desk", units, 0.2, strata)
    assert [arms[u] for u in units] == batch.tolist()


def test_small_strata_are_not_all_treated() -> None:
    # a thousand strata of one: without a random start per stratum every unit would be treated
    treated = assign("k", [f"u{i}" for i in range(1_000)], 0.5, [f"s{i}" for i in range(1_000)])
    assert binomtest(int(treated.sum()), 1_000, 0.5).pvalue > 0.001
    assert assign("k", ["a"], 0.9).tolist() == assign("k", ["a"], 0.9).tolist()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: assign("k", [1, 2], 1.0), "share: "),
        (lambda: assign("k", [1, 1], 0.5), "units: "),
        (lambda: assign("k", [1, 2], 0.5, ["a"]), "strata: "),
        (lambda: next_arm("k", "s", 3, 2, 0.5), "counts: "),
    ],
)
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


def test_units_that_join_later_continue_the_balanced_sequence() -> None:
    units = [f"u{i}" for i in range(3_000)]
    strata = [f"s{i % 4}" for i in range(3_000)]
    whole = assign("camp", units, 0.3, strata)
    first, counts = assign_more("camp", units[:1_000], strata[:1_000], 0.3, {})
    assert first.tolist() == assign("camp", units[:1_000], 0.3, strata[:1_000]).tolist()
    later, counts = assign_more("camp", units[1_000:], strata[1_000:], 0.3, counts)
    for name, (treated, total) in counts.items():
        assert abs(treated - 0.3 * total) <= 1.0, name
    assert sum(t for t, _ in counts.values()) == int(first.sum() + later.sum())
    # the later batch is not the whole list's arms (the hash order interleaves the batches)
    # but is as balanced: both within one unit per stratum
    assert abs(int(whole.sum()) - int(first.sum() + later.sum())) <= 4
