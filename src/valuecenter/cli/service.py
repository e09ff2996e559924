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


def _estimate_json(e: object) -> dict[str, object] | None:
    from valuecenter.analytics.nps import NpsEstimate

    if not isinstance(e, NpsEstimate):
        return None
    return {
        "n": e.counts.n,
        "nps": round(100 * e.nps, 2),
        "ci95": [round(100 * e.ci[0], 2), round(100 * e.ci[1], 2)],
        "promoters": e.counts.promoters,
        "passives": e.counts.passives,
        "detractors": e.counts.detractors,
    }


def _nps_text(e: object) -> str:
    from valuecenter.analytics.nps import NpsEstimate

    if not isinstance(e, NpsEstimate):
        return "–"
    low, high = (format_number(100 * v, decimals=1) for v in e.ci)
    return f"{format_number(100 * e.nps, decimals=1)} [{low}, {high}]"


@app.command(
    "nps",
    help=N_(
        "NPS with its 95% interval, overall and per segment, channel, reason, agent or team\n"
        "(promoters 9–10 minus detractors 0–6, × 100)."
    ),
)
def nps(
    by: str = typer.Option("channel", "--by", help=N_("segment, channel, reason, agent or team.")),
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    as_json: bool = _JSON,
) -> None:
    from valuecenter.quality.service import nps_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = nps_report(session, by, start, end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "by": report.by,
                    "answers": report.answers,
                    "overall": _estimate_json(report.overall),
                    "groups": [{"group": g, **(_estimate_json(e) or {})} for g, e in report.groups],
                }
            )
        )
        return
    typer.echo(f"{_('all'):<24} {_nps_text(report.overall)}")
    for group, e in report.groups:
        name = group if group is not None else _("(none)")
        typer.echo(f"{name:<24} {_nps_text(e)}")


@app.command(
    "enps",
    help=N_(
        "Each team's eNPS beside its customers' NPS, and their correlation over the teams\n"
        "with its 95% interval (Fisher z)."
    ),
)
def enps(since: str | None = _SINCE, until: str | None = _UNTIL, as_json: bool = _JSON) -> None:
    from valuecenter.quality.service import enps_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = enps_report(session, start, end)
    found = report.correlation
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "teams": [
                        {"team": t, "enps": _estimate_json(e), "nps": _estimate_json(n)}
                        for t, e, n in report.teams
                    ],
                    "correlation": None
                    if found is None
                    else {"r": found.r, "ci95": list(found.ci), "teams": found.teams},
                    "reason": report.reason,
                }
            )
        )
        return
    for team, e, n in report.teams:
        typer.echo(f"{team:<16} eNPS {_nps_text(e):<26} NPS {_nps_text(n)}")
    if found is None:
        typer.echo(report.reason or "")
    else:
        typer.echo(
            _(
                "correlation over %(teams)s teams: %(r)s (95%%: %(low)s … %(high)s)",
                teams=found.teams,
                r=format_number(found.r, decimals=2),
                low=format_number(found.ci[0], decimals=2),
                high=format_number(found.ci[1], decimals=2),
            )
        )
