"""Operational KPIs per queue from the database (issue 20, point 2), on both backends: each
contact judged against its queue's own target, an e-mail at the phone queue against the e-mail
queue's, contacts outside the opening hours counted apart. Figures worked out below."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.contacts.models import Channel, Contact, Direction, Queue
from valuecenter.contacts.queues import opening_hours

MONDAY = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # 10:00 in Amsterdam
WEEKDAYS = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_kpis_per_queue(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    # phone-nl (80% within 20 s, weekdays 08–18 Amsterdam): answered after 10 s (handle 100 +
    # hold 20 + wrap 30), after 40 s (handle 200), abandoned after 50 s; an e-mail reaching
    # phone-nl answered after 3,600 s is judged against email-nl's 86,400 s: in time.
    # Service level 2 in time / (3 answered + 1 late abandon) = 0.5; ASA (10+40+3600)/3;
    # a call on Sunday is outside the hours: counted apart, not in the figures.
    with sessions.begin() as session:
        session.add_all(
            [
                Queue(code="phone-nl", name="Phone", department="service", channel="phone",
                      service_level_share=0.8, service_level_seconds=20,
                      opening_hours=opening_hours(WEEKDAYS), timezone="Europe/Amsterdam"),
                Queue(code="email-nl", name="Mail", department="service", channel="email",
                      service_level_share=0.9, service_level_seconds=86_400,
                      opening_hours=opening_hours(ALWAYS),
                      timezone="Europe/Amsterdam"),
            ]
        )  # fmt: skip
        rows = [
            (Channel.PHONE, 0, 10, 100, 20, 30, False),
            (Channel.PHONE, 1, 40, 200, 0, 0, False),
            (Channel.PHONE, 2, 50, 0, 0, 0, True),
            (Channel.EMAIL, 3, 3600, 300, 0, 0, False),
        ]
        for i, (channel, minute, wait, talk, hold, wrap, gone) in enumerate(rows):
            session.add(
                Contact(external_id=f"KP{i}", channel=channel, direction=Direction.INBOUND,
                        queue="phone-nl", started_at=MONDAY + timedelta(minutes=minute),
                        wait_seconds=wait, talk_seconds=talk, hold_seconds=hold,
                        wrap_seconds=wrap, abandoned=gone)
            )  # fmt: skip
        session.add(
            Contact(external_id="KP9", channel=Channel.PHONE, direction=Direction.INBOUND,
                    queue="phone-nl", started_at=MONDAY - timedelta(days=1), wait_seconds=5,
                    talk_seconds=60, wrap_seconds=0, abandoned=False)
        )  # fmt: skip
    code, out, err = run(["service", "kpis", "--interval", "all", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["contacts"] == 5
    assert report["outside_hours"] == 1
    (row,) = report["rows"]
    assert row["group"] == "phone-nl"
    assert (row["offered"], row["answered"], row["abandoned"]) == (4, 3, 1)
    assert row["service_level"] == pytest.approx(0.5, abs=1e-4)
    assert row["asa_seconds"] == pytest.approx((10 + 40 + 3600) / 3, abs=1e-3)
    assert row["aht_seconds"] == pytest.approx((150 + 200 + 300) / 3, abs=1e-3)
    assert row["reachability"] == pytest.approx(0.75)
    assert row["target_share"] == 0.8
    assert row["target_seconds"] == 20
    code, _out, err = run(["service", "kpis", "--by", "agent"], capsys)
    assert code == 2
    assert "by:" in err
