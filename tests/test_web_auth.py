"""Who may see what (role × endpoint), the session cookie, CSRF, the login throttle and the
start-up refusal of a schema behind the code (sessions, keys and throttling:
tests/test_web_sessions.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import (
    PASSWORD,
    World,
    bearer,
    csrf_from,
    login,
    make_client,
    settings_for,
)
from valuecenter.customers.models import AccountManager
from valuecenter.db.base import utcnow
from valuecenter.errors import SchemaBehind
from valuecenter.users.models import ApiToken, Role, User
from valuecenter.web.app import create_app
from valuecenter.web.deps import require_page_roles, require_roles
from valuecenter.web.security import safe_next

ANON = "anonymous"
ApiManager = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
PageManager = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _api_expectations(role: str, world: World) -> dict[str, int]:
    signed_in = 200 if role != ANON else 401
    return {
        "/api/v1/health": 200,
        "/api/v1/me": signed_in,
        "/api/v1/customers": signed_in,
        f"/api/v1/customers/{world.own.id}": signed_in,
        f"/api/v1/customers/{world.other.id}": (
            401 if role == ANON else 404 if role == "account_manager" else 200
        ),
    }


def _page_expectations(role: str, world: World) -> dict[str, int]:
    signed_in = 200 if role != ANON else 303
    return {
        "/login": 200 if role == ANON else 303,
        "/": 303,
        "/customers": signed_in,
        "/customers?q=bak&country=NL": signed_in,
        f"/customers/{world.own.id}": signed_in,
        f"/customers/{world.other.id}": (
            303 if role == ANON else 404 if role == "account_manager" else 200
        ),
        "/docs": 200,
        "/static/app.css": 200,
    }


@pytest.mark.parametrize("role", [*["agent", "account_manager", "manager", "admin"], ANON])
def test_role_endpoint_matrix(client: TestClient, world: World, role: str) -> None:
    headers = bearer(world.tokens[role]) if role != ANON else {}
    got = {
        path: client.get(path, headers=headers).status_code
        for path in _api_expectations(role, world)
    }
    assert got == _api_expectations(role, world)

    if role != ANON:
        login(client, world.users[role].username)
    pages = _page_expectations(role, world)
    got = {path: client.get(path, follow_redirects=False).status_code for path in pages}
    assert got == pages


def test_anonymous_page_redirects_to_login_with_next(client: TestClient, world: World) -> None:
    response = client.get(f"/customers/{world.own.id}?show=order", follow_redirects=False)
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/login?next=%2Fcustomers%2F{world.own.id}%3Fshow%3Dorder"
    )
    # htmx requests get a redirect instruction instead of a login page in the results box
    partial = client.get("/customers?q=x", headers={"HX-Request": "true"}, follow_redirects=False)
    assert partial.status_code == 401
    assert partial.headers["HX-Redirect"].startswith("/login?next=")


def test_account_manager_sees_exactly_his_pool(client: TestClient, world: World) -> None:
    headers = bearer(world.tokens["account_manager"])
    body = client.get("/api/v1/customers", headers=headers).json()
    assert {item["customer_id"] for item in body["items"]} == {"C1001", "C1002", "C1003"}
    assert body["total"] == 3
    for widening in ({"account_manager": "AM02"}, {"country": "BE"}, {"q": "C2001"}, {"q": "Lumi"}):
        narrowed = client.get("/api/v1/customers", headers=headers, params=widening).json()
        assert (narrowed["items"], narrowed["total"]) == ([], 0), widening
    assert client.get("/api/v1/me", headers=headers).json()["account_manager"] == "AM01"


def test_other_pool_looks_exactly_like_a_missing_customer(client: TestClient, world: World) -> None:
    headers = bearer(world.tokens["account_manager"])
    hidden = client.get(f"/api/v1/customers/{world.other.id}", headers=headers)
    missing = client.get("/api/v1/customers/987654", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"error": "not_found", "detail": "no such customer"}


def test_account_manager_without_a_pool_sees_nothing(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        session.execute(update(AccountManager).values(user_id=None))
    body = client.get("/api/v1/customers", headers=bearer(world.tokens["account_manager"])).json()
    assert body["total"] == 0
    assert (
        client.get("/api/v1/me", headers=bearer(world.tokens["account_manager"])).json()[
            "account_manager"
        ]
        is None
    )


def test_expired_revoked_and_unknown_tokens_are_refused(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        tokens = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        tokens[0].expires_at = utcnow() - timedelta(seconds=1)
        tokens[1].revoked_at = utcnow()
    for token in (world.tokens["agent"], world.tokens["account_manager"], "vc_made-up"):
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert set(response.json()) == {"error", "detail"}
    assert client.get("/api/v1/me", headers=bearer(world.tokens["manager"])).status_code == 200


def test_api_ignores_the_session_cookie(client: TestClient, world: World) -> None:
    login(client, "admin")
    assert client.get("/customers").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_inactive_user_loses_page_access(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    login(client, "manager")
    with sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "manager").values(active=False))
    response = client.get("/customers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


# --- login, logout and the session cookie ---


def test_login_sets_a_hardened_cookie_and_rotates_the_session(
    client: TestClient, world: World
) -> None:
    page = client.get("/login")
    before_token, before_cookie = csrf_from(page.text), client.cookies["vc_session"]
    response = client.post(
        "/login",
        data={"username": "Agent ", "password": PASSWORD, "csrf_token": before_token, "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/customers"
    cookie = response.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=lax", "max-age=28800", "path=/"):
        assert flag in cookie
    assert "secure" not in cookie
    assert client.cookies["vc_session"] != before_cookie
    after_token = csrf_from(client.get("/customers").text)
    assert after_token != before_token


def test_secure_flag_when_configured(db_url: str, world: World) -> None:
    with make_client(db_url, cookie_secure=True, session_max_age_seconds=600) as c:
        cookie = c.get("/login").headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "max-age=600" in cookie


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = csrf_from(client.get("/login").text)
    answers = []
    for username, password in (("agent", "wrong password!"), ("nobody", PASSWORD)):
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        answers.append(response.text.replace(username, "<user>"))
    assert "Wrong username or password." in answers[0]
    assert answers[0] == answers[1]
    assert "wrong password!" not in caplog.text
    assert PASSWORD not in caplog.text
    assert client.get("/customers", follow_redirects=False).status_code == 303


def test_login_redirects_only_within_the_site(client: TestClient, world: World) -> None:
    token = csrf_from(client.get("/login?next=/customers/1").text)
    response = client.post(
        "/login",
        data={
            "username": "agent",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.test/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/customers"
    assert safe_next("/customers/5?show=order") == "/customers/5?show=order"
    for bad in ("https://evil.test/", "//evil.test", "/\\evil.test", "", None, "customers"):
        assert safe_next(bad) == "/customers"


def test_logged_in_user_visiting_login_goes_to_next(client: TestClient, world: World) -> None:
    login(client, "agent")
    response = client.get(f"/login?next=/customers/{world.own.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{world.own.id}"


def test_login_throttle_after_five_failures(client: TestClient, world: World) -> None:
    token = csrf_from(client.get("/login").text)
    for _ in range(5):
        bad = {"username": "agent", "password": "not the password", "csrf_token": token}
        assert client.post("/login", data=bad).status_code == 401
    good = {"username": "AGENT", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=good)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    # another username is not affected
    other = {"username": "manager", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=other, follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    login(client, "agent")
    token = csrf_from(client.get("/customers").text)
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.get("/customers", follow_redirects=False).status_code == 303


# --- CSRF ---


def test_login_without_a_valid_csrf_token_is_refused(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    client.get("/login")
    cookie_before = client.cookies["vc_session"]
    for token in (None, "", "wrong-token"):
        data = {"username": "agent", "password": PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403, token
        assert "set-cookie" not in response.headers
        assert client.cookies["vc_session"] == cookie_before
    assert client.get("/customers", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalar(select(User.last_login_at).where(User.username == "agent")) is None


def test_login_without_any_session_is_refused(client: TestClient, world: World) -> None:
    data = {"username": "agent", "password": PASSWORD, "csrf_token": "guess"}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_logout_without_a_valid_csrf_token_is_refused(client: TestClient, world: World) -> None:
    login(client, "agent")
    attempts: list[tuple[dict[str, str], dict[str, str]]] = [
        ({}, {}),
        ({"X-CSRF-Token": "wrong"}, {}),
        ({}, {"csrf_token": "wrong"}),
    ]
    for headers, data in attempts:
        response = client.post("/logout", headers=headers, data=data, follow_redirects=False)
        assert response.status_code == 403, (headers, data)
        assert "set-cookie" not in response.headers
    assert client.get("/customers").status_code == 200  # still logged in


def test_csrf_token_of_another_session_is_refused(
    db_url: str, client: TestClient, world: World
) -> None:
    login(client, "agent")
    with make_client(db_url) as other:
        login(other, "manager")
        foreign = csrf_from(other.get("/customers").text)
    response = client.post("/logout", data={"csrf_token": foreign}, follow_redirects=False)
    assert response.status_code == 403


# --- role checks for future endpoints ---


def test_require_roles_for_api_and_pages(db_url: str, world: World) -> None:
    app = create_app(settings_for(db_url))

    def api_view(user: ApiManager) -> dict[str, str]:
        return {"user": user.username}

    def page_view(user: PageManager) -> dict[str, str]:
        return {"user": user.username}

    app.add_api_route("/api/v1/test-managers", api_view)
    app.add_api_route("/test-managers", page_view)
    with TestClient(app) as c:
        assert c.get("/api/v1/test-managers", headers=bearer(world.tokens["manager"])).json() == {
            "user": "manager"
        }
        refused = c.get("/api/v1/test-managers", headers=bearer(world.tokens["agent"]))
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "forbidden",
            "detail": "this needs one of the roles: admin, manager",
        }
        login(c, "agent")
        page = c.get("/test-managers")
        assert page.status_code == 403
        assert "Not allowed" in page.text


# --- start-up refusals ---


def test_start_up_refuses_a_schema_behind_the_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(SchemaBehind, match="run `valuecenter db upgrade`"):
        create_app(settings_for(url))
