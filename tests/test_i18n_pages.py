"""The pages in Dutch and English (issue 16, part 3): the ``pages`` catalogue is complete and
current, each request gets its language (the user's setting, else ``Accept-Language``, else
``VALUECENTER_DEFAULT_LANGUAGE``), and numbers, money, dates and form amounts follow it.

The catalogue test extracts the templates' strings itself, with Babel's Jinja2 extractor and
the options of ``babel-pages.cfg`` (the ones ``make i18n`` uses), so a string added to a
template without a Dutch translation fails here, as does a stale or fuzzy entry in
``pages.po``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from configparser import ConfigParser
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import World, csrf_from, login, make_client
from valuecenter import i18n
from valuecenter.i18n import parse_decimal, po_path, use_locale
from valuecenter.offers import catalogue
from valuecenter.offers.models import Action
from valuecenter.users.models import User
from valuecenter.web.locale import request_locale
from valuecenter.web.templating import chart_config, day, grouped, money, money_short, stamp

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NL = {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _template_messages() -> dict[str | tuple[str, ...], int]:
    """Every message id of the templates, extracted as ``make i18n`` does (babel-pages.cfg)."""
    config = ConfigParser()
    config.read(ROOT / "babel-pages.cfg")
    (section,) = [s for s in config.sections() if s.startswith("jinja2:")]
    pattern = section.split(":", 1)[1].strip()
    options = dict(config[section])
    found: dict[str | tuple[str, ...], int] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map=[(pattern, "jinja2")], options_map={pattern: options}
    ):
        key = message if isinstance(message, str) else tuple(m for m in message if m)
        found[key] = found.get(key, 0) + 1
    return found


def _pages_po() -> Catalog:
    with po_path("nl", "pages").open("rb") as handle:
        return read_po(handle, locale="nl", domain="pages")


def _done(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A translation with every form filled in."""
    forms = [string] if isinstance(string, str) or string is None else list(string)
    return all(form and form.strip() for form in forms)


def test_every_template_string_has_a_dutch_translation_and_pages_po_is_current() -> None:
    extracted = _template_messages()
    assert len(extracted) > 400  # the extraction reached the templates
    po = _pages_po()
    entries = {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in po if m.id}
    untranslated = [
        key for key in extracted if key not in entries or not _done(entries[key].string)
    ]
    assert not untranslated, f"template strings without a Dutch translation: {untranslated[:10]}"
    stale = sorted(str(key) for key in entries if key not in extracted)
    assert not stale, f"pages.po has entries no template uses (run make i18n): {stale[:10]}"
    fuzzy = [str(m.id) for m in po if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in pages.po: {fuzzy[:10]}"
    assert not list(po.obsolete), "obsolete entries in pages.po (run make i18n)"
    for key, entry in entries.items():
        ids = [key] if isinstance(key, str) else list(key)
        strings = [entry.string] if isinstance(key, str) else list(entry.string)
        wanted = {name for text in ids for name in PLACEHOLDER.findall(text)}
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted, (key, text)
            # a lone % would break Jinja's newstyle formatting of the translation
            assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), (key, text)


TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TEXT_ATTRIBUTES = frozenset(
    {"title", "aria-label", "placeholder", "alt"}
    | {"data-title", "data-detail", "data-offline-title", "data-offline-detail"}
)
NOT_WORDS = {
    "*": {
        "valuecenter",
        "NL",
        "EN",
        "CLV",
        "CSV",
        "RFM",
        "NPS",
        "P(alive)",
        "Nederlands",
        "English",
    },
    "login.html": {"center"},  # the main_class block: a CSS class
    "offers/action_form.html": {"aria-describedby", "aria-invalid", "true"},  # attrs in a macro
}


