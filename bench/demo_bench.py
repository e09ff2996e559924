"""Measure ``valuecenter demo --preset wholesale --seed 1`` end to end (a fresh process:
plan, generation block by block, the importer, the truth tables, the commit) for 100,000 and
1,000,000 customers into a fresh SQLite file and, when a URL is given, into PostgreSQL; write
the figures to the "Demo company" section of docs/benchmarks.md (other sections are left as
they are).

    .venv/bin/python bench/demo_bench.py [--sizes 100000,1000000] [--postgres URL]
                                         [--postgres-sizes 100000] [--no-write]

Targets (issue 4): 100,000 customers with two years of history in ≤ 2 minutes; 1,000,000 in
≤ 20 minutes and ≤ 8 GB of memory. The comparator of each run is its target: the table shows
time ÷ target and peak memory ÷ 8 GB. Peak memory is the child's maximum resident set size
(``wait4``). The PostgreSQL database at URL is wiped (``DROP SCHEMA public CASCADE``) first.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from benchdoc import publish
from measure import measured
from valuecenter.db.engine import make_engine

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("valuecenter"))
TARGETS = {100_000: 120.0, 1_000_000: 1200.0}
MEMORY_TARGET_GB = 8.0
HEADING = "## Demo company"
NOTE = (
    "Why PostgreSQL grows faster than linearly (measured 2026-11-25: orders 36.8 s for "
    "100,000 customers, 549.9 s for 1,000,000 — 15 × for 10 × the rows): only the first "
    "block of each table is large enough for the bulk path of `importer/bulk.py` (drop and "
    "re-create the constraints and indexes, as `pg_restore` does); the other 19 blocks go "
    "into tables that keep their indexes and check their foreign keys row by row. SQLite "
    "has no such path and grows close to linearly (orders 13.2 s → 184.8 s). Peak memory "
    "stays near the plan plus one block (1.1–2.2 GB), far under the 8 GB target."
)
TABLES = (
    "customers",
    "contracts",
    "order_lines",
    "contacts",
    "contact_reasons",
    "surveys",
    "consents",
    "campaign_members",
    "truth_customers",
    "truth_responses",
    "truth_contacts",
)


@dataclass(frozen=True)
class Run:
    database: str
    customers: int
    wall: float
    peak_gb: float
    summary: dict[str, object]
    counts: dict[str, int]


def _run(customers: int, url: str, database: str) -> Run:
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    args = [CLI, "demo", "--preset", "wholesale", "--customers", str(customers), "--seed", "1"]
    wall, peak, summary = measured([*args, "--json"], env=env, what="demo")
    run = Run(database, customers, wall, peak, summary, _counts(url))
    print(f"{database} {customers:,}: {wall:.1f} s, peak {run.peak_gb:.2f} GB", flush=True)
    return run


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }
    engine.dispose()
    return counts


def _section(runs: list[Run]) -> str:
    lines = [
        HEADING,
        "",
        "`valuecenter demo --preset wholesale --customers N --seed 1` in a fresh process into "
        "an empty, migrated database: the plan (every customer's latent traits, agents, "
        "campaigns), then block by block (50,000 customers) the generation (numpy, vectorised) "
        "and every entity through the importer (`import_frame`) plus the `truth_*` tables, all "
        "in one transaction. Measured by `bench/demo_bench.py` on "
        f"{platform.machine()} with {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. Targets (issue 4): 100,000 "
        "customers with two years of history ≤ 120 s; 1,000,000 ≤ 1,200 s and ≤ 8 GB. "
        "Comparator: the target (ratio = measured ÷ target; below 1 is met).",
        "",
        "| database | customers | wall (s) | ÷ time target | peak memory (GB) | ÷ 8 GB | met |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        target = TARGETS.get(r.customers, TARGETS[1_000_000])
        met = r.wall <= target and r.peak_gb <= MEMORY_TARGET_GB
        lines.append(
            f"| {r.database} | {r.customers:,} | {r.wall:.1f} | {r.wall / target:.2f} | "
            f"{r.peak_gb:.2f} | {r.peak_gb / MEMORY_TARGET_GB:.2f} | "
            f"{'met' if met else 'NOT met'} |"
        )
    lines += ["", NOTE]
    lines += ["", "Importer seconds per entity (`import_frame`, summed over the blocks):", ""]
    lines.append("| entity | " + " | ".join(f"{r.database} {r.customers:,}" for r in runs) + " |")
    lines.append("|---|" + "---:|" * len(runs))
    first = runs[0].summary.get("load_seconds", {})
    assert isinstance(first, dict)
    for entity in first:
        cells = []
        for r in runs:
            per = r.summary.get("load_seconds", {})
            assert isinstance(per, dict)
            cells.append(f"{float(per.get(entity, 0)):.1f}")
        lines.append(f"| {entity} | " + " | ".join(cells) + " |")
    lines += ["", "Rows per table after the load:", ""]
    lines.append("| table | " + " | ".join(f"{r.database} {r.customers:,}" for r in runs) + " |")
    lines.append("|---|" + "---:|" * len(runs))
    for table in TABLES:
        lines.append(f"| {table} | " + " | ".join(f"{r.counts[table]:,}" for r in runs) + " |")
    lines.append("")
    return "\n".join(lines)


def _sizes(text_value: str) -> list[int]:
    return [int(part) for part in text_value.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="SQLite runs, comma-separated.")
    parser.add_argument("--postgres", default=os.environ.get("VALUECENTER_BENCH_DATABASE_URL"))
    parser.add_argument("--postgres-sizes", default="100000", help="PostgreSQL runs.")
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    opts = parser.parse_args()
    runs: list[Run] = []
    for size in _sizes(opts.sizes):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(_run(size, f"sqlite:///{Path(tmp) / 'demo.db'}", "SQLite"))
    if opts.postgres:
        for size in _sizes(opts.postgres_sizes):
            _reset_postgres(opts.postgres)
            runs.append(_run(size, opts.postgres, "PostgreSQL"))
    section = _section(runs)
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
