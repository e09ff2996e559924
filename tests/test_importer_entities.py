"""Every entity through ``import_frame`` on every backend: references resolved, created or
rejected; counts of inserted / updated / unchanged; re-imports that change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.agents.models import Agent, EmployeeSurvey, Team
from valuecenter.consent.models import Consent
from valuecenter.contacts.models import Case, Contact, ContactReason
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.importer.service import ImportOptions, ImportResult, entity_spec, import_frame
from valuecenter.products.models import Category, Product
from valuecenter.surveys.models import Survey


def load(
    sessions: sessionmaker[Session], entity: str, rows: list[dict[str, Any]], **options: Any
) -> tuple[ImportResult, pd.DataFrame]:
    frame = pd.DataFrame(rows, dtype=object)
    with unit_of_work(sessions) as session:
        return import_frame(session, entity, frame, options=ImportOptions(**options))


def counts(result: ImportResult) -> tuple[int, int, int, int]:
    return result.inserted, result.updated, result.unchanged, result.rejected


CUSTOMERS = [
    {"customer_id": "C1", "name": "Bakkerij", "kind": "B2C", "country": "NL",
     "account_manager": "AM1", "customer_since": "2020-05-01"},
    {"customer_id": "C2", "name": "Slagerij", "kind": "", "country": "BE",
     "account_manager": "AM1", "customer_since": ""},
    {"customer_id": "C3", "name": "Garage", "kind": "b2b", "country": "NL",
     "account_manager": "AM2", "customer_since": "2021-01-31"},
]  # fmt: skip


def test_customers_create_account_managers_and_reimport_is_unchanged(
    sessions: sessionmaker[Session],
) -> None:
    first, rejected = load(sessions, "customers", CUSTOMERS)
    assert counts(first) == (3, 0, 0, 0)
    assert first.created == {"account_managers": 2}
    assert rejected.empty
    with sessions() as s:
        c1 = s.scalars(select(Customer).where(Customer.external_id == "C1")).one()
        assert (c1.kind, c1.country, c1.customer_since) == ("b2c", "NL", date(2020, 5, 1))
        assert s.scalar(select(Customer.kind).where(Customer.external_id == "C2")) == "b2b"
        am = s.scalars(select(AccountManager).where(AccountManager.code == "AM1")).one()
        assert am.active is True
        assert c1.account_manager_id == am.id
    again, _ = load(sessions, "customers", CUSTOMERS)
    assert counts(again) == (0, 0, 3, 0)
    assert again.created == {}


def test_changed_rows_are_updated_and_absent_columns_are_left_alone(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, "customers", CUSTOMERS)
    result, _ = load(
        sessions,
        "customers",
        [
            {"customer_id": "C1", "name": "Bakkerij de Zon"},
            {"customer_id": "C2", "name": "Slagerij"},
            {"customer_id": "C4", "name": "Nieuw"},
        ],
    )
    assert counts(result) == (1, 1, 1, 0)
    with sessions() as s:
        c1 = s.scalars(select(Customer).where(Customer.external_id == "C1")).one()
        assert c1.name == "Bakkerij de Zon"
        assert (c1.country, c1.kind) == ("NL", "b2c")  # not in the second file: untouched
        assert s.scalar(select(Customer.kind).where(Customer.external_id == "C4")) == "b2b"


def test_products_create_categories_and_store_cents(sessions: sessionmaker[Session]) -> None:
    result, _ = load(
        sessions,
        "products",
        [{"product_id": "P1", "name": "Brood", "category": "bakery", "list_price": "2.55"},
         {"product_id": "P2", "name": "Taart", "category": "bakery", "list_price": "12"},
         {"product_id": "P3", "name": "Ham", "category": "", "list_price": "1.999"}],
    )  # fmt: skip
    assert counts(result) == (2, 0, 0, 1)
    assert result.created == {"categories": 1}
    with sessions() as s:
        prices = dict(s.execute(select(Product.external_id, Product.list_price_cents)).all())
        assert prices == {"P1": 255, "P2": 1200}
        assert s.scalar(select(func.count()).select_from(Category)) == 1
        assert s.scalar(select(Product.active).where(Product.external_id == "P1")) is True


def test_agents_teams_and_employee_surveys(sessions: sessionmaker[Session]) -> None:
    agents, _ = load(
        sessions,
        "agents",
        [{"agent_id": "A1", "name": "Anna", "team": "T1", "hire_date": "2023-02-01"},
         {"agent_id": "A2", "name": "Bram", "team": "T1", "leave_date": "2024-06-30"}],
    )  # fmt: skip
    assert counts(agents) == (2, 0, 0, 0)
    assert agents.created == {"teams": 1}
    rows = [
        {"agent_id": "A1", "answered_at": "2024-03-01 09:00", "score": "8"},
        {"agent_id": "A1", "answered_at": "2024-03-01 09:00", "score": "7"},
        {"agent_id": "A9", "answered_at": "2024-03-01 09:00", "score": "5"},
        {"agent_id": "A2", "answered_at": "2024-03-01 09:00", "score": "12"},
    ]
    result, rejected = load(sessions, "employee_surveys", rows)
    assert counts(result) == (1, 0, 0, 3)
    assert dict(zip(rejected["line"], rejected["reason"], strict=True)) == {
        3: "duplicate key, first seen on line 2",
        4: "unknown agent 'A9'",
        5: "score 12 is out of range (0–10)",
    }
    again, _ = load(sessions, "employee_surveys", rows[:1])
    assert counts(again) == (0, 0, 1, 0)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Team)) == 1
        assert s.scalar(select(Agent.hire_date).where(Agent.external_id == "A1")) == date(
            2023, 2, 1
        )
        stored = s.scalars(select(EmployeeSurvey)).one()
        assert stored.answered_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def test_unknown_customer_rejects_the_row_unless_created(sessions: sessionmaker[Session]) -> None:
    load(sessions, "customers", CUSTOMERS[:1])
    rows = [
        {"contract_id": "K1", "customer_id": "C1", "plan": "Unlimited", "monthly_fee": "25.00",
         "start_date": "2024-01-01", "end_date": "2025-12-31", "status": "Active"},
        {"contract_id": "K2", "customer_id": "C99", "plan": "Basic", "monthly_fee": "9.99",
         "start_date": "2024-01-01", "end_date": "", "status": "renewed"},
        {"contract_id": "K3", "customer_id": "C1", "plan": "Basic", "monthly_fee": "9.99",
         "start_date": "2024-01-01", "end_date": "", "status": "paused"},
    ]  # fmt: skip
    result, rejected = load(sessions, "contracts", rows)
    assert counts(result) == (1, 0, 0, 2)
    assert rejected["reason"].tolist() == [
        "unknown customer 'C99'",
        "status: unknown value 'paused' (expected active, renewed, cancelled, ended)",
    ]
    assert rejected.columns.tolist()[:2] == ["line", "reason"]
    assert rejected["contract_id"].tolist() == ["K2", "K3"]
    created, _ = load(sessions, "contracts", rows[:2], create_customers=True)
    assert counts(created) == (1, 0, 1, 0)
    assert created.created == {"customers": 1}
    with sessions() as s:
        new = s.scalars(select(Customer).where(Customer.external_id == "C99")).one()
        assert (new.name, new.kind) == (None, "b2b")
        fee = s.scalar(select(Contract.monthly_fee_cents).where(Contract.external_id == "K2"))
        assert fee == 999


CONTACTS = [
    {"contact_id": "K1", "customer_id": "C1", "channel": "Phone", "started_at": "2024-03-01 09:00",
     "agent_id": "A1", "reasons": "billing; moving", "case_id": "Z1", "talk_seconds": "300",
     "abandoned": "nee", "resolved": "", "transferred_from": ""},
    {"contact_id": "K2", "customer_id": "C1", "channel": "IVR", "started_at": "2024-03-01 08:30",
     "agent_id": "", "reasons": "billing", "case_id": "Z1", "talk_seconds": "",
     "abandoned": "ja", "resolved": "yes", "transferred_from": "K1"},
    {"contact_id": "K3", "customer_id": "", "channel": "chat", "started_at": "2024-03-02 10:00",
     "agent_id": "", "reasons": "", "case_id": "", "talk_seconds": "20",
     "abandoned": "", "resolved": "no", "transferred_from": ""},
    {"contact_id": "K4", "customer_id": "C1", "channel": "email", "started_at": "2024-03-02 11:00",
     "agent_id": "A404", "reasons": "", "case_id": "", "talk_seconds": "",
     "abandoned": "", "resolved": "", "transferred_from": ""},
    {"contact_id": "K5", "customer_id": "C1", "channel": "sms", "started_at": "2024-03-02 12:00",
     "agent_id": "", "reasons": "", "case_id": "", "talk_seconds": "-5",
     "abandoned": "", "resolved": "", "transferred_from": "K404"},
]  # fmt: skip


def _reasons(s: Session, contact: str) -> list[str]:
    return list(
        s.scalars(
            select(ContactReason.reason)
            .join(Contact, Contact.id == ContactReason.contact_id)
            .where(Contact.external_id == contact)
            .order_by(ContactReason.position)
        )
    )


def test_contacts_reasons_cases_transfers_and_checks(sessions: sessionmaker[Session]) -> None:
    load(sessions, "customers", CUSTOMERS[:1])
    load(sessions, "agents", [{"agent_id": "A1", "name": "Anna"}])
    result, rejected = load(sessions, "contacts", CONTACTS, timezone="Europe/Amsterdam")
    assert counts(result) == (3, 0, 0, 2)
    assert result.created == {"cases": 1}
    assert dict(zip(rejected["contact_id"], rejected["reason"], strict=True)) == {
        "K4": "unknown agent 'A404'",
        # Rejected while reading, so its unknown transfer is never looked up.
        "K5": "talk_seconds -5 is out of range (0–2147483647)",
    }
    with sessions() as s:
        k1, k2, k3 = (
            s.scalars(select(Contact).where(Contact.external_id == k)).one()
            for k in ("K1", "K2", "K3")
        )
        assert (k2.channel, k2.abandoned, k2.resolved, k2.talk_seconds) == (
            "self-service",
            True,
            True,
            0,
        )
        assert (k1.abandoned, k1.resolved, k1.direction) == (False, None, "inbound")
        assert k1.started_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)  # CET -> UTC
        assert k2.transferred_from_id == k1.id
        assert k3.customer_id is None  # anonymous
        case = s.scalars(select(Case)).one()
        assert case.external_id == "Z1"
        assert case.opened_at == datetime(2024, 3, 1, 7, 30, tzinfo=UTC)  # the earliest contact
        assert case.customer_id == k1.customer_id
        assert k1.case_id == k2.case_id == case.id
        assert _reasons(s, "K1") == ["billing", "moving"]
        assert _reasons(s, "K2") == ["billing"]

    again, _ = load(sessions, "contacts", CONTACTS[:3], timezone="Europe/Amsterdam")
    assert counts(again) == (0, 0, 3, 0)
    changed = [dict(CONTACTS[0], reasons="moving|billing|complaint"), CONTACTS[1], CONTACTS[2]]
    third, _ = load(sessions, "contacts", changed, timezone="Europe/Amsterdam")
    assert counts(third) == (0, 1, 2, 0)
    with sessions() as s:
        assert _reasons(s, "K1") == ["moving", "billing", "complaint"]
        assert s.scalar(select(func.count()).select_from(ContactReason)) == 4
    untransferred = [changed[0], dict(CONTACTS[1], transferred_from=""), CONTACTS[2]]
    fourth, _ = load(sessions, "contacts", untransferred, timezone="Europe/Amsterdam")
    assert counts(fourth) == (0, 1, 2, 0)
    with sessions() as s:
        k2_from = s.scalar(select(Contact.transferred_from_id).where(Contact.external_id == "K2"))
        assert k2_from is None


def test_a_case_is_closed_when_its_latest_contact_resolved_it(
    sessions: sessionmaker[Session],
) -> None:
    """The file carries no case status: the latest contact of a case decides it (closed at
    that contact's start when it resolved the matter, open otherwise), on every import."""
    load(sessions, "customers", CUSTOMERS[:1])
    rows = [
        {"contact_id": "K1", "customer_id": "C1", "channel": "phone", "case_id": "Z1",
         "started_at": "2024-03-01 09:00", "resolved": "false"},
        {"contact_id": "K2", "customer_id": "C1", "channel": "email", "case_id": "Z1",
         "started_at": "2024-03-02 10:00", "resolved": "true"},
        {"contact_id": "K3", "customer_id": "C1", "channel": "phone", "case_id": "Z2",
         "started_at": "2024-03-03 11:00", "resolved": "true"},
        {"contact_id": "K4", "customer_id": "C1", "channel": "phone", "case_id": "Z2",
         "started_at": "2024-03-04 11:00"},
    ]  # fmt: skip
    load(sessions, "contacts", rows)

    def cases() -> dict[str, tuple[str, datetime | None]]:
        with sessions() as s:
            return {c.external_id: (c.status, c.closed_at) for c in s.scalars(select(Case))}

    assert cases() == {
        "Z1": ("closed", datetime(2024, 3, 2, 10, 0, tzinfo=UTC)),
        "Z2": ("open", None),
    }
    # A later contact reopens Z1 and resolves Z2.
    later = [
        {"contact_id": "K5", "customer_id": "C1", "channel": "phone", "case_id": "Z1",
         "started_at": "2024-03-05 09:00", "resolved": "false"},
        {"contact_id": "K6", "customer_id": "C1", "channel": "chat", "case_id": "Z2",
         "started_at": "2024-03-05 10:00", "resolved": "true"},
    ]  # fmt: skip
    load(sessions, "contacts", later)
    assert cases() == {
        "Z1": ("open", None),
        "Z2": ("closed", datetime(2024, 3, 5, 10, 0, tzinfo=UTC)),
    }


def test_transfer_to_an_unknown_contact_is_rejected(sessions: sessionmaker[Session]) -> None:
    rows = [
        {"contact_id": "K1", "channel": "phone", "started_at": "2024-03-01 09:00",
         "transferred_from": "K404"},
        {"contact_id": "K2", "channel": "phone", "started_at": "2024-03-01 09:05",
         "transferred_from": "K1"},
    ]  # fmt: skip
    result, rejected = load(sessions, "contacts", rows)
    assert counts(result) == (0, 0, 0, 2)
    assert rejected["reason"].tolist() == [
        "transferred_from: unknown contact 'K404' (not in the file, not stored)",
        "transferred_from: unknown contact 'K1' (not in the file, not stored)",
    ]


def test_surveys_need_a_stored_contact(sessions: sessionmaker[Session]) -> None:
    load(sessions, "customers", CUSTOMERS[:1])
    load(sessions, "contacts", [{"contact_id": "K1", "customer_id": "C1", "channel": "phone",
                                 "started_at": "2024-03-01 09:00"}])  # fmt: skip
    rows = [
        {"survey_id": "S1", "customer_id": "C1", "answered_at": "2024-03-02T10:00:00+01:00",
         "nps": "9", "contact_id": "K1", "comment": "Top"},
        {"survey_id": "S2", "customer_id": "C1", "answered_at": "2024-03-02 10:00",
         "nps": "3", "contact_id": "K404", "comment": ""},
    ]  # fmt: skip
    result, rejected = load(sessions, "surveys", rows)
    assert counts(result) == (1, 0, 0, 1)
    assert rejected["reason"].tolist() == ["unknown contact 'K404'"]
    with sessions() as s:
        survey = s.scalars(select(Survey)).one()
        assert (survey.nps, survey.comment) == (9, "Top")
        assert survey.answered_at == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def test_consents_are_keyed_by_customer_purpose_channel_and_time(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, "customers", CUSTOMERS[:2])
    rows = [
        {"customer_id": "C1", "purpose": "marketing", "channel": "email", "granted": "yes",
         "recorded_at": "2024-01-01 12:00", "source": "web"},
        {"customer_id": "C1", "purpose": "marketing", "channel": "email", "granted": "no",
         "recorded_at": "2024-02-01 12:00", "source": "call"},
        {"customer_id": "C2", "purpose": "Profiling", "channel": "ANY", "granted": "1",
         "recorded_at": "2024-01-01 12:00", "source": ""},
        {"customer_id": "C2", "purpose": "profiling", "channel": "any", "granted": "0",
         "recorded_at": "2024-01-01 12:00", "source": ""},
        {"customer_id": "C2", "purpose": "spam", "channel": "fax", "granted": "",
         "recorded_at": "2024-01-01 12:00", "source": ""},
    ]  # fmt: skip
    result, rejected = load(sessions, "consents", rows)
    assert counts(result) == (3, 0, 0, 2)
    assert rejected["reason"].tolist() == [
        "duplicate key, first seen on line 4",
        "purpose: unknown value 'spam' (expected service, marketing, profiling); "
        "channel: unknown value 'fax' (expected phone, email, sms, post, any); granted is missing",
    ]
    flipped = [dict(rows[0], granted="no"), rows[1]]
    again, _ = load(sessions, "consents", flipped)
    assert counts(again) == (0, 1, 1, 0)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Consent)) == 3
        assert not any(s.scalars(select(Consent.granted).where(Consent.source == "web")))


