"""Browser sessions, CSRF protection and security headers.

The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous, keyed with
``settings.secret_key`` or the installation's random key, ``db/secrets.py``): HttpOnly,
SameSite=Lax, ``Secure`` in production (``settings.secure_cookie``), expiring
``settings.session_max_age_seconds`` after login. It holds a random session token, a CSRF
token and the user's language (web/locale.py), nothing else. The token names a row of
``user_sessions`` (only its hash is stored): a request is logged in only while that row lives,
so logout, a password change, a role change and deactivation end sessions on the server,
whatever cookie a browser kept (users/service.py). Every unsafe page request must
echo that token, as form field ``csrf_token`` or header ``X-CSRF-Token`` (OWASP's
synchronizer-token pattern); the token is replaced at login so a token planted before login is
worthless. The API does not read the cookie (bearer tokens only), so it needs no CSRF check.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from valuecenter.errors import Forbidden
from valuecenter.i18n import _
from valuecenter.users import service as users
from valuecenter.users.models import Role, User

SESSION_COOKIE = "vc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SID, _CSRF = "sid", "csrf"


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser session, created on first use."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def start_session(request: Request, db: Session, user: User, *, max_age_seconds: int) -> None:
    """Log ``user`` in: a new server-side session and a fresh cookie (new CSRF token),
    nothing kept from before."""
    token = users.open_session(db, user, max_age_seconds=max_age_seconds)
    request.session.clear()
    request.session.update({_SID: token, _CSRF: secrets.token_urlsafe(32)})


def end_session(request: Request, db: Session | None = None) -> None:
    """Log out: the server-side session ends (with ``db``) and the cookie is emptied."""
    token = session_token(request)
    if db is not None and token is not None:
        users.close_session(db, token)
    request.session.clear()


def session_token(request: Request) -> str | None:
    token = request.session.get(_SID)
    return token if isinstance(token, str) and token else None


def session_user(request: Request, db: Session) -> User | None:
    """The active user of this browser's live session, or None."""
    token = session_token(request)
    return users.session_user(db, token) if token is not None else None


class FormExpired(Forbidden):
    """A stale or missing CSRF token: the page is older than the session (a new login, an
    expired session). Reloading the page is the fix; ``web/errors.py`` tells htmx so."""


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or not this session's."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get(_CSRF)
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and expected and given) or not secrets.compare_digest(
        expected.encode(), given.encode()
    ):
        raise FormExpired(
            _("the form has expired or is not from this site; reload the page and retry")
        )


MANAGER_HOME = "/pnl"
HOME = "/customers"


def home_of(user: User | None) -> str:
    """Where a user lands after logging in: managers and admins on the service P&L, everyone
    else (agents, account managers) on the customer search."""
    if user is not None and user.role in (Role.MANAGER, Role.ADMIN):
        return MANAGER_HOME
    return HOME


def safe_next(target: str | None, default: str = HOME) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def content_security_policy(*, inline_script: str | None = None, inline_styles: bool = True) -> str:
    """A CSP that loads everything from this site only and runs no inline script.

    ``inline_script`` allows exactly that one inline ``<script>`` by its SHA-256 hash (CSP
    level 2), for a page that cannot avoid one (``/docs``: Swagger UI's start-up call).
    ``inline_styles`` allows inline ``<style>``/``style=""`` (kept for the pages as before);
    ``/docs`` goes without: Swagger UI sets its styles through the DOM, which the CSP does not
    restrict (checked in the browser test).
    """
    scripts = "'self'"
    if inline_script is not None:
        digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
        scripts += f" 'sha256-{digest}'"
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )


_CSP = content_security_policy()


class SecurityHeaders:
    """Adds nosniff, frame denial, a strict referrer policy and the CSP (unless the route set
    its own, as ``/docs`` does); personal data is never cached (``Cache-Control: no-store`` on
    everything but ``/static``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", _CSP)
                if not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
