"""Request dependencies: the database session, the current user and role checks.

Dependencies that touch no database are ``async def``: FastAPI runs a plain ``def``
dependency in its thread pool, and each such hop costs more than the check itself (on the
decision API a request made eight of them).

``get_session`` is the web tier's only commit point (with ``db/uow.py`` for the CLI): one
session per request, committed when the handler returns normally and rolled back when it
raises. It runs in FastAPI's "function" scope, so the commit happens before the response
is sent and a failed commit becomes an error response, never a false success.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.db.uow import unit_of_work
from valuecenter.errors import Forbidden, NotAuthenticated
from valuecenter.privacy.models import AuditChannel
from valuecenter.settings import Settings
from valuecenter.users import service as users
from valuecenter.users.models import Role, User
from valuecenter.web.audit import audit_request
from valuecenter.web.query_guard import refuse_unknown
from valuecenter.web.security import end_session, session_user


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns (see ``db/uow.py``)."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with unit_of_work(factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `valuecenter users token <username>` (starts with vc_).",
)


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The token of ``Authorization: Bearer vc_…``; :class:`NotAuthenticated` without one."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("missing bearer token (send Authorization: Bearer vc_…)")
    return credentials.credentials


Body = TypeVar("Body", bound=BaseModel)


async def hot_path_request(
    request: Request, model: type[Body]
) -> tuple[Body, HTTPAuthorizationCredentials | None]:
    """The checks FastAPI runs before a JSON route's handler, for a hot path mounted without
    it (the decision and routing APIs, ``web/app.py``): 401 without a bearer token before the
    body is read, 422 on an unknown query parameter or a body ``model`` refuses — the same
    answers as the documented route. The token itself is checked in the handler's
    transaction."""
    credentials = await BEARER(request)
    bearer_token(credentials)
    refuse_unknown(request, frozenset())
    try:
        body = model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    return body, credentials


def bearer_user(session: Session, credentials: HTTPAuthorizationCredentials | None) -> User:
    """The user of the bearer token in ``Authorization: Bearer vc_…``."""
    return users.user_for_token(session, bearer_token(credentials))


def api_user(request: Request, session: SessionDep, credentials: BearerCredentials) -> User:
    """The user of the bearer token (API only); the request's audit entry (``web/audit.py``)."""
    user = bearer_user(session, credentials)
    audit_request(request, session, user, AuditChannel.API)
    return user


CurrentUser = Annotated[User, Depends(api_user)]


def page_user(request: Request, session: SessionDep) -> User:
    """The user of this browser's live server-side session (pages only); the request's audit
    entry (``web/audit.py``)."""
    user = session_user(request, session)
    if user is None:
        end_session(request)
        raise NotAuthenticated("please log in")
    audit_request(request, session, user, AuditChannel.PAGE)
    return user


PageUser = Annotated[User, Depends(page_user)]


def role_check(*roles: Role) -> Callable[[User], User]:
    """The check of :func:`require_roles` (403 unless the user has one of ``roles``), also for
    a handler that authenticates by itself."""
    allowed_roles = frozenset(roles)
    allowed = ", ".join(sorted(r.value for r in allowed_roles))

    def check(user: User) -> User:
        if user.role not in allowed_roles:
            raise Forbidden(f"this needs one of the roles: {allowed}")
        return user

    return check


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """An API dependency admitting only users with one of ``roles`` (403 otherwise)."""
    check = role_check(*roles)

    async def dependency(user: CurrentUser) -> User:
        return check(user)

    return dependency


def require_page_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A page dependency admitting only users with one of ``roles`` (403 page otherwise)."""
    check = role_check(*roles)

    async def dependency(user: PageUser) -> User:
        return check(user)

    return dependency
