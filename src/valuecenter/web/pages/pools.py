"""The account-manager cockpit pages (issue 22, point 2).

- ``/pools/cockpit``: one AM's month — pool revenue, revenue retention of his best customers,
  sales, cross/up-sell after service contacts, NPS, open alerts and tasks — each beside the
  median of his market's AMs and of all AMs, with where it came from; and, where the
  next-best-action control group exists, treated against control in his pool. An account
  manager sees only his own; a manager or admin picks an AM.
- ``/pools``: the managers' overview, every active AM's figures, with a CSV export.

The figures are ``pools/metrics.py``'s and ``pools/cockpit.py``'s (docs/pools.md); this
module only puts them into words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated

from babel.support import LazyProxy
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.bounds import RowId
from valuecenter.csv_export import cents
from valuecenter.customers.models import AccountManager
from valuecenter.customers.repository import pool_of
from valuecenter.i18n import (
    _,
    format_date,
    format_money,
    format_number,
    format_percent,
    lazy_gettext,
)
from valuecenter.pools.cockpit import Cockpit, ControlComparison, cockpit, figure, overview
from valuecenter.pools.metrics import AmMetrics, Period
from valuecenter.users.models import Role, User
from valuecenter.web.api.pools import MONTH_PATTERN, last_month, month_period
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

CockpitUser = Annotated[
    User, Depends(require_page_roles(Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN))
]
ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]

LOWER_IS_BETTER = frozenset({"open_alerts", "open_tasks"})


def month_name(period: Period) -> str:
    """nl 'oktober 2026', en 'October 2026' (a calendar month), else the period's days."""
    if period.is_month:
        return format_date(period.start, fmt="LLLL y")
    return period.label


def _money(x: float | None) -> str:
    return format_money(x, whole=True)


def _money_nb(x: float | None) -> str:
    """Money in running text: never broken between the sign and the amount."""
    return _money(x).replace(" ", "\u00a0")


def _share(x: float | None) -> str:
    return "–" if x is None else format_percent(x)


def _count(x: float | None) -> str:
    return "–" if x is None else format_number(round(x))


def _nps(x: float | None) -> str:
    return "–" if x is None else format_number(x, decimals=0)


FORMATS = {
    "revenue_cents": _money,
    "previous_revenue_cents": _money,
    "top_retention": _share,
    "sales_cents": _money,
    "service_sales_cents": _money,
    "acceptance": _share,
    "offers_made": _count,
    "offers_accepted": _count,
    "customers": _count,
    "nps": _nps,
    "open_alerts": _count,
    "open_tasks": _count,
}


@dataclass(frozen=True)
class FigureView:
    """One card: the AM's figure, his peers' two medians, a note and where it came from."""

    key: str
    label: LazyProxy | str
    value: str
    market_median: str
    all_median: str
    note: str
    source: str
    versus: str  # "pos" / "neg": better / worse than his market's median, else ""


def _versus(key: str, mine: float | None, median: float | None) -> str:
    if mine is None or median is None or mine == median:
        return ""
    better = mine < median if key in LOWER_IS_BETTER else mine > median
    return "pos" if better else "neg"


def _card(
    c: Cockpit, key: str, label: LazyProxy | str, note: str, source: str, shown: str | None = None
) -> FigureView:
    fmt = FORMATS[key]
    mine = figure(c.me, key)
    market = c.peers.market_median[key]
    return FigureView(
        key=key,
        label=label,
        value=shown if shown is not None else fmt(mine),
        market_median=fmt(market),
        all_median=fmt(c.peers.all_median[key]),
        note=note,
        source=source,
        versus=_versus(key, mine, market),
    )


def cards(c: Cockpit) -> list[FigureView]:
    """The cockpit's figures in words, in the order the page shows them."""
    m = c.me
    before = month_name(c.previous)
    retention_note = (
        _(
            "top %(n)s customers of %(month)s: %(before)s → %(now)s",
            n=format_number(m.top_customers),
            month=before,
            before=_money_nb(m.top_previous_cents),
            now=_money_nb(m.top_current_cents),
        )
        if m.top_customers
        else _("no customer of his pool bought in %(month)s", month=before)
    )
    return [
        _card(
            c,
            "revenue_cents",
            lazy_gettext("Pool revenue"),
            _(
                "%(month)s: %(amount)s",
                month=before,
                amount=_money_nb(m.previous_revenue_cents),
            ),
            _("order lines of his %(n)s pool customers' orders", n=format_number(m.customers)),
        ),
        _card(
            c,
            "top_retention",
            lazy_gettext("Revenue retention of the best customers"),
            retention_note,
            _(
                "his top 20%% customers by revenue of %(month)s; their revenue now ÷ then",
                month=before,
            ),
        ),
        _card(
            c,
            "sales_cents",
            lazy_gettext("Sales from offers"),
            _(
                "%(accepted)s of %(made)s offers accepted (%(share)s)",
                accepted=format_number(m.offers_accepted),
                made=format_number(m.offers_made),
                share=_share(figure(m, "acceptance")),
            ),
            _("value of the accepted next-best-action offers (the catalogue's value)"),
        ),
        _card(
            c,
            "service_sales_cents",
            lazy_gettext("Cross- and up-sell after service"),
            _("orders within 14 days after an inbound contact"),
            _("only products the customer had not bought in the year before the contact"),
        ),
        _card(
            c,
            "nps",
            lazy_gettext("NPS"),
            _("%(n)s answers", n=format_number(m.nps_answers)),
            _("his pool's survey answers: % 9–10 minus % 0–6"),
        ),
        _card(
            c,
            "open_alerts",
            lazy_gettext("Open alerts"),
            "",
            _("alerts of his pool not handled yet, today"),
        ),
        _card(
            c,
            "open_tasks",
            lazy_gettext("Open follow-up tasks"),
            "",
            _("call-backs to detractors of his pool still open, today"),
        ),
    ]


