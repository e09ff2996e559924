"""The value page of the default ``make run`` world (wholesale, 5,000 customers, seed 1, the
score run of ``valuecenter bootstrap``) in Debian's Chromium (issue 18, point 3): all six
segments have customers, the grid says which model the risk came from with its out-of-time
AUC and run, and a customer's 360 says the same."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    log_in,
    require_chromium,
    serve,
    watched_page,
)
from tests.web_fixtures import password_hash
from valuecenter.alerts.risk_source import FEATURE_SOURCES
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.world import plan_world
from valuecenter.users.models import Role, User
from valuecenter.value.segments import load_segmentation
from valuecenter.value.service import run_score

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAKE_RUN = (5000, 1)  # Makefile: bootstrap --preset wholesale --customers 5000 --seed 1
SEGMENTS = ["champions", "save-first", "grow", "win-back", "serve-digital", "let-go"]


@pytest.fixture
def make_run_server(tmp_path: Path) -> Iterator[tuple[str, str, float, int]]:
    """The app on the make-run world after its score run; yields the base URL, the run's risk
    model and AUC, and a save-first customer."""
    require_chromium()
    url = f"sqlite:///{tmp_path / 'makerun.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_plan(session, plan_world(WHOLESALE, *MAKE_RUN))
        session.add(
            User(
                username="manager",
                full_name="Marieke Manager",
                password_hash=password_hash(),
                role=Role.MANAGER,
            )
        )
        run = run_score(session, load_segmentation(), risk_sources=FEATURE_SOURCES)
        assert run.risk_model is not None
        assert run.risk_auc is not None
        model, auc = run.risk_model, run.risk_auc
        saver = session.execute(
            text("SELECT customer_id FROM customer_scores WHERE segment = 'save-first' LIMIT 1")
        ).scalar_one()
    engine.dispose()
    with serve(url) as base:
        yield base, model, auc, int(saver)


NAMES = {"recency": "days since the last order", "order-rhythm": "order rhythm"}


def test_the_value_page_of_the_make_run_world_fills_all_six_segments_and_names_the_risk_model(
    make_run_server: tuple[str, str, float, int],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, model, auc, saver = make_run_server
    label = re.compile(
        rf"Risk from: {re.escape(NAMES.get(model, model))}.*, out-of-time AUC {auc:.2f} "
        r"\(run score-"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "manager", "/value")
            expect(page.locator("#risk-source")).to_contain_text(label)
            for name in SEGMENTS:
                row = page.locator(f"tr[data-segment='{name}']")
                expect(row).to_be_visible()
                count = int(row.get_attribute("data-customers") or 0)
                print(f"{name}: {count}")
                assert count > 0, name
            page.locator("#segments").scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / "18-value-segments-risk.png", full_page=True)

            page.goto(f"{base}/customers/{saver}")
            strip = page.locator("#value")
            expect(strip).to_contain_text("save-first")
            expect(page.locator("#value-risk-source")).to_contain_text(label)
            expect(page.locator("#value-risk")).to_have_text(re.compile(r"\d+%"))
            strip.screenshot(path=ARTIFACTS / "18-customer-360-risk.png")
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
