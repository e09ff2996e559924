"""Measure ``valuecenter score`` on the 1,000,000-customer demo company (≈24M order lines) in a
fresh process — features in the database, BG/NBD + Gamma-Gamma fits, CLV, RFM, segments, one
million score rows written — and write the figures to the "Score run" section of
docs/benchmarks.md (other sections are left as they are).

    .venv/bin/python bench/score_bench.py [--customers 1000000] [--database URL] [--no-write]

Without ``--database`` the demo company is generated first into a fresh SQLite file (about
7 minutes, not measured); with it, an already loaded database is migrated and scored.
Target (issue 5): ≤ 120 s and ≤ 4 GB RSS on this 2-core machine; the comparator is the target
(ratio = measured ÷ target).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from benchdoc import publish
from measure import measured
from valuecenter.db.engine import make_engine

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("valuecenter"))
HEADING = "## Score run"
TARGET_SECONDS = 120.0
TARGET_GB = 4.0


Run = tuple[str, int, float, float, dict[str, object], float, tuple[float, float]]


def _score(url: str) -> tuple[float, float, dict[str, object], float, tuple[float, float]]:
    """Wall, peak RSS, the JSON summary, the CPU seconds (user + system) of the score process
    and the 1-minute load average at its start and end (2 cores shared with other work: a
    load above 2 means the run waited for the CPU)."""
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    wall, peak, summary = measured([CLI, "score", "--json"], env=env, what="score")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak, summary, cpu, (load, os.getloadavg()[0])


def _lines(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one())
    engine.dispose()
    return n


def _section(runs: list[Run]) -> str:
    lines = [
        HEADING,
        "",
        "`valuecenter score` in a fresh process on the demo company (wholesale, seed 1): "
        "purchase features per customer in SQL, BG/NBD and Gamma-Gamma fitted by maximum "
        "likelihood, P(alive), expected purchases, CLV over 12 months, RFM and the six "
        "segments, and one score row per customer written under the run id, in one "
        f"transaction. Measured by `bench/score_bench.py` on {platform.machine()} with "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Target (issue 5): ≤ 120 s and ≤ 4 GB RSS for 1M "
        "customers / 20M order lines; comparator: the target (ratio = measured ÷ target).",
        "",
        "| database | customers | order lines | scored | wall (s) | ÷ 120 s | peak RSS (GB) "
        "| ÷ 4 GB | in-run timer (s) | CPU (s) | 1-min load start → end | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for database, order_lines, wall, peak, s, cpu, (load0, load1) in runs:
        met = wall <= TARGET_SECONDS and peak <= TARGET_GB
        lines.append(
            f"| {database} | {s['customers']:,} | {order_lines:,} | {s['scored']:,} | "
            f"{wall:.1f} | {wall / TARGET_SECONDS:.2f} | {peak:.2f} | {peak / TARGET_GB:.2f} | "
            f"{s['seconds']} | {cpu:.1f} | {load0:.1f} → {load1:.1f} | "
            f"{'met' if met else 'NOT met'} |"
        )
    lines += [
        "",
        "The in-run timer runs inside the transaction, without process start-up and commit. "
        "CPU: user + system seconds of the score process; with a 1-minute load above 2 the "
        "machine's 2 cores were shared with other work and the wall time includes waiting.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--database", action="append", help="An already loaded database to score (repeatable)."
    )
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    opts = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = opts.database or [f"sqlite:///{Path(tmp) / 'score.db'}"]
        if not opts.database:
            env = {**os.environ, "VALUECENTER_DATABASE_URL": urls[0]}
            subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
            demo = [CLI, "demo", "--customers", str(opts.customers), "--seed", "1"]
            print(f"generating the demo company ({opts.customers:,} customers)…", flush=True)
            subprocess.run(demo, env=env, check=True, capture_output=True)
        for url in urls:
            wall, peak, summary, cpu, load = _score(url)
            database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            print(
                f"{database}: {wall:.1f} s, CPU {cpu:.1f} s, peak {peak:.2f} GB, "
                f"load {load[0]:.1f} → {load[1]:.1f}",
                flush=True,
            )
            runs.append((database, _lines(url), wall, peak, summary, cpu, load))
    section = _section(runs)
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
