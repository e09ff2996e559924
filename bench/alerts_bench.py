"""Measure ``valuecenter alerts run`` on the 1,000,000-customer demo company (≈24M order
lines) in a fresh process — purchase days in SQL, the order-rhythm test and the market dips
for every customer, the contract churn model trained and validated out of time and applied,
reasons for the alerted customers, the alerts written — next to ``valuecenter score`` on the
same database, and write the figures to the "Alert run" section of docs/benchmarks.md.

    .venv/bin/python bench/alerts_bench.py [--customers 1000000] [--database URL] [--no-write]

Without ``--database`` the demo company is generated first into a fresh SQLite file (about
7 minutes, not measured). Issue 6 sets no target for the run; the comparator is the nightly
score run (issue 5) on the same data — ratio = alert run ÷ score run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdoc import publish
from measure import measured

CLI = str(Path(sys.executable).with_name("valuecenter"))
HEADING = "## Alert run"


def _timed(url: str, *command: str) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, peak RSS (GB) and the JSON summary of one command in a fresh process."""
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    return measured([CLI, *command, "--json"], env=env, what=command[0])


def _section(
    database: str,
    score: tuple[float, float, dict[str, object]],
    alerts: tuple[float, float, dict[str, object]],
) -> str:
    s_wall, s_peak, s_sum = score
    a_wall, a_peak, a_sum = alerts
    models = a_sum["models"]
    assert isinstance(models, dict)
    churn = models["churn_model"]
    rhythm = models["order_rhythm"]
    if "validation" in churn:
        v = churn["validation"]
        model_line = (
            f"churn model `{churn['kind']}` on {churn['rows']:,} contract customers, "
            f"out-of-time AUC {v['auc']} (Brier {v['brier']}, {v['leavers']:,} leavers of "
            f"{v['rows']:,})"
        )
    else:
        model_line = f"churn model skipped: {churn.get('skipped')}"
    return "\n".join(
        [
            HEADING,
            "",
            "`valuecenter alerts run` in a fresh process on the demo company (wholesale, seed "
            f"1, {s_sum['customers']:,} customers), after `valuecenter score` on the same "
            f"database. Measured by `bench/alerts_bench.py` on {platform.machine()} with "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}. Issue 6 sets no target for the run; comparator: "
            "the nightly score run on the same data (ratio = alert run ÷ score run).",
            "",
            "| job | database | wall (s) | ÷ score run | peak RSS (GB) | ÷ score run | in-run "
            "timer (s) |",
            "|---|---|---:|---:|---:|---:|---:|",
            f"| alert run | {database} | {a_wall:.1f} | {a_wall / s_wall:.2f} | {a_peak:.2f} | "
            f"{a_peak / s_peak:.2f} | {a_sum['seconds']} |",
            f"| score run (comparator) | {database} | {s_wall:.1f} | 1 | {s_peak:.2f} | 1 | "
            f"{s_sum['seconds']} |",
            "",
            f"The alert run raised {a_sum['raised']:,} alerts ("
            + ", ".join(f"{kind} {n:,}" for kind, n in models["raised"].items())
            + "); "
            f"{rhythm.get('customers_with_rhythm', 0):,} customers had an order rhythm; "
            f"{model_line}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", help="An already loaded database (it is scored first).")
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = opts.database or f"sqlite:///{Path(tmp) / 'alerts.db'}"
        env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
        subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
        if not opts.database:
            demo = [CLI, "demo", "--customers", str(opts.customers), "--seed", "1"]
            print(f"generating the demo company ({opts.customers:,} customers)…", flush=True)
            subprocess.run(demo, env=env, check=True, capture_output=True)
        score = _timed(url, "score")
        print(f"score run: {score[0]:.1f} s, peak {score[1]:.2f} GB", flush=True)
        alerts = _timed(url, "alerts", "run")
        print(f"alert run: {alerts[0]:.1f} s, peak {alerts[1]:.2f} GB", flush=True)
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        publish(HEADING, _section(database, score, alerts), no_write=opts.no_write)


if __name__ == "__main__":
    main()
