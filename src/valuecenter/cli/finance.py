"""``valuecenter finance``: the service P&L from the command line (issue 23; docs/finance.md).

``pnl [--month YYYY-MM] [--json]`` prints the month's costs and yield lines with how each was
measured; ``costs load FILE`` and ``budget load FILE`` load the entered costs and the yearly
budget (CSV, all or nothing, a bad row named)."""

from __future__ import annotations

from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.cli.datafile import read_text
from valuecenter.db.uow import unit_of_work
from valuecenter.finance import budget, entries
from valuecenter.finance.pnl import month_or_latest
from valuecenter.finance.schemas import PnlOut
from valuecenter.finance.statement import statement
from valuecenter.formatting import grouped, money_exact
from valuecenter.i18n import N_, _, format_percent

app = typer.Typer(help=N_("The service P&L: costs, proven yield, budget."), no_args_is_help=True)
costs_app = typer.Typer(help=N_("Entered costs (overhead, IT and telephony, training, other)."))
budget_app = typer.Typer(help=N_("Yearly budget per cost line and target per yield line."))
app.add_typer(costs_app, name="costs")
app.add_typer(budget_app, name="budget")


@app.command("pnl", help=N_("Print a month's service P&L (default: the last complete month)."))
def pnl_command(
    month: str | None = typer.Option(None, "--month", help=N_("YYYY-MM.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    with context.sessions()() as session:
        figures = statement(session, month_or_latest(session, month), trend_months=0)
        out = PnlOut.of(figures)
    if as_json:
        typer.echo(out.model_dump_json())
        return
    period = out.period
    typer.echo(_("Service P&L %(month)s", month=out.month))
    typer.echo(_("Costs"))
    for cost in period.costs:
        typer.echo(f"  {cost.label:<36} {money_exact(cost.cents):>18}")
    typer.echo(_("Yield"))
    for line in period.yields:
        state = _("proven") if line.proven else _("unproven")
        incremental = (
            money_exact(line.incremental_cents) if line.incremental_cents is not None else "—"
        )
        typer.echo(
            f"  {line.label:<36} {money_exact(line.gross_cents):>18} {incremental:>18}  {state}"
        )
    totals = period.totals
    typer.echo(_("Cost: %(cost)s", cost=money_exact(totals.cost_cents)))
    typer.echo(_("Proven yield: %(yield)s", **{"yield": money_exact(totals.proven_cents)}))
    typer.echo(_("Net: %(net)s", net=money_exact(totals.net_cents)))
    if totals.roi is not None:
        typer.echo(_("ROI: %(roi)s", roi=format_percent(totals.roi)))
    seeds = out.seeds_saves
    typer.echo(
        _(
            "Saves counted the usual way: %(kept)s kept, %(gross)s; against control: "
            "%(incremental)s",
            kept=grouped(seeds.kept),
            gross=money_exact(seeds.gross_cents),
            incremental="—"
            if seeds.incremental_cents is None
            else money_exact(seeds.incremental_cents),
        )
    )
    typer.echo(seeds.why)


@costs_app.command("load", help=N_("Load costs (CSV: month,kind,team,channel,amount_eur,note)."))
def costs_load(file: Path = typer.Argument(..., help=N_("The CSV file."))) -> None:
    rows = entries.parse(read_text(file))
    with unit_of_work(context.sessions()) as session:
        n = entries.load(session, rows)
    typer.echo(_("%(n)s cost rows loaded", n=grouped(n)))


@budget_app.command("load", help=N_("Load a yearly budget (CSV: year,line,amount_eur)."))
def budget_load(file: Path = typer.Argument(..., help=N_("The CSV file."))) -> None:
    rows = budget.parse(read_text(file))
    with unit_of_work(context.sessions()) as session:
        n = budget.load(session, rows)
    typer.echo(_("%(n)s budget rows loaded", n=grouped(n)))
