"""The pure parts of contact reasons, avoidable contacts and cost per contact
(``analytics/contact_reasons.py``), with figures worked out by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.contact_reasons import (
    DEFAULT_RULES,
    contact_cost_cents,
    match_rules,
    pareto,
    parse_rules,
    peak_days,
    peak_mix,
    vital_few,
)
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.ledger import newcombe

COSTS = {"phone": 100, "chat": 50, "self-service": 1}


def test_pareto_by_hand() -> None:
    rows = pareto(["a", "b", "a", "c", "a", "b"])
    assert [(r.reason, r.count) for r in rows] == [("a", 3), ("b", 2), ("c", 1)]
    assert [r.share for r in rows] == pytest.approx([1 / 2, 1 / 3, 1 / 6])
    assert [r.cumulative for r in rows] == pytest.approx([1 / 2, 5 / 6, 1.0])
    assert vital_few(rows) == 2  # a + b reach 83% ≥ 80%
    # Ties by name.
    assert [r.reason for r in pareto(["z", "y", "x", "x"])] == ["x", "y", "z"]
    assert pareto([]) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["order", "invoice", "delivery", "how-to"]), max_size=60))
def test_pareto_adds_up(labels: list[str]) -> None:
    rows = pareto(labels)
    assert sum(r.count for r in rows) == len(labels)
    if rows:
        assert rows[-1].cumulative == pytest.approx(1.0)
        assert sum(r.share for r in rows) == pytest.approx(1.0)
        assert all(a.count >= b.count for a, b in itertools.pairwise(rows))


def test_peak_days_by_hand() -> None:
    # Days 0..3 carry 3, 1, 0 and 5 contacts. The 90th percentile of [0, 1, 3, 5] (linear):
    # position 0.9 × 3 = 2.7 → 3 + 0.7 × (5 − 3) = 4.4; only day 3 is above it.
    found = peak_days([0, 0, 0, 1, 3, 3, 3, 3, 3])
    assert found.threshold == pytest.approx(4.4)
    assert found.days == 4
    assert found.peak == frozenset({3})
    # At the median (2.0) day 0 (3) joins.
    assert peak_days([0, 0, 0, 1, 3, 3, 3, 3, 3], 0.5).peak == frozenset({0, 3})
    # A day equal to the threshold is not a peak: all days alike, no peaks.
    assert peak_days([5, 6, 7]).peak == frozenset()
    assert peak_days([]).days == 0
    with pytest.raises(InputError, match="peak quantile"):
        peak_days([1], 1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=300),
    st.floats(min_value=0.05, max_value=0.95),
)
def test_peak_days_are_above_the_threshold_and_few(days: list[int], q: float) -> None:
    found = peak_days(days, q)
    volume = np.bincount(np.asarray(days) - min(days))
    for day, count in enumerate(volume):
        assert (count > found.threshold) == (day + min(days) in found.peak)
    # Strictly above the q-quantile of n values: at most (1 − q)(n − 1) + 1 of them.
    assert len(found.peak) <= (1 - q) * (found.days - 1) + 1 + 1e-9


def test_peak_mix_by_hand() -> None:
    peak = [True, True, False, False, False, False]
    reasons = [["a", "b"], ["a", "a"], ["b"], ["a"], [], ["b"]]
    rows = {r.reason: r for r in peak_mix(peak, reasons)}
    a = rows["a"]
    # a: 2 of 2 peak contacts (counted once per contact), 1 of 4 normal ones.
    assert (a.peak_contacts, a.normal_contacts) == (2, 1)
    assert a.peak_share == 1.0
    assert a.normal_share == 0.25
    assert a.difference == pytest.approx(0.75)
    assert (a.low, a.high) == pytest.approx(newcombe(2.0, 2, 1.0, 4))
    assert a.low is not None
    assert a.high is not None
    assert a.low < 0.75 < a.high
    b = rows["b"]
    assert (b.peak_share, b.normal_share) == (0.5, 0.5)
    assert b.difference == 0.0
    # Largest difference first.
    assert [r.reason for r in peak_mix(peak, reasons)] == ["a", "b"]
    # No peak contacts: shares of one side only, no difference.
    only = peak_mix([False, False], [["a"], []])
    assert only[0].peak_share is None
    assert only[0].difference is None
    with pytest.raises(InputError):
        peak_mix([True], [])


def test_the_default_rules_by_hand() -> None:
    intent = ["order", "order", "delivery", "invoice", "order", "invoice", "where-is-my-order"]
    reasons = [["order"], ["order"], ["delivery"], ["invoice"], ["order"], ["invoice"], []]
    channel = ["phone", "self-service", "email", "phone", "fax", "phone", "chat"]
    direction = ["inbound"] * 5 + ["outbound", "inbound"]
    repeat = [False, False, False, True, True, True, False]
    first, hits = match_rules(DEFAULT_RULES, intent, reasons, channel, direction, repeat)
    # 0 order by phone; 1 order online: not avoidable; 2 delivery question; 3 a repeat;
    # 4 an order that is also a repeat: the first rule (order) has it, both match;
    # 5 outbound: never; 6 "where is my order" by its own code.
    assert first.tolist() == [0, -1, 1, 2, 0, -1, 1]
    assert hits[4].tolist() == [True, False, True]
    assert hits.sum(axis=0).tolist() == [2, 2, 2]


def test_rules_from_a_file() -> None:
    text = """
