"""``valuecenter clv fit FILE`` and ``valuecenter value concentration FILE``: customer value on a
transactions file, without a database.

Reads CSV (any single-character separator, or ``--sep whitespace`` for space-aligned files such
as CDNOW's), Parquet or XLSX; one row per transaction. Rows without a customer id are skipped and
counted; an unreadable date or amount is a one-line error naming the line. The models are those
of :mod:`valuecenter.analytics.clv` and :mod:`valuecenter.analytics.concentration`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli.datafile import column
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent, ngettext

if TYPE_CHECKING:
    import pandas as pd

# pandas, scipy and the models are imported when a command here runs, so that every other
# command starts fast.

clv_app = typer.Typer(
    help=N_("Customer lifetime value models (BG/NBD, Gamma-Gamma) fitted on a transactions file."),
    no_args_is_help=True,
)
value_app = typer.Typer(
    help=N_("Customer value figures (concentration) computed on a transactions file."),
    no_args_is_help=True,
)

WHITESPACE = ("whitespace", "space", "\\s+", r"\s+")
# The analytics core names its own arguments; a user knows the options.
_OPTION_OF = {
    "values": "--amount-col",
    "amount": "--amount-col",
    "when": "--date-col",
    "customer": "--customer-col",
    "calibration_end": "--calibration-end",
    "observation_end": "--horizon",
}


@contextmanager
def _analytics_errors() -> Iterator[None]:
    """Turn an analytics :class:`InputError` ("field: message") into :class:`InvalidInput`, in
    the command's language."""
    from valuecenter.analytics.errors import InputError

    try:
        yield
    except InputError as exc:
        # In the user's language; the field the message starts with is named by its option.
        field, message = exc.field, exc.translated()
        if not field:
            raise InvalidInput("", message) from None
        message = message.removeprefix(f"{field}: ")
        raise InvalidInput(_OPTION_OF.get(field, field), message) from None


@dataclass(frozen=True)
class Transactions:
    """The columns the models need, cleaned: one row per transaction with a customer."""

    customer: pd.Series
    when: pd.Series | None
    amount: pd.Series | None
    rows_skipped: int


def _read(path: Path, sep: str | None) -> pd.DataFrame:
    if sep is not None and sep.strip().lower() in WHITESPACE:
        return _read_whitespace(path)
    from valuecenter.importer.readers import read_file

    return read_file(path, sep=sep)


