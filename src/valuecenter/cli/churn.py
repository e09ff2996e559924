"""``valuecenter churn evaluate`` and ``valuecenter churn score``: the churn model on a customer
file (CSV, Parquet or XLSX; one row per customer), without a database.

``evaluate`` cross-validates the model (stratified k-fold) and prints the AUC, its spread over
the folds, the Brier score and the columns that matter most; ``score`` fits on the rows whose
target is known and writes every row's probability of churn and its top three reasons. The
model is :mod:`valuecenter.analytics.churn`; bad input is one line naming the option, the column
or the file line, exit code 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from valuecenter.cli.modelfiles import (
    drop_list,
    fixes_lines,
    load_frame,
    option_errors,
    prepare_threads,
)
from valuecenter.cli.progress import counting_bar
from valuecenter.csv_export import neutralised_frame
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent

if TYPE_CHECKING:
    from valuecenter.analytics.churn import Kind

# pandas, scikit-learn and LightGBM are imported when a command here runs, so that every other
# command starts fast.

app = typer.Typer(
    help=N_("Churn model (gradient boosting / logistic regression) on a customer file."),
    no_args_is_help=True,
)

KINDS = ("auto", "gbm", "logistic")
# The analytics core names its arguments; a user knows the options.
_OPTION_OF = {
    "target": "--target",
    "id_col": "--id-col",
    "positive": "--positive",
    "drop_cols": "--drop-cols",
    "folds": "--folds",
    "kind": "--model",
    "data": "--data",
}


def _churn_errors() -> AbstractContextManager[None]:
    """Analytics errors as :class:`InvalidInput`, named by option."""
    return option_errors(_OPTION_OF)


def _kind(model: str) -> Kind:
    if model not in KINDS:
        raise InvalidInput(
            "--model",
            _("'%(value)s' is not one of %(choices)s", value=model, choices=", ".join(KINDS)),
        )
    return cast("Kind", model)


@contextmanager
def _fold_bar(show: bool, folds: int) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich bar per fold on stderr (a terminal only); stdout stays clean."""
    if not show or not sys.stderr.isatty():
        yield None
        return
    with counting_bar(_("cross-validating"), _("folds")) as update:
        yield update


