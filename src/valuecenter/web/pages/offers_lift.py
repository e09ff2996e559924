"""The next-best-action lift ledger page (issue 19), for managers: per offer and month, what the
customers the engine could show the offer to bought of it, in the engine's arm beside the
month's random control group — the **incremental** sales and purchases with their 95%
interval, or the reason none can honestly be given, and always the smallest incremental sales
the control group could detect. A table per offer and month, the month totals and the total,
with the control experiments and the control share they came from; a CSV export of all rows.

The estimator and its intervals are ``analytics/experiments/lift.py``'s, who is compared with
whom is ``offers/lift_ledger.py``'s; this page only shows them (the figures in words reuse the
save-value ledger page's ``shown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from valuecenter.analytics.message import shown as reason_shown
from valuecenter.i18n import _, format_date, format_money
from valuecenter.offers.lift_ledger import LiftRow, export_header, export_rows, lift_ledger
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.pages.retention_ledger import Shown, _day, shown
from valuecenter.web.templating import templates

router = APIRouter()

ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]


@dataclass(frozen=True)
class RowView:
    row: LiftRow
    sales: Shown
    purchases: Shown
    mde: str
    mde_reason: str | None

    @property
    def reasons(self) -> list[str]:
        """Why a figure of the row has no interval, each reason once."""
        sales, purchases = self.sales.reason, self.purchases.reason
        if sales == purchases:
            return [sales] if sales else []
        parts = ((_("sales"), sales), (_("purchases"), purchases))
        return [f"{what}: {why}" for what, why in parts if why]


def _view(row: LiftRow) -> RowView:
    mde = row.sales.mde
    return RowView(
        row=row,
        sales=shown(row.sales.incremental, money=True),
        purchases=shown(row.purchases.incremental, money=False),
        mde="–" if mde is None else format_money(round(mde), whole=True),
        mde_reason=reason_shown(row.sales.mde_reason),
    )


def _period(first: date | None, last: date | None, months: list[str]) -> str:
    """The period in words: the filter's days, else the first and last month decided."""
    if first is not None and last is not None:
        return _(
            "decisions from %(since)s, before %(until)s",
            since=format_date(first),
            until=format_date(last),
        )
    if first is not None:
        return _("decisions from %(since)s on", since=format_date(first))
    if last is not None:
        return _("decisions before %(until)s", until=format_date(last))
    if months:
        return _("decisions %(first)s to %(last)s", first=months[0], last=months[-1])
    return _("no decisions")


@router.get("/offers/lift/export.csv")
def lift_export(
    request: Request, user: ManagerUser, since: str | None = None, until: str | None = None
) -> Response:
    """The ledger of the page's period: offer-month rows, month rows and the total, as CSV."""
    first, last = _day("since", since), _day("until", until)
    return csv_download(
        request,
        user,
        name="nba-lift-ledger",
        header=export_header(),
        rows=lambda session, _viewer: export_rows(session, first, last),
    )


@router.get("/offers/lift")
def lift_page(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    first, last = _day("since", since), _day("until", until)
    ledger = lift_ledger(session, first, last)
    months = [r.month for r in ledger.months if r.month]
    return templates.TemplateResponse(
        request,
        "offers/lift.html",
        {
            "user": user,
            "since": first,
            "until": last,
            "rows": [_view(r) for r in ledger.rows],
            "months": [_view(r) for r in ledger.months],
            "total": _view(ledger.total),
            "period": _period(first, last, months),
            "experiments": [f"nba-control:{m}" for m in months],
            "control_share_setting": ledger.control_share_setting,
        },
    )
