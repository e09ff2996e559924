"""``valuecenter gdpr`` (issue 17): export, erase and object from the command line, each with
its audit entry, and the objection reaching the very next decision through the decision API."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.test_offers_decisions import CATALOGUE, POLICY
from tests.web_fixtures import World, bearer, make_client
from valuecenter import channels
from valuecenter.consent.models import Consent
from valuecenter.customers.models import Customer
from valuecenter.offers import catalogue
from valuecenter.offers.models import Action
from valuecenter.privacy.holdings import holdings
from valuecenter.privacy.models import AuditAction, AuditChannel, AuditEntry


def _audit(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as session:
        return [
            (e.user_id, e.customer_id, e.action, e.channel, e.route)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_export_writes_json_and_a_csv_per_table_and_an_audit_entry(
    world: World, sessions: sessionmaker[Session], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "c1001"
    code, text, err = run(["gdpr", "export", "C1001", "--out", str(out)], capsys)
    assert code == 0, err
    assert "C1001" in text
    assert str(out) in text
    written = {p.name for p in out.iterdir()}
    assert written == {"customer.json"} | {f"{h.table.name}.csv" for h in holdings()}
    document = json.loads((out / "customer.json").read_text(encoding="utf-8"))
    assert len(document["tables"]["orders"]["rows"]) == 4
    # By the internal id as well, with --json.
    code, text, err = run(
        ["gdpr", "export", str(world.own.id), "--out", str(tmp_path / "by-id"), "--json"], capsys
    )
    assert code == 0, err
    assert json.loads(text)["rows"]["orders"] == 4
    own = world.own.id
    assert (
        _audit(sessions) == [(None, own, AuditAction.EXPORT, AuditChannel.CLI, "gdpr export")] * 2
    )


def test_an_unknown_customer_and_a_file_as_directory_are_one_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["gdpr", "export", "C9999", "--out", str(tmp_path)], capsys)
    assert code != 0
    assert "C9999" in err
    assert "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _out, err = run(["gdpr", "export", "C1001", "--out", str(blocker)], capsys)
    assert code == 2
    assert "is not a directory" in err


def test_erase_asks_for_confirmation_and_then_erases_in_one_go(
    world: World, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["gdpr", "erase", "C1001"], capsys)  # no terminal, no --yes
    assert code == 2
    assert "--yes" in err
    with sessions() as session:
        assert session.scalar(select(Customer.name).where(Customer.external_id == "C1001"))
    code, text, err = run(["gdpr", "erase", "C1001", "--yes", "--json"], capsys)
    assert code == 0, err
    done = json.loads(text)
    assert done["customer"].startswith("ANON-")
    with sessions() as session:
        customer = session.get(Customer, world.own.id)
        assert customer is not None
        assert customer.external_id == done["customer"]
        assert customer.name is None
        assert customer.email is None
    assert _audit(sessions) == [
        (None, world.own.id, AuditAction.ERASE, AuditChannel.CLI, "gdpr erase")
    ]


def test_erase_in_dutch(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(["--lang", "nl", "gdpr", "erase", "C1002", "--yes"], capsys)
    assert code == 0, err
    assert "gewist" in text


@pytest.fixture
def offers(world: World, sessions: sessionmaker[Session]) -> World:
    with sessions() as session:
        catalogue.import_catalogue(session, {**copy.deepcopy(CATALOGUE), **copy.deepcopy(POLICY)})
        session.commit()
    return world


@pytest.fixture
def client(db_url: str, offers: World) -> Iterator[TestClient]:
    with make_client(db_url, nba_engine_ttl_seconds=0.0) as c:
        yield c


def _decide(client: TestClient, world: World, channel: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/decisions",
        json={"customer_id": world.own.id, "channel": channel},
        headers=bearer(world.tokens["agent"]),
    )
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def test_an_objection_holds_every_marketing_action_back_from_the_next_decision_on_every_channel(
    client: TestClient, offers: World, sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    with sessions() as session:
        kinds = dict(session.execute(select(Action.code, Action.kind)).all())
    marketing = {code for code, kind in kinds.items() if kind != "service"}
    decision_channels = channels.values(channels.DECISION_CHANNELS)
    before = {ch: {a["code"] for a in _decide(client, offers, ch)["actions"]} for ch in
              decision_channels}  # fmt: skip
    assert set().union(*before.values()) & marketing  # offers are made before

    code, text, err = run(["gdpr", "object", "C1001"], capsys)
    assert code == 0, err
    assert "objected to direct marketing" in text

    for ch in decision_channels:
        out = _decide(client, offers, ch)
        shown = {a["code"] for a in out["actions"]}
        assert not shown & marketing, ch
        held = {s["code"]: s["rule"] for s in out["suppressed"]}
        for code_ in before[ch] & marketing:
            assert held[code_] == "consent", (ch, code_)
    with sessions() as session:
        events = session.scalars(
            select(Consent).where(Consent.customer_id == offers.own.id,
                                  Consent.source == "GDPR art. 21 objection")
        ).all()  # fmt: skip
    assert {(e.purpose.value, e.channel.value, e.granted) for e in events} == {
        ("marketing", ch, False) for ch in channels.CONSENT_WORDS
    }
    assert _audit(sessions)[-1] == (
        None, offers.own.id, AuditAction.OBJECT, AuditChannel.CLI, "gdpr object"
    )  # fmt: skip


def test_a_consent_recorded_on_the_command_line_is_audited(
    world: World, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["consent", "record", "--customer", "C1001", "--purpose", "marketing",
            "--channel", "sms", "--grant", "--source", "form"]  # fmt: skip
    code, _out, err = run(args, capsys)
    assert code == 0, err
    assert _audit(sessions) == [
        (None, world.own.id, AuditAction.CHANGE, AuditChannel.CLI, "consent record")
    ]


def test_the_audit_log_as_csv_from_the_command_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["gdpr", "object", "C1001"], capsys)
    target = tmp_path / "audit.csv"
    code, _text, err = run(["gdpr", "audit", "--out", str(target), "--customer", "C1001"], capsys)
    assert code == 0, err
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "time_utc,user_id,customer_id,action,channel,route"
    assert lines[1].endswith(f",,{world.own.id},object,cli,gdpr object")
    assert len(lines) == 2
