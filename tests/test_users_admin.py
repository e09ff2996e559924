"""Revoking tokens and deactivating users (issue 17): ``valuecenter users tokens NAME``,
``revoke-token ID``, ``deactivate``/``activate``, ``role`` in Dutch and English, and the admins'
users page (CSRF-checked forms, CSV)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli as run
from tests.web_fixtures import World, bearer, csrf_from, login, make_client
from valuecenter.users.models import ApiToken, Role, User


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _token_id(sessions: sessionmaker[Session], username: str) -> int:
    with sessions() as session:
        return session.scalars(
            select(ApiToken.id)
            .join(User, User.id == ApiToken.user_id)
            .where(User.username == username)
        ).one()


# --- CLI ---


def test_cli_lists_and_revokes_a_token(
    client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token_id = _token_id(sessions, "agent")
    code, out, _err = run(monkeypatch, capsys, "users", "tokens", "agent", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [(t["id"], t["live"]) for t in listed] == [(token_id, True)]
    assert world.tokens["agent"] not in out
    code, out, _err = run(monkeypatch, capsys, "users", "tokens", "agent")
    assert code == 0
    assert "live" in out
    code, out, _err = run(monkeypatch, capsys, "users", "revoke-token", str(token_id))
    assert (code, out) == (0, f"API token {token_id} of agent revoked\n")
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).status_code == 401
    code, out, _err = run(monkeypatch, capsys, "--lang", "nl", "users", "tokens", "agent")
    assert "ingetrokken" in out
    code, _out, err = run(monkeypatch, capsys, "--lang", "nl", "users", "revoke-token", "9999")
    assert code == 3
    assert err == "fout: geen API-token 9999\n"


def test_cli_deactivates_and_activates_in_both_languages(
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    login(client, "agent")
    code, out, _err = run(monkeypatch, capsys, "users", "deactivate", "agent")
    assert (code, out) == (0, "agent deactivated: sessions ended, API tokens revoked\n")
    assert client.get("/customers", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).status_code == 401
    code, out, _err = run(monkeypatch, capsys, "--lang", "nl", "users", "activate", "agent")
    assert (code, out) == (0, "agent geactiveerd\n")
    code, out, _err = run(monkeypatch, capsys, "--lang", "nl", "users", "deactivate", "agent")
    assert out == "agent gedeactiveerd: sessies beëindigd, API-tokens ingetrokken\n"
    code, _out, err = run(monkeypatch, capsys, "users", "deactivate", "nobody")
    assert (code, err) == (3, "error: no user 'nobody'\n")


def test_cli_role_change_ends_the_sessions(
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    login(client, "agent")
    code, out, _err = run(monkeypatch, capsys, "--lang", "nl", "users", "role", "agent", "manager")
    assert (code, out) == (0, "agent is nu manager; zijn sessies zijn beëindigd\n")
    assert client.get("/customers", follow_redirects=False).status_code == 303
    code, _out, err = run(monkeypatch, capsys, "users", "role", "agent", "boss")
    assert code == 2
    assert "is not a role" in err


def test_cli_password_change_revokes_the_tokens(
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a new long password\n"))
    code, out, _err = run(monkeypatch, capsys, "users", "password", "agent", "--password-stdin")
    assert code == 0
    assert "API tokens were revoked" in out
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).status_code == 401


# --- the users page ---


def _admin_page(client: TestClient) -> str:
    login(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    return csrf_from(page.text)


@pytest.mark.parametrize("role", ["agent", "account_manager", "manager"])
def test_only_admins_see_the_users_page(client: TestClient, world: World, role: str) -> None:
    login(client, world.users[role].username)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/export.csv").status_code == 403
    token = csrf_from(client.get("/customers").text)
    refused = client.post("/admin/users/agent/deactivate", data={"csrf_token": token})
    assert refused.status_code == 403


def test_admin_deactivates_activates_and_changes_a_role(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    token = _admin_page(client)
    assert client.post("/admin/users/agent/deactivate").status_code == 403  # no CSRF token
    done = client.post(
        "/admin/users/agent/deactivate", data={"csrf_token": token}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/admin/users")
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).status_code == 401
    page = client.get("/admin/users").text
    assert "deactivated" in page
    client.post("/admin/users/agent/activate", data={"csrf_token": token})
    client.post("/admin/users/agent/role", data={"csrf_token": token, "role": "manager"})
    with sessions() as session:
        agent = session.scalars(select(User).where(User.username == "agent")).one()
        assert (agent.active, agent.role) == (True, Role.MANAGER)
    wrong = client.post("/admin/users/agent/role", data={"csrf_token": token, "role": "boss"})
    assert wrong.status_code == 422
    assert (
        client.post("/admin/users/nobody/activate", data={"csrf_token": token}).status_code == 404
    )


def test_an_admin_cannot_lock_himself_out(client: TestClient, world: World) -> None:
    token = _admin_page(client)
    assert (
        client.post("/admin/users/admin/deactivate", data={"csrf_token": token}).status_code == 409
    )
    demote = client.post("/admin/users/admin/role", data={"csrf_token": token, "role": "agent"})
    assert demote.status_code == 409
    assert client.get("/admin/users").status_code == 200


def test_admin_revokes_a_token_from_the_page(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    token = _admin_page(client)
    token_id = _token_id(sessions, "manager")
    assert f'id="token-{token_id}"' in client.get("/admin/users").text
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/me", headers=bearer(world.tokens["manager"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(world.tokens["agent"])).status_code == 200
    missing = client.post("/admin/tokens/99999/revoke", data={"csrf_token": token})
    assert missing.status_code == 404


def test_the_users_list_exports_to_csv(client: TestClient, world: World) -> None:
    _admin_page(client)
    response = client.get("/admin/users/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Username", "Name", "Role"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"agent", "account-manager", "manager", "admin"}
    assert by_name["admin"][5] == "1"  # his own live session
    assert by_name["agent"][6] == "1"  # one live token
