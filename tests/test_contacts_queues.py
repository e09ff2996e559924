"""Queues (issue 20): opening hours and targets checked in one place, the importer's queues
file and ``hold_seconds`` on contacts (both backends), the contacts repository's queue reads,
and the demo's queues covering every queue its contacts use."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.contacts import queues as rules
from valuecenter.contacts import repository
from valuecenter.contacts.models import WEEKDAYS, Contact, Queue
from valuecenter.demo import contacts as demo_contacts
from valuecenter.demo.presets import TELECOM, WHOLESALE
from valuecenter.demo.world import build_world
from valuecenter.errors import InvalidInput
from valuecenter.importer.service import import_frame

OFFICE = {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["09:00", "13:00"]]}


def _queues(**changes: object) -> pd.DataFrame:
    rows = [
        {
            "queue": "phone-nl",
            "name": "Service phone nl",
            "department": "service",
            "channel": "phone",
            "service_level_percent": "80",
            "service_level_seconds": "20",
            "opening_hours": json.dumps(OFFICE),
            "timezone": "Europe/Amsterdam",
            "active": "true",
        },
        {
            "queue": "email-nl",
            "name": "Service email nl",
            "department": "service",
            "channel": "email",
            "service_level_percent": "90",
            "service_level_seconds": "86400",
            "opening_hours": "",
            "timezone": "",
            "active": "",
        },
    ]
    rows[0] |= changes
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- opening hours


def test_opening_hours_are_sorted_and_every_weekday_is_stored() -> None:
    hours = rules.opening_hours({"mon": [["13:00", "18:00"], ["08:00", "12:00"]]})
    assert hours["mon"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert set(hours) == set(WEEKDAYS)
    assert hours["sun"] == []
    assert rules.opening_hours("") == {d: [] for d in WEEKDAYS}
    assert rules.opening_hours(json.dumps(rules.ALWAYS_OPEN)) == rules.ALWAYS_OPEN


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{not json", "not JSON"),
        ('["08:00", "18:00"]', "not JSON"),
        ('{"monday": []}', "unknown weekday 'monday'"),
        ('{"mon": "08:00-18:00"}', "mon: not a list"),
        ('{"mon": [["8h", "18:00"]]}', "'8h' is not a time"),
        ('{"mon": [["18:00", "08:00"]]}', "18:00 is not before 08:00"),
        ('{"mon": [["24:00", "24:00"]]}', "is not before"),
        ('{"mon": [["08:00", "24:30"]]}', "'24:30' is not a time"),
        ('{"tue": [["08:00", "12:00"], ["11:00", "13:00"]]}', "tue: intervals overlap"),
    ],
)
def test_opening_hours_that_cannot_be_read_say_why(value: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        rules.opening_hours(value)


@given(
    st.dictionaries(
        st.sampled_from(WEEKDAYS),
        st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)), max_size=4),
    )
)
def test_reading_stored_hours_again_changes_nothing(raw: dict[str, list[tuple[int, int]]]) -> None:
    def clock(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    value = {d: [[clock(a), clock(b)] for a, b in spans] for d, spans in raw.items()}
    try:
        hours = rules.opening_hours(value)
    except InvalidInput:
        return
    assert rules.opening_hours(json.dumps(hours)) == hours


def test_is_open_reads_the_local_time_of_the_queue_across_daylight_saving() -> None:
    queue = Queue(code="q", timezone="Europe/Amsterdam", opening_hours=rules.opening_hours(OFFICE))
    # Monday 30 March 2026 (summer time, UTC+2): 08:00 local is 06:00 UTC.
    assert not rules.is_open(queue, datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert rules.is_open(queue, datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    assert not rules.is_open(queue, datetime(2026, 3, 30, 10, 30, tzinfo=UTC))  # lunch
    assert not rules.is_open(queue, datetime(2026, 3, 30, 16, 0, tzinfo=UTC))  # 18:00, closed
    # Monday 23 March 2026 (winter time, UTC+1): 07:30 UTC is 08:30 local.
    assert rules.is_open(queue, datetime(2026, 3, 23, 7, 30, tzinfo=UTC))
    assert not rules.is_open(queue, datetime(2026, 3, 29, 9, 0, tzinfo=UTC))  # Sunday
    with pytest.raises(InvalidInput):
        rules.is_open(queue, datetime(2026, 3, 30, 9, 0))


def test_unknown_timezone_and_targets_outside_their_range_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown timezone"):
        rules.timezone("Mars/Olympus")
    assert rules.target(0.8, 20) == (0.8, 20)
    for share, seconds in ((0.0, 20), (1.2, 20), (0.8, 0)):
        with pytest.raises(InvalidInput):
            rules.target(share, seconds)


# ---------------------------------------------------------------- the importer


def test_queues_file_inserts_updates_and_rejects(session: Session) -> None:
    result, rejected = import_frame(session, "queues", _queues())
    assert rejected.empty, rejected.to_dict("records")
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    phone = repository.queue_by_code(session, "phone-nl")
    assert phone is not None
    assert (phone.channel, phone.service_level_share, phone.service_level_seconds) == (
        "phone",
        0.8,
        20,
    )
    assert phone.opening_hours["mon"] == OFFICE["mon"]
    assert phone.opening_hours["sun"] == []
    email = repository.queue_by_code(session, "email-nl")
    assert email is not None
    # Blank cells are "no value": a new queue is open around the clock, in Europe/Amsterdam.
    assert email.opening_hours == rules.ALWAYS_OPEN
    assert email.timezone == "Europe/Amsterdam"
    assert email.active is True

    again, _ = import_frame(session, "queues", _queues())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    changed, _ = import_frame(
        session, "queues", _queues(service_level_percent="90", active="false")
    )
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    session.expire_all()
    phone = repository.queue_by_code(session, "phone-nl")
    assert phone is not None
    assert phone.service_level_share == 0.9
    assert phone.active is False
    assert [q.code for q in repository.queues(session)] == ["email-nl", "phone-nl"]
    assert [q.code for q in repository.queues(session, active_only=True)] == ["email-nl"]

    bad, rejected = import_frame(
        session,
        "queues",
        _queues(opening_hours='{"mon": [["18:00", "08:00"]]}', channel="post"),
    )
    assert bad.rejected == 1
    assert len(rejected) == 1
    assert "channel" in rejected.iloc[0]["reason"]
    bad, rejected = import_frame(
        session, "queues", _queues(opening_hours='{"mon": [["18:00", "08:00"]]}')
    )
    assert bad.rejected == 1
    assert "18:00 is not before 08:00" in rejected.iloc[0]["reason"]
    bad, rejected = import_frame(session, "queues", _queues(timezone="Mars/Olympus"))
    assert bad.rejected == 1
    assert "unknown timezone" in rejected.iloc[0]["reason"]
    bad, rejected = import_frame(session, "queues", _queues(service_level_percent="0"))
    assert bad.rejected == 1


def _contacts(**hold: str) -> pd.DataFrame:
    row = {
        "contact_id": "K1",
        "channel": "phone",
        "queue": "phone-nl",
        "started_at": "2026-03-02 09:00:00",
        "talk_seconds": "200",
    }
    return pd.DataFrame([row | hold])


def test_hold_seconds_are_imported_and_default_to_zero(session: Session) -> None:
    result, rejected = import_frame(session, "contacts", _contacts())
    assert rejected.empty
    assert result.inserted == 1
    contact = session.scalars(select(Contact)).one()
    assert contact.hold_seconds == 0
    result, _ = import_frame(session, "contacts", _contacts(hold_seconds="35"))
    assert result.updated == 1
    session.expire_all()
    assert session.scalars(select(Contact)).one().hold_seconds == 35
    # A file without the column leaves it as stored.
    result, _ = import_frame(session, "contacts", _contacts())
    assert result.unchanged == 1
    session.expire_all()
    assert session.scalars(select(Contact)).one().hold_seconds == 35
    bad, rejected = import_frame(session, "contacts", _contacts(hold_seconds="-1"))
    assert bad.rejected == 1


# ---------------------------------------------------------------- the demo


@pytest.mark.parametrize("preset", [WHOLESALE, TELECOM], ids=["wholesale", "telecom"])
def test_the_demo_has_a_queue_for_every_queue_its_contacts_use(preset: object) -> None:
    world = build_world(preset, 400, 3)  # type: ignore[arg-type]
    queues = world.frames["queues"]
    contacts = world.frames["contacts"]
    assert set(contacts["queue"].dropna()) <= set(queues["queue"])
    assert queues["queue"].is_unique
    phone = queues[queues["channel"] == "phone"]
    assert set(
        zip(phone["service_level_percent"], phone["service_level_seconds"], strict=True)
    ) == {(80, 20)}
    chat = queues[queues["channel"] == "chat"]
    assert set(zip(chat["service_level_percent"], chat["service_level_seconds"], strict=True)) == {
        (90, 60)
    }
    email = queues[queues["channel"] == "email"]
    assert set(
        zip(email["service_level_percent"], email["service_level_seconds"], strict=True)
    ) == {(90, 86_400)}
    for text in queues["opening_hours"]:
        rules.opening_hours(text)  # every one readable
    # Hold only on calls an agent answered, for a modest share of them.
    held = contacts[contacts["hold_seconds"] > 0]
    assert set(held["channel"]) == {"phone"}
    assert held["agent_id"].notna().all()
    assert not held["abandoned"].any()
    answered = contacts[
        (contacts["channel"] == "phone") & contacts["agent_id"].notna() & ~contacts["abandoned"]
    ]
    share = len(held) / len(answered)
    assert abs(share - demo_contacts.HOLD_SHARE) < 0.05, share


def test_the_demo_queues_load_through_the_importer(session: Session) -> None:
    frame = demo_contacts.queues_frame(TELECOM)
    result, rejected = import_frame(session, "queues", frame)
    assert rejected.empty, rejected.to_dict("records")
    assert result.inserted == len(frame)
    ivr = repository.queue_by_code(session, "ivr")
    assert ivr is not None
    assert ivr.channel == "self-service"
    phone = repository.queue_by_code(session, "phone-nl")
    assert phone is not None
    assert rules.is_open(phone, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))  # Monday 09:00
    assert not rules.is_open(phone, datetime(2026, 3, 29, 9, 0, tzinfo=UTC))  # Sunday
