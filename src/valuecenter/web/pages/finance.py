"""The service P&L page (issue 23, points 3 and 6): ``/pnl?month=YYYY-MM``, the managers' home.

What the department cost in a month and in the year to date beside what it yielded:

- headline cards: cost, proven yield with its 95% interval, net, ROI, and the unproven lines'
  gross figures apart ("not proven — not counted");
- the cost lines, each with its method and its split per team and per channel;
- the yield lines, each with its gross and incremental figure, its interval, a proven or
  unproven badge (and why), its method, its provenance and a drill-down to its records; the
  save line also counted the seeds' way beside the honest way (point 6);
- the lines against the budget (with a hint how to load one when there is none);
- the trend over twelve months, loaded by htmx after the page (``/pnl/trend``: it runs the
  P&L twelve times, more than two seconds on the demo world);
- CSV: ``/pnl/export.csv`` (every line of the month and the year to date),
  ``/pnl/trend/export.csv``, ``/pnl/budget/export.csv``.

The figures are ``finance/statement.py``'s; this module only shows them. Managers and admins
only, like the other manager pages (it names teams and compares them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from valuecenter.csv_export import cents
from valuecenter.db.base import utcnow
from valuecenter.finance.budget import BudgetLine
from valuecenter.finance.costs import NO_TEAM, CostLine
from valuecenter.finance.ledger import YieldLine
from valuecenter.finance.models import BudgetKind
from valuecenter.finance.pnl import (
    MonthFigures,
    Pnl,
    SeedsFigure,
    latest_month,
    month_bounds,
    seeds_saves,
    trend,
)
from valuecenter.finance.provenance import Fact, provenance
from valuecenter.finance.schemas import plain
from valuecenter.finance.statement import TREND_MONTHS, Statement, statement
from valuecenter.i18n import (
    _,
    format_date,
    format_money,
    format_number,
)
from valuecenter.users.models import Role, User
from valuecenter.web.api.pools import last_month
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import channel_label, chart_config, templates

router = APIRouter()

PATH = "/pnl"
ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

# ---------------------------------------------------------------------- input


def chosen_month(session: Session, value: str | None) -> str:
    """The month asked for (``YYYY-MM``, 2000-01 … 2100-12, else a 422 naming ``month``);
    empty: the last complete month in the data, else the month before today."""
    text = (value or "").strip()
    if not text:
        return latest_month(session) or last_month()
    start, _end = month_bounds(text[:20])
    return f"{start:%Y-%m}"


def shift(month: str, months: int) -> str | None:
    """``month`` moved by ``months``; ``None`` outside 2000-01 … 2100-12 (the bounds)."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1 + months
    moved = f"{index // 12:04d}-{index % 12 + 1:02d}"
    return moved if "2000-01" <= moved <= "2100-12" else None


def month_words(month: str) -> str:
    """'October 2026' / 'oktober 2026'."""
    start, _end = month_bounds(month)
    return format_date(start, fmt="LLLL yyyy")


def ytd_words(month: str) -> str:
    """'Jan – Oct 2026' / 'jan – okt 2026': the year to date of ``month``."""
    start, _end = month_bounds(month)
    if start.month == 1:
        return format_date(start, fmt="LLL yyyy")
    first = format_date(start.replace(month=1), fmt="LLL")
    return f"{first} – {format_date(start, fmt='LLL yyyy')}"


# ---------------------------------------------------------------------- words


def signed_money(value: int | None) -> str:
    """Whole euros with a true minus sign for a loss: '−€2,140' / '€ −2.140'."""
    if value is None:
        return "–"
    return format_money(value, whole=True).replace("-", "−")


def interval_words(interval: tuple[int, int] | None) -> str | None:
    """'€1,200 to €5,400' in the locale (whole euros), or ``None``."""
    if interval is None:
        return None
    low, high = interval
    return _("%(low)s to %(high)s", low=signed_money(low), high=signed_money(high))


def roi_words(roi: float | None) -> str:
    """ROI as a signed percentage: '+84%' / '−100%'; '–' without costs."""
    if roi is None:
        return "–"
    sign = "+" if roi > 0 else "−" if roi < 0 else ""
    return sign + format_number(abs(100 * roi), decimals=0) + "%"


