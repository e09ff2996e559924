"""The users page (admins only): every user with his role, state, last login, live sessions
and live API tokens; deactivate or activate a user, give him another role, revoke a token
(docs/security.md). Plain forms, CSRF-checked like every page form; each action redirects back
to the page. The same actions are in the CLI (``valuecenter users …``).

An admin cannot deactivate himself or take away his own admin role from here: the page would
lock him out (the CLI can).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict
from valuecenter.i18n import _, lazy_gettext
from valuecenter.users import service as users
from valuecenter.users.models import ApiToken, Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

AdminUser = Annotated[User, Depends(require_page_roles(Role.ADMIN))]
PAGE = "/admin/users"

TOKEN_STATES = {
    "live": lazy_gettext("live"),
    "expired": lazy_gettext("expired"),
    "revoked": lazy_gettext("revoked"),
}


def token_state(api_token: ApiToken) -> str:
    if api_token.revoked_at is not None:
        return "revoked"
    if api_token.expires_at <= utcnow():
        return "expired"
    return "live"


def _back() -> Response:
    return RedirectResponse(PAGE, status_code=303)


@router.get(PAGE)
def users_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    listed = users.list_users(session)
    tokens = users.all_tokens(session)
    sessions = users.live_session_counts(session)
    live_tokens: dict[str, int] = {}
    for api_token, name in tokens:
        if token_state(api_token) == "live":
            live_tokens[name] = live_tokens.get(name, 0) + 1
    return templates.TemplateResponse(
        request,
        "users/list.html",
        {
            "user": user,
            "users": listed,
            "sessions": sessions,
            "live_tokens": live_tokens,
            "tokens": [(t, name, token_state(t)) for t, name in tokens],
            "token_states": TOKEN_STATES,
            "roles": [r.value for r in Role],
        },
    )


def user_header() -> list[str]:
    return [
        _("Username"),
        _("Name"),
        _("Role"),
        _("Active"),
        _("Last login"),
        _("Live sessions"),
        _("Live API tokens"),
    ]


def user_rows(session: Session, _viewer: User) -> Iterator[Sequence[object]]:
    sessions = users.live_session_counts(session)
    live: dict[int, int] = {}
    for api_token, _name in users.all_tokens(session):
        if token_state(api_token) == "live":
            live[api_token.user_id] = live.get(api_token.user_id, 0) + 1
    for u in users.list_users(session):
        yield (
            u.username,
            u.full_name,
            u.role,
            u.active,
            u.last_login_at,
            sessions.get(u.id, 0),
            live.get(u.id, 0),
        )


@router.get(PAGE + "/export.csv")
def users_export(request: Request, user: AdminUser) -> Response:
    """The users list as CSV (the page's "CSV" link)."""
    return csv_download(request, user, name="users", header=user_header(), rows=user_rows)


@router.post(PAGE + "/{username}/deactivate")
def deactivate(session: SessionDep, user: AdminUser, username: str) -> Response:
    """Deactivate: his sessions end and his API tokens are revoked at once."""
    if users.get_user(session, username).id == user.id:
        raise Conflict(_("you cannot deactivate your own account"))
    users.set_active(session, username=username, active=False)
    return _back()


@router.post(PAGE + "/{username}/activate")
def activate(session: SessionDep, user: AdminUser, username: str) -> Response:
    users.set_active(session, username=username, active=True)
    return _back()


@router.post(PAGE + "/{username}/role")
def change_role(
    session: SessionDep,
    user: AdminUser,
    username: str,
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Another role; the user's sessions end (his next login has it)."""
    parsed = users.parse_role(role)
    if users.get_user(session, username).id == user.id and parsed != Role.ADMIN:
        raise Conflict(_("you cannot take away your own admin role"))
    users.set_role(session, username=username, role=parsed)
    return _back()


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(
    session: SessionDep, user: AdminUser, token_id: Annotated[int, Path(ge=1, lt=2**63)]
) -> Response:
    users.revoke_token(session, token_id)
    return _back()
