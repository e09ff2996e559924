"""A demo world built once through the CLI into a SQLite file of its own, for a test module's
heavy truth tests (each test then copies the file into its database)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from valuecenter.cli.errors import run_guarded
from valuecenter.cli.main import app
from valuecenter.db.migrate import upgrade
from valuecenter.settings import get_settings


def quiet_cli(*args: str) -> dict[str, object]:
    """A CLI run outside a test (no ``capsys`` in a module fixture): its ``--json`` output
    captured here."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
        run_guarded(lambda: app([*args, "--json"], standalone_mode=True))
    assert exit_info.value.code in (0, None), err.getvalue()
    lines = [line for line in out.getvalue().splitlines() if line.startswith("{")]
    result: dict[str, object] = json.loads(lines[-1])
    return result


def build_world(path: Path, *commands: tuple[str, ...]) -> list[dict[str, object]]:
    """Migrate ``path`` and run ``commands`` against it in order; their JSON outputs."""
    url = f"sqlite:///{path}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VALUECENTER_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            return [quiet_cli(*command) for command in commands]
        finally:
            get_settings.cache_clear()
