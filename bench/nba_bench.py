"""The real-time decision API under load: ``POST /api/v1/decisions`` on PostgreSQL with the
1,000,000-customer demo world, the load from a separate process on loopback.

    .venv/bin/python bench/nba_bench.py --postgres URL [--workers 2] [--rate 200]
        [--duration 60] [--warmup 10] [--steps 200,300,400,500,600,800] [--no-write]

The database at URL must hold a demo world (``valuecenter demo --preset wholesale
--customers 1000000 --seed 1``; its load is measured by ``bench/demo_bench.py``). Set-up, once
and not timed as part of the target (its seconds are reported): the demo's catalogue, one month
of decisions through the engine ending at the world's end (a pilot with half of them
exploring; ``demo/nba.py``), the propensity models trained on them, every customer's feature
row refreshed as of the world's end, and an agent's API token.

The run: ``valuecenter serve`` (uvicorn, ``--workers`` processes, production settings, no
access log) against the database; ``bench/loadgen.py`` in its own process sends decisions for
customers drawn from the world's own agent contacts of its last two months (their customer,
channel, intent and wait), with ``--raw`` (plain HTTP/1.1 over asyncio streams: about a fifth
of httpx's CPU per request, CPU the server under test keeps on 2 cores) — open loop at
``--rate`` requests/s for ``--duration`` s after a ``--warmup``, latency from each request's
scheduled time, so a stall counts (Gil Tene's coordinated omission) — then stepped rates up to
saturation. Targets (issue 8): p99 ≤ 20 ms at 200 requests/s for 60 s with 0 errors; report
p50/p95/p99 and the throughput at saturation.
Comparator: the target (p99 ÷ 20 ms; below 1 is met), and beside it the same decision made
in-process without HTTP (``offers.decisions.decide`` in one session per call, as a request
does), so the table shows what the engine costs and what the web tier adds. Every decision of
the run is checked to be in the decision log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchdoc import publish
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HEADING = "## Decision API"
TARGET_P99_MS = 20.0
TARGET_RATE = 200.0
BODIES = 20_000
INPROCESS_CALLS = 2_000


def _setup(url: str) -> dict[str, Any]:
    """Catalogue, a month of decisions, models, fresh feature rows; what each took."""
    from valuecenter.demo import nba
    from valuecenter.demo.offers_truth import load_demo_catalogue
    from valuecenter.offers.catalogue import import_catalogue
    from valuecenter.offers.features import refresh_features
    from valuecenter.offers.models import Action, CustomerFeatures, PropensityModel
    from valuecenter.offers.training import train

    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    done: dict[str, Any] = {}
    with unit_of_work(sessions) as session:
        preset, _c, _p = nba.truth_frames(session)
        end = nba.world_end(session)
        if not session.scalar(select(func.count()).select_from(Action)):
            import_catalogue(session, load_demo_catalogue(preset))
    with unit_of_work(sessions) as session:
        if session.scalar(select(func.count()).select_from(PropensityModel)) == 0:
            began = time.perf_counter()
            history = nba.simulate(session, months=1, ends=end, refresh_days=31, seed=1)
            done["history_s"] = round(time.perf_counter() - began, 1)
            done["history_decisions"] = history.decisions
            began = time.perf_counter()
            trained = train(session, until=end)
            done["train_s"] = round(time.perf_counter() - began, 1)
            done["model"] = trained.version
    with unit_of_work(sessions) as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        rows = session.scalar(select(func.count()).select_from(CustomerFeatures)) or 0
        as_of = session.scalar(select(func.min(CustomerFeatures.as_of)))
        if rows < customers or as_of is None or as_of < end:
            began = time.perf_counter()
            refresh_features(session, as_of=end)
            done["features_s"] = round(time.perf_counter() - began, 1)
    with sessions() as session:
        done["customers"] = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
        done["model"] = session.scalar(
            select(PropensityModel.version).where(PropensityModel.active.is_(True))
        )
    return done


def _phases(
    target: dict[str, Any], steps: dict[str, Any], rate: float, target_p99_ms: float
) -> tuple[dict[str, Any], dict[str, Any], int, bool, list[str]]:
    """The target run's phase, its latencies, the requests sent (warm-up included), whether
    the target is met (p99, no errors, the rate held) and the table rows of every phase."""
    phase = target["phases"][0]
    lat = phase["latency_ms"]
    sent_total = target["warmup"].get("sent", 0) + phase["sent"]
    met = (
        lat["p99"] is not None
        and lat["p99"] <= target_p99_ms
        and phase["error_rate"] == 0
        and phase["achieved_rate_rps"] >= 0.99 * rate
    )
    rows = [
        "| phase | target rate | achieved | errors | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in [phase, *steps["phases"]]:
        lt = p["latency_ms"]
        rows.append(
            f"| {'target run' if p is phase else 'step'} | {p['target_rate_rps']:g}/s "
            f"| {p['achieved_rate_rps']:.1f}/s | {p['errors']['total']} "
            f"| {lt['p50']:.2f} | {lt['p95']:.2f} | {lt['p99']:.2f} | {lt['max']:.1f} |"
        )
    return phase, lat, sent_total, met, rows


def _token(url: str, username: str = "bench-agent") -> str:
    """A day's API token of the agent-role user ``username`` (created when missing)."""
    from valuecenter.users import service as users
    from valuecenter.users.models import Role, User
    from valuecenter.users.security import new_password

    sessions = make_sessionmaker(make_engine(url))
    with unit_of_work(sessions) as session:
        if session.scalar(select(User).where(User.username == username)) is None:
            users.create_user(session, username=username, password=new_password(), role=Role.AGENT)
        return users.issue_token(session, username=username, days=1)


