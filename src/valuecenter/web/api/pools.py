"""The account-manager cockpit (issue 22, point 2): ``GET /pools/cockpit``.

An account manager sees only himself (another AM's id is 404, like a missing one); managers
and admins any AM (the id is then required); agents are refused. The figures and their
definitions are ``pools/metrics.py``'s and ``pools/cockpit.py``'s (docs/pools.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from valuecenter.bounds import RowId
from valuecenter.db.base import utcnow
from valuecenter.pools.cockpit import cockpit
from valuecenter.pools.metrics import Period
from valuecenter.pools.schemas import CockpitOut
from valuecenter.users.models import Role, User
from valuecenter.web.deps import SessionDep, require_roles

router = APIRouter(prefix="/pools", tags=["pools"])

CockpitUser = Annotated[
    User, Depends(require_roles(Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN))
]
MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"
"""2000-01 to 2100-12: every month the pattern takes is one :meth:`Period.month` takes."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    404: {"description": "No such account manager visible to the caller."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


def last_month(today: date | None = None) -> str:
    """The last whole calendar month before ``today`` (UTC), ``YYYY-MM``."""
    day = (today or utcnow().date()).replace(day=1) - timedelta(days=1)
    return f"{day:%Y-%m}"


def month_period(month: str | None) -> Period:
    return Period.month(month if month is not None else last_month())


@router.get("/cockpit", response_model=CockpitOut, responses=_ERRORS)
def get_cockpit(
    session: SessionDep,
    user: CockpitUser,
    month: Annotated[
        str | None,
        Query(
            pattern=MONTH_PATTERN,
            description="YYYY-MM, 2000-01 to 2100-12; default the last whole month.",
        ),
    ] = None,
    account_manager_id: Annotated[
        RowId | None,
        Query(description="The AM (required for managers; an AM sees only himself)."),
    ] = None,
) -> CockpitOut:
    """One AM's figures of the month beside the medians of his market's AMs and of all AMs,
    and, where the next-best-action control group exists, treated against control."""
    return CockpitOut.of(cockpit(session, user, month_period(month), account_manager_id))
