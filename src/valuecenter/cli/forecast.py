"""``valuecenter forecast``: the contact volume per interval of a file of interval counts
(issue 21), without a database.

Reads CSV, Parquet or XLSX through the importer's reader. The time column holds interval start
times (a time with a zone is taken at its own wall clock, the zone dropped); the value column
whole or decimal counts ≥ 0. A bad cell stops the run with one line naming its row (the header
is row 1) and column. The forecast is :func:`valuecenter.analytics.forecasting.forecast`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli import datafile
from valuecenter.errors import InvalidInput
from valuecenter.i18n import N_, _, format_number

if TYPE_CHECKING:
    import pandas as pd

    from valuecenter.analytics.forecasting import ForecastResult

HELP = N_(
    "Forecast the contact volume per interval of a file of interval counts.\n"
    "\n"
    "Chooses among seasonal naive, same-weekday profiles, MSTL and AutoETS by a rolling-origin\n"
    "backtest (MASE); closed hours stay closed, holidays and peak days are taken from history."
)
"""The help of the command (--help)."""

SHOWN_ROWS = 12
"""Forecast rows printed in the text output (the open intervals first)."""


def read_series(data: Path, time_col: str, value_col: str, sep: str | None) -> pd.Series:
    """The counts of the file indexed by their naive interval start; the first bad cell →
    :class:`InvalidInput` naming its row and column."""
    import numpy as np
    import pandas as pd

    from valuecenter.cli.nps import _read, _text

    frame = _read(data, sep)
    times_text = _text(datafile.column(frame, time_col, "--time-col"))
    values_text = _text(datafile.column(frame, value_col, "--value-col"))
    first_row = 1 if data.suffix.lower() == ".parquet" else 2
    times = _times(times_text)
    values = pd.to_numeric(values_text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    for bad, text, column, what in (
        (np.asarray(times.isna()), times_text, time_col, _("not a time")),
        (~np.isfinite(values) | (values < 0), values_text, value_col, _("not a count ≥ 0")),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            cell = text.iloc[i]
            raise InvalidInput(
                "--data",
                _(
                    "row %(row)s, column %(column)s: '%(value)s' is %(what)s",
                    row=i + first_row,
                    column=column,
                    value="" if pd.isna(cell) else str(cell),
                    what=what,
                ),
            )
    return pd.Series(values, index=pd.DatetimeIndex(times))


def _times(text: pd.Series) -> pd.Series:
    """The times at their own wall clock (a zone, the same on every row, is dropped)."""
    import pandas as pd

    try:
        parsed = pd.to_datetime(text.astype(object), errors="coerce", format="mixed")
    except (ValueError, TypeError):
        raise InvalidInput("--time-col", _("the times mix time zones")) from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def json_object(result: ForecastResult) -> dict[str, Any]:
    """The JSON of the command (the issue's keys first)."""
    table = result.forecast
    return {
        "model": result.model,
        "horizon": result.horizon,
        "mase": round(result.mase, 4),
        "mase_seasonal_naive": round(result.mase_seasonal_naive, 4),
        "forecast": [
            {
                "time": t.isoformat(),
                "value": round(float(v), 3),
                "lo": round(float(lo), 3),
                "hi": round(float(hi), 3),
                "closed": bool(c),
            }
            for t, v, lo, hi, c in zip(
                table["time"],
                table["value"],
                table["lo"],
                table["hi"],
                table["closed"],
                strict=True,
            )
        ],
        "freq": result.freq,
        "level": result.level,
        "filled_missing": result.filled_missing,
        "closed_intervals": result.closed_intervals,
        "backtest": [
            {"model": m, "mase": round(float(x), 4)}
            for m, x in zip(result.backtest["model"], result.backtest["mase"], strict=True)
        ],
        "peaks": {d.isoformat(): c for d, c in sorted(result.peaks.items())},
        "holidays": {d.isoformat(): n for d, n in sorted(result.holidays.items())},
    }


def text_lines(result: ForecastResult) -> list[str]:
    """The text output: the model and its MASE against the seasonal naive, then a table."""
    lines = [
        _(
            "model %(model)s · MASE %(mase)s (seasonal naive %(naive)s) · %(horizon)s intervals "
            "of %(freq)s, %(level)s%% interval",
            model=result.model,
            mase=format_number(result.mase, decimals=3),
            naive=format_number(result.mase_seasonal_naive, decimals=3),
            horizon=result.horizon,
            freq=result.freq,
            level=result.level,
        )
    ]
    if result.filled_missing:
        lines.append(
            _("%(n)s missing intervals inside opening hours counted as 0", n=result.filled_missing)
        )
    for day, name in sorted(result.holidays.items()):
        lines.append(_("holiday %(date)s: %(name)s", date=day.isoformat(), name=name))
    for day, code in sorted(result.peaks.items()):
        lines.append(_("peak day %(date)s: %(code)s", date=day.isoformat(), code=code))
    table = result.forecast[~result.forecast["closed"]]
    time, value, low, high = _("time"), _("value"), _("low"), _("high")
    lines.append(f"{time:<19}  {value:>9}  {low:>9}  {high:>9}")
    for t, v, lo, hi in (
        table[["time", "value", "lo", "hi"]].head(SHOWN_ROWS).itertuples(index=False)
    ):
        lines.append(
            f"{t:%Y-%m-%d %H:%M}     {format_number(v, decimals=1):>9}  "
            f"{format_number(lo, decimals=1):>9}  {format_number(hi, decimals=1):>9}"
        )
    if len(table) > SHOWN_ROWS:
        lines.append(_("… %(n)s more open intervals (--json for all)", n=len(table) - SHOWN_ROWS))
    return lines


def forecast(
    data: Path = typer.Option(
        ..., "--data", help=N_("The interval counts: CSV, Parquet (.parquet) or XLSX (.xlsx).")
    ),
    time_col: str = typer.Option(..., "--time-col", help=N_("Column of the interval start times.")),
    value_col: str = typer.Option(..., "--value-col", help=N_("Column of the counts.")),
    freq: str = typer.Option(..., "--freq", help=N_("Interval: 5min, 15min, 30min, h or D.")),
    horizon: int | None = typer.Option(
        None,
        "--horizon",
        help=N_("Intervals to forecast (default: to the end of the next open day)."),
    ),
    backtest_windows: int = typer.Option(
        5, "--backtest-windows", help=N_("Days in the rolling-origin backtest.")
    ),
    model: str = typer.Option("auto", "--model", help=N_("auto, or one model by name.")),
    level: int = typer.Option(80, "--level", help=N_("Prediction interval, in percent.")),
    sep: str | None = typer.Option(None, "--sep", help=N_("CSV separator (default: sniffed).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    from valuecenter.analytics.forecasting import forecast as run
    from valuecenter.analytics.forecasting import normalise_freq

    with _analytics_errors():
        canonical = normalise_freq(freq)
    series = read_series(data, time_col, value_col, sep)

    def progress(model: str) -> None:
        print(_("fitting %(model)s", model=model), file=sys.stderr, flush=True)

    with _analytics_errors():
        result = run(
            series,
            freq=canonical,
            horizon=horizon,
            model=model,
            backtest_windows=backtest_windows,
            level=level,
            progress=None if as_json else progress,
        )
    if as_json:
        typer.echo(json.dumps(json_object(result), ensure_ascii=False))
        return
    for line in text_lines(result):
        typer.echo(line)


@contextmanager
def _analytics_errors() -> Iterator[None]:
    """An analytics :class:`InputError` ("field: message") as :class:`InvalidInput` naming the
    option, in the command's language."""
    from valuecenter.analytics.errors import InputError

    try:
        yield
    except InputError as exc:
        field, message = exc.field, exc.translated()
        raise InvalidInput(_OPTIONS.get(field, field), message.removeprefix(f"{field}: ")) from None


_OPTIONS = {
    "freq": "--freq",
    "horizon": "--horizon",
    "model": "--model",
    "backtest_windows": "--backtest-windows",
    "level": "--level",
    "series": "--data",
}
