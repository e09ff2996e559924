"""The service dashboard in Debian's Chromium (issue 20): on the 5,000-customer wholesale demo
world (seed 1, scored), whose agents tick 'resolved' on more and more unsolved questions, a
manager reads that FCR by the tick box rose from the first year to the second while NPS did not
change significantly, sees the charts drawn under the app's CSP, switches the NPS table to the
teams with the htmx selector, and reads what moves NPS once the driver analysis has loaded.

The screenshot goes to test-artifacts/service-dashboard.png (git-ignored) for a human look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    log_in,
    require_chromium,
    serve,
    watched_page,
)
from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def service_server(
    db_url: str,
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> Iterator[str]:
    require_chromium()
    load_demo("--preset", "wholesale", "--customers", "5000", "--seed", "1")
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    with sessions.begin() as session:
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
    with serve(db_url) as base:
        yield base


@pytest.mark.sqlite_only(
    "a browser test of the page; the page's queries run on both in test_web_service"
)
def test_a_manager_reads_the_service_dashboard(service_server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = service_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "manager", "/service")
            expect(page.locator("h1")).to_have_text("Service dashboard")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Service")
            # The seed's puzzle in words: the tick box's FCR up, NPS flat.
            expect(page.locator("#trend-tick")).to_contain_text("FCR by the tick box rose")
            expect(page.locator("#trend-nps")).to_contain_text("no significant change")
            expect(page.locator("#trend-puzzle")).to_be_visible()
            expect(page.locator("#fcr-chart[data-rendered=true]")).to_have_count(1)
            expect(page.locator("#nps-chart[data-rendered=true]")).to_have_count(1)
            expect(page.locator("#card-fcr")).to_contain_text("tick box says")
            for channel in ("all", "phone", "email", "self-service"):
                expect(page.locator(f'#chains-table tr[data-channel="{channel}"]')).to_have_count(1)
            # What moves NPS, loaded by htmx after the page (the boosting takes seconds).
            said = page.locator("#drivers-said")
            expect(said).to_contain_text("What moves NPS", timeout=180_000)
            expect(said).to_contain_text("Transfers")
            expect(said).to_contain_text("End-to-end time")
            expect(page.locator("#drivers-quiet")).to_contain_text("Tick box 'resolved'")
            expect(page.locator("#drivers-chart[data-rendered=true]")).to_have_count(1)
            expect(page.locator("#drivers-r2")).to_contain_text("Held-out R²")
            # eNPS per team and their correlation, said to be uncertain.
            expect(page.locator("#teams-table tbody tr")).to_have_count(7)
            expect(page.locator("#correlation")).to_contain_text("over 7 teams")
            expect(page.locator("#correlation-wide")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "service-dashboard.png", full_page=True)
            page.set_viewport_size({"width": 1366, "height": 768})
            page.screenshot(path=ARTIFACTS / "service-dashboard-top.png")
            # NPS per team through the htmx selector: the table changes in place.
            page.select_option("#nps-by", "team")
            expect(page.locator("#nps-table thead th").first).to_have_text("Team")
            expect(page.locator("#nps-table tbody tr")).to_have_count(1 + 7)
            expect(page.locator("#trend-tick")).to_be_visible()  # the rest of the page stays
            # In Dutch the figures follow the locale (decimal comma, true minus signs).
            page.click(".language-switch button[value=nl]")
            expect(page.locator("html")).to_have_attribute("lang", "nl")
            expect(page.locator("#card-fcr .card-value")).to_have_text(re.compile(r"^\d+,\d\s?%$"))
            expect(page.locator("#trend-tick")).to_contain_text(re.compile(r"\+3,0"))
            expect(page.locator("#drivers-chart[data-rendered=true]")).to_have_count(
                1, timeout=180_000
            )
            page.set_viewport_size({"width": 1440, "height": 900})
            page.screenshot(path=ARTIFACTS / "service-dashboard-nl.png", full_page=True)
            assert problems == [], problems
        finally:
            browser.close()
