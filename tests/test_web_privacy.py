"""The GDPR on the web (issue 17): every route that reads or changes one customer's data, and
every list of customers, writes an audit entry — the routes derived from the app, so a new
one must be covered here — and the admin's export, objection and erasure, and the audit page.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.customer_at_risk import add_alert, add_save_case
from tests.test_offers_decisions import CATALOGUE, POLICY
from tests.web_fixtures import World, bearer, csrf_from, login, make_client
from valuecenter.alerts.models import Alert
from valuecenter.csv_export import BOM
from valuecenter.customers.models import Customer
from valuecenter.offers import catalogue
from valuecenter.privacy.holdings import holdings
from valuecenter.privacy.models import AuditAction, AuditChannel, AuditEntry
from valuecenter.quality import followups
from valuecenter.quality.models import FollowupTask
from valuecenter.retention.models import SaveArm, SaveCase, SaveSource, SaveStatus
from valuecenter.surveys.models import Survey
from valuecenter.web.audit import CUSTOMER_PARAM, LIST_MARK, ROW_PARAMS

NAMING = {CUSTOMER_PARAM, *ROW_PARAMS}


def routes(app: FastAPI) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(method, path template, endpoint) of every route of the app, included routers too."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for ctx in contexts():
                for method in sorted(ctx.methods or ()):
                    yield method, ctx.path, ctx.endpoint
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods):
                yield method, route.path, route.endpoint


def naming_routes(app: FastAPI) -> set[str]:
    """Every route whose path names a customer or a row of one customer's."""
    return {
        f"{method} {path}"
        for method, path, _e in routes(app)
        if method != "HEAD" and any("{" + p + "}" in path for p in NAMING)
    }


@pytest.fixture
def setup(world: World, sessions: sessionmaker[Session]) -> dict[str, int]:
    """The world with the decision catalogue, an open alert and open save cases."""
    import copy

    with sessions() as session:
        catalogue.import_catalogue(session, {**copy.deepcopy(CATALOGUE), **copy.deepcopy(POLICY)})
        alert = add_alert(session, world)
        case = add_save_case(session, world)
        other_case = SaveCase(
            customer_id=world.customers["C1002"].id, source=SaveSource.REQUEST,
            opened_at=case.opened_at, arm=SaveArm.CONTROL, status=SaveStatus.OPEN,
            value_cents=1000, reasons=[], suggestion={},
        )  # fmt: skip
        other_alert = Alert(
            run_id=alert.run_id, customer_id=world.customers["C1002"].id, kind=alert.kind,
            raised_on=alert.raised_on, risk=0.5, clv_cents=1000, value_at_risk_cents=500,
            reasons=[], action="Call",
        )  # fmt: skip
        session.add_all([other_case, other_alert])
        session.add(Survey(external_id="S-W", customer_id=world.customers["C1002"].id,
                           answered_at=case.opened_at, nps=2))  # fmt: skip
        session.flush()
        followups.create_missing(session, now=case.opened_at, max_age_days=3650)
        found = session.execute(select(FollowupTask.customer_id, FollowupTask.id)).all()
        tasks = {int(customer): int(task) for customer, task in found}
        session.commit()
        return {"alert": alert.id, "case": case.id, "other_case": other_case.id,
                "other_alert": other_alert.id, "task": tasks[world.own.id],
                "other_task": tasks[world.customers["C1002"].id]}  # fmt: skip


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url, nba_engine_ttl_seconds=0.0) as c:
        yield c


