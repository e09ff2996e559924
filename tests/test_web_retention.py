"""The save desk and its ledger through the JSON API (issue 7): who may use the desk and the
ledger, an account manager's own pool only (another pool's case is 404 like a missing one),
opening a case by the customer's external id, the outcome's rules (409), one-line 422s, and
the ledger's shape — the gross figure never without the incremental one beside it.

The API takes bearer tokens only: a logged-in browser cookie does not authenticate it, so it
needs no CSRF token (web/security.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_retention_ledger import _gross_has_incremental
from tests.web_fixtures import NOW, World, bearer, login, make_client
from valuecenter.agents.models import Agent
from valuecenter.db.base import utcnow
from valuecenter.retention.models import SaveArm, SaveCase, SaveSource, SaveStatus
from valuecenter.retention.offers import OfferSpec, upsert_offer
from valuecenter.value.models import CustomerScore, ScoreRun

SCORE_RUN = "score-20261101-0001"
CLV = {"C1001": 400_000, "C1002": 90_000, "C2001": 250_000}


@pytest.fixture
def desk(world: World, sessions: sessionmaker[Session]) -> dict[str, int]:
    """A score run pricing three customers, two offers, and two open cases: a desk case for
    C1002 (the account manager's pool) and a control case for C2001 (the other pool)."""
    with sessions() as session:
        run = ScoreRun(
            run_id=SCORE_RUN, started_at=NOW, finished_at=NOW, as_of=NOW.date(), customers=6,
            scored=3, horizon_months=36, discount_rate=0.1, models={}, segments={}, seconds=1.0,
        )  # fmt: skip
        session.add(run)
        session.flush()
        for ext, clv in CLV.items():
            session.add(
                CustomerScore(
                    run_id=run.id,
                    customer_id=world.customers[ext].id,
                    revenue_12m_cents=0,
                    revenue_cents=0,
                    purchases=1,
                    clv_cents=clv,
                    segment="grow",
                )
            )
        upsert_offer(
            session, OfferSpec("free-month", "One month free", "free-months", free_months=1)
        )
        upsert_offer(session, OfferSpec("handset", "Handset", "handset", fixed_cost_cents=15_000))
        ids: dict[str, int] = {}
        for name, ext, arm, hours in (("own", "C1002", SaveArm.DESK, 3),
                                      ("other", "C2001", SaveArm.CONTROL, 5)):  # fmt: skip
            case = SaveCase(
                customer_id=world.customers[ext].id, source=SaveSource.IVR,
                opened_at=utcnow() - timedelta(hours=hours), arm=arm, status=SaveStatus.OPEN,
                value_cents=CLV[ext], monthly_fee_cents=None, reasons=[{"code": "x", "text": "X"}],
                score_run_id=run.id, suggestion={}, offer_cost_cents=0,
            )  # fmt: skip
            session.add(case)
            session.flush()
            ids[name] = case.id
        session.commit()
        return ids


@pytest.fixture(autouse=True)
def _agent_user(world: World, sessions: sessionmaker[Session]) -> None:
    """Link the agent user to agent A-7, so the desk records who handled a case."""
    with sessions() as session:
        agent = session.scalars(select(Agent).where(Agent.external_id == "A-7")).one()
        agent.user_id = world.users["agent"].id
        session.commit()


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url, save_control_share=0.0) as c:
        yield c


