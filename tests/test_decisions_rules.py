"""The eligibility-rule language (decisions/rules.py): a broken rule is refused with the path of
its fault when it is saved, a valid one is stored in a canonical form and compiled once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.decisions.facts import Context, Facts
from valuecenter.decisions.rules import (
    Subject,
    Vocabulary,
    compile_rule,
    days_to_anniversary,
    describe,
    parse,
)
from valuecenter.errors import InvalidInput

VOCAB = Vocabulary(
    products=frozenset({"P06011", "P02020"}),
    categories=frozenset({"furniture", "ink"}),
    segments=frozenset({"gold", "silver", "bronze"}),
    countries=frozenset({"NL", "DE", "CH"}),
)
AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DEEP: object = {"kind": "b2b"}
for _ in range(9):
    DEEP = {"not": DEEP}


def subject(**facts: object) -> Subject:
    values: dict[str, object] = {"customer_id": 1, **facts}
    intent = values.pop("intent", None)
    consent = values.pop("consent", lambda _p, _c: True)
    return Subject(
        facts=Facts(**values),  # type: ignore[arg-type]
        context=Context(at=AT, local=AT, channel="phone", intent=intent),  # type: ignore[arg-type]
        detractor=bool(values.get("last_nps") is not None and values["last_nps"] <= 6),  # type: ignore[operator]
        consent=consent,  # type: ignore[arg-type]
    )


def check(rule: object, **facts: object) -> str | None:
    node = compile_rule(parse(rule, VOCAB))
    assert node is not None
    return node.check(subject(**facts))


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"segmnt": ["gold"]}, "eligible", "unknown field 'segmnt'"),
        ({"segment": ["gld"]}, "eligible.segment", "'gld' is not a segment here"),
        (
            {"all": [{"segment": "gold"}, {"country": {"nin": ["CH"]}}]},
            "eligible.all[1].country",
            "{in: [...]}",
        ),
        ({"all": []}, "eligible.all", "non-empty list"),
        ({"segment": "gold", "country": "NL"}, "eligible", "exactly one field"),
        ({"holds": {"product": "P99"}}, "eligible.holds.product", "no product 'P99' exists"),
        ({"holds": {"brand": "x"}}, "eligible.holds", "'brand' is not product or category"),
        ({"clv": {"gte": "lots"}}, "eligible.clv.gte", "expects a number"),
        ({"clv": {"above": 5}}, "eligible.clv", "'above' is not a test"),
        ({"open_complaint": "no"}, "eligible.open_complaint", "expects true or false"),
        ({"contract": ["running"]}, "eligible.contract", "'running' is not a contract"),
        (
            {"consent": {"purpose": "sales", "channel": "email"}},
            "eligible.consent.purpose",
            "not one of",
        ),
        ({"anniversary_within_days": 400}, "eligible.anniversary_within_days", "0–183"),
        ("segment: gold", "eligible", "expected a condition"),
        (DEEP, "eligible", "nest at most"),
    ],
)
def test_a_broken_rule_is_refused_naming_the_path_of_its_fault(
    rule: object, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(rule, VOCAB)
    assert caught.value.field.startswith(field)
    assert message in caught.value.detail


def test_a_valid_rule_gets_one_canonical_form() -> None:
    rule = {
        "all": [
            {"segment": ["silver", "gold", "gold"]},
            {"country": {"not_in": ["CH"]}},
            {"not": {"holds": {"product": "P06011"}}},
            {"clv": {"gte": 500}},
            {"any": [{"intent": "order"}, {"anniversary_within_days": 7}]},
        ]
    }
    canonical = parse(rule, VOCAB)
    assert canonical == {
        "all": [
            {"segment": {"in": ["gold", "silver"]}},
            {"country": {"not_in": ["CH"]}},
            {"not": {"holds": {"product": "P06011"}}},
            {"clv": {"gte": 500.0}},
            {"any": [{"intent": {"in": ["order"]}}, {"anniversary_within_days": 7}]},
        ]
    }
    assert parse(canonical, VOCAB) == canonical
    assert parse(None) is None
    assert describe(None) == "everyone"
    assert "segment in gold, silver" in describe(canonical)


def test_unknown_vocabulary_accepts_any_value() -> None:
    assert parse({"segment": "anything"}) == {"segment": {"in": ["anything"]}}


def test_the_compiled_rule_says_which_condition_failed() -> None:
    rule = {
        "all": [
            {"segment": ["gold", "silver"]},
            {"country": {"not_in": ["CH"]}},
            {"not": {"holds": {"product": "P06011"}}},
            {"clv": {"gte": 500}},
        ]
    }
    ok = {"segment": "gold", "country": "NL", "clv_cents": 60_000}
    assert check(rule, **ok) is None
    assert check(rule, **{**ok, "segment": "bronze"}) == "segment is bronze, not gold, silver"
    assert check(rule, **{**ok, "country": "CH"}) == "country is CH (excluded)"
    held = check(rule, **ok, products=frozenset({"P06011"}))
    assert held == "excluded: bought product P06011 in the last year"
    assert check(rule, **{**ok, "clv_cents": 10_000}) == "clv €100, needs ≥ €500"
    assert check(rule, **{**ok, "clv_cents": None}).startswith("no customer value yet")  # type: ignore[union-attr]


def test_any_not_and_the_other_fields() -> None:
    rule = {"any": [{"intent": ["order"]}, {"open_complaint": True}]}
    assert check(rule, intent="order") is None
    assert check(rule, open_complaint=True) is None
    assert (
        check(rule, intent="how-to")
        == "none of: intent is how-to, not order; has no open complaint"
    )
    assert check({"detractor": True}, last_nps=4, last_nps_at=AT) is None
    assert check({"contract": ["active", "ending"]}, contract="ending") is None
    assert check({"plan": ["managed-print"]}, plans=frozenset({"managed-print"})) is None
    assert check({"holds": {"category": "ink"}}, categories=frozenset({"ink"})) is None
    assert check({"orders_12m": {"gt": 2, "lte": 10}}, orders_12m=5) is None
    assert check({"orders_12m": {"gt": 2, "lte": 10}}, orders_12m=11) == "orders_12m 11, needs ≤ 10"
    assert check({"tenure_days": {"gte": 365}}, customer_since=date(2020, 1, 1)) is None
    refused = check(
        {"consent": {"purpose": "marketing", "channel": "email"}}, consent=lambda p, c: False
    )
    assert refused == "no marketing consent for email"


def test_anniversaries_wrap_around_the_year_and_29_february() -> None:
    assert days_to_anniversary(date(2019, 12, 30), date(2027, 1, 2)) == 3
    assert days_to_anniversary(date(2020, 2, 29), date(2027, 2, 28)) == 0
    assert check({"anniversary_within_days": 7}, customer_since=date(2015, 12, 5)) is None
    assert "anniversary is" in str(
        check({"anniversary_within_days": 2}, customer_since=date(2015, 12, 9))
    )


SET = st.sampled_from(["segment", "country", "language", "kind", "plan", "intent", "channel"])
VALUES = {
    "segment": ["gold", "silver", "bronze"],
    "country": ["NL", "DE", "CH"],
    "language": ["nl", "de"],
    "kind": ["b2b", "b2c"],
    "plan": ["a", "b"],
    "intent": ["order", "cancel"],
    "channel": ["phone", "chat"],
}


def _leaf() -> st.SearchStrategy[dict[str, object]]:
    sets = SET.flatmap(
        lambda f: st.lists(st.sampled_from(VALUES[f]), min_size=1, max_size=3).map(
            lambda v, f=f: {f: v}
        )
    )
    flags = st.sampled_from(["open_case", "open_complaint", "detractor"]).flatmap(
        lambda f: st.booleans().map(lambda b, f=f: {f: b})
    )
    numbers = st.sampled_from(["clv", "orders_12m", "last_nps"]).flatmap(
        lambda f: st.integers(-10, 10_000).map(lambda n, f=f: {f: {"gte": n}})
    )
    return st.one_of(sets, flags, numbers)


RULES = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda r: {"all": r}),
        st.lists(inner, min_size=1, max_size=3).map(lambda r: {"any": r}),
        inner.map(lambda r: {"not": r}),
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(rule=RULES, segment=st.sampled_from(VALUES["segment"]), orders=st.integers(0, 50))
def test_canonical_form_is_stable_and_not_is_the_negation(
    rule: dict[str, object], segment: str, orders: int
) -> None:
    canonical = parse(rule, VOCAB)
    assert parse(canonical, VOCAB) == canonical
    facts = {"segment": segment, "orders_12m": orders, "country": "NL", "kind": "b2b"}
    positive = check(canonical, **facts) is None
    negated = check({"not": canonical}, **facts) is None
    assert positive != negated


def test_the_contact_fields_routing_needs_read_the_local_day_hour_and_wait() -> None:
    """``weekday``, ``hour`` and ``wait_seconds`` read the contact's local time and wait (the
    routing rules' Monday-morning and long-waiter boosts, issue 22)."""
    monday_9 = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # a Monday
    ctx = Context(at=monday_9, local=monday_9, channel="phone", wait_seconds=150)
    node = compile_rule(
        parse({"all": [{"weekday": ["mon"]}, {"hour": {"lt": 12}}, {"wait_seconds": {"gte": 120}}]})
    )
    assert node is not None
    s = Subject(facts=Facts(customer_id=1), context=ctx, detractor=False, consent=lambda p, c: True)
    assert node.check(s) is None
    tuesday = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    later = Subject(
        facts=Facts(customer_id=1),
        context=Context(at=tuesday, local=tuesday, channel="phone", wait_seconds=150),
        detractor=False,
        consent=lambda p, c: True,
    )
    assert node.check(later) == "weekday is tue, not mon"
    impatient = Subject(
        facts=Facts(customer_id=1),
        context=Context(at=monday_9, local=monday_9, channel="phone", wait_seconds=30),
        detractor=False,
        consent=lambda p, c: True,
    )
    assert node.check(impatient) is not None
    with pytest.raises(InvalidInput, match="'monday' is not a weekday here"):
        parse({"weekday": ["monday"]})