rules:
  - name: wismo
    label: Where is my order
    reason: where-is-my-order
  - name: fax-orders
    intent: [order]
    channel: [fax]
  - name: repeats
    repeat: true
"""
    rules = parse_rules(yaml.safe_load(text))
    assert [r.name for r in rules] == ["wismo", "fax-orders", "repeats"]
    assert rules[0].reason == frozenset({"where-is-my-order"})
    assert rules[1].label == "fax-orders"
    first, _hits = match_rules(
        rules,
        ["invoice", "order", "order"],
        [["invoice", "where-is-my-order"], ["order"], ["order"]],
        ["phone", "fax", "phone"],
        ["inbound", "inbound", "inbound"],
        [False, False, False],
    )
    # A reason anywhere in the contact's list matches the reason condition.
    assert first.tolist() == [0, 1, -1]
    assert parse_rules([{"name": "x", "direction": ["outbound"]}])[0].direction == {"outbound"}
    assert rules[1].as_json() == {
        "name": "fax-orders", "label": "fax-orders", "intent": ["order"], "channel": ["fax"]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "rules: must be a non-empty list of rules"),
        ("order", "rules: must be a non-empty list of rules"),
        (["x"], "rule 1: must be a mapping"),
        ([{"name": "a", "colour": "red"}], "rule 1: unknown key colour"),
        ([{"intent": ["order"]}], "rule 1: needs a name"),
        ([{"name": "a"}], "rule 1: needs at least one condition"),
        ([{"name": "a", "channel": ["pigeon"]}], "rule 1: unknown channel pigeon"),
        ([{"name": "a", "direction": "sideways"}], "rule 1: unknown direction sideways"),
        ([{"name": "a", "intent": [1]}], "rule 1: intent must be a list of codes"),
        ([{"name": "a", "repeat": "yes"}], "rule 1: label must be text and repeat true or false"),
        (
            [{"name": "a", "repeat": True}, {"name": "a", "repeat": False}],
            "rule 2: name a is used twice",
        ),
    ],
)
def test_bad_rules_are_refused_in_one_line(data: object, message: str) -> None:
    with pytest.raises(InputError) as found:
        parse_rules(data)
    assert str(found.value).startswith(message)
    assert "\n" not in str(found.value)


def test_cost_per_contact_by_hand() -> None:
    # 90 s of phone at €1/min = 150 cents; 61 s of chat at 50 c = 50.83 → 51;
    # half a cent rounds up (30 s at 1 c/min), less does not (29 s).
    cost = contact_cost_cents(
        ["phone", "chat", "self-service", "self-service"], [90, 61, 30, 29], COSTS
    )
    assert cost.tolist() == [150, 51, 1, 0]
    with pytest.raises(InputError, match="no cost per minute for channel fax"):
        contact_cost_cents(["fax"], [60], COSTS)
    with pytest.raises(InputError, match="must not be negative"):
        contact_cost_cents(["phone"], [-1], COSTS)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["phone", "chat", "self-service"]), st.integers(0, 10_000)),
        max_size=80,
    )
)
def test_costs_are_whole_cents_within_half_a_cent(contacts: list[tuple[str, int]]) -> None:
    channels = [c for c, _s in contacts]
    seconds = [s for _c, s in contacts]
    cost = contact_cost_cents(channels, seconds, COSTS)
    for c, s, cents in zip(channels, seconds, cost.tolist(), strict=True):
        exact = s * COSTS[c] / 60
        assert math.floor(exact + 0.5) == cents


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["order", "delivery", "invoice", None]),
            st.lists(st.sampled_from(["order", "delivery", "invoice"]), max_size=4),
            st.sampled_from(["phone", "chat", "fax", "self-service"]),
            st.sampled_from(["inbound", "outbound"]),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_each_contact_counts_for_the_first_rule_it_matches(
    contacts: list[tuple[str | None, list[str], str, str, bool]],
) -> None:
    columns = list(zip(*contacts, strict=True)) if contacts else [[], [], [], [], []]
    first, hits = match_rules(DEFAULT_RULES, *columns)  # type: ignore[arg-type]
    assert len(first) == len(contacts)
    for row, chosen in zip(hits, first.tolist(), strict=True):
        if chosen < 0:
            assert not row.any()
        else:
            assert row[chosen]
            assert not row[:chosen].any()
    # Outbound and self-service contacts are never avoidable by the default rules.
    for (_i, _r, channel, direction, _rep), chosen in zip(contacts, first.tolist(), strict=True):
        if direction == "outbound" or (channel == "self-service" and _i != "delivery"):
            assert chosen == -1
