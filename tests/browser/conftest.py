"""The servers the browser tests share: the web test world (``live_server``) and the world
with the alerts of ``tests/test_web_alerts.py`` (``alerts_server``), each on a migrated
SQLite database of its own under uvicorn (``harness.serve``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import require_chromium, serve
from tests.test_web_alerts import add_alerts
from tests.web_fixtures import World, build_world
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, World]]:
    """The app under uvicorn in a background thread; yields its base URL and the data."""
    require_chromium()
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        world = build_world(session)
    engine.dispose()
    with serve(url) as base:
        yield base, world


@pytest.fixture
def alerts_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """The app on the test world with the alerts of ``add_alerts``; yields its base URL and
    the alert ids by name."""
    require_chromium()
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        world = build_world(session)
        alerts = add_alerts(session, world)
    engine.dispose()
    with serve(url) as base:
        yield base, alerts
