"""``valuecenter gdpr``: one customer's rights under the GDPR — access (export), erasure and
objection to direct marketing — and the audit log of who touched which customer's data.

Each command writes its own entry to the audit log (channel ``cli``, no user: the command line
runs as the operator of the installation).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.cli.errors import fail
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _

app = typer.Typer(
    help=N_("Personal data (GDPR): export, erase, objection, audit log."), no_args_is_help=True
)

CUSTOMER_HELP = N_("The customer number (C0003720) or the id the API gives.")


@app.command(
    "export",
    help=N_(
        "Write everything the product holds about one customer (GDPR art. 15) as JSON and CSV."
    ),
)
def export(
    customer: str = typer.Argument(..., help=CUSTOMER_HELP),
    out: Path = typer.Option(
        ..., "--out", help=N_("Directory for customer.json and the CSV files.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.privacy import audit
    from valuecenter.privacy.export import collect, write_directory
    from valuecenter.privacy.models import AuditAction

    if out.exists() and not out.is_dir():
        fail(_("%(path)s is not a directory", path=out), 2)
    with unit_of_work(context.sessions()) as session:
        customer_id = customer_id_of(session, customer)
        data = collect(session, customer_id)
        audit.record_command(
            session, action=AuditAction.EXPORT, command="gdpr export", customer_id=customer_id
        )
        written = write_directory(data, out)
    rows = sum(len(t.rows) for t in data.tables)
    if as_json:
        payload = {
            "customer_id": customer_id,
            "directory": str(out),
            "files": [p.name for p in written],
            "rows": {t.name: len(t.rows) for t in data.tables},
        }
        typer.echo(json.dumps(payload))
        return
    typer.echo(
        _(
            "customer %(customer)s: %(rows)s rows from %(tables)s tables written to %(dir)s",
            customer=data.external_id,
            rows=grouped(rows),
            tables=len(data.tables),
            dir=out,
        )
    )


@app.command(
    "erase",
    help=N_("Erase one customer's personal data in every table (GDPR art. 17); figures stay."),
)
def erase(
    customer: str = typer.Argument(..., help=CUSTOMER_HELP),
    yes: bool = typer.Option(False, "--yes", help=N_("Do not ask for confirmation.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.privacy import audit
    from valuecenter.privacy.erasure import erase as run
    from valuecenter.privacy.models import AuditAction

    with unit_of_work(context.sessions()) as session:
        customer_id = customer_id_of(session, customer)
        if not yes:
            if not sys.stdin.isatty():
                fail(_("erasing cannot be undone: confirm with --yes"), 2)
            question = _(
                "Erase the personal data of customer %(customer)s? This cannot be undone.",
                customer=customer.strip(),
            )
            if not typer.confirm(question, default=False):
                fail(_("nothing erased"), 1)
        done = run(session, customer_id)
        audit.record_command(
            session, action=AuditAction.ERASE, command="gdpr erase", customer_id=customer_id
        )
    if as_json:
        payload = {
            "customer_id": done.customer_id,
            "customer": done.pseudonym,
            "rows": done.rows,
            "tables": done.tables,
        }
        typer.echo(json.dumps(payload))
        return
    typer.echo(
        _(
            "customer %(id)s erased: %(rows)s rows in %(tables)s tables; he is now %(pseudonym)s",
            id=done.customer_id,
            rows=grouped(done.rows),
            tables=len(done.tables),
            pseudonym=done.pseudonym,
        )
    )


@app.command(
    "object",
    help=N_(
        "Record an objection to direct marketing (GDPR art. 21): marketing withdrawn on "
        "every channel from the next decision on."
    ),
)
def object_(
    customer: str = typer.Argument(..., help=CUSTOMER_HELP),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.privacy import audit
    from valuecenter.privacy.models import AuditAction
    from valuecenter.privacy.objection import record_objection

    with unit_of_work(context.sessions()) as session:
        customer_id = customer_id_of(session, customer)
        done = record_objection(session, customer_id)
        audit.record_command(
            session, action=AuditAction.OBJECT, command="gdpr object", customer_id=customer_id
        )
    if as_json:
        payload = {
            "customer_id": done.customer_id,
            "recorded_at": done.recorded_at.isoformat(),
            "withdrawn": [{"purpose": p, "channel": c} for p, c in done.withdrawn],
        }
        typer.echo(json.dumps(payload))
        return
    typer.echo(
        _(
            "customer %(customer)s objected to direct marketing: %(purposes)s withdrawn on "
            "%(channels)s",
            customer=customer.strip(),
            purposes=", ".join(sorted({p for p, _c in done.withdrawn})),
            channels=", ".join(c for _p, c in done.withdrawn),
        )
    )


@app.command(
    "audit",
    help=N_("Write the audit log (who read, exported, changed or erased which customer) as CSV."),
)
def audit_log(
    out: Path = typer.Option(..., "--out", help=N_("The CSV file to write.")),
    customer: str | None = typer.Option(None, "--customer", help=CUSTOMER_HELP),
) -> None:
    from valuecenter.csv_export import csv_text
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.privacy import audit

    with unit_of_work(context.sessions()) as session:
        customer_id = customer_id_of(session, customer, field="--customer") if customer else None
        rows = list(audit.csv_rows(session, customer_id=customer_id))
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(csv_text(audit.HEADER, rows))
    typer.echo(_("%(rows)s audit entries written to %(file)s", rows=grouped(len(rows)), file=out))
