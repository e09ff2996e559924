"""Sessions and secrets (issue 17): no built-in cookie key, server-side sessions that logout,
a password change, a role change and deactivation end, tokens revoked with the password and
by an admin, the Secure cookie in production."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import PASSWORD, World, bearer, login, make_client, settings_for
from valuecenter.db.secrets import InstallSecret
from valuecenter.settings import Settings
from valuecenter.users import service as users
from valuecenter.users.models import Role, User, UserSession
from valuecenter.web.app import create_app

OLD_CONSTANT = "development-only-insecure-secret-key"  # main's DEV_SECRET_KEY until issue 17


def forged_cookie(key: str, payload: dict[str, object]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it, with ``key``."""
    data = base64.b64encode(json.dumps(payload).encode())
    return TimestampSigner(key).sign(data).decode()


def default_settings(db_url: str) -> Settings:
    """The settings ``make run`` starts with: development, no secret key set."""
    return Settings(database_url=db_url, environment="development", secret_key=None)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def test_default_install_rejects_cookies_signed_with_a_constant_key(
    db_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VALUECENTER_SECRET_KEY", raising=False)
    admin = world.users["admin"].id
    with TestClient(create_app(default_settings(db_url))) as c:
        for key in (OLD_CONSTANT, "x" * 48, "changeme"):
            payload = {"uid": admin, "csrf": "t", "at": int(time.time()), "sid": "guess"}
            c.cookies.set("vc_session", forged_cookie(key, payload))
            response = c.get("/customers", follow_redirects=False)
            assert response.status_code == 303, key
            assert response.headers["location"].startswith("/login")


def test_the_drawn_key_survives_a_restart_and_differs_per_install(
    db_url: str, world: World, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from valuecenter.db.engine import make_engine
    from valuecenter.db.migrate import upgrade
    from valuecenter.db.secrets import install_secret

    monkeypatch.delenv("VALUECENTER_SECRET_KEY", raising=False)
    with TestClient(create_app(default_settings(db_url))) as first:
        login(first, "agent")
        cookie = first.cookies["vc_session"]
    with TestClient(create_app(default_settings(db_url))) as restarted:
        restarted.cookies.set("vc_session", cookie)
        assert restarted.get("/customers", follow_redirects=False).status_code == 200
    engine = make_engine(db_url)
    key = install_secret(engine)
    engine.dispose()
    assert len(key) >= 48
    assert key != OLD_CONSTANT
    other_url = f"sqlite:///{tmp_path}/other.db"
    upgrade(other_url)
    other = make_engine(other_url)
    assert install_secret(other) != key
    other.dispose()


def test_a_set_key_is_used_and_none_is_stored(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    with make_client(db_url) as c:
        login(c, "agent")
    with sessions() as session:
        assert session.scalars(select(InstallSecret)).all() == []


def _saved_login(client: TestClient, username: str) -> str:
    client.cookies.clear()
    login(client, username)
    assert client.get("/customers", follow_redirects=False).status_code == 200
    return client.cookies["vc_session"]


def _works(client: TestClient, cookie: str) -> bool:
    """Whether a saved copy of a session cookie still opens a page."""
    client.cookies.clear()
    client.cookies.set("vc_session", cookie)
    works = client.get("/customers", follow_redirects=False).status_code == 200
    client.cookies.clear()
    return works


def test_logout_ends_the_session_on_the_server(client: TestClient, world: World) -> None:
    saved = _saved_login(client, "agent")
    page = client.get("/customers").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert not _works(client, saved)


def test_password_change_ends_sessions_and_revokes_tokens(
    db_url: str, client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    saved = _saved_login(client, "manager")
    with make_client(db_url) as elsewhere:
        other = _saved_login(elsewhere, "manager")
    assert client.get("/api/v1/me", headers=bearer(world.tokens["manager"])).status_code == 200
    with sessions() as session, session.begin():
        users.set_password(session, username="manager", password="a brand new password")
    assert not _works(client, saved)
    assert not _works(client, other)
    assert client.get("/api/v1/me", headers=bearer(world.tokens["manager"])).status_code == 401
    assert _saved_login(client, "admin")  # the others keep theirs


def test_role_change_ends_the_sessions(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    saved = _saved_login(client, "agent")
    with sessions() as session, session.begin():
        users.set_role(session, username="agent", role=Role.MANAGER)
    assert not _works(client, saved)
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).json()["role"] == (
        "manager"
    )


def test_deactivation_stops_sessions_and_tokens_at_once(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    saved = _saved_login(client, "agent")
    decision = {"customer_id": world.own.id, "channel": "phone"}
    headers = bearer(world.tokens["agent"])
    assert client.post("/api/v1/decisions", json=decision, headers=headers).status_code == 201
    with sessions() as session, session.begin():
        users.set_active(session, username="agent", active=False)
    assert not _works(client, saved)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/decisions", json=decision, headers=headers).status_code == 401
    with sessions() as session:
        assert session.scalars(select(UserSession)).all() == []
    with sessions() as session, session.begin():
        users.set_active(session, username="agent", active=True)
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # stays revoked
    assert _saved_login(client, "agent")


def test_secure_cookie_in_production_unless_turned_off(db_url: str, world: World) -> None:
    with make_client(db_url, environment="production") as c:
        assert "; secure" in c.get("/login").headers["set-cookie"].lower()
    with make_client(db_url, environment="production", cookie_secure=False) as c:
        assert "secure" not in c.get("/login").headers["set-cookie"].lower()


def test_a_session_row_holds_only_a_hash_of_the_cookie_token(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    cookie = _saved_login(client, "agent")
    payload = json.loads(base64.b64decode(cookie.split(".", 1)[0] + "=="))
    with sessions() as session:
        row = session.scalars(select(UserSession)).one()
        assert row.id != payload["sid"]
        assert len(row.id) == 64
        assert session.get(User, row.user_id).username == "agent"  # type: ignore[union-attr]


def test_settings_for_tests_keep_their_key(db_url: str) -> None:
    assert settings_for(db_url).secret_key is not None
    assert PASSWORD
