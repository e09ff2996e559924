"""``valuecenter users …``: accounts and API tokens."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from valuecenter.cli import context
from valuecenter.cli.errors import fail
from valuecenter.db.base import utcnow
from valuecenter.db.uow import unit_of_work
from valuecenter.i18n import N_, _, format_datetime
from valuecenter.users import service
from valuecenter.users.models import ApiToken, User
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
    help=N_(
        "Set a new password. Without --password-stdin a random one is printed once. The "
        "user's browser sessions end and his API tokens are revoked."
    ),
)
def password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    new, generated = _read_password(password_stdin)
    with unit_of_work(context.sessions()) as session:
        service.set_password(session, username=username, password=new)
    typer.echo(
        _(
            "password of %(name)s changed; his sessions ended and his API tokens were revoked",
            name=username,
        )
    )
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


def _token_state(api_token: ApiToken) -> str:
    if api_token.revoked_at is not None:
        return _("revoked")
    if api_token.expires_at <= utcnow():
        return _("expired")
    return _("live")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@app.command(
    "tokens", help=N_("List the API tokens of a user (newest first; their ids, never the tokens).")
)
def tokens(
    username: str = typer.Argument(..., help=N_("Login name (lower case).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    zone = context.settings().display_zone
    with unit_of_work(context.sessions()) as session:
        found = service.tokens_of(session, username)
        now = utcnow()
        listed = [
            {
                "id": t.id,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
                "live": t.revoked_at is None and t.expires_at > now,
            }
            for t in found
        ]
        table = Table()
        for title in (_("id"), _("created"), _("expires"), _("last used"), _("state")):
            table.add_column(title)
        for t in found:
            table.add_row(
                str(t.id),
                *(
                    format_datetime(m.astimezone(zone) if m else None, fmt="short")
                    for m in (t.created_at, t.expires_at, t.last_used_at)
                ),
                _token_state(t),
            )
    if as_json:
        typer.echo(json.dumps(listed))
    elif not listed:
        typer.echo(_("%(name)s has no API tokens", name=username))
    else:
        Console().print(table)


@app.command("revoke-token", help=N_("Revoke an API token at once."))
def revoke_token(
    token_id: int = typer.Argument(..., min=1, help=N_("The id from `users tokens`.")),
) -> None:
    with unit_of_work(context.sessions()) as session:
        api_token = service.revoke_token(session, token_id)
        owner = session.get(User, api_token.user_id)
        name = owner.username if owner else "?"
    typer.echo(_("API token %(id)s of %(name)s revoked", id=token_id, name=name))


@app.command(
    "deactivate",
    help=N_("Deactivate a user: his sessions end and his API tokens are revoked at once."),
)
def deactivate(
    username: str = typer.Argument(..., help=N_("Login name (lower case).")),
) -> None:
    with unit_of_work(context.sessions()) as session:
        user = service.set_active(session, username=username, active=False)
        name = user.username
    typer.echo(_("%(name)s deactivated: sessions ended, API tokens revoked", name=name))


@app.command(
    "activate", help=N_("Activate a user again (he logs in anew; revoked tokens stay revoked).")
)
def activate(username: str = typer.Argument(..., help=N_("Login name (lower case)."))) -> None:
    with unit_of_work(context.sessions()) as session:
        user = service.set_active(session, username=username, active=True)
        name = user.username
    typer.echo(_("%(name)s activated", name=name))


@app.command(
    "role",
    help=N_("Give a user another role; his browser sessions end (his next login has the new one)."),
)
def role(
    username: str = typer.Argument(..., help=N_("Login name (lower case).")),
    new_role: str = typer.Argument(..., help=N_("agent, account_manager, manager or admin.")),
) -> None:
    parsed = service.parse_role(new_role)
    with unit_of_work(context.sessions()) as session:
        user = service.set_role(session, username=username, role=parsed)
        name = user.username
    typer.echo(_("%(name)s is now %(role)s; his sessions ended", name=name, role=parsed.value))
