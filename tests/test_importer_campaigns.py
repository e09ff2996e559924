"""Campaigns and their members through the importer on every backend: channel aliases, money
in cents, members of unknown campaigns and bad arms rejected with their line, re-imports that
insert nothing, and a changed response that counts as an update."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_importer_cli import cli
from valuecenter.campaigns.models import Campaign, CampaignMember
from valuecenter.customers.models import Customer
from valuecenter.db.uow import unit_of_work
from valuecenter.importer.service import (
    ENTITIES,
    ImportOptions,
    ImportResult,
    import_file,
    import_frame,
)

CAMPAIGNS = (
    "campaign_id,name,channel,action,started_at,ended_at,cost_per_contact,description\n"
    "CMP1,Spring renewal,Mail,renewal-discount,2024-03-01 09:00,2024-03-31 23:00,0.85,Letter\n"
    "CMP2,Upgrade call,telephone,upgrade,2024-04-01T08:00:00+02:00,,2,\n"
    "CMP3,Newsletter,email,newsletter,2024-05-01 07:00,,,\n"
)

MEMBERS = (
    "campaign_id,customer_id,arm,contacted_at,responded_at,converted_at,revenue\n"
    "CMP1,C1,treatment,2024-03-01 09:00,2024-03-02 14:10,2024-03-09 11:00,120.50\n"
    "CMP1,C2,control,,,2024-03-20 10:00,99\n"
    "CMP1,C3,treatment,2024-03-01 09:00,,,\n"
    "CMP9,C1,treatment,2024-03-01 09:00,,,\n"
    "CMP2,C1,placebo,2024-04-01 08:00,,,\n"
    "CMP2,C2,Treatment,2024-04-01 08:00,2024-04-01 08:05,,\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load_file(
    sessions: sessionmaker[Session], entity: str, path: Path, **options: Any
) -> ImportResult:
    with unit_of_work(sessions) as session:
        return import_file(session, entity, path, options=ImportOptions(**options))


def load_rows(
    sessions: sessionmaker[Session], entity: str, rows: list[dict[str, Any]], **options: Any
) -> tuple[ImportResult, pd.DataFrame]:
    with unit_of_work(sessions) as session:
        frame = pd.DataFrame(rows, dtype=object)
        return import_frame(session, entity, frame, options=ImportOptions(**options))


def counts(result: ImportResult) -> tuple[int, int, int, int]:
    return result.inserted, result.updated, result.unchanged, result.rejected


def table_size(sessions: sessionmaker[Session], model: type[Campaign | CampaignMember]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def load_campaigns_and_customers(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    load_rows(sessions, "customers", [{"customer_id": c} for c in ("C1", "C2", "C3")])
    result = load_file(sessions, "campaigns", write(tmp_path / "campaigns.csv", CAMPAIGNS))
    assert counts(result) == (3, 0, 0, 0)


def members_by_key(sessions: sessionmaker[Session]) -> dict[tuple[str, str], CampaignMember]:
    with sessions() as s:
        rows = s.execute(
            select(Campaign.external_id, Customer.external_id, CampaignMember)
            .join(Campaign, Campaign.id == CampaignMember.campaign_id)
            .join(Customer, Customer.id == CampaignMember.customer_id)
        ).all()
        return {(c, k): m for c, k, m in rows}


def test_campaigns_and_members_come_after_the_other_entities() -> None:
    assert ENTITIES[-3:] == ("employee_surveys", "campaigns", "campaign_members")


def test_campaigns_store_aliased_channels_cents_and_utc(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load_campaigns_and_customers(sessions, tmp_path)
    with sessions() as s:
        stored = {c.external_id: c for c in s.scalars(select(Campaign))}
    assert {k: c.channel for k, c in stored.items()} == {
        "CMP1": "direct-mail",
        "CMP2": "phone",
        "CMP3": "email",
    }
    assert {k: c.cost_per_contact_cents for k, c in stored.items()} == {
        "CMP1": 85,
        "CMP2": 200,
        "CMP3": 0,  # blank: the default
    }
    assert stored["CMP2"].started_at == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)
    assert stored["CMP1"].ended_at == datetime(2024, 3, 31, 23, 0, tzinfo=UTC)
    assert stored["CMP3"].ended_at is None
    assert (stored["CMP1"].action, stored["CMP1"].description) == ("renewal-discount", "Letter")
    assert stored["CMP2"].description is None
    again = load_file(sessions, "campaigns", tmp_path / "campaigns.csv")
    assert counts(again) == (0, 0, 3, 0)
    assert table_size(sessions, Campaign) == 3


def test_campaign_without_cost_column_gets_zero_and_keeps_a_stored_cost(
    sessions: sessionmaker[Session],
) -> None:
    first, _ = load_rows(
        sessions,
        "campaigns",
        [{"campaign_id": "CMP1", "channel": "sms", "started_at": "2024-03-01"},
         {"campaign_id": "CMP2", "channel": "post", "started_at": "2024-03-01",
          "cost_per_contact": "1.10"}],
    )  # fmt: skip
    assert counts(first) == (2, 0, 0, 0)
    second, _ = load_rows(
        sessions,
        "campaigns",
        [{"campaign_id": "CMP2", "channel": "direct_mail", "started_at": "2024-03-01",
          "name": "Renamed"}],
    )  # fmt: skip
    assert counts(second) == (0, 1, 0, 0)
    with sessions() as s:
        stored = {c.external_id: c for c in s.scalars(select(Campaign))}
    assert stored["CMP1"].cost_per_contact_cents == 0
    assert stored["CMP2"].cost_per_contact_cents == 110  # absent column: left alone
    assert (stored["CMP2"].name, stored["CMP2"].channel) == ("Renamed", "direct-mail")


def test_campaign_rows_with_bad_values_are_rejected(sessions: sessionmaker[Session]) -> None:
    result, rejected = load_rows(
        sessions,
        "campaigns",
        [{"campaign_id": "CMP1", "channel": "pigeon", "started_at": "2024-03-01"},
         {"campaign_id": "CMP2", "channel": "sms", "started_at": ""},
         {"campaign_id": "CMP3", "channel": "sms", "started_at": "2024-03-01",
          "cost_per_contact": "0.125"},
         {"campaign_id": "CMP4", "channel": "SMS", "started_at": "2024-03-01"},
         {"campaign_id": "CMP4", "channel": "sms", "started_at": "2024-03-02"}],
    )  # fmt: skip
    assert counts(result) == (1, 0, 0, 4)
    assert dict(zip(rejected["line"], rejected["reason"], strict=True)) == {
        2: "channel: unknown value 'pigeon' (expected direct-mail, email, sms, phone, in-contact)",
        3: "started_at is missing",
        4: "cost_per_contact: '0.125' has more than 2 decimals",
        6: "duplicate key, first seen on line 5",
    }


def test_members_import_rejects_unknown_campaigns_and_bad_arms(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load_campaigns_and_customers(sessions, tmp_path)
    path = write(tmp_path / "members.csv", MEMBERS)
    result = load_file(sessions, "campaign_members", path)
    assert counts(result) == (4, 0, 0, 2)
    assert result.created == {}
    assert result.rejected_file == str(tmp_path / "members.rejected.csv")
    rejected = pd.read_csv(tmp_path / "members.rejected.csv", dtype=str, keep_default_na=False)
    assert rejected[["line", "reason", "campaign_id", "customer_id"]].values.tolist() == [
        ["5", "unknown campaign 'CMP9'", "CMP9", "C1"],
        ["6", "arm: unknown value 'placebo' (expected treatment, control)", "CMP2", "C1"],
    ]
    members = members_by_key(sessions)
    assert set(members) == {("CMP1", "C1"), ("CMP1", "C2"), ("CMP1", "C3"), ("CMP2", "C2")}
    c1 = members[("CMP1", "C1")]
    assert (c1.arm, c1.revenue_cents) == ("treatment", 12050)
    assert c1.contacted_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert c1.responded_at == datetime(2024, 3, 2, 14, 10, tzinfo=UTC)
    assert c1.converted_at == datetime(2024, 3, 9, 11, 0, tzinfo=UTC)
    c2 = members[("CMP1", "C2")]
    assert (c2.arm, c2.contacted_at, c2.revenue_cents) == ("control", None, 9900)
    assert members[("CMP1", "C3")].revenue_cents == 0  # blank: the default
    assert members[("CMP2", "C2")].arm == "treatment"


def test_members_reimport_inserts_nothing_and_a_changed_response_is_an_update(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load_campaigns_and_customers(sessions, tmp_path)
    path = write(tmp_path / "members.csv", MEMBERS)
    load_file(sessions, "campaign_members", path)
    again = load_file(sessions, "campaign_members", path)
    assert counts(again) == (0, 0, 4, 2)
    assert table_size(sessions, CampaignMember) == 4
    changed = MEMBERS.replace("2024-03-02 14:10", "2024-03-03 16:45")
    assert changed != MEMBERS
    update = load_file(sessions, "campaign_members", write(path, changed))
    assert counts(update) == (0, 1, 3, 2)
    assert table_size(sessions, CampaignMember) == 4
    assert members_by_key(sessions)[("CMP1", "C1")].responded_at == datetime(
        2024, 3, 3, 16, 45, tzinfo=UTC
    )
    assert counts(load_file(sessions, "campaign_members", path)) == (0, 0, 4, 2)


def test_members_key_is_campaign_and_customer(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load_campaigns_and_customers(sessions, tmp_path)
    result, rejected = load_rows(
        sessions,
        "campaign_members",
        [{"campaign_id": "CMP1", "customer_id": "C1", "arm": "control"},
         {"campaign_id": "CMP2", "customer_id": "C1", "arm": "control"},
         {"campaign_id": "CMP1", "customer_id": "C1", "arm": "treatment"},
         {"campaign_id": "CMP1", "customer_id": "", "arm": "treatment"}],
    )  # fmt: skip
    assert counts(result) == (2, 0, 0, 2)
    assert dict(zip(rejected["line"], rejected["reason"], strict=True)) == {
        4: "duplicate key, first seen on line 2",
        5: "customer_id is missing",
    }


def test_members_of_unknown_customers_are_rejected_unless_created(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load_campaigns_and_customers(sessions, tmp_path)
    rows = [
        {"campaign_id": "CMP1", "customer_id": "C7", "arm": "treatment"},
        {"campaign_id": "CMP9", "customer_id": "C8", "arm": "treatment"},
    ]
    result, rejected = load_rows(sessions, "campaign_members", rows)
    assert counts(result) == (0, 0, 0, 2)
    assert rejected["reason"].tolist() == ["unknown customer 'C7'", "unknown campaign 'CMP9'"]
    created, rejected = load_rows(sessions, "campaign_members", rows, create_customers=True)
    assert counts(created) == (1, 0, 0, 1)
    # The member of the unknown campaign is rejected before any customer is created for it.
    assert created.created == {"customers": 1}
    assert rejected["reason"].tolist() == ["unknown campaign 'CMP9'"]
    assert set(members_by_key(sessions)) == {("CMP1", "C7")}


def test_cli_imports_campaigns_and_members(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    customers = write(tmp_path / "customers.csv", "customer_id\nC1\nC2\nC3\n")
    assert cli(monkeypatch, capsys, "import", "customers", str(customers), "--json")[0] == 0
    campaigns = write(tmp_path / "campaigns.csv", CAMPAIGNS)
    code, out, err = cli(monkeypatch, capsys, "import", "campaigns", str(campaigns), "--json")
    assert code == 0, err
    assert (json.loads(out)["entity"], json.loads(out)["inserted"]) == ("campaigns", 3)
    members = write(tmp_path / "members.csv", MEMBERS)
    code, out, err = cli(monkeypatch, capsys, "import", "campaign-members", str(members), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["entity"], result["inserted"], result["rejected"]) == ("campaign_members", 4, 2)


def test_cli_help_lists_the_campaign_entities(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(monkeypatch, capsys, "import", "--help")
    assert code == 0
    assert "campaigns" in out
    assert "campaign_members" in out
