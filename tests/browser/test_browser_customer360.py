"""Log in, search, open the customer 360 — in Debian's Chromium through Playwright.

Runs the real app under uvicorn on a free localhost port against a migrated SQLite database.
Skipped when /usr/bin/chromium is missing, unless VALUECENTER_REQUIRE_BROWSER=1 (CI).
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, watched_page
from tests.web_fixtures import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_login_search_and_customer_360(live_server: tuple[str, World]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)

            page.goto(f"{base}/customers")
            expect(page).to_have_url(f"{base}/login?next=%2Fcustomers")
            page.screenshot(path=ARTIFACTS / "01-login.png")
            page.fill("input[name=username]", "account-manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Log in')")
            expect(page).to_have_url(f"{base}/customers")
            expect(page.locator("table.customers tbody tr")).to_have_count(3)  # his pool only
            expect(page.locator(".who-name")).to_have_text("Account Manager User")

            page.locator("#q").press_sequentially("bakk", delay=40)
            rows = page.locator("table.customers tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("Bakkerij de Vries")
            expect(page).to_have_url(re.compile(r"/customers\?q=bakk(&|$)"))  # shareable URL
            page.screenshot(path=ARTIFACTS / "02-search.png")

            page.click("text=Bakkerij de Vries")
            expect(page).to_have_url(f"{base}/customers/{world.own.id}")
            expect(page.locator("h1")).to_have_text("Bakkerij de Vries")
            timeline = page.locator("ol.timeline")
            for text in ("Order O-3", "Order O-2", "delivery, invoice", "product-question"):
                expect(timeline).to_contain_text(text)
            for channel in ("Phone", "E-mail", "Chat"):
                expect(timeline.locator(".tl-kind", has_text=channel).first).to_be_visible()
            expect(timeline).to_contain_text("Delivery was late again")
            expect(page.locator(".card", has_text="Last NPS")).to_contain_text("9")
            expect(page.locator(".card", has_text="Revenue")).to_contain_text("€2,033.50")
            expect(page.locator("#consents-title")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "03-customer-360.png", full_page=True)

            page.click(".tabs >> text=Orders")
            expect(page.locator("ol.timeline li")).to_have_count(4)
            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=ARTIFACTS / "04-customer-360-narrow.png", full_page=True)

            page.click("button:has-text('Log out')")
            expect(page).to_have_url(f"{base}/login")
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"


def test_api_docs_render_from_vendored_swagger_ui(live_server: tuple[str, World]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            page.on(
                "request",
                lambda req: None if req.url.startswith(base) else foreign.append(req.url),
            )
            page.goto(f"{base}/docs")
            # Swagger UI renders the whole OpenAPI document (every status of every operation)
            # in the browser: on a busy CI machine that takes longer than expect's 5 s.
            expect(page.locator(".swagger-ui .info .title")).to_contain_text(
                "valuecenter", timeout=30_000
            )
            operations = page.locator(".opblock-summary-path")
            expect(operations.first).to_be_visible(timeout=30_000)
            paths = set(operations.all_inner_texts())
            assert {"/api/v1/health", "/api/v1/customers", "/api/v1/me"} <= {
                p.replace("\u200b", "") for p in paths
            }
            page.locator(".opblock-summary", has_text="/api/v1/health").first.click()
            page.click("button:has-text('Try it out')")
            page.click("button:has-text('Execute')")  # a same-origin fetch, allowed by the CSP
            live = page.locator(".live-responses-table tbody .response-col_status")
            expect(live.first).to_have_text("200")
            expect(page.locator(".live-responses-table .highlight-code").first).to_contain_text(
                '"database": "ok"'
            )
            # Swagger UI draws only the schemas near the viewport (a virtual list of 100 and
            # more): expand one drawn at once, near the top of the alphabet.
            model = page.locator("section.models article", has_text="AlertPage").first
            model.locator("button.json-schema-2020-12-accordion").first.click()
            expect(model).to_contain_text("page_size")
            page.screenshot(path=ARTIFACTS / "05-api-docs.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
    assert foreign == [], f"requests to other hosts: {foreign}"
