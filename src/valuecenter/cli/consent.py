"""``valuecenter consent``: record an opt-in or a withdrawal, and import a do-not-call register."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_datetime

app = typer.Typer(help=N_("Consent and the do-not-call register."), no_args_is_help=True)
register_app = typer.Typer(
    help=N_("The do-not-call register (Bel-me-niet style)."), no_args_is_help=True
)
app.add_typer(register_app, name="dnc")


@app.command("record", help=N_("Append a consent event; it takes effect on the next decision."))
def record(
    customer: str = typer.Option(
        ..., "--customer", help=N_("The customer number (C0003720) or the id the API gives.")
    ),
    purpose: str = typer.Option(..., "--purpose", help=N_("service, marketing or profiling.")),
    channel: str = typer.Option(..., "--channel", help=N_("phone, email, sms, post or any.")),
    withdraw: bool = typer.Option(False, "--withdraw", help=N_("A withdrawal (opt-out).")),
    grant: bool = typer.Option(False, "--grant", help=N_("An opt-in.")),
    source: str = typer.Option(..., "--source", help=N_("Where it came from (a call, a form).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.consent.service import record_consent
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.errors import InvalidInput
    from valuecenter.privacy import audit
    from valuecenter.privacy.models import AuditAction

    if withdraw == grant:
        raise InvalidInput("--grant/--withdraw", _("give exactly one of --grant and --withdraw"))
    with unit_of_work(context.sessions()) as session:
        customer_id = customer_id_of(session, customer, field="--customer")
        out = record_consent(
            session,
            customer_id=customer_id,
            purpose=purpose,
            channel=channel,
            granted=grant,
            source=source,
            viewer=None,
        )
        audit.record_command(
            session, action=AuditAction.CHANGE, command="consent record", customer_id=customer_id
        )
    if as_json:
        typer.echo(out.model_dump_json())
        return
    message = (
        _("customer %(customer)s: %(purpose)s by %(channel)s granted at %(at)s UTC (%(source)s)")
        if out.granted
        else _(
            "customer %(customer)s: %(purpose)s by %(channel)s withdrawn at %(at)s UTC (%(source)s)"
        )
    )
    typer.echo(
        message
        % {
            "customer": out.customer_id,
            "purpose": out.purpose.value,
            "channel": out.channel.value,
            "at": format_datetime(out.recorded_at, fmt="short"),
            "source": out.source,
        }
    )


@register_app.command(
    "import",
    help=N_(
        "Replace the register snapshot of --source with FILE; bad lines go to FILE.rejected.csv."
    ),
)
def import_register(
    file: Path = typer.Argument(
        ..., help=N_("One number per line, or a CSV with a number column.")
    ),
    source: str | None = typer.Option(
        None, "--source", help=N_("The register's name (default: file name).")
    ),
    country: str = typer.Option("NL", "--country", help=N_("Country of national numbers (0…).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.consent.service import import_register as run

    with unit_of_work(context.sessions()) as session:
        out = run(session, file, source=source, country=country)
    if as_json:
        typer.echo(json.dumps(out.as_json()))
        return
    typer.echo(
        _(
            "do-not-call register '%(source)s': %(read)s lines, %(added)s added, %(kept)s kept, "
            "%(removed)s removed, %(rejected)s rejected",
            source=out.source,
            read=grouped(out.read),
            added=grouped(out.added),
            kept=grouped(out.kept),
            removed=grouped(out.removed),
            rejected=grouped(out.rejected),
        )
        + (_(" (see %(file)s)", file=out.rejected_file) if out.rejected_file else "")
    )
