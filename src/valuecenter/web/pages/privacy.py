"""The admin's GDPR actions on the customer page — the export as a zip (art. 15), the objection
to direct marketing (art. 21), the erasure (art. 17) — and the audit log page with its CSV.

Each action writes its own audit entry (export, object, erase); the route hook of
``web/audit.py`` stands aside for them (``@audits_itself``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from valuecenter.customers.models import Customer
from valuecenter.customers.reference import customer_id_of
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.privacy import audit
from valuecenter.privacy.erasure import erase
from valuecenter.privacy.export import collect, zip_bytes
from valuecenter.privacy.models import AuditAction, AuditChannel
from valuecenter.privacy.objection import record_objection
from valuecenter.users.models import Role, User
from valuecenter.web.audit import audits_itself
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

Admin = Annotated[User, Depends(require_page_roles(Role.ADMIN))]
PAGE_SIZE = 50
ACTIONS = tuple(a.value for a in AuditAction)


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("no customer %(id)s", id=customer_id))
    return customer


def _log(session: Session, user: User, action: AuditAction, route: str, customer_id: int) -> None:
    audit.record(
        session,
        action=action,
        channel=AuditChannel.PAGE,
        route=route,
        user_id=user.id,
        customer_id=customer_id,
    )


@router.get("/customers/{customer_id}/gdpr/export.zip")
@audits_itself
def export_zip(session: SessionDep, user: Admin, customer_id: int) -> Response:
    """Everything the product holds about the customer: customer.json and one CSV per table."""
    data = collect(session, customer_id)
    _log(
        session,
        user,
        AuditAction.EXPORT,
        "GET /customers/{customer_id}/gdpr/export.zip",
        customer_id,
    )
    name = f"gdpr-{customer_id}-{datetime.now(UTC):%Y%m%d}.zip"
    return Response(
        zip_bytes(data),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/customers/{customer_id}/gdpr/objection")
@audits_itself
def objection(session: SessionDep, user: Admin, customer_id: int) -> Response:
    """Record his objection to direct marketing: marketing withdrawn on every channel."""
    _customer(session, customer_id)
    record_objection(session, customer_id, viewer=user)
    _log(
        session,
        user,
        AuditAction.OBJECT,
        "POST /customers/{customer_id}/gdpr/objection",
        customer_id,
    )
    return RedirectResponse(f"/customers/{customer_id}?gdpr=objected", status_code=303)


@router.post("/customers/{customer_id}/gdpr/erase")
@audits_itself
def erase_page(
    session: SessionDep,
    user: Admin,
    customer_id: int,
    confirm: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Erase his personal data; the form must repeat his customer number."""
    customer = _customer(session, customer_id)
    if confirm.strip().upper() != customer.external_id.upper():
        raise InvalidInput(
            "confirm",
            _("type the customer number %(number)s to confirm", number=customer.external_id),
        )
    erase(session, customer_id)
    _log(session, user, AuditAction.ERASE, "POST /customers/{customer_id}/gdpr/erase", customer_id)
    return RedirectResponse(f"/customers/{customer_id}?gdpr=erased", status_code=303)


def _filters(
    session: Session, customer: str | None, action: str | None
) -> tuple[int | None, str | None]:
    customer_id = customer_id_of(session, customer, field="customer") if customer else None
    if action and action not in ACTIONS:
        raise InvalidInput(
            "action",
            _("'%(value)s' is not one of %(choices)s", value=action, choices=", ".join(ACTIONS)),
        )
    return customer_id, action or None


@router.get("/admin/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: Admin,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, lt=2**63)] = 1,
) -> Response:
    """Who read, exported, changed or erased which customer's data, newest first."""
    customer_id, chosen = _filters(session, customer, action)
    result = audit.entries(session, customer_id=customer_id, action=chosen, page=page,
                           page_size=PAGE_SIZE)  # fmt: skip
    return templates.TemplateResponse(
        request,
        "privacy/audit.html",
        {
            "user": user,
            "result": result,
            "customer": customer or "",
            "action": chosen or "",
            "actions": ACTIONS,
        },
    )


@router.get("/admin/audit/export.csv")
def audit_export(
    request: Request,
    session: SessionDep,
    user: Admin,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
) -> StreamingResponse:
    """The whole audit log with the page's filters, as CSV."""
    customer_id, chosen = _filters(session, customer, action)
    return csv_download(
        request,
        user,
        name="audit-log",
        header=audit.HEADER,
        rows=lambda s, _viewer: audit.csv_rows(s, customer_id=customer_id, action=chosen),
    )
