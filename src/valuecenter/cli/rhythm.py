"""``valuecenter rhythm evaluate``: the rhythm warning judged on a transactions file, without a
database, against days since the last order, the overdue ratio and BG/NBD's P(alive).

Reads the file as ``valuecenter clv fit`` does (CSV with any separator or ``--sep whitespace``,
Parquet, XLSX; one row per transaction): rows without a customer are skipped and counted, an
unreadable date or amount is a one-line error naming the line. Rows with a negative amount
(returns, cancellations) are dropped and counted. The protocol and the model are those of
:mod:`valuecenter.analytics.rhythm_eval` and :mod:`valuecenter.analytics.rhythm_warning`.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import typer

from valuecenter.cli.value import load_transactions
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent

app = typer.Typer(
    help=N_("Order-rhythm early warning judged on a transactions file."),
    no_args_is_help=True,
)

_OPTION_OF = {
    "as_of": "--as-of",
    "horizon": "--horizon-days",
    "min_orders": "--min-orders",
    "amount": "--amount-col",
    "customer": "--customer-col",
    "label": "--as-of",
}
MAX_HORIZON_DAYS = 3660  # ten years
MAX_MIN_ORDERS = 1000

BASELINE_NAMES = {
    "recency": N_("days since last order"),
    "overdue_ratio": N_("days since last order ÷ own median gap"),
    "bgnbd_p_alive": N_("BG/NBD 1 − P(alive)"),
}


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "--as-of", _("'%(value)s' is not a date (YYYY-MM-DD)", value=text)
        ) from None


def _table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=_(
            "Rhythm warning at %(as_of)s: %(customers)s customers, %(rate)s stop within "
            "%(days)s days",
            as_of=result["as_of"],
            customers=grouped(result["customers"]),
            rate=format_percent(result["base_rate"], decimals=1),
            days=result["horizon_days"],
        )
    )
    table.add_column(_("score"))
    for heading in (_("AUC"), _("precision top 10%"), _("precision top 20%")):
        table.add_column(heading, justify="right")
    table.add_column(_("recall at precision 50%"), justify="right")
    rows = [(_("rhythm warning"), result)] + [
        (_(BASELINE_NAMES[name]), figures) for name, figures in result["baselines"].items()
    ]
    for label, f in rows:
        table.add_row(
            label,
            format_number(f["auc"], decimals=3),
            format_percent(f["precision_at_10pct"], decimals=1),
            format_percent(f["precision_at_20pct"], decimals=1),
            format_percent(f["recall_at_precision_50"], decimals=1),
        )
    Console().print(table)
    typer.echo(
        _(
            "%(skipped)s rows without a customer skipped · %(dropped)s rows with a negative "
            "amount dropped · %(seconds)s s",
            skipped=grouped(result["rows_skipped"]),
            dropped=grouped(result["negative_amounts_dropped"]),
            seconds=format_number(result["seconds"], decimals=1),
        )
    )


@app.command(
    "evaluate",
    help=N_(
        "Judge the rhythm warning on a transactions file against three baselines.\n"
        "\n"
        "An order is one customer-day. The population: customers with at least --min-orders\n"
        "orders on or before --as-of and a first order at least --horizon-days before it; a\n"
        "customer stopped when he has no order in the --horizon-days after --as-of. Scores read\n"
        "orders up to --as-of only; the warning is trained --horizon-days earlier, on the\n"
        "outcome known by --as-of."
    ),
)
def evaluate_command(
    data: Path = typer.Option(
        ..., "--data", help=N_("Transactions: CSV, Parquet (.parquet) or XLSX (.xlsx).")
    ),
    customer_col: str = typer.Option(..., "--customer-col", help=N_("Column of the customer id.")),
    date_col: str = typer.Option(..., "--date-col", help=N_("Column of the transaction date.")),
    amount_col: str = typer.Option(
        ..., "--amount-col", help=N_("Column of the transaction value (negative: dropped).")
    ),
    as_of: str = typer.Option(
        ..., "--as-of", help=N_("YYYY-MM-DD: score on the orders up to this day (inclusive).")
    ),
    horizon_days: int = typer.Option(
        90,
        "--horizon-days",
        min=1,
        max=MAX_HORIZON_DAYS,
        help=N_("Days after --as-of in which a customer who orders has not stopped."),
    ),
    min_orders: int = typer.Option(
        3,
        "--min-orders",
        min=2,
        max=MAX_MIN_ORDERS,
        help=N_("Orders (customer-days) by --as-of needed to be judged."),
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
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    started = time.perf_counter()
    day = _as_of(as_of)
    data_in = load_transactions(
        data,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        sep=sep,
        date_format=date_format,
    )
    import numpy as np

    from valuecenter.analytics.rhythm_eval import evaluate
    from valuecenter.analytics.rhythm_warning import customer_days
    from valuecenter.cli.modelfiles import option_errors

    assert data_in.when is not None
    assert data_in.amount is not None
    amount = data_in.amount.to_numpy(np.float64)
    keep = amount >= 0
    days = data_in.when.to_numpy().astype("datetime64[D]").astype(np.int64)
    as_of_day = int(np.datetime64(day, "D").astype(np.int64))
    if not keep.any():
        raise InvalidInput("--amount-col", _("every row has a negative amount"))
    with option_errors(_OPTION_OF):
        orders = customer_days(data_in.customer.to_numpy()[keep], days[keep], amount[keep])
        result: dict[str, Any] = evaluate(orders, as_of_day, horizon_days, min_orders)
    result = {
        **result,
        "as_of": day.isoformat(),
        "horizon_days": horizon_days,
        "min_orders": min_orders,
        "rows_skipped": data_in.rows_skipped,
        "negative_amounts_dropped": int((~keep).sum()),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    _table(result)
