"""The JSON API: health, the customer list (filters, search, paging), the customer 360, and
the error shapes ``{"error", "detail"}`` for 401/404/422/500/503."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import World, bearer, make_client
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine
from valuecenter.web.deps import SessionDep


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        c.headers.update(bearer(world.tokens["manager"]))
        yield c


def test_health(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": "0.1.0"}


def test_health_reports_a_database_that_is_down(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = client.app
    healthy = app.state.engine  # type: ignore[attr-defined]
    app.state.engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")  # type: ignore[attr-defined]
    try:
        response = client.get("/api/v1/health")
    finally:
        app.state.engine.dispose()  # type: ignore[attr-defined]
        app.state.engine = healthy  # type: ignore[attr-defined]
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "version": "0.1.0"}


def _ids(body: dict[str, object]) -> list[str]:
    return [item["customer_id"] for item in body["items"]]  # type: ignore[attr-defined, index]


def test_list_is_ordered_by_name_with_account_manager_codes(client: TestClient) -> None:
    body = client.get("/api/v1/customers").json()
    assert body["total"] == 6
    assert (body["page"], body["page_size"]) == (1, 50)
    names = [item["name"] for item in body["items"]]
    assert names == sorted(names)
    first = body["items"][0]
    assert first == {
        "id": first["id"],
        "customer_id": "C2002",
        "name": "Atelier Vos",
        "kind": "b2c",
        "country": "BE",
        "language": "nl",
        "segment": "bronze",
        "account_manager": "AM02",
        # Not scored and no open alert in this company (test_web_customer_risk has both).
        "value_segment": None,
        "clv": None,
        "risk": None,
        "open_alerts": 0,
    }
    assert body["items"][-1]["account_manager"] is None  # "Jansen, P." has none


SEARCHES: list[tuple[dict[str, str], list[str]]] = [
    ({"q": "C1001"}, ["C1001"]),  # exact id
    ({"q": "C100"}, ["C1001", "C1002", "C1003"]),  # id prefix
    ({"q": "c100"}, ["C1001", "C1002", "C1003"]),  # any case, on every backend
    ({"q": "ERIJ"}, ["C1001", "C1003"]),  # name contains, any case
    ({"q": "  zonne  "}, ["C1002"]),  # trimmed
    ({"q": "%"}, []),  # LIKE wildcards are literal
    ({"q": "_"}, []),
    ({"q": ", P"}, ["D9001"]),
    ({"country": "BE"}, ["C2002", "C2001"]),
    ({"segment": "gold"}, ["C1001", "C2001"]),
    ({"account_manager": "AM01"}, ["C1001", "C1002", "C1003"]),
    ({"account_manager": "AM01", "country": "NL"}, ["C1001", "C1002"]),
    ({"account_manager": "NOPE"}, []),
    ({"q": "", "country": ""}, ["C2002", "C1001", "C2001", "C1002", "C1003", "D9001"]),
]


def test_list_filters_and_search(client: TestClient) -> None:
    # One database for all cases: they only read (setting a database up is the slow part).
    for params, expected in SEARCHES:
        body = client.get("/api/v1/customers", params=params).json()
        assert (_ids(body), body["total"]) == (expected, len(expected)), params


def test_paging(client: TestClient) -> None:
    pages = [
        client.get("/api/v1/customers", params={"page": n, "page_size": 4}).json()
        for n in (1, 2, 3)
    ]
    assert [len(p["items"]) for p in pages] == [4, 2, 0]
    assert all(p["total"] == 6 for p in pages)
    everything = client.get("/api/v1/customers").json()
    assert _ids(pages[0]) + _ids(pages[1]) == _ids(everything)


BAD_PARAMETERS: list[tuple[dict[str, object], str]] = [
    ({"page_size": 201}, "page_size: must be between 1 and 200"),
    ({"page_size": 0}, "page_size: Input should be greater than or equal to 1"),
    ({"page": 0}, "page: Input should be greater than or equal to 1"),
    ({"page": "two"}, "page: Input should be a valid integer"),
    ({"q": "x" * 101}, "q: search text is longer than 100 characters"),
]


def test_bad_parameters_are_422_naming_the_field(client: TestClient) -> None:
    for params, detail in BAD_PARAMETERS:
        response = client.get("/api/v1/customers", params=params)  # type: ignore[arg-type]
        assert response.status_code == 422, params
        assert response.json()["error"] == "invalid_input"
        assert response.json()["detail"].startswith(detail), response.json()


def test_page_size_limit_follows_the_settings(db_url: str, world: World) -> None:
    with make_client(db_url, page_size_max=3) as c:
        c.headers.update(bearer(world.tokens["agent"]))
        assert c.get("/api/v1/customers", params={"page_size": 3}).status_code == 200
        assert c.get("/api/v1/customers", params={"page_size": 4}).status_code == 422


def test_me(client: TestClient) -> None:
    assert client.get("/api/v1/me").json() == {
        "username": "manager",
        "full_name": "Manager User",
        "role": "manager",
        "account_manager": None,
    }


def test_customer_360(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/customers/{world.own.id}")
    assert response.status_code == 200
    c = response.json()
    assert c["profile"]["customer_id"] == "C1001"
    assert c["profile"]["account_manager"] == {"code": "AM01", "name": "Anna de Jong"}

    orders = c["orders"]
    assert orders["total"] == 4
    assert [o["order_id"] for o in orders["items"]] == ["O-4", "O-3", "O-2", "O-1"]
    o2 = orders["items"][2]
    assert o2["total_cents"] == 20 * 3400 + 125000
    assert o2["currency"] == "EUR"
    assert [(li["product_name"], li["quantity"], li["total_cents"]) for li in o2["lines"]] == [
        ("Sourdough flour 25 kg", 20, 68000),
        ("Deck oven service", 1, 125000),
    ]
    assert orders["items"][0]["total_cents"] == -3450  # a return

    contacts = c["contacts"]
    assert contacts["total"] == 4
    assert [k["contact_id"] for k in contacts["items"]] == ["K-3", "K-4", "K-2", "K-1"]
    k1 = contacts["items"][3]
    assert k1["reasons"] == ["delivery", "invoice"]
    assert (k1["agent"], k1["queue"], k1["case_id"]) == ("Sanne Bakker", "service-nl", "CASE-1")
    assert (k1["wait_seconds"], k1["talk_seconds"], k1["resolved"]) == (35, 410, True)
    k2 = contacts["items"][2]
    assert (k2["transferred"], k2["resolved"]) == (True, False)
    assert contacts["items"][1]["transferred_from_id"] == k2["id"]

    surveys = c["surveys"]
    assert [(s["nps"], s["contact_external_id"]) for s in surveys["items"]] == [
        (9, "K-3"),
        (4, "K-1"),
    ]
    assert surveys["items"][1]["comment"] == "Delivery was late again"

    assert [ct["contract_id"] for ct in c["contracts"]] == ["CT-1"]
    current = {(x["purpose"], x["channel"]): x["granted"] for x in c["consents"]["current"]}
    assert current == {("marketing", "email"): False, ("service", "phone"): True}
    assert c["consents"]["history_total"] == 3
    assert [x["granted"] for x in c["consents"]["history"]] == [False, True, True]

    summary = c["summary"]
    # O-1 is older than 12 months; O-4 is a return and counts negative.
    assert summary["revenue_12m"] == [{"amount_cents": 193000 + 13800 - 3450, "currency": "EUR"}]
    assert summary["orders_count"] == 4
    assert summary["contacts_count"] == 4
    assert summary["contacts_by_channel"] == {"chat": 1, "email": 1, "phone": 2}
    assert summary["last_contact_at"] == contacts["items"][0]["started_at"]
    assert summary["last_nps"]["nps"] == 9


def test_customer_360_of_a_customer_without_history(client: TestClient, world: World) -> None:
    c = client.get(f"/api/v1/customers/{world.customers['D9001'].id}").json()
    assert c["profile"]["account_manager"] is None
    assert c["orders"] == {"items": [], "total": 0}
    assert c["contacts"] == {"items": [], "total": 0}
    assert c["summary"]["revenue_12m"] == [{"amount_cents": 0, "currency": "EUR"}]
    assert c["summary"]["last_nps"] is None
    assert c["summary"]["last_contact_at"] is None


# --- error shapes ---


def test_not_found_shapes(client: TestClient) -> None:
    for path in ("/api/v1/customers/999999", "/api/v1/no-such-endpoint"):
        response = client.get(path)
        assert response.status_code == 404
        assert set(response.json()) == {"error", "detail"}
        assert response.json()["error"] == "not_found"


def test_path_parameter_of_the_wrong_type_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/customers/abc")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("customer_id: ")


def test_missing_token_is_401_with_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/customers", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "missing bearer token (send Authorization: Bearer vc_…)",
    }


def test_unexpected_error_is_a_500_without_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 7")

    client.app.add_api_route("/api/v1/test-explode", explode)  # type: ignore[attr-defined]
    client.app.add_api_route("/test-explode", explode)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="valuecenter.web"):
        response = client.get("/api/v1/test-explode")
        page = client.get("/test-explode")
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "detail": "internal error (logged)"}
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    for text in (response.text, page.text):
        assert "secret internals" not in text
        assert "Traceback" not in text
    assert "secret internals" in caplog.text  # logged server-side


def test_the_request_session_commits_on_success_and_rolls_back_on_error(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    def add(session: SessionDep, fail: bool = False) -> dict[str, bool]:
        session.add(Customer(external_id="NEW-1", name="Nieuw"))
        session.flush()
        if fail:
            raise RuntimeError("boom")
        return {"ok": True}

    client.app.add_api_route("/api/v1/test-add", add)  # type: ignore[attr-defined]

    def count() -> int:
        with sessions() as session:
            stmt = select(func.count()).where(Customer.external_id == "NEW-1")
            return session.scalar(stmt) or 0

    assert client.get("/api/v1/test-add", params={"fail": True}).status_code == 500
    assert count() == 0
    assert client.get("/api/v1/test-add").json() == {"ok": True}
    assert count() == 1


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "valuecenter"
    assert spec["info"]["version"] == "0.1.0"
    for path in (
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
    ):
        assert path in spec["paths"]
    assert not any(p.startswith("/login") for p in spec["paths"])  # pages are not API
    assert client.get("/docs").status_code == 200
