"""``valuecenter export parquet DIR``: the tables the scale-out jobs read, as Parquet folders
for a company's data lake (issue 24, point 3; ``db/parquet.py``, ``docs/scale-out.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import typer
from sqlalchemy import Table

from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, interactive
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.i18n import N_, _, format_number, ngettext


def lake_tables() -> dict[str, Table]:
    """What the scale-out jobs read (``valuecenter.spark``): customers, orders and contracts;
    the contacts and surveys of the contract churn model; what the next-best-action feature
    rows read besides (``spark.features.NBA_TABLES``)."""
    from valuecenter.alerts.models import Alert
    from valuecenter.campaigns.models import CampaignMember
    from valuecenter.contacts.models import Case, Contact, ContactReason
    from valuecenter.contracts.models import Contract
    from valuecenter.customers.models import Customer
    from valuecenter.offers.models import DecisionResponse
    from valuecenter.orders.models import Order, OrderLine
    from valuecenter.products.models import Category, Product
    from valuecenter.surveys.models import Survey
    from valuecenter.value.models import CustomerScore, ScoreRun

    models = (
        Customer, Order, OrderLine, Contract, Contact, ContactReason, Survey, Product, Category,
        Case, CampaignMember, DecisionResponse, ScoreRun, CustomerScore, Alert,
    )  # fmt: skip
    return {m.__tablename__: cast(Table, m.__table__) for m in models}


app = typer.Typer(
    help=N_("Export tables for a data lake."), no_args_is_help=True, add_completion=False
)


@app.command(
    "parquet",
    help=N_(
        "Write the tables the Spark jobs read (customers, orders and their lines, contracts,\n"
        "contacts, surveys, and what the next-best-action rows read) as Parquet folders\n"
        "under DIR, split by id range; personal columns are left out."
    ),
)
def parquet(
    directory: Path = typer.Argument(..., metavar="DIR", help=N_("A new or empty folder.")),
    tables: list[str] | None = typer.Option(
        None, "--table", help=N_("Only this table (repeat the option for more).")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.db.parquet import export_parquet

    lake = lake_tables()
    chosen = list(dict.fromkeys(tables or lake))
    unknown = [name for name in chosen if name not in lake]
    if unknown:
        raise InvalidInput(
            "--table",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=unknown[0][:100],
                choices=", ".join(lake),
            ),
        )
    lines = None if interactive() else StepLines("export")

    def progress(table: str, done: int, total: int) -> None:
        if lines is not None:
            lines.step(
                _(
                    "%(table)s: %(done)s of %(total)s rows",
                    table=table,
                    done=format_number(done),
                    total=format_number(total),
                )
            )

    with unit_of_work(context.sessions()) as session:
        counts = export_parquet(session, directory, [lake[name] for name in chosen], progress)
    if as_json:
        typer.echo(json.dumps({"directory": str(directory), "rows": counts}))
        return
    for table, rows in counts.items():
        typer.echo(
            ngettext(
                "%(table)s: %(count)s row", "%(table)s: %(count)s rows", rows,
                table=table, count=format_number(rows),
            )
        )  # fmt: skip
    typer.echo(_("written to %(path)s", path=str(directory)))
