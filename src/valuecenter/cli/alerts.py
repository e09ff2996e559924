"""``valuecenter alerts run``: the early-warning run (order rhythm, market dips, churn model)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, interactive, parse_day
from valuecenter.cli.score_spark import ENGINE_OPTION, MASTER_OPTION, SOURCE_OPTION
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_date, format_number, ngettext

if TYPE_CHECKING:
    from valuecenter.alerts.service import AlertOptions, Read

app = typer.Typer(
    help=N_("Churn early warning: alerts for account managers."), no_args_is_help=True
)


KIND_WORDS = {"order-rhythm": N_("order rhythm"), "churn-model": N_("churn model")}
"""The kinds of alert in words (their codes in --json)."""


def _kind_words(kind: str) -> str:
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


@app.command(
    "run",
    help=N_(
        "Raise order-rhythm and churn-model alerts and record market dips (one transaction).\n"
        "\n"
        "Needs a score run (`valuecenter score`): alerts are priced by the customers' CLV."
    ),
)
def run(
    as_of: str | None = typer.Option(
        None, "--as-of", help=N_("Judge the history before this day (default: the score run's).")
    ),
    horizon_days: int = typer.Option(
        180, "--horizon-days", help=N_("The churn model predicts leaving within this many days.")
    ),
    threshold: float = typer.Option(
        0.3, "--threshold", help=N_("Calibrated churn risk that raises an alert.")
    ),
    model: str = typer.Option("auto", "--model", help=N_("Churn model: auto, gbm or logistic.")),
    backfill_months: int = typer.Option(
        0,
        "--backfill-months",
        help=N_("First replay the run every four weeks over this many past months."),
    ),
    engine: str = ENGINE_OPTION,
    master: str | None = MASTER_OPTION,
    source: str | None = SOURCE_OPTION,
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.alerts.service import AlertOptions, database_history
    from valuecenter.cli.score_spark import check_engine

    check_engine(engine, {"--master": master, "--source": source})
    if model not in ("auto", "gbm", "logistic"):
        raise InvalidInput(
            "--model",
            _("'%(value)s' is not one of %(choices)s", value=model, choices="auto, gbm, logistic"),
        )
    day = parse_day("--as-of", as_of)
    options = AlertOptions(
        as_of=day,
        horizon_days=horizon_days,
        risk_threshold=threshold,
        model=model,  # type: ignore[arg-type]
    )
    lines = None if interactive() else StepLines("alerts")
    if engine == "spark":
        from valuecenter.cli.score_spark import check_known_customers, spark_for
        from valuecenter.spark.alerts import spark_history
        from valuecenter.spark.score import countries

        step = lines.step if lines is not None else lambda _message: None
        with spark_for(master, source or "db", "valuecenter-alerts", step) as spark:
            everyone = countries(spark)
            check_known_customers(everyone[0], "alerts")
            summary = _run(lines, backfill_months, options, spark_history(spark, everyone))
        summary["engine"] = "spark"
    else:
        summary = _run(lines, backfill_months, options, database_history)
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    _print(summary)


def _run(
    lines: StepLines | None, backfill_months: int, options: AlertOptions, read: Read
) -> dict[str, Any]:
    """The run (or the backfill's runs), committed in one transaction; its summary."""
    from valuecenter.alerts.service import backfill, run_alerts

    with unit_of_work(context.sessions()) as session:
        if backfill_months:
            step = lines.step if lines is not None else None
            result = backfill(session, backfill_months, options, progress=step, read=read)[-1]
        else:
            result = run_alerts(session, options, read)
        if lines is not None:
            lines.step(
                ngettext(
                    "alert run of %(day)s done: %(count)s new alert; committing…",
                    "alert run of %(day)s done: %(count)s new alerts; committing…",
                    result.raised,
                    day=result.as_of.isoformat(),
                    count=format_number(result.raised),
                )
            )
        return {
            "run_id": result.run_id,
            "as_of": result.as_of.isoformat(),
            "customers": result.customers,
            "raised": result.raised,
            "still_open": result.still_open,
            "market_dips": result.market_dips,
            "models": result.models,
            "seconds": result.seconds,
        }


def _print(summary: dict[str, Any]) -> None:
    models = summary["models"]
    raised = models.get("raised", {})
    per_kind = raised.items() if isinstance(raised, dict) else []
    kinds = ", ".join(f"{_kind_words(kind)} {grouped(n)}" for kind, n in per_kind)
    typer.echo(
        _(
            "run %(run)s (history before %(day)s): %(raised)s, %(open)s, %(dips)s, "
            "in %(seconds)s s",
            run=summary["run_id"],
            day=format_date(date.fromisoformat(summary["as_of"])),
            raised=ngettext(
                "%(num)s new alert",
                "%(num)s new alerts",
                summary["raised"],
                num=grouped(summary["raised"]),
            )
            + (f" ({kinds})" if kinds else ""),
            open=ngettext(
                "%(num)s customer already had one open",
                "%(num)s customers already had one open",
                summary["still_open"],
                num=grouped(summary["still_open"]),
            ),
            dips=ngettext("%(num)s market dip", "%(num)s market dips", summary["market_dips"]),
            seconds=format_number(summary["seconds"]),
        )
    )
    churn = models.get("churn_model", {})
    if isinstance(churn, dict) and "validation" in churn:
        v = churn["validation"]
        typer.echo(
            _(
                "churn model: %(kind)s, out-of-time AUC %(auc)s (Brier %(brier)s)",
                kind=churn["kind"],
                auc=format_number(v["auc"]),
                brier=format_number(v["brier"]),
            )
        )
    elif isinstance(churn, dict) and "skipped" in churn:
        typer.echo(_("churn model skipped: %(reason)s", reason=churn["skipped"]))