@app.command(
    "evaluate",
    help=N_(
        "Cross-validate the churn model on a customer file: AUC, Brier score, top features.\n"
        "\n"
        "Stratified k-fold: each fold is predicted by a model (encoding, model choice and\n"
        "calibration included) fitted on the other folds only. --model auto picks gradient "
        "boosting,\n"
        "logistic regression or their blend by an inner cross-validation on each training part."
    ),
)
def evaluate_command(
    data: Path = typer.Option(..., "--data", help=N_("Customers: CSV, Parquet or XLSX.")),
    target: str = typer.Option(
        ..., "--target", help=N_("Column saying whether the customer left.")
    ),
    id_col: str = typer.Option(..., "--id-col", help=N_("Customer id column (never a feature).")),
    positive: str | None = typer.Option(
        None, "--positive", help=N_("Target value meaning churn (default: inferred, e.g. 1/yes/T).")
    ),
    drop_cols: str | None = typer.Option(
        None, "--drop-cols", help=N_("Columns not to use as features, comma-separated: A,B.")
    ),
    folds: int = typer.Option(5, "--folds", min=2, help=N_("Cross-validation folds.")),
    seed: int = typer.Option(0, "--seed", help=N_("Seed of the fold split and of the models.")),
    model: str = typer.Option("auto", "--model", help=N_("auto, gbm or logistic.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    kind = _kind(model)
    frame = load_frame(data)
    prepare_threads()
    from valuecenter.analytics.churn import evaluate

    with _churn_errors(), _fold_bar(not as_json, folds) as on_fold:
        result = evaluate(
            frame,
            target,
            id_col,
            positive=positive,
            drop_cols=drop_list(drop_cols),
            folds=folds,
            seed=seed,
            kind=kind,
            on_fold=on_fold,
        )
    if as_json:
        typer.echo(json.dumps(result))
        return
    chosen = result["model"]
    choice = (
        _(
            "auto → %(model)s (per fold: %(per_fold)s)",
            model=chosen["all_rows"],
            per_fold=", ".join(chosen["per_fold"]),
        )
        if kind == "auto"
        else kind
    )
    lines = [
        _(
            "Churn model on %(rows)s customers (%(folds)s-fold stratified CV, churn = "
            "'%(positive)s', %(rate)s)",
            rows=grouped(result["rows"]),
            folds=result["folds"],
            positive=result["positive"],
            rate=format_percent(result["churn_rate"], decimals=1),
        ),
        f"  AUC {format_number(result['auc'], decimals=3)} ± "
        f"{format_number(result['auc_std'], decimals=3)}   "
        f"Brier {format_number(result['brier'], decimals=4)}",
        "  " + _("model: %(model)s", model=choice),
        "  " + _("top features: %(features)s", features=", ".join(result["top_features"])),
        *fixes_lines(result["fixes"]),
        f"{format_number(result['seconds'], decimals=1)} s",
    ]
    for line in lines:
        typer.echo(line)


@app.command(
    "score",
    help=N_(
        "Fit the churn model on the rows with a known target and score every row into --out.\n"
        "\n"
        "Each row gets P(churn), calibrated, and the three columns that raise its risk most, in\n"
        'words: "custservcalls = 5 (typical 1)". Rows with a blank target are scored, not trained '
        "on."
    ),
)
def score_command(
    data: Path = typer.Option(..., "--data", help=N_("Customers: CSV, Parquet or XLSX.")),
    target: str = typer.Option(
        ..., "--target", help=N_("Column saying whether the customer left (blank: score only).")
    ),
    id_col: str = typer.Option(..., "--id-col", help=N_("Customer id column (never a feature).")),
    out: Path = typer.Option(..., "--out", help=N_("CSV to write: id, probability, reason_1..3.")),
    positive: str | None = typer.Option(
        None, "--positive", help=N_("Target value meaning churn (default: inferred, e.g. 1/yes/T).")
    ),
    drop_cols: str | None = typer.Option(
        None, "--drop-cols", help=N_("Columns not to use as features, comma-separated: A,B.")
    ),
    seed: int = typer.Option(0, "--seed", help=N_("Seed of the models.")),
    model: str = typer.Option("auto", "--model", help=N_("auto, gbm or logistic.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    import time

    started = time.perf_counter()
    kind = _kind(model)
    if not out.parent.is_dir():
        raise InvalidInput("--out", _("%(dir)s: no such directory", dir=out.parent))
    frame = load_frame(data)
    prepare_threads()
    from valuecenter.analytics.churn import score_file

    with _churn_errors():
        scored = score_file(
            frame,
            target,
            id_col,
            positive=positive,
            drop_cols=drop_list(drop_cols),
            seed=seed,
            kind=kind,
        )
        top = [name for name, _ in scored.model.top_features(10)]
    try:
        neutralised_frame(scored.table).to_csv(out, index=False, float_format="%.6f")
    except OSError as exc:
        raise InvalidInput(
            "--out",
            _("%(file)s: cannot write it: %(reason)s", file=out, reason=exc.strerror or exc),
        ) from None
    result: dict[str, Any] = {
        "rows": len(scored.table),
        "trained_rows": scored.trained_rows,
        "scored_only_rows": scored.unlabelled_rows,
        "out": str(out),
        "positive": scored.positive,
        "model": scored.model.describe(),
        "top_features": top,
        "fixes": scored.fixes.as_dict(),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    lines = [
        _(
            "Scored %(rows)s customers into %(out)s (model %(model)s, trained on %(trained)s rows "
            "with a known target; churn = '%(positive)s')",
            rows=grouped(result["rows"]),
            out=out,
            model=scored.model.kind,
            trained=grouped(scored.trained_rows),
            positive=scored.positive,
        ),
        "  " + _("top features: %(features)s", features=", ".join(top)),
        *fixes_lines(result["fixes"]),
        f"{format_number(result['seconds'], decimals=1)} s",
    ]
    for line in lines:
        typer.echo(line)
