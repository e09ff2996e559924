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
    everyone = _("all")
    typer.echo(f"{everyone:<24} {_nps_text(report.overall)}")
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


def _change_json(change: tuple[float, float, float] | None) -> dict[str, object] | None:
    return None if change is None else {"change": change[0], "ci95": [change[1], change[2]]}


@app.command(
    "trend",
    help=N_(
        "Month by month: FCR by the agents' tick box, FCR measured from contact chains and\n"
        "NPS; and the change from the first twelve months to the last twelve (95% interval)."
    ),
)
def trend(until: str | None = _UNTIL, as_json: bool = _JSON) -> None:
    from valuecenter.quality.service import trend_report

    end = _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = trend_report(session, end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "months": [
                        {
                            "month": m.month,
                            "contacts": m.contacts,
                            "fcr_tick_box": m.fcr_tick_box,
                            "fcr": m.fcr,
                            "nps": _estimate_json(m.nps),
                        }
                        for m in report.months
                    ],
                    "tick_box_change": _change_json(report.tick_change),
                    "fcr_change": _change_json(report.fcr_change),
                    "nps_change": _change_json(report.nps_change),
                }
            )
        )
        return
    head = (_("month"), _("FCR tick box"), _("FCR measured"), "NPS")
    typer.echo(f"{head[0]:<8} {head[1]:>14} {head[2]:>14} {head[3]:>26}")
    for m in report.months:
        typer.echo(
            f"{m.month:<8} {_share(m.fcr_tick_box):>14} {_share(m.fcr):>14} {_nps_text(m.nps):>26}"
        )


@app.command(
    "kpis",
    help=N_(
        "Operational KPIs per queue, department or channel and per month, week or day:\n"
        "volume, service level against the queue's target, ASA, abandon rate, AHT,\n"
        "reachability (contacts offered while the queue was open)."
    ),
)
def kpis(
    by: str = typer.Option("queue", "--by", help=N_("queue, department or channel.")),
    interval: str = typer.Option("month", "--interval", help=N_("month, week, day or all.")),
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    as_json: bool = _JSON,
) -> None:
    from valuecenter.quality.kpis import kpi_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = kpi_report(session, by=by, interval=interval, since=start, until=end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "by": report.by,
                    "interval": report.interval,
                    "contacts": report.contacts,
                    "unknown_queue_contacts": report.unknown_queue_contacts,
                    "outside_hours": report.outside_hours,
                    "rows": [
                        {
                            **r.figures.as_json(),
                            "interval": r.interval,
                            "target_share": r.target_share,
                            "target_seconds": r.target_seconds,
                        }
                        for r in report.rows
                    ],
                }
            )
        )
        return
    head = (_("group"), _("period"), _("offered"), _("service level"), "ASA (s)", _("abandoned"))
    typer.echo(f"{head[0]:<20} {head[1]:<10} {head[2]:>9} {head[3]:>14} {head[4]:>8} {head[5]:>10}")
    for r in report.rows:
        f = r.figures
        asa = "–" if f.asa_seconds is None else format_number(f.asa_seconds, decimals=0)
        typer.echo(
            f"{r.group:<20} {r.interval:<10} {grouped(f.offered):>9} "
            f"{_share(f.service_level):>14} {asa:>8} {_share(f.abandon_rate):>10}"
        )
