"""The contact reasons page (issue 20, C16), for managers: the Pareto of reasons (chart and
table), the reason mix on peak days against normal days with the difference and its 95%
interval, the avoidable contacts by rule with their cost, and cost-to-serve per value
segment, product type, customer and B2B client — each table with its CSV export.

The figures, their rules and their sources are ``quality/reasons.py``'s and
``analytics/contact_reasons.py``'s (docs/service.md, "Contact reasons and cost-to-serve");
this page only shows them, with where they came from (period, contacts read, cost model,
rules, score run). The cost-to-serve tables name customers, so the page and its exports write
a ``list`` audit entry (``web/audit.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from valuecenter.analytics.contact_reasons import PEAK_QUANTILE, ParetoRow
from valuecenter.bounds import parse_day
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.quality.reasons import (
    GROUPS,
    CostReport,
    avoidable_report,
    cost_reports,
    load_rules,
    reasons_report,
)
from valuecenter.settings import Settings
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_page_roles
from valuecenter.web.templating import chart_config, templates

router = APIRouter()

ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]
TOP = 20
EXPORTS = ("pareto", "peaks", "avoidable", *GROUPS)


def _day(field: str, value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise InvalidInput(field, f"'{value}' is not a day (YYYY-MM-DD)") from None


def _period(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    first, last = _day("since", since), _day("until", until)
    if first is not None and last is not None and first >= last:
        raise InvalidInput("since", _("must be before until"))
    return first, last


def _moment(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _quantile(value: str | None) -> float:
    text = (value or "").strip()
    if not text:
        return PEAK_QUANTILE
    try:
        found = float(text)
    except ValueError:
        raise InvalidInput("peak_quantile", f"'{text}' is not a number") from None
    if not 0.0 < found < 1.0:
        raise InvalidInput("peak_quantile", _("must be between 0 and 1"))
    return found


def _rules_and_costs(settings: Settings) -> tuple[tuple, dict[str, int]]:  # type: ignore[type-arg]
    return load_rules(settings.avoidable_rules_file), dict(settings.channel_minute_cost_cents)


def pareto_spec(rows: Sequence[ParetoRow]) -> dict[str, object]:
    """Vega-Lite: a bar per reason (its count, largest first) and the cumulative share as a
    line on a second axis (data inline; rendered by static/charts.js)."""
    values = [
        {"reason": r.reason, "count": r.count, "share": r.share, "cumulative": r.cumulative}
        for r in rows
    ]
    x = {
        "field": "reason",
        "type": "nominal",
        "sort": None,
        "title": _("Reason"),
        "axis": {"labelAngle": -30},
    }
    tooltip = [
        {"field": "reason", "title": _("reason")},
        {"field": "count", "format": ",", "title": _("contacts")},
        {"field": "share", "format": ".1%", "title": _("share")},
        {"field": "cumulative", "format": ".1%", "title": _("cumulative")},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Pareto of contact reasons: count per reason and cumulative share"),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "encoding": {"x": x},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#1c5d8c", "tooltip": True},
                "encoding": {
                    "y": {"field": "count", "type": "quantitative", "title": _("Times given")},
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "line", "point": True, "color": "#c0392b"},
                "encoding": {
                    "y": {
                        "field": "cumulative",
                        "type": "quantitative",
                        "title": _("Cumulative share"),
                        "axis": {"format": "%"},
                        "scale": {"domain": [0, 1]},
                    },
                    "tooltip": tooltip,
                },
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
    }


@router.get("/service/reasons")
@lists_customers
def reasons_page(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    settings: SettingsDep,
    since: str | None = None,
    until: str | None = None,
    peak_quantile: str | None = None,
) -> Response:
    first, last = _period(since, until)
    quantile = _quantile(peak_quantile)
    rules, costs = _rules_and_costs(settings)
    start, end = _moment(first), _moment(last)
    reasons = reasons_report(session, start, end, quantile)
    avoidable = avoidable_report(session, rules, costs, start, end)
    costs_by = cost_reports(session, GROUPS, rules, costs, start, end, TOP)
    return templates.TemplateResponse(
        request,
        "service/reasons.html",
        {
            "user": user,
            "since": first,
            "until": last,
            "peak_quantile": quantile,
            "reasons": reasons,
            "avoidable": avoidable,
            "costs": costs_by,
            # The rules' labels in the user's language (the defaults' are message ids).
            "labels": {rule.name: _(rule.label) for rule in rules},
            "charts": {"pareto": pareto_spec(reasons.pareto_all)} if reasons.pareto_all else {},
        },
    )


def _cost_rows(report: CostReport) -> Iterable[Sequence[object]]:
    for r in report.rows:
        yield (
            r.key or "",
            r.label or "",
            r.contacts,
            round(r.handle_minutes, 1),
            r.cost_cents,
            r.avoidable_cost_cents,
            r.cost_per_contact_cents,
            r.top_reason or "",
        )


@router.get("/service/reasons/{what}.csv")
@lists_customers
def reasons_export(
    request: Request,
    user: ManagerUser,
    settings: SettingsDep,
    what: str,
    since: str | None = None,
    until: str | None = None,
    peak_quantile: str | None = None,
) -> Response:
    """One table of the page as CSV, with the page's period: pareto, peaks, avoidable, or
    cost-to-serve per customer, segment, product or client (every row, no top-N cut)."""
    if what not in EXPORTS:
        raise InvalidInput("what", f"'{what}' is not one of {', '.join(EXPORTS)}")
    first, last = _period(since, until)
    quantile = _quantile(peak_quantile)
    rules, costs = _rules_and_costs(settings)
    start, end = _moment(first), _moment(last)

    def rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
        if what == "pareto":
            report = reasons_report(session, start, end, quantile)
            primary = {r.reason: r.count for r in report.pareto_primary}
            for r in report.pareto_all:
                yield (r.reason, r.count, round(r.share, 4), round(r.cumulative, 4),
                       primary.get(r.reason, 0))  # fmt: skip
        elif what == "peaks":
            report = reasons_report(session, start, end, quantile)
            for m in report.mix:
                yield (
                    m.reason, m.peak_contacts, _r(m.peak_share), m.normal_contacts,
                    _r(m.normal_share), _r(m.difference), _r(m.low), _r(m.high),
                )  # fmt: skip
        elif what == "avoidable":
            found = avoidable_report(session, rules, costs, start, end)
            for rule in found.by_rule:
                yield (rule.rule.name, rule.rule.label, rule.contacts, rule.matches,
                       _r(rule.share), rule.cost_cents)  # fmt: skip
        else:
            every = cost_reports(session, (what,), rules, costs, start, end, None)
            yield from _cost_rows(every[what])

    headers = {
        "pareto": ("reason", "count", "share", "cumulative_share", "primary_count"),
        "peaks": (
            "reason",
            "peak_contacts",
            "peak_share",
            "normal_contacts",
            "normal_share",
            "difference",
            "ci95_low",
            "ci95_high",
        ),
        "avoidable": ("rule", "label", "contacts", "matches", "share", "cost_cents"),
    }
    header = headers.get(what) or (
        what, "name", "contacts", "handle_minutes", "cost_cents", "avoidable_cost_cents",
        "cost_per_contact_cents", "top_reason",
    )  # fmt: skip
    return csv_download(request, user, name=f"contact-{what}", header=header, rows=rows)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
