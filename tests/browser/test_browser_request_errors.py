"""Failed htmx requests in Debian's Chromium (issue 16, part 4): a form whose request fails no
longer fails silently. An account manager's inbox page goes stale when he logs in again in
another tab (a new session, a new CSRF token); "Mark handled" on the old page then shows the
error in place, beside the form, with a "Reload the page" button that fixes it. And after
"Mark handled" the inbox caption says the new count.

The data are the small web world with the alerts of ``tests/test_web_alerts.py``.
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, log_in, watched_page
from tests.test_web_alerts import OWN_OPEN
from tests.web_fixtures import PASSWORD, csrf_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_stale_form_shows_its_error_in_place_and_the_caption_counts(
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
            caption = page.locator("#inbox-caption")
            expect(caption).to_contain_text(f"{len(OWN_OPEN)} open alerts")

            # Logging in again (as in another tab) gives the session a new CSRF token.
            form = page.request.get(f"{base}/login").text()
            again = page.request.post(
                f"{base}/login",
                form={
                    "username": "account-manager",
                    "password": PASSWORD,
                    "csrf_token": csrf_from(form),
                    "next": "/alerts",
                },
            )
            assert again.ok

            row = page.locator(f"#alert-{alerts['rhythm_left']}")
            row.locator("select[name=outcome]").select_option("kept")
            row.locator("button:has-text('Mark handled')").click()
            error = row.locator(".request-error")
            expect(error).to_be_visible()
            expect(error).to_have_attribute("role", "alert")
            expect(error).to_contain_text("Not allowed (403)")
            expect(error).to_contain_text("the form has expired or is not from this site")
            reload = error.locator("button:has-text('Reload the page')")
            expect(reload).to_be_visible()
            expect(row.locator("form")).to_have_count(1)  # nothing was handled
            expect(caption).to_contain_text(f"{len(OWN_OPEN)} open alerts")
            page.screenshot(path=ARTIFACTS / "request-error-stale-form.png", full_page=True)

            reload.click()
            page.wait_for_load_state("load")
            row = page.locator(f"#alert-{alerts['rhythm_left']}")
            expect(row.locator(".request-error")).to_have_count(0)
            row.locator("select[name=outcome]").select_option("kept")
            row.locator("button:has-text('Mark handled')").click()
            expect(row.locator(".status-handled")).to_have_text("handled")
            expect(page).to_have_url(f"{base}/alerts")  # swapped in place, no page load
            expect(caption).to_contain_text(f"{len(OWN_OPEN) - 1} open alerts")
            expect(page.locator("#inbox-caption")).to_have_count(1)
            expect(page.locator("#inbox-who")).to_contain_text(f"{len(OWN_OPEN) - 1} open alerts")
            page.screenshot(path=ARTIFACTS / "request-error-caption-count.png", full_page=True)
        finally:
            browser.close()
    # The browser reports the refused request itself, and htmx its error event: expected.
    unexpected = [p for p in problems if "403" not in p and "htmx:responseError" not in p]
    assert unexpected == [], f"browser console errors: {problems}"
