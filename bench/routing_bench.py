"""The inbound routing decision API under load: ``POST /api/v1/routing/decide`` on PostgreSQL with
a demo world, the load from a separate process on loopback.

    .venv/bin/python bench/routing_bench.py --postgres URL [--workers 2] [--rate 200]
        [--duration 60] [--warmup 10] [--steps 200,400,600,800] [--no-write]

The database at URL must hold a demo world (``valuecenter demo --preset wholesale --customers
100000 --seed 1``, then ``valuecenter score`` and ``valuecenter offers features``: the routing
rules read the feature rows). Set-up, once and not timed as part of the target (its seconds are
reported): the preset's demo routing rules (``demo/routing/<preset>.yaml``) when none are
loaded; a login and an agent line for every account manager (``agents.user_id`` = his login), a
third each reported available, busy and away (seeded); an ACD user (role agent) and its token.

The run: ``valuecenter serve`` (uvicorn, ``--workers`` processes, production settings, no
access log); ``bench/loadgen.py --raw`` in its own process sends calls drawn from the world's
own inbound phone contacts of its last two months — their customer, intent, wait and moment
(``time``, so the Monday-morning rule meets Monday mornings) — 80% by customer id, 10% by the
customer's number, 10% from numbers nobody has (unknown callers); open loop at ``--rate``
requests/s for ``--duration`` s after a ``--warmup``, latency from each request's scheduled
time (Gil Tene's coordinated omission), then stepped rates up to saturation. Target (issue
22): p99 ≤ 10 ms at 200 requests/s for 60 s with 0 errors. Comparator: the target (p99 ÷ 10
ms; below 1 is met) and the same decision in-process without HTTP (``routing.decide.decide``
in one session per call, as a request does). Every decision of the run is checked to be in
the routing decision log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchdoc import publish
from nba_bench import _cpu_seconds, _free_port, _loadgen, _phases, _serve, _token
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work

HEADING = "## Routing decision API"
TARGET_P99_MS = 10.0
TARGET_RATE = 200.0
BODIES = 20_000
INPROCESS_CALLS = 2_000


def _setup(url: str) -> dict[str, Any]:
    """Rules, the account managers' agent lines and presence; what each took."""
    from valuecenter.agents.models import Agent
    from valuecenter.customers.models import AccountManager, Customer
    from valuecenter.demo import nba
    from valuecenter.demo.load import account_manager_logins, demo_routing_rules
    from valuecenter.offers.models import CustomerFeatures
    from valuecenter.routing import repository, service
    from valuecenter.routing.models import AgentPresence

    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    done: dict[str, Any] = {}
    with unit_of_work(sessions) as session:
        preset, _c, _p = nba.truth_frames(session)
        if repository.settings(session) is None:
            began = time.perf_counter()
            service.load_rules(session, document=demo_routing_rules(preset))
            done["rules_s"] = round(time.perf_counter() - began, 2)
        account_manager_logins(session)
        rng = random.Random(22)
        ams = session.execute(select(AccountManager.code, AccountManager.user_id)).all()
        have = set(session.scalars(select(Agent.user_id).where(Agent.user_id.is_not(None))))
        for code, user_id in ams:
            if user_id not in have:
                session.add(Agent(external_id=f"AM-{code}", name=None, user_id=user_id))
        session.flush()
        if not session.scalar(select(func.count()).select_from(AgentPresence)):
            lines = session.scalars(select(Agent.id).where(Agent.external_id.like("AM-%"))).all()
            for agent_id in lines:
                state = rng.choice(("available", "busy", "away"))
                session.add(AgentPresence(agent_id=agent_id, state=state))
    with sessions() as session:
        done["preset"] = preset
        done["customers"] = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
        done["feature_rows"] = int(
            session.scalar(select(func.count()).select_from(CustomerFeatures)) or 0
        )
        done["rules_version"] = repository.version(session)
        done["am_lines_available"] = int(
            session.scalar(
                select(func.count())
                .select_from(AgentPresence)
                .where(AgentPresence.state == "available")
            )
            or 0
        )
    return done


