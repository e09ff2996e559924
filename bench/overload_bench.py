"""The decision API past its capacity: load shedding (``web/limits.py``) at 2x and 4x the
capacity, and the recovery when the load falls.

    .venv/bin/python bench/overload_bench.py --url URL [--workers 2] [--duration 20]
        [--no-shedding] [--no-write]

The database at URL (SQLite or PostgreSQL) must hold a demo world (``valuecenter demo
--customers 20000 --seed 1``); the set-up is ``bench/nba_bench.py``'s (catalogue, a month of
decisions, models, fresh feature rows, an agent's token). The server is ``valuecenter serve
--workers N`` with production settings, the load ``bench/loadgen.py --raw`` in its own process,
open loop (latency from each request's scheduled time), as in the decision benchmark.

Phases, one server, one run: the capacity (a closed loop of 16 callers: the 2xx answers a
second), then open loop at a quarter of it (unloaded), at 2x and at 4x. Each phase reports
its 503 share and the p99 of the requests it accepted (2xx), and the ratio of that to the
unloaded p99 (target: at most 2 at 2x). During the 4x phase and 15 s after, a probe in this
process sends one decision every 100 ms: the recovery time is from the end of the 4x load to
the first probe after which every probe is answered 2xx within 2x the unloaded p99 (target:
at most 10 s). ``--no-shedding`` runs the same with an unbounded queue (the product before
issue 17), for comparison.

Then new customers: 200 customers imported after the last feature refresh through
``valuecenter import`` (which computes their feature rows), one first decision each, and the
same through the importer alone as before (the first decision computed the row on the spot):
the server time each decision logged (``decisions.latency_us``), p99 and max (target: none
over 50 ms).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from benchdoc import publish
from nba_bench import _free_port, _loadgen, _setup, _token
from valuecenter.db.base import UTCDateTime
from valuecenter.db.engine import make_engine
from valuecenter.settings import Settings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HEADING = "## Overload"
BODIES = 5_000
PROBE_EVERY_S = 0.1
RECOVERY_WATCH_S = 15.0
NEW_CUSTOMERS = 200
NEW_CUSTOMER_TARGET_MS = 50.0


def _bodies(url: str, path: Path) -> list[bytes]:
    """Decisions for the world's own inbound agent contacts (any backend's SQL)."""
    with make_engine(url).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT customer_id, channel, intent, wait_seconds FROM contacts "
                "WHERE agent_id IS NOT NULL AND direction = 'inbound' "
                "AND customer_id IS NOT NULL "
                "AND channel IN ('phone', 'chat', 'email', 'webcare', 'fax') "
                "ORDER BY started_at DESC LIMIT :n"
            ),
            {"n": BODIES},
        ).all()
    bodies = [
        json.dumps(
            {"customer_id": int(c), "channel": str(ch), "intent": i,
             "context": {"wait_seconds": int(w or 0)}}
        ).encode()
        for c, ch, i, w in rows
    ]  # fmt: skip
    path.write_bytes(b"\n".join(bodies) + b"\n")
    return bodies


def _serve(url: str, port: int, workers: int, shedding: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VALUECENTER_DATABASE_URL": url,
        "VALUECENTER_ENVIRONMENT": "production",
        "VALUECENTER_SECRET_KEY": os.urandom(32).hex(),
    }
    if not shedding:
        env["VALUECENTER_MAX_QUEUED_REQUESTS"] = "10000"
        env["VALUECENTER_MAX_QUEUE_WAIT_MS"] = "600000"
    server = subprocess.Popen(
        [str(BIN / "valuecenter"), "serve", "--port", str(port), "--workers", str(workers),
         "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(360):  # a worker's start-up takes 30 s and more on a busy machine
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not come up within 180 s")


class _Probe(threading.Thread):
    """One decision every ``PROBE_EVERY_S``: (time, status, latency s); 0 = no answer."""

    def __init__(self, port: int, token: str, body: bytes) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.body = port, token, body
        self.samples: list[tuple[float, int, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        due = time.monotonic()
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request(
                    "POST", "/api/v1/decisions", body=self.body,
                    headers={"Authorization": f"Bearer {self.token}",
                             "Content-Type": "application/json"},
                )  # fmt: skip
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
                conn = None
            self.samples.append((began, status, time.monotonic() - began))
            due += PROBE_EVERY_S
            time.sleep(max(0.0, due - time.monotonic()))


def _recovery(samples: list[tuple[float, int, float]], load_end: float, bound_s: float) -> float:
    """Seconds from ``load_end`` to the first probe after which all are good."""
    after = [s for s in samples if s[0] >= load_end]
    good_from = None
    for at, status, latency in after:
        ok = 200 <= status < 300 and latency <= bound_s
        if ok and good_from is None:
            good_from = at
        elif not ok:
            good_from = None
    return float("nan") if good_from is None else max(0.0, good_from - load_end)


def _import_new_customers(url: str, work: Path, tag: str, *, with_rows: bool) -> list[int]:
    """``NEW_CUSTOMERS`` customers created now, after the last feature refresh: through
    ``valuecenter import`` (which computes their feature rows) or, ``with_rows=False``, through
    the importer alone (as before issue 17: the first decision computes the row)."""
    path = work / f"customers-{tag}.csv"
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    lines = ["customer_id,name,kind,country"] + [
        f"NEW-{tag}-{stamp}-{i},New customer {i},b2b,NL" for i in range(NEW_CUSTOMERS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if with_rows:
        subprocess.run(
            [str(BIN / "valuecenter"), "import", "customers", str(path), "--json"],
            env={**os.environ, "VALUECENTER_DATABASE_URL": url}, check=True,
            capture_output=True,
        )  # fmt: skip
    else:
        from valuecenter.db.engine import make_sessionmaker
        from valuecenter.db.uow import unit_of_work
        from valuecenter.importer.service import import_file

        with unit_of_work(make_sessionmaker(make_engine(url))) as session:
            import_file(session, "customers", path)
    with make_engine(url).connect() as conn:
        return [
            int(i)
            for (i,) in conn.execute(
                text("SELECT id FROM customers WHERE external_id LIKE :p ORDER BY id"),
                {"p": f"NEW-{tag}-{stamp}-%"},
            )
        ]


def _new_customer_decisions(
    url: str, work: Path, common: list[str], rate: float, tag: str, *, with_rows: bool | None
) -> dict[str, Any]:
    """One decision for each of ``NEW_CUSTOMERS`` customers, open loop at ``rate``: new ones
    (imported now, ``with_rows`` as :func:`_import_new_customers`) or, ``with_rows=None``,
    customers of the world with their nightly row (the reference); the HTTP latency and the
    server time each decision logged (``decisions.latency_us``: from the decision's start to
    its log row, an on-the-spot feature row included)."""
    if with_rows is None:
        with make_engine(url).connect() as conn:
            ids = [
                int(i)
                for (i,) in conn.execute(
                    text("SELECT f.customer_id FROM customer_features f JOIN customers c "
                         "ON c.id = f.customer_id WHERE c.external_id NOT LIKE 'NEW-%' "
                         "ORDER BY f.customer_id DESC LIMIT :n"),
                    {"n": NEW_CUSTOMERS},
                )
            ]  # fmt: skip
    else:
        ids = _import_new_customers(url, work, tag, with_rows=with_rows)
    bodies = work / f"new-{tag}.jsonl"
    bodies.write_text(
        "\n".join(json.dumps({"customer_id": i, "channel": "phone"}) for i in ids) + "\n",
        encoding="utf-8",
    )
    args = [a if a != str(work / "bodies.jsonl") else str(bodies) for a in common]
    started = datetime.now(UTC) - timedelta(seconds=1)
    phase = _phase(
        _loadgen([*args, "--rate", f"{rate:.1f}", "--duration", f"{len(ids) / rate:.2f}",
                  "--warmup", "0"])
    )  # fmt: skip
    with make_engine(url).connect() as conn:
        server_us = sorted(
            int(v)
            for (v,) in conn.execute(
                text("SELECT latency_us FROM decisions WHERE customer_id IN "
                     f"({','.join(str(i) for i in ids)}) AND source = 'api' "
                     "AND decided_at >= :t").bindparams(bindparam("t", type_=UTCDateTime())),
                {"t": started},
            )
        )  # fmt: skip
    return {
        "customers": len(ids),
        "decisions": len(server_us),
        "server_p99_ms": server_us[int(0.99 * (len(server_us) - 1))] / 1000 if server_us else None,
        "server_max_ms": server_us[-1] / 1000 if server_us else None,
        "http": phase,
    }


def _phase(result: dict[str, Any]) -> dict[str, Any]:
    phase: dict[str, Any] = result["phases"][0]
    return phase


def run(url: str, workers: int, duration: float, shedding: bool) -> dict[str, Any]:
    token = _token(url)
    work = Path(tempfile.mkdtemp(prefix="overload-bench-"))
    bodies = _bodies(url, work / "bodies.jsonl")
    port = _free_port()
    server = _serve(url, port, workers, shedding)
    common = [
        "--url", f"http://127.0.0.1:{port}/api/v1/decisions", "--method", "POST",
        "--header", f"Authorization: Bearer {token}", "--bodies", str(work / "bodies.jsonl"),
        "--connections", "256", "--timeout", "10", "--raw",
    ]  # fmt: skip
    out: dict[str, Any] = {"shedding": shedding}
    try:
        cap = _loadgen(
            [*common, "--saturate", "--concurrency", "16", "--duration", str(duration),
             "--warmup", "3"]
        )  # fmt: skip
        capacity = float(_phase(cap)["achieved_rate_rps"])
        out["capacity_rps"] = round(capacity, 1)
        time.sleep(2)
        unloaded = _phase(
            _loadgen([*common, "--rate", f"{capacity / 4:.1f}", "--duration", str(duration),
                      "--warmup", "2"])
        )  # fmt: skip
        out["unloaded"] = unloaded
        base_p99 = float(unloaded["ok_latency_ms"]["p99"])
        for factor in (2, 4):
            time.sleep(2)
            probe = _Probe(port, token, bodies[0]) if factor == 4 else None
            if probe is not None:
                probe.start()
            phase = _phase(
                _loadgen([*common, "--rate", f"{capacity * factor:.1f}",
                          "--duration", str(duration), "--warmup", "0"])
            )  # fmt: skip
            exited = time.monotonic()
            out[f"x{factor}"] = phase
            if probe is not None:
                load_end = exited - max(0.0, phase["span_s"] - phase["duration_s"])
                time.sleep(RECOVERY_WATCH_S)
                probe.stop.set()
                probe.join()
                out["recovery_s"] = _recovery(probe.samples, load_end, 2 * base_p99 / 1000)
                out["probe"] = {
                    "sent": len(probe.samples),
                    "after_load": sum(1 for s in probe.samples if s[0] >= load_end),
                }
        if shedding:
            time.sleep(2)
            for tag, rows in (("existing", None), ("import", True), ("spot", False)):
                out[f"new_{tag}"] = _new_customer_decisions(
                    url, work, common, capacity / 4, tag, with_rows=rows
                )
    finally:
        server.terminate()
        server.wait(timeout=60)
    (work / "report.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"raw report in {work}", flush=True)
    return out


def _rows(result: dict[str, Any]) -> list[str]:
    base = float(result["unloaded"]["ok_latency_ms"]["p99"])
    label = "with shedding" if result["shedding"] else "**without** shedding (unbounded queue)"
    rows = []
    for key, name in (("unloaded", "¼ capacity (unloaded)"), ("x2", "2x capacity"),
                      ("x4", "4x capacity")):  # fmt: skip
        p = result[key]
        sent = max(1, p["sent"])
        shed = p["status_codes"].get("503", 0)
        other = p["errors"]["total"] - shed
        ok = p["ok_latency_ms"]
        ratio = (ok["p99"] or 0) / base if base else float("nan")
        target = " (≤ 2)" if key == "x2" else ""
        rows.append(
            f"| {label} | {name} | {p['target_rate_rps']:g}/s | {p['achieved_rate_rps']:.1f}/s "
            f"| {shed / sent:.1%} | {other} | {ok['p50'] or 0:.1f} | {ok['p99'] or 0:.1f} "
            f"| {ratio:.2f}{target} | {p['latency_ms']['p99'] or 0:.1f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="URL of the database with the world")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--no-shedding", action="store_true", help="also run without shedding")
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    print("set-up …", flush=True)
    setup = _setup(opts.url)
    load_before = os.getloadavg()
    results = [run(opts.url, opts.workers, opts.duration, shedding=True)]
    if opts.no_shedding:
        results.append(run(opts.url, opts.workers, opts.duration, shedding=False))
    load_after = os.getloadavg()
    limits = Settings(database_url=opts.url)  # the server's, from the same environment
    backend = "PostgreSQL" if opts.url.startswith("postgres") else "SQLite"
    shed = results[0]
    x2 = shed["x2"]
    ratio = (x2["ok_latency_ms"]["p99"] or 0) / shed["unloaded"]["ok_latency_ms"]["p99"]
    recovered = shed["recovery_s"]
    cpu = platform.processor() or platform.machine()
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/overload_bench.py --url … --workers {opts.workers} --duration "
            f"{opts.duration:g}`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on "
            f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average "
            f"{load_before[0]:.2f} before and {load_after[0]:.2f} after (the machine is shared "
            f"with other jobs). `POST /api/v1/decisions` on {backend} with the demo world of "
            f"{setup['customers']:,} customers (models `{setup['model']}`), `valuecenter serve "
            f"--workers {opts.workers}` (production settings: {limits.max_concurrent_requests} "
            f"requests at once per worker, at most {limits.max_queued_requests} waiting, at most "
            f"{limits.max_queue_wait_ms} ms each; `web/limits.py`), `bench/loadgen.py --raw` "
            "open loop in its own process. Capacity: the 2xx answers a second of a closed loop "
            "of 16 callers. 503 share: refused by load shedding; accepted p99: the p99 of the "
            "2xx answers (latency from each request's scheduled time); all p99: every answer, "
            "503s included. Targets (issue 17): 503s instead of unbounded queueing at 2x and "
            "4x, accepted p99 ≤ 2x the unloaded p99 at 2x, recovery ≤ 10 s.",
            "",
            "| server | load | target rate | 2xx a second | 503 share | other errors "
            "| accepted p50 (ms) | accepted p99 (ms) | ÷ unloaded p99 | all p99 (ms) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *(row for r in results for row in _rows(r)),
            "",
            "| figure | measured | target | met |",
            "|---|---:|---:|---|",
            f"| capacity (closed loop, 16 callers) | {shed['capacity_rps']:.1f}/s | – | |",
            f"| accepted p99 at 2x ÷ unloaded p99 | {ratio:.2f} | ≤ 2 | "
            f"{'met' if ratio <= 2 else '**not met**'} |",
            f"| 503 share at 2x / 4x | {x2['status_codes'].get('503', 0) / x2['sent']:.1%} / "
            f"{shed['x4']['status_codes'].get('503', 0) / shed['x4']['sent']:.1%} | > 0 "
            "(shed, not queued) | "
            f"{'met' if shed['x4']['status_codes'].get('503', 0) else '**not met**'} |",
            f"| recovery after 4x (probe every 100 ms: 2xx within 2x unloaded p99) | "
            f"{recovered:.1f} s | ≤ 10 s | {'met' if recovered <= 10 else '**not met**'} |",
            *(
                [f"| recovery without shedding | {results[1]['recovery_s']:.1f} s | – | |"]
                if len(results) > 1
                else []
            ),
        ]
    )
    new_rows = []
    for tag, how in (
        ("existing", "– (the world's customers, nightly rows: the reference)"),
        ("import", "`valuecenter import` (computes the rows)"),
        ("spot", "the importer alone, as before (the first decision computes the row)"),
    ):
        n = shed[f"new_{tag}"]
        http_ms = n["http"]["latency_ms"]
        met = (n["server_max_ms"] or 0) <= NEW_CUSTOMER_TARGET_MS
        new_rows.append(
            f"| {how} | {n['customers']} | {n['decisions']} | {n['server_p99_ms']:.1f} "
            f"| {n['server_max_ms']:.1f} | {http_ms['p99'] or 0:.1f} | {http_ms['max'] or 0:.1f} "
            f"| {'met' if met else '**not met**'} |"
        )
    section += "\n".join(
        [
            "",
            "",
            f"New customers (issue 17): {NEW_CUSTOMERS} customers created after the last "
            "feature refresh, then one first decision each, open loop at a quarter of the "
            "capacity on the same server. Server time: `decisions.latency_us`, from the "
            "decision's start to its log row (an on-the-spot feature row included). Target: "
            f"no decision over {NEW_CUSTOMER_TARGET_MS:g} ms of server time.",
            "",
            "| customers created by | customers | decisions | server p99 (ms) | server max (ms) "
            "| HTTP p99 (ms) | HTTP max (ms) | max ≤ 50 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            *new_rows,
        ]
    )
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
