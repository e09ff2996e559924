"""Admission control and load shedding (web/limits.py): no more than ``limit`` requests run
at once, at most ``max_queue`` wait, each at most ``max_wait`` seconds; the others get 503
with ``Retry-After`` at once, and the service takes new requests as soon as the load falls.
The apps here block on an event, not on a clock, so what waits and what is refused does not
depend on the machine's speed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from valuecenter.settings import Settings
from valuecenter.web.limits import ConcurrencyLimit


async def _nothing() -> dict[str, object]:
    return {}


class _Recorder:
    """The ``send`` of one request: its status, headers and body."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


class _Gate:
    """An app whose requests run until the gate opens; counts them and their peak."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.running = 0
        self.peak = 0
        self.done = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self.open.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.running -= 1
            self.done += 1


def _http(path: str = "/api/v1/decisions") -> dict[str, object]:
    return {"type": "http", "path": path}


def test_at_most_limit_requests_run_at_once_and_all_finish() -> None:
    running = 0
    peak = 0
    done = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        done += 1

    limited = ConcurrencyLimit(app, limit=3)

    async def burst() -> None:
        async def ignore(_message: object) -> None:
            return None

        await asyncio.gather(*(limited(_http(), _nothing, ignore) for _ in range(20)))
        await limited({"type": "lifespan"}, _nothing, ignore)  # passes outside the limit

    asyncio.run(burst())
    assert peak == 3
    assert done == 21


def test_past_the_queue_requests_get_503_with_retry_after_at_once_and_the_rest_are_served() -> None:
    async def scenario() -> None:
        gate = _Gate()
        limited = ConcurrencyLimit(gate, limit=2, max_queue=3, max_wait=3600, retry_after=2)
        answers = [_Recorder() for _ in range(10)]
        tasks = [asyncio.create_task(limited(_http(), _nothing, a)) for a in answers]
        for _ in range(5):
            await asyncio.sleep(0)
        # 2 run, 3 wait, 5 were refused without waiting for anything.
        assert (gate.running, limited.queued) == (2, 3)
        refused = [a for a in answers if a.status == 503]
        assert len(refused) == 5
        for a in refused:
            assert a.headers["retry-after"] == "2"
            assert json.loads(a.body)["error"] == "overloaded"
        gate.open.set()
        await asyncio.gather(*tasks)
        assert [a.status for a in answers].count(200) == 5
        assert gate.peak == 2
        assert limited.shed == 5
        # The load fell: the next requests are served at once, nothing is left queued.
        assert (limited.running, limited.queued) == (0, 0)
        again = _Recorder()
        await limited(_http(), _nothing, again)
        assert again.status == 200

    asyncio.run(scenario())


def test_a_request_that_waited_past_its_deadline_is_refused_and_leaves_the_queue() -> None:
    async def scenario() -> None:
        gate = _Gate()
        limited = ConcurrencyLimit(gate, limit=1, max_queue=10, max_wait=0.01)
        first, late = _Recorder(), _Recorder()
        running = asyncio.create_task(limited(_http(), _nothing, first))
        await asyncio.sleep(0)
        # The slot stays taken until the gate opens: the queued request passes its deadline.
        await limited(_http(), _nothing, late)
        assert late.status == 503
        assert "retry-after" in late.headers
        assert limited.queued == 0
        gate.open.set()
        await running
        assert first.status == 200
        assert (limited.running, limited.queued) == (0, 0)

    asyncio.run(scenario())


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    async def scenario() -> None:
        gate = _Gate()
        limited = ConcurrencyLimit(gate, limit=1, max_queue=1, max_wait=3600)
        first = asyncio.create_task(limited(_http(), _nothing, _Recorder()))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(limited(_http(), _nothing, _Recorder()))
        await asyncio.sleep(0)
        assert limited.queued == 1
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert limited.queued == 0
        gate.open.set()
        await first
        assert (limited.running, limited.queued) == (0, 0)

    asyncio.run(scenario())


def test_static_files_and_the_health_check_are_never_queued_nor_refused() -> None:
    async def scenario() -> None:
        gate = _Gate()
        limited = ConcurrencyLimit(gate, limit=1, max_queue=0, max_wait=3600)
        busy = asyncio.create_task(limited(_http(), _nothing, _Recorder()))
        await asyncio.sleep(0)
        refused = _Recorder()
        await limited(_http("/customers"), _nothing, refused)
        assert refused.status == 503
        assert refused.headers["content-type"].startswith("text/html")
        assert b"Temporarily unavailable" in refused.body
        exempt = [_Recorder(), _Recorder()]
        tasks = [
            asyncio.create_task(limited(_http("/static/app.css"), _nothing, exempt[0])),
            asyncio.create_task(limited(_http("/api/v1/health"), _nothing, exempt[1])),
        ]
        await asyncio.sleep(0)
        assert gate.running == 3  # they run beside the busy one
        gate.open.set()
        await asyncio.gather(busy, *tasks)
        assert [a.status for a in exempt] == [200, 200]

    asyncio.run(scenario())


@pytest.mark.sqlite_only("the middleware's wiring does not depend on the database")
def test_the_app_sheds_with_the_settings(db_url: str) -> None:
    from valuecenter.web.app import create_app

    settings = Settings(
        database_url=db_url,
        max_concurrent_requests=3,
        max_queued_requests=5,
        max_queue_wait_ms=250,
        overload_retry_after_seconds=7,
    )
    app = create_app(settings)
    (limit,) = [m for m in app.user_middleware if m.cls is ConcurrencyLimit]
    assert limit.kwargs == {"limit": 3, "max_queue": 5, "max_wait": 0.25, "retry_after": 7}
