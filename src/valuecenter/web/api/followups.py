"""The closed loop with detractors (issue 20, point 5): ``GET /followups`` and
``POST /followups/{followup_id}/close``.

For agents, managers and admins (every task) and account managers (their own pool's: another
pool's task is 404 exactly like a missing one; the visibility condition is in the queries,
``quality/followups.py``). Tasks are made by the import of surveys itself, not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from valuecenter.bounds import PageNumber, PageSize, RowId
from valuecenter.db.base import utcnow
from valuecenter.quality import followups as loop
from valuecenter.quality.schemas import CloseIn, CountsOut, FollowupOut, FollowupPage
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.deps import SessionDep, SettingsDep, require_roles

router = APIRouter(prefix="/followups", tags=["followups"])

LoopUser = Annotated[
    User,
    Depends(require_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


def owner_filter(user: User, owner: Literal["any", "me", "unassigned"]) -> loop.Owner:
    """``any`` → None, ``me`` → the caller's id, ``unassigned`` as is."""
    if owner == "me":
        return user.id
    return None if owner == "any" else "unassigned"


@router.get("", response_model=FollowupPage, responses=_ERRORS)
@lists_customers
def list_followups(
    session: SessionDep,
    user: LoopUser,
    settings: SettingsDep,
    state: loop.State = "open",
    owner: Literal["any", "me", "unassigned"] = "any",
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query(description="At most settings.page_size_max.")] = 50,
) -> FollowupPage:
    """The follow-up tasks the caller may see (open ones by due time, the most overdue first;
    closed ones newest first) and the loop's figures."""
    now = utcnow()
    rows, total = loop.task_page(
        session,
        user,
        state=state,
        owner=owner_filter(user, owner),
        now=now,
        page=page,
        page_size=page_size,
        page_size_max=settings.page_size_max,
    )
    return FollowupPage(
        items=[FollowupOut.of(r) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
        counts=CountsOut.of(loop.counts(session, user, now)),
    )


@router.post(
    "/{followup_id}/close",
    response_model=FollowupOut,
    responses={
        **_ERRORS,
        404: {"description": "No such task visible to the caller."},
        409: {"description": "The task is closed already."},
    },
)
def close_followup(
    session: SessionDep, user: LoopUser, followup_id: RowId, body: CloseIn
) -> FollowupOut:
    """Close a task: done, with what came of the call, or unreachable."""
    now = utcnow()
    closed = loop.close_task(
        session,
        followup_id,
        status=body.status,
        outcome=body.outcome,
        by=user,
        viewer=user,
        now=now,
    )
    return FollowupOut.of(loop.task_row(session, closed, now))