def _ids(client: TestClient, token: str, **params: object) -> list[int]:
    response = client.get("/api/v1/retention/cases", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_the_desk_lists_cases_and_an_account_manager_sees_his_pool_only(
    client: TestClient, world: World, desk: dict[str, int]
) -> None:
    assert _ids(client, world.tokens["agent"]) == [desk["own"], desk["other"]]  # newest first
    assert _ids(client, world.tokens["manager"], order="value") == [desk["other"], desk["own"]]
    assert _ids(client, world.tokens["account_manager"]) == [desk["own"]]
    assert _ids(client, world.tokens["admin"], status="closed") == []
    body = client.get(
        "/api/v1/retention/cases",
        headers=bearer(world.tokens["agent"]),
        params={"page_size": 1, "order": "value"},
    ).json()
    assert (body["total"], body["page"], body["page_size"]) == (2, 1, 1)
    item = body["items"][0]
    assert item["customer"] == {
        "id": world.customers["C2001"].id,
        "external_id": "C2001",
        "name": "Brasserie Lumière",
        "country": "BE",
        "account_manager": "AM02",
    }
    assert (item["arm"], item["status"], item["value_cents"]) == ("control", "open", 250_000)
    assert (item["score_run"], item["reasons"]) == (SCORE_RUN, [{"code": "x", "text": "X"}])
    for params, field in (({"status": "gone"}, "status"), ({"page_size": 201}, "page_size")):
        refused = client.get(
            "/api/v1/retention/cases", params=params, headers=bearer(world.tokens["agent"])
        )
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith(f"{field}:")


def test_open_a_case_by_the_customers_external_id(
    client: TestClient, world: World, desk: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["account_manager"]))
    made = client.post("/api/v1/retention/cases", json={"customer_id": "C1001"})
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["customer"]["external_id"] == "C1001"
    assert (case["source"], case["arm"], case["status"]) == ("request", "desk", "open")
    assert (case["value_cents"], case["monthly_fee_cents"], case["score_run"]) == (
        400_000, 4950, SCORE_RUN
    )  # fmt: skip
    assert case["suggested_offer"] in ("free-month", "handset")
    assert {o["code"] for o in case["suggestion"]["offers"]} == {"free-month", "handset"}
    assert any(r["code"] == "monthly_fee_eur" for r in case["reasons"])
    again = client.post("/api/v1/retention/cases", json={"customer_id": "C1001", "source": "ivr"})
    assert again.status_code == 409
    assert again.json()["detail"] == f"customer C1001 already has an open save case ({case['id']})"
    foreign = client.post("/api/v1/retention/cases", json={"customer_id": "C2002"})
    missing = client.post("/api/v1/retention/cases", json={"customer_id": "NOPE"})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == {"error": "not_found", "detail": "customer C2002 does not exist"}
    bad = client.post("/api/v1/retention/cases", json={"customer_id": "C1003", "source": "fax"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("source:")


def test_record_the_outcome(
    client: TestClient, world: World, desk: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    client.headers.update(bearer(world.tokens["agent"]))
    url = f"/api/v1/retention/cases/{desk['own']}/outcome"
    done = client.post(url, json={"outcome": "kept", "offer_code": "handset", "note": " ok "})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["outcome"], body["offer"], body["note"]) == (
        "closed", "kept", "handset", "ok"
    )  # fmt: skip
    assert body["offer_cost_cents"] == 15_000
    assert body["agent"] == "A-7"  # the agent user's agent
    again = client.post(url, json={"outcome": "cancelled"})
    assert again.status_code == 409
    assert "was already closed (kept)" in again.json()["detail"]
    control = f"/api/v1/retention/cases/{desk['other']}/outcome"
    refused = client.post(control, json={"outcome": "kept", "offer_code": "free-month"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"save case {desk['other']} is in the control group: it gets standard handling, no offer"
    )
    fresh = client.post("/api/v1/retention/cases", json={"customer_id": "C1001"}).json()["id"]
    for payload, field in (({"outcome": "maybe"}, "outcome"), ({}, "outcome"),
                           ({"outcome": "kept", "offer_code": "car"}, "offer_code")):  # fmt: skip
        bad = client.post(f"/api/v1/retention/cases/{fresh}/outcome", json=payload)
        assert bad.status_code == 422
        assert bad.json()["detail"].startswith(f"{field}:")
    foreign = client.post(
        control, json={"outcome": "kept"}, headers=bearer(world.tokens["account_manager"])
    )
    assert foreign.status_code == 404
    with sessions() as session:
        still = session.scalars(select(SaveCase.status).where(SaveCase.id == desk["other"]))
        assert still.one() == SaveStatus.OPEN


def test_the_ledger_for_managers_never_gross_alone(
    client: TestClient, world: World, desk: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["agent"]))
    client.post(f"/api/v1/retention/cases/{desk['own']}/outcome", json={"outcome": "kept"})
    client.post(f"/api/v1/retention/cases/{desk['other']}/outcome", json={"outcome": "cancelled"})
    response = client.get("/api/v1/retention/ledger", headers=bearer(world.tokens["manager"]))
    assert response.status_code == 200, response.text
    body = response.json()
    _gross_has_incremental(body)
    assert (body["by"], body["control_share_setting"]) == ("month", 0.0)
    (month,) = body["rows"]
    assert month["key"] == f"{utcnow():%Y-%m}"
    assert (month["desk"], month["control"], month["saves"]["gross"]) == (1, 1, 1)
    assert month["saves"]["incremental"] == {
        "estimate": 1.0,
        "std_error": None,
        "ci95_low": None,
        "ci95_high": None,
        "reason": "1 desk and 1 control cases: an interval needs at least 10 in each",
    }
    assert month["value"]["gross_cents"] == 90_000
    assert month["provenance"] == {
        "score_runs": [SCORE_RUN],
        "control_share": 0.5,
        "randomised": True,
    }
    assert body["total"]["key"] == "total"
    by_agent = client.get(
        "/api/v1/retention/ledger",
        params={"by": "agent", "since": str(utcnow().date() - timedelta(days=1))},
        headers=bearer(world.tokens["admin"]),
    ).json()
    assert [r["key"] for r in by_agent["rows"]] == ["A-7"]
    assert by_agent["rows"][0]["provenance"]["randomised"] is False
    assert by_agent["total"]["provenance"]["randomised"] is True
    empty = client.get(
        "/api/v1/retention/ledger",
        params={"until": str(date(2020, 1, 1))},
        headers=bearer(world.tokens["admin"]),
    ).json()
    assert (empty["rows"], empty["total"]["cases"]) == ([], 0)


def test_offers_for_the_desk(client: TestClient, world: World, desk: dict[str, int]) -> None:
    offers = client.get("/api/v1/retention/offers", headers=bearer(world.tokens["agent"])).json()
    assert [o["code"] for o in offers] == ["free-month", "handset"]
    assert offers[1]["fixed_cost_cents"] == 15_000


@pytest.mark.parametrize(
    ("role", "path", "method"),
    [
        ("agent", "/api/v1/retention/ledger", "get"),
        ("account_manager", "/api/v1/retention/ledger", "get"),
    ],
)
def test_roles_that_may_not_are_refused(
    client: TestClient, world: World, role: str, path: str, method: str
) -> None:
    response = client.request(method, path, headers=bearer(world.tokens[role]))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_the_api_needs_a_token_not_a_cookie(client: TestClient, world: World) -> None:
    """A logged-in browser session does not authenticate the JSON API (so a forged cross-site
    form cannot open or close cases); a bearer token does, without any CSRF token."""
    login(client, "agent")
    response = client.post("/api/v1/retention/cases", json={"customer_id": "C1001"})
    assert response.status_code == 401
