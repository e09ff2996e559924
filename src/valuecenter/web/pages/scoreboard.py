"""The live scoreboard (issue 22, point 5; seed 004: commercial KPIs in real time, goals as a
game): ``/scoreboard`` shows an agent's or account manager's KPIs of today against his goal —
offers made, accepted, their revenue, saves — his points and, when a manager has it on, his
team's leaderboard. The board refreshes itself: htmx asks ``/scoreboard/live`` for the board's
fragment every :data:`POLL_SECONDS` seconds and swaps it in, so the page never reloads (an
answer recorded on the customer 360 or through the API shows within seconds).

A manager (or admin) sees everyone's board in one ranking, exports it as CSV, and sets the
goals and the leaderboard's switch on ``/scoreboard/goals`` (forms with the CSRF token; every
number checked and bounded; a wrong one comes back in the page, the values kept).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.analytics.scoreboard import (
    ACCEPT_POINTS,
    BUILT_IN_GOAL,
    MAX_GOAL,
    REVENUE_CENTS_PER_POINT,
    SAVE_POINTS,
    Goal,
)
from valuecenter.bounds import ID_MAX, RowId
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_money, format_number, lazy_gettext, parse_decimal
from valuecenter.scoreboard import repository, service
from valuecenter.scoreboard.models import LeaderboardMode
from valuecenter.scoreboard.repository import BOARD_ROLES
from valuecenter.settings import Settings
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_page_roles
from valuecenter.web.templating import ROLE_LABELS, templates

router = APIRouter()

PATH = "/scoreboard"
GOALS = PATH + "/goals"
POLL_SECONDS = 5
"""How often the open page asks for a fresh board."""
TALLY_SECONDS = 2.0
"""How long one read of everyone's tallies serves every board of a worker (service.TallyCache):
an answer recorded now shows on the open boards within this plus one poll."""

BoardUser = Annotated[
    User,
    Depends(require_page_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]
ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

KPI_LABELS = {
    "offers": lazy_gettext("Offers made"),
    "accepted": lazy_gettext("Accepted"),
    "revenue_cents": lazy_gettext("Revenue"),
    "saves": lazy_gettext("Saves"),
}
KPI_HINTS = {
    "offers": lazy_gettext("Next-best-action offers shown to you today"),
    "accepted": lazy_gettext("Offers the customer accepted, recorded by you"),
    "revenue_cents": lazy_gettext("What the accepted offers are worth"),
    "saves": lazy_gettext("Cancel callers you kept (save desk)"),
}
MODE_LABELS = {
    "off": lazy_gettext("Off: everyone sees only his own board"),
    "team": lazy_gettext("Team: each sees the ranking of his own team"),
    "everyone": lazy_gettext("Everyone: each sees the ranking of all agents and account managers"),
}
FORM_FIELDS = {
    "offers": "offers",
    "accepted": "accepted",
    "revenue_cents": "revenue",
    "saves": "saves",
}
"""The goal's KPIs and the names of their form fields (revenue is typed in euros)."""


def _labels() -> dict[str, object]:
    return {
        "kpi_labels": KPI_LABELS,
        "kpi_hints": KPI_HINTS,
        "mode_labels": MODE_LABELS,
        "poll_seconds": POLL_SECONDS,
        "points_rule": {
            "accept": ACCEPT_POINTS,
            "save": SAVE_POINTS,
            "revenue_cents": REVENUE_CENTS_PER_POINT,
        },
    }


def tally_cache(request: Request) -> service.TallyCache:
    """This worker's shared tallies (made on first use; a test may put one with ``ttl`` 0)."""
    state = request.app.state
    cache = getattr(state, "scoreboard_tallies", None)
    if not isinstance(cache, service.TallyCache):
        cache = state.scoreboard_tallies = service.TallyCache(TALLY_SECONDS)
    return cache


def _board(request: Request, session: Session, user: User, settings: Settings) -> service.Board:
    return service.board(
        session, user, now=utcnow(), zone=settings.display_zone, cache=tally_cache(request)
    )


@router.get(PATH)
def scoreboard_page(
    request: Request, session: SessionDep, user: BoardUser, settings: SettingsDep
) -> Response:
    """The page: the board of today, refreshed in place every few seconds."""
    return templates.TemplateResponse(
        request,
        "scoreboard/board.html",
        {"user": user, "b": _board(request, session, user, settings), **_labels()},
    )


