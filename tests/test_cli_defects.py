"""The defects a new user hit on the command line (issue 16, part 4): tracebacks on a bad file or
database URL, unbounded ports, flags shown with a type, a silently ignored --sheet, empty
stdout on --json errors, "1 rows", and progress that was silent when redirected."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.cli.main import command, main
from valuecenter.cli.progress import StepLines
from valuecenter.settings import get_settings
from valuecenter.users import service
from valuecenter.users.models import Role


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The real entry point (its error mapping included), in-process; stderr is not a tty."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def subprocess_cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "valuecenter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("notaurl", "'notaurl' is not a database URL"),
        ("sqlite:/relative.db", "'sqlite:/relative.db' is not a database URL"),
        ("mysql://x", "'mysql' is not supported: valuecenter runs on SQLite or PostgreSQL"),
        ("postgresql://u:secret@host:port/x", "'postgresql://u:***@host:port/x' is not a"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_the_setting(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code, _out, err = cli(capsys, "db", "status")
        json_code, out, _err = cli(capsys, "db", "status", "--json")
    finally:
        get_settings.cache_clear()
    if url == "notaurl":
        # Once as a process of its own (a process costs seconds of imports): the same line
        # and exit code as the entry point in-process.
        result = subprocess_cli("db", "status", url=url)
        assert (result.returncode, result.stderr) == (code, err)
    assert code == 2
    line = one_line(err)
    assert line.startswith("error: VALUECENTER_DATABASE_URL: ")
    assert says in line
    assert "secret" not in line
    assert "sqlite:///./valuecenter.db or postgresql+psycopg://" in line
    assert json_code == 2
    assert json.loads(out) == {"error": "invalid_input", "detail": line.removeprefix("error: ")}


def test_a_csv_named_xlsx_is_one_line_naming_the_file(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "x.xlsx"
    fake.write_text("a,b\n", encoding="utf-8")
    code, _out, err = cli(capsys, "import", "customers", str(fake))
    assert code == 2
    assert one_line(err) == f"error: file: {fake} is not an Excel workbook (.xlsx)"


def test_sheet_is_refused_for_a_csv(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,name\nC1,Bakkerij\n", encoding="utf-8")
    code, _out, err = cli(capsys, "import", "customers", str(path), "--sheet", "Blad1")
    assert code == 2
    assert one_line(err) == "error: --sheet: only an .xlsx workbook has sheets; c.csv is not one"


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_outside_1_to_65535(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = cli(capsys, "serve", "--port", port)
    assert code == 2
    assert "Invalid value for '--port'" in err


@pytest.mark.parametrize(
    ("args", "trusted"),
    [((), None), (("--forwarded-allow-ips", "10.0.0.5"), "10.0.0.5")],
)
def test_serve_trusts_forwarded_headers_only_from_the_named_proxy(
    args: tuple[str, ...],
    trusted: str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: without the option no
    forwarded header counts (a local client could otherwise pick its own address and escape
    the per-address login limit); with it, only the named proxy's (docs/security.md)."""
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", f"sqlite:///{tmp_path / 'vc.db'}")
    get_settings.cache_clear()
    assert cli(capsys, "db", "upgrade")[0] == 0
    code, _out, _err = cli(capsys, "serve", *args)
    get_settings.cache_clear()
    assert code == 0
    assert seen["proxy_headers"] is (trusted is not None)
    assert seen["forwarded_allow_ips"] == trusted


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_every_help_shows_on_off_options_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    """Flags take no value (``--create-customers true`` is refused), so no help may show one."""
    paths = _commands(command())
    assert ("import",) in paths
    assert ("retention", "desk", "open") in paths
    for path in paths:
        code, out, _err = cli(capsys, *path, "--help")
        assert code == 0
        assert "<bool>" not in out, path
    code, out, _err = cli(capsys, "import", "--help")
    assert re.search(r"--create-customers\s+Create unknown customers", out)
    assert re.search(r"--json\s+Print one JSON object", out)


def test_errors_under_json_are_a_json_object_on_stdout(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    code, out, err = cli(capsys, "import", "customers", str(missing), "--json")
    assert code == 2
    assert json.loads(out) == {"error": "invalid_input", "detail": f"file: {missing}: no such file"}
    assert one_line(err) == f"error: file: {missing}: no such file"
    # A usage error too.
    code, out, err = cli(capsys, "import", "customers", str(missing), "--json", "--bogus")
    assert code == 2
    assert json.loads(out) == {"error": "usage", "detail": "No such option: --bogus"}
    # Without --json stdout stays empty.
    code, out, err = cli(capsys, "import", "customers", str(missing))
    assert (code, out) == (2, "")


def test_import_progress_lines_count_in_the_right_plural(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.csv"
    one.write_text("customer_id,name\nC1,Bakkerij\n", encoding="utf-8")
    code, _out, err = cli(capsys, "import", "customers", str(one))
    assert code == 0, err
    lines = err.strip().splitlines()
    assert re.fullmatch(r"import: loading customers: 1 row… · \d+\.\d s", lines[0]), lines
    assert re.fullmatch(r"import: loaded customers: 1 row · \d+\.\d s", lines[1]), lines
    assert re.fullmatch(r"import: committing… · \d+\.\d s", lines[2]), lines
    two = tmp_path / "two.csv"
    two.write_text("customer_id,name\nC1,Bakkerij\nC2,Slagerij\n", encoding="utf-8")
    code, _out, err = cli(capsys, "import", "customers", str(two))
    assert "import: loading customers: 2 rows… · " in err
    assert "rows" not in err.replace("2 rows", "")


def test_step_lines_say_each_step_with_counts_and_elapsed_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = StepLines("demo")
    lines.step("plan")
    for done in (0, 500, 1000):
        lines.rows("orders", done, 1000)
    lines.rows("orders", 1000, 1000)  # a repeated last call says nothing new
    assert capsys.readouterr().err.splitlines() == [
        "demo: plan · 0.0 s",
        "demo: loading orders: 1,000 rows… · 0.0 s",
        "demo: loaded orders: 1,000 rows · 0.0 s",
    ]


def test_users_password_sets_a_new_random_password_shown_once(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session:
        service.create_user(session, username="admin", password="x" * 16, role=Role.ADMIN)
        session.commit()
    code, out, err = cli(capsys, "users", "password", "admin")
    assert code == 0, err
    shown = re.search(r"^password \(shown once\): (\S+)$", out, re.M)
    assert shown is not None
    with sessions() as session:
        user = service.authenticate(session, username="admin", password=shown.group(1))
        assert user.role is Role.ADMIN
