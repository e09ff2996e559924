"""The next best action in Debian's Chromium (C1, C8): an agent opens a demo customer's 360, sees
the panel without scrolling on a 1366×768 screen — a sales offer with its figures and reasons —
clicks "Accepted", and the offer is gone from the freshly decided panel; a manager reads the
catalogue admin list and has a wrong rule refused with its reason next to the rule.

The company is built through the service functions: the wholesale demo world (3,000 customers,
history to 2026-10-31), its demo catalogue, the feature rows as of 2026-11-01, and an agent and
a manager. The customer is chosen by asking the engine (in a transaction that is rolled back)
for candidates whose best action is a sales offer in a phone call now; the demo catalogue's
priors make most offers "not worth it" on Monday mornings (its Monday lever), so when no
candidate gets one, one demo offer is saved with a higher prior and the search is repeated.
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
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
from tests.web_fixtures import PASSWORD
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.load import load_plan
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.demo.presets import get_preset
from valuecenter.demo.world import plan_world
from valuecenter.offers import catalogue, decisions, repository
from valuecenter.offers.engine import load_engine
from valuecenter.offers.features import refresh_features
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FEATURES_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")
CANDIDATES = 150
BOOSTED = "toner-multipack"  # saved with a higher prior when no candidate gets an offer


@dataclass(frozen=True)
class Demo:
    base: str
    customer_id: int
    customer_name: str
    boosted: bool


def _pick(sessions: sessionmaker[Session]) -> int | None:
    """A customer whose best action in a phone call now is a sales offer (not explored)."""
    with sessions() as session:
        engine = load_engine(session)
        ids = session.scalars(select(Customer.id).order_by(Customer.id).limit(CANDIDATES)).all()
        try:
            for cid in ids:
                out = decisions.decide(
                    session,
                    engine,
                    decisions.Request(customer_id=int(cid), channel="phone"),
                    viewer=None,
                    zone=ZONE,
                    rng=random.Random(cid),
                )
                top = out.actions[0] if out.actions else None
                if top is not None and top.kind == "offer" and not top.explored:
                    return int(cid)
            return None
        finally:
            session.rollback()  # the probes are not decisions anyone saw


@pytest.fixture
def nba_server(tmp_path: Path) -> Iterator[Demo]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'nba.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        load_plan(session, plan_world(get_preset("wholesale"), 3000, 1))
        session.commit()
    with sessions() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("wholesale"))
        refresh_features(session, as_of=FEATURES_AS_OF)
        create_user(session, username="agent", password=PASSWORD, role=Role.AGENT)
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
        # No random exploration here: in 5% of decisions it shows a random offer whose first
        # reason is "exploration: …", not "P(accept)" (a flaky failure in CI); exploration has
        # its own tests (tests/test_offers_decisions.py, the arbitration's).
        repository.engine_settings(session).exploration_share = 0.0
        session.commit()
    chosen = _pick(sessions)
    boosted = False
    if chosen is None:  # e.g. a Monday morning: make one demo offer worth it, and say so
        entry = next(a for a in load_demo_catalogue("wholesale")["actions"] if a["code"] == BOOSTED)
        with sessions() as session:
            catalogue.save_action(session, {**entry, "prior_accept": 0.3})
            session.commit()
        boosted = True
        chosen = _pick(sessions)
    assert chosen is not None, "no demo customer gets a sales offer in a phone call now"
    with sessions() as session:
        customer = session.get(Customer, chosen)
        assert customer is not None
        name = customer.name or customer.external_id
    engine.dispose()
    with serve(url) as base:
        yield Demo(base, chosen, name, boosted)


def test_agent_accepts_an_offer_and_manager_keeps_the_catalogue(nba_server: Demo) -> None:
    from playwright.sync_api import expect, sync_playwright

    demo = nba_server
    base = demo.base
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            page.set_viewport_size({"width": 1366, "height": 768})
            log_in(page, base, "agent", f"/customers/{demo.customer_id}")
            expect(page.locator("h1")).to_have_text(demo.customer_name)
            panel = page.locator("#nba")
            offer = panel.locator(".nba-action-offer").first
            expect(offer).to_be_visible()
            expect(offer).to_be_in_viewport()  # no scrolling on a 1366×768 screen
            expect(offer.locator(".nba-kind")).to_have_text("Offer")
            expect(offer.locator(".nba-figures")).to_contain_text("Expected")
            expect(offer.locator(".nba-figures")).to_contain_text("P(accept)")
            reasons = offer.locator(".nba-reasons li")
            expect(reasons.first).to_contain_text("P(accept)")
            code = offer.get_attribute("data-code")
            name = offer.locator(".nba-name").inner_text()
            expect(offer.locator("button:has-text('Accepted')")).to_be_in_viewport()
            expect(panel.locator(".nba-source")).to_contain_text(
                "catalogue priors: no model trained yet"
            )
            expect(panel.locator(".nba-held summary")).to_contain_text("Held back (")
            page.screenshot(path=ARTIFACTS / "nba-360.png")
            page.screenshot(path=ARTIFACTS / "nba-360-full.png", full_page=True)

            offer.locator("button:has-text('Accepted')").click()
            expect(panel.locator(".nba-notice")).to_have_text(f"Recorded “{name}”: accepted.")
            expect(panel.locator(f'.nba-action[data-code="{code}"]')).to_have_count(0)
            expect(page).to_have_url(f"{base}/customers/{demo.customer_id}")  # swapped in place
            panel.locator(".nba-held summary").click()
            expect(panel.locator(".nba-held-list li", has_text=name)).to_contain_text(
                "accepted recently"
            )
            page.screenshot(path=ARTIFACTS / "nba-360-accepted.png")
            page.set_viewport_size({"width": 420, "height": 900})
            panel.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / "nba-360-narrow.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 420, f"the 360 scrolls sideways at 420 px ({width} px wide)"

            # The context form re-decides: a complaint puts service first.
            page.set_viewport_size({"width": 1366, "height": 768})
            panel.locator("select[name=intent]").select_option("complaint")
            expect(panel.locator(".nba-service-first")).to_contain_text("Service first")
            expect(panel.locator(".nba-action-offer")).to_have_count(0)
            page.screenshot(path=ARTIFACTS / "nba-360-service-first.png")
            assert page.request.get(f"{base}/offers").status == 403
            page.click("button:has-text('Log out')")

            log_in(page, base, "manager", "/offers")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Offers")
            rows = page.locator("#actions-table tbody tr")
            expect(rows).to_have_count(len(load_demo_catalogue("wholesale")["actions"]))
            chair = page.locator('tr[data-code="chair-pro"]')
            expect(chair.locator(".of-rule")).to_contain_text("segment in bronze, gold")
            page.set_viewport_size({"width": 1366, "height": 900})
            page.screenshot(path=ARTIFACTS / "nba-offers-list.png", full_page=True)
            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=ARTIFACTS / "nba-offers-list-narrow.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 420, f"the offers list scrolls sideways at 420 px ({width} px wide)"
            page.set_viewport_size({"width": 1366, "height": 900})

            switch = chair.locator("button[role=switch]")
            switch.click()
            expect(chair.locator("button[role=switch]")).to_have_attribute("aria-checked", "false")
            chair.locator("button[role=switch]").click()
            expect(chair.locator("button[role=switch]")).to_have_attribute("aria-checked", "true")

            chair.locator(".of-action a").click()
            expect(page).to_have_url(f"{base}/offers/actions/chair-pro")
            rule = page.locator("#f-rule")
            rule.fill("all:\n  - segment: [gld, silver]\n  - open_complaint: false")
            page.click("button:has-text('Save action')")
            error = page.locator("#err-rule")
            expect(error).to_contain_text("'gld' is not a segment here")
            expect(page.locator("#f-rule")).to_have_value(
                "all:\n  - segment: [gld, silver]\n  - open_complaint: false"
            )
            page.locator("#f-rule").scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / "nba-offers-form-refused.png", full_page=True)
            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=ARTIFACTS / "nba-offers-form-refused-narrow.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 420, f"the action form scrolls sideways at 420 px ({width} px wide)"
        finally:
            browser.close()
    # The refused form comes back as 422 (Unprocessable Entity), which Chromium logs.
    expected = "the server responded with a status of 422"
    assert [p for p in problems if expected not in p] == [], f"browser console errors: {problems}"
    if demo.boosted:
        print(f"no demo customer got a sales offer now: saved {BOOSTED} with prior 0.3")
