"""The save-value ledger page (issue 7, C13), for managers: what the save desk kept, with the
gross figure — customers kept × their value, most of whom would have stayed anyway — always
beside the **incremental** one, the saves beyond the random control group's keep rate with
its 95% interval; then the offers' cost and the net incremental value.

A monthly Vega-Lite chart (gross and incremental save value, the interval as error bars) and a
table per month, agent or offer. Agent and offer rows are not randomised comparisons and say
so. The estimator, its intervals and why an interval may be missing are
``analytics/ledger.py``'s (with their sources: Imbens & Rubin 2015, ch. 6, for the standard
error of a randomised difference in means) and ``retention/desk/ledger.py``'s; this page only
shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated

from babel.support import LazyProxy
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from valuecenter.analytics.ledger import Incremental
from valuecenter.analytics.message import shown as reason_shown
from valuecenter.bounds import parse_day
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_date, format_money, format_number, lazy_gettext
from valuecenter.retention.desk.export import ledger_header, ledger_rows
from valuecenter.retention.desk.ledger import BY, By, LedgerRow, ledger
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_page_roles
from valuecenter.web.pages.retention_desk import control_words
from valuecenter.web.templating import chart_config, templates

router = APIRouter()

ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]
BY_LABELS: dict[By, LazyProxy] = {
    "month": lazy_gettext("Month"),
    "agent": lazy_gettext("Agent"),
    "offer": lazy_gettext("Offer given"),
}
NOT_RANDOMISED = {
    "agent": lazy_gettext(
        "Agent rows are not randomised comparisons: each compares one agent's desk cases "
        "with every control case of the period. The draw split desk from control, not one "
        "agent's cases from the rest, so a row mixes the agent's effect with the callers he "
        "happened to get."
    ),
    "offer": lazy_gettext(
        "Offer rows are not randomised comparisons: each compares the desk cases given one "
        "offer with every control case of the period. The suggestion gives offers to the "
        "callers it picks (the most valuable ones, whose keep rate differs anyway), so a row "
        "mixes the offer's effect with who was given it."
    ),
}
GROSS = lazy_gettext("Gross save value")
INCREMENTAL = lazy_gettext("Incremental save value")


@dataclass(frozen=True)
class Shown:
    """An incremental figure for the page: the estimate, its 95% interval, or why not."""

    estimate: str
    low: str | None
    high: str | None
    reason: str | None
    # "pos" / "neg" when the whole interval is above / below zero (green / red), else "": an
    # estimate whose interval straddles zero (or that has none) is not coloured as a result.
    sign: str


def _saves(x: float) -> str:
    """Signed, one decimal, in the locale: nl '+10,3', en '+10.3'."""
    return ("+" if x >= 0 else "-") + format_number(abs(x), decimals=1)


def _euros(x: float) -> str:
    return format_money(round(x), whole=True)


def shown(figure: Incremental, money: bool) -> Shown:
    """``figure`` in words: "+10.3" / "€ 9.803", the interval's ends, or the reason."""
    fmt = _euros if money else _saves
    if figure.estimate is None:
        return Shown("–", None, None, reason_shown(figure.reason), "")
    if figure.low is None or figure.high is None:
        return Shown(fmt(figure.estimate), None, None, reason_shown(figure.reason), "")
    sign = "pos" if figure.low > 0 else "neg" if figure.high < 0 else ""
    return Shown(fmt(figure.estimate), fmt(figure.low), fmt(figure.high), None, sign)


@dataclass(frozen=True)
class RowView:
    row: LedgerRow
    saves: Shown
    value: Shown
    net: Shown

    @property
    def reasons(self) -> list[str]:
        """Why a figure of the row has no interval (or no estimate), each reason once; the
        saves and the value may differ (every desk case kept: no spread in the saves, but
        the values kept still vary)."""
        saves, value = self.saves.reason, self.value.reason
        if saves == value:
            return [saves] if saves else []
        parts = ((_("saves"), saves), (_("value"), value))
        return [f"{what}: {why}" for what, why in parts if why]


def _view(row: LedgerRow) -> RowView:
    """A row's figures in words; a row that is not a randomised comparison is never coloured
    as a result, whatever its interval."""
    views = [
        shown(row.incremental_saves, money=False),
        shown(row.incremental_value_cents, money=True),
        shown(row.net_incremental_value_cents, money=True),
    ]
    if not row.randomised:
        views = [replace(v, sign="") for v in views]
    saves, value, net = views
    return RowView(row=row, saves=saves, value=value, net=net)


