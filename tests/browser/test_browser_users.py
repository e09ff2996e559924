"""The admins' users page in Debian's Chromium (issue 17): an admin revokes a token,
deactivates a user and activates him again, in English and in Dutch; the deactivated user's
open browser session ends at once. Screenshots go to test-artifacts/ for a human look."""

from __future__ import annotations

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, log_in, watched_page
from tests.web_fixtures import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_admin_revokes_a_token_and_deactivates_a_user(live_server: tuple[str, World]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            agent = watched_page(browser, problems)
            log_in(agent, base, "agent", "/customers")
            expect(agent.locator(".mainnav")).not_to_contain_text("Users")

            page = watched_page(browser, problems)
            log_in(page, base, "admin", "/admin/users")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Users")
            users = page.locator("#users-table tbody tr")
            expect(users).to_have_count(4)
            agent_row = page.locator("#user-agent")
            expect(agent_row.locator("td").nth(4)).to_have_text("1")  # his open session
            expect(agent_row.locator("td").nth(5)).to_have_text("1")  # his token
            expect(page.locator("#user-admin button:has-text('Deactivate')")).to_be_disabled()

            tokens = page.locator("#tokens-table tbody tr")
            expect(tokens).to_have_count(4)
            manager_token = page.locator("#tokens-table tbody tr", has_text="manager").first
            manager_token.locator("button:has-text('Revoke')").click()
            expect(page).to_have_url(f"{base}/admin/users")
            revoked = page.locator("#tokens-table tbody tr", has_text="manager").first
            expect(revoked.locator(".token-state")).to_have_text("revoked")
            expect(revoked.locator("button")).to_have_count(0)

            agent_row.locator("button:has-text('Deactivate')").click()
            expect(page.locator("#user-agent .user-status")).to_have_text("deactivated")
            expect(page.locator("#user-agent td").nth(4)).to_have_text("0")
            expect(page.locator("#user-agent td").nth(5)).to_have_text("0")
            page.screenshot(path=ARTIFACTS / "users-admin.png", full_page=True)

            agent.reload()  # his open page: the session is gone
            expect(agent).to_have_url(f"{base}/login?next=%2Fcustomers")

            page.click("button[value=nl]")
            expect(page.locator("h1")).to_have_text("Gebruikers")
            expect(page.locator("#user-agent .user-status")).to_have_text("gedeactiveerd")
            page.locator("#user-agent button:has-text('Activeren')").click()
            expect(page.locator("#user-agent .user-status")).to_have_text("actief")
            expect(revoked.locator(".token-state")).to_have_text("ingetrokken")
            page.screenshot(path=ARTIFACTS / "users-admin-nl.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
