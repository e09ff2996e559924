"""Admission control (web/limits.py): no more than ``limit`` requests run at once, the rest
wait their turn and all are answered."""

from __future__ import annotations

import asyncio

from starlette.types import Receive, Scope, Send

from valuecenter.web.limits import ConcurrencyLimit


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
        async def nothing() -> dict[str, object]:
            return {}

        async def ignore(_message: object) -> None:
            return None

        await asyncio.gather(*(limited({"type": "http"}, nothing, ignore) for _ in range(20)))
        await limited({"type": "lifespan"}, nothing, ignore)  # passes outside the limit

    asyncio.run(burst())
    assert peak == 3
    assert done == 21
