"""The service dashboard (issue 20): how the contact centre serves, for managers.

- ``/service`` headline cards (FCR measured from contact chains beside the agents' tick box,
  repeat rate, transfers per contact, the Customer Speed Index's median and 90th percentile,
  NPS with its 95% interval), the KPIs over time (ticked FCR, measured FCR and NPS month by
  month with the first-year-against-last-year changes and their intervals in words), the
  chains per channel, NPS per group (htmx selector), eNPS beside customer NPS per team with
  their correlation, and links to the contact-reason and follow-up pages once they exist.
- ``/service/drivers`` what moves NPS: loaded by htmx after the page (the boosting takes
  seconds), each driver's effect per standard deviation with its 95% interval.
- ``/service/nps`` the NPS-per-group table alone (the selector's htmx target).
- CSV: ``/service/chains/export.csv``, ``/service/nps/export.csv``,
  ``/service/teams/export.csv``, ``/service/trend/export.csv``, ``/service/drivers/export.csv``.

The figures are ``quality/service.py``'s; this module only shows them. The period filter is two
days (``since`` on or after, ``until`` before; default all history up to now), bounded to
2000-01-01 … 2100-12-31 and ``since`` < ``until`` (422 otherwise). The trend ignores ``since``:
it always reads the whole history up to ``until`` (its first twelve months against its last).

Managers and admins only, like the other manager pages (``retention_ledger.py``,
``offers_lift.py``): the NPS per agent and per team names other agents and compares them, and
agents and account managers see no colleague's figures anywhere else, so they get 403.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.routing import NoMatchFound

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.nps import NpsEstimate
from valuecenter.analytics.nps_drivers import DriverAnalysis
from valuecenter.bounds import query_day
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_date, format_number, lazy_gettext
from valuecenter.quality.kpis import KpiReport, kpi_report
from valuecenter.quality.reasons import reasons_report
from valuecenter.quality.service import (
    NPS_GROUPS,
    ChainReport,
    EnpsReport,
    NpsReport,
    Trend,
    chain_report,
    driver_report,
    enps_report,
    nps_report,
    trend_report,
)
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import chart_config, templates

router = APIRouter()

ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

WIDE_CORRELATION = 0.5  # an interval of the correlation wider than this is called wide

GROUPS = {
    "segment": lazy_gettext("Value segment"),
    "channel": lazy_gettext("Channel"),
    "reason": lazy_gettext("Contact reason"),
    "agent": lazy_gettext("Agent"),
    "team": lazy_gettext("Team"),
}
DRIVERS = {
    "transfers": lazy_gettext("Transfers"),
    "end_to_end_days": lazy_gettext("End-to-end time (days)"),
    "wait_minutes": lazy_gettext("Waiting time (minutes)"),
    "repeats": lazy_gettext("Repeat contacts"),
    "first_contact_fix": lazy_gettext("Tick box 'resolved'"),
}
LINKS = {
    "service_reasons": (
        "/service/reasons",
        lazy_gettext("Contact reasons and cost to serve"),
    ),
    "service_followups": (
        "/service/followups",
        lazy_gettext("Closed-loop follow-up tasks"),
    ),
}


# ---------------------------------------------------------------------- input


@dataclass(frozen=True)
class Period:
    since: date | None
    until: date | None

    @property
    def start(self) -> datetime | None:
        return None if self.since is None else datetime.combine(self.since, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        return None if self.until is None else datetime.combine(self.until, time(), tzinfo=UTC)

    def words(self) -> str:
        if self.since is not None and self.until is not None:
            return _(
                "from %(since)s, before %(until)s",
                since=format_date(self.since),
                until=format_date(self.until),
            )
        if self.since is not None:
            return _("from %(since)s up to now", since=format_date(self.since))
        if self.until is not None:
            return _("all history before %(until)s", until=format_date(self.until))
        return _("all history up to now")


def _period(since: str | None, until: str | None) -> Period:
    period = Period(query_day("since", since), query_day("until", until))
    if period.since is not None and period.until is not None and period.since >= period.until:
        raise InvalidInput("until", _("must be after the first day"))
    return period


def _by(value: str | None) -> str:
    chosen = (value or "channel").strip()
    if chosen not in NPS_GROUPS:
        raise InvalidInput("by", _("must be one of %(names)s", names=", ".join(NPS_GROUPS)))
    return chosen


# ---------------------------------------------------------------------- words


def _signed(value: float, decimals: int = 1) -> str:
    """A signed figure in the locale: '+3.0', '−1.9' (a true minus sign)."""
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + format_number(abs(value), decimals=decimals)


def _interval(low: float, high: float, decimals: int = 1) -> str:
    return f"[{_signed(low, decimals)}, {_signed(high, decimals)}]"


@dataclass(frozen=True)
class Change:
    """A first-year-against-last-year change in words; ``direction`` up, down or flat (the
    95% interval holds zero)."""

    direction: str
    text: str


def fcr_change(change: tuple[float, float, float] | None, *, tick_box: bool) -> Change | None:
    if change is None:
        return None
    value, low, high = (100 * v for v in change)
    params = {"d": _signed(value), "ci": _interval(low, high)}
    if low > 0:
        text = (
            _("FCR by the tick box rose %(d)s points %(ci)s", **params)
            if tick_box
            else _("FCR measured from contact chains rose %(d)s points %(ci)s", **params)
        )
        return Change("up", text)
    if high < 0:
        text = (
            _("FCR by the tick box fell %(d)s points %(ci)s", **params)
            if tick_box
            else _("FCR measured from contact chains fell %(d)s points %(ci)s", **params)
        )
        return Change("down", text)
    text = (
        _("FCR by the tick box changed %(d)s points %(ci)s: no significant change", **params)
        if tick_box
        else _(
            "FCR measured from contact chains changed %(d)s points %(ci)s: no significant change",
            **params,
        )
    )
    return Change("flat", text)


def nps_change(change: tuple[float, float, float] | None) -> Change | None:
    if change is None:
        return None
    value, low, high = (100 * v for v in change)
    params = {"d": _signed(value), "ci": _interval(low, high)}
    if low > 0:
        return Change("up", _("NPS rose %(d)s %(ci)s", **params))
    if high < 0:
        return Change("down", _("NPS fell %(d)s %(ci)s", **params))
    return Change("flat", _("NPS changed %(d)s %(ci)s: no significant change", **params))


def nps_text(e: NpsEstimate | None) -> str:
    return "–" if e is None else format_number(100 * e.nps, decimals=1)


def nps_interval(e: NpsEstimate | None) -> str:
    if e is None:
        return "–"
    return _interval(100 * e.ci[0], 100 * e.ci[1])


@dataclass(frozen=True)
class DriverView:
    name: str
    label: str
    effect: float  # per unit
    low: float
    high: float
    per_sd: float
    sd_low: float
    sd_high: float
    significant: bool
    importance_share: float


def driver_views(analysis: DriverAnalysis) -> list[DriverView]:
    """Each driver with its interval per standard deviation too (the per-unit interval × the
    driver's standard deviation, which is ``per_sd / effect``; a zero effect has none)."""
    out = []
    for d in analysis.drivers:
        sd = d.per_sd / d.effect if d.effect else 0.0
        out.append(
            DriverView(
                name=d.name,
                label=str(DRIVERS.get(d.name, d.name)),
                effect=d.effect,
                low=d.low,
                high=d.high,
                per_sd=d.per_sd,
                sd_low=d.low * sd,
                sd_high=d.high * sd,
                significant=d.significant,
                importance_share=d.importance_share,
            )
        )
    return out


def driver_words(views: list[DriverView]) -> tuple[str, str | None]:
    """The ranking in words: what moves NPS (significant, strongest first) and what does not."""
    moving = [v for v in views if v.significant]
    still = [v for v in views if not v.significant]
    if moving:
        parts = ", ".join(
            f"{v.label} ({_signed(v.per_sd, 2)})"
            for v in sorted(moving, key=lambda v: -abs(v.per_sd))
        )
        said = _("What moves NPS, strongest first (per standard deviation): %(list)s.", list=parts)
    else:
        said = _("None of the measured experiences moves NPS significantly.")
    quiet = (
        _("No significant effect: %(list)s.", list=", ".join(v.label for v in still))
        if still
        else None
    )
    return said, quiet


def correlation_words(report: EnpsReport) -> tuple[str, bool]:
    """The correlation in words, and whether its interval is wide."""
    found = report.correlation
    if found is None:
        return report.reason or _("No correlation: too few teams."), True
    low, high = found.ci
    text = _(
        "Correlation of eNPS and customer NPS over %(teams)s teams: %(r)s "
        "(95%% interval %(low)s to %(high)s, Fisher z).",
        teams=found.teams,
        r=format_number(found.r, decimals=2),
        low=format_number(low, decimals=2),
        high=format_number(high, decimals=2),
    )
    return text, high - low > WIDE_CORRELATION


# ---------------------------------------------------------------------- charts


def _schema(description: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "config": chart_config(),
        "width": "container",
    }


def trend_charts(trend: Trend) -> dict[str, object]:
    """Vega-Lite: the two FCRs by month (%, two lines), and NPS by month with its 95% band."""
    tick, measured = str(_("FCR tick box")), str(_("FCR measured"))
    month = str(_("Month"))
    fcr_values: list[dict[str, object]] = []
    nps_values: list[dict[str, object]] = []
    for m in trend.months:
        for series, value in ((tick, m.fcr_tick_box), (measured, m.fcr)):
            if value is not None:
                fcr_values.append({"month": m.month, "series": series, "fcr": 100 * value})
        if m.nps is not None:
            nps_values.append(
                {
                    "month": m.month,
                    "nps": 100 * m.nps.nps,
                    "low": 100 * m.nps.ci[0],
                    "high": 100 * m.nps.ci[1],
                    "n": m.nps.counts.n,
                }
            )
    x = {"field": "month", "type": "ordinal", "title": month, "axis": {"labelAngle": -45}}
    fcr = {
        **_schema(str(_("FCR by the tick box and measured from chains, by month"))),
        "height": 220,
        "data": {"values": fcr_values},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": x,
            "y": {
                "field": "fcr",
                "type": "quantitative",
                "title": str(_("FCR (%)")),
                "scale": {"zero": False},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [tick, measured], "range": ["#c2571a", "#1c5d8c"]},
                "legend": {"orient": "top"},
            },
            "tooltip": [
                {"field": "month", "title": month},
                {"field": "series", "title": str(_("Measure"))},
                {"field": "fcr", "format": ".1f", "title": "%"},
            ],
        },
    }
    nps = {
        **_schema(str(_("NPS by month with its 95% band"))),
        "height": 200,
        "data": {"values": nps_values},
        "encoding": {"x": x},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.2, "color": "#2f7d4f"},
                "encoding": {
                    "y": {"field": "low", "type": "quantitative", "title": str(_("NPS"))},
                    "y2": {"field": "high"},
                },
            },
            {
                "mark": {"type": "line", "point": True, "color": "#2f7d4f", "tooltip": True},
                "encoding": {
                    "y": {"field": "nps", "type": "quantitative"},
                    "tooltip": [
                        {"field": "month", "title": month},
                        {"field": "nps", "format": ".1f", "title": "NPS"},
                        {"field": "low", "format": ".1f", "title": str(_("low (95%)"))},
                        {"field": "high", "format": ".1f", "title": str(_("high (95%)"))},
                        {"field": "n", "title": str(_("answers"))},
                    ],
                },
            },
        ],
    }
    return {"fcr": fcr, "nps": nps}


