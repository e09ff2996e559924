"""The ``messages`` catalogue (the Python code's strings) is complete and current in Dutch.

Extraction is the one of ``make i18n`` (Babel over ``src/valuecenter/**.py`` with the keywords
``_``, ``gettext``, ``ngettext:1,2`` and ``lazy_gettext``): every id it finds has a non-empty,
non-fuzzy Dutch translation with the same placeholders, and the catalogue holds no id the code
no longer uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from valuecenter.i18n import _, ngettext, po_path, translations, use_locale

REPO = Path(__file__).resolve().parents[1]
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")

MsgId = str | tuple[str, ...]


def _extracted() -> dict[MsgId, str]:
    """Every message id in the Python code, with the first place it occurs."""
    found: dict[MsgId, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(REPO),
        method_map=[("src/valuecenter/**.py", "python")],
        keywords=KEYWORDS,
    ):
        key: MsgId = message if isinstance(message, str) else tuple(m for m in message if m)
        found.setdefault(key, f"{filename}:{lineno}")
    return found


def _catalog() -> Catalog:
    with po_path("nl", "messages").open("rb") as handle:
        return read_po(handle, locale="nl", domain="messages")


def _key(message: Message) -> MsgId:
    return message.id if isinstance(message.id, str) else tuple(message.id)


@pytest.fixture(scope="module")
def extracted() -> dict[MsgId, str]:
    return _extracted()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return _catalog()


def test_every_python_string_has_a_dutch_translation(
    extracted: dict[MsgId, str], catalog: Catalog
) -> None:
    translated = {_key(m): m for m in catalog if m.id}
    missing = [f"{where}: {key!r}" for key, where in extracted.items() if key not in translated]
    empty = [
        f"{extracted[key]}: {key!r}"
        for key, message in translated.items()
        if key in extracted
        and (
            not message.string or (not isinstance(message.string, str) and not all(message.string))
        )
    ]
    fuzzy = [repr(key) for key, message in translated.items() if message.fuzzy]
    assert not missing, "not in messages.po (run the pybabel commands of make i18n):\n" + "\n".join(
        missing
    )
    assert not empty, "no Dutch translation:\n" + "\n".join(empty)
    assert not fuzzy, "fuzzy entries in messages.po:\n" + "\n".join(fuzzy)


def test_the_catalogue_holds_no_stale_ids(extracted: dict[MsgId, str], catalog: Catalog) -> None:
    stale = [repr(_key(m)) for m in catalog if m.id and _key(m) not in extracted]
    assert not stale, "ids the code no longer uses:\n" + "\n".join(stale)
    assert not list(catalog.obsolete), "obsolete (#~) entries in messages.po"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set().union(*(set(PLACEHOLDER.findall(i)) for i in ids))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{message.id!r} → {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_catalogue_is_the_one_gettext_reads() -> None:
    translations.cache_clear()
    with use_locale("nl"):
        assert _("out of memory") == "onvoldoende geheugen"
        assert ngettext("%(num)s customer", "%(num)s customers", 1) == "1 klant"
        assert ngettext("%(num)s customer", "%(num)s customers", 3) == "3 klanten"
    with use_locale("en"):
        assert _("out of memory") == "out of memory"


def test_every_message_with_placeholders_formats_in_both_languages(catalog: Catalog) -> None:
    """A stray '%' beside %(name)s placeholders (write '%%') would fail only when shown."""
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in [*ids, *strings]:
            names = set(PLACEHOLDER.findall(text))
            if not names:
                continue
            try:
                text % dict.fromkeys(names, 1)
            except (ValueError, TypeError, KeyError) as exc:
                broken.append(f"{text!r}: {exc}")
    assert not broken, "\n".join(broken)


def test_no_translation_call_hides_in_an_f_string() -> None:
    """Babel does not look inside f-strings: ``f"{_('yes')}"`` would never reach the catalogue."""
    hidden = re.compile(r"""f["'][^"']*\{\s*(_|gettext|ngettext|lazy_gettext)\(""")
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "src" / "valuecenter").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if hidden.search(line)
    ]
    assert not found, "\n".join(found)
