"""The customer pages: search with live results, and the customer 360 on one screen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from valuecenter.bounds import PageNumber, RowId
from valuecenter.customer360 import listing
from valuecenter.customer360 import service as customer360
from valuecenter.customer360.export import customer_header, customer_rows
from valuecenter.customers import service
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import PageUser, SessionDep
from valuecenter.web.pages.alerts import describe_alert_models
from valuecenter.web.security import home_of, session_user
from valuecenter.web.templating import templates

router = APIRouter()

PAGE_SIZE = 25
TIMELINE_KINDS = ("order", "contact", "survey", "contract", "consent")


def _wants_results_only(request: Request) -> bool:
    """An htmx search update (not a history restore, which needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == "results"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """The user's home page: the service P&L for managers and admins, the customer search for
    everyone else (and the login for a visitor, through it)."""
    return RedirectResponse(home_of(session_user(request, session)), status_code=303)


@router.get("/customers")
@lists_customers
def customer_search(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    country: str | None = None,
    account_manager: str | None = None,
    segment: str | None = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    alerts: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    filters = service.normalize_filters(
        q=q, country=country, segment=segment, account_manager=account_manager
    )
    result = listing.list_scored(
        session,
        viewer=user,
        filters=filters,
        sort=sort,
        open_alerts_only=alerts == "open",
        page=page,
        page_size=PAGE_SIZE,
    )
    context = {"user": user, "filters": filters, "result": result, "sorts": listing.SORTS}
    if _wants_results_only(request):
        response = templates.TemplateResponse(request, "customers/_results.html", context)
    else:
        context["options"] = service.filter_options(session, viewer=user)
        context["pool"] = service.pool_of(session, viewer=user)
        response = templates.TemplateResponse(request, "customers/search.html", context)
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


@router.get("/customers/export.csv")
@lists_customers
def customer_export(
    request: Request,
    user: PageUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    country: str | None = None,
    account_manager: str | None = None,
    segment: str | None = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    alerts: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Every customer of the list with the page's filters, open-alerts filter and sort (the
    query of its "CSV" link), as CSV."""
    filters = service.normalize_filters(
        q=q, country=country, segment=segment, account_manager=account_manager
    )
    key = listing.check_sort(sort)
    return csv_download(
        request,
        user,
        name="customers",
        header=customer_header(),
        rows=lambda session, viewer: customer_rows(
            session, viewer, filters, sort=key, open_alerts_only=alerts == "open"
        ),
    )


@router.get("/customers/{customer_id}")
def customer_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    customer_id: RowId,
    show: str | None = None,
    gdpr: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    c360 = customer360.customer_360(session, viewer=user, customer_id=customer_id)
    entries = customer360.timeline(c360)
    counts = {kind: sum(1 for e in entries if e.kind == kind) for kind in TIMELINE_KINDS}
    kind = show if show in TIMELINE_KINDS else None
    if kind:
        entries = [e for e in entries if e.kind == kind]
    return templates.TemplateResponse(
        request,
        "customers/detail.html",
        {
            "user": user,
            "c": c360,
            "timeline": entries,
            "counts": counts,
            "show": kind,
            "gdpr_done": gdpr if gdpr in ("objected", "erased") else None,
            "risk_models": describe_alert_models(c360.risk.alert_models) if c360.risk else "",
        },
    )
