"""Rolling-origin backtest and the MASE (issue 21).

**Windows.** Each window is one observed, ordinary day (not a holiday or peak day) of the grid;
its origin is that day's first interval and the model sees every row before it — a day-ahead
forecast, refitted at every origin (Tashman 2000, "Out-of-sample tests of forecasting
accuracy", *IJF* 16: rolling origin, re-calibrated).

**MASE** (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy", *IJF*
22(4)): the window's mean absolute error over its open intervals, divided by the in-sample mean
absolute error of the one-day seasonal naive forecast on the history before the origin (pairs
of consecutive observed rows, open cells only). A model scores the mean over its windows; the
daily seasonal naive scores about 1 by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.forecasting.history import History, Model


@dataclass(frozen=True)
class WindowScores:
    """Per model: the MASE of each window (in the order of ``rows``) and the √-scale errors
    of all its windows' open cells (for the prediction interval)."""

    rows: tuple[int, ...]
    mase: dict[str, npt.NDArray[np.float64]]
    residuals: dict[str, list[npt.NDArray[np.float64]]]


def naive_scales(history: History) -> npt.NDArray[np.float64]:
    """``scale[i]``: the in-sample MAE of the one-day seasonal naive on rows ``< i``."""
    v, ok = history.values, history.observed
    both = ok[1:] & ok[:-1]
    cells = history.open_cells[1:] & history.open_cells[:-1] & both[:, None]
    errors = np.where(cells, np.abs(v[1:] - v[:-1]), 0.0).sum(axis=1)
    counts = cells.sum(axis=1)
    total = np.concatenate([[0.0, 0.0], np.cumsum(errors)])
    count = np.concatenate([[0, 0], np.cumsum(counts)])
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return np.asarray(scale[: len(v) + 1], dtype=np.float64)


def run(
    history: History,
    models: Mapping[str, Model],
    rows: list[int],
    progress: Callable[[str], None] | None = None,
) -> WindowScores:
    """Score every model on the day-ahead windows at ``rows``."""
    scales = naive_scales(history)
    mase: dict[str, npt.NDArray[np.float64]] = {}
    residuals: dict[str, list[npt.NDArray[np.float64]]] = {}
    for name, model in models.items():
        if progress is not None:
            progress(name)
        scores, errors = [], []
        for i in rows:
            point = model(history.head(i), history.weekdays[i : i + 1])[0]
            cells = history.open_cells[i]
            actual = history.values[i][cells]
            scale = scales[i] if np.isfinite(scales[i]) and scales[i] > 0 else 1.0
            scores.append(float(np.mean(np.abs(actual - point[cells]))) / scale)
            errors.append(np.sqrt(actual) - np.sqrt(point[cells]))
        mase[name] = np.asarray(scores)
        residuals[name] = errors
    return WindowScores(tuple(rows), mase, residuals)


def interval_halfwidth(residuals: npt.NDArray[np.float64], level: int) -> float:
    """The split-conformal half-width on the √ scale: the ⌈(n+1)·level⌉-th smallest absolute
    backtest error (Vovk, Gammerman & Shafer 2005; the largest when there are too few)."""
    if len(residuals) == 0:
        return 0.0
    ordered = np.sort(np.abs(residuals))
    rank = min(int(np.ceil((len(ordered) + 1) * level / 100)), len(ordered))
    return float(ordered[rank - 1])