@router.get(PATH + "/live")
def scoreboard_live(
    request: Request, session: SessionDep, user: BoardUser, settings: SettingsDep
) -> Response:
    """The board's fragment, which the open page swaps in (htmx polling)."""
    return templates.TemplateResponse(
        request,
        "scoreboard/_live.html",
        {"user": user, "b": _board(request, session, user, settings), **_labels()},
    )


EXPORT_HEADER = [
    "day", "timezone", "rank", "user_id", "name", "role", "team", "points",
    "offers", "offers_goal", "accepted", "accepted_goal", "revenue_cents", "revenue_goal_cents",
    "saves", "saves_goal", "goal_source",
]  # fmt: skip


@router.get(PATH + "/export.csv")
def scoreboard_export(request: Request, user: ManagerUser, settings: SettingsDep) -> Response:
    """Today's ranking of every agent and account manager, with each one's goals (manager)."""
    zone, timezone = settings.display_zone, settings.display_timezone

    def rows(session: Session, viewer: User) -> Iterator[list[object]]:
        b = service.board(session, viewer, now=utcnow(), zone=zone)
        for r in b.leaderboard.rows if b.leaderboard else []:
            figures: list[object] = []
            for k in r.kpis:
                figures += [k.actual, k.goal]
            yield [
                b.window.day.isoformat(), timezone, r.rank, r.member.user_id, r.member.name,
                r.member.role.value, r.member.team_label or "", r.points, *figures, r.goal_source,
            ]  # fmt: skip

    return csv_download(request, user, name="scoreboard", header=EXPORT_HEADER, rows=rows)


# ---------------------------------------------------------------------- the manager's goals


@dataclass
class FormState:
    """A refused form: which one, its error and the values as typed."""

    form: str
    error: str
    values: Mapping[str, str] = field(default_factory=dict)


def _goals_page(
    request: Request, session: Session, user: User, *, refused: FormState | None = None
) -> Response:
    personal, roles = service.goal_lines(session)
    row = service.settings_row(session)
    names = repository.user_names(
        session, {row.updated_by} if row is not None and row.updated_by is not None else set()
    )
    return templates.TemplateResponse(
        request,
        "scoreboard/goals.html",
        {
            "user": user,
            "mode": service.leaderboard_mode(session),
            "mode_row": row,
            "mode_by": names.get(row.updated_by) if row and row.updated_by else None,
            "modes": [m.value for m in LeaderboardMode],
            "personal": personal,
            "roles": roles,
            "board_roles": [r.value for r in BOARD_ROLES],
            "people": repository.members(session),
            "refused": refused,
            "role_labels": ROLE_LABELS,
            "max_goal": MAX_GOAL,
            "built_in": BUILT_IN_GOAL,
            "form_fields": FORM_FIELDS,
            **_labels(),
        },
        status_code=200 if refused is None else 422,
    )


@router.get(GOALS)
def goals_page(request: Request, session: SessionDep, user: ManagerUser) -> Response:
    """Goals per role and per person, and the leaderboard's switch."""
    return _goals_page(request, session, user)


def _count(field_name: str, text: str, kpi: str) -> int:
    value = text.strip()
    if not value:
        return 0
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(
            field_name, _("'%(value)s' is not a whole number", value=value)
        ) from None
    if not 0 <= number <= MAX_GOAL[kpi]:
        raise InvalidInput(
            field_name,
            _("must be from 0 to %(max)s", max=format_number(MAX_GOAL[kpi])),
        )
    return number


def _cents(field_name: str, text: str) -> int:
    value = text.strip()
    if not value:
        return 0
    try:
        amount = parse_decimal(value)
    except (ValueError, InvalidOperation):
        raise InvalidInput(field_name, _("'%(value)s' is not an amount", value=value)) from None
    cents = amount * 100
    if not (cents.is_finite() and Decimal(0) <= cents <= MAX_GOAL["revenue_cents"]):
        raise InvalidInput(
            field_name,
            _(
                "must be from %(low)s to %(high)s",
                low=format_money(0, whole=True),
                high=format_money(MAX_GOAL["revenue_cents"], whole=True),
            ),
        )
    return int(cents.to_integral_value())