# ---------------------------------------------------------------------- views


@dataclass(frozen=True)
class Split:
    """A cost line's split per team or channel, the month beside the year to date."""

    name: str
    month_cents: int
    ytd_cents: int


def splits(month: Mapping[str, int], ytd: Mapping[str, int], label: str) -> list[Split]:
    keys = sorted(set(month) | set(ytd), key=lambda k: (-ytd.get(k, 0), k))
    out = []
    for key in keys:
        if label == "team":
            name = key if key != NO_TEAM else _("no team")
        else:
            name = channel_label(key) or _("no channel")
        out.append(Split(name, month.get(key, 0), ytd.get(key, 0)))
    return out


@dataclass(frozen=True)
class CostView:
    month: CostLine
    ytd: CostLine
    by_team: list[Split]
    by_channel: list[Split]
    facts: list[Fact]


@dataclass(frozen=True)
class YieldView:
    month: YieldLine
    ytd: YieldLine
    facts: list[Fact]
    ytd_facts: list[Fact]
    month_interval: str | None
    ytd_interval: str | None
    seeds: SeedsFigure | None  # the save line only
    ytd_seeds: SeedsFigure | None


@dataclass(frozen=True)
class Totals:
    """The headline figures of one period in words."""

    cost: str
    proven: str
    proven_interval: str | None
    net: str
    net_sign: str
    roi: str
    unproven: str
    proven_lines: int
    unproven_lines: int


def totals(p: Pnl) -> Totals:
    net = p.net_cents
    return Totals(
        cost=signed_money(p.cost_cents),
        proven=signed_money(p.proven_cents),
        proven_interval=interval_words(p.proven_interval_cents),
        net=signed_money(net),
        net_sign="pos" if net > 0 else "neg" if net < 0 else "",
        roi=roi_words(p.roi),
        unproven=signed_money(p.unproven_gross_cents),
        proven_lines=sum(1 for line in p.yields if line.proven),
        unproven_lines=sum(1 for line in p.yields if not line.proven),
    )


def cost_views(month: Pnl, ytd: Pnl) -> list[CostView]:
    by_key = {line.key: line for line in ytd.costs}
    return [
        CostView(
            month=line,
            ytd=by_key.get(line.key, line),
            by_team=splits(line.by_team, by_key.get(line.key, line).by_team, "team"),
            by_channel=splits(line.by_channel, by_key.get(line.key, line).by_channel, "channel"),
            facts=provenance(line.provenance),
        )
        for line in month.costs
    ]


def yield_views(month: Pnl, ytd: Pnl) -> list[YieldView]:
    by_key = {line.key: line for line in ytd.yields}
    out = []
    for line in month.yields:
        other = by_key.get(line.key, line)
        out.append(
            YieldView(
                month=line,
                ytd=other,
                facts=provenance(line.provenance),
                ytd_facts=provenance(other.provenance),
                month_interval=interval_words(line.interval_cents),
                ytd_interval=interval_words(other.interval_cents),
                seeds=seeds_saves(line) if line.key == "saves" else None,
                ytd_seeds=seeds_saves(other) if line.key == "saves" else None,
            )
        )
    return out


# ---------------------------------------------------------------------- chart


def _line_chart(
    description: str, values: list[dict[str, object]], domain: list[str], colours: list[str]
) -> dict[str, object]:
    month_title = str(_("Month"))
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "config": chart_config(),
        "width": "container",
        "height": 200,
        "data": {"values": values},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {
                "field": "month",
                "type": "ordinal",
                "title": month_title,
                "axis": {"labelAngle": -45},
            },
            "y": {
                "field": "euros",
                "type": "quantitative",
                "title": str(_("Euros")),
                "axis": {"format": "~s"},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": domain, "range": colours},
                "legend": {"orient": "top"},
            },
            "tooltip": [
                {"field": "month", "title": month_title},
                {"field": "series", "title": str(_("Figure"))},
                {"field": "euros", "format": ",.0f", "title": "€"},
            ],
        },
    }


