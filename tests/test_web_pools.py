"""The account-manager cockpit through the API and the pages (issue 22, point 2): an account
manager sees only himself, a manager any AM, an agent none; the figures of the hand-built world
of tests/pool_world.py beside the peers' medians; treated against the NBA control group with
the control group it came from; the managers' overview and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.pool_world import EXPECTED, build_pool_world
from tests.web_fixtures import World, bearer, login, make_client
from valuecenter.customers.models import AccountManager
from valuecenter.experiments.models import Experiment, ExperimentKind, ExperimentStatus

URL = "/api/v1/pools/cockpit"


@pytest.fixture
def pools(sessions: sessionmaker[Session], world: World) -> dict[str, int]:
    """The pool world beside the web world: the test's account-manager login owns ``nl-a``;
    the web world's own AMs left, so the active AMs are nl-a, nl-b (NL) and de-c (DE)."""
    with sessions.begin() as session:
        session.execute(update(AccountManager).values(active=False, user_id=None))
        ids = build_pool_world(session)
        session.execute(
            update(AccountManager)
            .where(AccountManager.id == ids["nl-a"])
            .values(user_id=world.users["account_manager"].id)
        )
        session.add(
            Experiment(
                key="nba-control:2026-10",
                kind=ExperimentKind.NBA_CONTROL,
                name="Next best action 2026-10",
                status=ExperimentStatus.RUNNING,
                treated_share=0.95,
                created_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        )
    return ids


def _get(client: TestClient, token: str, **params: object) -> tuple[int, dict[str, object]]:
    r = client.get(URL, params=params, headers=bearer(token))
    return r.status_code, r.json()


def test_an_account_manager_sees_himself_with_peers_and_control(
    db_url: str, world: World, pools: dict[str, int]
) -> None:
    with make_client(db_url) as client:
        status, body = _get(client, world.tokens["account_manager"], month="2026-10")
        assert status == 200, body
        me = body["account_manager"]
        assert isinstance(me, dict)
        assert me["code"] == "nl-a"
        for key, want in EXPECTED["nl-a"].items():
            assert me[key] == pytest.approx(want), key
        assert body["period"] == {"label": "2026-10", "start": "2026-10-01", "end": "2026-11-01"}
        assert body["previous_period"]["label"] == "2026-09"  # type: ignore[index]
        peers = body["peers"]
        assert isinstance(peers, dict)
        # his peers are the others: nl-b in NL (60.00), nl-b and de-c (0) in all
        assert (peers["market"], peers["market_ams"], peers["all_ams"]) == ("NL", 1, 2)
        assert peers["market_median"]["revenue_cents"] == 6000
        assert peers["all_median"]["revenue_cents"] == 3000
        assert peers["market_median"]["top_retention"] == pytest.approx(1.2)
        assert peers["all_median"]["top_retention"] == pytest.approx(1.2)  # de-c has none
        assert peers["all_median"]["nps"] is None  # neither has answers
        # treated a1, a3, a4 (4 decisions, 3 accepted marketing actions worth 65.00, their
        # October revenue 90 + 50 + 200 = 340.00); control a2 (nothing in October)
        control = body["control"]
        assert isinstance(control, dict)
        treated, held = control["treated"], control["control"]
        assert (treated["customers"], treated["decisions"], treated["accepted"]) == (3, 4, 3)
        assert (treated["sales_cents"], treated["revenue_cents"]) == (6500, 34000)
        assert treated["revenue_per_customer_cents"] == pytest.approx(34000 / 3)
        assert (held["customers"], held["decisions"], held["accepted"]) == (1, 1, 0)
        assert held["revenue_per_customer_cents"] == 0
        assert control["revenue_difference_per_customer_cents"] == pytest.approx(34000 / 3)
        assert control["control_groups"] == [{"key": "nba-control:2026-10", "control_share": 0.05}]
        assert set(body["sources"]) >= {"top_retention", "service_sales_cents"}  # type: ignore[arg-type]

        own = _get(
            client,
            world.tokens["account_manager"],
            month="2026-10",
            account_manager_id=pools["nl-a"],
        )
        assert own[0] == 200
        other = _get(
            client,
            world.tokens["account_manager"],
            month="2026-10",
            account_manager_id=pools["nl-b"],
        )
        assert other[0] == 404
        missing = _get(
            client, world.tokens["account_manager"], month="2026-10", account_manager_id=10**9
        )
        assert missing[0] == 404


def test_managers_see_any_am_and_agents_none(
    db_url: str, world: World, pools: dict[str, int]
) -> None:
    with make_client(db_url) as client:
        status, body = _get(
            client, world.tokens["manager"], month="2026-10", account_manager_id=pools["nl-b"]
        )
        assert status == 200
        assert body["account_manager"]["top_retention"] == pytest.approx(1.2)  # type: ignore[index]
        assert body["control"] is None  # no decisions in nl-b's pool
        status, body = _get(
            client, world.tokens["manager"], month="2026-10", account_manager_id=pools["de-d"]
        )
        assert status == 200  # an AM who left can still be looked up
        assert _get(client, world.tokens["manager"], month="2026-10")[0] == 422
        assert (
            _get(client, world.tokens["manager"], month="2026-10", account_manager_id=10**9)[0]
            == 404
        )
        assert _get(client, world.tokens["agent"], month="2026-10")[0] == 403
        assert client.get(URL, params={"month": "2026-10"}).status_code == 401


@pytest.mark.parametrize("month", ["2026-13", "1999-12", "2101-01", "2026-1", "oct"])
def test_bad_months_are_refused(
    db_url: str, world: World, pools: dict[str, int], month: str
) -> None:
    with make_client(db_url) as client:
        status, body = _get(client, world.tokens["account_manager"], month=month)
        assert status == 422
        assert "month" in str(body)


def test_the_cockpit_page_of_an_account_manager(
    db_url: str, world: World, pools: dict[str, int]
) -> None:
    with make_client(db_url) as client:
        login(client, "account-manager")
        page = client.get("/pools/cockpit", params={"month": "2026-10"})
        assert page.status_code == 200
        html = unescape(page.text)
        assert "Cockpit of AM nl-a" in html
        assert "top 2 customers of September 2026: €180 → €90" in html
        assert 'id="card-top_retention"' in html
        assert ">50%<" in html
        assert "nba-control:2026-10" in html
        assert 'href="/pools/cockpit"' in html  # his nav link
        other = client.get("/pools/cockpit", params={"account_manager_id": pools["nl-b"]})
        assert other.status_code == 404
        overview = client.get("/pools", params={"month": "2026-10"}, follow_redirects=False)
        assert overview.status_code == 303
        assert overview.headers["location"] == "/pools/cockpit?month=2026-10"
        assert client.get("/pools/export.csv").status_code == 403


def test_the_overview_and_its_export_for_a_manager(
    db_url: str, world: World, pools: dict[str, int]
) -> None:
    with make_client(db_url) as client:
        login(client, "manager")
        page = client.get("/pools", params={"month": "2026-10"})
        assert page.status_code == 200
        html = unescape(page.text)
        for code in ("nl-a", "nl-b", "de-c"):
            assert f'id="am-{code}"' in html
        assert 'id="am-de-d"' not in html  # left
        assert f"/pools/cockpit?account_manager_id={pools['nl-a']}&month=2026-10" in html
        pick = client.get("/pools/cockpit", params={"month": "2026-10"})
        assert 'id="pick-first"' in pick.text
        chosen = client.get(
            "/pools/cockpit", params={"month": "2026-10", "account_manager_id": pools["nl-b"]}
        )
        assert "Cockpit of AM nl-b" in unescape(chosen.text)
        assert 'id="no-control"' in chosen.text
        export = client.get("/pools/export.csv", params={"month": "2026-10"})
        assert export.status_code == 200
        rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
        by_code = {r["code"]: r for r in rows}
        assert set(by_code) == {"nl-a", "nl-b", "de-c"}
        a = by_code["nl-a"]
        assert (a["month"], a["revenue"], a["top_retention"], a["service_sales"]) == (
            "2026-10",
            "350.00",
            "0.5",
            "30.00",
        )
        assert by_code["de-c"]["top_retention"] == ""
        assert client.get("/pools/cockpit", params={"month": "2026-13"}).status_code == 422


def test_an_account_manager_without_a_pool(db_url: str, world: World) -> None:
    """The web world's AM01 is linked to the login; unlink it: the page says so, the API 404s."""
    with make_client(db_url) as client:
        login(client, "account-manager")
        assert 'id="no-pool"' not in client.get("/pools/cockpit").text
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(AccountManager).values(user_id=None))
    engine.dispose()
    with make_client(db_url) as client:
        login(client, "account-manager")
        page = client.get("/pools/cockpit")
        assert page.status_code == 200
        assert 'id="no-pool"' in page.text
        assert _get(client, world.tokens["account_manager"])[0] == 404
