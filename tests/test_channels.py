"""One channel vocabulary (``valuecenter/channels.py``): every domain's channels are a named
subset of it, and the database refuses a channel outside a column's subset (migration 0008)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Column, Enum, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from valuecenter import channels
from valuecenter.campaigns.models import CampaignChannel
from valuecenter.channels import Channel
from valuecenter.consent import state
from valuecenter.consent.models import ConsentChannel
from valuecenter.contacts.models import Channel as ContactChannel
from valuecenter.db.engine import make_engine
from valuecenter.db.migrate import alembic_config, upgrade
from valuecenter.decisions import rules
from valuecenter.decisions.facts import CHANNELS, DecisionChannel
from valuecenter.importer.entities import SURVEYS
from valuecenter.importer.service import import_frame
from valuecenter.models import (
    ContactPolicyRule,
    Customer,
    Decision,
    DecisionResponse,
    Survey,
)

VOCABULARY = {c.value for c in Channel}


def column_words(column: object) -> set[str]:
    assert isinstance(column, Column)
    assert isinstance(column.type, Enum)
    return set(column.type.enums)


def test_every_domains_channels_are_its_named_subset_of_the_vocabulary() -> None:
    subsets = {
        "contacts": ({c.value for c in ContactChannel}, channels.CONTACT_CHANNELS),
        "campaigns": ({c.value for c in CampaignChannel}, channels.CAMPAIGN_CHANNELS),
        "consent": (
            {c.value for c in ConsentChannel} - {channels.ANY},
            channels.CONSENT_CHANNELS,
        ),
        "decisions": ({c.value for c in DecisionChannel}, channels.DECISION_CHANNELS),
        "decision log": (column_words(Decision.__table__.c.channel), channels.DECISION_CHANNELS),
        "decision responses": (
            column_words(DecisionResponse.__table__.c.channel),
            channels.DECISION_CHANNELS,
        ),
        "surveys": (column_words(Survey.__table__.c.channel), channels.SURVEY_CHANNELS),
        "survey import": (
            set(SURVEYS.column("channel").choices),
            channels.SURVEY_CHANNELS,
        ),
    }
    for domain, (found, subset) in subsets.items():
        assert found == set(channels.values(subset)), domain
        assert found <= VOCABULARY, domain
    assert set(CHANNELS) == set(channels.values(channels.DECISION_CHANNELS))
    policy = column_words(ContactPolicyRule.__table__.c.channel)
    assert policy == set(rules.CONSENT_CHANNELS) == set(state.CONSENT_CHANNELS)
    assert policy == {c.value for c in ConsentChannel}
    assert policy - {channels.ANY} <= VOCABULARY


def test_the_consent_mapping_stays_inside_the_vocabulary() -> None:
    consent = set(channels.CONSENT_CHANNELS)
    for channel, governed_by in channels.CONSENT_CHANNEL_OF.items():
        assert governed_by in consent, channel
    assert state.consent_channel("ivr") == "phone"
    assert state.consent_channel("direct-mail") == "post"
    assert state.consent_channel("chat") == channels.ANY


def test_an_unknown_channel_is_refused_before_the_database(session: Session) -> None:
    customer = Customer(external_id="C1")
    session.add(customer)
    session.flush()
    session.add(
        Survey(
            external_id="S1",
            customer_id=customer.id,
            answered_at=datetime(2026, 1, 1, tzinfo=UTC),
            nps=9,
            channel="pigeon",
        )
    )
    with pytest.raises(StatementError, match="'pigeon' is not among the defined enum values"):
        session.flush()


@pytest.mark.parametrize(
    ("table", "insert"),
    [
        (
            "surveys",
            "INSERT INTO surveys (external_id, customer_id, answered_at, nps, channel)"
            " VALUES ('S1', :customer, :at, 9, 'pigeon')",
        ),
        (
            "decisions",
            "INSERT INTO decisions (customer_id, decided_at, channel, direction, context, arm,"
            " explored, source, catalogue_version, features, actions, suppressed, latency_us)"
            " VALUES (:customer, :at, 'pigeon', 'inbound', '{}', 'nba', false, 'api', 1, '{}',"
            " '[]', '[]', 0)",
        ),
        (
            "contact_policy_rules",
            "INSERT INTO contact_policy_rules (code, name, kind, purpose, channel, direction,"
            " max_count, window_days, active) VALUES ('r', 'r', 'frequency', 'marketing',"
            " 'pigeon', 'any', 1, 7, true)",
        ),
    ],
)
def test_the_database_refuses_an_unknown_channel(session: Session, table: str, insert: str) -> None:
    """The CHECK constraints of migration 0008, written around the ORM's own check."""
    customer = Customer(external_id="C1")
    session.add(customer)
    session.flush()
    with pytest.raises(IntegrityError, match="channel"):
        session.execute(
            text(insert), {"customer": customer.id, "at": datetime(2026, 1, 1, tzinfo=UTC)}
        )


def test_the_importer_refuses_an_unknown_survey_channel_by_line(session: Session) -> None:
    session.add(Customer(external_id="C1"))
    session.flush()
    frame = pd.DataFrame(
        {
            "survey_id": ["S1", "S2", "S3"],
            "customer_id": ["C1", "C1", "C1"],
            "answered_at": ["2026-01-01T10:00:00Z"] * 3,
            "nps": ["9", "3", "7"],
            "channel": ["Email", "pigeon", ""],
        }
    )
    result, rejected = import_frame(session, "surveys", frame)
    assert (result.inserted, result.rejected) == (2, 1)
    assert list(rejected["reason"]) == [
        "channel: unknown value 'pigeon' (expected "
        + ", ".join(channels.values(channels.SURVEY_CHANNELS))
        + ")"
    ]
    stored = dict(session.execute(text("SELECT external_id, channel FROM surveys")).all())
    assert stored == {"S1": "email", "S3": None}


def test_migration_0008_cleans_the_survey_channels_it_constrains(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'surveys.db'}"
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (external_id, kind, created_at)"
                " VALUES ('C1', 'b2b', '2026-01-01 10:00:00')"
            )
        )
        for n, channel in enumerate([" Phone ", "self_service", "carrier pigeon", None, "web"]):
            conn.execute(
                text(
                    "INSERT INTO surveys (external_id, customer_id, answered_at, nps, channel)"
                    " SELECT :id, id, '2026-01-01 10:00:00', 8, :channel FROM customers"
                ),
                {"id": f"S{n}", "channel": channel},
            )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel FROM surveys ORDER BY external_id")).all()
    assert [r[0] for r in rows] == ["phone", "self-service", None, None, "web"]
    command.downgrade(alembic_config(url), "0007")  # and the downgrade drops the constraints
    with engine.begin() as conn:
        conn.execute(text("UPDATE surveys SET channel = 'pigeon'"))
    engine.dispose()
