"""Benchmark of the contact forecast (issue 21): fit + forecast time on a year of 30-minute
data, and the day-ahead MASE of every model on the bank's 5-minute calls.

Timing data: a synthetic, seeded year (2025) of 30-minute call counts, open Monday–Saturday
08:00–20:00 (24 intervals a day; Saturday half the volume), an intraday double peak, a weekly
shape, a slow upward trend, Dutch public holidays closed and a doubled Black Friday, Poisson
draws — synthetic, not a company's data. Each model is timed through
:func:`valuecenter.analytics.forecasting.forecast` (``model=...``: its backtest over
``--windows`` day-ahead windows plus the forecast; ``auto`` runs its nested selection over
twice that many windows). Comparator: plain statsforecast MSTL (daily and weekly season,
default settings) fitted once to the whole year's open intervals and forecasting one day (ratio
auto ÷ plain MSTL). The first statsforecast call of the process compiles its numba kernels
(numba's cache may hold them from an earlier run); that is timed apart.

Accuracy: the bank calls (De Livera, Hyndman & Snyder 2011; tests/fixtures/bank_calls_5min),
day-ahead over 5 rolling windows, MASE against the in-sample daily seasonal naive.

    .venv/bin/python bench/forecast_bench.py [--windows 5] [--seed 0] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from benchdoc import publish
from valuecenter.analytics.forecasting import forecast, public_holidays
from valuecenter.analytics.forecasting.auto import candidates

HEADING = "## Contact forecast"
BANK = Path(__file__).parent.parent / "tests/fixtures/bank_calls_5min/csv_fpp3_bank_calls.csv.gz"


def year_of_calls(seed: int) -> pd.Series:
    """The synthetic year described above."""
    rng = np.random.default_rng(seed)
    closed = set(public_holidays([2025], "NL"))
    stamps, means = [], []
    for i, day in enumerate(pd.date_range("2025-01-01", "2025-12-31", freq="D")):
        if day.weekday() == 6 or day.date() in closed:
            continue
        week = (1.3, 1.1, 1.0, 1.0, 0.9, 0.5)[day.weekday()] * (1 + 0.2 * i / 365)
        peak = 2.0 if day == pd.Timestamp("2025-11-28") else 1.0
        for slot in range(24):
            hour = 8 + slot / 2
            shape = 0.4 + np.exp(-((hour - 10.5) ** 2) / 2) + 0.7 * np.exp(-((hour - 15) ** 2) / 3)
            stamps.append(day + pd.Timedelta(minutes=30 * slot + 8 * 60))
            means.append(20 * week * peak * shape)
    return pd.Series(rng.poisson(means).astype(float), index=pd.DatetimeIndex(stamps))


def bank_calls() -> pd.Series:
    frame = pd.read_csv(BANK)
    times = pd.to_datetime(frame["DateTime"]).dt.tz_localize(None)
    return pd.Series(frame["Calls"].to_numpy(), index=pd.DatetimeIndex(times))


def plain_mstl(series: pd.Series) -> float:
    from statsforecast.models import MSTL

    began = time.perf_counter()
    MSTL(season_length=[24, 24 * 6]).forecast(y=series.to_numpy(), h=24)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    series = year_of_calls(opts.seed)
    began = time.perf_counter()
    from statsforecast.models import AutoETS

    AutoETS(season_length=6).forecast(y=np.arange(60, dtype=float) % 7 + 1, h=2)
    compile_s = time.perf_counter() - began
    print(f"{len(series):,} intervals; first statsforecast call {compile_s:.1f} s", flush=True)
    mstl_s = plain_mstl(series)
    timings: dict[str, tuple[float, float]] = {}
    for name in ("auto", *candidates()):
        began = time.perf_counter()
        result = forecast(series, freq="30min", model=name, backtest_windows=opts.windows)
        timings[name] = (time.perf_counter() - began, result.mase)
        print(f"{name}: {timings[name][0]:.1f} s, MASE {result.mase:.3f}", flush=True)
    bank = forecast(bank_calls(), freq="5min", backtest_windows=5)
    bank_scores = dict(zip(bank.backtest["model"], bank.backtest["mase"], strict=True))

    lines = [
        HEADING,
        "",
        f"`bench/forecast_bench.py` (issue 21). {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores (shared; 1-minute load {os.getloadavg()[0]:.1f}), Python "
        f"{platform.python_version()}, statsforecast {metadata.version('statsforecast')}, "
        f"pandas {pd.__version__}.",
        "",
        f"**Fit time, a year of 30-minute data** (synthetic, seed {opts.seed}: {len(series):,} "
        f"open intervals, Mon–Sat 08:00–20:00; {opts.windows} day-ahead backtest windows, "
        f"`auto` over {2 * opts.windows} for its nested choice). First statsforecast call "
        f"of the process (numba compile or cache load): {compile_s:.1f} s. Comparator: plain "
        f"statsforecast MSTL (seasons 24 and 144, defaults) fitted once on the whole year: "
        f"{mstl_s:.1f} s.",
        "",
        "| model | fit + backtest + forecast (s) | ÷ plain MSTL fit | MASE (synthetic) |",
        "|---|---:|---:|---:|",
    ]
    for name, (seconds, mase) in timings.items():
        lines.append(f"| {name} | {seconds:.1f} | {seconds / mstl_s:.2f} | {mase:.3f} |")
    lines += [
        "",
        "**Day-ahead MASE on the bank's 5-minute calls** (De Livera, Hyndman & Snyder 2011), 5 "
        "rolling windows; issue 21's reference: daily seasonal naive ≈ 1.0, unattended MSTL "
        f"≈ 1.16, mean of the last four same weekdays ≈ 0.69. `auto` chose `{bank.model}` "
        f"for the forecast; per window it chose {', '.join(bank.selected)}.",
        "",
        "| model | MASE |",
        "|---|---:|",
    ]
    for name, score in bank_scores.items():
        lines.append(f"| {name} | {score:.3f} |")
    publish(HEADING, "\n".join(lines) + "\n", no_write=opts.no_write)


if __name__ == "__main__":
    main()