class _Words(HTMLParser):
    """The words a reader sees in a template once its Jinja parts and trans blocks are gone:
    text outside scripts, styles and icons, and the attributes a screen reader or a tooltip
    shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style", "svg")
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value:
                self._add(value)

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style", "svg")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._add(data)

    def _add(self, text: str) -> None:
        self.words += re.findall(r"[A-Za-z][A-Za-z()'’-]+", text)


def test_no_template_has_words_outside_gettext() -> None:
    """A sentence written into a template without ``{% trans %}``/``_()`` is never
    extracted, so the catalogue test cannot see it: this test does."""
    templates = ROOT / "src" / "valuecenter" / "web" / "templates"
    unmarked = {}
    for path in sorted(templates.rglob("*.html")):
        name = path.relative_to(templates).as_posix()
        parser = _Words()
        parser.feed(JINJA.sub("§", TRANS_BLOCK.sub("§", path.read_text())))
        allowed = NOT_WORDS["*"] | NOT_WORDS.get(name, set())
        words = [w for w in parser.words if w not in allowed]
        if words:
            unmarked[name] = words[:8]
    assert not unmarked, f"words outside gettext in templates: {unmarked}"


def test_accept_language_and_the_users_setting_choose_the_language() -> None:
    assert request_locale(None, "nl-BE,nl;q=0.9,en;q=0.5", "en") == "nl"
    assert request_locale(None, "de-CH,de;q=0.9,en;q=0.8", "nl") == "en"  # no German yet
    assert request_locale(None, "de-CH,de;q=0.9", "nl") == "nl"  # nothing we speak: default
    assert request_locale(None, None, "en") == "en"
    assert request_locale({"lang": "nl"}, "en-US,en", "en") == "nl"  # the user's own choice
    assert request_locale({"lang": "fr"}, "en-US,en", "nl") == "en"  # a stale value is ignored
    assert request_locale({"uid": 1}, "nl;q=0.2,en;q=0.1", "en") == "nl"


def test_numbers_money_and_dates_follow_the_locale() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    with use_locale("nl"):
        assert money(123456) == "€ 1.234,56"
        assert money(-1250) == "€ -12,50"
        assert money_short(123456) == "€ 1.235"
        assert grouped(1234567) == "1.234.567"
        assert day(date(2026, 3, 2)) == "2 mrt 2026"
        assert stamp(moment, amsterdam) == "3 mrt 2026 00:30"  # the day in Amsterdam
        chart_locale = chart_config()["locale"]
        assert isinstance(chart_locale, dict)
        assert chart_locale["number"] == {
            "decimal": ",",
            "thousands": ".",
            "grouping": [3],
            "currency": ["€ ", ""],
            "percent": "%",
            "minus": "-",
        }
        # d3's time locale: Dutch names, Sunday first (d3's week), month names without a dot
        assert chart_locale["time"]["shortDays"] == ["zo", "ma", "di", "wo", "do", "vr", "za"]
        assert chart_locale["time"]["shortMonths"][2] == "mrt"
        assert chart_locale["time"]["months"][9] == "oktober"
    with use_locale("en"):
        assert money(123456) == "€1,234.56"
        assert money(-1250) == "-€12.50"
        assert money_short(123456) == "€1,235"
        assert grouped(1234567) == "1,234,567"
        assert day(date(2026, 3, 2)) == "2 Mar 2026"  # euro-area English, not American
        assert stamp(moment, amsterdam) == "3 Mar 2026 00:30"
        english = chart_config()["locale"]
        assert isinstance(english, dict)
        assert english["time"]["shortDays"][1] == "Mon"


@pytest.mark.parametrize(
    ("locale", "typed", "value"),
    [
        ("nl", "45,00", Decimal("45.00")),
        ("nl", "1.234,56", Decimal("1234.56")),
        ("nl", "45.00", Decimal("45.00")),  # a plain decimal point still works
        ("en", "45.00", Decimal("45.00")),
        ("en", "1,234.56", Decimal("1234.56")),
        ("en", " 7 ", Decimal("7")),
        ("en", "0,8", Decimal("0.8")),  # one comma and no dot: a decimal comma anywhere
    ],
)
def test_amounts_are_read_in_the_locale(locale: str, typed: str, value: Decimal) -> None:
    with use_locale(locale):
        assert parse_decimal(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3.4.5", "NaN", "Infinity"])
def test_a_wrong_amount_names_the_text(typed: str) -> None:
    with use_locale("nl"), pytest.raises(ValueError, match="is not a number"):
        parse_decimal(typed)


# ------------------------------------------------------------------------- the pages


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def test_the_page_speaks_the_browsers_language(client: TestClient, world: World) -> None:
    login(client, "manager")
    dutch = client.get(f"/customers/{world.own.id}", headers=NL).text
    assert '<html lang="nl">' in dutch
    assert "Klantwaarde" in dutch
    assert "Omzet, laatste 12 maanden" in dutch
    assert "€ 2.033,50" in dutch  # the fixture's revenue, Dutch style
    assert "tijden in Europe/Amsterdam" in dutch
    english = client.get(f"/customers/{world.own.id}", headers=EN).text
    assert '<html lang="en">' in english
    assert "Customer value" in english
    assert "Revenue, last 12 months" in english
    assert "€2,033.50" in english


def test_the_default_language_is_a_setting(db_url: str, world: World) -> None:
    with make_client(db_url, default_language="nl") as c:
        page = c.get("/login", headers={"Accept-Language": "fr-FR,fr"}).text
        assert '<html lang="nl">' in page
        assert "Inloggen" in page
        assert "Wachtwoord" in page
        assert "Log in" in c.get("/login", headers=EN).text  # the browser still wins


def test_the_users_choice_wins_and_is_kept(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    login(client, "agent")
    page = client.get("/customers", headers=EN).text
    token = csrf_from(page)
    assert 'name="language" value="nl"' in page  # the switch in the navigation
    refused = client.post("/language", data={"language": "nl", "next": "/customers"}, headers=EN)
    assert refused.status_code == 403  # no CSRF token
    chosen = client.post(
        "/language",
        data={"language": "nl", "next": "/customers?q=bak", "csrf_token": token},
        headers=EN,
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/customers?q=bak"
    with sessions() as session:
        assert session.scalars(select(User.language).where(User.username == "agent")).one() == "nl"
    # An English browser now gets Dutch pages, and so does the next login.
    assert "Klanten zoeken" in client.get("/customers", headers=EN).text
    client.cookies.clear()
    login(client, "agent")
    assert '<html lang="nl">' in client.get("/customers", headers=EN).text
    # Unknown languages are refused with the field named; open redirects are not followed.
    token = csrf_from(client.get("/customers").text)
    wrong = client.post("/language", data={"language": "xx", "csrf_token": token}, headers=EN)
    assert wrong.status_code == 422
    assert "language" in wrong.text
    away = client.post(
        "/language",
        data={"language": "en", "next": "https://evil.example/", "csrf_token": token},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/customers"
    assert '<html lang="en">' in client.get("/customers", headers=NL).text


def test_error_pages_and_api_errors_follow_the_language(client: TestClient, world: World) -> None:
    login(client, "agent")
    missing = client.get("/no-such-page", headers=NL)
    assert missing.status_code == 404
    assert '<h1 class="error-title">Niet gevonden</h1>' in missing.text
    assert '<h1 class="error-title">Not found</h1>' in client.get("/no-such-page", headers=EN).text
    api = client.get("/api/v1/no-such-resource", headers=NL)
    assert api.status_code == 404
    assert api.json() == {"error": "not_found", "detail": "deze pagina of dit gegeven bestaat niet"}
    english = client.get("/api/v1/no-such-resource", headers=EN).json()
    assert english["detail"] == "no such page or resource"


def test_form_amounts_are_shown_and_read_in_the_locale(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        catalogue.import_catalogue(
            session,
            {
                "actions": [
                    {"code": "toner", "name": "Toner", "kind": "offer", "value": 1234.5,
                     "cost": 2, "prior_accept": 0.05},
                ],
                "levers": [
                    {"code": "wait", "name": "Waiting", "kinds": ["offer"],
                     "min_wait_seconds": 300, "weight": 0.75},
                ],
            },
        )  # fmt: skip
        session.commit()
    login(client, "manager")
    edit = client.get("/offers/actions/toner", headers=NL).text
    assert 'name="value" type="text" value="1234,50"' in edit
    assert 'name="prior_accept" type="text" value="0,05"' in edit
    assert 'value="0,75"' in client.get("/offers", headers=NL).text  # the lever's weight
    blank = client.get("/offers/actions/new", headers=NL).text
    assert 'name="value" type="text" value="0,00"' in blank
    assert 'name="prior_accept" type="text" value="0,05"' in blank
    assert (
        'name="value" type="text" value="1234.50"'
        in client.get("/offers/actions/toner", headers=EN).text
    )
    form = {
        "name": "Toner",
        "kind": "offer",
        "value": "1.250,75",
        "cost": "2,5",
        "contact_cost": "0,00",
        "prior_accept": "0,1",
        "conversion_days": "30",
        "repeat_after_days": "365",
        "active": "on",
        "csrf_token": csrf_from(edit),
    }
    saved = client.post("/offers/actions/toner", data=form, headers=NL, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with sessions() as session:
        action = session.scalars(select(Action).where(Action.code == "toner")).one()
        assert (action.value_cents, action.cost_cents, action.prior_accept) == (125075, 250, 0.1)
    listed = client.get("/offers", headers=NL).text
    assert "€ 1.250,75" in listed


def test_a_request_does_not_leak_its_language_into_the_next(client: TestClient) -> None:
    assert '<html lang="nl">' in client.get("/login", headers=NL).text
    assert '<html lang="en">' in client.get("/login").text
    assert i18n.DEFAULT_LOCALE == "en"


def test_every_page_handler_string_has_a_dutch_translation() -> None:
    """The strings of web/ computed in Python (labels, titles, notices, chart titles) live in the
    ``messages`` catalogue; each has its Dutch there."""
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    with po_path("nl", "messages").open("rb") as handle:
        po = read_po(handle, locale="nl", domain="messages")
    missing = []
    web = ROOT / "src" / "valuecenter" / "web"
    for _file, _line, message, *_ in extract_from_dir(
        web, method_map=[("**.py", "python")], keywords=keywords
    ):
        key = message if isinstance(message, str) else tuple(message)
        entry = po.get(key if isinstance(key, str) else key[0])
        if entry is None or not _done(entry.string):
            missing.append(key)
    assert not missing, f"web strings without Dutch in messages.po: {missing[:10]}"
