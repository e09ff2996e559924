"""``valuecenter uplift evaluate``: an uplift model judged on an experiment file (CSV, Parquet or
XLSX; one row per customer, a treatment column, a 0/1 outcome), without a database.

The rows are split into a training and a test part stratified on arm × outcome; the model
(:mod:`valuecenter.analytics.uplift`: T-, X-, DR-learner or class transformation, ``auto``
choosing by an inner cross-fitted Qini) is fitted on the training part and the test part is
scored: uplift in the top 10/20/30%, Qini coefficient and AUUC. Rows of other arms, a blank arm
or a blank outcome are dropped and counted; bad input is one line naming the option, the column
or the file line, exit code 2.
"""

from __future__ import annotations

import json
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
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent, lazy_gettext

if TYPE_CHECKING:
    from valuecenter.analytics.uplift import Learner

# pandas, scikit-learn and LightGBM are imported when the command runs, so that every other
# command starts fast.

app = typer.Typer(
    help=N_("Uplift models (who changes because of a treatment) on an experiment file."),
    no_args_is_help=True,
)

LEARNER_CHOICES = ("auto", "t", "x", "dr", "ct")
# The analytics core names its arguments; a user knows the options.
_OPTION_OF = {
    "treatment_col": "--treatment-col",
    "treatment_value": "--treatment-value",
    "control_value": "--control-value",
    "outcome_col": "--outcome-col",
    "drop_cols": "--drop-cols",
    "test_size": "--test-size",
    "learner": "--learner",
    "folds": "--folds",
    "data": "--data",
}
METRIC_ROWS = (
    (lazy_gettext("uplift in the top 10%"), ("uplift_at", "10")),
    (lazy_gettext("uplift in the top 20%"), ("uplift_at", "20")),
    (lazy_gettext("uplift in the top 30%"), ("uplift_at", "30")),
    (lazy_gettext("Qini coefficient"), ("qini",)),
    ("AUUC", ("auuc",)),
)


def _learner(learner: str) -> Learner | str:
    if learner not in LEARNER_CHOICES:
        raise InvalidInput(
            "--learner",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=learner,
                choices=", ".join(LEARNER_CHOICES),
            ),
        )
    return learner


def _value(figures: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = figures
    for key in path:
        value = value[key]
    return float(value)


def _print_table(result: dict[str, Any]) -> None:
    """The figures as a Rich table: the policy column, then one column per treatment."""
    from rich.console import Console
    from rich.table import Table

    per_treatment: dict[str, dict[str, Any]] = result.get("per_treatment", {})
    table = Table()
    table.add_column(_("metric"))
    table.add_column(
        _("any treatment") if per_treatment else result["treatment"][0], justify="right"
    )
    for name in per_treatment:
        table.add_column(name, justify="right")
    for label, path in METRIC_ROWS:
        cells = [_value(result, path), *(_value(f, path) for f in per_treatment.values())]
        shown = [_signed_share(c) if path[0] == "uplift_at" else _four(c) for c in cells]
        table.add_row(str(label), *shown)
    Console().print(table)


def _four(x: float) -> str:
    return format_number(x, decimals=4)


def _signed_share(x: float) -> str:
    """A signed share as a percentage with two decimals: +1.25% (nl +1,25%)."""
    return ("+" if x >= 0 else "-") + format_percent(abs(x), decimals=2)


def _lines(result: dict[str, Any]) -> list[str]:
    rates = ", ".join(
        _(
            "%(name)s %(rate)s of %(rows)s",
            name=name,
            rate=format_percent(r["rate"], decimals=1),
            rows=grouped(r["rows"]),
        )
        for name, r in result["response_rates"].items()
    )
    auto = result["auto"]
    chosen = result["learner"]
    if auto is not None:
        qinis = ", ".join(f"{k} {_four(v)}" for k, v in auto["inner_qini"].items())
        chosen = _("auto → %(chosen)s (inner Qini: %(qinis)s)", chosen=chosen, qinis=qinis)
    reasons = ", ".join(
        f"{k.replace('_', ' ')} {grouped(v)}" for k, v in result["dropped_by_reason"].items() if v
    )
    return [
        _(
            "trained on %(train)s rows, tested on %(test)s; learner %(learner)s",
            train=grouped(result["n_train"]),
            test=grouped(result["n_test"]),
            learner=chosen,
        ),
        "  " + _("response rates: %(rates)s", rates=rates),
        "  "
        + _("rows dropped: %(n)s", n=grouped(result["dropped"]))
        + (f" ({reasons})" if reasons else ""),
        *fixes_lines(result["fixes"]),
        f"{format_number(result['seconds'], decimals=1)} s",
    ]


@app.command(
    "evaluate",
    help=N_(
        "Fit an uplift model on a training part of an experiment file and score the test part.\n"
        "\n"
        "Every column but the treatment, the outcome and --drop-cols is a feature. Rows of other\n"
        "arms, with a blank arm or a blank outcome are dropped and counted. With several\n"
        '--treatment-value the top-level figures are for "any treatment vs control", ranked by '
        "each\n"
        "row's best predicted uplift, and each treatment is scored against the control too."
    ),
)
def evaluate_command(
    data: Path = typer.Option(..., "--data", help=N_("Experiment rows: CSV, Parquet or XLSX.")),
    treatment_col: str = typer.Option(..., "--treatment-col", help=N_("Column naming each arm.")),
    treatment_value: list[str] = typer.Option(
        ...,
        "--treatment-value",
        help=N_("Value of a treatment arm; repeat for several treatments."),
    ),
    control_value: str = typer.Option(..., "--control-value", help=N_("Value of the control arm.")),
    outcome_col: str = typer.Option(
        ..., "--outcome-col", help=N_("Outcome column: 1/0, true/false or yes/no (1 = success).")
    ),
    test_size: float = typer.Option(0.5, "--test-size", help=N_("Share of rows held out to test.")),
    seed: int = typer.Option(42, "--seed", help=N_("Seed of the split and of the models.")),
    learner: str = typer.Option("auto", "--learner", help=N_("auto, t, x, dr or ct.")),
    drop_cols: str | None = typer.Option(
        None, "--drop-cols", help=N_("Columns not to use as features, comma-separated: A,B.")
    ),
    folds: int = typer.Option(5, "--folds", min=2, help=N_("Cross-fitting folds of X and DR.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    chosen = _learner(learner)
    if not 0 < test_size < 1:
        raise InvalidInput(
            "--test-size",
            _("%(value)s is not a share between 0 and 1", value=format_number(test_size)),
        )
    frame = load_frame(data)
    prepare_threads()
    from valuecenter.analytics.uplift import evaluate

    with option_errors(_OPTION_OF):
        result = evaluate(
            frame,
            treatment_col,
            treatment_value,
            control_value,
            outcome_col,
            test_size=test_size,
            seed=seed,
            learner=cast("Learner", chosen),
            drop_cols=drop_list(drop_cols),
            folds=folds,
        )
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        _(
            "Uplift model %(learner)s: %(n)s test rows, each treatment against '%(control)s'",
            learner=result["learner"],
            n=grouped(result["n_test"]),
            control=result["control"],
        )
    )
    _print_table(result)
    for line in _lines(result):
        typer.echo(line)