def _bodies(url: str, path: Path) -> list[dict[str, Any]]:
    """Requests from the world's own agent contacts of its last two months."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT customer_id, channel, intent, wait_seconds FROM contacts "
                "WHERE agent_id IS NOT NULL AND direction = 'inbound' AND customer_id IS NOT NULL "
                "AND channel IN ('phone', 'chat', 'email', 'webcare', 'fax') "
                "AND started_at >= (SELECT max(started_at) FROM contacts) - interval '61 days'"
            )
        ).all()
    rng = random.Random(8)
    picked = rng.sample(rows, min(BODIES, len(rows)))
    bodies = [
        {
            "customer_id": int(c),
            "channel": str(ch),
            "intent": i,
            "context": {"wait_seconds": int(w)},
        }
        for c, ch, i, w in picked
    ]
    path.write_text("\n".join(json.dumps(b) for b in bodies) + "\n", encoding="utf-8")
    return bodies


def _in_process(url: str, bodies: list[dict[str, Any]]) -> dict[str, float]:
    """The same decisions without HTTP: one session and transaction per call."""
    from zoneinfo import ZoneInfo

    from valuecenter.offers import decisions
    from valuecenter.offers.engine import EngineCache

    sessions = make_sessionmaker(make_engine(url))
    cache = EngineCache()
    zone = ZoneInfo("Europe/Amsterdam")
    times: list[float] = []
    for body in bodies[:INPROCESS_CALLS]:
        began = time.perf_counter()
        with unit_of_work(sessions) as session:
            decisions.decide(
                session,
                cache.get(session),
                decisions.Request(
                    customer_id=body["customer_id"],
                    channel=body["channel"],
                    intent=body["intent"],
                    wait_seconds=body["context"]["wait_seconds"],
                ),
                viewer=None,
                zone=zone,
                source="bench",
            )
        times.append((time.perf_counter() - began) * 1000)
    times = times[100:]  # warm
    times.sort()
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99)], 3),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children still alive (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VALUECENTER_DATABASE_URL": url,
        "VALUECENTER_ENVIRONMENT": "production",
        "VALUECENTER_SECRET_KEY": secrets.token_urlsafe(48),
    }
    server = subprocess.Popen(
        [str(BIN / "valuecenter"), "serve", "--port", str(port), "--workers", str(workers),
         "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not come up within 60 s")


def _loadgen(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "loadgen.py"), *args],
        capture_output=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"loadgen failed: {out.stderr.decode(errors='replace')}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _logged(url: str, since: datetime) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM decisions WHERE source = 'api' AND decided_at >= :t"),
                {"t": since},
            ).scalar()
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="URL of the database with the world")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=TARGET_RATE)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--steps", default="200,300,400,500,600,800")
    parser.add_argument("--step-duration", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    url = opts.postgres
    print("set-up …", flush=True)
    setup = _setup(url)
    token = _token(url)
    work = Path(tempfile.mkdtemp(prefix="nba-bench-"))
    bodies = _bodies(url, work / "bodies.jsonl")
    print("in-process decisions …", flush=True)
    inproc = _in_process(url, bodies)
    port = _free_port()
    server = _serve(url, port, opts.workers)
    common = [
        "--url", f"http://127.0.0.1:{port}/api/v1/decisions", "--method", "POST",
        "--header", f"Authorization: Bearer {token}", "--bodies", str(work / "bodies.jsonl"),
        "--connections", "64", "--timeout", "2", "--raw",
    ]  # fmt: skip
    try:
        began = datetime.now(UTC) - timedelta(seconds=1)
        cpu0 = _cpu_seconds(server.pid)
        print(f"open loop {opts.rate:g}/s for {opts.duration:g} s …", flush=True)
        target = _loadgen(
            [*common, "--rate", str(opts.rate), "--duration", str(opts.duration),
             "--warmup", str(opts.warmup)]
        )  # fmt: skip
        server_cpu = _cpu_seconds(server.pid) - cpu0
        (work / "target.json").write_text(json.dumps(target, indent=1), encoding="utf-8")
        logged = _logged(url, began)
        print("steps to saturation …", flush=True)
        steps = _loadgen(
            [*common, "--steps", opts.steps, "--duration", str(opts.step_duration),
             "--warmup", "3"]
        )  # fmt: skip
        (work / "steps.json").write_text(json.dumps(steps, indent=1), encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
    phase, lat, sent_total, met, rows = _phases(target, steps, opts.rate, TARGET_P99_MS)
    cpu = platform.processor() or platform.machine()
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/nba_bench.py --postgres … --workers {opts.workers}`, run "
            f"{datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}), Python "
            f"{platform.python_version()}. `POST /api/v1/decisions` on PostgreSQL with the "
            f"demo world of {setup['customers']:,} customers, propensity models "
            f"`{setup['model']}`, `valuecenter serve --workers {opts.workers}` (production "
            "settings, no access log) and `bench/loadgen.py --raw` in its own process on "
            "loopback: an asyncio client writing plain HTTP/1.1 keep-alive requests, open loop "
            "(latency from each request's scheduled time, so a stall counts). Bodies: 20,000 "
            "of the world's own agent contacts of its last two months (customer, channel, intent, "
            "wait). Target (issue 8): p99 ≤ 20 ms at 200 requests/s for 60 s with 0 errors. "
            "Comparator: the target (p99 ÷ 20 ms) and the same decision in-process without "
            "HTTP.",
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
            "",
            *rows,
            "",
            f"During the target run the server used {server_cpu:.1f} CPU-seconds "
            f"({server_cpu / (opts.duration + opts.warmup) * 100:.0f}% of one core) and the "
            f"load generator {phase['generator_cpu_percent']:.0f}% of one core; "
            f"{logged:,} decisions were logged for {sent_total:,} requests sent "
            "(warm-up included). "
            + (f"Step stop: {steps['stop_reason']}. " if steps.get("stop_reason") else "")
            + f"Set-up (not timed as part of the target): {json.dumps(setup)}.",
        ]
    )
    print(f"raw reports in {work}")
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
