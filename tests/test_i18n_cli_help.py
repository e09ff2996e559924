"""``--help`` and usage errors in Dutch and English: every help text of every command has a Dutch
translation, ``valuecenter --help`` and a sub-command's ``--help`` follow the CLI's language rule,
and so do Click's usage errors ("No such option", "Missing option", "Invalid value")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer
import typer.rich_utils
import typer.testing
from babel.messages.pofile import read_po
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from valuecenter.cli.help_text import HELP_OPTION, RICH_LABELS, USAGE_PREFIX, language_of
from valuecenter.cli.main import app, command, main
from valuecenter.cli.usage_errors import translated
from valuecenter.i18n import po_path, use_locale
from valuecenter.settings import get_settings


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No language setting and no shell locale: each test sets the one it means. Typer's Rich
    labels are module constants; they are put back afterwards."""
    labels = {name: getattr(typer.rich_utils, name) for name in RICH_LABELS}
    for variable in ("VALUECENTER_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    for name, value in labels.items():
        setattr(typer.rich_utils, name, value)


def _invoke(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> Result:
    """``valuecenter ARGS`` through Typer's runner, as :func:`main` builds the command (the
    runner builds a plain one from the app)."""
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command(args))
    return CliRunner().invoke(app, args, prog_name="valuecenter")


def _help_texts(cmd: Any, path: str = "valuecenter") -> Iterator[tuple[str, str]]:
    for text in (cmd.help, cmd.short_help):
        if text:
            yield path, text
    for param in cmd.params:
        if getattr(param, "help", None):
            yield f"{path} {param.name}", param.help
    if isinstance(cmd, TyperGroup):
        for name, sub in cmd.commands.items():
            yield from _help_texts(sub, f"{path} {name}")


def test_every_help_text_has_a_dutch_translation() -> None:
    with po_path("nl", "messages").open("rb") as handle:
        catalog = read_po(handle, locale="nl", domain="messages")
    built = typer.main.get_command(app)  # the texts as declared, before any translation
    texts = list(_help_texts(built))
    assert len(texts) > 150  # every command, argument and option of the CLI
    chrome = [("typer", t) for t in (*RICH_LABELS.values(), USAGE_PREFIX, HELP_OPTION)]
    missing = [
        f"{where}: {text!r}"
        for where, text in [*texts, *chrome]
        if catalog.get(text) is None or not catalog[text].string
    ]
    assert not missing, "help without a Dutch translation:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("environ", "expected", "absent"),
    [
        (
            {"LANG": "nl_NL.UTF-8"},
            ["Gebruik: valuecenter", "de klantenservice als winstcentrum", "Opdrachten", "Opties"],
            ["Commands", "Show this message"],
        ),
        (
            {"LC_ALL": "C", "LANG": "nl_NL.UTF-8"},
            ["Usage: valuecenter", "the customer-service department", "Commands", "Options"],
            ["Opdrachten", "winstcentrum"],
        ),
    ],
)
def test_the_main_help_follows_the_shell_locale(
    shell: pytest.MonkeyPatch, environ: dict[str, str], expected: list[str], absent: list[str]
) -> None:
    for variable, value in environ.items():
        shell.setenv(variable, value)
    result = _invoke(shell, ["--help"])
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output
    for text in absent:
        assert text not in result.output


def test_a_sub_command_help_in_dutch_and_in_english(shell: pytest.MonkeyPatch) -> None:
    shell.setenv("LANG", "nl_NL.UTF-8")
    dutch = _invoke(shell, ["import", "--help"])
    assert dutch.exit_code == 0, dutch.output
    for text in (
        "Gebruik: valuecenter import",
        "Importeer regels van ENTITY uit FILE",  # the command's help
        "Wat het bestand bevat: agents, customers",  # an argument's, with its list filled in
        "Maak onbekende klanten aan",  # an option's
        "[verplicht]",
        "[standaard: UTC]",
        "Toon deze hulp en stop.",
        "Argumenten",
    ):
        assert text in dutch.output
    shell.setenv("LC_ALL", "C")
    english = _invoke(shell, ["import", "--help"])
    for text in (
        "Usage: valuecenter import",
        "Import ENTITY rows from FILE",
        "What the file holds: agents, customers",
        "Create unknown customers instead of rejecting rows.",
        "[required]",
        "[default: UTC]",
        "Show this message and exit.",
        "Arguments",
    ):
        assert text in english.output
    assert "Importeer" not in english.output


def test_the_lang_option_decides_before_the_help_is_printed(
    shell: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("LC_ALL", "C")
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "nl", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "Gebruik: valuecenter" in out
    assert "Toon deze hulp en stop." in out
    shell.setenv("LANG", "nl_NL.UTF-8")
    shell.delenv("LC_ALL")
    with pytest.raises(SystemExit):
        main(["--lang=en", "churn", "evaluate", "--help"])
    out = capsys.readouterr().out
    assert "Cross-validate the churn model" in out
    assert "Kruisvalideer" not in out


def test_the_lang_option_is_read_from_the_raw_arguments() -> None:
    assert language_of(["--lang", "nl", "import", "--help"]) == "nl"
    assert language_of(["--lang=en", "score"]) == "en"
    assert language_of(["score", "--", "--lang", "nl"]) is None
    assert language_of(["--help"]) is None


@pytest.mark.parametrize(
    ("args", "dutch", "english"),
    [
        (
            ["score", "--as-o", "2026-01-01"],
            "Onbekende optie: --as-o (mogelijke opties: --as-of, --json)",
            "No such option: --as-o (Possible options: --as-of, --json)",
        ),
        (
            ["retention", "desk", "open", "--since", "2026-10-01"],
            "Optie '--until' ontbreekt.",
            "Missing option '--until'.",
        ),
        (
            ["churn", "evaluate", "--data", "x", "--target", "t", "--id-col", "i", "--folds", "1"],
            "Ongeldige waarde voor '--folds': De invoer moet groter dan of gelijk aan 2 zijn",
            "Invalid value for '--folds': Input should be greater than or equal to 2",
        ),
        (["scor"], "Onbekende opdracht 'scor'. Bedoelde u 'score'?", None),
        (["score", "extra"], "Onverwacht(e) extra argument(en) (extra)", None),
    ],
)
def test_usage_errors_follow_the_language(
    shell: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    dutch: str,
    english: str | None,
) -> None:
    for lang, expected in (("nl", dutch), ("en", english)):
        if expected is None:
            continue
        with pytest.raises(SystemExit) as exit_:
            main(["--lang", lang, *args, "--json"])
        assert exit_.value.code == 2
        assert json.loads(capsys.readouterr().out) == {"error": "usage", "detail": expected}


def test_a_usage_error_on_a_terminal_is_a_dutch_panel(
    shell: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("LANG", "nl_NL.UTF-8")
    with pytest.raises(SystemExit) as exit_:
        main(["scor"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    for text in ("Gebruik: valuecenter", "Probeer 'valuecenter --help' voor hulp.", "Fout"):
        assert text in err
    assert "Onbekende opdracht 'scor'. Bedoelde u 'score'?" in err


def test_an_unknown_phrase_stays_english_and_the_rest_is_translated() -> None:
    with use_locale("nl"):
        assert translated("Invalid value for '--x': Path 'a' does not exist.") == (
            "Ongeldige waarde voor '--x': Path 'a' does not exist."
        )
