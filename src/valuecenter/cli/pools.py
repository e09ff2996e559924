"""``valuecenter pools assign``: every B2B customer to one account manager of his country,
balanced and sticky (issue 22, point 1; the rules in ``pools/service.py`` and docs/pools.md)."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent
from valuecenter.pools import service

app = typer.Typer(help=N_("Account-manager pools."), no_args_is_help=True)


@app.command(
    "assign",
    help=N_(
        "Assign every B2B customer to an account manager of his country: pools balanced in "
        "size, value and workload; a rebalance moves as few customers as it must."
    ),
)
def assign(
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Compute, but change nothing.")),
    recent_days: int = typer.Option(
        service.RECENT_DAYS,
        "--recent-days",
        min=0,
        max=3650,
        help=N_("A customer his AM spoke to within this many days keeps his AM."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    with unit_of_work(context.sessions()) as session:
        run = service.assign(session, write=not dry_run, recent_days=recent_days)
    if as_json:
        typer.echo(json.dumps(run.as_json()))
        return
    a = run.assignment
    typer.echo(
        _(
            "%(customers)s customers, %(ams)s account managers in %(markets)s markets · "
            "pool sizes within %(spread)s of their market's mean · value CV %(cv)s (%(source)s)",
            customers=grouped(run.customers),
            ams=run.ams,
            markets=len(a.markets),
            spread=format_percent(a.size_spread, decimals=1),
            cv=format_percent(a.value_cv_worst, decimals=1),
            source=run.value_source,
        )
    )
    typer.echo(
        _(
            "%(moved)s customers moved (at least %(minimum)s had to), %(placed)s new or orphaned "
            "placed · %(seconds)s s%(dry)s",
            moved=grouped(a.moved),
            minimum=grouped(a.min_moves),
            placed=grouped(run.changed - a.moved),
            seconds=format_number(run.seconds, decimals=2),
            dry=_(" · dry run, nothing changed") if dry_run else "",
        )
    )
