"""The renewal list (issue 7, C7): ``GET /retention/renewals``.

The retention team (agents) calls from it, so agents, managers and admins see every
candidate; an account manager sees only his own pool's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from valuecenter.bounds import PageNumber, PageSize
from valuecenter.retention.models import RenewalGroup
from valuecenter.retention.renewals.export import candidate_header, candidate_rows, export_run
from valuecenter.retention.renewals.listing import renewal_page
from valuecenter.retention.renewals.schemas import RenewalPage
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import CSV_RESPONSE, csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_roles

router = APIRouter(prefix="/retention", tags=["retention"])

ListUser = Annotated[
    User,
    Depends(require_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]
GroupName = Literal["listed", "over-budget", "silent-renewer", "lost-cause", "not-worth", "all"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    404: {"description": "No renewal run has this id."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.get(
    "/renewals/export.csv",
    response_class=StreamingResponse,
    responses={**_ERRORS, **CSV_RESPONSE},
)
@lists_customers
def export_renewals(
    request: Request,
    session: SessionDep,
    user: ListUser,
    group: GroupName = "listed",
    run: Annotated[str | None, Query(description="A renewal run id; default the latest.")] = None,
) -> StreamingResponse:
    """Every candidate of the renewal run in ``group`` the caller may see, as CSV, in call
    order (header only before the first run)."""
    chosen = None if group == "all" else RenewalGroup(group)
    run_id = export_run(session, run)
    return csv_download(
        request,
        user,
        name="renewals",
        header=candidate_header(),
        rows=lambda s, viewer: candidate_rows(s, viewer, run_id, group=chosen),
    )


@router.get("/renewals", response_model=RenewalPage, responses=_ERRORS)
@lists_customers
def list_renewals(
    session: SessionDep,
    user: ListUser,
    settings: SettingsDep,
    group: GroupName = "listed",
    run: Annotated[str | None, Query(description="A renewal run id; default the latest.")] = None,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query(description="At most settings.page_size_max.")] = 50,
) -> RenewalPage:
    """The customers whose contract ends soon, in call order (expected net incremental value
    with the best offer), or one of the groups left out, with the run they come from."""
    return renewal_page(
        session,
        user,
        run_id=run,
        group=None if group == "all" else RenewalGroup(group),
        page=page,
        page_size=page_size,
        page_size_max=settings.page_size_max,
    )
