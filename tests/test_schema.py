"""The migrations build the schema the models describe, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from valuecenter.db.migrate import current_revision, ensure_current, head_revision
from valuecenter.db.models import Base, Contact, Customer, Survey
from valuecenter.errors import SchemaBehind


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
