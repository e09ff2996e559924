"""The contact policy (decisions/policy.py) and consent verdicts (consent/state.py): pure rules
over a customer's recent answers and consent events; every refusal says which rule refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.consent.phone import normalize
from valuecenter.consent.state import ConsentEvent, consent_channel, latest, verdict
from valuecenter.decisions.policy import (
    Answer,
    PolicyRule,
    frequency_block,
    paused_until,
    rejection_block,
    repeat_block,
)

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)
PAUSE = PolicyRule(
    code="three-strikes",
    name="After 3 rejections, none for 90 days",
    kind="rejection-pause",
    purpose="marketing",
    channel="any",
    direction="any",
    action_id=None,
    max_count=3,
    window_days=365,
    pause_days=90,
)
CALLS = PolicyRule(
    code="one-call",
    name="One outbound marketing call per 30 days",
    kind="frequency",
    purpose="marketing",
    channel="phone",
    direction="outbound",
    action_id=None,
    max_count=1,
    window_days=30,
    pause_days=None,
)


def answer(
    action: int, outcome: str, days: float, channel: str = "phone", direction: str = "inbound"
) -> Answer:
    return Answer(action, outcome, T0 + timedelta(days=days), channel, direction, "marketing")


def test_three_rejections_pause_the_offer_for_90_days_then_it_returns() -> None:
    answers = [answer(7, "rejected", d) for d in (0, 10, 20)]
    assert rejection_block(answers[:2], PAUSE, 7, T0 + timedelta(days=21)) is None
    why = rejection_block(answers, PAUSE, 7, T0 + timedelta(days=21))
    assert why == "rejected 3× within 365 days (last 2026-06-21): paused until 2026-09-19"
    assert rejection_block(answers, PAUSE, 8, T0 + timedelta(days=21)) is None  # another offer
    assert rejection_block(answers, PAUSE, 7, T0 + timedelta(days=20 + 90)) is None


def test_rejections_during_a_pause_do_not_count_and_the_count_restarts_after_it() -> None:
    times = [T0 + timedelta(days=d) for d in (0, 1, 2, 50, 95, 100, 200)]
    # Pause from day 2 to day 92; day 50 is inside it; days 95, 100, 200 count afresh.
    until = paused_until(times, max_count=3, window_days=365, pause_days=90)
    assert until == T0 + timedelta(days=290)
    spread = [T0 + timedelta(days=d) for d in (0, 200, 400)]
    assert paused_until(spread, max_count=3, window_days=365, pause_days=90) is None


def test_one_outbound_marketing_call_per_30_days() -> None:
    answers = [answer(1, "rejected", 0, direction="outbound")]
    at = T0 + timedelta(days=10)
    why = frequency_block(
        answers, CALLS, purpose="marketing", channel="phone", direction="outbound", at=at
    )
    assert why == "1 marketing presentation in the last 30 days (at most 1); next on 2026-07-01"
    # An inbound call, an e-mail, a service action and day 31 are not limited by this rule.
    for kwargs in (
        {"purpose": "marketing", "channel": "phone", "direction": "inbound", "at": at},
        {"purpose": "marketing", "channel": "email", "direction": "outbound", "at": at},
        {"purpose": "service", "channel": "phone", "direction": "outbound", "at": at},
        {
            "purpose": "marketing",
            "channel": "phone",
            "direction": "outbound",
            "at": T0 + timedelta(days=31),
        },
    ):
        assert frequency_block(answers, CALLS, **kwargs) is None  # type: ignore[arg-type]


def test_an_accepted_action_is_not_offered_again_within_its_repeat_days() -> None:
    answers = [answer(3, "accepted", 0)]
    why = repeat_block(answers, 3, 365, T0 + timedelta(days=1))
    assert why == "accepted 2026-06-01: not offered again before 2027-06-01"
    assert repeat_block(answers, 3, 365, T0 + timedelta(days=366)) is None
    assert repeat_block([answer(3, "rejected", 0)], 3, 365, T0) is None


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.integers(0, 900), max_size=12), extra=st.integers(0, 900))
def test_a_pause_never_starts_before_the_third_rejection(days: list[int], extra: int) -> None:
    times = [T0 + timedelta(days=d) for d in days]
    until = paused_until(times, max_count=3, window_days=365, pause_days=90)
    if until is not None:
        start = until - timedelta(days=90)
        assert start in times
        assert sum(1 for t in times if t <= start) >= 3


def event(
    purpose: str, channel: str, granted: bool, days: float, source: str = "form"
) -> ConsentEvent:
    return ConsentEvent(purpose, channel, granted, T0 + timedelta(days=days), source)


def test_the_latest_event_decides_and_a_withdrawal_takes_effect_from_its_time() -> None:
    events = [event("marketing", "email", True, 0), event("marketing", "any", False, 5, "call K-1")]
    assert verdict(events, purpose="marketing", channel="email", at=T0 + timedelta(days=4)).allowed
    refused = verdict(events, purpose="marketing", channel="email", at=T0 + timedelta(days=6))
    assert not refused.allowed
    assert refused.rule == "consent"
    assert refused.detail == "marketing by any channel withdrawn 2026-06-06 10:00 UTC (call K-1)"
    events.append(event("marketing", "email", True, 8))
    assert verdict(events, purpose="marketing", channel="email", at=T0 + timedelta(days=9)).allowed
    assert not verdict(
        events, purpose="marketing", channel="sms", at=T0 + timedelta(days=9)
    ).allowed
    assert latest(events, "service", "phone", T0) is None
    default = verdict([], purpose="service", channel="phone", at=T0)
    assert default.allowed
    assert default.rule == "default"


def test_the_do_not_call_register_stops_outbound_marketing_calls_only() -> None:
    on = {"on_register": True, "do_not_call_since": date(2026, 3, 1)}
    out = verdict([], purpose="marketing", channel="phone", at=T0, outbound=True, **on)  # type: ignore[arg-type]
    assert not out.allowed
    assert out.rule == "do-not-call"
    assert "since 2026-03-01" in out.detail
    assert verdict([], purpose="marketing", channel="phone", at=T0, **on).allowed  # type: ignore[arg-type]
    assert verdict([], purpose="service", channel="phone", at=T0, outbound=True, **on).allowed  # type: ignore[arg-type]
    old = [event("marketing", "phone", True, -200)]  # before the registration: no override
    assert not verdict(
        old, purpose="marketing", channel="phone", at=T0, outbound=True, **on
    ).allowed  # type: ignore[arg-type]
    fresh = [event("marketing", "phone", True, -10)]  # his own opt-in after it: allowed
    assert verdict(fresh, purpose="marketing", channel="phone", at=T0, outbound=True, **on).allowed  # type: ignore[arg-type]


def test_channels_and_phone_numbers() -> None:
    assert consent_channel("ivr") == "phone"
    assert consent_channel("chat") == "any"
    assert normalize("06-1234 5678", "NL") == "+31612345678"
    assert normalize("0031 6 12345678") == "+31612345678"
    assert normalize("+31 (0)6 12345678") == "+31612345678"
    assert normalize("0211 123456", "DE") == "+49211123456"
    assert normalize("06 1234", "NL") is None
    assert normalize("0612345678") is None  # a national number needs a country
    assert normalize("") is None
