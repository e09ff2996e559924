"""The service P&L, the managers' home page (issue 23, points 3 and 6), in Debian's Chromium.

The company is the retention browser test's: the 3,000-customer telecom demo world (seed 4), a
score run and six months of the save desk simulated on it with half the callers in control
(``demo savedesk``), so the save line has months to prove. A manager logs in without a target
and lands on the P&L of the last complete month; the cards, the seeds' figure beside the
incremental one and the twelve-month charts (loaded by htmx after the page) are drawn under the
app's CSP; the save line's drill-down opens the save desk's list of the cases closed in that
month. Screenshots in English and Dutch, 1280 and 420 pixels wide, go to test-artifacts/
(git-ignored) for a human look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, require_chromium, serve
from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD
from valuecenter.finance.pnl import latest_month, month_bounds
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDE, NARROW = 1280, 420


@pytest.fixture
def pnl_server(
    db_url: str,
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[str, str]]:
    """The app on the demo company; yields its base URL and the month the P&L opens on."""
    require_chromium()
    load_demo("--preset", "telecom", "--customers", "3000", "--seed", "4")
    for args in (
        ["score"],
        ["demo", "savedesk", "--months", "6", "--control-share", "0.5", "--seed", "4"],
    ):
        code, _out, err = run(args, capsys)
        assert code == 0, f"{' '.join(args)}: {err}"
    with sessions.begin() as session:
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
    with sessions() as session:
        month = latest_month(session)
    assert month is not None
    with serve(db_url) as base:
        yield base, month


@pytest.mark.sqlite_only(
    "a browser test of the page; its figures are checked on both in test_web_finance_pages"
)
def test_a_manager_lands_on_the_pnl_and_drills_down_to_the_save_cases(
    pnl_server: tuple[str, str],
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    base, month = pnl_server
    start, end = month_bounds(month)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    def drawn(page: Page) -> None:
        expect(page.locator("#trend-chart[data-rendered=true]")).to_have_count(1, timeout=60_000)
        expect(page.locator("#unproven-chart[data-rendered=true]")).to_have_count(1)

    def shots(page: Page, language: str) -> None:
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(400)  # the charts follow their container's width
            page.screenshot(path=ARTIFACTS / f"pnl-{language}-{width}.png", full_page=True)
            # Nothing wider than the screen but the tables, which scroll inside their panel.
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (language, width, overflow)
        page.set_viewport_size({"width": WIDE, "height": 900})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDE, "height": 900})
            page.on(
                "console", lambda msg: problems.append(msg.text) if msg.type == "error" else None
            )
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            # Logging in without a target lands a manager on the P&L of the last month.
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Log in')")
            expect(page).to_have_url(f"{base}/pnl")
            expect(page.locator("h1")).to_have_text("Service P&L")
            expect(page.locator(".mainnav a").first).to_have_text("P&L")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("P&L")
            expect(page.locator("input[name=month]")).to_have_value(month)
            for card in ("cost", "proven", "net", "roi", "unproven"):
                expect(page.locator(f"#card-{card} .card-value")).to_have_count(2)
            expect(page.locator("#card-unproven")).to_contain_text("Not proven — not counted")
            # The save line: its badge, the seeds' way beside the honest way, why they differ.
            saves = page.locator("#yield-saves")
            expect(saves.locator(".badge").first).to_have_text(re.compile(r"proven", re.I))
            expect(page.locator("#seeds-box")).to_contain_text(re.compile(r"\d+ kept, €[\d,]+"))
            expect(page.locator("#seeds-box")).to_contain_text("incremental against control")
            expect(page.locator("#seeds-why")).to_contain_text("would have stayed anyway")
            # How a line is measured, opened.
            saves.locator("summary").click()
            expect(saves.locator(".pnl-facts")).to_contain_text("save-desk:")
            drawn(page)
            expect(page.locator("#trend-table tbody tr")).to_have_count(12)
            shots(page, "en")
            # In Dutch: the same page, figures in the Dutch way.
            page.click(".language-switch button[value=nl]")
            expect(page.locator("html")).to_have_attribute("lang", "nl")
            expect(page.locator("#card-cost .card-value").first).to_have_text(
                re.compile(r"^€\s[\d.]+$")
            )
            drawn(page)
            shots(page, "nl")
            # The save line's drill-down: the desk's list of the cases closed in the month.
            page.click(".language-switch button[value=en]")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            count = int(
                re.sub(r"\D", "", page.locator("#drill-saves").inner_text().split()[0]) or 0
            )
            assert count > 0
            page.click("#drill-saves")
            expect(page).to_have_url(
                re.compile(
                    rf"/retention/desk\?status=closed&since={start.isoformat()}"
                    rf"&until={end.isoformat()}$"
                )
            )
            expect(page.locator("#closed-period")).to_contain_text("closed from")
            rows = page.locator("#cases > tbody > tr")
            expect(rows.first).to_be_visible()
            assert 0 < rows.count() <= min(count, 25)
            expect(page.locator("#desk .results-head strong").first).to_have_text(f"{count:,}")
            page.screenshot(path=ARTIFACTS / "pnl-drill-down-save-cases.png", full_page=False)
            assert problems == [], problems
        finally:
            browser.close()
