"""Measure ``valuecenter score --engine spark --source parquet:DIR`` (``local[2]``) on demo worlds
of 1M, 2M and 5M customers (two years of orders) beside the single-machine ``valuecenter score``
on the same world where one is loaded, and the cost of the features' single definition (numpy
per customer on the executors) against Spark's native aggregation; write the figures to the
"Scale-out on Spark" section of docs/benchmarks.md.

    .venv/bin/python bench/spark_bench.py --sizes 1000000,2000000,5000000 --lakes /data/lakes \
        [--single 1000000=sqlite:////data/w1m.db] [--driver-memory 8g] [--no-write]

Each lake is made with ``valuecenter demo --customers N --seed 1 --out parquet:DIR`` when
missing (timed, not a target). Each score runs in a fresh process; its peak memory is read
from the processes themselves: the Python driver (``wait4``'s ``ru_maxrss``), and, sampled
every half second from /proc, the JVM (which in local mode hosts the driver and the
executors) and the executors' Python workers. Targets (issue 24): the cost per million
customers grows by at most 20% from 1M to 5M; the driver's peak memory ≤ 4 GB at 5M.
Comparator: the run at 1M (cost ratio) and the single-machine score run (time ratio).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from benchdoc import publish
from measure import measured

CLI = str(Path(sys.executable).with_name("valuecenter"))
HEADING = "## Scale-out on Spark"
COST_GROWTH = 1.20
DRIVER_GB = 4.0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _rss_gb(pid: int) -> tuple[str, float]:
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return name, int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return "", 0.0


class Sampler(threading.Thread):
    """The peak resident memory of this process's Java and Python descendants (excluding
    the measured command's own process, whose peak ``wait4`` reports)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.java = 0.0
        self.workers = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.5):
            java = workers = 0.0
            pids = _descendants(me)
            for pid in pids[1:]:  # pids[0]: the command itself
                name, gb = _rss_gb(pid)
                if name == "java":
                    java += gb
                elif name.startswith("python"):
                    workers += gb
            self.java, self.workers = max(self.java, java), max(self.workers, workers)


def _lake(lakes: Path, customers: int) -> tuple[Path, float | None]:
    lake = lakes / f"wholesale-{customers}"
    if lake.is_dir():
        return lake, None
    wall, _peak, _out = measured(
        [CLI, "demo", "--customers", str(customers), "--seed", "1", "--out", f"parquet:{lake}",
         "--json"],
        env=dict(os.environ),
        what=f"demo --out parquet ({customers:,})",
    )  # fmt: skip
    return lake, wall


def _lines(lake: Path) -> int:
    import pyarrow.parquet as pq

    return sum(
        pq.ParquetFile(p).metadata.num_rows for p in (lake / "order_lines").glob("*.parquet")
    )


def _spark(lake: Path, memory: str) -> dict[str, float]:
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": f"--driver-memory {memory} pyspark-shell"}
    with tempfile.TemporaryDirectory() as tmp:
        sampler = Sampler()
        sampler.start()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = os.getloadavg()[0]
        wall, peak, summary = measured(
            [CLI, "score", "--engine", "spark", "--master", "local[2]",
             "--source", f"parquet:{lake}", "--out", f"parquet:{tmp}/scores", "--json"],
            env=env,
            what="score --engine spark",
        )  # fmt: skip
        sampler.done.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": wall,
        "driver_gb": peak,
        "java_gb": sampler.java,
        "workers_gb": sampler.workers,
        "scored": float(summary["scored"]),
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "load_start": load,
        "load_end": os.getloadavg()[0],
    }


def _single(url: str) -> tuple[float, float]:
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    wall, peak, _summary = measured([CLI, "score", "--json"], env=env, what="score")
    return wall, peak


def _definition(lake: Path) -> tuple[float, float, int]:
    """Seconds of the purchase features per customer on Spark two ways, on the same lake in
    one session: the single definition (numpy per customer on the executors, as the score
    run does) and Spark's native aggregation of the same figures (what a definition written
    in Spark SQL, by hand, Ibis or a transpiler, would run). Both counted to the end."""
    from datetime import timedelta

    from valuecenter.spark.engine import spark_session
    from valuecenter.spark.features import Source, purchase_summaries
    from valuecenter.spark.score import latest_order_day
    from valuecenter.value.features import order_days_sql

    with spark_session("local[2]", "valuecenter-bench") as spark:
        Source.parse(f"parquet:{lake}").register(spark)
        latest = latest_order_day(spark)
        assert latest is not None
        as_of = latest + timedelta(days=1)
        since = (as_of - __import__("datetime").date(1970, 1, 1)).days - 365
        began = time.perf_counter()
        ours = purchase_summaries(spark, as_of).count()
        numpy_seconds = time.perf_counter() - began
        from datetime import UTC, datetime

        end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
        spark.sql(order_days_sql("spark", ":end"), args={"end": end}).createOrReplaceTempView(
            "order_days"
        )
        began = time.perf_counter()
        native = spark.sql(
            "WITH daily AS (SELECT customer_id, d, sum(v) AS v FROM order_days "
            "GROUP BY customer_id, d) "
            "SELECT customer_id, count(*) AS periods, min(d) AS first_day, max(d) AS last_day, "
            "sum(v) AS total_cents, min_by(v, d) AS first_cents, "
            f"sum(CASE WHEN d >= {since} THEN v ELSE 0 END) AS recent_cents "
            "FROM daily GROUP BY customer_id"
        ).count()
        native_seconds = time.perf_counter() - began
        assert native == ours
    return numpy_seconds, native_seconds, ours


