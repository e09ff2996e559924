"""The value dashboard of the demo company, in Debian's Chromium (issue 5): the top-1% and
top-10% revenue shares and the segment table of a real score run, the two Vega-Lite charts
drawn under the app's CSP (no 'unsafe-eval'), and the customer 360's value strip."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
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
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.world import build_world, plan_world
from valuecenter.users.models import Role, User
from valuecenter.value.segments import load_segmentation
from valuecenter.value.service import run_score

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CUSTOMERS, SEED = 3000, 1


def _expected_shares(as_of: pd.Timestamp) -> tuple[float, float]:
    """Top-1% and top-10% shares of the last 12 months' revenue, from the generator's frames
    (what was imported), independently of the score run's SQL."""
    world = build_world(WHOLESALE, CUSTOMERS, SEED)
    orders = world.frames["orders"]
    day = orders["ordered_at"].dt.floor("D")
    recent = orders[(day >= as_of - timedelta(days=365)) & (day < as_of)]
    cents = (
        (recent["quantity"] * (recent["unit_price"] * 100).round())
        .groupby(recent["customer_id"])
        .sum()
    )
    # Contract fees of the same 365 days (a contract runs to its end or cancellation; an
    # active one up to as_of).
    c = world.frames["contracts"]
    day = pd.Timestamp(as_of.date())
    start = pd.to_datetime(c["start_date"])
    far = pd.Timestamp("2100-01-01")
    cancelled = pd.to_datetime(c["cancelled_at"]).fillna(far)
    end = pd.to_datetime(c["end_date"]).fillna(far)
    stop = cancelled.where(c["status"].eq("active"), end.where(end < cancelled, cancelled))
    stop = stop.clip(upper=day)
    first = start.clip(lower=day - timedelta(days=365))
    days = (stop - first).dt.days.clip(lower=0).to_numpy()
    fees = pd.Series(np.round(np.round(c["monthly_fee"] * 100) * days * 12 / 365.25))
    cents = cents.add(fees.groupby(c["customer_id"].to_numpy()).sum(), fill_value=0)
    revenue = np.sort(
        cents.reindex(world.frames["customers"]["customer_id"], fill_value=0).to_numpy()
    )[::-1]
    total = revenue.sum()
    top = [revenue[: math.ceil(share * len(revenue))].sum() / total for share in (0.01, 0.10)]
    return float(top[0]), float(top[1])


@pytest.fixture
def scored_server(tmp_path: Path) -> Iterator[tuple[str, pd.Timestamp, int]]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'value.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_plan(session, plan_world(WHOLESALE, CUSTOMERS, SEED))
        session.add(
            User(
                username="manager",
                full_name="Marieke Manager",
                password_hash=password_hash(),
                role=Role.MANAGER,
            )
        )
        run = run_score(session, load_segmentation())
        as_of = pd.Timestamp(run.as_of, tz="UTC")
        champion = session.execute(
            text("SELECT customer_id FROM customer_scores WHERE segment = 'champions' LIMIT 1")
        ).scalar_one()
    engine.dispose()
    with serve(url) as base:
        yield base, as_of, int(champion)


def test_value_dashboard_shows_the_demo_concentration_segments_and_charts(
    scored_server: tuple[str, pd.Timestamp, int],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, as_of, champion = scored_server
    top1, top10 = _expected_shares(as_of)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "manager", "/value")
            expect(page.locator("#top1")).to_have_text(f"{100 * top1:.1f}%")
            expect(page.locator("#top10")).to_have_text(f"{100 * top10:.1f}%")
            assert 0.11 <= top1 <= 0.17  # seed 001: 14%
            assert 0.55 <= top10 <= 0.67  # seed 001: 61%
            rows = page.locator("table.segments tbody tr")
            expect(rows).to_have_count(7)  # the six segments and the customers without orders
            names = [n.strip() for n in rows.locator("td:first-child").all_inner_texts()]
            assert names == [
                "champions",
                "save-first",
                "grow",
                "win-back",
                "serve-digital",
                "let-go",
                "no-purchases",
            ]
            counts = [
                int(c.replace(".", "").replace(",", ""))
                for c in rows.locator("td:nth-child(3)").all_inner_texts()
            ]
            assert sum(counts) == CUSTOMERS
            expect(page.locator("#source")).to_contain_text("Score run score-")
            expect(page.locator("#source")).to_contain_text("BG/NBD r=")
            expect(page.locator("[data-rendered=true]")).to_have_count(2)
            expect(page.locator("#lorenz svg")).to_be_visible()
            expect(page.locator("#rfm svg")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "06-value-dashboard.png", full_page=True)

            page.goto(f"{base}/customers/{champion}")
            strip = page.locator("#value")
            expect(strip).to_contain_text("champions")
            expect(strip).to_contain_text("score run score-")
            expect(strip).to_contain_text("P(alive)")
            page.screenshot(path=ARTIFACTS / "07-customer-360-value.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