def driver_chart(views: list[DriverView]) -> dict[str, object]:
    """Vega-Lite: each driver's effect per standard deviation on the 0–10 answer with its 95%
    interval; the significant ones in colour."""
    significant, not_significant = str(_("significant")), str(_("not significant"))
    values = [
        {
            "driver": v.label,
            "effect": v.per_sd,
            "low": v.sd_low,
            "high": v.sd_high,
            "kind": significant if v.significant else not_significant,
        }
        for v in views
    ]
    y = {"field": "driver", "type": "nominal", "sort": None, "title": None}
    color = {
        "field": "kind",
        "type": "nominal",
        "title": None,
        "scale": {"domain": [significant, not_significant], "range": ["#c2571a", "#9aa3b2"]},
        "legend": {"orient": "top"},
    }
    title = str(_("Effect on the 0–10 answer per standard deviation"))
    return {
        **_schema(
            str(_("What moves NPS: effects per standard deviation, with their intervals (95%)"))
        ),
        "height": {"step": 34},
        "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "rule", "color": "#5b6577"}, "encoding": {"x": {"datum": 0}}},
            {
                "mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {
                    "x": {
                        "field": "low",
                        "type": "quantitative",
                        "title": title,
                        "axis": {"tickCount": 8},
                    },
                    "x2": {"field": "high"},
                    "color": color,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90, "tooltip": True},
                "encoding": {
                    "x": {"field": "effect", "type": "quantitative"},
                    "color": color,
                    "tooltip": [
                        {"field": "driver", "title": str(_("Driver"))},
                        {"field": "effect", "format": ".2f", "title": str(_("per SD"))},
                        {"field": "low", "format": ".2f", "title": str(_("low (95%)"))},
                        {"field": "high", "format": ".2f", "title": str(_("high (95%)"))},
                    ],
                },
            },
        ],
    }


