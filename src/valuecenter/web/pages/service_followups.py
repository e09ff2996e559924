"""The closed loop's page (issue 20, point 5): ``/service/followups``, the call-back tasks of
detractors — overdue ones first and highlighted — with the loop's figures, filters (state,
owner), a close form per open task (CSRF token in the form) and the list's CSV export.

The service (``quality/followups.py``) decides who sees which task: an account manager his
pool's only (another pool's task is 404, like a missing one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from valuecenter.bounds import PageNumber, RowId
from valuecenter.customers import service as customers
from valuecenter.customers.worklist import NOTE_MAX
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, lazy_gettext
from valuecenter.quality import followups as loop
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

PAGE_SIZE = 25
PATH = "/service/followups"
LoopUser = Annotated[
    User,
    Depends(require_page_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]

STATE_LABELS = {
    "open": lazy_gettext("Open"),
    "overdue": lazy_gettext("Overdue"),
    "closed": lazy_gettext("Closed"),
    "all": lazy_gettext("All"),
}
OWNER_LABELS = {
    "any": lazy_gettext("Anyone"),
    "me": lazy_gettext("Mine"),
    "unassigned": lazy_gettext("Unassigned"),
}
STATUS_LABELS = {
    "open": lazy_gettext("Open"),
    "done": lazy_gettext("Done"),
    "unreachable": lazy_gettext("Unreachable"),
    "expired": lazy_gettext("Expired (answer too old)"),
}


@dataclass(frozen=True)
class TaskPage:
    """A page of tasks in the shape ``_pager.html`` reads."""

    items: list[loop.TaskRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _choice(field: str, value: str | None, choices: Mapping[str, object], default: str) -> str:
    """A filter value from the query string: empty means the default; unknown is refused."""
    value = (value or "").strip()
    if not value:
        return default
    if value not in choices:
        raise InvalidInput(
            field,
            _(
                "'%(value)s' is not one of %(choices)s",
                value=value,
                choices=", ".join(choices),
            ),
        )
    return value


def _filters(user: User, state: str | None, owner: str | None) -> tuple[str, str, loop.Owner]:
    state_value = _choice("state", state, STATE_LABELS, "open")
    owner_value = _choice("owner", owner, OWNER_LABELS, "any")
    chosen: loop.Owner = None
    if owner_value == "me":
        chosen = user.id
    elif owner_value == "unassigned":
        chosen = "unassigned"
    return state_value, owner_value, chosen


def _state(value: str) -> loop.State:
    for state in loop.STATES:
        if state == value:
            return state
    raise InvalidInput("state", value)


@router.get(PATH)
@lists_customers
def followups_page(
    request: Request,
    session: SessionDep,
    user: LoopUser,
    state: str | None = None,
    owner: str | None = None,
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    state_value, owner_value, chosen = _filters(user, state, owner)
    now = utcnow()
    rows, total = loop.task_page(
        session,
        user,
        state=_state(state_value),
        owner=chosen,
        now=now,
        page=page,
        page_size=PAGE_SIZE,
        page_size_max=PAGE_SIZE,
    )
    return templates.TemplateResponse(
        request,
        "service/followups.html",
        {
            "user": user,
            "result": TaskPage(rows, total, page, PAGE_SIZE),
            "counts": loop.counts(session, user, now),
            "pool": customers.pool_of(session, viewer=user),
            "filters": {"state": state_value, "owner": owner_value},
            "states": STATE_LABELS,
            "owners": OWNER_LABELS,
            "statuses": STATUS_LABELS,
            "note_max": NOTE_MAX,
        },
    )


@router.get(PATH + "/export.csv")
@lists_customers
def followups_export(
    request: Request, user: LoopUser, state: str | None = None, owner: str | None = None
) -> Response:
    """Every task of the list with the page's filters, in its order, as CSV."""
    state_value, _owner, chosen = _filters(user, state, owner)
    chosen_state = _state(state_value)
    now = utcnow()
    return csv_download(
        request,
        user,
        name="followups",
        header=loop.export_header(),
        rows=lambda session, viewer: loop.export_rows(
            session, viewer, state=chosen_state, owner=chosen, now=now
        ),
    )


@router.post(PATH + "/{followup_id}/close")
def close_page(
    session: SessionDep,
    user: LoopUser,
    followup_id: RowId,
    status: Annotated[str, Form(max_length=40)] = "",
    outcome: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Close a task (done with its outcome, or unreachable), then back to the list; a wrong
    field, a closed task or another pool's task is an error page."""
    loop.close_task(
        session,
        followup_id,
        status=status,
        outcome=outcome,
        by=user,
        viewer=user,
        now=utcnow(),
    )
    return RedirectResponse(PATH, status_code=303)
