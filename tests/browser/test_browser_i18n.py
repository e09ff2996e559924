"""Every page in Dutch and in English, in Debian's Chromium (issue 16, part 3).

One demo company — the retention browser test's telecom world (a score run, six months of the
save desk, open desk cases, a renewal list) plus an alert run and the demo's offer catalogue —
is visited page by page twice by a manager:

- with a Dutch browser (``Accept-Language: nl-NL``) and no setting of his own: Dutch words,
  ``<html lang="nl">``, Dutch numbers ("€ 1.234,56", "3.000", "12,5%", "2 mrt 2026");
- with the same Dutch browser but his own setting English (``users.language``): the setting
  wins, so English words and euro-area English numbers ("€1,234.56", "3,000", "12.5%").

At the end he switches to Dutch with the switch in the navigation. Screenshots of a few pages in
both languages go to test-artifacts/ for a human look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, require_chromium, serve
from tests.browser.test_browser_retention import COMMANDS
from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.offers import catalogue
from valuecenter.settings import get_settings
from valuecenter.users.models import Role
from valuecenter.users.service import create_user, set_language

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class Lang:
    code: str
    money: re.Pattern[str]  # an amount with cents, e.g. on the customer 360
    whole: re.Pattern[str]  # a key-figure amount, whole euros
    share: re.Pattern[str]  # a percentage with one decimal
    words: dict[str, tuple[str, ...]]  # page → words of that language on it


NL = Lang(
    code="nl",
    money=re.compile(r"€ -?\d{1,3}(\.\d{3})*,\d\d\b"),
    whole=re.compile(r"€ -?\d{1,3}(\.\d{3})+\b"),
    share=re.compile(r"\b\d{1,2},\d%"),
    words={
        "/customers": ("Klanten", "Klanten zoeken", "Accountmanager"),
        "360": ("Klantwaarde", "Omzet, laatste 12 maanden", "Tijdlijn", "Beste volgende actie"),
        "/value": ("Klantwaarde", "Waardesegmenten", "Lorenzcurve", "van de klanten"),
        "/alerts": ("Signalen", "open signalen", "in gevaar", "Voorgestelde actie"),
        "/alerts/precision": ("Precisie van de signalen", "Hoe een signaal wordt geteld"),
        "/retention/desk": ("Behouddesk", "Voorgesteld aanbod", "Zaak sluiten"),
        "/retention/renewals": ("Verlengingslijst", "Contract loopt af", "Verwachte extra"),
        "/retention/ledger": ("Overzicht behoudwaarde", "Bruto behoudwaarde", "Behoudpercentage"),
        "/offers": ("Aanbiedingen en beste volgende acties", "Hefbomen", "Contactbeleid"),
        "/offers/actions/new": ("Nieuwe actie", "Wat het oplevert en kost", "Actie aanmaken"),
        "/no-such-page": ("Niet gevonden", "Terug naar klanten"),
    },
)
EN = Lang(
    code="en",
    money=re.compile(r"-?€\d{1,3}(,\d{3})*\.\d\d\b"),
    whole=re.compile(r"-?€\d{1,3}(,\d{3})+\b"),
    share=re.compile(r"\b\d{1,2}\.\d%"),
    words={
        "/customers": ("Customers", "Search customers", "Account manager"),
        "360": ("Customer value", "Revenue, last 12 months", "Timeline", "Next best action"),
        "/value": ("Customer value", "Value segments", "Lorenz curve", "of customers"),
        "/alerts": ("Alerts", "open alerts", "at risk", "Suggested action"),
        "/alerts/precision": ("Alert precision", "How an alert is counted"),
        "/retention/desk": ("Save desk", "Suggested offer", "Close case"),
        "/retention/renewals": ("Renewal list", "Contract ends", "Extra renewals expected"),
        "/retention/ledger": ("Save-value ledger", "Gross save value", "Keep rate"),
        "/offers": ("Offers and next best actions", "Levers", "Contact policy"),
        "/offers/actions/new": ("New action", "What it earns and costs", "Create action"),
        "/no-such-page": ("Not found", "Back to customers"),
    },
)
# Where each kind of figure shows: the pattern must match somewhere in the selector's text.
FIGURES = {
    "360": [(".card", "money")],
    "/value": [("#top1", "share")],
    "/alerts": [("#inbox-who", "whole")],
    "/retention/desk": [("#desk-who", "whole")],
    "/retention/renewals": [(".cards", "money")],  # the cost per call, with cents
    "/retention/ledger": [("#card-gross", "whole")],
    "/offers": [("#actions-table", "money")],
}
SCREENSHOTS = ("360", "/retention/desk", "/retention/ledger")


@pytest.fixture
def demo_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[str]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'i18n.db'}"
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    for args in [*COMMANDS, ["alerts", "run"]]:
        code, _out, err = run(args, capsys)
        assert code == 0, f"{' '.join(args)}: {err}"
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("telecom"))
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
        english = create_user(session, username="boss", password=PASSWORD, role=Role.MANAGER)
        set_language(english, "en")
        session.commit()
    engine.dispose()
    get_settings.cache_clear()
    with serve(url) as base:
        yield base


def _visit_every_page(page: object, base: str, lang: Lang) -> None:
    """Each page: its language, its words and its figures in that language's format."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base}/customers")
    first = page.locator("table.customers tbody tr a").first
    customer = first.get_attribute("href")
    assert customer
    for path, words in lang.words.items():
        url = customer if path == "360" else path
        page.goto(f"{base}{url}")
        expect(page.locator("html")).to_have_attribute("lang", lang.code)
        if path == "360":
            expect(page.locator("#nba .nba-head")).to_be_visible()
            expect(page.locator("#nba[aria-busy]")).to_have_count(0)  # the panel has loaded
        body = page.locator("body")
        for word in words:
            expect(body).to_contain_text(word)
        for selector, kind in FIGURES.get(path, []):
            text = " ".join(page.locator(selector).all_inner_texts())
            pattern: re.Pattern[str] = getattr(lang, kind)
            assert pattern.search(text), f"{path} {selector}: no {kind} figure in {text!r}"
        if path in SCREENSHOTS:
            name = "360" if path == "360" else path.strip("/").replace("/", "-")
            page.screenshot(path=ARTIFACTS / f"i18n-{lang.code}-{name}.png", full_page=False)