def _goal(values: Mapping[str, str]) -> Goal:
    """The goal of a form (empty fields: no goal for that KPI)."""
    return Goal(
        offers=_count("offers", values["offers"], "offers"),
        accepted=_count("accepted", values["accepted"], "accepted"),
        revenue_cents=_cents("revenue", values["revenue"]),
        saves=_count("saves", values["saves"], "saves"),
    )


Text = Annotated[str, Form(max_length=40)]


@router.post(GOALS + "/leaderboard")
def save_leaderboard(
    request: Request, session: SessionDep, user: ManagerUser, leaderboard: Text = ""
) -> Response:
    """Switch the leaderboard off, to teams, or to everyone."""
    try:
        service.set_leaderboard(session, leaderboard, by=user)
    except InvalidInput as exc:
        return _goals_page(request, session, user, refused=FormState("leaderboard", str(exc)))
    return RedirectResponse(GOALS + "#leaderboard", status_code=303)


@router.post(GOALS + "/roles/{role}")
def save_role_goal(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    role: str,
    offers: Text = "",
    accepted: Text = "",
    revenue: Text = "",
    saves: Text = "",
) -> Response:
    """Set the default goal of a role (agent, account manager)."""
    values = {"offers": offers, "accepted": accepted, "revenue": revenue, "saves": saves}
    try:
        chosen = service.board_role(role[:40])
        service.set_goal(session, _goal(values), by=user, role=chosen)
    except InvalidInput as exc:
        refused = FormState(f"role-{role[:40]}", str(exc), values)
        return _goals_page(request, session, user, refused=refused)
    return RedirectResponse(GOALS + "#roles", status_code=303)


@router.post(GOALS + "/roles/{role}/clear")
def clear_role_goal(session: SessionDep, user: ManagerUser, role: str) -> Response:
    """Remove a role's default (the built-in goal applies again)."""
    service.clear_goal(session, role=service.board_role(role[:40]))
    return RedirectResponse(GOALS + "#roles", status_code=303)


@router.post(GOALS + "/people")
def save_personal_goal(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    user_id: Text = "",
    offers: Text = "",
    accepted: Text = "",
    revenue: Text = "",
    saves: Text = "",
) -> Response:
    """Set one person's own goal (it replaces his role's default for him)."""
    values = {
        "user_id": user_id, "offers": offers, "accepted": accepted, "revenue": revenue,
        "saves": saves,
    }  # fmt: skip
    try:
        try:
            whom = int(user_id.strip())
        except ValueError:
            raise InvalidInput("user_id", _("choose a person")) from None
        if not 1 <= whom <= ID_MAX:
            raise InvalidInput("user_id", _("choose a person"))
        service.set_goal(session, _goal(values), by=user, user_id=whom)
    except InvalidInput as exc:
        return _goals_page(request, session, user, refused=FormState("person", str(exc), values))
    return RedirectResponse(GOALS + "#people", status_code=303)


@router.post(GOALS + "/people/{user_id}/clear")
def clear_personal_goal(session: SessionDep, user: ManagerUser, user_id: RowId) -> Response:
    """Remove a person's own goal (his role's default applies again)."""
    service.clear_goal(session, user_id=user_id)
    return RedirectResponse(GOALS + "#people", status_code=303)


GOALS_HEADER = [
    "user_id", "name", "role", "team", "on_board", "offers", "accepted", "revenue_cents",
    "saves", "set_by", "set_at_utc",
]  # fmt: skip


@router.get(GOALS + "/export.csv")
def goals_export(request: Request, user: ManagerUser) -> Response:
    """The roles' defaults and every personal goal (manager)."""

    def rows(session: Session, viewer: User) -> Iterator[list[object]]:
        personal, roles = service.goal_lines(session)
        for role, line in sorted(roles.items()):
            g = line.goal
            yield [
                "", "", role.value, "", "", g.offers, g.accepted, g.revenue_cents, g.saves,
                line.set_by or "", line.row.updated_at.isoformat(),
            ]  # fmt: skip
        for line in personal:
            g, m = line.goal, line.member
            yield [
                line.row.user_id, line.name or "", m.role.value if m else "",
                (m.team_label or "") if m else "", "yes" if m else "no",
                g.offers, g.accepted, g.revenue_cents, g.saves, line.set_by or "",
                line.row.updated_at.isoformat(),
            ]  # fmt: skip

    return csv_download(request, user, name="scoreboard-goals", header=GOALS_HEADER, rows=rows)
