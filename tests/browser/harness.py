"""What every browser test shares: Debian's Chromium (skipped when missing, unless
VALUECENTER_REQUIRE_BROWSER=1), the app under uvicorn on a free localhost port, a watched
desktop page and the login form. The fixtures that build a server are in ``conftest.py``.
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from tests.web_fixtures import PASSWORD, settings_for
from valuecenter.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("VALUECENTER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"VALUECENTER_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(url: str) -> Iterator[str]:
    """The app on ``url``'s database under uvicorn in a background thread; yields its base URL."""
    port = free_port()
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


def watched_page(browser: Browser, problems: list[str]) -> Page:
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
