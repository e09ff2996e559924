"""The suite's own speed-ups (tests/conftest.py): the heaviest files go out first, so the two
xdist workers finish together (a renamed or deleted heavy file must be taken off the list), and
a demo world loaded on SQLite is copied back for the next test that asks for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

import tests.test_demo_cli
from tests.conftest import HEAVIEST_FILES, REPO, empty_all_tables, heaviest_first


def test_every_listed_heavy_file_exists_once() -> None:
    assert len(set(HEAVIEST_FILES)) == len(HEAVIEST_FILES)
    missing = [path for path in HEAVIEST_FILES if not (REPO / path).is_file()]
    assert not missing, missing


def test_heavy_files_go_first_longest_first_and_a_file_keeps_its_order() -> None:
    nodeids = [
        "tests/test_a.py::test_one",
        f"{HEAVIEST_FILES[1]}::test_x[sqlite]",
        "tests/test_b.py::test_two",
        f"{HEAVIEST_FILES[0]}::test_y",
        f"{HEAVIEST_FILES[1]}::test_x[postgresql]",
        "tests/test_a.py::test_three",
    ]
    assert [nodeids[i] for i in heaviest_first(nodeids)] == [
        f"{HEAVIEST_FILES[0]}::test_y",
        f"{HEAVIEST_FILES[1]}::test_x[sqlite]",
        f"{HEAVIEST_FILES[1]}::test_x[postgresql]",
        "tests/test_a.py::test_one",
        "tests/test_b.py::test_two",
        "tests/test_a.py::test_three",
    ]


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        customers = conn.scalar(text("SELECT count(*) FROM customers"))
        orders = conn.scalar(text("SELECT count(*) FROM orders"))
    return int(customers or 0), int(orders or 0)


def test_a_world_is_loaded_by_the_command_once_per_session_on_sqlite(
    engine: Engine, load_demo: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    command = tests.test_demo_cli.run

    def counted(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        calls.append(args)
        return command(args, capsys)

    monkeypatch.setattr(tests.test_demo_cli, "run", counted)
    load_demo("--customers", "60", "--seed", "9")
    loaded = _counts(engine)
    assert loaded[0] == 60
    assert loaded[1] > 0
    empty_all_tables(engine)
    assert _counts(engine) == (0, 0)
    load_demo("--customers", "60", "--seed", "9")
    assert _counts(engine) == loaded
    sqlite = engine.dialect.name == "sqlite"
    assert len(calls) == (1 if sqlite else 2)  # PostgreSQL runs the command every time