def trend_charts(months: Sequence[MonthFigures]) -> dict[str, object]:
    """Vega-Lite, two charts over the same months (euros): cost against the proven yield, and
    below it the unproven lines' gross figures — on a scale of their own, since they can be a
    hundred times the cost (an account-manager pool's whole revenue), and never added in."""
    cost, proven, unproven = str(_("Cost")), str(_("Proven yield")), str(_("Not proven (gross)"))
    counted = [
        {"month": m.month, "series": series, "euros": value / 100}
        for m in months
        for series, value in ((cost, m.cost_cents), (proven, m.proven_cents))
    ]
    apart = [
        {"month": m.month, "series": unproven, "euros": m.unproven_gross_cents / 100}
        for m in months
    ]
    return {
        "pnl-trend": _line_chart(
            str(_("Cost and proven yield per month")),
            counted,
            [cost, proven],
            ["#b3261e", "#1c7a45"],
        ),
        "pnl-unproven": _line_chart(
            str(_("The unproven lines' gross figures per month: shown, never counted")),
            apart,
            [unproven],
            ["#9aa3b2"],
        ),
    }


# ---------------------------------------------------------------------- pages


def budget_rows(lines: Iterable[BudgetLine]) -> list[tuple[str, list[BudgetLine]]]:
    """The budget lines grouped: costs, then yield targets."""
    lines = list(lines)
    groups = [
        (str(_("Costs")), [b for b in lines if b.kind == BudgetKind.COST]),
        (str(_("Yield targets (proven)")), [b for b in lines if b.kind == BudgetKind.YIELD]),
    ]
    return [(name, rows) for name, rows in groups if rows]


def page_context(s: Statement) -> dict[str, object]:
    return {
        "month": s.month,
        "month_words": month_words(s.month),
        "ytd_words": ytd_words(s.month),
        "previous": shift(s.month, -1),
        "next": shift(s.month, 1),
        "read_at": s.read_at,
        "period": s.period,
        "ytd": s.year_to_date,
        "totals": totals(s.period),
        "ytd_totals": totals(s.year_to_date),
        "costs": cost_views(s.period, s.year_to_date),
        "yields": yield_views(s.period, s.year_to_date),
        "budget": budget_rows(s.budget),
        "signed_money": signed_money,
    }


@router.get(PATH)
def pnl_page(
    request: Request, session: SessionDep, user: ManagerUser, month: str | None = None
) -> Response:
    chosen = chosen_month(session, month)
    # The trend runs the P&L twelve times: the page loads it after itself (/pnl/trend).
    found = statement(session, chosen, trend_months=0)
    return templates.TemplateResponse(
        request,
        "finance/pnl.html",
        {"user": user, "nav": "pnl", **page_context(found)},
    )


@router.get(f"{PATH}/trend")
def trend_fragment(
    request: Request, session: SessionDep, user: ManagerUser, month: str | None = None
) -> Response:
    """The twelve months up to ``month``: chart and table (loaded by htmx after the page)."""
    chosen = chosen_month(session, month)
    start, _end = month_bounds(chosen)
    months = trend(session, start, TREND_MONTHS)
    return templates.TemplateResponse(
        request,
        "finance/_trend.html",
        {
            "user": user,
            "month": chosen,
            "months": months,
            "signed_money": signed_money,
            "trend_specs": trend_charts(months) if months else {},
        },
    )


# ---------------------------------------------------------------------- CSV

LINES_HEADER = [
    "period",
    "start",
    "end",
    "side",
    "line",
    "label",
    "amount_eur",
    "gross_eur",
    "incremental_eur",
    "ci95_low_eur",
    "ci95_high_eur",
    "proven",
    "counted_in_yield",
    "reason",
    "method",
    "records_url",
    "records",
    "provenance",
]


def _json(items: Mapping[str, object]) -> str:
    return json.dumps(plain(items), ensure_ascii=False, sort_keys=True)


