"""The save desk and its ledger (issue 7): ``GET/POST /retention/cases``,
``POST /retention/cases/{id}/outcome``, ``GET /retention/ledger`` and ``GET /retention/offers``.

The desk is for agents, managers and admins, and for account managers on their own pool: a
case (or customer) of another pool is 404 exactly like a missing one (the visibility
condition is in the queries, ``retention/desk/listing.py``). The ledger is for managers and admins.
A new case's arm is drawn by the experiments kernel (balanced within each month) with the
setting ``save_control_share``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse

from valuecenter.bounds import IsoDate, PageNumber, PageSize, RowId
from valuecenter.db.base import utcnow
from valuecenter.privacy import audit
from valuecenter.privacy.models import AuditAction, AuditChannel
from valuecenter.retention.desk import export as desk_export
from valuecenter.retention.desk import listing as desk_list
from valuecenter.retention.desk import service as desk
from valuecenter.retention.desk.ledger import ledger as ledger_rows
from valuecenter.retention.desk.schemas import (
    CaseOut,
    CasePage,
    LedgerOut,
    OfferOut,
    OpenCaseIn,
    OutcomeIn,
)
from valuecenter.retention.models import SaveStatus
from valuecenter.retention.offers import active_offers
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import CSV_RESPONSE, csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_roles

router = APIRouter(prefix="/retention", tags=["retention"])

DeskUser = Annotated[
    User,
    Depends(require_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]
ManagerUser = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]

STATUSES: dict[str, SaveStatus | None] = {
    "open": SaveStatus.OPEN,
    "closed": SaveStatus.CLOSED,
    "all": None,
}

Since = Annotated[IsoDate | None, Query(description="Cases closed on or after this day.")]
Until = Annotated[
    IsoDate | None,
    Query(description="Cases closed before this day; at or before `since`: an empty period."),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.get("/cases", response_model=CasePage, responses=_ERRORS)
@lists_customers
def list_cases(
    session: SessionDep,
    user: DeskUser,
    settings: SettingsDep,
    status: Literal["open", "closed", "all"] = "open",
    order: Literal["newest", "value"] = "newest",
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query(description="At most settings.page_size_max.")] = 50,
) -> CasePage:
    """The save cases the caller may see, newest first (or highest value first)."""
    rows, total = desk_list.case_page(
        session,
        user,
        status=STATUSES[status],
        order=order,
        page=page,
        page_size=page_size,
        page_size_max=settings.page_size_max,
    )
    return CasePage(
        items=[CaseOut.of(r) for r in rows], total=total, page=page, page_size=page_size
    )


@router.get(
    "/cases/export.csv", response_class=StreamingResponse, responses={**_ERRORS, **CSV_RESPONSE}
)
@lists_customers
def export_cases(
    request: Request,
    user: DeskUser,
    status: Literal["open", "closed", "all"] = "open",
    order: Literal["newest", "value"] = "newest",
) -> StreamingResponse:
    """Every save case the caller may see with these filters, as CSV, in the list's order."""
    chosen = STATUSES[status]
    return csv_download(
        request,
        user,
        name="save-desk",
        header=desk_export.case_header(),
        rows=lambda session, viewer: desk_export.case_rows(
            session, viewer, status=chosen, order=order
        ),
    )


@router.post(
    "/cases",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ERRORS,
        404: {"description": "No such customer visible to the caller."},
        409: {"description": "The customer already has an open save case."},
    },
)
def open_case(
    session: SessionDep, user: DeskUser, settings: SettingsDep, body: OpenCaseIn
) -> CaseOut:
    """Open a save case for a customer who wants to cancel: his value, risk and reasons are
    frozen, the arm is drawn by the experiments kernel, and a desk case gets a suggested offer."""
    customer = desk_list.visible_customer(session, user, body.customer_id)
    made = desk.open_case(
        session,
        customer.id,
        body.source,
        at=utcnow(),
        control_share=settings.save_control_share,
    )
    # The customer is in the body, not the path: the audit hook cannot see him (web/audit.py).
    audit.record(
        session,
        action=AuditAction.CHANGE,
        channel=AuditChannel.API,
        route="POST /api/v1/retention/cases",
        user_id=user.id,
        customer_id=customer.id,
    )
    return CaseOut.of(desk_list.case_row(session, made))


@router.post(
    "/cases/{case_id}/outcome",
    response_model=CaseOut,
    responses={
        **_ERRORS,
        404: {"description": "No such case visible to the caller."},
        409: {"description": "The case is closed, or a control case was given an offer."},
    },
)
def record_outcome(session: SessionDep, user: DeskUser, case_id: RowId, body: OutcomeIn) -> CaseOut:
    """Close a case with its outcome and the offer given (a control case gets none)."""
    closed = desk.record_outcome(
        session,
        case_id,
        outcome=body.outcome,
        offer_code=body.offer_code,
        user=user,
        note=body.note,
        at=utcnow(),
    )
    return CaseOut.of(desk_list.case_row(session, closed))


@router.get("/ledger", response_model=LedgerOut, responses=_ERRORS)
def ledger(
    session: SessionDep,
    user: ManagerUser,
    settings: SettingsDep,
    by: Literal["month", "agent", "offer"] = "month",
    since: Since = None,
    until: Until = None,
) -> LedgerOut:
    """Gross and incremental saves and save value per month, agent or offer, and the total:
    the desk against its random control group, with 95% intervals."""
    rows = ledger_rows(session, by, since, until)
    return LedgerOut.of(by, since, until, rows, settings.save_control_share)


@router.get(
    "/ledger/export.csv", response_class=StreamingResponse, responses={**_ERRORS, **CSV_RESPONSE}
)
def export_ledger(
    request: Request,
    user: ManagerUser,
    by: Literal["month", "agent", "offer"] = "month",
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """The ledger's rows and its total row, as CSV."""
    return csv_download(
        request,
        user,
        name=f"save-ledger-by-{by}",
        header=desk_export.ledger_header(),
        rows=lambda session, _viewer: desk_export.ledger_rows(session, by, since, until),
    )


@router.get("/offers", response_model=list[OfferOut], responses=_ERRORS)
def offers(session: SessionDep, user: DeskUser) -> list[OfferOut]:
    """The active offers an agent may give, by code."""
    return [OfferOut.of(o) for o in active_offers(session)]
