"""The alerts inbox in Debian's Chromium (issue 6: "The AM page lists his alerts with reasons;
screenshot-tested"): an account manager sees his own pool's alerts, highest value at risk
first, with their reasons, and handles one through the row's form (htmx swaps the row); a
manager sees the market dip once, filters the inbox, and reads the alert precision.

The data are the small web world with the alerts of ``tests/test_web_alerts.py`` (two pools).
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    log_in,
    require_chromium,
    serve,
    watched_page,
)
from tests.test_web_alerts import OWN_OPEN
from tests.web_fixtures import PASSWORD
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.web.pages.alerts import PAGE_SIZE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _euros(text: str) -> int:
    """'€4,000' → 4000."""
    return int(re.sub(r"[^\d]", "", text))


def test_account_manager_handles_his_alerts_and_manager_reads_precision(
    alerts_server: tuple[str, dict[str, int]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, alerts = alerts_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "account-manager", "/alerts")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Alerts")
            expect(page.locator("#inbox-who")).to_contain_text("Your pool: AM01")
            expect(page.locator("#inbox-who")).to_contain_text("4 open alerts, €7,900 at risk")
            rows = page.locator("table.alerts-table tbody tr")
            expect(rows).to_have_count(len(OWN_OPEN))
            ids = [rows.nth(k).get_attribute("id") for k in range(len(OWN_OPEN))]
            assert ids == [f"alert-{alerts[name]}" for name in OWN_OPEN]
            at_risk = [_euros(t) for t in rows.locator("td.al-var").all_inner_texts()]
            assert at_risk == sorted(at_risk, reverse=True) == [4000, 1500, 1400, 1000]
            first = rows.first
            expect(first.locator(".reasons li")).to_have_count(2)
            expect(first.locator(".reasons")).to_contain_text(
                "C1002 (rhythm_left) ordered every 21 days, now silent 63"
            )
            expect(first.locator(".al-action")).to_contain_text("Call C1002 this week")
            expect(page.locator("#inbox")).not_to_contain_text("Atelier Vos")  # other pool
            expect(page.locator("#market-dips")).to_have_count(0)

            target = page.locator(f"#alert-{alerts['rhythm_left']}")
            target.locator("select[name=outcome]").select_option("kept")
            target.locator("input[name=note]").fill("New buyer; orders resume in May")
            target.locator("button:has-text('Mark handled')").click()
            handled = page.locator(f"#alert-{alerts['rhythm_left']}")
            expect(handled.locator(".status-handled")).to_have_text("handled")
            expect(handled.locator(".outcome")).to_have_text("Kept")
            expect(handled).to_contain_text("New buyer; orders resume in May")
            expect(handled.locator("form")).to_have_count(0)
            expect(page).to_have_url(f"{base}/alerts")  # swapped in place, no page load
            expect(rows).to_have_count(len(OWN_OPEN))
            expect(page.locator("#inbox-who")).to_contain_text("3 open alerts, €3,900 at risk")
            expect(page.locator("#inbox-who")).to_have_count(1)
            page.screenshot(path=ARTIFACTS / "alerts-inbox.png", full_page=True)
            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=ARTIFACTS / "alerts-inbox-narrow.png", full_page=True)
            page.set_viewport_size({"width": 1440, "height": 900})

            page.reload()
            expect(rows).to_have_count(len(OWN_OPEN) - 1)  # handled: out of the open inbox
            expect(page.locator("#inbox-who")).to_contain_text("3 open alerts, €3,900 at risk")
            page.click("button:has-text('Log out')")

            log_in(page, base, "manager", "/alerts")
            dips = page.locator("#market-dips li")
            expect(dips).to_have_count(1)
            expect(dips.first).to_contain_text("DE: orders 34% below the customers' own rhythm")
            expect(dips.first).to_contain_text("212 customers — reported once, not as alerts.")
            expect(rows).to_have_count(4)
            expect(rows.first).to_contain_text("Atelier Vos")
            page.screenshot(path=ARTIFACTS / "alerts-inbox-manager.png", full_page=True)

            page.select_option("select[name=kind]", "churn-model")
            expect(rows).to_have_count(1)
            expect(page).to_have_url(re.compile(r"/alerts\?kind=churn-model"))
            expect(rows.first).to_contain_text("Drukkerij Noord")

            page.click("a:has-text('Alert precision')")
            expect(page).to_have_url(f"{base}/alerts/precision")
            total = page.locator("#precision-table tfoot tr")
            expect(total).to_contain_text("All alerts")
            cells = total.locator("td").all_inner_texts()
            assert [c.strip() for c in cells] == ["5", "2", "1", "2", "60%"]
            expect(page.locator("#source")).to_contain_text("as of alert run alerts-")
            page.screenshot(path=ARTIFACTS / "alerts-precision.png", full_page=True)
            page.select_option("select[name=min_age_days]", "30")
            expect(page).to_have_url(f"{base}/alerts/precision?min_age_days=30")
            expect(total.locator("td").first).to_have_text("5")
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """A wholesale demo company with a real score run and a real alert run; the login of the
    account manager with the most open alerts (his password set), and that count."""
    require_chromium()
    from sqlalchemy import func, select

    from valuecenter.alerts.models import Alert, AlertStatus
    from valuecenter.alerts.service import backfill
    from valuecenter.customers.models import AccountManager, Customer
    from valuecenter.demo.load import account_manager_logins, load_plan
    from valuecenter.demo.presets import WHOLESALE
    from valuecenter.demo.world import plan_world
    from valuecenter.users.models import Role, User
    from valuecenter.users.service import create_user, set_password
    from valuecenter.value.segments import load_segmentation
    from valuecenter.value.service import run_score

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        load_plan(session, plan_world(WHOLESALE, 4000, 1))
        account_manager_logins(session)
        run_score(session, load_segmentation(None))
        backfill(session, 6)  # six months of runs, as bootstrap does: precision to read
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
        login, count = session.execute(
            select(User.username, func.count(Alert.id))
            .join(AccountManager, AccountManager.user_id == User.id)
            .join(Customer, Customer.account_manager_id == AccountManager.id)
            .join(Alert, Alert.customer_id == Customer.id)
            .where(Alert.status == AlertStatus.OPEN)
            .group_by(User.username)
            .order_by(func.count(Alert.id).desc(), User.username)
            .limit(1)
        ).one()
        set_password(session, username=login, password=PASSWORD)
        session.commit()
    engine.dispose()
    with serve(url) as base:
        yield base, login, int(count)


def test_account_manager_reads_the_alerts_of_a_real_run(
    demo_server: tuple[str, str, int],
) -> None:
    """The Done-when screenshot on real data: the demo company's alert runs, seen by the
    account manager with the most alerts — every row with its reasons and an action — and
    the manager's precision of the alerts raised three months and more ago."""
    from playwright.sync_api import expect, sync_playwright

    base, login, count = demo_server
    assert count >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, login, "/alerts")
            expect(page.locator("#inbox-who")).to_contain_text(f"{count} open alert")
            rows = page.locator("table.alerts-table tbody tr")
            shown = min(count, PAGE_SIZE)  # the inbox pages, highest value at risk first
            expect(rows).to_have_count(shown)
            for k in range(shown):
                row = rows.nth(k)
                assert row.locator(".reasons li").count() >= 2
                expect(row.locator(".reasons")).to_contain_text("days")
                assert row.locator(".al-action").inner_text().strip()
            at_risk = [_euros(t) for t in rows.locator("td.al-var").all_inner_texts()]
            assert at_risk == sorted(at_risk, reverse=True)
            expect(page.locator("#source")).to_contain_text("CLV from score run score-")
            page.screenshot(path=ARTIFACTS / "alerts-inbox-demo.png", full_page=True)
            page.click("button:has-text('Log out')")

            log_in(page, base, "manager", "/alerts/precision")
            total = page.locator("#precision-table tfoot tr td").all_inner_texts()
            alerts, left, kept, false_alarms = (
                int(c.replace(".", "").replace(",", "")) for c in total[:4]
            )
            assert alerts > 0
            assert left + kept + false_alarms == alerts
            assert total[4].strip().endswith("%")
            page.screenshot(path=ARTIFACTS / "alerts-precision-demo.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