# ---------------------------------------------------------------------- pages


def _links(request: Request) -> list[tuple[str, str]]:
    """The sibling pages that exist in this app (they land separately)."""
    out = []
    for name, (path, label) in LINKS.items():
        try:
            request.app.url_path_for(name)
        except NoMatchFound:
            if not any(getattr(r, "path", None) == path for r in request.app.routes):
                continue
        out.append((path, str(label)))
    return out


def _nps_context(report: NpsReport) -> dict[str, object]:
    return {"nps": report, "groups": GROUPS, "nps_text": nps_text, "nps_interval": nps_interval}


@router.get("/service")
def service_page(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
) -> Response:
    period, group = _period(since, until), _by(by)
    chains = chain_report(session, period.start, period.end)
    trend = trend_report(session, period.end)
    nps = nps_report(session, group, period.start, period.end)
    teams = enps_report(session, period.start, period.end)
    levels = kpi_report(session, by="queue", interval="all", since=period.start, until=period.end)
    reasons = reasons_report(session, period.start, period.end)
    correlation, wide = correlation_words(teams)
    answers_read = sum(m.nps.counts.n for m in trend.months if m.nps is not None)
    return templates.TemplateResponse(
        request,
        "service/dashboard.html",
        {
            "user": user,
            "nav": "service",
            "period": period,
            "by": group,
            "chains": chains,
            "trend": trend,
            "trend_contacts": sum(m.contacts for m in trend.months),
            "trend_answers": answers_read,
            "changes": [
                fcr_change(trend.tick_change, tick_box=True),
                fcr_change(trend.fcr_change, tick_box=False),
                nps_change(trend.nps_change),
            ],
            "teams": teams,
            "levels": levels,
            "top_reasons": reasons.pareto_primary[:TOP_REASONS],
            "reasons": reasons,
            "correlation": correlation,
            "wide": wide,
            "links": _links(request),
            "charts": trend_charts(trend) if trend.months else {},
            "query": _query(period, group),
            "period_query": _query(period),
            **_nps_context(nps),
        },
    )


