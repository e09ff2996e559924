"""The analytics core's errors reach the user in Dutch and English.

The core raises :class:`InputError` with an English message id marked ``N_()`` and its
parameters, and never looks at a language; the front doors show ``translated()``. Checked for
the whole family (every raise in ``analytics/`` is a marked id with a Dutch translation that
keeps the field the message names first), for the value models' fit as the score run reports
it, and for a file command's error as the CLI prints it.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from valuecenter.analytics.clv import fit_gamma_gamma
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.purchases import PurchaseSummary
from valuecenter.cli.main import main
from valuecenter.errors import InvalidInput
from valuecenter.i18n import po_path, use_locale
from valuecenter.value.figures import fit_value_models

ANALYTICS = Path(__file__).resolve().parents[1] / "src" / "valuecenter" / "analytics"


def _raises() -> list[tuple[str, ast.Call]]:
    """Every ``InputError(…)`` call in the analytics core, with where it is."""
    found = []
    for path in sorted(ANALYTICS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "InputError"
            ):
                found.append((f"{path.relative_to(ANALYTICS)}:{node.lineno}", node))
    return found


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with po_path("nl", "messages").open("rb") as handle:
        return read_po(handle, locale="nl", domain="messages")


def test_every_analytics_error_is_a_marked_id_with_a_dutch_translation_that_keeps_its_field(
    catalog: Catalog,
) -> None:
    raises = _raises()
    assert len(raises) > 150
    unmarked, untranslated, moved = [], [], []
    for where, call in raises:
        first = call.args[0] if call.args else None
        if not (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Name)
            and first.func.id == "N_"
            and isinstance(first.args[0], ast.Constant)
        ):
            unmarked.append(where)
            continue
        message_id = first.args[0].value
        entry = catalog.get(message_id)
        if entry is None or not entry.string:
            untranslated.append(f"{where}: {message_id!r}")
            continue
        field, sep, _rest = message_id.partition(": ")
        if sep and not str(entry.string).startswith(f"{field}: "):
            moved.append(f"{where}: {message_id!r} → {entry.string!r}")
    assert not unmarked, "InputError without an N_() message id:\n" + "\n".join(unmarked)
    assert not untranslated, "no Dutch translation:\n" + "\n".join(untranslated)
    assert not moved, "the translation must start with the same field:\n" + "\n".join(moved)


def test_an_error_is_english_text_and_translated_where_it_is_shown() -> None:
    with pytest.raises(InputError) as raised:
        fit_gamma_gamma(np.array([2.0, 1.0]), np.array([0.0, 12.0]))
    error = raised.value
    assert str(error) == "monetary: needs values > 0 for every repeat buyer"
    assert error.field == "monetary"
    with use_locale("nl"):
        assert error.translated() == "monetary: vraagt waarden > 0 voor elke herhaalkoper"
        assert str(error) == "monetary: needs values > 0 for every repeat buyer"  # the core's
    with use_locale("en"):
        assert error.translated() == "monetary: needs values > 0 for every repeat buyer"
    with use_locale("nl"):
        params = InputError("k: %(k)s is not a share in (0, 1]", k="1.5")
        assert params.translated() == "k: 1.5 is geen aandeel in (0, 1]"
        assert str(params) == "k: 1.5 is not a share in (0, 1]"


def _no_repeat_buyers() -> PurchaseSummary:
    ones = np.ones(3, dtype=np.int64)
    days = np.array([20_000, 20_010, 20_020], dtype=np.int64)
    cents = np.array([1_000, 2_000, 500], dtype=np.int64)
    return PurchaseSummary(
        as_of=date(2025, 1, 1),
        customer_id=np.array([1, 2, 3], dtype=np.int64),
        periods=ones,
        first_day=days,
        last_day=days,
        total_cents=cents,
        first_cents=cents,
        recent_cents=cents,
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "nl",
            "orders: de waardemodellen zijn niet te schatten: frequency: geen herhaalkopers om "
            "het Gamma-Gamma-model op te schatten",
        ),
        (
            "en",
            "orders: the value models cannot be fitted: frequency: no repeat buyers to fit the "
            "Gamma-Gamma model on",
        ),
    ],
)
def test_the_value_models_fit_error_of_a_score_run(locale: str, expected: str) -> None:
    with use_locale(locale), pytest.raises(InvalidInput) as raised:
        fit_value_models(_no_repeat_buyers())
    assert str(raised.value) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            "fout: --target: regel 4: 'maybe' is een derde waarde in kolom 'left' (de eerste "
            "twee: 'yes', 'no'); een opzeguitkomst heeft twee klassen",
        ),
        (
            "en",
            "error: --target: line 4: 'maybe' is a third value in column 'left' (the first "
            "two: 'yes', 'no'); a churn target has two classes",
        ),
    ],
)
def test_a_file_command_prints_the_analytics_error_in_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: str
) -> None:
    data = tmp_path / "customers.csv"
    data.write_text("id,calls,left\n1,3,yes\n2,1,no\n3,2,maybe\n4,5,yes\n", encoding="utf-8")
    args = ["--lang", lang, "churn", "evaluate", "--data", str(data), "--target", "left"]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--id-col", "id"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == expected


def test_the_ledger_reasons_are_english_lines_shown_in_the_language() -> None:
    from valuecenter.analytics.ledger import save_ledger
    from valuecenter.analytics.message import shown
    from valuecenter.retention.desk.schemas import Interval

    no_control = save_ledger([1, 0, 1], [10.0, 0.0, 5.0], [], [])
    reason = no_control.incremental_saves.reason
    assert reason == "no control case in the period: nothing to compare with"  # the core's
    same = save_ledger([1] * 30, [10.0] * 30, [0] * 30, [0.0] * 30)
    spread = same.incremental_saves.reason
    assert spread == ("every control case has the same outcome (0): its spread cannot be estimated")
    with use_locale("nl"):
        assert shown(reason) == "geen controledossier in de periode: niets om mee te vergelijken"
        assert shown(spread) == (
            "elk dossier van controle heeft dezelfde uitkomst (0): de spreiding is niet te schatten"
        )
        assert Interval.of(no_control.incremental_saves, 1).reason == shown(reason)
    with use_locale("en"):
        assert Interval.of(no_control.incremental_saves, 1).reason == reason
    assert shown("plain text") == "plain text"