def _twenty_million(rows: Sequence[tuple[int, int, dict[str, float], float, float, object]]) -> str:
    """What a 20M-customer run needs, read off the measured runs: the driver's memory grows
    linearly with the customers (a straight line through the smallest and the largest run),
    the work with the cost per million of the largest run."""
    (n0, _l0, s0, _c0, _r0, _x0), (n1, _l1, s1, cost1, _r1, _x1) = rows[0], rows[-1]
    if n1 == n0:
        return ""
    per_million = (s1["driver_gb"] - s0["driver_gb"]) / ((n1 - n0) / 1e6)
    driver = s0["driver_gb"] + per_million * (20e6 - n0) / 1e6
    work = cost1 * 20 * 2  # core-seconds: local[2] used both cores
    return (
        f"A 20,000,000-customer run, read off these runs: the Python driver grows by "
        f"{per_million:.2f} GB per million customers ({s0['driver_gb']:.2f} GB at {n0:,}, "
        f"{s1['driver_gb']:.2f} GB at {n1:,}), so it would need about {driver:.0f} GB — the "
        "customer-days of the risk axis and every customer's scores are held there; the work "
        f"is about {work / 3600:.1f} core-hours at the largest run's cost per million "
        f"({cost1:.1f} s on 2 cores), which a cluster spreads over its executors except for "
        "the driver's part (the fits, the risk axis, the writing), which does not shrink "
        "with more executors."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,2000000,5000000")
    parser.add_argument("--lakes", type=Path, default=Path(tempfile.gettempdir()) / "vc-lakes")
    parser.add_argument("--single", action="append", default=[], help="N=DATABASE_URL")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    singles = {int(k): v for k, v in (s.split("=", 1) for s in args.single)}
    args.lakes.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    base_cost = None
    for n in sizes:
        lake, made = _lake(args.lakes, n)
        if made is not None:
            notes.append(
                f"the {n:,}-customer lake written by `demo --out parquet:DIR` in {made:.0f} s"
            )
        spark = _spark(lake, args.driver_memory)
        cost = spark["wall"] / (n / 1e6)
        base_cost = base_cost or cost
        single = _single(singles[n]) if n in singles else None
        rows.append((n, _lines(lake), spark, cost, cost / base_cost, single))
        print(f"{n:,}: spark {spark['wall']:.1f} s, driver {spark['driver_gb']:.2f} GB", flush=True)
    numpy_s, native_s, buyers = _definition(args.lakes / f"wholesale-{sizes[0]}")
    table = [
        "| customers | order lines | spark wall (s) | s per 1M customers | ÷ 1M | ≤ 1.20 | "
        "Python driver peak (GB) | ≤ 4 GB | JVM peak (GB) | Python workers peak (GB) | CPU (s) | "
        "single machine (s) | spark ÷ single | 1-min load start → end |",
        "|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for n, lines, s, cost, ratio, single in rows:
        single_text = "–" if single is None else f"{single[0]:.1f} ({single[1]:.2f} GB)"
        versus = "–" if single is None else f"{s['wall'] / single[0]:.2f}"
        table.append(
            f"| {n:,} | {lines:,} | {s['wall']:.1f} | {cost:.1f} | {ratio:.2f} | "
            f"{'yes' if ratio <= COST_GROWTH else 'no'} | {s['driver_gb']:.2f} | "
            f"{'yes' if s['driver_gb'] <= DRIVER_GB else 'no'} | {s['java_gb']:.2f} | "
            f"{s['workers_gb']:.2f} | {s['cpu']:.0f} | {single_text} | {versus} | "
            f"{s['load_start']:.1f} → {s['load_end']:.1f} |"
        )
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    scaled = _twenty_million(rows)
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/spark_bench.py --sizes {args.sizes}`, run {stamp} on {os.cpu_count()} "
            f"cores ({platform.machine()}), Python {platform.python_version()}, "
            f"Spark `local[2]`, driver memory {args.driver_memory}. The wholesale demo world "
            "(seed 1, two years of orders to 2026-10-31) as a Parquet lake "
            "(`valuecenter demo --out parquet:DIR`); `valuecenter score --engine spark --master "
            "local[2] --source parquet:DIR --out parquet:OUT` in a fresh process: features, "
            "fits, value columns, risk axis and segments, the scores written as Parquet. "
            "Targets (issue 24): the cost per million customers grows by at most 20% from 1M to "
            "5M (comparator: the 1M run, ratio = cost ÷ its cost); the driver's peak memory ≤ "
            "4 GB at 5M. Python driver: the `valuecenter` process (`wait4`'s peak RSS), where "
            "the fits' inputs, the customer-days of the risk axis and the scores are held; JVM: "
            "Spark's JVM, which in local mode is the driver's and the executors' at once "
            "(sampled every 0.5 s); Python workers: the executors' `mapInPandas` processes "
            "(summed, sampled). Single machine: `valuecenter score` on the same world loaded "
            "into a database, where one is given.",
            "",
            *table,
            "",
            f"One definition of the features against Spark's native aggregation (README, "
            f'"Architecture"), on the {sizes[0]:,}-customer lake in one `local[2]` session, '
            f"each counted to the end: the purchase features of {buyers:,} buyers as numpy per "
            f"customer on the executors (`mapInPandas`, as the score run) {numpy_s:.1f} s; the "
            f"same figures as Spark SQL aggregates {native_s:.1f} s (ratio "
            f"{numpy_s / native_s:.2f}).",
            "",
            scaled,
            "",
            *(f"- {note}." for note in notes),
        ]
    )
    publish(HEADING, section.rstrip() + "\n", no_write=args.no_write)


if __name__ == "__main__":
    main()