def entries(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_every_route_that_names_a_customer_writes_an_audit_entry(
    client: TestClient, world: World, setup: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    own, second = world.own.id, world.customers["C1002"].id
    api = bearer(world.tokens["admin"])
    login(client, "admin")
    csrf = csrf_from(client.get(f"/customers/{own}").text)
    decided = client.post("/api/v1/decisions", json={"customer_id": own, "channel": "phone"},
                          headers=api).json()  # fmt: skip
    shown = decided["actions"]
    form = {"csrf_token": csrf}

    def page_answer() -> Response:
        data = {**form, "action_id": str(shown[0]["action_id"]), "outcome": "rejected"}
        return client.post(
            f"/customers/{own}/nba/{decided['decision_id']}/responses",
            data=data,
            follow_redirects=False,
        )

    # One request per route, and the customer its entry must name.
    requests: dict[str, tuple[Callable[[], Response], int, AuditAction]] = {
        "GET /customers/{customer_id}": (
            lambda: client.get(f"/customers/{own}"), own, AuditAction.READ),
        "GET /customers/{customer_id}/nba": (
            lambda: client.get(f"/customers/{own}/nba"), own, AuditAction.READ),
        "GET /api/v1/customers/{customer_id}": (
            lambda: client.get(f"/api/v1/customers/{own}", headers=api), own, AuditAction.READ),
        "POST /customers/{customer_id}/nba/{decision_id}/responses": (
            page_answer, own, AuditAction.CHANGE),
        "POST /api/v1/decisions/{decision_id}/responses": (
            lambda: client.post(f"/api/v1/decisions/{decided['decision_id']}/responses",
                                json={"action_id": shown[1]["action_id"], "outcome": "accepted"},
                                headers=api), own, AuditAction.CHANGE),
        "POST /api/v1/customers/{customer_id}/consents": (
            lambda: client.post(f"/api/v1/customers/{own}/consents", headers=api,
                                json={"purpose": "marketing", "channel": "sms",
                                      "granted": True, "source": "form"}),
            own, AuditAction.CHANGE),
        "POST /alerts/{alert_id}/handle": (
            lambda: client.post(f"/alerts/{setup['alert']}/handle",
                                data={**form, "outcome": "kept"}, follow_redirects=False),
            own, AuditAction.CHANGE),
        "POST /api/v1/alerts/{alert_id}/handle": (
            lambda: client.post(f"/api/v1/alerts/{setup['other_alert']}/handle", headers=api,
                                json={"outcome": "kept"}), second, AuditAction.CHANGE),
        "POST /retention/desk/{case_id}/outcome": (
            lambda: client.post(f"/retention/desk/{setup['case']}/outcome",
                                data={**form, "outcome": "cancelled"},
                                follow_redirects=False), own, AuditAction.CHANGE),
        "POST /api/v1/retention/cases/{case_id}/outcome": (
            lambda: client.post(f"/api/v1/retention/cases/{setup['other_case']}/outcome",
                                headers=api, json={"outcome": "cancelled"}),
            second, AuditAction.CHANGE),
        "POST /service/followups/{followup_id}/close": (
            lambda: client.post(f"/service/followups/{setup['task']}/close",
                                data={**form, "status": "unreachable"},
                                follow_redirects=False), own, AuditAction.CHANGE),
        "POST /api/v1/followups/{followup_id}/close": (
            lambda: client.post(f"/api/v1/followups/{setup['other_task']}/close",
                                headers=api, json={"status": "unreachable"}),
            second, AuditAction.CHANGE),
        "GET /customers/{customer_id}/gdpr/export.zip": (
            lambda: client.get(f"/customers/{own}/gdpr/export.zip"), own, AuditAction.EXPORT),
        "POST /customers/{customer_id}/gdpr/objection": (
            lambda: client.post(f"/customers/{own}/gdpr/objection", data=form,
                                follow_redirects=False),
            own, AuditAction.OBJECT),
        "POST /customers/{customer_id}/gdpr/erase": (
            lambda: client.post(f"/customers/{second}/gdpr/erase",
                                data={**form, "confirm": "C1002"},
                                follow_redirects=False), second, AuditAction.ERASE),
    }  # fmt: skip
    assert set(requests) == naming_routes(client.app)  # type: ignore[arg-type]
    for route, (send, customer_id, action) in requests.items():
        seen = len(entries(sessions))
        response = send()
        assert response.status_code < 400, (route, response.status_code, response.text[:300])
        new = entries(sessions)[seen:]
        assert [(e.customer_id, e.action, e.route) for e in new] == [
            (customer_id, action, route)
        ], route
        user = world.users["admin"].id
        assert all(e.user_id == user for e in new)
        assert new[0].channel == (AuditChannel.API if "/api/" in route else AuditChannel.PAGE)


def test_a_customer_the_user_may_not_see_writes_no_entry(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    login(client, "account-manager")
    assert client.get(f"/customers/{world.other.id}").status_code == 404
    assert entries(sessions) == []


def test_every_list_that_shows_customers_writes_an_audit_entry(
    client: TestClient, world: World, setup: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Every GET route without path parameters is called as the admin; each one whose answer
    names the customer writes a ``list`` entry (and is marked ``@lists_customers``)."""
    login(client, "admin")
    api = bearer(world.tokens["admin"])
    name, number = "Bakkerij de Vries", "C1001"
    showing: list[str] = []
    marked = set()
    for method, path, endpoint in routes(client.app):  # type: ignore[arg-type]
        if method != "GET" or "{" in path or path.startswith(("/static", "/docs", "/openapi")):
            continue
        if getattr(endpoint, LIST_MARK, False):
            marked.add(path)
        seen = len(entries(sessions))
        response = client.get(
            path, headers=api if path.startswith("/api/") else {}, follow_redirects=False
        )
        text = response.text
        if name in text or number in text or name in json.dumps(text):
            showing.append(path)
            new = entries(sessions)[seen:]
            assert [(e.action, e.route, e.customer_id) for e in new] == [
                (AuditAction.LIST, f"GET {path}", None)
            ], path
    assert {"/customers", "/customers/export.csv", "/api/v1/customers",
            "/api/v1/customers/export.csv", "/alerts", "/api/v1/alerts",
            "/retention/desk"} <= set(showing)  # fmt: skip
    assert set(showing) <= marked


def test_the_admin_exports_objects_and_reads_the_audit_log(
    client: TestClient, world: World, setup: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    own = world.own.id
    login(client, "admin")
    page = client.get(f"/customers/{own}").text
    assert 'id="gdpr"' in page
    response = client.get(f"/customers/{own}/gdpr/export.zip")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert names == {"customer.json"} | {f"{h.table.name}.csv" for h in holdings()}
    document = json.loads(archive.read("customer.json"))
    assert document["tables"]["customers"]["rows"][0]["name"] == "Bakkerij de Vries"

    csrf = csrf_from(page)
    done = client.post(f"/customers/{own}/gdpr/objection", data={"csrf_token": csrf},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Objection recorded" in shown
    # A wrong confirmation erases nothing.
    wrong = client.post(f"/customers/{own}/gdpr/erase",
                        data={"csrf_token": csrf, "confirm": "C9999"})  # fmt: skip
    assert wrong.status_code == 422
    assert "C1001" in wrong.text
    with sessions() as session:
        customer = session.get(Customer, own)
        assert customer is not None
        assert customer.name == "Bakkerij de Vries"

    audit = client.get("/admin/audit?customer=C1001").text
    assert "gdpr/export.zip" in audit
    assert "Bakkerij" not in audit  # ids only
    listed = client.get("/admin/audit/export.csv?action=object")
    rows = list(csv.reader(io.StringIO(listed.text.removeprefix(BOM))))
    assert rows[0] == ["time_utc", "user_id", "customer_id", "action", "channel", "route"]
    assert [r[1:] for r in rows[1:]] == [
        [str(world.users["admin"].id), str(own), "object", "page",
         "POST /customers/{customer_id}/gdpr/objection"]
    ]  # fmt: skip
    # In Dutch.
    client.cookies.set("vc_lang", "nl")
    dutch = client.get("/admin/audit", headers={"Accept-Language": "nl"}).text
    assert "Auditlog" in dutch


@pytest.mark.parametrize("role", ["agent", "account_manager", "manager"])
def test_only_an_admin_has_the_gdpr_actions_and_the_audit_log(
    client: TestClient, world: World, role: str
) -> None:
    login(client, role.replace("_", "-"))
    own = world.own.id
    assert 'id="gdpr"' not in client.get(f"/customers/{own}").text
    assert client.get(f"/customers/{own}/gdpr/export.zip").status_code == 403
    assert client.get("/admin/audit").status_code == 403
