"""Login and logout pages. Wrong username and wrong password get the same message."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from valuecenter.errors import NotAuthenticated
from valuecenter.i18n import _
from valuecenter.users import service as users
from valuecenter.users.models import User
from valuecenter.web.deps import SessionDep
from valuecenter.web.locale import SESSION_KEY
from valuecenter.web.security import (
    LoginThrottle,
    csrf_token,
    end_session,
    safe_next,
    session_user_id,
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
    target = safe_next(next)
    uid = session_user_id(request)
    if uid is not None:
        user = session.get(User, uid)
        if user is not None and user.active:
            return RedirectResponse(target, status_code=303)
    return _login_form(request, next_url=target, status=200)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    target = safe_next(next)
    throttle: LoginThrottle = request.app.state.login_throttle
    if throttle.blocked(username):
        log.warning("login throttled for username %r", username)
        return _login_form(
            request,
            next_url=target,
            username=username,
            error=_("Too many failed attempts. Wait a minute, then try again."),
            status=429,
        )
    try:
        user = users.authenticate(session, username=username, password=password)
    except NotAuthenticated:
        throttle.failed(username)
        log.info("failed login for username %r", username)
        return _login_form(
            request,
            next_url=target,
            username=username,
            error=_("Wrong username or password."),
            status=401,
        )
    throttle.succeeded(username)
    start_session(request, user)
    if user.language:
        request.session[SESSION_KEY] = user.language
    log.info("user %s logged in", user.username)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)
