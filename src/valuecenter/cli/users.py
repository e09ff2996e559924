"""``valuecenter users …``: accounts and API tokens."""

from __future__ import annotations

import sys

import typer

from valuecenter.cli import context
from valuecenter.cli.errors import fail
from valuecenter.db.uow import unit_of_work
from valuecenter.i18n import N_, _
from valuecenter.users import service
from valuecenter.users.security import new_password

app = typer.Typer(help=N_("Users, roles and API tokens."), no_args_is_help=True)


def _read_password(password_stdin: bool) -> tuple[str, bool]:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail(_("no password on standard input"), 2)
        return password, False
    return new_password(), True


@app.command(
    "add", help=N_("Create a user. Without --password-stdin a random password is printed once.")
)
def add(
    username: str = typer.Argument(..., help=N_("Login name (lower case).")),
    role: str = typer.Option(..., "--role", help=N_("agent, account_manager, manager or admin.")),
    full_name: str | None = typer.Option(None, "--name", help=N_("Full name.")),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help=N_("Read the password from standard input.")
    ),
) -> None:
    parsed = service.parse_role(role)
    password, generated = _read_password(password_stdin)
    with unit_of_work(context.sessions()) as session:
        service.create_user(
            session, username=username, password=password, role=parsed, full_name=full_name
        )
    typer.echo(_("created user %(name)s (%(role)s)", name=username, role=parsed.value))
    if generated:
        typer.echo(_("password (shown once): %(password)s", password=password))


@app.command(
    "password",
    help=N_("Set a new password. Without --password-stdin a random one is printed once."),
)
def password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    new, generated = _read_password(password_stdin)
    with unit_of_work(context.sessions()) as session:
        service.set_password(session, username=username, password=new)
    typer.echo(_("password of %(name)s changed", name=username))
    if generated:
        typer.echo(_("password (shown once): %(password)s", password=new))


@app.command(
    "token", help=N_("Print a new bearer token for the API (shown once; only its hash is stored).")
)
def token(
    username: str = typer.Argument(...),
    days: int | None = typer.Option(None, "--days", min=1, help=N_("Validity (default 90 days).")),
) -> None:
    valid_days = days or context.settings().token_max_age_days
    with unit_of_work(context.sessions()) as session:
        issued = service.issue_token(session, username=username, days=valid_days)
    typer.echo(issued)
