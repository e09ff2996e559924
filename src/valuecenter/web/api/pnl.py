"""The service P&L (issue 23, point 5): ``GET /pnl?month=YYYY-MM`` — the month's costs and
yield lines with their provenance, the year to date, the seeds' save figure beside the
incremental one, the budget and the trend (docs/finance.md). Managers and admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from valuecenter.finance.pnl import month_or_latest
from valuecenter.finance.schemas import PnlOut
from valuecenter.finance.statement import statement
from valuecenter.users.models import Role, User
from valuecenter.web.api.pools import MONTH_PATTERN
from valuecenter.web.deps import SessionDep, require_roles

router = APIRouter(tags=["finance"])

Manager = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "Only managers and admins see the P&L."},
    404: {"description": "No month given and no data to take the last complete month from."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.get("/pnl", response_model=PnlOut, responses=_ERRORS)
def get_pnl(
    session: SessionDep,
    _user: Manager,
    month: Annotated[
        str | None,
        Query(
            pattern=MONTH_PATTERN,
            description="YYYY-MM, 2000-01 to 2100-12; default the last complete month in the data.",
        ),
    ] = None,
) -> PnlOut:
    """The service P&L of a month, every figure with how it was measured and its records."""
    return PnlOut.of(statement(session, month_or_latest(session, month)))
