"""Login and logout pages. Wrong username and wrong password get the same message, in the
same time (users/service.py); failures are throttled per username and per client address
across every worker (users/throttle.py)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from valuecenter.errors import NotAuthenticated
from valuecenter.i18n import _
from valuecenter.settings import Settings
from valuecenter.users import service as users
from valuecenter.users import throttle
from valuecenter.web.deps import SessionDep, SettingsDep
from valuecenter.web.locale import SESSION_KEY
from valuecenter.web.security import (
    csrf_token,
    end_session,
    home_of,
    safe_next,
    session_user,
    start_session,
)
from valuecenter.web.templating import templates

router = APIRouter()
log = logging.getLogger("valuecenter.web")


def _login_form(
    request: Request, *, next_url: str, username: str = "", error: str | None = None, status: int
) -> Response:
    return templates.TemplateResponse(
        request,
        "login.html",
        {
            "next": next_url,
            "username": username,
            "error": error,
            "csrf_token": csrf_token(request),
        },
        status_code=status,
    )


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    user = session_user(request, session)
    if user is not None:
        return RedirectResponse(safe_next(next, home_of(user)), status_code=303)
    # Without a ``next`` the form posts none: the user lands on his role's home page.
    return _login_form(request, next_url=safe_next(next, ""), status=200)


def throttle_rules(settings: Settings) -> throttle.ThrottleRules:
    return throttle.ThrottleRules(
        user_failures=settings.login_user_failures,
        address_failures=settings.login_address_failures,
        lockout_seconds=settings.login_lockout_seconds,
        lockout_max_seconds=settings.login_lockout_max_seconds,
        forget_seconds=settings.login_forget_seconds,
    )


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    target = safe_next(next, "")  # empty: the role's home page, once the user is known
    address = request.client.host if request.client else None
    if throttle.locked(session, username, address):
        log.warning("login throttled for username %r from %s", username, address)
        return _login_form(
            request,
            next_url=target,
            username=username,
            error=_("Too many failed attempts. Wait a while, then try again."),
            status=429,
        )
    try:
        user = users.authenticate(session, username=username, password=password)
    except NotAuthenticated:
        throttle.failed(session, username, address, throttle_rules(settings))
        log.info("failed login for username %r", username)
        return _login_form(
            request,
            next_url=target,
            username=username,
            error=_("Wrong username or password."),
            status=401,
        )
    throttle.succeeded(session, username)
    start_session(request, session, user, max_age_seconds=settings.session_max_age_seconds)
    if user.language:
        request.session[SESSION_KEY] = user.language
    log.info("user %s logged in", user.username)
    return RedirectResponse(target or home_of(user), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """Ends this browser's session on the server: a copy of the cookie is worthless after."""
    end_session(request, session)
    return RedirectResponse("/login", status_code=303)
