"""The CLI basics: migrations, users and tokens, and one-line errors instead of tracebacks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests import cli_runner
from valuecenter.settings import get_settings
from valuecenter.users import service
from valuecenter.users.models import ApiToken, Role, User
from valuecenter.users.security import token_hash, verify_password


def subprocess_cli(*args: str, env_url: str) -> subprocess.CompletedProcess[str]:
    """``python -m valuecenter ARGS`` in a process of its own: the real entry point, exit code
    and all (a process costs seconds of imports, so only the test of an unreachable database
    goes through one; the other tests run the same entry point in-process)."""
    env = {**os.environ, "VALUECENTER_DATABASE_URL": env_url}
    return subprocess.run(
        [sys.executable, "-m", "valuecenter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Result]]:
    """``valuecenter ARGS`` in-process (:func:`tests.cli_runner.run_cli`) on the database
    ``env_url``, with ``stdin`` as its standard input."""

    def run(*args: str, env_url: str, stdin: str | None = None) -> Result:
        monkeypatch.setenv("VALUECENTER_DATABASE_URL", env_url)
        get_settings.cache_clear()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code, out, err = cli_runner.run_cli(monkeypatch, capsys, *args)
        return Result(code, out, err)

    yield run
    get_settings.cache_clear()


def test_db_upgrade_then_status_on_a_new_sqlite_file(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    before = run_cli("db", "status", "--json", env_url=url)
    assert json.loads(before.stdout)["up_to_date"] is False
    up = run_cli("db", "upgrade", env_url=url)
    assert up.returncode == 0, up.stderr
    after = json.loads(run_cli("db", "status", "--json", env_url=url).stdout)
    assert after["up_to_date"] is True
    assert after["current"] == after["head"]


def test_command_on_unmigrated_database_says_to_upgrade(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run_cli("users", "token", "nobody", env_url=url)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error: ")
    assert "valuecenter db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_database_is_one_line() -> None:
    result = subprocess_cli(
        "db", "status", env_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    )
    assert result.returncode == 7
    assert result.stderr.startswith("error: cannot use the database")
    assert "Traceback" not in result.stderr


def test_users_add_with_password_stdin_and_token(
    run_cli: Callable[..., Result], db_url: str, sessions: sessionmaker[Session]
) -> None:
    added = run_cli(
        "users", "add", "marieke", "--role", "manager", "--password-stdin",
        env_url=db_url, stdin="correct horse battery\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "password (shown once)" not in added.stdout
    token = run_cli("users", "token", "marieke", env_url=db_url)
    assert token.returncode == 0, token.stderr
    issued = token.stdout.strip()
    with sessions() as session:
        user = session.scalars(select(User).where(User.username == "marieke")).one()
        assert user.role is Role.MANAGER
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse battery")
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == token_hash(issued)
        assert issued not in stored.token_hash
        assert service.user_for_token(session, issued).username == "marieke"


def test_users_add_generates_and_prints_a_password_once(
    run_cli: Callable[..., Result], db_url: str, sessions: sessionmaker[Session]
) -> None:
    added = run_cli("users", "add", "piet", "--role", "agent", env_url=db_url)
    assert added.returncode == 0, added.stderr
    line = next(x for x in added.stdout.splitlines() if x.startswith("password (shown once): "))
    password = line.split(": ", 1)[1]
    with sessions() as session:
        assert service.authenticate(session, username="piet", password=password).role is Role.AGENT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "x1", "--role", "boss"], "role: 'boss' is not a role"),
        (["users", "add", "Bad Name", "--role", "agent"], "username:"),
        (["users", "token", "ghost"], "no user 'ghost'"),
    ],
)
def test_user_errors_are_one_line(
    run_cli: Callable[..., Result], db_url: str, args: list[str], message: str
) -> None:
    result = run_cli(*args, env_url=db_url)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_duplicate_user_is_a_conflict(run_cli: Callable[..., Result], db_url: str) -> None:
    first = run_cli("users", "add", "anna", "--role", "agent", env_url=db_url)
    assert first.returncode == 0
    again = run_cli("users", "add", "anna", "--role", "agent", env_url=db_url)
    assert again.returncode == 4
    assert "exists already" in again.stderr


def test_expired_or_revoked_token_is_refused(sessions: sessionmaker[Session]) -> None:
    from datetime import timedelta

    from valuecenter.db.base import utcnow
    from valuecenter.errors import NotAuthenticated

    with sessions() as session:
        service.create_user(session, username="joost", password="long enough pw", role=Role.AGENT)
        token = service.issue_token(session, username="joost", days=1)
        stored = session.scalars(select(ApiToken)).one()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        with pytest.raises(NotAuthenticated, match="expired"):
            service.user_for_token(session, token)
        stored.expires_at = utcnow() + timedelta(days=1)
        stored.revoked_at = utcnow()
        with pytest.raises(NotAuthenticated):
            service.user_for_token(session, token)
        with pytest.raises(NotAuthenticated, match="invalid"):
            service.user_for_token(session, "vc_not-a-real-token")


def test_a_revoked_token_is_refused_at_once_on_the_decision_path(
    sessions: sessionmaker[Session],
) -> None:
    """No worker reuses an earlier check: the request after the revocation is refused
    (issue 17: a deactivated user's tokens stop at once)."""
    from valuecenter.db.base import utcnow
    from valuecenter.errors import NotAuthenticated

    with sessions() as session:
        service.create_user(session, username="joost", password="long enough pw", role=Role.AGENT)
        token = service.issue_token(session, username="joost", days=1)
        assert service.user_for_token(session, token).username == "joost"
        session.scalars(select(ApiToken)).one().revoked_at = utcnow()
        session.flush()
        with pytest.raises(NotAuthenticated, match="revoked"):
            service.user_for_token(session, token)