def test_ignored_columns_are_reported(sessions: sessionmaker[Session]) -> None:
    result, _ = load(sessions, "customers", [{"customer_id": "C1", "shoe_size": "44"}])
    assert result.ignored_columns == ("shoe_size",)
    assert result.as_json()["ignored_columns"] == ["shoe_size"]
    assert set(result.as_json()) >= {
        "entity", "read", "inserted", "updated", "unchanged", "rejected", "rejected_file",
        "seconds", "created",
    }  # fmt: skip


def test_several_imports_in_one_transaction(sessions: sessionmaker[Session]) -> None:
    """The demo company loads every entity in one unit of work: staging tables are reused."""
    with unit_of_work(sessions) as s:
        for _ in range(2):
            import_frame(s, "customers", pd.DataFrame(CUSTOMERS, dtype=object))
            import_frame(
                s,
                "orders",
                pd.DataFrame(
                    {
                        "order_id": ["O1"],
                        "customer_id": ["C1"],
                        "ordered_at": [pd.Timestamp("2024-01-01 10:00", tz="UTC")],
                        "product_id": ["P1"],
                        "quantity": [2],
                        "unit_price": [2.5],
                    }
                ),
            )
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 3


def test_entity_names() -> None:
    assert entity_spec("Employee-Surveys").name == "employee_surveys"
    with pytest.raises(InvalidInput, match=r"unknown entity 'order' \(one of: agents, customers"):
        entity_spec("order")
