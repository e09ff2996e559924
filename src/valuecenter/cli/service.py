"""``valuecenter service``: the service side's figures (issue 20) — the contact chains'
measured FCR beside the agents' tick box, and what drives NPS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, format_percent

app = typer.Typer(
    help=N_("Service quality: contact chains, FCR, NPS drivers."), no_args_is_help=True
)

_SINCE = typer.Option(None, "--since", help=N_("First day (YYYY-MM-DD); default: all history."))
_UNTIL = typer.Option(None, "--until", help=N_("Day after the last (YYYY-MM-DD); default: now."))
_JSON = typer.Option(False, "--json", help=N_("Print JSON."))


def _moment(option: str, value: str | None) -> datetime | None:
    day = parse_day(option, value)
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _share(value: float | None) -> str:
    return "–" if value is None else format_percent(value, decimals=1)


@app.command(
    "chains",
    help=N_(
        "Contact chains: FCR measured from repeat contacts beside the agents' tick box,\n"
        "repeats, transfers and the Customer Speed Index, overall and per channel."
    ),
)
def chains(since: str | None = _SINCE, until: str | None = _UNTIL, as_json: bool = _JSON) -> None:
    from valuecenter.quality.service import chain_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = chain_report(session, start, end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "since": None if report.since is None else report.since.isoformat(),
                    "until": report.until.isoformat(),
                    "window_days": report.window_days,
                    **report.overall.as_json(),
                    "by_channel": {k: v.as_json() for k, v in report.by_channel.items()},
                }
            )
        )
        return
    head = (_("channel"), _("chains"), _("FCR measured"), _("FCR tick box"), _("repeats"))
    typer.echo(f"{head[0]:<14} {head[1]:>10} {head[2]:>14} {head[3]:>14} {head[4]:>10}")
    rows = [(_("all"), report.overall), *report.by_channel.items()]
    for name, f in rows:
        typer.echo(
            f"{name:<14} {grouped(f.chains):>10} {_share(f.fcr):>14} "
            f"{_share(f.fcr_tick_box):>14} {_share(f.repeat_rate):>10}"
        )


@app.command(
    "drivers",
    help=N_(
        "What moves NPS: each measured experience's effect on the answer with the others\n"
        "held fixed (95% interval), ranked by its effect per standard deviation."
    ),
)
def drivers(since: str | None = _SINCE, until: str | None = _UNTIL, as_json: bool = _JSON) -> None:
    from valuecenter.analytics.errors import InputError
    from valuecenter.errors import InvalidInput
    from valuecenter.quality.service import driver_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        try:
            out = driver_report(session, start, end)
        except InputError as error:
            raise InvalidInput(error.field or "surveys", error.translated()) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "answers": out.answers,
                    "r2_linear": out.r2_linear,
                    "r2_boosting_held_out": out.r2_boosting,
                    "drivers": [
                        {
                            "name": d.name,
                            "effect": d.effect,
                            "ci95": [d.low, d.high],
                            "per_sd": d.per_sd,
                            "significant": d.significant,
                            "importance": d.importance,
                        }
                        for d in out.drivers
                    ],
                }
            )
        )
        return
    typer.echo(_("%(n)s answers", n=grouped(out.answers)))
    for d in out.drivers:
        interval = f"[{format_number(d.low, decimals=2)}, {format_number(d.high, decimals=2)}]"
        typer.echo(f"{d.name:<20} {format_number(d.effect, decimals=2):>8} {interval}")
