"""An open-loop HTTP load generator, run as its own process, that measures the latency a
caller of an HTTP API would see at a given arrival rate — and the rate at which the API
saturates — and prints the figures as one JSON document.

    .venv/bin/python bench/loadgen.py --url URL --rate 200 --duration 60 [--warmup 5]
        [--method POST] [--header 'Authorization: Bearer …']... [--body JSON | --bodies FILE]
        [--connections 64] [--timeout 2] [--out FILE]
    .venv/bin/python bench/loadgen.py --url URL --steps 100,200,400,800 --duration 20 …
    .venv/bin/python bench/loadgen.py --url URL --saturate --concurrency 32 --duration 20 …

Method. Open loop, constant arrival rate: request i of a phase is due at t0 + i/rate,
whether or not earlier requests have been answered, and its latency runs from that *due*
time to the last byte of the response. A server that stalls for 100 ms therefore shows the
stall in every request that arrived during it, not only in the one request a closed-loop
client (which waits for each answer before sending the next) would have had in flight: the
"coordinated omission" of Gil Tene, "How NOT to Measure Latency" (Strange Loop 2015; the
same correction as wrk2 and HdrHistogram). Any lateness of the generator itself (its send
lag: the event loop's timers have 1 ms resolution, so about 0.5 ms on average, more if it
is busy) is charged to the latency too, so the figure errs against the server; the send lag
is reported so one can see it stayed small. Service time — from the first byte of the request
written on a connection (httpcore's ``send_request_headers`` trace event) to the end of the
response — is recorded separately; latency minus service time is the queueing the caller
saw (in the server's backlog, the network or, if all ``--connections`` were busy, the
client's own connection pool, which the report flags).

Requests go through one ``httpx.AsyncClient`` (HTTP/1.1 keep-alive, at most
``--connections`` connections) on asyncio with uvloop when it is importable. Its transport is
a small O(1) keep-alive pool over httpcore's HTTP/1.1 connections: httpx's own pool rescans
all its connections (a syscall each) twice per request, which measured 2-3x the generator's
CPU per request (``--httpx-pool`` uses it anyway, for comparison). The bodies are
encoded to bytes and the request objects built before the run; the hot loop copies a
prepared request and does no JSON encoding. Every request has ``--timeout`` seconds from
when it is issued (pool wait, connect, send and response together); after the last arrival
of a phase the requests still in flight get that long to finish, and whatever has not
finished by then is counted as a timeout. Errors are counted by kind: a non-2xx status
(by code), a timeout, a connection error (refused, reset, protocol error). Latency
percentiles are over every request that got a response (any status) plus every timeout at
the time it was abandoned (a lower bound of its latency), computed exactly from all samples
(numpy, nearest-rank: ``method="inverted_cdf"``). ``ok_latency_ms`` is the same over the 2xx
responses only: what a server that sheds load (503 at once) gave the requests it accepted.
Warm-up requests are not measured, nor is one request sent first to check the target
(unreachable: exit status 1; non-2xx: a warning in the report).

``--steps R1,R2,…`` runs open-loop phases at increasing rates and stops after the first
phase whose achieved rate (2xx responses ÷ the phase's span) falls below 95% of its target
or whose error rate exceeds 1%; ``max_sustained_rate_rps`` is the highest rate that held.
``--saturate`` is a closed loop instead: ``--concurrency`` workers each send their next
request as soon as the previous one is answered; it gives the throughput at saturation
(its latencies are service times under that load, with coordinated omission by design).

The generator's own CPU (``resource.getrusage``) is reported per phase and in total, so a
report can show the generator was not the bottleneck. Importable: ``run_open_loop``,
``run_steps`` and ``run_closed_loop`` return a ``Report``; benchmarks should rather start
this file in a separate process (``measure.measured``) and parse its JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import platform
import resource
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpcore
import httpx
import numpy as np

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
STEP_MIN_RATE_SHARE = 0.95  # a step holds if it achieves ≥ 95% of its target rate …
STEP_MAX_ERROR_RATE = 0.01  # … and at most 1% of its requests fail
LAG_WARNING_S = 0.002  # a send lag p99 above this says the generator fell behind
GENERATOR_CPU_WARNING_PERCENT = 80.0  # of one core: above this the generator may be the limit
# The loop's timers have 1 ms resolution and uvloop runs a sleep under 0.5 ms at once: sleeping
# "the rest" in smaller steps spins the loop (a whole core at 2,000 arrivals/s, measured).
MIN_SLEEP_S = 0.001
_SEND_STARTED = "http11.send_request_headers.started"
_CONNECTED = "connection.connect_tcp.complete"
_perf = time.perf_counter


class LoadgenError(Exception):
    """A bad argument (exit status 2) or an unreachable target (1): one line, no traceback."""

    def __init__(self, message: str, *, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------
# What is sent
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What each arrival sends: ``bodies`` (bytes) are cycled, one request per arrival;
    ``method`` defaults to POST with bodies, GET without."""

    url: str
    method: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    bodies: tuple[bytes, ...] = ()
    connections: int = 64
    timeout: float = 2.0
    use_uvloop: bool = True
    httpx_pool: bool = False  # httpx's own pool instead of ``_Pool`` (for comparison)
    raw: bool = False  # plain HTTP/1.1 over asyncio streams instead of httpx (``_RawEngine``)

    def __post_init__(self) -> None:
        try:
            url = httpx.URL(self.url)
        except httpx.InvalidURL as exc:
            raise LoadgenError(f"bad --url {self.url!r}: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise LoadgenError(f"bad --url {self.url!r}: give an http:// or https:// URL")
        method = (self.method or ("POST" if self.bodies else "GET")).upper()
        if not method.isalpha():
            raise LoadgenError(f"bad --method {self.method!r}")
        object.__setattr__(self, "method", method)
        if self.connections < 1:
            raise LoadgenError("--connections must be at least 1")
        if not self.timeout > 0:
            raise LoadgenError("--timeout must be positive")


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` → ``("Name", "value")``."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(c.isspace() for c in name):
        raise LoadgenError(f"bad --header {text!r}: write it as 'Name: value'")
    return name, value.strip()


def read_bodies(path: Path) -> tuple[bytes, ...]:
    """The JSON bodies of a JSON-lines file (blank lines skipped), each validated once and
    kept as the exact bytes of its line."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise LoadgenError(f"cannot read --bodies {path}: {exc.strerror or exc}") from None
    bodies: list[bytes] = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            json.loads(line)
        except ValueError as exc:
            raise LoadgenError(f"--bodies {path} line {number} is not JSON: {exc}") from None
        bodies.append(line)
    if not bodies:
        raise LoadgenError(f"--bodies {path} has no JSON lines")
    return tuple(bodies)


# ---------------------------------------------------------------------------------------
# What is reported
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Exact percentiles (ms) of one set of samples; ``None`` when there are none."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    p99_9: float | None
    max: float | None
    mean: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        if not seconds:
            return cls(0, None, None, None, None, None, None, None)
        ms = np.asarray(seconds, dtype=np.float64) * 1000.0
        p = np.percentile(ms, PERCENTILES, method="inverted_cdf")
        r = [round(float(v), 3) for v in (*p, ms.max(), ms.mean())]
        return cls(len(ms), *r)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "p50": self.p50,
            "p90": self.p90,
            "p95": self.p95,
            "p99": self.p99,
            "p99.9": self.p99_9,
            "max": self.max,
            "mean": self.mean,
        }


@dataclass(frozen=True)
class Phase:
    """One measured phase. ``latency_ms`` runs from each request's due time (open loop) or
    issue time (closed loop) to the end of its response; ``service_ms`` from its first byte
    sent to the end of its response; ``send_lag_ms`` from due time to issue."""

    kind: str  # "open" or "closed"
    target_rate_rps: float | None
    concurrency: int | None
    duration_s: float
    span_s: float  # first arrival → last response (≥ duration_s)
    sent: int
    completed: int  # responses received, any status
    ok: int  # 2xx responses
    achieved_rate_rps: float  # ok ÷ span_s
    errors: dict[str, int]
    status_codes: dict[str, int]
    error_rate: float
    in_flight_at_end: int
    max_in_flight: int
    connections_opened: int
    latency: Summary
    ok_latency: Summary  # the 2xx responses' latency (what a shedding server accepted)
    service: Summary
    send_lag: Summary
    cpu_s: float
    cpu_percent: float  # of one core, over the phase's wall time
    error_examples: tuple[str, ...] = ()

    @property
    def generator_kept_up(self) -> bool:
        """Whether the generator itself kept to its schedule (open loop: send lag p99 at most
        2 ms) and had CPU to spare (at most 80% of a core)."""
        lag_ok = self.kind != "open" or (self.send_lag.p99 or 0.0) <= LAG_WARNING_S * 1000
        return lag_ok and self.cpu_percent <= GENERATOR_CPU_WARNING_PERCENT

    @property
    def holds(self) -> bool:
        """Whether an open-loop step kept up: ≥ 95% of its rate, ≤ 1% errors."""
        target = self.target_rate_rps or 0.0
        rate_ok = self.achieved_rate_rps >= STEP_MIN_RATE_SHARE * target
        return rate_ok and self.error_rate <= STEP_MAX_ERROR_RATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target_rate_rps": self.target_rate_rps,
            "concurrency": self.concurrency,
            "duration_s": self.duration_s,
            "span_s": round(self.span_s, 3),
            "sent": self.sent,
            "completed": self.completed,
            "ok": self.ok,
            "achieved_rate_rps": round(self.achieved_rate_rps, 2),
            "errors": self.errors,
            "status_codes": self.status_codes,
            "error_rate": round(self.error_rate, 6),
            "in_flight_at_end": self.in_flight_at_end,
            "max_in_flight": self.max_in_flight,
            "connections_opened": self.connections_opened,
            "latency_ms": self.latency.to_dict(),
            "ok_latency_ms": self.ok_latency.to_dict(),
            "service_ms": self.service.to_dict(),
            "send_lag_ms": self.send_lag.to_dict(),
            "generator_cpu_s": round(self.cpu_s, 3),
            "generator_cpu_percent": round(self.cpu_percent, 1),
            "generator_cpu_us_per_request": (
                round(self.cpu_s / self.sent * 1e6, 1) if self.sent else None
            ),
            "generator_kept_up": self.generator_kept_up,
            "error_examples": list(self.error_examples),
        }


@dataclass
class Report:
    """Everything one run measured; ``to_dict()`` is the JSON document the CLI prints."""

    mode: str  # "open", "steps" or "closed"
    target: Target
    warmup_s: float
    phases: list[Phase] = field(default_factory=list)
    warmup: dict[str, int] = field(default_factory=dict)
    max_sustained_rate_rps: float | None = None
    stop_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    event_loop: str = "asyncio"
    cpu_user_s: float = 0.0
    cpu_system_s: float = 0.0
    wall_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        cpu = self.cpu_user_s + self.cpu_system_s
        doc: dict[str, Any] = {
            "tool": "bench/loadgen.py",
            "mode": self.mode,
            "url": self.target.url,
            "method": self.target.method,
            "connections": self.target.connections,
            "timeout_s": self.target.timeout,
            "bodies": len(self.target.bodies),
            "pool": "httpx" if self.target.httpx_pool else "loadgen",
            "warmup_s": self.warmup_s,
            "warmup": self.warmup,
            "phases": [p.to_dict() for p in self.phases],
        }
        if self.mode == "steps":
            doc["max_sustained_rate_rps"] = self.max_sustained_rate_rps
            doc["stop_reason"] = self.stop_reason
        doc["warnings"] = self.warnings
        doc["generator"] = {
            "cpu_user_s": round(self.cpu_user_s, 3),
            "cpu_system_s": round(self.cpu_system_s, 3),
            "cpu_s": round(cpu, 3),
            "wall_s": round(self.wall_s, 3),
            "cpu_percent": round(100.0 * cpu / self.wall_s, 1) if self.wall_s else None,
            "event_loop": self.event_loop,
            "python": platform.python_version(),
            "httpx": httpx.__version__,
            "cpus": os.cpu_count(),
            "pid": os.getpid(),
        }
        return doc


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------


def _cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


def _as_httpx(exc: Exception, request: httpx.Request | None) -> httpx.TransportError:
    """httpcore's exception as httpx's of the same name (what httpx's transport does)."""
    kind = getattr(httpx, type(exc).__name__, httpx.TransportError)
    if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
        kind = httpx.TransportError
    return kind(str(exc), request=request)


class _Pool(httpx.AsyncBaseTransport):
    """An HTTP/1.1 keep-alive pool of at most ``size`` connections for one origin, O(1) per
    request: a LIFO list of idle httpcore connections behind a FIFO semaphore. (httpcore's
    own pool rescans every connection — a ``poll`` syscall each, and an O(n²) idle count —
    twice per request, which at 64 connections cost the generator more than a millisecond
    of CPU per request.) The HTTP/1.1 itself is httpcore's, as in ``httpx``'s transport."""

    def __init__(self, size: int) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._backend = httpcore.AnyIOBackend()
        self._all: set[httpcore.AsyncHTTPConnection] = set()

    async def _connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        idle = self._idle
        while idle:
            connection = idle.pop()
            if connection.is_idle() and not connection.has_expired():  # one poll: not closed
                return connection
            self._all.discard(connection)  # closed by the server while idle
            await connection.aclose()
        connection = httpcore.AsyncHTTPConnection(
            origin=origin, http1=True, http2=False, network_backend=self._backend
        )
        self._all.add(connection)
        return connection

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        await self._slots.acquire()
        connection = None
        try:
            connection = await self._connection(core.url.origin)
            response = await connection.handle_async_request(core)
        except BaseException as exc:
            self._slots.release()
            if connection is not None:
                self._all.discard(connection)
                await connection.aclose()
            if isinstance(exc, _HTTPCORE_ERRORS):
                raise _as_httpx(exc, request) from exc
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, self, connection),
            extensions=response.extensions,
        )

    def _release(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if connection.is_idle():
            self._idle.append(connection)
        else:
            self._all.discard(connection)
        self._slots.release()

    async def aclose(self) -> None:
        for connection in list(self._all):
            await connection.aclose()
        self._all.clear()
        self._idle.clear()


class _Body(httpx.AsyncByteStream):
    """A response body that hands its connection back to the pool when it is closed."""

    def __init__(self, stream: Any, pool: _Pool, connection: httpcore.AsyncHTTPConnection) -> None:
        self._stream = stream
        self._pool: _Pool | None = pool
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except _HTTPCORE_ERRORS as exc:
            raise _as_httpx(exc, None) from exc

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await self._stream.aclose()
        finally:
            pool._release(self._connection)


class _Recorder:
    """The raw samples (seconds) and counts of one phase."""

    __slots__ = (
        "connection",
        "examples",
        "lag",
        "last_end",
        "latency",
        "max_in_flight",
        "ok",
        "ok_latency",
        "other",
        "sent",
        "service",
        "status",
        "timeouts",
    )

    def __init__(self) -> None:
        self.latency: list[float] = []
        self.ok_latency: list[float] = []
        self.service: list[float] = []
        self.lag: list[float] = []
        self.status: dict[int, int] = {}
        self.sent = self.ok = self.timeouts = self.connection = self.other = 0
        self.max_in_flight = 0
        self.last_end = 0.0
        self.examples: dict[str, None] = {}

    def timed_out(self, due: float) -> None:
        """A request abandoned now: its latency so far is a lower bound of its latency."""
        self.timeouts += 1
        self.latency.append(_perf() - due)

    def answered(self, due: float, sent_at: float, status: int) -> None:
        end = _perf()
        self.latency.append(end - due)
        self.service.append(end - sent_at)
        self.last_end = end
        if 200 <= status < 300:
            self.ok += 1
            self.ok_latency.append(end - due)
        else:
            self.status[status] = self.status.get(status, 0) + 1

    def example(self, exc: BaseException) -> None:
        if len(self.examples) < 5:
            self.examples[f"{type(exc).__name__}: {exc}"[:200]] = None

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "ok": self.ok, "errors": self._errors()["total"]}

    def _errors(self) -> dict[str, int]:
        status = sum(self.status.values())
        total = status + self.timeouts + self.connection + self.other
        return {
            "status": status,
            "timeout": self.timeouts,
            "connection": self.connection,
            "other": self.other,
            "total": total,
        }

    def phase(
        self,
        *,
        kind: str,
        rate: float | None,
        concurrency: int | None,
        duration: float,
        t0: float,
        t_end: float,
        in_flight_at_end: int,
        connections_opened: int,
        cpu_s: float,
    ) -> Phase:
        span = max(duration, self.last_end - t0)
        errors = self._errors()
        completed = self.ok + errors["status"]
        wall = t_end - t0
        return Phase(
            kind=kind,
            target_rate_rps=rate,
            concurrency=concurrency,
            duration_s=duration,
            span_s=span,
            sent=self.sent,
            completed=completed,
            ok=self.ok,
            achieved_rate_rps=self.ok / span if span > 0 else 0.0,
            errors=errors,
            status_codes={str(k): v for k, v in sorted(self.status.items())},
            error_rate=errors["total"] / self.sent if self.sent else 0.0,
            in_flight_at_end=in_flight_at_end,
            max_in_flight=self.max_in_flight,
            connections_opened=connections_opened,
            latency=Summary.of(self.latency),
            ok_latency=Summary.of(self.ok_latency),
            service=Summary.of(self.service),
            send_lag=Summary.of(self.lag),
            cpu_s=cpu_s,
            cpu_percent=100.0 * cpu_s / wall if wall > 0 else 0.0,
            error_examples=tuple(self.examples),
        )


class _Engine:
    """One client, its prepared requests and the tasks in flight."""

    def __init__(self, target: Target, client: httpx.AsyncClient) -> None:
        self.target = target
        self.client = client
        self.timeout = target.timeout
        self.templates = _templates(target)
        self.next_template = 0
        self.in_flight = 0
        self.connects = 0
        self.pending: set[asyncio.Task[None]] = set()
        t = target.timeout
        self.httpx_timeout = {"connect": t, "read": t, "write": t, "pool": t}

    def _request(self, trace: Callable[[str, Mapping[str, Any]], Any]) -> httpx.Request:
        """A shallow copy of the next prepared request with its own extensions: the
        headers and the byte stream are shared, read-only, so nothing is encoded here."""
        templates = self.templates
        template = templates[self.next_template]
        self.next_template = (self.next_template + 1) % len(templates)
        request = httpx.Request.__new__(httpx.Request)
        request.__dict__.update(template.__dict__)
        request.extensions = {"timeout": self.httpx_timeout, "trace": trace}
        return request

    async def send(self, rec: _Recorder, due: float) -> None:
        """Issue one request due at ``due`` (perf_counter seconds) and record its fate."""
        issued = _perf()
        rec.sent += 1
        rec.lag.append(issued - due)
        sent_at = issued

        async def trace(event: str, _info: Mapping[str, Any]) -> None:
            nonlocal sent_at
            if event == _SEND_STARTED:
                sent_at = _perf()
            elif event == _CONNECTED:
                self.connects += 1

        request = self._request(trace)
        self.in_flight += 1
        rec.max_in_flight = max(rec.max_in_flight, self.in_flight)
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.client.send(request)
        except (TimeoutError, httpx.TimeoutException):
            rec.timed_out(due)
        except asyncio.CancelledError:  # still in flight when the run was cut off
            rec.timed_out(due)
            raise
        except httpx.TransportError as exc:
            rec.connection += 1
            rec.example(exc)
        except Exception as exc:
            rec.other += 1
            rec.example(exc)
        else:
            rec.answered(due, sent_at, response.status_code)
        finally:
            self.in_flight -= 1

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def drain(self) -> None:
        """Let the requests in flight finish; each has its own ``--timeout``, so this takes
        at most that long. A request that somehow outlives it is cut off as a timeout."""
        if not self.pending:
            return
        _done, late = await asyncio.wait(set(self.pending), timeout=self.timeout + 1.0)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)

    async def check(self) -> str | None:
        """One request before anything is measured: an unreachable target stops the run;
        a non-2xx answer becomes a warning."""
        try:
            response = await self.client.send(self._request(_no_trace))
        except httpx.TransportError as exc:
            raise LoadgenError(
                f"cannot reach {self.target.url}: {type(exc).__name__}: {exc}", status=1
            ) from None
        if not 200 <= response.status_code < 300:
            text = response.text[:120].replace("\n", " ")
            return f"the first request got HTTP {response.status_code}: {text}"
        return None

    async def open_phase(
        self, rate: float, duration: float, warmup: float
    ) -> tuple[_Recorder, Phase]:
        """Arrivals at ``rate``/s: first ``warmup`` s into a recorder that is not reported,
        then ``duration`` s measured, on one unbroken schedule."""
        warm, rec = _Recorder(), _Recorder()
        n_warm = round(rate * warmup)
        n_total = n_warm + max(1, round(rate * duration))
        start = _perf() + 0.001
        t0 = start + n_warm / rate
        cpu0 = _cpu()
        connects0 = self.connects
        burst = 0
        for i in range(n_total):
            due = start + i / rate
            now = _perf()
            if now < due:
                burst = 0
                while now < due:  # never issue before due (a timer may fire early)
                    await asyncio.sleep(max(due - now, MIN_SLEEP_S))
                    now = _perf()
            elif burst >= 32:  # behind schedule: let the requests in flight progress
                burst = 0
                await asyncio.sleep(0)
            if i == n_warm:
                cpu0, connects0 = _cpu(), self.connects
            burst += 1
            self.spawn(self.send(warm if i < n_warm else rec, due))
        in_flight = self.in_flight
        await self.drain()
        t_end = _perf()
        phase = rec.phase(
            kind="open",
            rate=rate,
            concurrency=None,
            duration=duration,
            t0=t0,
            t_end=t_end,
            in_flight_at_end=in_flight,
            connections_opened=self.connects - connects0,
            cpu_s=_cpu_since(cpu0),
        )
        return warm, phase

    async def closed_phase(
        self, concurrency: int, duration: float, warmup: float
    ) -> tuple[_Recorder, Phase]:
        """``concurrency`` workers, each sending its next request when the last returns."""
        warm, rec = _Recorder(), _Recorder()
        start = _perf()
        t0 = start + warmup
        t_stop = t0 + duration
        marks: dict[str, Any] = {}

        async def worker() -> None:
            while (now := _perf()) < t_stop:
                if now >= t0 and not marks:
                    marks["cpu0"], marks["connects0"] = _cpu(), self.connects
                await self.send(rec if now >= t0 else warm, now)

        workers = [asyncio.get_running_loop().create_task(worker()) for _ in range(concurrency)]
        await asyncio.sleep(max(0.0, t_stop - _perf()))
        in_flight = self.in_flight
        await asyncio.wait(workers, timeout=self.timeout + 1.0)
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        t_end = _perf()
        phase = rec.phase(
            kind="closed",
            rate=None,
            concurrency=concurrency,
            duration=duration,
            t0=t0,
            t_end=t_end,
            in_flight_at_end=in_flight,
            connections_opened=self.connects - marks.get("connects0", self.connects),
            cpu_s=_cpu_since(marks.get("cpu0", _cpu())),
        )
        return warm, phase


async def _no_trace(_event: str, _info: Mapping[str, Any]) -> None:
    return None


RAW_IDLE_S = 4.0
PRECONNECT_GAP_S = 0.005


class _RawEngine(_Engine):
    """The same schedules on plain HTTP/1.1 keep-alive connections over asyncio streams: each
    request is its bytes, written in one call, and a response is its status line, headers and
    ``Content-Length`` bytes. For ``http://`` targets that answer with a Content-Length (as
    uvicorn does); a fraction of httpx's CPU per request, so the generator takes less of the
    cores the server under test needs (``--raw``).

    Before the run it opens all ``--connections`` connections and then uses them in turn (the
    longest idle first), as a fleet of clients would: a most-recently-used pool would send
    nearly everything over the one or two connections that happen to be free, and so to one
    server worker process while the others idle (measured: 69% and 19% of a core for the two
    workers of ``bench/nba_bench.py`` at 200 requests/s)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.timeout = target.timeout
        url = httpx.URL(target.url)
        if url.scheme != "http":
            raise LoadgenError("--raw speaks plain http:// only")
        self.host, self.port = url.host, url.port or 80
        path = url.raw_path.decode("ascii")
        names = {name.lower() for name, _ in target.headers}
        headers = [("Host", f"{self.host}:{self.port}"), ("User-Agent", "valuecenter-loadgen")]
        headers += list(target.headers)
        if target.bodies and "content-type" not in names:
            headers.append(("Content-Type", "application/json"))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers)
        self.requests = [
            f"{target.method} {path} HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
            for body in (target.bodies or (b"",))
        ]
        self.next_template = 0
        self.in_flight = 0
        self.connects = 0
        self.pending = set()
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = deque()
        self.open = 0
        self.slots = asyncio.Semaphore(target.connections)

    async def _exchange(self, data: bytes) -> tuple[int, float]:
        """Send one request on an idle (or new) connection; (status, when the bytes went)."""
        async with self.slots:
            now = _perf()
            # A connection idle for longer than the server keeps it (uvicorn: 5 s) may be
            # closed under our feet: never reuse one idle for RAW_IDLE_S or more.
            while self.idle and now - self.idle[0][2] >= RAW_IDLE_S:
                self.idle.popleft()[1].close()
            if self.idle:
                reader, writer, _since = self.idle.popleft()
            else:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                self.connects += 1
            try:
                sent = _perf()
                writer.write(data)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                close = False
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    lowered = name.strip().lower()
                    if lowered == b"content-length":
                        length = int(value)
                    elif lowered == b"connection" and value.strip().lower() == b"close":
                        close = True
                if length:
                    await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if close:
                writer.close()
            else:
                self.idle.append((reader, writer, _perf()))
            return status, sent

    async def send(self, rec: _Recorder, due: float) -> None:
        issued = _perf()
        rec.sent += 1
        rec.lag.append(issued - due)
        data = self.requests[self.next_template]
        self.next_template = (self.next_template + 1) % len(self.requests)
        self.in_flight += 1
        rec.max_in_flight = max(rec.max_in_flight, self.in_flight)
        try:
            async with asyncio.timeout(self.timeout):
                status, sent_at = await self._exchange(data)
        except TimeoutError:
            rec.timed_out(due)
        except asyncio.CancelledError:
            rec.timed_out(due)
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            rec.connection += 1
            rec.example(exc)
        else:
            rec.answered(due, sent_at, status)
        finally:
            self.in_flight -= 1

    async def check(self) -> str | None:
        try:
            status, _sent = await asyncio.wait_for(self._exchange(self.requests[0]), self.timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            raise LoadgenError(
                f"cannot reach {self.target.url}: {type(exc).__name__}: {exc}", status=1
            ) from None
        if not 200 <= status < 300:
            return f"the first request got HTTP {status}"
        # One at a time, a moment apart, as clients arrive: connections opened at once queue
        # up in the listening socket and the first server worker to wake accepts them all.
        while len(self.idle) < self.target.connections:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.connects += 1
            self.idle.append((reader, writer, _perf()))
            await asyncio.sleep(PRECONNECT_GAP_S)
        return None


def _cpu_since(cpu0: tuple[float, float]) -> float:
    user, system = _cpu()
    return (user - cpu0[0]) + (system - cpu0[1])


def _templates(target: Target) -> list[httpx.Request]:
    """One fully prepared request (headers, Host, Content-Length, body bytes) per body."""
    names = {name.lower() for name, _ in target.headers}
    headers = [("User-Agent", "valuecenter-loadgen"), *target.headers]
    if target.bodies and "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    url = httpx.URL(target.url)
    return [
        httpx.Request(target.method, url, headers=headers, content=body or None)
        for body in (target.bodies or (b"",))
    ]


def _no_sniffio_search() -> None:
    """httpcore runs ``import sniffio`` on every pool operation; when sniffio is not
    installed each failed import searches sys.path again (≈1 ms of CPU a request, measured).
    A ``None`` entry in sys.modules makes that import fail at once, with the same outcome
    (httpcore then assumes asyncio)."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _event_loop(use_uvloop: bool) -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    if use_uvloop:
        try:
            import uvloop
        except ImportError:
            return None, "asyncio (uvloop not importable)"
        return uvloop.new_event_loop, f"uvloop {getattr(uvloop, '__version__', '?')}"
    return None, "asyncio"


def _run(
    target: Target,
    mode: str,
    warmup: float,
    body: Callable[[_Engine, Report], Coroutine[Any, Any, None]],
) -> Report:
    """Run ``body`` on a fresh event loop with a fresh client; fill the run-wide figures."""
    _no_sniffio_search()
    factory, loop_name = _event_loop(target.use_uvloop)
    report = Report(mode=mode, target=target, warmup_s=warmup, event_loop=loop_name)

    async def main() -> None:
        if target.raw:
            engine: _Engine = _RawEngine(target)
            if warning := await engine.check():
                report.warnings.append(warning)
            gc.collect()
            gc.freeze()
            try:
                await body(engine, report)
            finally:
                gc.unfreeze()
            return
        async with httpx.AsyncClient(
            transport=None if target.httpx_pool else _Pool(target.connections),
            limits=httpx.Limits(
                max_connections=target.connections,
                max_keepalive_connections=target.connections,
            ),
            timeout=target.timeout,
            trust_env=False,
        ) as client:
            engine = _Engine(target, client)
            if warning := await engine.check():
                report.warnings.append(warning)
            gc.collect()
            gc.freeze()  # the setup's objects are never scanned again during the run
            try:
                await body(engine, report)
            finally:
                gc.unfreeze()

    cpu0 = _cpu()
    began = _perf()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
    report.wall_s = _perf() - began
    user, system = _cpu()
    report.cpu_user_s, report.cpu_system_s = user - cpu0[0], system - cpu0[1]
    for phase in report.phases:
        report.warnings.extend(_phase_warnings(phase, target))
    return report


def _phase_warnings(phase: Phase, target: Target) -> list[str]:
    where = (
        f"{phase.target_rate_rps:g}/s phase"
        if phase.target_rate_rps is not None
        else f"closed loop of {phase.concurrency}"
    )
    out = []
    if phase.kind == "open" and (phase.send_lag.p99 or 0.0) > LAG_WARNING_S * 1000:
        out.append(
            f"{where}: the generator fell behind its schedule (send lag p99 "
            f"{phase.send_lag.p99} ms); the latencies include that lag"
        )
    if phase.max_in_flight > target.connections:
        out.append(
            f"{where}: up to {phase.max_in_flight} requests in flight on "
            f"{target.connections} connections; the excess waited in the client's pool"
        )
    if phase.cpu_percent > GENERATOR_CPU_WARNING_PERCENT:
        out.append(
            f"{where}: the generator used {phase.cpu_percent:.0f}% of a core and may be "
            "what limits the rate"
        )
    return out


def _check_phase_args(duration: float, warmup: float) -> None:
    if not duration > 0:
        raise LoadgenError("--duration must be positive")
    if not warmup >= 0:
        raise LoadgenError("--warmup must not be negative")


def run_open_loop(target: Target, *, rate: float, duration: float, warmup: float = 0.0) -> Report:
    """Open loop at ``rate`` requests/s for ``duration`` s after ``warmup`` s."""
    _check_phase_args(duration, warmup)
    if not rate > 0:
        raise LoadgenError("--rate must be positive")
    _progress(f"open loop at {rate:g}/s for {duration:g} s on {target.url}")

    async def body(engine: _Engine, report: Report) -> None:
        warm, phase = await engine.open_phase(rate, duration, warmup)
        report.warmup = warm.counts()
        report.phases.append(phase)

    return _run(target, "open", warmup, body)


def run_steps(
    target: Target, *, rates: Sequence[float], duration: float, warmup: float = 0.0
) -> Report:
    """Open-loop phases of ``duration`` s at each of ``rates`` (the warm-up runs at the
    first), stopping after the first phase that does not hold (see ``Phase.holds``)."""
    _check_phase_args(duration, warmup)
    if not rates or not all(r > 0 for r in rates):
        raise LoadgenError("--steps must be positive rates, e.g. 100,200,400,800")
    steps = ", ".join(f"{r:g}" for r in rates)
    _progress(f"open-loop steps of {duration:g} s at {steps} /s on {target.url}")

    async def body(engine: _Engine, report: Report) -> None:
        for number, rate in enumerate(rates):
            warm, phase = await engine.open_phase(rate, duration, warmup if number == 0 else 0)
            if number == 0:
                report.warmup = warm.counts()
            report.phases.append(phase)
            _progress(
                f"step {rate:g}/s: achieved {phase.achieved_rate_rps:.1f}/s, p99 "
                f"{phase.latency.p99} ms, errors {phase.errors['total']}"
            )
            if not phase.holds:
                share = phase.achieved_rate_rps / rate
                report.stop_reason = (
                    f"{rate:g}/s: achieved {share:.1%} of the target rate, "
                    f"error rate {phase.error_rate:.2%}"
                )
                return
            report.max_sustained_rate_rps = rate
        report.stop_reason = "every step held"

    return _run(target, "steps", warmup, body)


def run_closed_loop(
    target: Target, *, concurrency: int, duration: float, warmup: float = 0.0
) -> Report:
    """Closed loop: ``concurrency`` workers back to back for ``duration`` s after
    ``warmup`` s; ``achieved_rate_rps`` is the throughput at that concurrency."""
    _check_phase_args(duration, warmup)
    if concurrency < 1:
        raise LoadgenError("--concurrency must be at least 1")
    _progress(f"closed loop of {concurrency} for {duration:g} s on {target.url}")

    async def body(engine: _Engine, report: Report) -> None:
        warm, phase = await engine.closed_phase(concurrency, duration, warmup)
        report.warmup = warm.counts()
        report.phases.append(phase)

    return _run(target, "closed", warmup, body)


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------

_QUIET = True  # progress lines on stderr: off when imported, on from the command line


def _progress(line: str) -> None:
    if not _QUIET:
        print(f"loadgen: {line}", file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    """Bad arguments end in one line on stderr, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"loadgen: error: {message} (see --help)\n")


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        message = f"{text!r} is not a comma-separated list of rates"
        raise argparse.ArgumentTypeError(message) from None
    if not rates or not all(r > 0 for r in rates):
        raise argparse.ArgumentTypeError(f"{text!r}: every rate must be positive")
    return rates


_EPILOG = """\
output (stdout, or --out): one JSON document with the settings, "warmup" (counts only),
"phases" and "generator". Each phase: target_rate_rps (open loop) or concurrency (closed),
duration_s, span_s (first arrival to last response), sent, completed (any status), ok
(2xx), achieved_rate_rps (ok / span_s), errors {status, timeout, connection, other,
total}, status_codes, error_rate (errors / sent), in_flight_at_end, max_in_flight,
connections_opened, latency_ms (due time to response end), service_ms (first byte sent to
response end), send_lag_ms (due time to issue) — each with count, p50, p90, p95, p99,
p99.9, max, mean — and generator_cpu_s, generator_cpu_percent (of one core) and
generator_cpu_us_per_request, and generator_kept_up (open-loop send lag p99 <= 2 ms and at
most 80% of a core). Steps add max_sustained_rate_rps and stop_reason; "warnings"
flag a generator that fell behind, pool waits and a non-2xx first request.

exit status: 0 done (errors are in the JSON), 1 target unreachable, 2 bad arguments.
Progress and warnings go to stderr.
"""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="loadgen.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
        epilog=_EPILOG,
    )
    parser.add_argument("--url", required=True, help="The URL every request goes to.")
    parser.add_argument("--method", help="HTTP method (default: POST with a body, GET without).")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="A request header; repeat for more. Content-Type defaults to "
        "application/json when a body is sent.",
    )
    bodies = parser.add_mutually_exclusive_group()
    bodies.add_argument("--body", help="One fixed request body, sent as given.")
    bodies.add_argument(
        "--bodies",
        type=Path,
        metavar="FILE",
        help="A JSON-lines file: one JSON body per line, cycled over the requests.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rate", type=float, metavar="R", help="Open loop: arrivals per second.")
    mode.add_argument(
        "--steps",
        type=_rates,
        metavar="R1,R2,…",
        help="Open-loop phases at these rates, each --duration long; stops after the first "
        "below 95%% of its rate or above 1%% errors.",
    )
    mode.add_argument(
        "--saturate",
        action="store_true",
        help="Closed loop: --concurrency workers back to back; reports the throughput.",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="Workers of --saturate (default: --connections).",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=60.0,
        metavar="S",
        help="Measured seconds per phase (60).",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        metavar="S",
        help="Seconds of load before the first measured phase, not measured (5).",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=64,
        metavar="N",
        help="Most connections open at once, kept alive (64).",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=2.0,
        metavar="S",
        help="Seconds a request may take from its issue, all included (2).",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="Write the JSON here instead of stdout."
    )
    parser.add_argument("--no-uvloop", action="store_true", help="Use the default loop.")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="plain HTTP/1.1 over asyncio streams instead of httpx (less CPU per request)",
    )
    parser.add_argument(
        "--httpx-pool",
        action="store_true",
        help="Use httpx's own connection pool instead of the generator's O(1) one (for "
        "comparison: it costs the generator 2-3x the CPU per request).",
    )
    parser.add_argument("--quiet", action="store_true", help="No progress on stderr.")
    return parser


def _target(opts: argparse.Namespace) -> Target:
    headers = tuple(parse_header(h) for h in opts.header)
    if opts.bodies is not None:
        bodies = read_bodies(opts.bodies)
    elif opts.body is not None:
        bodies = (opts.body.encode(),)
    else:
        bodies = ()
    return Target(
        url=opts.url,
        method=opts.method or "",
        headers=headers,
        bodies=bodies,
        connections=opts.connections,
        timeout=opts.timeout,
        use_uvloop=not opts.no_uvloop,
        httpx_pool=opts.httpx_pool,
        raw=opts.raw,
    )


def _run_cli(opts: argparse.Namespace) -> Report:
    target = _target(opts)
    if opts.out is not None and not opts.out.parent.is_dir():
        raise LoadgenError(f"cannot write --out {opts.out}: no directory {opts.out.parent}")
    if opts.concurrency is not None and not opts.saturate:
        raise LoadgenError("--concurrency goes with --saturate")
    if opts.saturate:
        concurrency = target.connections if opts.concurrency is None else opts.concurrency
        return run_closed_loop(
            target, concurrency=concurrency, duration=opts.duration, warmup=opts.warmup
        )
    if opts.steps:
        return run_steps(target, rates=opts.steps, duration=opts.duration, warmup=opts.warmup)
    if opts.rate is None:
        raise LoadgenError("give --rate R, --steps R1,R2,… or --saturate")
    return run_open_loop(target, rate=opts.rate, duration=opts.duration, warmup=opts.warmup)


def main(argv: Sequence[str] | None = None) -> int:
    global _QUIET
    opts = _parser().parse_args(argv)
    _QUIET = opts.quiet
    try:
        report = _run_cli(opts)
    except LoadgenError as exc:
        print(f"loadgen: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("loadgen: interrupted", file=sys.stderr)
        return 130
    text = json.dumps(report.to_dict(), indent=2) + "\n"
    if opts.out is not None:
        try:
            opts.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"loadgen: error: cannot write --out {opts.out}: {exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    for warning in report.warnings:
        _progress(f"warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
