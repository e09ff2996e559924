"""``GET /customers`` (search, filter, page) and ``GET /customers/{id}`` (the 360).

An account manager sees only his own pool: filters narrow that set, never widen it, and a
customer outside it is 404 exactly like a missing one (customers/repository.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from valuecenter.bounds import PageNumber, PageSize, RowId
from valuecenter.customer360 import listing
from valuecenter.customer360 import service as customer360
from valuecenter.customer360.export import customer_header, customer_rows
from valuecenter.customer360.listing import ScoredCustomerPage, SortKey
from valuecenter.customer360.schemas import Customer360
from valuecenter.customers import service
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import CSV_RESPONSE, csv_download
from valuecenter.web.deps import CurrentUser, SessionDep, SettingsDep

router = APIRouter(prefix="/customers", tags=["customers"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.get("", response_model=ScoredCustomerPage, responses=_ERRORS)
@lists_customers
def list_customers(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query(description="At most settings.page_size_max.")] = 50,
    q: Annotated[
        str | None, Query(description="Customer id (exact or prefix) or part of the name.")
    ] = None,
    country: str | None = None,
    segment: str | None = None,
    account_manager: Annotated[str | None, Query(description="Account manager code.")] = None,
    sort: Annotated[
        SortKey | None,
        Query(description="name (default), value-segment, clv or risk (highest first)."),
    ] = None,
    open_alerts: Annotated[bool, Query(description="Only customers with an open alert.")] = False,
) -> ScoredCustomerPage:
    """The customers the caller may see with their value segment, CLV (latest score run) and
    risk (open alerts), ordered by ``sort``."""
    filters = service.normalize_filters(
        q=q, country=country, segment=segment, account_manager=account_manager
    )
    return listing.list_scored(
        session,
        viewer=user,
        filters=filters,
        sort=sort,
        open_alerts_only=open_alerts,
        page=page,
        page_size=page_size,
        page_size_max=settings.page_size_max,
    )


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={**_ERRORS, **CSV_RESPONSE},
)
@lists_customers
def export_customers(
    request: Request,
    user: CurrentUser,
    q: Annotated[
        str | None, Query(description="Customer id (exact or prefix) or part of the name.")
    ] = None,
    country: str | None = None,
    segment: str | None = None,
    account_manager: Annotated[str | None, Query(description="Account manager code.")] = None,
    sort: Annotated[
        SortKey | None,
        Query(description="name (default), value-segment, clv or risk (highest first)."),
    ] = None,
    open_alerts: Annotated[bool, Query(description="Only customers with an open alert.")] = False,
) -> StreamingResponse:
    """Every customer of ``GET /customers`` with these filters, in its ``sort``, with the value
    segment, CLV and risk columns, as CSV."""
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
            session, viewer, filters, sort=key, open_alerts_only=open_alerts
        ),
    )


@router.get(
    "/{customer_id}",
    response_model=Customer360,
    responses={**_ERRORS, 404: {"description": "No such customer visible to the caller."}},
)
def customer_360(session: SessionDep, user: CurrentUser, customer_id: RowId) -> Customer360:
    """Profile, orders, contracts, contacts, surveys, consents and a summary of one customer."""
    return customer360.customer_360(session, viewer=user, customer_id=customer_id)
