"""The inbound routing page in Debian's Chromium (issue 22): a manager reads the rules in words,
the agents' presence and the latest decisions, edits the YAML with a typo (refused with its
path, nothing saved), fixes it and saves (the rules' version rises).

Screenshots go to test-artifacts/routing*.png (git-ignored) for a human look.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    log_in,
    require_chromium,
    serve,
    watched_page,
)
from tests.test_routing import RULES, TUESDAY_9, ZONE, _features, _queues
from tests.web_fixtures import build_world
from valuecenter.agents.models import Agent
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.routing import decide as routing
from valuecenter.routing import service
from valuecenter.routing.engine import RulesCache

pytestmark = [pytest.mark.browser]


@pytest.fixture
def routing_server(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'routing.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        world = build_world(session)
        _queues(session)
        session.add(
            Agent(
                external_id="AM-01",
                name="Anna de Jong",
                language="nl",
                user_id=world.users["account_manager"].id,
            )
        )
        for customer in session.query(Customer):
            _features(session, customer)
        service.load_rules(session, document=RULES)
        service.set_presence(session, agent="AM-01", state="available")
        for ext, intent in (("C1001", None), ("C2001", "cancel"), ("C1003", "invoice")):
            routing.decide(
                session,
                RulesCache().get(session),
                routing.Call(customer_id=world.customers[ext].id, intent=intent, at=TUESDAY_9),
                zone=ZONE,
            )
        routing.decide(session, RulesCache().get(session), routing.Call(at=TUESDAY_9), zone=ZONE)
        session.commit()
    engine.dispose()
    with serve(url) as base:
        yield base


def test_manager_edits_the_routing_rules(routing_server: str) -> None:
    base = routing_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = watched_page(browser, problems)
        log_in(page, base, "manager", "/routing")
        expect(page.locator("h1")).to_have_text("Inbound routing")
        expect(page.locator("#rules tbody tr")).to_have_count(8)
        expect(page.locator("#rules")).to_contain_text("intent in cancel")
        expect(page.locator("#presence")).to_contain_text("available")
        expect(page.locator("#decisions tbody tr")).to_have_count(4)
        expect(page.locator("#decisions")).to_contain_text("retention-fr")
        page.screenshot(path=str(ARTIFACTS / "routing.png"), full_page=True)

        text = page.locator("#f-rules").input_value()
        page.fill("#f-rules", text.replace("retention-fr", "retentoin"))
        page.click("#routing-save")
        expect(page.locator("#problem")).to_contain_text(
            "rules[0].then.queue_by_language.fr: 'retentoin' is not a queue"
        )
        expect(page.locator("#source")).to_contain_text("Rules version 1")
        page.screenshot(path=str(ARTIFACTS / "routing-refused.png"), full_page=True)

        page.fill("#f-rules", text.replace("priority: 3", "priority: 4"))
        page.click("#routing-save")
        expect(page.locator("[role=status]")).to_contain_text("version 2")
        expect(page.locator("#rules")).to_contain_text("priority +4")
        page.screenshot(path=str(ARTIFACTS / "routing-saved.png"), full_page=True)

        browser.close()
    # The refused save comes back as 422 (Unprocessable Entity), which Chromium logs.
    expected = "the server responded with a status of 422"
    assert [p for p in problems if expected not in p] == []