def _day(field: str, value: str | None) -> date | None:
    """A day from the query string (YYYY-MM-DD); empty means none."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise InvalidInput(field, f"'{value}' is not a day (YYYY-MM-DD)") from None


def _by(value: str | None) -> By:
    chosen = next((b for b in BY if b == (value or "month")), None)
    if chosen is None:
        raise InvalidInput("by", f"'{value}' is not one of {', '.join(BY)}")
    return chosen


def chart_spec(months: list[LedgerRow]) -> dict[str, object]:
    """Vega-Lite: per month, a bar of the gross save value beside a bar of the incremental
    save value, the incremental one with its 95% interval as an error bar (data inline;
    rendered by static/charts.js). Euros, not cents."""
    gross, incremental = str(GROSS), str(INCREMENTAL)
    values: list[dict[str, object]] = []
    for m in months:
        inc = m.incremental_value_cents
        values.append({"month": m.key, "measure": gross, "euros": m.gross_value_cents / 100})
        values.append(
            {
                "month": m.key,
                "measure": incremental,
                "euros": None if inc.estimate is None else inc.estimate / 100,
                "low": None if inc.low is None else inc.low / 100,
                "high": None if inc.high is None else inc.high / 100,
                "interval": _("95%% interval")
                if inc.low is not None
                else (reason_shown(inc.reason) or _("no interval")),
            }
        )
    x = {
        "field": "month",
        "type": "ordinal",
        "title": _("Month the cases closed"),
        "axis": {"labelAngle": 0},
    }
    offset = {"field": "measure", "sort": [gross, incremental]}
    tooltip = [
        {"field": "month", "title": _("month")},
        {"field": "measure", "title": _("figure")},
        {"field": "euros", "format": ",.0f", "title": "€"},
        {"field": "low", "format": ",.0f", "title": _("95%% low €")},
        {"field": "high", "format": ",.0f", "title": _("95%% high €")},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Gross and incremental save value per month, with the 95%% interval"),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "encoding": {"x": x, "xOffset": offset},
        "layer": [
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "y": {
                        "field": "euros",
                        "type": "quantitative",
                        "title": _("Save value (€)"),
                        "axis": {"format": "~s"},
                    },
                    "color": {
                        "field": "measure",
                        "type": "nominal",
                        "scale": {"domain": [gross, incremental], "range": ["#9bb7cf", "#1c5d8c"]},
                        "legend": {"orient": "top", "title": None},
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "isValid(datum.low)"}],
                "mark": {"type": "rule", "color": "#1b2230", "strokeWidth": 1.5},
                "encoding": {
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "isValid(datum.low)"}],
                "mark": {"type": "tick", "color": "#1b2230", "thickness": 1.5},
                "encoding": {"y": {"field": "low", "type": "quantitative"}},
            },
            {
                "transform": [{"filter": "isValid(datum.high)"}],
                "mark": {"type": "tick", "color": "#1b2230", "thickness": 1.5},
                "encoding": {"y": {"field": "high", "type": "quantitative"}},
            },
        ],
    }


def _period(since: date | None, until: date | None, months: list[LedgerRow]) -> str:
    """The period in words: the filter's days, else the first and last month with cases."""
    if since is not None and until is not None:
        return _(
            "cases closed from %(since)s, before %(until)s",
            since=format_date(since),
            until=format_date(until),
        )
    if since is not None:
        return _("cases closed from %(since)s on", since=format_date(since))
    if until is not None:
        return _("cases closed before %(until)s", until=format_date(until))
    if months:
        first, last = months[0].key, months[-1].key
        if first == last:
            return _("cases closed in %(month)s", month=first)
        return _("cases closed %(first)s to %(last)s", first=first, last=last)
    return _("no closed cases")


def month_cases_url(key: str) -> str:
    """The save desk's list of the cases closed in the month ``key`` (YYYY-MM)."""
    year, month = int(key[:4]), int(key[5:7])
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return f"/retention/desk?status=closed&since={start.isoformat()}&until={end.isoformat()}"


def cases_url(since: date | None, until: date | None) -> str:
    """The save desk's list of the cases closed in the ledger's period."""
    query = "".join(
        f"&{name}={day.isoformat()}" for name, day in (("since", since), ("until", until)) if day
    )
    return f"/retention/desk?status=closed{query}"


@router.get("/retention/ledger/export.csv")
def ledger_export(
    request: Request,
    user: ManagerUser,
    by: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """The ledger with the page's grouping and period, its total row last, as CSV."""
    grouping = _by(by)
    first, last = _day("since", since), _day("until", until)
    return csv_download(
        request,
        user,
        name=f"save-ledger-by-{grouping}",
        header=ledger_header(),
        rows=lambda session, _viewer: ledger_rows(session, grouping, first, last),
    )


@router.get("/retention/ledger")
def ledger_page(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    settings: SettingsDep,
    by: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    grouping = _by(by)
    first, last = _day("since", since), _day("until", until)
    by_month = ledger(session, "month", first, last)
    months = by_month[:-1]
    rows = by_month if grouping == "month" else ledger(session, grouping, first, last)
    *body, total = rows
    return templates.TemplateResponse(
        request,
        "retention/ledger.html",
        {
            "user": user,
            "by": grouping,
            "by_labels": BY_LABELS,
            "since": first,
            "until": last,
            "rows": [_view(r) for r in body],
            "total": _view(total),
            "not_randomised": NOT_RANDOMISED.get(grouping),
            "period": _period(first, last, months),
            "control_words": control_words(settings.save_control_share),
            "charts": {"ledger": chart_spec(months)} if months else {},
            "cases_url": cases_url(first, last),
            "month_cases_url": month_cases_url,
        },
    )
