"""Request bodies larger than ``settings.max_request_body_bytes`` are refused with 413 before
they are read: no handler, parser or form reader ever holds more than the limit in memory.

A pure ASGI middleware (like ``web/limits.py``): a declared ``Content-Length`` over the limit
is answered at once, without reading a byte of the body; a body without one (chunked transfer
encoding) is counted as it streams in, and the request stops at the first chunk that passes
the limit (the app sees an HTTP 413 error from ``receive``, which ``web/errors.py`` renders).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from valuecenter.i18n import _


def _too_large_detail(limit: int) -> str:
    return _("the request body is larger than %(limit)s bytes", limit=f"{limit:,}")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_detail(limit))


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413 (lifespan and other scopes pass).

    ``uploads`` maps the exact paths of file-upload forms to their own, larger limit (the
    catalogue import takes files up to ``web.pages.offers.MAX_UPLOAD_BYTES`` plus the form's
    framing); every other path has ``limit``."""

    def __init__(self, app: ASGIApp, limit: int, uploads: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope.get("path", ""), self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Raised where no handler catches it (a plain route reading its body): answer here.
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        """A 413 in the API's error format (a page gets the same short JSON: a browser never
        sends a megabyte through the product's forms). ``Connection: close``: the unread
        body is not drained."""
        body = json.dumps(
            {"error": "payload_too_large", "detail": _too_large_detail(limit)}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
