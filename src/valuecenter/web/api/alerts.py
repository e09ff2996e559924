"""The alerts inbox (issue 6): ``GET /alerts``, ``POST /alerts/{id}/handle``,
``GET /alerts/market-dips`` and ``GET /alerts/precision``.

Account managers, managers and admins use the inbox; an account manager sees and handles only
the alerts of his own pool, and another pool's alert is 404 exactly like a missing one
(alerts/repository.py). Agents have the customer 360, not the inbox (403). Market dips and
the alert precision are for managers and admins: a dip is reported once to them, not as
alerts to the account managers (C9–C11).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from valuecenter.alerts import inbox
from valuecenter.alerts.export import alert_header, alert_rows
from valuecenter.alerts.handling import handle_alert
from valuecenter.alerts.models import AlertKind, AlertStatus
from valuecenter.alerts.schemas import AlertOut, AlertPage, HandleIn, MarketDipOut, PrecisionOut
from valuecenter.bounds import IsoDate, PageNumber, PageSize, RowId
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import CSV_RESPONSE, csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_roles

router = APIRouter(prefix="/alerts", tags=["alerts"])

InboxUser = Annotated[User, Depends(require_roles(Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN))]
ManagerUser = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]

STATUSES: dict[str, AlertStatus | None] = {
    "open": AlertStatus.OPEN,
    "handled": AlertStatus.HANDLED,
    "all": None,
}

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.get("", response_model=AlertPage, responses=_ERRORS)
@lists_customers
def list_alerts(
    session: SessionDep,
    user: InboxUser,
    settings: SettingsDep,
    status: Literal["open", "handled", "all"] = "open",
    kind: AlertKind | None = None,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query(description="At most settings.page_size_max.")] = 50,
) -> AlertPage:
    """The caller's alerts, highest value at risk (risk × CLV) first, with the latest run."""
    return inbox.alert_page(
        session,
        user,
        status=STATUSES[status],
        kind=kind,
        page=page,
        page_size=page_size,
        page_size_max=settings.page_size_max,
    )


@router.get("/export.csv", response_class=StreamingResponse, responses={**_ERRORS, **CSV_RESPONSE})
@lists_customers
def export_alerts(
    request: Request,
    user: InboxUser,
    status: Literal["open", "handled", "all"] = "open",
    kind: AlertKind | None = None,
) -> StreamingResponse:
    """Every alert of the caller's inbox with these filters, as CSV (highest value at risk
    first)."""
    chosen = STATUSES[status]
    return csv_download(
        request,
        user,
        name="alerts",
        header=alert_header(),
        rows=lambda session, viewer: alert_rows(session, viewer, status=chosen, kind=kind),
    )


@router.get("/market-dips", response_model=list[MarketDipOut], responses=_ERRORS)
def list_market_dips(
    session: SessionDep,
    user: ManagerUser,
    since: Annotated[
        IsoDate | None, Query(description="Only dips seen on or after this day.")
    ] = None,
) -> list[MarketDipOut]:
    """Markets ordering clearly below their customers' own rhythms, each dip once, the most
    recently seen first."""
    return inbox.market_dips_out(session, since=since)


@router.get("/precision", response_model=PrecisionOut, responses=_ERRORS)
def precision(
    session: SessionDep,
    user: ManagerUser,
    min_age_days: Annotated[int, Query(ge=0, le=3650)] = 90,
) -> PrecisionOut:
    """Of the alerts raised at least ``min_age_days`` before the latest alert run's as_of:
    how many customers left, how many were kept, how many were false alarms — per kind and
    month raised. Precision = (left + kept) / alerts."""
    return inbox.precision_out(session, user, min_age_days=min_age_days)


@router.post(
    "/{alert_id}/handle",
    response_model=AlertOut,
    responses={
        **_ERRORS,
        404: {"description": "No such alert visible to the caller."},
        409: {"description": "The alert was already handled."},
    },
)
def handle(session: SessionDep, user: InboxUser, alert_id: RowId, body: HandleIn) -> AlertOut:
    """Mark an open alert handled with what the account manager found (and a note)."""
    alert = handle_alert(session, user, alert_id, body.outcome.value, body.note)
    return inbox.alert_out(session, alert)
