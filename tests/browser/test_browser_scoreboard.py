"""The live scoreboard in Debian's Chromium (issue 22's "Done when": the scoreboard updates when
an accepted offer is recorded, without a reload).

An agent has ``/scoreboard`` open (his second screen). In another tab, his agent desktop, he
records "Accepted" for the next best action on a customer's 360; then a second offer is
accepted through the decision API with his token. The scoreboard's accepted count, revenue and
points follow each time within a few polls — and the page never navigated: a marker set on its
``window`` survives and the main frame saw no navigation. Then the same board in Dutch, on a
420 px screen, and the manager's view and goals page. Screenshots go to
test-artifacts/scoreboard-*.png (git-ignored) for a human look.

The company is the web tests' small world (``tests/web_fixtures.py``) with the decision tests'
catalogue (no exploration, no control group: the shown actions are the catalogue's best), the
agent and two teammates in team "Service NL", an agent of another team, a default goal for
agents, and a morning's work of the teammates and one save of the agent's.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, log_in, require_chromium, serve
from tests.test_web_nba_pages import CATALOGUE
from tests.web_fixtures import World, bearer, build_world, password_hash
from valuecenter.agents.models import Agent, Team
from valuecenter.analytics.scoreboard import Goal, day_window
from valuecenter.db.base import utcnow
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.offers import catalogue, decisions
from valuecenter.offers.engine import load_engine
from valuecenter.retention.models import SaveArm, SaveCase, SaveOutcome, SaveSource, SaveStatus
from valuecenter.scoreboard import service
from valuecenter.users.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ZONE = ZoneInfo("Europe/Amsterdam")
WIDE = {"width": 1440, "height": 900}
NARROW = {"width": 420, "height": 900}


@dataclass(frozen=True)
class Demo:
    base: str
    world: World


def _user(session: Session, username: str, full_name: str, team: Team, code: str) -> User:
    user = User(
        username=username, full_name=full_name, password_hash=password_hash(), role=Role.AGENT
    )
    session.add(user)
    session.flush()
    session.add(Agent(external_id=code, name=full_name, team_id=team.id, user_id=user.id))
    return user


def _ago(delta: timedelta) -> datetime:
    """``delta`` before now, shrunk when today (in the board's zone) is younger than three
    hours, so every event of the morning stays in today's window and in its order: CI also
    runs just after midnight, when "90 minutes ago" is yesterday."""
    now = utcnow()
    today = now - day_window(now, ZONE).start
    return now - delta * min(1.0, today / timedelta(hours=3))


def _accepted(session: Session, user: User, customer: int, code: str) -> None:
    """A decision by ``user`` for ``customer`` an hour ago, ``code`` accepted."""
    at = _ago(timedelta(hours=1))
    out = decisions.decide(
        session,
        load_engine(session),
        decisions.Request(customer_id=customer, channel="phone"),
        viewer=user,
        zone=ZONE,
        now=at,
        rng=random.Random(1),
    )
    action = next(a for a in out.actions if a.code == code)
    decisions.record_response(
        session,
        decision_id=out.decision_id,
        action_id=action.action_id,
        outcome="accepted",
        viewer=user,
        now=max(at, _ago(timedelta(minutes=57))),
    )


def _board_world(session: Session) -> World:
    world = build_world(session)
    catalogue.import_catalogue(session, copy.deepcopy(CATALOGUE))
    agent = session.get(User, world.users["agent"].id)
    manager = session.get(User, world.users["manager"].id)
    assert agent is not None
    assert manager is not None
    agent.full_name = "Sanne Bakker"
    team = session.scalar(select(Team).where(Team.code == "T1"))
    assert team is not None
    own = session.scalar(select(Agent).where(Agent.external_id == "A-7"))
    assert own is not None
    own.user_id = agent.id
    other_team = Team(code="T2", name="Sales BE")
    session.add(other_team)
    session.flush()
    daan = _user(session, "daan", "Daan Mulder", team, "A-8")
    lotte = _user(session, "lotte", "Lotte de Boer", team, "A-9")
    _user(session, "youssef", "Youssef El Amrani", other_team, "A-10")
    c = world.customers
    _accepted(session, daan, c["C2001"].id, "oven-check")
    _accepted(session, lotte, c["C2002"].id, "thank-you")
    session.add(
        SaveCase(
            customer_id=c["C1003"].id, source=SaveSource.IVR,
            opened_at=_ago(timedelta(hours=2)), arm=SaveArm.DESK, status=SaveStatus.CLOSED,
            value_cents=90_000, reasons=[], suggestion={}, outcome=SaveOutcome.KEPT,
            closed_at=_ago(timedelta(minutes=90)), handled_by=agent.id,
        )
    )  # fmt: skip
    service.set_goal(session, Goal(12, 4, 60_000, 2), by=manager, role=Role.AGENT)
    session.commit()
    return world


@pytest.fixture
def board_server(tmp_path: Path) -> Iterator[Demo]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'scoreboard.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        world = _board_world(session)
    engine.dispose()
    with serve(url) as base:
        yield Demo(base, world)


def _no_sideways_scroll(page: object, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= NARROW["width"], f"{what} scrolls sideways at 420 px ({width} px wide)"


def test_the_scoreboard_updates_without_a_reload(board_server: Demo) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    base, world = board_server.base, board_server.world
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    def watch(page: Page) -> Page:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        return page

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport=WIDE, locale="en-GB")
            board = watch(context.new_page())
            log_in(board, base, "agent", "/scoreboard")
            expect(board.locator("h1")).to_have_text("My day")
            expect(board.locator(".mainnav a[aria-current=page]")).to_have_text("Scoreboard")
            accepted = board.locator("#sb-accepted .sb-actual")
            revenue = board.locator("#sb-revenue_cents .sb-actual")
            points = board.locator("#sb-points")
            expect(accepted).to_have_text("0")
            expect(board.locator("#sb-accepted .sb-goal")).to_have_text("of 4")
            expect(revenue).to_have_text("€0")
            expect(board.locator("#sb-saves .sb-actual")).to_have_text("1")
            expect(points).to_have_text("25")
            ranking = board.locator("#sb-leaderboard .sb-row")
            expect(board.locator("#sb-leaders-title")).to_have_text("Leaderboard: Service NL")
            expect(ranking).to_have_count(3)  # his team only: not Youssef of Sales BE
            expect(ranking.first).to_contain_text("Daan Mulder")  # 10 + € 200 / € 10 = 30
            expect(board.locator(".sb-me")).to_contain_text("Sanne Bakker")
            board.evaluate("window.__scoreboardMarker = 'still the same page'")
            navigations: list[str] = []
            board.on(
                "framenavigated",
                lambda frame: navigations.append(frame.url) if frame == board.main_frame else None,
            )
            board.screenshot(path=ARTIFACTS / "scoreboard-en-before.png", full_page=True)

            # The agent desktop in another tab: "Accepted" on the customer's 360.
            desk = watch(context.new_page())
            desk.goto(f"{base}/customers/{world.own.id}")
            offer = desk.locator('#nba .nba-action[data-code="oven-check"]')
            expect(offer).to_be_visible()
            offer.locator("button:has-text('Accepted')").click()
            expect(desk.locator("#nba .nba-notice")).to_contain_text("accepted")

            expect(accepted).to_have_text("1", timeout=15_000)
            expect(revenue).to_have_text("€200")
            expect(points).to_have_text("55")  # 10 + 25 + € 200 / € 10
            expect(board.locator("#sb-accepted .sb-note")).to_have_text("3 to go (25%)")
            expect(ranking.first).to_contain_text("Sanne Bakker")  # now first
            expect(board.locator(".sb-rank")).to_have_text("Place 1 of 3")

            # A second offer accepted through the decision API with his token.
            token = bearer(world.tokens["agent"])
            with httpx.Client(base_url=base, headers=token, timeout=10) as api:
                decided = api.post(
                    "/api/v1/decisions",
                    json={"customer_id": world.customers["C1002"].id, "channel": "phone"},
                )
                assert decided.status_code == 201, decided.text
                out = decided.json()
                action = next(a for a in out["actions"] if a["code"] == "oven-check")
                answered = api.post(
                    f"/api/v1/decisions/{out['decision_id']}/responses",
                    json={"action_id": action["action_id"], "outcome": "accepted"},
                )
                assert answered.status_code == 201, answered.text
            expect(accepted).to_have_text("2", timeout=15_000)
            expect(revenue).to_have_text("€400")
            expect(points).to_have_text("85")
            # Three decisions shown: the 360's, its fresh panel after the answer, the API's.
            expect(board.locator("#sb-offers .sb-actual")).to_have_text("3")

            # Never reloaded: the marker survived and the tab did not navigate.
            assert board.evaluate("window.__scoreboardMarker") == "still the same page"
            assert navigations == []
            assert board.url == f"{base}/scoreboard"
            board.screenshot(path=ARTIFACTS / "scoreboard-en-after.png", full_page=True)
            board.set_viewport_size(NARROW)
            board.screenshot(path=ARTIFACTS / "scoreboard-en-narrow.png", full_page=True)
            _no_sideways_scroll(board, "the scoreboard")

            # In Dutch: the words and the money.
            board.set_viewport_size(WIDE)
            board.click(".language-switch button[value=nl]")
            expect(board.locator("html")).to_have_attribute("lang", "nl")
            expect(revenue).to_have_text("€ 400")
            expect(board.locator("#sb-accepted .sb-label")).to_have_text("Geaccepteerd")
            board.screenshot(path=ARTIFACTS / "scoreboard-nl.png", full_page=True)
            board.set_viewport_size(NARROW)
            board.screenshot(path=ARTIFACTS / "scoreboard-nl-narrow.png", full_page=True)
            _no_sideways_scroll(board, "the Dutch scoreboard")
            context.close()

            # The manager: everyone's board, the CSV, the goals page.
            context = browser.new_context(viewport=WIDE, locale="en-GB")
            manager = watch(context.new_page())
            log_in(manager, base, "manager", "/scoreboard")
            expect(manager.locator("h1")).to_have_text("Scoreboard: the team today")
            rows = manager.locator("#sb-table tbody tr")
            expect(rows).to_have_count(5)  # four agents and the account manager
            expect(rows.first).to_contain_text("Sanne Bakker")
            expect(manager.locator("#sb-leaderboard .csv-link")).to_be_visible()
            manager.screenshot(path=ARTIFACTS / "scoreboard-manager.png", full_page=True)
            manager.set_viewport_size(NARROW)
            manager.screenshot(path=ARTIFACTS / "scoreboard-manager-narrow.png", full_page=True)
            _no_sideways_scroll(manager, "the manager's scoreboard")
            manager.set_viewport_size(WIDE)
            manager.click("text=Goals and leaderboard")
            expect(manager.locator("h1")).to_have_text("Goals and leaderboard")
            manager.fill("#role-account_manager input[name=revenue]", "lots")
            manager.click("#role-account_manager button[type=submit]")
            expect(manager.locator(".sb-form-error")).to_have_text(
                "revenue: 'lots' is not an amount"
            )
            manager.check("#leaderboard-form input[value=off]")
            manager.click("#leaderboard-form button[type=submit]")
            expect(manager.locator("#leaderboard-form input[value=off]")).to_be_checked()
            manager.screenshot(path=ARTIFACTS / "scoreboard-goals.png", full_page=True)
            manager.set_viewport_size(NARROW)
            manager.screenshot(path=ARTIFACTS / "scoreboard-goals-narrow.png", full_page=True)
            _no_sideways_scroll(manager, "the goals page")
            context.close()
        finally:
            browser.close()
    expected = "the server responded with a status of 422"  # the refused goal, on purpose
    assert [p for p in problems if expected not in p] == [], f"browser console errors: {problems}"