def _read_whitespace(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise InvalidInput("file", _("%(file)s: no such file", file=path))
    try:
        frame = pd.read_csv(path, sep=r"\s+", dtype=str, keep_default_na=False, engine="c")
    except pd.errors.EmptyDataError:
        raise InvalidInput("file", _("%(file)s: the file is empty", file=path)) from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(
            "file", _("%(file)s: cannot read it: %(reason)s", file=path, reason=first)
        ) from None
    return frame


def _column(frame: pd.DataFrame, name: str, option: str) -> pd.Series:
    series: pd.Series = column(frame, name, option).astype("string").str.strip()
    return series


def _line(position: int) -> int:
    return position + 2  # the header is line 1


def _shown(value: object) -> str:
    """A cell as an error message quotes it."""
    return f"'{value}'" if isinstance(value, str) and value else _("an empty value")


def _parse_dates(text: pd.Series, date_format: str | None, lines: Any) -> pd.Series:
    import pandas as pd

    # ISO 8601 covers "2024-01-31", "2024-01-31 09:30:00" and the basic "20240131".
    parsed = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        first = int(bad.nonzero()[0][0])
        value = text.iloc[first]
        message = (
            _(
                "line %(line)s: cannot read %(value)s as a date (expected %(format)s)",
                line=_line(int(lines[first])),
                value=_shown(value),
                format=date_format,
            )
            if date_format
            else _(
                "line %(line)s: cannot read %(value)s as a date (give --date-format)",
                line=_line(int(lines[first])),
                value=_shown(value),
            )
        )
        raise InvalidInput("--date-col", message)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.reset_index(drop=True)


def _parse_amounts(text: pd.Series, lines: Any) -> pd.Series:
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(bad.nonzero()[0][0])
        value = text.iloc[first]
        raise InvalidInput(
            "--amount-col",
            _(
                "line %(line)s: %(value)s is not a number",
                line=_line(int(lines[first])),
                value=_shown(value),
            ),
        )
    return pd.Series(values)


def load_transactions(
    path: Path,
    *,
    customer_col: str,
    date_col: str | None,
    amount_col: str | None,
    sep: str | None,
    date_format: str | None,
) -> Transactions:
    """Read FILE and return its customer, date and amount columns, rows without a customer
    dropped; any other unreadable value is an :class:`InvalidInput` naming the line."""
    frame = _read(path, sep)
    if len(frame) == 0:
        raise InvalidInput("file", _("%(file)s: has no rows below the header", file=path))
    customer = _column(frame, customer_col, "--customer-col")
    date_text = _column(frame, date_col, "--date-col") if date_col else None
    amount_text = _column(frame, amount_col, "--amount-col") if amount_col else None
    keep = (customer.fillna("") != "").to_numpy()
    if not keep.any():
        raise InvalidInput(
            "--customer-col", _("column '%(name)s' is empty on every row", name=customer_col)
        )
    customer = customer[keep].reset_index(drop=True)
    lines = keep.nonzero()[0]
    when = amount = None
    if date_text is not None:
        when = _parse_dates(date_text[keep].reset_index(drop=True), date_format, lines)
    if amount_text is not None:
        amount = _parse_amounts(amount_text[keep].reset_index(drop=True), lines)
    return Transactions(
        customer=customer.astype(str),
        when=when,
        amount=amount,
        rows_skipped=int((~keep).sum()),
    )


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _print(result: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(result))
        return
    for line in lines:
        typer.echo(line)


def _fit_lines(result: dict[str, Any], freq: str) -> list[str]:
    params = result["params"]
    unit = _("days") if freq == "D" else _("weeks")

    def four(x: float) -> str:
        return format_number(x, decimals=4)

    b = "inf" if params["b"] is None else four(params["b"])
    lines = [
        _(
            "BG/NBD on %(customers)s customers (time in %(unit)s)",
            customers=grouped(result["customers"]),
            unit=unit,
        )
        + (_(" · degenerated to the NBD: no dropout") if result["degenerate"] else ""),
        f"  r {four(params['r'])}   alpha {four(params['alpha'])}   a {four(params['a'])}   b {b}",
        "  " + _("log-likelihood %(ll)s", ll=format_number(result["log_likelihood"], decimals=2)),
    ]
    gg = result["gamma_gamma"]
    if gg is not None:
        lines += [
            _("Gamma-Gamma on %(n)s repeat buyers", n=grouped(gg["customers"])),
            f"  p {four(gg['p'])}   q {four(gg['q'])}   v {four(gg['v'])}",
        ]
    if "holdout" in result:
        h = result["holdout"]
        lines.append(
            _(
                "Holdout (%(periods)s %(unit)s): actual %(actual)s repeat purchases, "
                "predicted %(predicted)s",
                periods=format_number(h["periods"]),
                unit=unit,
                actual=format_number(h["actual"], decimals=0),
                predicted=format_number(h["predicted"], decimals=1),
            )
        )
    if "forecast" in result:
        f = result["forecast"]
        value = (
            ""
            if f["value"] is None
            else _(", worth %(value)s", value=format_number(f["value"], decimals=2))
        )
        lines.append(
            _(
                "Next %(periods)s %(unit)s: %(expected)s expected purchases",
                periods=f["periods"],
                unit=unit,
                expected=format_number(f["expected_purchases"], decimals=1),
            )
            + value
        )
    lines.append(
        _(
            "%(n)s rows without a customer skipped · %(seconds)s s",
            n=grouped(result["rows_skipped"]),
            seconds=format_number(result["seconds"], decimals=2),
        )
    )
    return lines


@clv_app.command(
    "fit",
    help=N_(
        "Fit the BG/NBD (and, with --amount-col, the Gamma-Gamma) model on FILE.\n"
        "\n"
        "One purchase per customer per period of --freq; frequency counts repeat periods and time "
        "is\n"
        "measured in periods (Fader, Hardie & Lee 2005). With --calibration-end the model is "
        "fitted\n"
        "on the calibration period and its prediction of repeat purchases in the holdout is "
        "compared\n"
        "with what happened."
    ),
)
def fit(
    file: Path = typer.Argument(
        ..., help=N_("Transactions: CSV, Parquet (.parquet) or XLSX (.xlsx).")
    ),
    customer_col: str = typer.Option(..., "--customer-col", help=N_("Column of the customer id.")),
    date_col: str = typer.Option(..., "--date-col", help=N_("Column of the transaction date.")),
    amount_col: str | None = typer.Option(
        None, "--amount-col", help=N_("Column of the transaction value (adds the Gamma-Gamma fit).")
    ),
    sep: str | None = typer.Option(
        None,
        "--sep",
        help=N_('CSV separator (default: sniffed); "whitespace" for aligned columns.'),
    ),
    date_format: str | None = typer.Option(
        None,
        "--date-format",
        help=N_('strftime format of the dates, e.g. "%d-%m-%Y" (default ISO).'),
    ),
    freq: str = typer.Option("D", "--freq", help=N_("Period: D (day) or W (week, Monday–Sunday).")),
    calibration_end: str | None = typer.Option(
        None,
        "--calibration-end",
        help=N_("YYYY-MM-DD: fit on data up to this date (inclusive), test on the rest."),
    ),
    horizon: int | None = typer.Option(
        None,
        "--horizon",
        min=1,
        help=N_(
            "Periods to predict: the holdout length with --calibration-end (default: to the "
            "last date), else a forecast of the next N periods."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    started = time.perf_counter()
    if freq not in ("D", "W"):
        raise InvalidInput("--freq", _("'%(value)s' is not D (day) or W (week)", value=freq))
    data = load_transactions(
        file,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        sep=sep,
        date_format=date_format,
    )
    with _analytics_errors():
        result = _fit(data, freq, calibration_end, horizon)
    result["rows_skipped"] = data.rows_skipped
    result["seconds"] = round(time.perf_counter() - started, 3)
    _print(result, as_json, _fit_lines(result, freq))


def _calibration_end(text: str) -> Any:
    import pandas as pd

    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise InvalidInput(
            "--calibration-end", _("'%(value)s' is not a date YYYY-MM-DD", value=text)
        ) from None


def _fit(
    data: Transactions, freq: Any, calibration_end: str | None, horizon: int | None
) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from valuecenter.analytics.clv import (
        calibration_and_holdout,
        expected_average_value,
        expected_purchases,
        fit_bgnbd,
        fit_gamma_gamma,
        transaction_summary,
    )

    when = data.when
    if when is None:
        raise InvalidInput("--date-col", _("the fit needs a date column"))
    holdout: pd.DataFrame | None = None
    if calibration_end is not None:
        end = _calibration_end(calibration_end)
        observation_end = None
        if horizon is not None:  # `horizon` periods later, or the last date if that is sooner
            later = end + pd.Timedelta(days=horizon * (1 if freq == "D" else 7))
            observation_end = max(min(later, when.max()), end)
        split = calibration_and_holdout(
            data.customer, when, data.amount, end, freq, observation_end=observation_end
        )
        summary = split.rename(
            columns={
                "frequency_cal": "frequency",
                "recency_cal": "recency",
                "T_cal": "T",
                "monetary_value_cal": "monetary_value",
            }
        )
        if float(split["duration_holdout"].iloc[0]) > 0:
            holdout = split
    else:
        summary = transaction_summary(data.customer, when, data.amount, freq=freq)
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    if not (x > 0).any():
        raise InvalidInput(
            "--customer-col",
            _(
                "no repeat buyers: every customer bought in one period only, so there is no "
                "purchase rhythm to fit"
            ),
        )
    bg = fit_bgnbd(x, t_x, age)
    result: dict[str, Any] = {
        "model": "bgnbd",
        "customers": bg.customers,
        "params": {
            "r": bg.r,
            "alpha": bg.alpha,
            "a": bg.a,
            "b": _number(bg.b),
        },
        "log_likelihood": bg.log_likelihood,
        "degenerate": bg.degenerate,
        "gamma_gamma": None,
    }
    gg = None
    if "monetary_value" in summary:
        money = summary["monetary_value"].to_numpy()
        eligible = (x > 0) & (money > 0)
        if eligible.any():
            gg = fit_gamma_gamma(x[eligible], money[eligible])
            result["gamma_gamma"] = {"p": gg.p, "q": gg.q, "v": gg.v, "customers": gg.customers}
    if holdout is not None:
        periods = float(holdout["duration_holdout"].iloc[0])
        predicted = expected_purchases(bg, periods, x, t_x, age).sum()
        result["holdout"] = {
            "actual": float(holdout["frequency_holdout"].sum()),
            "predicted": float(predicted),
            "periods": periods,
        }
    elif horizon is not None and calibration_end is None:
        expected = expected_purchases(bg, float(horizon), x, t_x, age)
        value = None
        if gg is not None and gg.q > 1:
            money = np.where(x > 0, summary["monetary_value"].to_numpy(), 0.0)
            value = float((expected * expected_average_value(gg, x, np.maximum(money, 0))).sum())
        result["forecast"] = {
            "periods": horizon,
            "expected_purchases": float(expected.sum()),
            "value": value,
        }
    return result


@value_app.command(
    "concentration",
    help=N_(
        "How concentrated value is: the top 1/5/10/20% customers' share of it, and the Gini.\n"
        "\n"
        "Each customer's value is the sum of his amounts in FILE; a customer whose returns exceed\n"
        "his purchases counts as 0."
    ),
)
def concentration_command(
    file: Path = typer.Argument(
        ..., help=N_("Transactions: CSV, Parquet (.parquet) or XLSX (.xlsx).")
    ),
    customer_col: str = typer.Option(..., "--customer-col", help=N_("Column of the customer id.")),
    amount_col: str = typer.Option(
        ..., "--amount-col", help=N_("Column of the transaction value.")
    ),
    sep: str | None = typer.Option(
        None,
        "--sep",
        help=N_('CSV separator (default: sniffed); "whitespace" for aligned columns.'),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    started = time.perf_counter()
    data = load_transactions(
        file,
        customer_col=customer_col,
        date_col=None,
        amount_col=amount_col,
        sep=sep,
        date_format=None,
    )
    from valuecenter.analytics.concentration import concentration

    assert data.amount is not None
    per_customer = data.amount.groupby(data.customer.to_numpy()).sum()
    with _analytics_errors():
        figures = concentration(per_customer.to_numpy())
    result: dict[str, Any] = {**figures, "rows_skipped": data.rows_skipped}
    result["seconds"] = round(time.perf_counter() - started, 3)
    lines = [
        ngettext(
            "%(num)s customer",
            "%(num)s customers",
            int(figures["customers"]),
            num=grouped(int(figures["customers"])),
        ),
        *(
            "  "
            + _(
                "top %(k)s hold %(share)s of the value",
                k=f"{format_percent(k / 100):>4}",
                share=format_percent(figures[f"top{k}_share"], decimals=1),
            )
            for k in (1, 5, 10, 20)
        ),
        f"  Gini {format_number(figures['gini'], decimals=3)}",
    ]
    _print(result, as_json, lines)
