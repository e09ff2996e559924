"""Admission control: at most ``limit`` requests of a worker process run at once; the rest
wait their turn in the event loop, holding neither a thread nor a database connection.

Why: FastAPI runs the synchronous session dependency, the authentication and the handler in
separate turns of its thread pool (40 threads). Under a burst, threads can fill up with new
requests that wait for a database connection while the requests that hold the connections wait
for a thread to finish on — a deadlock until the pool's timeout (seen at 200 requests/s in
``bench/nba_bench.py``: every request timed out). With fewer requests in flight than the pool
has connections, no thread ever waits for a connection.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class ConcurrencyLimit:
    """A pure ASGI middleware around every HTTP request (static files included); lifespan
    and other scopes pass untouched."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:  # created in the worker's own event loop
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