@dataclass(frozen=True)
class ControlRow:
    label: LazyProxy | str
    treated: str
    control: str


def control_rows(c: ControlComparison) -> list[ControlRow]:
    t, k = c.treated, c.control
    return [
        ControlRow(
            lazy_gettext("Customers with a decision"), _count(t.customers), _count(k.customers)
        ),
        ControlRow(lazy_gettext("Decisions"), _count(t.decisions), _count(k.decisions)),
        ControlRow(
            lazy_gettext("Accepted offers per customer"),
            _ratio(t.accepted_per_customer),
            _ratio(k.accepted_per_customer),
        ),
        ControlRow(
            lazy_gettext("Offer value per customer"),
            _money(t.sales_per_customer),
            _money(k.sales_per_customer),
        ),
        ControlRow(
            lazy_gettext("Revenue per customer"),
            _money(t.revenue_per_customer),
            _money(k.revenue_per_customer),
        ),
    ]


def _ratio(x: float | None) -> str:
    return "–" if x is None else format_number(x, decimals=2)


def _active_ams(session: Session) -> list[AccountManager]:
    return list(
        session.scalars(
            select(AccountManager)
            .where(AccountManager.active.is_(True))
            .order_by(AccountManager.country, AccountManager.code)
        )
    )


@router.get("/pools/cockpit")
def cockpit_page(
    request: Request,
    session: SessionDep,
    user: CockpitUser,
    month: Month = None,
    account_manager_id: Annotated[RowId | None, Query()] = None,
) -> Response:
    period = month_period(month)
    managing = user.role in (Role.MANAGER, Role.ADMIN)
    context: dict[str, object] = {
        "user": user,
        "nav": "pools",
        "month": f"{period.start:%Y-%m}" if period.is_month else last_month(),
        "month_name": month_name(period),
        "managing": managing,
        "ams": _active_ams(session) if managing else [],
        "chosen": account_manager_id,
        "c": None,
    }
    if managing and account_manager_id is None:
        return templates.TemplateResponse(request, "pools/cockpit.html", context)
    if not managing and pool_of(session, user) is None:
        context["no_pool"] = True
        return templates.TemplateResponse(request, "pools/cockpit.html", context)
    c = cockpit(session, user, period, account_manager_id)
    context.update(
        c=c,
        chosen=c.me.account_manager_id,
        previous_name=month_name(c.previous),
        cards=cards(c),
        control=None if c.control is None else control_rows(c.control),
        difference=None if c.control is None else _money(c.control.revenue_difference),
        control_groups=[
            (key, format_percent(share, decimals=1))
            for key, share in (c.control.experiments if c.control else [])
        ],
    )
    return templates.TemplateResponse(request, "pools/cockpit.html", context)


@router.get("/pools")
def pools_page(
    request: Request, session: SessionDep, user: CockpitUser, month: Month = None
) -> Response:
    if user.role == Role.ACCOUNT_MANAGER:
        target = "/pools/cockpit" + (f"?month={month}" if month else "")
        return RedirectResponse(target, status_code=303)
    period = month_period(month)
    view = overview(session, user, period)
    return templates.TemplateResponse(
        request,
        "pools/overview.html",
        {
            "user": user,
            "nav": "pools",
            "month": f"{period.start:%Y-%m}",
            "month_name": month_name(period),
            "previous_name": month_name(period.previous()),
            "rows": [(r, _row_view(r)) for r in view.rows],
            "median": {k: FORMATS[k](v) for k, v in view.all_median.items()},
        },
    )


def _row_view(r: AmMetrics) -> dict[str, str]:
    return {k: FORMATS[k](figure(r, k)) for k in FORMATS}


CSV_HEADER = (
    "month",
    "account_manager_id",
    "code",
    "name",
    "market",
    "customers",
    "revenue",
    "previous_revenue",
    "top_customers",
    "top_previous_revenue",
    "top_current_revenue",
    "top_retention",
    "offers_made",
    "offers_accepted",
    "sales",
    "service_sales",
    "nps",
    "nps_answers",
    "open_alerts",
    "open_tasks",
)


def csv_rows(rows: Sequence[AmMetrics], period: Period) -> Iterator[list[object]]:
    for r in rows:
        yield [
            period.label,
            r.account_manager_id,
            r.code,
            r.name,
            r.country,
            r.customers,
            cents(r.revenue_cents),
            cents(r.previous_revenue_cents),
            r.top_customers,
            cents(r.top_previous_cents),
            cents(r.top_current_cents),
            None if r.top_retention is None else round(r.top_retention, 4),
            r.offers_made,
            r.offers_accepted,
            cents(r.sales_cents),
            cents(r.service_sales_cents),
            None if r.nps is None else round(r.nps, 1),
            r.nps_answers,
            r.open_alerts,
            r.open_tasks,
        ]


@router.get("/pools/export.csv")
def pools_export(request: Request, user: ManagerUser, month: Month = None) -> Response:
    """Every active AM's figures of the month as CSV (the overview's list)."""
    period = month_period(month)  # a wrong month is refused before the file starts
    return csv_download(
        request,
        user,
        name=f"pools-{period.label}",
        header=CSV_HEADER,
        rows=lambda s, viewer: csv_rows(overview(s, viewer, period).rows, period),
    )
