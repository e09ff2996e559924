"""Log in, search, open the customer 360 — in Debian's Chromium through Playwright.

Runs the real app under uvicorn on a free localhost port against a migrated SQLite database.
Skipped when /usr/bin/chromium is missing, unless VALUECENTER_REQUIRE_BROWSER=1 (CI).
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from tests.web_fixtures import PASSWORD, World, build_world, settings_for
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("VALUECENTER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"VALUECENTER_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, World]]:
    """The app under uvicorn in a background thread; yields its base URL and the data."""
    _require_chromium()
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        world = build_world(session)
    engine.dispose()
    with serve(url) as base:
        yield base, world


@contextmanager
def serve(url: str) -> Iterator[str]:
    """The app on ``url``'s database under uvicorn in a background thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings_for(url)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _watched_page(browser: Browser, problems: list[str]) -> Page:
    """A desktop-sized page whose console errors and uncaught exceptions land in ``problems``."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return page


def log_in(page: Page, base: str, username: str, target: str) -> None:
    """Log in through the form with the test password and land on ``target``."""
    from playwright.sync_api import expect

    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page).to_have_url(f"{base}{target}")


def test_login_search_and_customer_360(live_server: tuple[str, World]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = _watched_page(browser, problems)

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
            page = _watched_page(browser, problems)
            page.on(
                "request",
                lambda req: None if req.url.startswith(base) else foreign.append(req.url),
            )
            page.goto(f"{base}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("valuecenter")
            operations = page.locator(".opblock-summary-path")
            expect(operations.first).to_be_visible()
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
            model = page.locator("section.models article", has_text="Customer360").first
            model.locator("button.json-schema-2020-12-accordion").first.click()
            expect(model).to_contain_text("consents")
            page.screenshot(path=ARTIFACTS / "05-api-docs.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
    assert foreign == [], f"requests to other hosts: {foreign}"
