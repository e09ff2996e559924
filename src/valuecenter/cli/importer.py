"""``valuecenter import ENTITY FILE``: load a CSV, Parquet or XLSX export in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, Update, counting_bar, interactive
from valuecenter.db.base import utcnow
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number
from valuecenter.importer.service import (
    ImportOptions,
    ImportResult,
    entity_spec,
    import_file,
)
from valuecenter.offers.features import add_missing_features
from valuecenter.quality.followups import SyncResult, create_missing
from valuecenter.workforce.skills import sync_from_agents


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["InvoiceNo=order_id", …]`` -> ``{"InvoiceNo": "order_id", …}``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInput(
                "--map", _("'%(pair)s' is not SOURCE=COLUMN (e.g. InvoiceNo=order_id)", pair=pair)
            )
        mapping[source.strip()] = target.strip()
    return mapping


@contextmanager
def _progress(entity: str, quiet: bool) -> Iterator[tuple[Update | None, StepLines | None]]:
    """A Rich bar on a terminal; otherwise lines with counts and elapsed time on stderr
    (none with ``--json`` unless stderr is a terminal: stdout carries the one JSON object)."""
    if interactive() and not quiet:
        with counting_bar(_("importing"), _("rows")) as update:
            yield update, None
        return
    if quiet:
        yield None, None
        return
    lines = StepLines("import")
    yield lines.counter(entity), lines


def _summary(result: ImportResult) -> str:
    parts = [
        _("%(entity)s: read %(n)s", entity=result.entity, n=grouped(result.read)),
        _("inserted %(n)s", n=grouped(result.inserted)),
        _("updated %(n)s", n=grouped(result.updated)),
        _("unchanged %(n)s", n=grouped(result.unchanged)),
        _("rejected %(n)s", n=grouped(result.rejected))
        + (_(" (see %(file)s)", file=result.rejected_file) if result.rejected_file else ""),
    ]
    if result.created:
        created = ", ".join(f"{k} {grouped(v)}" for k, v in result.created.items())
        parts.append(_("created %(what)s", what=created))
    if result.ignored_columns:
        parts.append(_("ignored columns %(columns)s", columns=", ".join(result.ignored_columns)))
    return " · ".join(parts) + f" · {format_number(result.seconds, decimals=1)} s"


HELP = N_(
    "Import ENTITY rows from FILE (CSV, Parquet or XLSX) in one transaction.\n"
    "\n"
    "Bad rows go to FILE.rejected.csv with their line number and reason; good rows are\n"
    "inserted or updated; re-importing the same file changes nothing. Columns: docs/data-format.md."
)
"""The help of the command (--help)."""


def _waiting() -> None:
    """Another import holds the import lock (importer/lock.py): say so on stderr, then wait."""
    typer.echo(
        _("another import into these tables is running; waiting for it to finish…"), err=True
    )


def import_command(
    entity: str = typer.Argument(..., help=N_("What the file holds: %(entities)s.")),
    file: Path = typer.Argument(..., help=N_("A CSV, Parquet (.parquet) or XLSX (.xlsx) file.")),
    sep: str | None = typer.Option(None, "--sep", help=N_("CSV separator (default: sniffed).")),
    mapping: list[str] = typer.Option(
        [], "--map", help=N_("SOURCE=COLUMN: read the file's column SOURCE as COLUMN (repeatable).")
    ),
    date_format: str | None = typer.Option(
        None,
        "--date-format",
        help=N_('strftime format of dates/timestamps, e.g. "%d-%m-%Y %H:%M".'),
    ),
    decimal: str = typer.Option(".", "--decimal", help=N_('Decimal mark of amounts: "." or ",".')),
    create_customers: bool = typer.Option(
        False, "--create-customers", help=N_("Create unknown customers instead of rejecting rows.")
    ),
    sheet: str | None = typer.Option(None, "--sheet", help=N_("XLSX sheet (default: the first).")),
    timezone: str = typer.Option(
        "UTC", "--timezone", help=N_("Zone of timestamps without an offset, e.g. Europe/Amsterdam.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    spec = entity_spec(entity)
    options = ImportOptions(
        sep=sep,
        mapping=parse_mapping(mapping),
        date_format=date_format,
        decimal=decimal,
        create_customers=create_customers,
        sheet=sheet,
        timezone=timezone,
        horizon_days=context.settings().import_horizon_days,
    )
    factory = context.sessions()  # refuses a database whose schema is behind the code
    followups: SyncResult | None = None
    with (
        _progress(spec.name, quiet=as_json) as (progress, lines),
        unit_of_work(factory) as session,
    ):
        result = import_file(
            session, spec.name, file, options=options, progress=progress, on_wait=_waiting
        )
        # New customers get their feature rows now, in the same transaction: their first
        # decision must not compute them on the spot (offers/features.py).
        feature_rows = add_missing_features(session)
        if spec.name == "surveys":
            # Every detractor answer gets its call-back task in the import's own transaction:
            # none is ever committed without one (quality/followups.py).
            followups = create_missing(
                session, now=utcnow(), max_age_days=context.settings().followup_max_age_days
            )
        if spec.name == "agents":
            # The skills text as rows of agent_skills, in the same transaction.
            sync_from_agents(session)
        if lines is not None:
            lines.step(_("committing…"))
    if as_json:
        extra: dict[str, object] = {"feature_rows": feature_rows}
        if followups is not None:
            extra["followup_tasks"] = followups.as_json()
        typer.echo(json.dumps({**result.as_json(), **extra}))
    else:
        typer.echo(_summary(result))
        if followups is not None and (followups.created or followups.expired):
            typer.echo(
                _(
                    "follow-up tasks for detractors: %(new)s to call back, %(old)s too old",
                    new=grouped(followups.created),
                    old=grouped(followups.expired),
                )
            )
        if feature_rows:
            typer.echo(
                _(
                    "feature rows computed for %(n)s new customers",
                    n=grouped(feature_rows),
                )
            )
