"""``valuecenter score``: the nightly score run (revenue, RFM, CLV, P(alive), value segment)."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, interactive, parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_date, format_number, ngettext

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
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.alerts.risk_source import FEATURE_SOURCES
    from valuecenter.value.segments import load_segmentation
    from valuecenter.value.service import ScoreOptions, run_score

    day = parse_day("--as-of", as_of)
    segmentation = load_segmentation(context.settings().segments_file)
    options = ScoreOptions(as_of=day, horizon_months=horizon_months, discount_rate=discount_rate)
    lines = None if interactive() else StepLines("score")
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
        summary = {
            "run_id": run.run_id,
            "as_of": run.as_of.isoformat(),
            "customers": run.customers,
            "scored": run.scored,
            "models": run.models,
            "seconds": run.seconds,
        }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(
        ngettext(
            "run %(run)s: %(scored)s of %(num)s customer scored (history before %(day)s) "
            "in %(seconds)s s",
            "run %(run)s: %(scored)s of %(num)s customers scored (history before %(day)s) "
            "in %(seconds)s s",
            run.customers,
            num=grouped(run.customers),
            run=run.run_id,
            scored=grouped(run.scored),
            day=format_date(run.as_of),
            seconds=format_number(run.seconds),
        )
    )
    gamma_gamma = run.models.get("gamma_gamma")
    no_spend = gamma_gamma.get("net_spend_not_positive", 0) if isinstance(gamma_gamma, dict) else 0
    if isinstance(no_spend, int) and no_spend > 0:
        typer.echo(
            _(
                "%(n)s customers with net spend ≤ 0 (returns, credit notes): left out of the "
                "Gamma-Gamma fit, CLV 0; they keep P(alive) and expected orders",
                n=format_number(no_spend),
            )
        )
