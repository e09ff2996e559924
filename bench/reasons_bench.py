"""Benchmark of the churn model's reason codes (issue 16, part 5): 1M customers, beside the
scores of the same rows.

The churn model is trained as the alerts run trains it (``fit_encoder`` + ``fit_churn``,
kind ``gbm``) on ``--train-rows`` synthetic customers of ``bench/churn_bench.py`` (its 20 real
feature columns with a known non-linear churn truth — synthetic rows, not a company's data).
numba's cache is pointed at a new empty directory (``NUMBA_CACHE_DIR``), so the first call
compiles the kernels from nothing: that compile time is measured apart (a process with a warm
cache loads them instead). Then, in one run on ``--rows`` more customers of the same draw,
already encoded: the scores (``predict_proba``) and the reasons (``reason_texts``, the
product's own reason function: the top 3 risk-raising source columns of every row in words;
the trees' TreeSHAP values from the compiled leaf-table kernel,
``analytics/churn/tree_patterns.py``, the same values as ``pred_contrib``; the model's tables
are built inside the timed call), each timed on all rows. Comparator: the scores of the same
rows in the same run (reasons ÷ scores). Target (issue 16): reasons for 1M customers ≤ 30 s.
Prints the 1-minute load average (a shared machine) and the CPU time of the reasons call.
Writes the "Reason codes" section of docs/benchmarks.md.

    .venv/bin/python bench/reasons_bench.py [--rows 1000000] [--train-rows 50000]
        [--seed 0] [--no-write]
"""

from __future__ import annotations

import os
import tempfile

# Before numba is imported (it reads NUMBA_CACHE_DIR then): an empty cache, a real compile.
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="reasons-bench-numba-")

import argparse
import platform
import time
from importlib import metadata

import numba
import numpy as np

from benchdoc import publish
from churn_bench import customers
from valuecenter.analytics.churn import (
    fit_churn,
    fit_encoder,
    tree_patterns,
)
from valuecenter.analytics.churn import reasons as reason_codes

HEADING = "## Reason codes: 1M customers"
TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--train-rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    frame, y, _truth = customers(opts.train_rows + opts.rows, opts.seed)
    train, score = frame.iloc[: opts.train_rows], frame.iloc[opts.train_rows :]
    began = time.perf_counter()
    encoder = fit_encoder(train)
    model = fit_churn(
        encoder.transform(train), y[: opts.train_rows], "gbm", opts.seed, encoder.layout
    )
    train_s = time.perf_counter() - began
    assert model.gbm is not None
    trees = model.gbm.booster.num_trees()
    x = encoder.transform(score)
    del frame, train, score
    print(f"trained gbm ({trees} trees) in {train_s:.1f} s; {len(x):,} rows", flush=True)

    # The first calls compile the kernels (an empty cache); the table build is timed again.
    columns, width = model.layout.source_index(), len(model.layout.source_names)
    began = time.perf_counter()
    forest = tree_patterns.forest(model.gbm.booster, columns, width)
    first_build_s = time.perf_counter() - began
    began = time.perf_counter()
    reason_codes.top_positive(tree_patterns.contributions(forest, x[:10]), 3)
    first_call_s = time.perf_counter() - began
    began = time.perf_counter()
    forest = tree_patterns.forest(model.gbm.booster, columns, width)
    build_s = time.perf_counter() - began
    compile_s = first_build_s - build_s + first_call_s
    blocks = len(forest.table_start)
    per_row = int((forest.table_start < 0).sum())
    table_mb = forest.tables.nbytes / 1e6
    del forest
    print(f"compile {compile_s:.1f} s; tables {build_s:.2f} s", flush=True)

    load_start = os.getloadavg()[0]
    began = time.perf_counter()
    risk = model.predict_proba(x)
    score_s = time.perf_counter() - began
    print(f"scores: {score_s:.2f} s", flush=True)
    began, cpu = time.perf_counter(), time.process_time()
    texts = model.reason_texts(x, 3)
    reasons_s, reasons_cpu = time.perf_counter() - began, time.process_time() - cpu
    load_end = os.getloadavg()[0]
    print(f"reasons: {reasons_s:.2f} s (CPU {reasons_cpu:.1f} s)", flush=True)
    rate = len(x) / reasons_s
    met = "met" if reasons_s * 1_000_000 / len(x) <= TARGET_S else "**not met**"
    example = "; ".join(str(t[0]) for t in texts)
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/reasons_bench.py --rows {opts.rows} --train-rows {opts.train_rows} "
            f"--seed {opts.seed}`, run {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores "
            f"({numba.get_num_threads()} numba threads), Python {platform.python_version()}, "
            f"numpy {np.__version__}, numba {numba.__version__}, lightgbm "
            f"{metadata.version('lightgbm')}. The churn model (`fit_churn`, kind `gbm`: "
            f"{trees} trees) trained on {opts.train_rows:,} synthetic customers of "
            "`bench/churn_bench.py` (its 20 feature columns, a known churn truth; synthetic "
            f"rows, not a company's data) in {train_s:.1f} s; then {len(x):,} more customers, "
            "encoded: the scores (`predict_proba`) and the reasons (`reason_texts`: the top 3 "
            "risk-raising source columns of every row, in words; the trees' TreeSHAP values "
            "from the compiled leaf-table kernel, `analytics/churn/tree_patterns.py`, equal to "
            "LightGBM's `pred_contrib`; the model's tables, built once per model, included) "
            "timed on all of them in the same run; comparator: the scores (reasons ÷ scores). "
            f"Target (issue 16): reasons for 1,000,000 customers ≤ {TARGET_S:.0f} s. "
            f"1-minute load average {load_start:.1f} → {load_end:.1f} (2 cores shared with "
            "other work: a run alone adds up to 2).",
            "",
            "| rows | scores (s) | reasons (s) | reasons CPU (s) | reasons ÷ scores "
            "| reasons rows/s | 1,000,000 customers (s) | ≤ 30 s |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {len(x):,} | {score_s:.2f} | {reasons_s:.2f} | {reasons_cpu:.1f} "
            f"| {reasons_s / score_s:.1f} | {rate:,.0f} | {1_000_000 / rate:,.1f} | {met} |",
            "",
            f"Once per process, not in the figures above: compiling the kernels (numba, empty "
            f"cache) {compile_s:.1f} s; a later process loads them from numba's cache. Once per "
            f"model, included above: building its tables {build_s:.2f} s ({blocks:,} blocks, "
            f"{per_row} leaves evaluated per row, {table_mb:.1f} MB).",
            "",
            f"Example (first customer, risk {risk[0]:.3f}): {example}.",
            "",
        ]
    )
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