def test_every_page_in_dutch_and_in_english(demo_server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = demo_server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            dutch_browser = browser.new_context(
                locale="nl-NL", viewport={"width": 1440, "height": 900}
            )
            page = dutch_browser.new_page()
            page.goto(f"{base}/login")
            expect(page.locator("h1")).to_have_text("Inloggen")  # before login: the browser
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/pnl")  # a manager's home page: the service P&L
            expect(page.locator("#card-cost")).to_be_visible()
            page.goto(f"{base}/customers")
            # 3.000 customers: Dutch grouping in the results line.
            expect(page.locator(".results-head")).to_contain_text("3.000 klanten")
            _visit_every_page(page, base, NL)
            dutch_browser.close()

            # Same Dutch browser, but this manager chose English: his setting wins.
            context = browser.new_context(locale="nl-NL", viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/login?next=/customers")
            page.fill("input[name=username]", "boss")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/customers")
            expect(page.locator(".results-head")).to_contain_text("3,000 customers")
            _visit_every_page(page, base, EN)

            # The switch in the navigation: back to Dutch, on the page he is on.
            page.goto(f"{base}/retention/desk")
            page.click(".language-switch button[value=nl]")
            expect(page).to_have_url(f"{base}/retention/desk")
            expect(page.locator("h1")).to_have_text("Behouddesk")
            expect(page.locator(".language-switch button[value=nl]")).to_have_attribute(
                "aria-pressed", "true"
            )
            page.screenshot(path=ARTIFACTS / "i18n-switched-to-nl.png")
            context.close()
        finally:
            browser.close()
