"""Map errors to HTTP: JSON ``{"error": code, "detail": message}`` for the API, a friendly
page for the browser. No traceback ever reaches a user; unexpected errors are logged here.

Services raise the :mod:`valuecenter.errors` family, never HTTP codes (DESIGN.md); this
module is the one place that knows their status codes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from valuecenter.errors import (
    AppError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    SchemaBehind,
)
from valuecenter.i18n import _, lazy_gettext
from valuecenter.users.models import User
from valuecenter.web.security import FormExpired, session_token, session_user
from valuecenter.web.templating import templates

log = logging.getLogger("valuecenter.web")


STATUS: dict[type[AppError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    Conflict: 409,
    NotAuthenticated: 401,
    Forbidden: 403,
    SchemaBehind: 503,
}

TITLES = {
    400: lazy_gettext("Bad request"),
    401: lazy_gettext("Please log in"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Not allowed"),
    409: lazy_gettext("Conflict"),
    422: lazy_gettext("Please check your input"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Temporarily unavailable"),
}
"""Page titles per status, in the request's language (web/locale.py sets it for the API's
``Accept-Language`` too; the JSON ``error`` codes stay English identifiers)."""


def status_of(exc: AppError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/docs", "/openapi.json")


def _json(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


RELOAD_HEADER = "VC-Reload"
"""Tells the pages' htmx error handler (static/request-errors.js) that reloading is the fix."""


def _page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": str(TITLES.get(status) or _("Error")),
            "detail": detail,
            "user": None if status == 503 else _viewer(request),
        },
        status_code=status,
        headers=headers,
    )


def _viewer(request: Request) -> User | None:
    """The logged-in user, so an error page keeps the normal layout with its navigation;
    None when there is none (or the database cannot tell: the page still renders)."""
    token = session_token(request) if "session" in request.scope else None
    factory = getattr(request.app.state, "sessions", None)
    if token is None or factory is None:
        return None
    try:
        with factory() as session:
            return session_user(request, session)
    except Exception:
        log.warning("error page without the user: the database did not answer", exc_info=True)
        return None


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if request.headers.get("HX-Request") == "true":
        # htmx follows HX-Redirect with a full page load (the session expired mid-search).
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def _respond(
    request: Request,
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as JSON (API) or a page; ``headers`` such as a 405's ``Allow`` go with it."""
    extra = dict(headers or {})
    if is_api(request):
        if status == 401:
            extra["WWW-Authenticate"] = "Bearer"
        return _json(status, code, detail, extra or None)
    if status == 401:
        return _login_redirect(request)
    return _page(request, status, detail, extra or None)


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    status = status_of(exc)
    if isinstance(exc, FormExpired) and not is_api(request):
        return _page(request, status, str(exc), headers={RELOAD_HEADER: "true"})
    return _respond(request, status, exc.code, str(exc))


def describe_validation(errors: Any) -> str:
    """One line naming each wrong field: ``page_size: Input should be …``."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path", "header")]
        field = ".".join(loc) or "request"
        parts.append(f"{field}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


# What each pydantic error means, in words a user reads (the pages; the API keeps pydantic's).
_PROBLEMS: dict[str, Any] = {
    "missing": lazy_gettext("is required"),
    "greater_than_equal": lazy_gettext("must be at least %(ge)s"),
    "greater_than": lazy_gettext("must be more than %(gt)s"),
    "less_than_equal": lazy_gettext("must be at most %(le)s"),
    "less_than": lazy_gettext("must be less than %(lt)s"),
    "int_parsing": lazy_gettext("must be a whole number"),
    "int_from_float": lazy_gettext("must be a whole number"),
    "float_parsing": lazy_gettext("must be a number"),
    "decimal_parsing": lazy_gettext("must be a number"),
    "string_too_long": lazy_gettext("must be at most %(max_length)s characters"),
    "string_too_short": lazy_gettext("must be at least %(min_length)s characters"),
    "bool_parsing": lazy_gettext("must be yes or no"),
    "date_parsing": lazy_gettext("must be a date like 2026-11-01"),
    "date_from_datetime_parsing": lazy_gettext("must be a date like 2026-11-01"),
    "enum": lazy_gettext("must be one of %(expected)s"),
    "literal_error": lazy_gettext("must be one of %(expected)s"),
}


def readable_validation(errors: Any) -> str:
    """The request's wrong fields for a person: 'page: must be at least 1 (given: 0)'."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path", "header")]
        field = ".".join(loc) or _("the request")
        problem = _PROBLEMS.get(str(err.get("type")))
        try:
            text = str(problem) % dict(err.get("ctx") or {}) if problem else None
        except (KeyError, TypeError, ValueError):
            text = None
        text = text or str(err.get("msg", _("is not valid")))
        given = err.get("input")
        if isinstance(given, str | int | float) and not isinstance(given, bool) and given != "":
            text = _("%(problem)s (given: %(value)s)", problem=text, value=str(given)[:60])
        parts.append(_("%(field)s: %(problem)s", field=field, problem=text))
    return "; ".join(parts) or _("the request is not valid")


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return _respond(request, 422, InvalidInput.code, describe_validation(exc.errors()))
    return _respond(request, 422, InvalidInput.code, readable_validation(exc.errors()))


ALLOW_CANDIDATES = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route answers on this path (``Allow`` of a 405, RFC 9110 §15.5.6):
    Starlette names only those of the first route on the path, and a path such as
    ``/api/v1/retention/cases`` has a route for GET and another for POST. Each method is
    matched against the app's routes as a request with it would be."""
    routes = request.app.router.routes
    allowed = []
    for method in ALLOW_CANDIDATES:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return ", ".join(allowed)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    codes = {404: NotFound.code, 401: NotAuthenticated.code, 403: Forbidden.code}
    code = codes.get(exc.status_code, "http_error")
    detail = str(exc.detail) if exc.detail else str(TITLES.get(exc.status_code) or _("error"))
    if exc.status_code == 404:
        detail = _("no such page or resource")
    return _respond(request, exc.status_code, code, detail, headers)


DATABASE_RETRY_AFTER_SECONDS = 5
"""What a 503 for an unreachable database tells the caller to wait (a restart takes seconds)."""
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,  # SQLAlchemy's: refused, terminated by the server, timed out
    InterfaceError,  # SQLAlchemy's: the connection is closed
    psycopg.OperationalError,  # psycopg's own, from the decision's hot path (offers/hotpath.py)
    psycopg.InterfaceError,
)
"""The errors of a database that is down or restarting (not of a bad statement): 503 with
``Retry-After``, never 500. The pool checks a connection before use (``pool_pre_ping``), so
the first request after the database is back gets a fresh one: the service recovers by
itself."""


async def database_unavailable(request: Request, exc: Exception) -> Response:
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    detail = _("the database is not reachable")
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if is_api(request):
        return _json(503, "database_unavailable", detail, headers)
    return _page(request, 503, detail, headers=headers)


async def unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api(request):
        return _json(500, "internal", _("internal error (logged)"))
    return _page(request, 500, _("An unexpected error occurred. It has been logged; please retry."))


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_unavailable)
    app.add_exception_handler(Exception, unexpected)
