"""The CLI in Dutch and English: the language rule, and commands whose errors, progress lines,
summaries, reasons, numbers and money follow it while ``--json`` stays language-neutral."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.cli_runner import run_cli as _run
from valuecenter.alerts.reason_text import reason, reason_text
from valuecenter.alerts.schemas import reasons_of
from valuecenter.cli.language import cli_language, shell_language
from valuecenter.i18n import current_locale, use_locale
from valuecenter.settings import Settings, get_settings


@pytest.fixture
def no_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``VALUECENTER_LANGUAGE`` unset (the tests set it to English for everyone else)."""
    monkeypatch.delenv("VALUECENTER_LANGUAGE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
        ({"LC_ALL": "nl_NL.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "nl"),
        ({"LC_ALL": "C", "LANG": "nl_NL.UTF-8"}, "en"),  # POSIX: LC_ALL decides
        ({"LANG": "de_DE.UTF-8"}, "en"),  # not spoken: English
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_shell_locale_picks_the_language(
    no_setting: None, environ: dict[str, str], expected: str
) -> None:
    assert cli_language(None, environ) == expected


def test_option_beats_setting_beats_shell(
    no_setting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shell_language({"LANG": "nl_NL.UTF-8"}) == "nl"
    monkeypatch.setenv("VALUECENTER_LANGUAGE", "nl")
    get_settings.cache_clear()
    assert cli_language(None, {"LANG": "en_US.UTF-8"}) == "nl"
    assert cli_language("en", {"LANG": "nl_NL.UTF-8"}) == "en"
    monkeypatch.setenv("VALUECENTER_LANGUAGE", "en")
    get_settings.cache_clear()
    assert cli_language(None, {"LANG": "nl_NL.UTF-8"}) == "en"


def test_the_setting_takes_a_locale_and_refuses_a_language_we_do_not_speak() -> None:
    assert Settings(language="nl_NL").language == "nl"
    assert Settings(language="EN").language == "en"
    assert Settings(language="").language is None
    with pytest.raises(ValidationError, match="unknown language 'fr'; use one of en, nl"):
        Settings(language="fr")


def _subprocess(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("VALUECENTER_LANGUAGE", "LC_ALL")}
    return subprocess.run(
        [sys.executable, "-m", "valuecenter", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=120,
        check=False,
    )


def test_an_error_in_the_language_of_lang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``LANG`` alone decides (no setting): one line, in that language, same exit code. The
    first run is a process of its own (nothing read at import time may decide the language),
    the others run the same entry point in-process (a process costs seconds of imports)."""
    url = {"VALUECENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    nl = _subprocess("score", "--as-of", "2026-13-01", env={**url, "LANG": "nl_NL.UTF-8"})
    assert nl.returncode == 2
    assert nl.stderr == "fout: --as-of: '2026-13-01' is geen datum zoals 2026-11-01\n"

    def in_process(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
        for variable in ("VALUECENTER_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            monkeypatch.delenv(variable, raising=False)
        for variable, value in {**url, **env}.items():
            monkeypatch.setenv(variable, value)
        get_settings.cache_clear()
        try:
            return _run(monkeypatch, capsys, *args)
        finally:
            get_settings.cache_clear()

    code, _out, err = in_process("score", "--as-of", "2026-13-01", env={"LANG": "nl_NL.UTF-8"})
    assert (code, err) == (2, nl.stderr)  # the same in-process as in a process of its own
    code, _out, err = in_process("score", "--as-of", "2026-13-01", env={"LANG": "en_US.UTF-8"})
    assert code == 2
    assert err == "error: --as-of: '2026-13-01' is not a date like 2026-11-01\n"
    # The setting beats LANG; --lang beats both; an unknown --lang is a one-line error.
    _code, _out, err = in_process(
        "score", "--as-of", "x", env={"LANG": "en_US.UTF-8", "VALUECENTER_LANGUAGE": "nl"}
    )
    assert err.startswith("fout: --as-of: 'x' is geen datum")
    _code, _out, err = in_process(
        "--lang", "en", "score", "--as-of", "x", env={"VALUECENTER_LANGUAGE": "nl"}
    )
    assert err.startswith("error: --as-of: 'x' is not a date")
    code, _out, err = in_process("--lang", "fr", "version", env={})
    assert (code, err) == (2, "error: --lang: 'fr' is not one of en, nl\n")


def test_import_progress_and_summary_in_dutch_and_english(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = "".join(f"C{k},Klant {k},b2b\n" for k in range(1234))
    nl_file = tmp_path / "klanten.csv"
    nl_file.write_text("customer_id,name,kind\n" + rows, encoding="utf-8")
    code, out, err = _run(monkeypatch, capsys, "--lang", "nl", "import", "customers", str(nl_file))
    assert code == 0, err
    progress = err.splitlines()
    assert progress[0].startswith("import: customers laden: 1.234 regels… · ")
    assert any(line.startswith("import: customers geladen: 1.234 regels · ") for line in progress)
    assert progress[-1].startswith("import: vastleggen… · ")
    assert re.fullmatch(r"import: vastleggen… · \d+,\d s", progress[-1])  # decimal comma
    summary = out.strip()
    assert summary.startswith(
        "customers: gelezen 1.234 · toegevoegd 1.234 · bijgewerkt 0 · ongewijzigd 0 · "
        "afgewezen 0 · "
    )
    assert summary.endswith(" s")
    assert "," in summary.rsplit("·", 1)[1]
    assert current_locale() == "en"  # the command's language ended with it

    code, out, err = _run(monkeypatch, capsys, "--lang", "en", "import", "customers", str(nl_file))
    assert code == 0, err
    progress = err.splitlines()
    assert progress[0].startswith("import: loading customers: 1,234 rows… · ")
    assert re.fullmatch(r"import: committing… · \d+\.\d s", progress[-1])
    assert out.startswith(
        "customers: read 1,234 · inserted 0 · updated 0 · unchanged 1,234 · rejected 0 · "
    )

    # --json is the same whatever the language: keys and codes, plain numbers.
    code, out, _err = _run(
        monkeypatch, capsys, "--lang", "nl", "import", "customers", str(nl_file), "--json"
    )
    assert code == 0
    figures = json.loads(out)
    assert (figures["entity"], figures["read"], figures["unchanged"]) == ("customers", 1234, 1234)


def test_an_error_of_a_domain_in_dutch(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A service's InvalidInput reaches the user in the command's language."""
    code, _out, err = _run(monkeypatch, capsys, "--lang", "nl", "alerts", "run")
    assert code == 2
    assert err == "fout: score: nog geen scoreronde; draai eerst `valuecenter score`\n"
    code, _out, err = _run(monkeypatch, capsys, "--lang", "en", "alerts", "run")
    assert code == 2
    assert err == "error: score: no score run yet; run `valuecenter score` first\n"


def test_demo_stats_numbers_by_locale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("demo", "stats", "--preset", "wholesale", "--customers", "1500", "--seed", "1")
    code, out, err = _run(monkeypatch, capsys, "--lang", "nl", *args)
    assert code == 0, err
    lines = _labelled(out)
    assert lines["klanten"].split()[0] == "1.500"
    assert "(ingesteld: 0,14)" in lines["omzetaandeel top 1%"]
    assert lines["omzetaandeel top 1%"].split()[0].startswith("0,")
    assert "jaarlijks verloop" in lines
    code, out, err = _run(monkeypatch, capsys, "--lang", "en", *args)
    assert code == 0, err
    lines = _labelled(out)
    assert lines["customers"].split()[0] == "1,500"
    assert "(seeds: 0.14)" in lines["top 1% revenue share"]
    assert "yearly churn" in lines


def _labelled(out: str) -> dict[str, str]:
    """``demo stats``' lines by their label (the words before the first run of spaces)."""
    pairs = (re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.splitlines())
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


def test_a_reason_is_stored_with_its_figures_and_read_in_the_readers_language() -> None:
    stored = reason(
        "revenue-down",
        {"window": 90, "revenue_cents": 123_456, "share": 0.4, "usual_cents": 308_640},
    )
    assert stored["text"] == "Revenue of the last 90 days €1,235 is 40% of his usual €3,086"
    with use_locale("nl"):
        assert reason_text(stored) == (
            "Omzet van de laatste 90 dagen € 1.235 is 40% van zijn gebruikelijke € 3.086"
        )
        # A reason stored before reasons had figures keeps its sentence; an unknown code its
        # sentence too; the API shape is unchanged (code and text).
        old = {"code": "overdue", "text": "No order for 40 days"}
        assert reason_text(old) == "No order for 40 days"
        shown = reasons_of([stored, old, {"code": "custservcalls", "text": "calls = 5"}])
        assert [r.code for r in shown] == ["revenue-down", "overdue", "custservcalls"]
        assert shown[2].text == "calls = 5"
    with use_locale("en"):
        assert reason_text(stored) == stored["text"]
