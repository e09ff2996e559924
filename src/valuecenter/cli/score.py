"""``valuecenter score``: the nightly score run (revenue, RFM, CLV, P(alive), value segment)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, interactive, parse_day
from valuecenter.cli.score_spark import (
    ENGINE_OPTION,
    MASTER_OPTION,
    SOURCE_OPTION,
    check_engine,
    run_summary,
)
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_date, format_number, ngettext

if TYPE_CHECKING:
    from valuecenter.value.segments import Segmentation
    from valuecenter.value.service import ScoreOptions


HELP = N_(
    "Score every customer and store the scores under a new run id (one transaction).\n"
    "\n"
    "Fits BG/NBD and Gamma-Gamma on the order history, computes RFM, CLV and P(alive), and\n"
    "assigns the six value segments of the segments file (VALUECENTER_SEGMENTS_FILE)."
)
"""The help of the command (--help)."""


def score(
    as_of: str | None = typer.Option(
        None, "--as-of", help=N_("Score the history before this day (default: all of it).")
    ),
    horizon_months: int = typer.Option(12, "--horizon-months", help=N_("CLV horizon in months.")),
    discount_rate: float = typer.Option(0.10, "--discount-rate", help=N_("Yearly discount rate.")),
    engine: str = ENGINE_OPTION,
    master: str | None = MASTER_OPTION,
    source: str | None = SOURCE_OPTION,
    out: str | None = typer.Option(
        None,
        "--out",
        help=N_("With --engine spark: db or parquet:DIR (the scores as Parquet; default db)."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.value.segments import load_segmentation
    from valuecenter.value.service import ScoreOptions

    day = parse_day("--as-of", as_of)
    check_engine(engine, {"--master": master, "--source": source, "--out": out})
    segmentation = load_segmentation(context.settings().segments_file)
    options = ScoreOptions(as_of=day, horizon_months=horizon_months, discount_rate=discount_rate)
    lines = None if interactive() else StepLines("score")
    if engine == "spark":
        from valuecenter.cli.score_spark import score_on_spark

        summary = score_on_spark(
            segmentation,
            options,
            master,
            source or "db",
            out or "db",
            lines.step if lines is not None else lambda _message: None,
        )
    else:
        summary = _score_in_database(segmentation, options, lines)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _print(summary)


def _score_in_database(
    segmentation: Segmentation, options: ScoreOptions, lines: StepLines | None
) -> dict[str, Any]:
    from valuecenter.alerts.risk_source import FEATURE_SOURCES
    from valuecenter.value.service import run_score

    with unit_of_work(context.sessions()) as session:
        run = run_score(session, segmentation, options, FEATURE_SOURCES)
        if lines is not None:
            lines.step(
                ngettext(
                    "value models fitted, %(count)s customer scored; committing…",
                    "value models fitted, %(count)s customers scored; committing…",
                    run.scored,
                    count=format_number(run.scored),
                )
            )
        return run_summary(run)


def _print(summary: dict[str, Any]) -> None:
    customers, scored = int(summary["customers"]), int(summary["scored"])
    typer.echo(
        ngettext(
            "run %(run)s: %(scored)s of %(num)s customer scored (history before %(day)s) "
            "in %(seconds)s s",
            "run %(run)s: %(scored)s of %(num)s customers scored (history before %(day)s) "
            "in %(seconds)s s",
            customers,
            num=grouped(customers),
            run=summary["run_id"],
            scored=grouped(scored),
            day=format_date(date.fromisoformat(summary["as_of"])),
            seconds=format_number(summary["seconds"]),
        )
    )
    if summary.get("out"):
        typer.echo(_("written to %(path)s", path=summary["out"]))
    gamma_gamma = summary["models"].get("gamma_gamma")
    no_spend = gamma_gamma.get("net_spend_not_positive", 0) if isinstance(gamma_gamma, dict) else 0
    if isinstance(no_spend, int) and no_spend > 0:
        typer.echo(
            _(
                "%(n)s customers with net spend ≤ 0 (returns, credit notes): left out of the "
                "Gamma-Gamma fit, CLV 0; they keep P(alive) and expected orders",
                n=format_number(no_spend),
            )
        )
