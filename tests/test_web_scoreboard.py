"""The scoreboard's pages and API on every backend (issue 22, point 5): the page polls its
fragment, an answer recorded through the decision API shows in the next fragment and in
``GET /api/v1/scoreboard/me``; the manager's goals forms need the CSRF token, refuse a wrong
number with its field (422, values kept), read amounts in the user's language, and switch the
leaderboard off for agents; every list exports as CSV; roles are checked."""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_nba_pages import CATALOGUE
from tests.web_fixtures import World, bearer, csrf_from, login, make_client
from valuecenter.offers import catalogue
from valuecenter.scoreboard.models import ScoreboardGoal, ScoreboardSettings
from valuecenter.scoreboard.service import TallyCache

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client(db_url: str, world: World, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with sessions() as session:
        catalogue.import_catalogue(session, copy.deepcopy(CATALOGUE))
        session.commit()
    with make_client(db_url, nba_engine_ttl_seconds=0) as c:
        # Every request reads the tallies afresh (the app shares one read for 2 s).
        c.app.state.scoreboard_tallies = TallyCache(ttl=0)  # type: ignore[attr-defined]
        yield c


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _tile(html: str, kpi: str) -> str:
    found = re.search(rf'<article class="sb-tile[^"]*" id="sb-{kpi}".*?</article>', html, re.S)
    assert found, f"no tile {kpi}"
    return _text(found.group(0))


def _accept_through_the_api(client: TestClient, world: World, code: str) -> dict[str, Any]:
    token = bearer(world.tokens["agent"])
    decided = client.post(
        "/api/v1/decisions", json={"customer_id": world.own.id, "channel": "phone"}, headers=token
    )
    assert decided.status_code == 201, decided.text
    out: dict[str, Any] = decided.json()
    action = next(a for a in out["actions"] if a["code"] == code)
    answered = client.post(
        f"/api/v1/decisions/{out['decision_id']}/responses",
        json={"action_id": action["action_id"], "outcome": "accepted"},
        headers=token,
    )
    assert answered.status_code == 201, answered.text
    return out


def test_the_page_polls_its_fragment_and_an_answer_shows_in_it(
    client: TestClient, world: World
) -> None:
    login(client, "agent")
    page = client.get("/scoreboard")
    assert page.status_code == 200
    html = page.text
    assert 'hx-get="/scoreboard/live" hx-trigger="every 5s"' in html
    assert '<a href="/scoreboard" aria-current="page">Scoreboard</a>' in html
    assert 'data-actual="0"' in _tile(html, "accepted")
    assert "Goal: the built-in one" in _text(html)
    _accept_through_the_api(client, world, "oven-check")
    live = client.get("/scoreboard/live", headers=HTMX)
    assert live.status_code == 200
    assert "<html" not in live.text  # a fragment
    accepted, revenue, offers = (
        _tile(live.text, k) for k in ("accepted", "revenue_cents", "offers")
    )
    assert 'data-actual="1"' in accepted
    assert '<strong class="sb-actual">1</strong> <span class="sb-goal">of 5</span>' in accepted
    assert "4 to go (20%)" in accepted
    assert '<strong class="sb-actual">€200</strong>' in revenue
    assert 'data-actual="1"' in offers
    assert '<strong id="sb-points">30</strong> points' in live.text  # 10 + € 200 / € 10
    # The API says the same.
    me = client.get("/api/v1/scoreboard/me", headers=bearer(world.tokens["agent"]))
    assert me.status_code == 200
    body = me.json()
    kpis = {k["kpi"]: k for k in body["kpis"]}
    assert (kpis["accepted"]["actual"], kpis["accepted"]["goal"]) == (1, 5)
    assert kpis["revenue_cents"]["actual"] == 20_000
    assert kpis["accepted"]["progress"] == 0.2
    assert body["points"] == 30
    assert body["goal_source"] == "built-in"
    assert body["timezone"] == "Europe/Amsterdam"
    assert body["leaderboard"] == "team"
    assert body["user_id"] == world.users["agent"].id


def test_the_page_is_in_dutch_with_dutch_money(client: TestClient, world: World) -> None:
    login(client, "agent")
    _accept_through_the_api(client, world, "oven-check")
    html = client.get("/scoreboard/live", headers={**HTMX, "Accept-Language": "nl"}).text
    assert "Geaccepteerd" in html
    assert '<strong class="sb-actual">€ 200</strong>' in _tile(html, "revenue_cents")


def test_who_may_see_what(client: TestClient, world: World) -> None:
    assert client.get("/scoreboard", follow_redirects=False).status_code == 303  # log in first
    assert client.get("/api/v1/scoreboard/me").status_code == 401
    for role in ("account_manager", "manager", "admin"):
        me = client.get("/api/v1/scoreboard/me", headers=bearer(world.tokens[role]))
        assert me.status_code == 200, role
    login(client, "agent")
    assert client.get("/scoreboard/goals").status_code == 403
    assert client.get("/scoreboard/export.csv").status_code == 403
    assert client.get("/scoreboard/goals/export.csv").status_code == 403
    token = csrf_from(client.get("/scoreboard").text)
    refused = client.post(
        "/scoreboard/goals/leaderboard", data={"leaderboard": "off", "csrf_token": token}
    )
    assert refused.status_code == 403
    login(client, "account-manager")
    html = client.get("/scoreboard").text
    assert "My day" in html
    assert 'href="/scoreboard/goals"' not in html


def _goals_token(client: TestClient) -> str:
    page = client.get("/scoreboard/goals")
    assert page.status_code == 200
    return csrf_from(page.text)


def test_the_manager_sets_goals_with_the_csrf_token(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    login(client, "manager")
    token = _goals_token(client)
    data = {"offers": "20", "accepted": "4", "revenue": "400", "saves": ""}
    assert client.post("/scoreboard/goals/roles/agent", data=data).status_code == 403
    saved = client.post(
        "/scoreboard/goals/roles/agent",
        data={**data, "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/scoreboard/goals#roles"
    # Dutch amounts: 1.234,50 is € 1,234.50.
    person = {
        "user_id": str(world.users["agent"].id),
        "offers": "10",
        "accepted": "3",
        "revenue": "1.234,50",
        "saves": "1",
        "csrf_token": token,
    }
    dutch = client.post(
        "/scoreboard/goals/people",
        data=person,
        headers={"Accept-Language": "nl"},
        follow_redirects=False,
    )
    assert dutch.status_code == 303
    with sessions() as session:
        rows = {
            (r.role.value if r.role else r.user_id): (
                r.offers,
                r.accepted,
                r.revenue_cents,
                r.saves,
            )
            for r in session.scalars(select(ScoreboardGoal))
        }
        assert rows == {
            "agent": (20, 4, 40_000, 0),
            world.users["agent"].id: (10, 3, 123_450, 1),
        }
        assert session.scalar(select(ScoreboardGoal.updated_by)) == world.users["manager"].id
    page = _text(client.get("/scoreboard/goals").text)
    assert "Agent User" in page
    assert "€1,234.50" in page  # the personal goal's revenue
    exported = client.get("/scoreboard/goals/export.csv")
    assert exported.status_code == 200
    lines = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert lines[0][:5] == ["user_id", "name", "role", "team", "on_board"]
    assert lines[1][:9] == ["", "", "agent", "", "", "20", "4", "40000", "0"]
    assert lines[2][:9] == [
        str(world.users["agent"].id), "Agent User", "agent", "", "yes", "10", "3", "123450", "1",
    ]  # fmt: skip
    # His board now says his own goal.
    login(client, "agent")
    html = _text(client.get("/scoreboard/live").text)
    assert "Goal: your own, set by a manager." in html
    assert '<span class="sb-goal">of €1,234</span>' in _tile(html, "revenue_cents")
    # Removing it brings back the role's default.
    login(client, "manager")
    token = _goals_token(client)
    agent_id = world.users["agent"].id
    removed = client.post(
        f"/scoreboard/goals/people/{agent_id}/clear",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    login(client, "agent")
    assert "Goal: the default for every agent" in _text(client.get("/scoreboard/live").text)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("offers", "ten", "offers: &#39;ten&#39; is not a whole number"),
        ("accepted", "-1", "accepted: must be from 0 to 10,000"),
        ("saves", "1001", "saves: must be from 0 to 1,000"),
        ("revenue", "lots", "revenue: &#39;lots&#39; is not an amount"),
        ("revenue", "2000000", "revenue: must be from €0 to €1,000,000"),
        ("revenue", "NaN", "revenue: "),
    ],
)
def test_a_wrong_goal_comes_back_with_its_field(
    client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    field: str,
    value: str,
    error: str,
) -> None:
    login(client, "manager")
    token = _goals_token(client)
    data = {"offers": "20", "accepted": "4", "revenue": "400", "saves": "2", field: value}
    answer = client.post(
        "/scoreboard/goals/roles/account_manager", data={**data, "csrf_token": token}
    )
    assert answer.status_code == 422
    assert f'<p class="alert sb-form-error" role="alert">{error}' in answer.text
    assert f'name="{field}" size' in answer.text
    assert f'value="{value}"' in answer.text  # kept as typed
    with sessions() as session:
        assert session.scalars(select(ScoreboardGoal)).all() == []


def test_wrong_people_roles_and_modes_are_refused(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    login(client, "manager")
    token = _goals_token(client)
    goal = {"offers": "1", "accepted": "1", "revenue": "1", "saves": "1", "csrf_token": token}
    manager_id = str(world.users["manager"].id)
    assert client.post("/scoreboard/goals/people", data={**goal, "user_id": ""}).status_code == 422
    assert (
        client.post("/scoreboard/goals/people", data={**goal, "user_id": "9" * 30}).status_code
        == 422
    )
    assert (
        client.post("/scoreboard/goals/people", data={**goal, "user_id": manager_id}).status_code
        == 404
    )
    assert client.post("/scoreboard/goals/roles/manager", data=goal).status_code == 422
    assert client.post("/scoreboard/goals/roles/admin/clear", data=goal).status_code == 422
    mode = client.post(
        "/scoreboard/goals/leaderboard", data={"leaderboard": "loud", "csrf_token": token}
    )
    assert mode.status_code == 422
    assert "leaderboard: &#39;loud&#39; is not one of off, team, everyone" in mode.text
    with sessions() as session:
        assert session.scalars(select(ScoreboardGoal)).all() == []
        assert session.get(ScoreboardSettings, 1) is None


def test_the_manager_switches_the_leaderboard_off_and_exports_it(
    client: TestClient, world: World
) -> None:
    _accept_through_the_api(client, world, "oven-check")
    login(client, "agent")
    assert 'id="sb-leaderboard"' in client.get("/scoreboard/live").text
    login(client, "manager")
    token = _goals_token(client)
    off = client.post(
        "/scoreboard/goals/leaderboard",
        data={"leaderboard": "off", "csrf_token": token},
        follow_redirects=False,
    )
    assert off.status_code == 303
    manager_view = _text(client.get("/scoreboard").text)
    assert "Scoreboard: the team today" in manager_view
    assert "the leaderboard is off" in manager_view
    assert 'id="sb-table"' in manager_view
    assert "changed " in _text(client.get("/scoreboard/goals").text)
    exported = client.get("/scoreboard/export.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["Agent User", "Account Manager User"]
    top = rows[0]
    assert (top["rank"], top["points"], top["accepted"], top["revenue_cents"]) == (
        "1",
        "30",
        "1",
        "20000",
    )
    assert (top["accepted_goal"], top["goal_source"], top["timezone"]) == (
        "5",
        "built-in",
        "Europe/Amsterdam",
    )
    login(client, "agent")
    live = client.get("/scoreboard/live").text
    assert 'id="sb-leaderboard"' not in live
    assert "The leaderboard is off: you see only your own board." in live
    me = client.get("/api/v1/scoreboard/me", headers=bearer(world.tokens["agent"])).json()
    assert (me["leaderboard"], me["rank"], me["ranked"]) == ("off", None, None)


def test_an_expired_session_sends_the_poll_to_the_login(client: TestClient, world: World) -> None:
    login(client, "agent")
    token = csrf_from(client.get("/scoreboard").text)
    client.post("/logout", data={"csrf_token": token})
    poll = client.get("/scoreboard/live", headers=HTMX, follow_redirects=False)
    assert poll.status_code == 401
    assert poll.headers["HX-Redirect"].startswith("/login?next=")


def test_an_account_manager_without_a_market_ranks_alone(client: TestClient, world: World) -> None:
    """An account manager is ranked among the account managers of his market; the test
    world's pool has no country, so he sees only himself, and why."""
    login(client, "account-manager")
    html = _text(client.get("/scoreboard/live").text)
    assert "You are not in a team yet" in html  # his pool has no country in the test world
