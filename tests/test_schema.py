"""The migrations build the schema the models describe, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from valuecenter.db.migrate import (
    alembic_config,
    current_revision,
    ensure_current,
    head_revision,
    upgrade,
)
from valuecenter.errors import SchemaBehind
from valuecenter.models import Base, Contact, Customer, Survey


def test_migrations_create_every_model_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(engine) == head_revision()
    ensure_current(engine)


def test_empty_database_is_reported_as_behind(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from valuecenter.db.engine import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaBehind, match="valuecenter db upgrade"):
        ensure_current(eng)


def test_timestamps_round_trip_as_utc(session: Session) -> None:
    cet = timezone(timedelta(hours=1))
    customer = Customer(external_id="C1", name="Bakkerij")
    session.add(customer)
    session.flush()
    session.add(
        Contact(
            external_id="K1",
            customer_id=customer.id,
            channel="phone",
            started_at=datetime(2026, 3, 2, 9, 0, tzinfo=cet),
        )
    )
    session.commit()
    session.expunge_all()
    stored = session.scalar(select(Contact.started_at))
    assert stored == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


def test_naive_timestamp_is_refused(session: Session) -> None:
    session.add(Customer(external_id="C1"))
    session.flush()
    session.add(Contact(external_id="K1", channel="phone", started_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_nps_outside_0_to_10_is_refused_by_the_database(session: Session) -> None:
    customer = Customer(external_id="C1")
    session.add(customer)
    session.flush()
    session.add(
        Survey(external_id="S1", customer_id=customer.id, nps=11, answered_at=datetime.now(UTC))
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_unknown_channel_is_refused(session: Session) -> None:
    session.add(Contact(external_id="K1", channel="pigeon", started_at=datetime.now(UTC)))
    with pytest.raises(StatementError, match="pigeon"):
        session.flush()


CAMPAIGN_TABLES = {"campaigns", "campaign_members"}


def test_campaigns_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    """Down to 0001 and up again (the truth tables 0002 made are the demo's since 0007:
    tests/test_truth_schema.py)."""
    from valuecenter.db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    eng = make_engine(url)
    assert set(inspect(eng).get_table_names()) >= CAMPAIGN_TABLES
    command.downgrade(alembic_config(url), "0001")
    left = set(inspect(eng).get_table_names())
    assert not CAMPAIGN_TABLES & left
    assert {"customers", "contacts", "employee_surveys"} <= left
    assert current_revision(eng) == "0001"
    upgrade(url)
    assert set(inspect(eng).get_table_names()) >= CAMPAIGN_TABLES
    eng.dispose()


def test_campaign_arm_outside_the_enum_is_refused_by_the_database(session: Session) -> None:
    customer = Customer(external_id="C1")
    session.add(customer)
    session.flush()
    session.execute(
        text(
            "INSERT INTO campaigns (external_id, channel, started_at, cost_per_contact_cents) "
            "VALUES ('CMP1', 'email', :at, 0)"
        ),
        {"at": datetime(2026, 1, 1, tzinfo=UTC)},
    )
    campaign_id = session.scalar(text("SELECT id FROM campaigns"))
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO campaign_members (campaign_id, customer_id, arm, revenue_cents) "
                "VALUES (:campaign, :customer, 'placebo', 0)"
            ),
            {"campaign": campaign_id, "customer": customer.id},
        )