def _bodies(url: str, path: Path) -> list[dict[str, Any]]:
    """Calls from the world's own inbound phone contacts of its last two months."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, c.intent, c.wait_seconds, c.started_at, f.phone "
                "FROM contacts c LEFT JOIN customer_features f ON f.customer_id = c.customer_id "
                "WHERE c.direction = 'inbound' AND c.channel = 'phone' "
                "AND c.customer_id IS NOT NULL "
                "AND c.started_at >= (SELECT max(started_at) FROM contacts) - interval '61 days'"
            )
        ).all()
    rng = random.Random(22)
    picked = rng.sample(rows, min(BODIES, len(rows)))
    bodies: list[dict[str, Any]] = []
    for cid, intent, wait, at, phone in picked:
        body: dict[str, Any] = {
            "waiting_seconds": int(min(wait or 0, 86_400)),
            "time": at.isoformat(),
        }
        if intent:
            body["intent"] = str(intent)
        draw = rng.random()
        if draw < 0.1 and phone:
            body["phone"] = str(phone)
        elif draw < 0.2:
            body["phone"] = f"+3197{rng.randrange(10**8):08d}"  # nobody has these
        else:
            body["customer_id"] = int(cid)
        bodies.append(body)
    path.write_text("\n".join(json.dumps(b) for b in bodies) + "\n", encoding="utf-8")
    return bodies


def _in_process(url: str, bodies: list[dict[str, Any]]) -> dict[str, float]:
    """The same decisions without HTTP: one session and transaction per call."""
    from zoneinfo import ZoneInfo

    from valuecenter.routing import decide
    from valuecenter.routing.engine import RulesCache

    sessions = make_sessionmaker(make_engine(url))
    cache = RulesCache()
    zone = ZoneInfo("Europe/Amsterdam")
    times: list[float] = []
    for body in bodies[:INPROCESS_CALLS]:
        began = time.perf_counter()
        with unit_of_work(sessions) as session:
            decide.decide(
                session,
                cache.get(session),
                decide.Call(
                    customer_id=body.get("customer_id"),
                    phone=body.get("phone"),
                    intent=body.get("intent"),
                    at=datetime.fromisoformat(body["time"]),
                    wait_seconds=body["waiting_seconds"],
                ),
                zone=zone,
            )
        times.append((time.perf_counter() - began) * 1000)
    times = times[100:]  # warm
    times.sort()
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99)], 3),
    }


def _cpu_parts(url: str, token: str, bodies: list[dict[str, Any]]) -> dict[str, float]:
    """CPU milliseconds per call of the pieces of a request, in-process (the profile of where
    a request's CPU goes): the empty transaction, the token check, and the decision with its
    log row and commit (each in its own transaction, as a request has them in one)."""
    from zoneinfo import ZoneInfo

    from valuecenter.routing import decide
    from valuecenter.routing.engine import RulesCache
    from valuecenter.users import service as users

    sessions = make_sessionmaker(make_engine(url))
    cache = RulesCache()
    zone = ZoneInfo("Europe/Amsterdam")
    calls = bodies[:1000]

    def empty() -> None:
        for _b in calls:
            with unit_of_work(sessions) as session:
                session.connection()

    def auth() -> None:
        for _b in calls:
            with unit_of_work(sessions) as session:
                users.user_for_token(session, token)

    def decision() -> None:
        for b in calls:
            with unit_of_work(sessions) as session:
                decide.decide(
                    session,
                    cache.get(session),
                    decide.Call(
                        customer_id=b.get("customer_id"),
                        phone=b.get("phone"),
                        intent=b.get("intent"),
                        at=datetime.fromisoformat(b["time"]),
                        wait_seconds=b["waiting_seconds"],
                    ),
                    zone=zone,
                ).model_dump_json()

    out: dict[str, float] = {}
    for name, fn in (("transaction", empty), ("token_check", auth), ("decision", decision)):
        fn()  # warm
        began = time.process_time()
        fn()
        out[name] = round((time.process_time() - began) * 1000 / len(calls), 3)
    return out


def _logged(url: str, since: datetime, user: str = "bench-acd") -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM routing_decisions d JOIN users u ON u.id = d.user_id "
                    "WHERE u.username = :u AND d.decided_at >= :t"
                ),
                {"u": user, "t": since},
            ).scalar()
            or 0
        )


def _outcomes(url: str, since: datetime) -> dict[str, Any]:
    """What the run's decisions were: shares of self-service, own-AM, unknown callers."""
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), avg(CASE WHEN self_service THEN 1.0 ELSE 0 END), "
                "avg(CASE WHEN agent_id IS NOT NULL THEN 1.0 ELSE 0 END), "
                "avg(CASE WHEN customer_id IS NULL THEN 1.0 ELSE 0 END), "
                "percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_us) "
                "FROM routing_decisions WHERE decided_at >= :t"
            ),
            {"t": since},
        ).one()
    n, ss, am, unknown, p99_us = row
    return {
        "decisions": int(n),
        "self_service": round(float(ss or 0), 3),
        "own_am": round(float(am or 0), 3),
        "unknown": round(float(unknown or 0), 3),
        "engine_p99_us": round(float(p99_us or 0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="URL of the database with the world")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=TARGET_RATE)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--steps", default="200,400,600,800,1000")
    parser.add_argument("--step-duration", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    url = opts.postgres
    print("set-up …", flush=True)
    setup = _setup(url)
    token = _token(url, "bench-acd")
    work = Path(tempfile.mkdtemp(prefix="routing-bench-"))
    bodies = _bodies(url, work / "bodies.jsonl")
    print("in-process decisions …", flush=True)
    inproc = _in_process(url, bodies)
    parts = _cpu_parts(url, token, bodies)
    port = _free_port()
    server = _serve(url, port, opts.workers)
    common = [
        "--url", f"http://127.0.0.1:{port}/api/v1/routing/decide", "--method", "POST",
        "--header", f"Authorization: Bearer {token}", "--bodies", str(work / "bodies.jsonl"),
        "--connections", "64", "--timeout", "2", "--raw",
    ]  # fmt: skip
    try:
        began = datetime.now(UTC) - timedelta(seconds=1)
        load0 = os.getloadavg()[0]
        cpu0 = _cpu_seconds(server.pid)
        print(f"open loop {opts.rate:g}/s for {opts.duration:g} s …", flush=True)
        target = _loadgen(
            [*common, "--rate", str(opts.rate), "--duration", str(opts.duration),
             "--warmup", str(opts.warmup)]
        )  # fmt: skip
        server_cpu = _cpu_seconds(server.pid) - cpu0
        load1 = os.getloadavg()[0]
        (work / "target.json").write_text(json.dumps(target, indent=1), encoding="utf-8")
        logged = _logged(url, began)
        outcomes = _outcomes(url, began)
        print("steps to saturation …", flush=True)
        steps = _loadgen(
            [*common, "--steps", opts.steps, "--duration", str(opts.step_duration),
             "--warmup", "3"]
        )  # fmt: skip
        (work / "steps.json").write_text(json.dumps(steps, indent=1), encoding="utf-8")
        print("the floor: GET /api/v1/health at the same rate …", flush=True)
        floor = _loadgen(
            ["--url", f"http://127.0.0.1:{port}/api/v1/health", "--connections", "64",
             "--timeout", "2", "--raw", "--rate", str(opts.rate), "--duration", "30",
             "--warmup", "5"]
        )["phases"][0]["latency_ms"]  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    phase, lat, sent_total, met, rows = _phases(target, steps, opts.rate, TARGET_P99_MS)
    cpu = platform.processor() or platform.machine()
    per_request = server_cpu * 1000 / max(sent_total, 1)
    rest = per_request - parts["token_check"] - parts["decision"] + parts["transaction"]
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/routing_bench.py --postgres … --workers {opts.workers}`, run "
            f"{datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}), Python "
            f"{platform.python_version()}. `POST /api/v1/routing/decide` on PostgreSQL with the "
            f"{setup['preset']} demo world of {setup['customers']:,} customers (a tenth of the "
            "decision API's world: routing reads the same one feature row per caller by primary "
            "key or by the indexed number, so the world's size matters little; the 1,000,000 "
            "world takes about half an hour to load), its feature rows and its demo routing "
            f"rules (version {setup['rules_version']}); every account manager an agent line, "
            f"{setup['am_lines_available']} of them available. `valuecenter serve --workers "
            f"{opts.workers}` (production settings, no access log) and `bench/loadgen.py --raw` "
            "in its own process on loopback, open loop (latency from each request's scheduled "
            f"time, so a stall counts). Bodies: {len(bodies):,} of the world's own inbound phone "
            "calls of its last two months (customer, intent, wait, moment): 80% by customer id, "
            "10% by his number, 10% unknown numbers. Target (issue 22): p99 ≤ 10 ms at 200 "
            "requests/s for 60 s with 0 errors. Comparator: the target (p99 ÷ 10 ms) and the "
            "same decision in-process without HTTP.",
            "",
            "| figure | measured | target | ratio | met |",
            "|---|---:|---:|---:|---|",
            f"| p99 at {opts.rate:g}/s for {opts.duration:g} s | {lat['p99']:.2f} ms | "
            f"{TARGET_P99_MS:g} ms | {lat['p99'] / TARGET_P99_MS:.2f} | "
            f"{'met' if met else '**not met**'} |",
            f"| errors | {phase['errors']['total']} of {phase['sent']:,} | 0 | – | "
            f"{'met' if phase['error_rate'] == 0 else '**not met**'} |",
            f"| p50 / p95 | {lat['p50']:.2f} / {lat['p95']:.2f} ms | – | – | |",
            f"| throughput at saturation | {steps['max_sustained_rate_rps'] or 0:g}/s "
            f"(highest step held: achieved ≥ 95%, errors ≤ 1%) | – | – | |",
            f"| in-process decision (no HTTP), p50 / p99 | {inproc['p50_ms']:.2f} / "
            f"{inproc['p99_ms']:.2f} ms | – | HTTP p50 ÷ in-process p50 "
            f"{lat['p50'] / inproc['p50_ms']:.2f} | |",
            f"| decision inside the request (the log's `latency_us`), p99 | "
            f"{outcomes['engine_p99_us']} µs | – | – | |",
            f"| the floor: `GET /api/v1/health` (no token, one `SELECT 1`) at {opts.rate:g}/s "
            f"for 30 s, p50 / p99 | {floor['p50']:.2f} / {floor['p99']:.2f} ms | – | "
            f"routing p99 ÷ floor p99 {lat['p99'] / floor['p99']:.2f} | |",
            "",
            *rows,
            "",
            f"During the target run the server used {server_cpu:.1f} CPU-seconds "
            f"({server_cpu / (opts.duration + opts.warmup) * 100:.0f}% of one core) and the "
            f"load generator {phase['generator_cpu_percent']:.0f}% of one core; 1-minute load "
            f"average {load0:.1f} before and {load1:.1f} after (2 cores shared with other work); "
            f"Where a request's CPU goes: the server used {per_request:.2f} ms of CPU per "
            f"request (both workers' CPU ÷ requests); in-process, the same pieces cost "
            f"{parts['transaction']:.2f} ms for an empty transaction (session, pooled "
            f"connection, commit), {parts['token_check']:.2f} ms for the token check in its "
            f"own transaction and {parts['decision']:.2f} ms for the decision with its read, "
            f"log row and commit; the rest, about {rest:.2f} ms, is uvicorn, the middleware "
            "(body limit, load shedding, security headers, session, locale), the hop into the "
            "thread pool and the JSON. "
            f"{logged:,} decisions were logged for {sent_total:,} requests sent (warm-up "
            f"included): {outcomes['self_service']:.1%} self-service, {outcomes['own_am']:.1%} "
            f"to the caller's own account manager, {outcomes['unknown']:.1%} unknown callers. "
            + (f"Step stop: {steps['stop_reason']}. " if steps.get("stop_reason") else "")
            + f"Set-up (not timed as part of the target): {json.dumps(setup)}.",
        ]
    )
    print(f"raw reports in {work}")
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
