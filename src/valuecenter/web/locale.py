"""The language of each request: the user's own setting, else ``Accept-Language``, else
``settings.default_language`` (issue 16, part 3).

The user's setting (``users.language``) is copied into the signed session cookie at login and
when he changes it (``POST /language``), so choosing the language costs no database read per
request; a user without a setting follows his browser. The API has no session: its error
messages follow ``Accept-Language``. The middleware sets :mod:`valuecenter.i18n`'s context
variable, which templates (``_``, ``{% trans %}``, the number/money/date filters), page
handlers and the error handlers all read.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from valuecenter import i18n

SESSION_KEY = "lang"
"""The session's copy of the user's language ('nl', 'en'); absent: the browser decides."""


def request_locale(
    session: dict[str, Any] | None, accept_language: str | None, default: str
) -> str:
    """The locale of one request: the session's (the user's setting), else the best match of
    ``Accept-Language``, else ``default``."""
    if session:
        chosen = i18n.normalize(session.get(SESSION_KEY))
        if chosen:
            return chosen
    return i18n.negotiate(accept_language, default)


class LocaleMiddleware:
    """Sets the request's locale before any handler, dependency or error handler runs; it must
    sit inside ``SessionMiddleware`` (added before it) to see the session."""

    def __init__(self, app: ASGIApp, *, default: str = i18n.DEFAULT_LOCALE) -> None:
        self.app = app
        self.default = i18n.normalize(default) or i18n.DEFAULT_LOCALE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept: str | None = None
            for name, value in scope.get("headers", ()):
                if name == b"accept-language":
                    accept = value.decode("latin-1")
                    break
            session = scope.get("session")
            # No reset afterwards: each request runs in its own task (its own context), and
            # the 500 handler outside this middleware still sees the request's language.
            i18n.set_locale(request_locale(session, accept, self.default))
        await self.app(scope, receive, send)
