"""``valuecenter bonus``: the account managers' bonus plan (issue 22, point 3; docs/bonus.md).

``check FILE`` validates a plan; ``compute --period 2026-10 --plan FILE`` computes every AM's
bonus with a line-by-line explanation, the sales line control-adjusted (credited only with
what is incremental against the engine's control group)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import typer

from valuecenter.analytics.bonus import Status
from valuecenter.analytics.bonus_credit import round_half_up
from valuecenter.bonus.plan_file import PlanFile, load_plan
from valuecenter.bonus.report import (
    explain,
    export_header,
    export_rows,
    measure_name,
    run_json,
    value_text,
)
from valuecenter.bonus.service import BonusRun, compute_bonus
from valuecenter.cli import context
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped, money_exact
from valuecenter.i18n import N_, _, ngettext

app = typer.Typer(help=N_("Account managers' bonus plan."), no_args_is_help=True)

_JSON = typer.Option(False, "--json", help=N_("Print JSON."))
COLUMNS = {
    "retention": lambda: _("Retention"),
    "sales": lambda: _("Sales credit"),
    "nps": lambda: _("NPS"),
}


def _plan_summary(loaded: PlanFile) -> list[str]:
    plan = loaded.plan
    kind = _("per month") if plan.period == "month" else _("per quarter")
    out = [
        _(
            "%(name)s: %(base)s %(kind)s at 100%%, at most %(max)s (every line at its cap)",
            name=plan.name,
            base=money_exact(plan.base_cents),
            kind=kind,
            max=money_exact(plan.max_cents),
        )
    ]
    for line in plan.lines:
        out.append(
            _(
                "  %(measure)s: weight %(weight)s, target %(target)s, floor %(floor)s, cap "
                "%(cap)s× (%(share)s at target)",
                measure=measure_name(line.measure),
                weight=f"{line.weight:g}",
                target=value_text(line.measure, Fraction(line.target)),
                floor=value_text(line.measure, Fraction(line.floor)),
                cap=f"{line.cap:g}",
                share=money_exact(round_half_up(plan.base_cents * Fraction(line.weight))),
            )
        )
    out.append(
        _(
            "  sales credit: against the control group of the AM's market when it has at least "
            "%(min)s customers, else of all markets, else %(without)s",
            min=grouped(plan.min_control),
            without=_("the gross, flagged as not control-adjusted")
            if plan.without_control == "gross"
            else _("nothing"),
        )
    )
    out.append(_("  file %(file)s, SHA-256 %(hash)s", file=loaded.path, hash=loaded.sha256))
    return out


@app.command(
    "check",
    help=N_("Check a bonus plan file (YAML): one line naming the line and path of any error."),
)
def check(
    plan_file: Path = typer.Argument(..., metavar="FILE", help=N_("The plan, in YAML.")),
    as_json: bool = _JSON,
) -> None:
    loaded = load_plan(plan_file)
    if as_json:
        typer.echo(json.dumps({"ok": True, "plan": loaded.as_json()}))
        return
    typer.echo(_("%(file)s: the plan is valid.", file=plan_file))
    for text in _plan_summary(loaded):
        typer.echo(text)


def _write_csv(out: Path, run: BonusRun) -> None:
    from valuecenter.csv_export import csv_text

    if not out.parent.is_dir():
        raise InvalidInput("--csv", _("the folder %(path)s does not exist", path=str(out.parent)))
    with out.open("w", encoding="utf-8", newline="") as handle:
        for chunk in csv_text(export_header(), export_rows(run)):
            handle.write(chunk)


@app.command(
    "compute",
    help=N_(
        "Every account manager's bonus for a period under a plan, line by line.\n"
        "\n"
        "Retention, NPS and sales of each AM's pool in the period; the sales line credits only\n"
        "incremental sales: what his treated customers bought beyond what the engine's\n"
        "control group of his market bought per customer."
    ),
)
def compute_command(
    period: str = typer.Option(
        ..., "--period", help=N_("The month (2026-10) or, for a quarterly plan, the quarter.")
    ),
    plan_file: Path = typer.Option(..., "--plan", help=N_("The plan, in YAML.")),
    am: str | None = typer.Option(
        None, "--am", help=N_("Only this account manager (his code), with the explanation.")
    ),
    explain_all: bool = typer.Option(
        False, "--explain", help=N_("Explain every account manager's lines.")
    ),
    csv_out: Path | None = typer.Option(
        None, "--csv", help=N_("Also write every line to this CSV file.")
    ),
    as_json: bool = _JSON,
) -> None:
    from rich.console import Console
    from rich.table import Table

    if am is not None and not 0 < len(am) <= 64:
        raise InvalidInput("--am", _("needs a code of 1 to 64 characters"))
    loaded = load_plan(plan_file)
    with context.sessions()() as session:
        run = compute_bonus(session, loaded, period, am)
    if csv_out is not None:
        _write_csv(csv_out, run)
    if as_json:
        typer.echo(json.dumps(run_json(run)))
        return
    marks = {Status.CAPPED: _(" (cap)"), Status.FLOORED: _(" (floor)"), Status.UNMEASURED: " –"}
    table = Table(
        title=_(
            "Bonus %(period)s · %(plan)s",
            period=run.period.label,
            plan=loaded.plan.name,
        )
    )
    table.add_column(_("AM"))
    table.add_column(_("Market"))
    for plan_line in loaded.plan.lines:
        table.add_column(COLUMNS[plan_line.measure](), justify="right")
    table.add_column(_("Bonus"), justify="right")
    for bonus in run.bonuses:
        r = bonus.result
        cells = []
        for line in r.lines:
            cells.append(
                f"{value_text(line.measure, line.measured)} → "
                f"{money_exact(line.payout_cents)}{marks.get(line.status, '')}"
            )
        table.add_row(r.code, r.country or "–", *cells, money_exact(r.total_cents))
    Console(width=200).print(table)
    if am is not None or explain_all:
        for bonus in run.bonuses:
            typer.echo(f"{bonus.result.code}:")
            for line in bonus.result.lines:
                typer.echo(f"  {measure_name(line.measure)}: {explain(line, bonus)}")
    typer.echo(
        _(
            "%(ams)s, %(total)s in total · period %(period)s (retention against "
            "%(previous)s) · plan %(file)s, SHA-256 %(hash)s",
            ams=ngettext(
                "%(num)s account manager",
                "%(num)s account managers",
                len(run.bonuses),
                num=grouped(len(run.bonuses)),
            ),
            total=money_exact(run.total_cents),
            period=run.period.label,
            previous=run.period.previous().label,
            file=loaded.path,
            hash=loaded.sha256[:12],
        )
    )
    groups = ", ".join(
        f"{g.month} {g.market or _('all markets')}: {grouped(g.customers)}" for g in run.controls
    )
    typer.echo(
        _(
            "Sales credit: against the control groups of experiments %(keys)s (control "
            "customers %(groups)s; a market needs %(min)s, else all markets are used).",
            keys=", ".join(f"nba-control:{m}" for m in run.months),
            groups=groups,
            min=grouped(loaded.plan.min_control),
        )
    )
    unadjusted = [
        b.result.code
        for b in run.bonuses
        for x in b.result.lines
        if x.sales is not None and x.sales.unadjusted
    ]
    if unadjusted:
        typer.echo(
            _(
                "NOT control-adjusted (too few control customers): %(codes)s",
                codes=", ".join(unadjusted),
            )
        )
