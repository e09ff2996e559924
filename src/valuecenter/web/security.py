"""Browser sessions, CSRF protection, the login throttle and security headers.

The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous, keyed with
``settings.secret_key``): HttpOnly, SameSite=Lax, ``Secure`` when ``settings.cookie_secure``,
expiring ``settings.session_max_age_seconds`` after login. It holds the user id, a CSRF
token and the user's language (web/locale.py), nothing else. Every unsafe page request must
echo that token, as form field ``csrf_token`` or header ``X-CSRF-Token`` (OWASP's
synchronizer-token pattern); the token is replaced at login so a token planted before login is
worthless. The API does not read the cookie (bearer tokens only), so it needs no CSRF check.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from valuecenter.errors import Forbidden
from valuecenter.i18n import _
from valuecenter.users.models import User

SESSION_COOKIE = "vc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UID, _CSRF, _AT = "uid", "csrf", "at"


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser session, created on first use."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def start_session(request: Request, user: User) -> None:
    """Log ``user`` in: a fresh session (new CSRF token), nothing kept from before."""
    request.session.clear()
    request.session.update({_UID: user.id, _CSRF: secrets.token_urlsafe(32), _AT: int(time.time())})


def end_session(request: Request) -> None:
    request.session.clear()


def session_user_id(request: Request) -> int | None:
    uid = request.session.get(_UID)
    return uid if isinstance(uid, int) else None


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


def safe_next(target: str | None, default: str = "/customers") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class LoginThrottle:
    """At most ``limit`` failed logins per username within ``window`` seconds (per process).

    Further attempts, even with the right password, are refused until the oldest failure
    leaves the window; a successful login clears the count.
    """

    def __init__(self, limit: int = 5, window: float = 60.0, max_users: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().lower()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, username: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            return len(self._recent(self._key(username), now)) >= self.limit

    def failed(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        key = self._key(username)
        with self._lock:
            if len(self._failures) >= self.max_users and key not in self._failures:
                self._failures = {
                    k: v for k, v in self._failures.items() if v and v[-1] > now - self.window
                }
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._key(username), None)


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
