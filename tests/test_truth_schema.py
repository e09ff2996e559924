"""The demo's ``truth_*`` tables are not part of the product's schema (issue 16, part 1).

A real company's database (``db upgrade``, no demo) has none of them, on every backend; loading
a demo world creates them in the load's transaction and the tests' cleanup drops them with the
world; migration 0007 drops them from a database without a world and keeps a loaded world's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text

from tests.conftest import BACKENDS, PG_URL, _reset_postgres, _worker_url, empty_all_tables
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import alembic_config, current_revision, head_revision, upgrade
from valuecenter.db.uow import unit_of_work
from valuecenter.demo import truth
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.truth_models import TRUTH_METADATA, TruthCustomer, TruthWorld, has_truth
from valuecenter.demo.world import plan_world
from valuecenter.errors import NotFound
from valuecenter.models import Base

TRUTH = set(TRUTH_METADATA.tables)


def truth_tables(engine: Engine) -> set[str]:
    return {t for t in inspect(engine).get_table_names() if t.startswith("truth_")}


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database built by ``db upgrade`` alone (PostgreSQL: the test database, reset; it is
    left migrated and empty, as every test finds it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        if not PG_URL:
            pytest.skip("VALUECENTER_TEST_DATABASE_URL is not set")
        url = _worker_url(PG_URL)
        _reset_postgres(url)
    upgrade(url)
    engine = make_engine(url)
    yield engine
    empty_all_tables(engine)
    engine.dispose()


def test_a_fresh_database_has_the_product_tables_and_no_truth_table(fresh: Engine) -> None:
    names = set(inspect(fresh).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert truth_tables(fresh) == set()
    assert not TRUTH & set(Base.metadata.tables)  # not in the product's metadata either
    with make_sessionmaker(fresh)() as session:
        assert not has_truth(session)
        with pytest.raises(NotFound, match="no simulated company"):
            truth.responses(session, "retention-call")


def test_loading_a_demo_world_creates_the_truth_and_the_cleanup_drops_it(fresh: Engine) -> None:
    with unit_of_work(make_sessionmaker(fresh)) as session:
        load_plan(session, plan_world(WHOLESALE, 40, 7))
    assert truth_tables(fresh) == TRUTH
    with make_sessionmaker(fresh)() as session:
        assert has_truth(session)
        assert session.scalar(select(func.count()).select_from(TruthWorld)) == 1
        assert session.scalar(select(func.count()).select_from(TruthCustomer)) == 40
    empty_all_tables(fresh)
    assert truth_tables(fresh) == set()


def test_a_failed_load_leaves_no_truth_on_postgresql(fresh: Engine) -> None:
    """The truth tables are created inside the load's transaction: a rollback takes them."""
    if fresh.dialect.name != "postgresql":
        pytest.skip("SQLite's driver commits DDL outside the transaction")
    plan = plan_world(WHOLESALE, 40, 7)

    def failing_job() -> None:
        with unit_of_work(make_sessionmaker(fresh)) as session:
            load_plan(session, plan)
            raise RuntimeError("the job fails after the load")

    with pytest.raises(RuntimeError):
        failing_job()
    assert truth_tables(fresh) == set()


def test_migration_0007_drops_empty_truth_tables_and_keeps_a_loaded_worlds(
    tmp_path: Path,
) -> None:
    empty_url = f"sqlite:///{tmp_path / 'real.db'}"
    world_url = f"sqlite:///{tmp_path / 'demo.db'}"
    for url in (empty_url, world_url):
        command.upgrade(alembic_config(url), "0006")
    world = make_engine(world_url)
    with world.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO truth_worlds (preset, seed, customers, starts, ends, scenarios,"
                " generator) VALUES ('wholesale', 1, 0, '2025-01-01', '2025-12-31', '', 'g')"
            )
        )
    empty = make_engine(empty_url)
    assert truth_tables(empty) == TRUTH
    for url in (empty_url, world_url):
        upgrade(url)
    assert current_revision(empty) == current_revision(world) == head_revision()
    assert truth_tables(empty) == set()
    assert truth_tables(world) == TRUTH  # the loaded world keeps its truth
    with world.connect() as conn:
        assert conn.execute(text("SELECT preset FROM truth_worlds")).scalar_one() == "wholesale"
    # Down again: the truth tables are back as 0002 and 0006 made them, then gone with 0002.
    command.downgrade(alembic_config(empty_url), "0006")
    assert truth_tables(empty) == TRUTH
    command.downgrade(alembic_config(empty_url), "0001")
    assert truth_tables(empty) == set()
    upgrade(empty_url)
    assert truth_tables(empty) == set()
    empty.dispose()
    world.dispose()
