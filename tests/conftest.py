"""Shared fixtures.

Database tests use the ``db_url`` fixture, which runs each test on SQLite and — when
``VALUECENTER_TEST_DATABASE_URL`` points at PostgreSQL — on PostgreSQL too. The schema is
built once per backend by the real Alembic migrations; every table is emptied after each test.

A heavy test whose backend does not matter carries ``@pytest.mark.sqlite_only("why")`` and runs
once, on SQLite: only where the SQL it drives is covered on PostgreSQL by another test (the reason
names it), so CI stays fast without losing PostgreSQL coverage of any SQL path.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.truth_models import drop_truth_tables
from valuecenter.i18n import DEFAULT_LOCALE, use_locale
from valuecenter.models import Base
from valuecenter.settings import get_settings

pytest_plugins = ["tests.web_fixtures", "tests.spark_harness"]

# The tests read English output unless they ask for a language: a developer's LANG=nl_NL must
# not change what the CLI prints under test (tests/test_i18n_cli.py sets it on purpose).
os.environ["VALUECENTER_LANGUAGE"] = "en"

PG_URL = os.environ.get("VALUECENTER_TEST_DATABASE_URL", "")
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BACKENDS = ["sqlite", "postgresql"]


# The test files that take longest (CPU, both backends; from the --durations list that
# scripts/run-pytest.sh prints), longest first. Under ``--dist loadfile`` a file is one unit and
# the workers take units in collection order: starting the longest first (LPT scheduling) lets
# the many small files fill in behind them, so the two workers finish together instead of one
# starting a ten-minute file at the end (xdist's default order is by number of tests, which put
# the single-test truth files last). Update it when the durations list says so.
HEAVIEST_FILES = (
    "tests/test_nba_truth.py",
    "tests/test_demo_savedesk.py",
    "tests/test_finance_truth.py",
    "tests/test_demo_cli.py",
    "tests/test_alerts_service.py",
    "tests/test_cli_churn.py",
    "tests/test_api_schemathesis.py",
    "tests/test_retention_renewal.py",
    "tests/test_renewal_truth.py",
    "tests/test_demo_seed_figures.py",
    "tests/test_offers_cli.py",
    "tests/browser/test_browser_retention.py",
    "tests/test_demo_truth.py",
    "tests/test_retention_desk.py",
)


def heaviest_first(nodeids: list[str]) -> list[int]:
    """The order (indices into ``nodeids``) that runs the files of :data:`HEAVIEST_FILES` first,
    longest first, then the rest as collected; the tests of a file keep their order."""
    rank = {path: i for i, path in enumerate(HEAVIEST_FILES)}
    return sorted(
        range(len(nodeids)),
        key=lambda i: rank.get(nodeids[i].split("::", 1)[0], len(HEAVIEST_FILES)),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs the heaviest files first (:data:`HEAVIEST_FILES`), and skips the PostgreSQL run of
    every ``sqlite_only`` test with the marker's reason."""
    items[:] = [items[i] for i in heaviest_first([item.nodeid for item in items])]
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is None:
            continue
        if not mark.args or not str(mark.args[0]).strip():
            raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs a reason")
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("migrated_url") == "postgresql":
            item.add_marker(pytest.mark.skip(reason=f"runs once, on SQLite: {mark.args[0]}"))


def _worker_url(url: str) -> str:
    """Under pytest-xdist each worker gets its own database (``<name>_gw0`` …), created on the
    same server when missing; without xdist the URL as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import psycopg

    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}"


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """Whatever locale a test sets (an in-process CLI run, ``set_locale``) ends with it."""
    with use_locale(DEFAULT_LOCALE):
        yield


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A freshly migrated database of each backend, built once per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        if not PG_URL:
            pytest.skip("VALUECENTER_TEST_DATABASE_URL is not set")
        url = _worker_url(PG_URL)
        _reset_postgres(url)
    upgrade(url)
    return url


def empty_all_tables(engine: Engine) -> None:
    """Every product table emptied; a demo world's ``truth_*`` tables (their own metadata, not
    the product's schema) dropped with it, so the next test sees a freshly migrated database."""
    with engine.begin() as conn:
        drop_truth_tables(conn)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    # SQLite checks every deleted parent row against each referencing table, scanning those
    # whose foreign key has no index (contacts.transferred_from_id): quadratic in a demo
    # world's size (319 s for a 20,000-customer world). Every table is emptied anyway, so the
    # check is switched off for the cleanup (the pragma only works outside a transaction).
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.commit()
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def db_url(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of a migrated, empty database; ``VALUECENTER_DATABASE_URL`` points at it."""
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    yield migrated_url
    get_settings.cache_clear()
    engine = make_engine(migrated_url)
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture(scope="session")
def world_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this session (this xdist worker) keeps the SQLite databases of loaded demo worlds."""
    return tmp_path_factory.mktemp("worlds")


def _copy_sqlite(source: str | Path, target: str | Path) -> None:
    """The whole database ``source`` into ``target`` (SQLite's online backup: pages, schema
    and all, through connections, so open engines on ``target`` see the copy)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def load_demo(
    db_url: str, capsys: pytest.CaptureFixture[str], world_snapshots: Path
) -> Callable[..., None]:
    """``load_demo("--preset", "telecom", "--customers", "3000", "--seed", "4")`` loads that
    demo world into the (empty) test database as ``valuecenter demo`` does. A world is made by
    the command once per session and backend arguments: on SQLite the loaded database is kept
    and copied back for the next test that asks for the same arguments (the world of a seed is
    the same every time; test_demo_truth checks so). PostgreSQL runs the command every time."""
    import tests.test_demo_cli as demo_cli

    def load(*args: str) -> None:
        snapshot = None
        if db_url.startswith("sqlite:///"):
            key = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
            snapshot = world_snapshots / f"{key}.db"
            if snapshot.exists():
                _copy_sqlite(snapshot, db_url.removeprefix("sqlite:///"))
                return
        code, _out, err = demo_cli.run(["demo", *args], capsys)
        assert code == 0, err
        if snapshot is not None:
            _copy_sqlite(db_url.removeprefix("sqlite:///"), snapshot)

    return load
