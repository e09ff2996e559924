"""The account-manager cockpit in Debian's Chromium (issue 22, point 2): on the 5,000-customer
wholesale demo world (seed 1) with a month of next-best-action decisions, an account manager
reads his own October — pool revenue, his best customers' revenue retention with "top N
customers of September", sales, sales after service, NPS, open alerts and tasks beside his
peers' medians, and treated against the control group — and may not open another AM's; a
manager reads the overview of every AM, opens one AM's cockpit from it and picks another.

Screenshots in English and Dutch, desktop and 420 px wide, go to test-artifacts/ (git-ignored;
``VALUECENTER_SHOTS`` names another folder) for a human look.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
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
from valuecenter.customers.models import AccountManager
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("VALUECENTER_SHOTS", str(ARTIFACTS)))
MONTH = "2026-10"


@pytest.fixture
def pools_server(
    db_url: str,
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[str, dict[str, int]]]:
    require_chromium()
    load_demo("--preset", "wholesale", "--customers", "5000", "--seed", "1")
    code, _out, err = run(["demo", "nba", "--months", "1", "--no-train"], capsys)
    assert code == 0, err
    with sessions.begin() as session:
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
        am = create_user(session, username="am-nl", password=PASSWORD, role=Role.ACCOUNT_MANAGER)
        ids = {
            a.code: a.id
            for a in session.scalars(select(AccountManager).order_by(AccountManager.code))
        }
        session.execute(update(AccountManager).values(user_id=None))
        session.execute(
            update(AccountManager).where(AccountManager.code == "NL-02").values(user_id=am.id)
        )
    with serve(db_url) as base:
        yield base, ids


def _shoot(page: object, name: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


@pytest.mark.sqlite_only(
    "a browser test of the pages; their queries run on both in tests/test_web_pools.py"
)
def test_an_account_manager_and_a_manager_read_the_cockpit(
    pools_server: tuple[str, dict[str, int]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, ids = pools_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "am-nl", f"/pools/cockpit?month={MONTH}")
            expect(page.locator("h1")).to_contain_text("Cockpit of")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Pools")
            expect(page.locator("#source")).to_contain_text("October 2026, compared with")
            expect(page.locator("#source")).to_contain_text("NL-02")
            retention = page.locator("#card-top_retention")
            expect(retention).to_contain_text(re.compile(r"top \d+ customers of September 2026"))
            expect(retention.locator(".card-value")).to_have_text(re.compile(r"^\d+%$"))
            for key in (
                "revenue_cents",
                "sales_cents",
                "service_sales_cents",
                "nps",
                "open_alerts",
                "open_tasks",
            ):
                card = page.locator(f"#card-{key}")
                expect(card.locator(".peer-line")).to_contain_text("Peers' median")
                expect(card.locator(".peer-line dt").first).to_have_text("NL")
            expect(page.locator("#card-revenue_cents .card-value")).to_have_text(
                re.compile(r"^€[\d,]+$")
            )
            expect(page.locator("#control")).to_contain_text("nba-control:2026-10")
            expect(page.locator("#control-difference")).to_be_visible()
            expect(page.locator("#am-pick")).to_have_count(0)  # he cannot pick another AM
            _shoot(page, "pools-cockpit-am-en")
            page.set_viewport_size({"width": 420, "height": 900})
            _shoot(page, "pools-cockpit-am-en-420")
            page.set_viewport_size({"width": 1440, "height": 900})
            page.click(".language-switch button[value=nl]")
            expect(page.locator("html")).to_have_attribute("lang", "nl")
            expect(page.locator("#source")).to_contain_text("oktober 2026")
            expect(page.locator("#card-revenue_cents .card-value")).to_have_text(
                re.compile(r"^€ [\d.]+$")
            )
            _shoot(page, "pools-cockpit-am-nl")
            page.set_viewport_size({"width": 420, "height": 900})
            _shoot(page, "pools-cockpit-am-nl-420")
            page.set_viewport_size({"width": 1440, "height": 900})
            other = page.goto(
                f"{base}/pools/cockpit?month={MONTH}&account_manager_id={ids['DE-01']}"
            )
            assert other is not None
            assert other.status == 404
            # the browser logs the refused page itself; nothing else may have gone wrong
            assert all("status of 404" in p for p in problems), problems
            problems.clear()
            page.goto(f"{base}/pools/cockpit?month={MONTH}")
            page.click(".language-switch button[value=en]")
            page.click("form[action='/logout'] button")

            log_in(page, base, "manager", f"/pools?month={MONTH}")
            expect(page.locator("h1")).to_have_text("Account managers")
            rows = page.locator("#pool-table tbody tr")
            expect(rows).to_have_count(len(ids))
            expect(page.locator("#row-median")).to_contain_text("Median of all")
            expect(page.locator("a.csv-link")).to_have_attribute(
                "href", f"/pools/export.csv?month={MONTH}"
            )
            _shoot(page, "pools-overview-en")
            page.set_viewport_size({"width": 420, "height": 900})
            _shoot(page, "pools-overview-en-420")
            page.set_viewport_size({"width": 1440, "height": 900})
            # The cockpit without a chosen AM asks for one; changing the month keeps asking.
            page.click(".pool-tabs a[href^='/pools/cockpit']")
            expect(page.locator("#pick-first")).to_be_visible()
            page.fill("input[name=month]", "2026-09")
            expect(page).to_have_url(re.compile(r"month=2026-09"))
            expect(page.locator("#pick-first")).to_be_visible()
            page.goto(f"{base}/pools?month={MONTH}")
            page.click("#am-DE-01 th a")
            expect(page.locator("#source")).to_contain_text("DE-01")
            expect(page.locator("#card-revenue_cents .peer-line dt").first).to_have_text("DE")
            # Picking another AM loads his cockpit at once and keeps the month.
            page.select_option("#am-pick", str(ids["CH-01"]))
            expect(page.locator("#source")).to_contain_text("CH-01")
            expect(page).to_have_url(re.compile(f"account_manager_id={ids['CH-01']}"))
            expect(page).to_have_url(re.compile(f"month={MONTH}"))
            _shoot(page, "pools-cockpit-manager-en")
            page.click(".language-switch button[value=nl]")
            expect(page.locator("#source")).to_contain_text("oktober 2026")
            expect(page.locator("#source")).to_contain_text("CH-01")
            _shoot(page, "pools-cockpit-manager-nl")
            page.goto(f"{base}/pools?month={MONTH}")
            _shoot(page, "pools-overview-nl")
            page.set_viewport_size({"width": 420, "height": 900})
            _shoot(page, "pools-overview-nl-420")
            assert problems == [], problems
        finally:
            browser.close()
