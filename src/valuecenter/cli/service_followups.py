"""``valuecenter service followups``: the closed loop with detractors (issue 20, point 5).

- ``list [--state open|overdue|closed|all] [--owner USERNAME|unassigned]``: the call-back
  tasks, the most overdue first, with the loop's head figures;
- ``sync``: a task for every detractor answer that has none (idempotent; an import of surveys
  already does this in its own transaction), owners for unassigned tasks of a pool, and the
  follow-up answers of closed tasks;
- ``close TASK --status done|unreachable --outcome TEXT --by USERNAME``.

The rules are in ``quality/followups.py`` and docs/service.md ("Closed loop").
"""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

from valuecenter.cli import context
from valuecenter.cli.service import app
from valuecenter.db.base import utcnow
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_datetime, format_percent
from valuecenter.quality import followups as loop
from valuecenter.users.models import User

followups_app = typer.Typer(
    help=N_("The closed loop: call back every detractor within 48 hours."), no_args_is_help=True
)
app.add_typer(followups_app, name="followups")

_JSON = typer.Option(False, "--json", help=N_("Print JSON."))


def _state(value: str) -> loop.State:
    if value not in loop.STATES:
        raise InvalidInput(
            "--state",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=value,
                choices=", ".join(loop.STATES),
            ),
        )
    return value


@followups_app.command(
    "list", help=N_("The follow-up tasks, the most overdue first, and the loop's figures.")
)
def list_tasks(
    state: str = typer.Option("open", "--state", help=N_("open, overdue, closed or all.")),
    owner: str = typer.Option(
        "any", "--owner", help=N_("A username, 'unassigned' or 'any' (default).")
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help=N_("At most this many.")),
    as_json: bool = _JSON,
) -> None:
    chosen = _state(state)
    now = utcnow()
    with unit_of_work(context.sessions()) as session:
        who = loop.owner_named(session, owner)
        figures = loop.counts(session, None, now)
        rows = []
        for row in loop.every_task(session, None, state=chosen, owner=who, now=now):
            rows.append(row)
            if len(rows) >= limit:
                break
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "counts": figures.as_json(),
                        "tasks": [_json(r) for r in rows],
                    }
                )
            )
            return
    share = figures.done_in_time_share
    typer.echo(
        _(
            "open %(open)s · overdue %(overdue)s · done %(done)s (%(share)s within 48 h) · "
            "unreachable %(unreachable)s · expired %(expired)s",
            open=grouped(figures.open),
            overdue=grouped(figures.overdue),
            done=grouped(figures.done),
            share="–" if share is None else format_percent(share, decimals=0),
            unreachable=grouped(figures.unreachable),
            expired=grouped(figures.expired),
        )
    )
    unassigned = _("unassigned")
    for r in rows:
        flag = "!" if r.overdue else " "
        typer.echo(
            f"{flag} {r.task.id:>7} {r.customer.external_id:<14} NPS {r.nps:>2} "
            f"{format_datetime(r.task.due_at, fmt='short'):<20} "
            f"{r.owner or unassigned:<16} {r.task.status.value}"
        )


def _json(r: loop.TaskRow) -> dict[str, object]:
    t = r.task
    return {
        "id": t.id,
        "customer": r.customer.external_id,
        "nps": r.nps,
        "answered_at": r.answered_at.isoformat(),
        "due_at": t.due_at.isoformat(),
        "overdue": r.overdue,
        "owner": r.owner,
        "status": t.status.value,
        "outcome": t.outcome,
        "closed_at": None if t.closed_at is None else t.closed_at.isoformat(),
        "closed_by": r.closed_by,
        "followup_nps": r.followup_nps,
    }


@followups_app.command(
    "sync",
    help=N_(
        "A task for every detractor answer without one (idempotent), owners for the pools'\n"
        "unassigned tasks, and the follow-up answers of closed tasks."
    ),
)
def sync(as_json: bool = _JSON) -> None:
    with unit_of_work(context.sessions()) as session:
        result = loop.create_missing(
            session, now=utcnow(), max_age_days=context.settings().followup_max_age_days
        )
    if as_json:
        typer.echo(json.dumps(result.as_json()))
        return
    typer.echo(
        _(
            "follow-up tasks: %(created)s new, %(expired)s too old, %(assigned)s assigned, "
            "%(linked)s linked to a follow-up answer",
            created=grouped(result.created),
            expired=grouped(result.expired),
            assigned=grouped(result.assigned),
            linked=grouped(result.linked),
        )
    )


@followups_app.command("close", help=N_("Close a task: done (with its outcome) or unreachable."))
def close(
    task: int = typer.Argument(..., min=1, help=N_("The task's number.")),
    status: str = typer.Option(..., "--status", help=N_("done or unreachable.")),
    outcome: str = typer.Option("", "--outcome", help=N_("What came of the call.")),
    by: str = typer.Option(..., "--by", help=N_("Username of who made the call.")),
    as_json: bool = _JSON,
) -> None:
    with unit_of_work(context.sessions()) as session:
        user = session.scalar(select(User).where(User.username == by.strip()))
        if user is None:
            raise InvalidInput("--by", _("unknown user '%(name)s'", name=by))
        closed = loop.close_task(
            session, task, status=status, outcome=outcome, by=user, viewer=None, now=utcnow()
        )
        row = loop.task_row(session, closed, utcnow())
        out = _json(row)
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(_("follow-up task %(task)s closed: %(status)s", task=task, status=out["status"]))
