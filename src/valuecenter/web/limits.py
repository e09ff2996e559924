"""Admission control: at most ``limit`` requests of a worker process run at once; a bounded
number wait their turn in the event loop, holding neither a thread nor a database connection,
for at most a deadline; the rest are refused at once with 503 and ``Retry-After`` (load
shedding).

Why a limit: FastAPI runs the synchronous session dependency, the authentication and the
handler in separate turns of its thread pool (40 threads). Under a burst, threads can fill up
with new requests that wait for a database connection while the requests that hold the
connections wait for a thread to finish on — a deadlock until the pool's timeout (seen at 200
requests/s in ``bench/nba_bench.py``: every request timed out). With fewer requests in flight
than the pool has connections, no thread ever waits for a connection.

Why shedding: past capacity an unbounded queue only grows — every request is answered, each
later than the last (issue 17: p99 18 s at twice the capacity, 290 s at four times), and the
callers' timeouts turn the work done into waste. A request that finds ``max_queue`` others
waiting, or that has waited ``max_wait`` seconds, is answered 503 with ``Retry-After`` at
once, so the requests that are accepted keep the unloaded latency and the service recovers
by itself as soon as the load falls (the queue is never longer than ``max_queue``). The
policy is the bounded queue with a queueing deadline of "Using load shedding to avoid
overload" (Amazon Builders' Library) and of CoDel's target delay (Nichols and Jacobson,
ACM Queue 2012), kept simple: FIFO, a fixed deadline.

Exempt (never queued nor refused): the static files (no database, a page's style sheet should
not fail because the API is busy) and ``GET /api/v1/health`` (a load balancer must tell a
busy worker from a dead one; it answers from one ``SELECT 1``).
"""

from __future__ import annotations

import asyncio
import html
import json
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from valuecenter.i18n import _
from valuecenter.web.errors import TITLES

EXEMPT_PREFIXES = ("/static/", "/api/v1/health")
"""Paths admission control lets through untouched (see the module's docstring)."""


class ConcurrencyLimit:
    """A pure ASGI middleware around every HTTP request but the exempt ones; lifespan and
    other scopes pass untouched.

    ``limit`` requests run at once; at most ``max_queue`` wait (FIFO), each at most
    ``max_wait`` seconds; a request that cannot wait is answered 503 with ``Retry-After:
    retry_after`` (seconds) and the API's error shape ``{"error": "overloaded", …}``.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        *,
        max_queue: int = 1_000_000,
        max_wait: float = 3600.0,
        retry_after: int = 1,
        exempt: tuple[str, ...] = EXEMPT_PREFIXES,
    ) -> None:
        self.app = app
        self.limit = limit
        self.max_queue = max_queue
        self.max_wait = max_wait
        self.retry_after = retry_after
        self.exempt = exempt
        self.running = 0
        self.shed = 0  # requests refused since start (read by tests and the benchmark)
        self._waiters: deque[asyncio.Future[bool]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            self.shed += 1
            await self._refuse(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        """True once the request holds a slot; False when it must be refused."""
        if self.running < self.limit and not self._waiters:
            self.running += 1
            return True
        if len(self._waiters) >= self.max_queue:
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.max_wait, self._expire, waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # The server shuts down or the client is gone: give back a slot handed over
            # in the meantime, or leave the queue.
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self._release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        finally:
            timer.cancel()

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        if not waiter.done():
            self._waiters.remove(waiter)
            waiter.set_result(False)

    def _release(self) -> None:
        """Hand the slot to the first request still waiting, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)  # the slot passes on: ``running`` stays
                return
        self.running -= 1

    async def _refuse(self, scope: Scope, send: Send) -> None:
        """503 at once: the API's JSON error, or for a page a minimal HTML one (the error
        template would need the session and the database, the very work being shed)."""
        detail = _("the service is busy; retry in %(seconds)s s", seconds=self.retry_after)
        if str(scope.get("path", "")).startswith("/api/"):
            body = json.dumps({"error": "overloaded", "detail": detail}).encode()
            kind = b"application/json"
        else:
            title = html.escape(str(TITLES[503]))
            body = (
                f"<!doctype html><meta charset=utf-8><title>{title}</title>"
                f"<h1>{title}</h1><p>{html.escape(detail)}</p>"
            ).encode()
            kind = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", kind),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
