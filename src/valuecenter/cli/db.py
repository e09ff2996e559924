"""``valuecenter db …``: schema migrations."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.db import migrate
from valuecenter.i18n import N_, _

app = typer.Typer(help=N_("Database schema: migrate and inspect."), no_args_is_help=True)


@app.command(help=N_("Migrate the database in VALUECENTER_DATABASE_URL to the newest schema."))
def upgrade(revision: str = typer.Argument("head", help=N_("Target revision."))) -> None:
    url = context.settings().database_url
    migrate.upgrade(url, revision)
    revision_now = migrate.current_revision(context.engine(check_schema=False))
    typer.echo(_("database at revision %(revision)s", revision=revision_now))


@app.command(help=N_("Show the database's revision and the code's."))
def status(
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object.")),
) -> None:
    current = migrate.current_revision(context.engine(check_schema=False))
    head = migrate.head_revision()
    if as_json:
        typer.echo(json.dumps({"current": current, "head": head, "up_to_date": current == head}))
    else:
        state = _("up to date") if current == head else _("behind: run `valuecenter db upgrade`")
        typer.echo(
            _(
                "database %(current)s, code %(head)s: %(state)s",
                current=current or _("(empty)"),
                head=head,
                state=state,
            )
        )