def line_rows(s: Statement) -> Iterable[Sequence[object]]:
    """Every cost and yield line of the month and of the year to date (money in euros)."""
    for name, p in (("month", s.period), ("year_to_date", s.year_to_date)):
        for c in p.costs:
            yield [
                name, p.start, p.end, "cost", c.key, c.label, cents(c.cents), None, None, None,
                None, None, None, None, c.method, c.records.url() if c.records else None,
                c.records.count if c.records else None,
                _json({"by_team": dict(c.by_team), "by_channel": dict(c.by_channel),
                       **c.provenance}),
            ]  # fmt: skip
        for y in p.yields:
            low, high = y.interval_cents or (None, None)
            yield [
                name, p.start, p.end, "yield", y.key, y.label, None, cents(y.gross_cents),
                cents(y.incremental_cents), cents(low), cents(high), y.proven, y.proven,
                y.reason, y.method, y.records.url(), y.records.count, _json(y.provenance),
            ]  # fmt: skip
        low, high = p.proven_interval_cents or (None, None)
        yield [
            name, p.start, p.end, "total", "cost", _("Cost"), cents(p.cost_cents),
            *[None] * 11,
        ]  # fmt: skip
        yield [
            name, p.start, p.end, "total", "proven-yield", _("Proven yield"),
            cents(p.proven_cents), None, None, cents(low), cents(high), True, True,
            *[None] * 5,
        ]  # fmt: skip
        yield [
            name, p.start, p.end, "total", "unproven-gross", _("Not proven — not counted"),
            cents(p.unproven_gross_cents), None, None, None, None, False, False, *[None] * 5,
        ]  # fmt: skip
        yield [
            name, p.start, p.end, "total", "net", _("Net"), cents(p.net_cents),
            *[None] * 11,
        ]  # fmt: skip
        yield [
            name, p.start, p.end, "total", "roi", "ROI", None if p.roi is None else round(p.roi, 4),
            *[None] * 11,
        ]  # fmt: skip


@router.get(f"{PATH}/export.csv")
def lines_export(
    request: Request, session: SessionDep, user: ManagerUser, month: str | None = None
) -> Response:
    chosen = chosen_month(session, month)
    as_of = utcnow()
    return csv_download(
        request,
        user,
        name=f"pnl-{chosen}",
        header=LINES_HEADER,
        rows=lambda s, _viewer: line_rows(statement(s, chosen, as_of=as_of, trend_months=0)),
    )


@router.get(f"{PATH}/trend/export.csv")
def trend_export(
    request: Request, session: SessionDep, user: ManagerUser, month: str | None = None
) -> Response:
    chosen = chosen_month(session, month)
    start, _end = month_bounds(chosen)

    def rows(s: Session, _viewer: User) -> Iterable[Sequence[object]]:
        for m in trend(s, start, TREND_MONTHS):
            yield [m.month, cents(m.cost_cents), cents(m.proven_cents),
                   cents(m.unproven_gross_cents), cents(m.proven_cents - m.cost_cents)]  # fmt: skip

    header = ["month", "cost_eur", "proven_yield_eur", "unproven_gross_eur", "net_eur"]
    return csv_download(request, user, name=f"pnl-trend-{chosen}", header=header, rows=rows)


@router.get(f"{PATH}/budget/export.csv")
def budget_export(
    request: Request, session: SessionDep, user: ManagerUser, month: str | None = None
) -> Response:
    chosen = chosen_month(session, month)

    def rows(s: Session, _viewer: User) -> Iterable[Sequence[object]]:
        for b in statement(s, chosen, trend_months=0).budget:
            yield [
                b.line, b.kind.value, b.label, cents(b.year_cents), cents(b.month_budget_cents),
                cents(b.month_actual_cents), cents(b.ytd_budget_cents),
                cents(b.ytd_actual_cents), cents(b.projection_cents),
            ]  # fmt: skip

    header = [
        "line",
        "kind",
        "label",
        "year_budget_eur",
        "month_budget_eur",
        "month_actual_eur",
        "ytd_budget_eur",
        "ytd_actual_eur",
        "projection_eur",
    ]
    return csv_download(request, user, name=f"pnl-budget-{chosen}", header=header, rows=rows)
