"""The contact chains read from the database (issue 20), on both backends: a hand-made
service history whose figures are worked out below, through ``valuecenter service chains``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.contacts.models import Case, CaseStatus, Channel, Contact, ContactReason, Direction
from valuecenter.customers.models import Customer, CustomerKind

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_chains_from_the_database(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    # Anna: invoice call on day 0 (case 1, ticked resolved), invoice call again on day 3
    # (case 2): one chain of two contacts — not a first-contact resolution, though ticked.
    # Bram: a delivery chat on day 1, handled, nothing after: resolved at first contact.
    # Cas: an abandoned call on day 2: a chain, not resolved. Measured FCR 1/3, tick box
    # (first contacts of the chains with a tick: Anna's 1, Bram's 1, Cas none, Dirk's 1) = 1.
    # Dirk's call on day 25 is the latest contact: the data end there, so his chain (and only
    # his: its 7-day window is not over) is censored — judged chains 3.
    with sessions.begin() as session:
        people = [Customer(external_id=f"Q{i}", kind=CustomerKind.B2C) for i in range(4)]
        session.add_all(people)
        session.flush()
        cases = [
            Case(
                external_id=f"QC{i}",
                customer_id=people[0].id,
                opened_at=T0,
                status=CaseStatus.CLOSED,
            )
            for i in range(2)
        ]
        session.add_all(cases)
        session.flush()
        rows = [
            (people[0], Channel.PHONE, 0, cases[0].id, True, False, "invoice"),
            (people[0], Channel.PHONE, 3, cases[1].id, True, False, "invoice"),
            (people[1], Channel.CHAT, 1, None, True, False, "delivery"),
            (people[2], Channel.PHONE, 2, None, None, True, "delivery"),
            (people[3], Channel.PHONE, 25, None, True, False, "invoice"),
        ]
        for i, (who, channel, day, case, resolved, abandoned, reason) in enumerate(rows):
            contact = Contact(
                external_id=f"QK{i}", customer_id=who.id, channel=channel,
                direction=Direction.INBOUND, started_at=T0 + timedelta(days=day),
                wait_seconds=30, talk_seconds=300, wrap_seconds=30, abandoned=abandoned,
                case_id=case, resolved=resolved,
            )  # fmt: skip
            session.add(contact)
            session.flush()
            session.add(ContactReason(contact_id=contact.id, position=1, reason=reason))
    code, out, err = run(["service", "chains", "--until", "2026-11-01", "--json"], capsys)
    assert code == 0, err
    figures = json.loads(out)
    assert figures["chains"] == 4
    assert figures["judged_chains"] == 3
    assert figures["fcr"] == pytest.approx(1 / 3, abs=1e-4)  # rounded to 4 decimals
    assert figures["fcr_tick_box"] == pytest.approx(1.0)
    assert figures["repeat_rate"] == pytest.approx(1 / 5, abs=1e-4)
    assert figures["by_channel"]["chat"]["fcr"] == 1.0
    code, _out, err = run(["service", "chains", "--since", "yesterday"], capsys)
    assert code == 2
    assert "--since" in err
