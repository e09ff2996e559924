"""The planning page in Debian's Chromium (issue 21): on the 5,000-customer wholesale demo world
(seed 1), a manager makes a forecast of the Dutch phone queue from the history before a past
day (so the forecast can be read against what came), sees it drawn against the actual contacts
under the app's CSP, reads the staffing plan per day, the flex pool against a team for the peak
and the cost of attrition, recalculates attrition for the seeds' contact center, and reads it
all again in Dutch.

Screenshots go to test-artifacts/staffing*.png (git-ignored) for a human look.
"""

from __future__ import annotations

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
from tests.web_fixtures import PASSWORD
from valuecenter.contacts.repository import period
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def staffing_server(
    db_url: str, load_demo: Callable[..., None], sessions: sessionmaker[Session]
) -> Iterator[tuple[str, str]]:
    require_chromium()
    load_demo("--preset", "wholesale", "--customers", "5000", "--seed", "1")
    with sessions.begin() as session:
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
        _first, last = period(session)
    assert last is not None
    as_of = (last.date()).replace(day=1).isoformat()  # the first of the history's last month
    with serve(db_url) as base:
        yield base, as_of


@pytest.mark.sqlite_only("a browser test of the page; its queries run on both in test_workforce")
def test_a_manager_plans_the_staffing(staffing_server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, as_of = staffing_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "manager", "/staffing?queue=phone-nl")
            expect(page.locator("h1")).to_have_text("Planning and staffing")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Staffing")
            expect(page.locator("#no-forecast")).to_be_visible()
            # The flex pool and attrition need no forecast: they read the history.
            expect(page.locator("#flex-options tbody tr")).to_have_count(2)
            expect(page.locator("#flex-saving")).to_contain_text("A flexible pool saves")
            expect(page.locator("#card-attrition-saving")).to_contain_text("€")
            # Make a forecast from the history before the last month, and its plan.
            page.fill("#forecast-form input[name=days]", "7")
            page.fill("#forecast-form input[name=as_of]", as_of)
            page.click("#forecast-form button[type=submit]")
            expect(page.locator("#forecast-source")).to_contain_text(
                "Forecast run", timeout=240_000
            )
            expect(page.locator("#forecast-source")).to_contain_text("MASE")
            expect(page.locator("#forecast-chart[data-rendered=true]")).to_have_count(1)
            rows = page.locator("#plan-days tbody tr")
            expect(rows.nth(6)).to_be_visible()  # 7 × 48 half hours from mid-day: 7–8 days
            expect(page.locator("#plan-source")).to_contain_text("80% of the contacts answered")
            page.screenshot(path=ARTIFACTS / "staffing.png", full_page=True)
            # The seeds' contact center: 250 agents, ten points less attrition ≈ €100,000.
            page.fill("#attrition-form input[name=agents]", "250")
            page.fill("#attrition-form input[name=attrition_rate]", "0.35")
            page.click("#attrition-form button[type=submit]")
            expect(page.locator("#card-attrition-saving .card-value")).to_have_text("€100,700")
            # In Dutch.
            page.click(".language-switch button[value=nl]")
            expect(page.locator("html")).to_have_attribute("lang", "nl")
            expect(page.locator("h1")).to_have_text("Planning en bezetting")
            expect(page.locator("#forecast-chart[data-rendered=true]")).to_have_count(1)
            page.screenshot(path=ARTIFACTS / "staffing-nl.png", full_page=True)
            assert problems == [], problems
        finally:
            browser.close()
