"""``GET /scoreboard/me``: the caller's commercial KPIs of today against his goal, his points
and his place on the leaderboard he sees (issue 22, point 5; docs/scoreboard.md). The same
figures as the ``/scoreboard`` page, for a wallboard or a desktop widget, from the same shared
tallies (at most ``TALLY_SECONDS`` old)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from valuecenter.db.base import utcnow
from valuecenter.scoreboard import service
from valuecenter.scoreboard.schemas import ScoreboardOut
from valuecenter.users.models import Role, User
from valuecenter.web.deps import SessionDep, SettingsDep, require_roles
from valuecenter.web.pages.scoreboard import tally_cache

router = APIRouter(prefix="/scoreboard", tags=["scoreboard"])

BoardUser = Annotated[
    User,
    Depends(require_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
}


@router.get("/me", response_model=ScoreboardOut, responses=_ERRORS)
def my_scoreboard(
    request: Request, session: SessionDep, user: BoardUser, settings: SettingsDep
) -> ScoreboardOut:
    """Today's offers shown, offers accepted, their revenue and saves against your goal for
    the day ("today" in the display time zone), your points and your rank."""
    board = service.board(
        session, user, now=utcnow(), zone=settings.display_zone, cache=tally_cache(request)
    )
    return ScoreboardOut.of(board, settings.display_timezone)
