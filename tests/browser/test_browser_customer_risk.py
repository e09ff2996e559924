"""Issue 16's "Done when": a customer with an open cancel (save) case — the customer 360 in
Chromium shows his risk with the alert run it came from, his open alert and his open save
case, and the next-best-action panel puts the retention action first, not the sales offer.
Screenshot: test-artifacts/16-customer-at-risk.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, log_in, watched_page
from tests.customer_at_risk import ALERT_RUN, add_alert, add_catalogue, add_save_case
from tests.web_fixtures import World
from valuecenter.db.engine import make_engine, make_sessionmaker

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_customer_with_an_open_cancel_case_gets_the_retention_action_first(
    live_server: tuple[str, World], tmp_path: Path
) -> None:
    base, world = live_server
    engine = make_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    with make_sessionmaker(engine)() as session:
        add_catalogue(session)
        add_alert(session, world)
        add_save_case(session, world)
        session.commit()
    engine.dispose()
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            target = f"/customers/{world.own.id}"
            log_in(page, base, "agent", target)
            actions = page.locator("#nba li.nba-action")
            expect(actions.first).to_have_attribute("data-code", "save-free-delivery")
            expect(actions.first).to_contain_text("open save case since")
            expect(actions.nth(1)).to_have_attribute("data-code", "toner-pack")
            risk = page.locator("#risk")
            expect(risk).to_contain_text(ALERT_RUN)
            expect(page.locator("#risk-figure")).to_have_text("72%")
            expect(page.locator("#risk-alerts")).to_have_text("1")
            expect(risk).to_contain_text("No order for 41 days; he orders every 12")
            expect(page.locator("#risk-case")).to_contain_text("open since")
            expect(page.locator("#segment")).to_have_count(1)
            page.screenshot(path=ARTIFACTS / "16-customer-at-risk.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