def _query(period: Period, by: str | None = None) -> str:
    parts = []
    if period.since is not None:
        parts.append(f"since={period.since.isoformat()}")
    if period.until is not None:
        parts.append(f"until={period.until.isoformat()}")
    if by is not None:
        parts.append(f"by={by}")
    return "&".join(parts)


@router.get("/service/nps")
def nps_fragment(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
) -> Response:
    """The NPS-per-group panel alone (the group selector's htmx target)."""
    period, group = _period(since, until), _by(by)
    return templates.TemplateResponse(
        request,
        "service/_nps.html",
        {
            "user": user,
            "period": period,
            "by": group,
            "query": _query(period, group),
            **_nps_context(nps_report(session, group, period.start, period.end)),
        },
    )


def _drivers(session: Session, period: Period) -> tuple[DriverAnalysis | None, str | None]:
    try:
        return driver_report(session, period.start, period.end), None
    except InputError as error:
        return None, error.translated()


@router.get("/service/drivers")
def drivers_fragment(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """What moves NPS (loaded after the page: the boosting takes seconds)."""
    period = _period(since, until)
    analysis, reason = _drivers(session, period)
    views = driver_views(analysis) if analysis is not None else []
    said, quiet = driver_words(views) if analysis is not None else (reason, None)
    return templates.TemplateResponse(
        request,
        "service/_drivers.html",
        {
            "user": user,
            "period": period,
            "analysis": analysis,
            "views": views,
            "said": said,
            "quiet": quiet,
            "query": _query(period),
            "driver_specs": {"drivers": driver_chart(views)} if views else {},
        },
    )


# ---------------------------------------------------------------------- CSV


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _nps_cells(e: NpsEstimate | None) -> list[object]:
    if e is None:
        return [None] * 7
    c = e.counts
    return [
        c.n,
        round(100 * e.nps, 2),
        round(100 * e.ci[0], 2),
        round(100 * e.ci[1], 2),
        c.promoters,
        c.passives,
        c.detractors,
    ]


NPS_HEADER = ["n", "nps", "ci95_low", "ci95_high", "promoters", "passives", "detractors"]
CHAIN_HEADER = [
    "channel",
    "contacts",
    "chains",
    "judged_chains",
    "fcr",
    "fcr_tick_box",
    "repeat_rate",
    "transfers_per_contact",
    "reopen_rate",
    "speed_median_hours",
    "speed_p90_hours",
]


def _chain_rows(report: ChainReport) -> Iterable[Sequence[object]]:
    for name, f in [("all", report.overall), *report.by_channel.items()]:
        yield [
            name,
            f.contacts,
            f.chains,
            f.judged_chains,
            _share(f.fcr),
            _share(f.fcr_tick_box),
            _share(f.repeat_rate),
            _share(f.transfers_per_contact),
            _share(f.reopen_rate),
            _share(f.speed_median_hours),
            _share(f.speed_p90_hours),
        ]


TOP_REASONS = 8
LEVEL_HEADER = [
    "queue",
    "target_share",
    "target_seconds",
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "reachability",
]


def _level_rows(report: KpiReport) -> Iterable[Sequence[object]]:
    for row in report.rows:
        f = row.figures
        yield [
            row.group,
            row.target_share,
            row.target_seconds,
            f.offered,
            f.answered,
            f.abandoned,
            _share(f.service_level),
            _share(f.asa_seconds),
            _share(f.abandon_rate),
            _share(f.aht_seconds),
            _share(f.reachability),
        ]


@router.get("/service/levels/export.csv")
def levels_export(
    request: Request, user: ManagerUser, since: str | None = None, until: str | None = None
) -> Response:
    period = _period(since, until)
    return csv_download(
        request,
        user,
        name="service-levels",
        header=LEVEL_HEADER,
        rows=lambda session, _viewer: _level_rows(
            kpi_report(session, by="queue", interval="all", since=period.start, until=period.end)
        ),
    )


@router.get("/service/chains/export.csv")
def chains_export(
    request: Request, user: ManagerUser, since: str | None = None, until: str | None = None
) -> Response:
    period = _period(since, until)
    return csv_download(
        request,
        user,
        name="service-chains",
        header=CHAIN_HEADER,
        rows=lambda session, _viewer: _chain_rows(chain_report(session, period.start, period.end)),
    )


@router.get("/service/nps/export.csv")
def nps_export(
    request: Request,
    user: ManagerUser,
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
) -> Response:
    period, group = _period(since, until), _by(by)

    def rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
        report = nps_report(session, group, period.start, period.end)
        yield ["all", None, *_nps_cells(report.overall)]
        for name, e in report.groups:
            yield [group, name, *_nps_cells(e)]

    return csv_download(
        request, user, name=f"service-nps-{group}", header=["by", "group", *NPS_HEADER], rows=rows
    )


@router.get("/service/teams/export.csv")
def teams_export(
    request: Request, user: ManagerUser, since: str | None = None, until: str | None = None
) -> Response:
    period = _period(since, until)

    def rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
        for team, enps, nps in enps_report(session, period.start, period.end).teams:
            yield [team, *_nps_cells(enps), *_nps_cells(nps)]

    header = ["team", *(f"enps_{h}" for h in NPS_HEADER), *(f"nps_{h}" for h in NPS_HEADER)]
    return csv_download(request, user, name="service-teams", header=header, rows=rows)


@router.get("/service/trend/export.csv")
def trend_export(request: Request, user: ManagerUser, until: str | None = None) -> Response:
    period = _period(None, until)

    def rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
        for m in trend_report(session, period.end).months:
            yield [m.month, m.contacts, _share(m.fcr_tick_box), _share(m.fcr), *_nps_cells(m.nps)]

    header = ["month", "contacts", "fcr_tick_box", "fcr", *(f"nps_{h}" for h in NPS_HEADER)]
    return csv_download(request, user, name="service-trend", header=header, rows=rows)


@router.get("/service/drivers/export.csv")
def drivers_export(
    request: Request, user: ManagerUser, since: str | None = None, until: str | None = None
) -> Response:
    period = _period(since, until)

    def rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
        analysis, _reason = _drivers(session, period)
        for v in driver_views(analysis) if analysis is not None else []:
            yield [
                v.name,
                round(v.effect, 4),
                round(v.low, 4),
                round(v.high, 4),
                round(v.per_sd, 4),
                round(v.sd_low, 4),
                round(v.sd_high, 4),
                v.significant,
                None if math.isnan(v.importance_share) else round(v.importance_share, 4),
            ]

    header = [
        "driver",
        "effect",
        "ci95_low",
        "ci95_high",
        "per_sd",
        "per_sd_ci95_low",
        "per_sd_ci95_high",
        "significant",
        "importance_share",
    ]
    return csv_download(request, user, name="service-drivers", header=header, rows=rows)
