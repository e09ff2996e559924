"""Benchmark of the contact forecast (issue 21): fit + forecast time on a year of 30-minute
data, and the day-ahead MASE of every model on the bank's 5-minute calls.

Timing data: a synthetic, seeded year (2025) of 30-minute call counts, open around the clock
(48 intervals a day, 17,520 in all: the largest year of 30-minute data), an intraday double
peak with quiet nights, a weekly shape, a slow upward trend, Dutch public holidays at half
volume and a doubled Black Friday, Poisson draws — synthetic, not a company's data. Each
model is timed through :func:`valuecenter.analytics.forecasting.forecast` (``model=...``: its
backtest over ``--windows`` day-ahead windows plus the forecast; ``auto`` runs its nested
selection over twice that many windows). Comparator: plain statsforecast MSTL (daily and weekly
season, default settings) fitted once to the whole year and forecasting one day (ratio ÷ plain
MSTL). numba's cache is pointed at a new empty directory, so statsforecast's kernels are
compiled from nothing: the first statsforecast call (AutoETS) is timed apart, and the first
timed model that uses a kernel not compiled yet carries that compile.

Accuracy: the bank calls (De Livera, Hyndman & Snyder 2011; tests/fixtures/bank_calls_5min),
day-ahead over 5 rolling windows, MASE against the in-sample daily seasonal naive; beside it
the unattended MSTL of the issue (plain statsforecast MSTL, seasons 169 and 845, defaults, on
the raw counts of every observed day before each origin; about 30 s a fit), and ``forecast``
run end to end at each of the 5 origins (the series cut there; its own nested choice and
interval): MASE and the share of the day's intervals inside the 80% interval.

    .venv/bin/python bench/forecast_bench.py [--windows 5] [--seed 0] [--no-write]
"""

from __future__ import annotations

import os
import tempfile

# Before numba is imported (it reads NUMBA_CACHE_DIR then): an empty cache, a real compile.
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="forecast-bench-numba-")

import argparse
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
    holidays = set(public_holidays([2025], "NL"))
    stamps, means = [], []
    for i, day in enumerate(pd.date_range("2025-01-01", "2025-12-31", freq="D")):
        week = (1.3, 1.1, 1.0, 1.0, 0.9, 0.6, 0.4)[day.weekday()] * (1 + 0.2 * i / 365)
        if day.date() in holidays:
            week *= 0.5
        peak = 2.0 if day == pd.Timestamp("2025-11-28") else 1.0
        for slot in range(48):
            hour = slot / 2
            shape = 0.05 + np.exp(-((hour - 10.5) ** 2) / 3) + 0.7 * np.exp(-((hour - 15) ** 2) / 4)
            stamps.append(day + pd.Timedelta(minutes=30 * slot))
            means.append(20 * week * peak * shape)
    return pd.Series(rng.poisson(means).astype(float), index=pd.DatetimeIndex(stamps))


def bank_calls() -> pd.Series:
    frame = pd.read_csv(BANK)
    times = pd.to_datetime(frame["DateTime"]).dt.tz_localize(None)
    return pd.Series(frame["Calls"].to_numpy(), index=pd.DatetimeIndex(times))


def plain_mstl(series: pd.Series) -> float:
    from statsforecast.models import MSTL

    began = time.perf_counter()
    MSTL(season_length=[48, 48 * 7]).forecast(y=series.to_numpy(), h=24)
    return time.perf_counter() - began


def unattended_mstl(series: pd.Series, windows: int) -> float:
    """The issue's unattended MSTL: day-ahead MASE over the last ``windows`` days."""
    from statsforecast.models import MSTL

    days = series.groupby([series.index.normalize(), series.index.time]).sum().unstack()
    y = days.to_numpy(dtype=float)
    slots, scores = y.shape[1], []
    for i in range(len(y) - windows, len(y)):
        history = y[:i].ravel()
        point = MSTL(season_length=[slots, 5 * slots]).forecast(y=history, h=slots)["mean"]
        scale = np.mean(np.abs(history[slots:] - history[:-slots]))
        scores.append(float(np.mean(np.abs(y[i] - point))) / scale)
    return float(np.mean(scores))


def end_to_end(series: pd.Series, windows: int) -> tuple[float, float, float]:
    """``forecast`` at each of the last ``windows`` origins: mean MASE (its own scale, the
    daily seasonal naive on the history), 80% coverage, mean seconds per call."""
    from valuecenter.analytics.forecasting.backtest import naive_scales
    from valuecenter.analytics.forecasting.grid import build_grid
    from valuecenter.analytics.forecasting.history import History

    grid = build_grid(series, "5min")
    days = series.index.normalize().unique()[-windows:]
    scores, inside, total, seconds = [], 0, 0, 0.0
    for day in days:
        history = series[series.index < day]
        actual = series[series.index.normalize() == day]
        began = time.perf_counter()
        result = forecast(history, freq="5min", backtest_windows=5)
        seconds += time.perf_counter() - began
        table = result.forecast.set_index("time").loc[actual.index]
        row = int(grid.days.get_loc(day))
        cells = grid.cell_open(grid.day_weekdays)
        scale = naive_scales(
            History(
                grid.values, grid.day_weekdays, grid.observed, grid.period, grid.observed, cells
            )
        )[row]
        scores.append(float(np.mean(np.abs(actual.to_numpy() - table["value"].to_numpy()))) / scale)
        inside += int(((actual >= table["lo"]) & (actual <= table["hi"])).sum())
        total += len(actual)
    return float(np.mean(scores)), inside / total, seconds / len(days)


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
    calls = bank_calls()
    bank = forecast(calls, freq="5min", backtest_windows=5)
    bank_scores = dict(zip(bank.backtest["model"], bank.backtest["mase"], strict=True))
    e2e_mase, coverage, e2e_s = end_to_end(calls, 5)
    print(f"end to end: MASE {e2e_mase:.3f}, 80% coverage {coverage:.1%}", flush=True)
    plain = unattended_mstl(calls, 5)
    print(f"unattended MSTL: MASE {plain:.3f}", flush=True)

    lines = [
        HEADING,
        "",
        f"`bench/forecast_bench.py` (issue 21). {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores (shared; 1-minute load {os.getloadavg()[0]:.1f}), Python "
        f"{platform.python_version()}, statsforecast {metadata.version('statsforecast')}, "
        f"pandas {pd.__version__}.",
        "",
        f"**Fit time, a year of 30-minute data** (synthetic, seed {opts.seed}: {len(series):,} "
        f"intervals, open around the clock; {opts.windows} day-ahead backtest windows, "
        f"`auto` over {2 * opts.windows} for its nested choice). First statsforecast call "
        f"of the process (import + numba compile, empty cache): {compile_s:.1f} s. "
        "Comparator: plain statsforecast MSTL (seasons 48 and 336, defaults) fitted once on "
        f"the whole year: {mstl_s:.1f} s.",
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
    lines += [
        f"| unattended MSTL (plain statsforecast, raw counts, defaults) | {plain:.3f} |",
        "",
        f"End to end (`forecast` called at each of the 5 origins with the series cut there, "
        f"{e2e_s:.1f} s a call): MASE {e2e_mase:.3f}, {coverage:.1%} of the days' 5-minute "
        "counts inside the 80% interval.",
    ]
    publish(HEADING, "\n".join(lines) + "\n", no_write=opts.no_write)


if __name__ == "__main__":
    main()
