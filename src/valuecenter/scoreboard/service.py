"""The scoreboard's use cases: a person's board of today (his KPIs against his goal, his
points and, when the leaderboard is on, his team's ranking), a manager's view of everyone,
and the manager's settings: goals per person and per role, and the leaderboard switch.

"Today" is the day in the display zone (``settings.display_timezone``), from local midnight.
Who sees whose name (``LeaderboardMode``): ``off`` — an agent or account manager sees only his
own board; ``team`` — the ranking of his own team (an agent's team, an account manager's
market), names of that team only; ``everyone`` — the ranking of every agent and account
manager. A manager or admin always sees everyone, and sees whether the others do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.scoreboard import (
    DayWindow,
    Goal,
    GoalSource,
    KpiProgress,
    Standing,
    Tally,
    check_goal,
    day_window,
    kpi_progress,
    points,
    rank,
    resolve_goal,
    top_with,
)
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.scoreboard import repository
from valuecenter.scoreboard.models import LeaderboardMode, ScoreboardGoal, ScoreboardSettings
from valuecenter.scoreboard.repository import BOARD_ROLES, Member
from valuecenter.users.models import Role, User

TOP = 10
"""Places an agent's leaderboard shows (plus his own when he is further down)."""

MANAGING = (Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class LeaderRow:
    """One place on the leaderboard, with the person's KPIs against his own goal."""

    rank: int
    member: Member
    tally: Tally
    points: int
    kpis: list[KpiProgress]
    goal_source: GoalSource
    me: bool


@dataclass(frozen=True)
class Leaderboard:
    """``scope``: whose ranking — his ``team``, ``everyone``, or ``all`` (a manager's view,
    whatever the mode). ``ranked`` is how many are ranked, ``rows`` the places shown."""

    scope: Literal["team", "everyone", "all"]
    team_label: str | None
    rows: list[LeaderRow]
    ranked: int
    my_rank: int | None


@dataclass(frozen=True)
class Board:
    """Someone's board of today."""

    window: DayWindow
    now: datetime
    member: Member
    goal: Goal
    goal_source: GoalSource
    kpis: list[KpiProgress]
    points: int
    tally: Tally
    mode: LeaderboardMode
    leaderboard: Leaderboard | None
    managing: bool


def settings_row(session: Session) -> ScoreboardSettings | None:
    return session.get(ScoreboardSettings, 1)


def leaderboard_mode(session: Session) -> LeaderboardMode:
    """The leaderboard's mode (no settings row yet: ``team``)."""
    row = settings_row(session)
    return LeaderboardMode.TEAM if row is None else LeaderboardMode(row.leaderboard)


def _rows(
    standings: list[Standing],
    people: dict[int, Member],
    goals: repository.Goals,
    viewer_id: int,
) -> list[LeaderRow]:
    out = []
    for s in standings:
        m = people[s.user_id]
        goal, source = resolve_goal(*goals.of(m.user_id, m.role))
        out.append(
            LeaderRow(
                rank=s.rank,
                member=m,
                tally=s.tally,
                points=s.points,
                kpis=kpi_progress(s.tally, goal),
                goal_source=source,
                me=m.user_id == viewer_id,
            )
        )
    return out


class TallyCache:
    """Today's tallies of everyone, read at most once per ``ttl`` seconds by this process and
    shared by every board it serves (each open board asks every few seconds; one read of
    everyone's tallies costs tens of milliseconds on a busy day, one board's share of it
    nothing). A board is at most ``ttl`` seconds behind; ``ttl`` 0 reads every time."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[datetime, datetime] | None = None
        self._at = 0.0
        self._value: dict[int, Tally] = {}

    def get(self, session: Session, window: DayWindow) -> dict[int, Tally]:
        key = (window.start, window.end)
        with self._lock:
            if self._key == key and self._clock() - self._at < self.ttl:
                return self._value
        value = repository.tallies(session, window)
        with self._lock:
            self._key, self._at, self._value = key, self._clock(), value
        return value


def board(
    session: Session,
    viewer: User,
    *,
    now: datetime,
    zone: tzinfo,
    cache: TallyCache | None = None,
) -> Board:
    """``viewer``'s board of the day of ``now`` in ``zone`` (tallies through ``cache`` when
    given, else read for the people on his board)."""
    window = day_window(now, zone)
    mode = leaderboard_mode(session)
    goals = repository.goals(session)
    managing = viewer.role in MANAGING
    everyone = repository.members(session)
    me = next((m for m in everyone if m.user_id == viewer.id), None) or repository.member(
        session, viewer
    )
    scope: Literal["team", "everyone", "all"] | None
    if managing:
        peers, scope = everyone, "all"
    elif mode == LeaderboardMode.OFF:
        peers, scope = [me], None
    elif mode == LeaderboardMode.TEAM:
        peers = [m for m in everyone if me.team is not None and m.team == me.team] or [me]
        scope = "team"
    else:
        peers, scope = everyone, "everyone"
    ids = {m.user_id for m in peers} | {viewer.id}
    found = (
        cache.get(session, window)
        if cache is not None
        else repository.tallies(session, window, ids)
    )
    mine = repository.with_defaults(found.get(viewer.id), viewer.id)
    goal, source = resolve_goal(*goals.of(viewer.id, viewer.role))
    leaderboard = None
    if scope is not None:
        people = {m.user_id: m for m in peers}
        standings = rank(repository.with_defaults(found.get(uid), uid) for uid in people)
        shown = standings if managing else top_with(standings, viewer.id, TOP)
        leaderboard = Leaderboard(
            scope=scope,
            team_label=me.team_label if scope == "team" else None,
            rows=_rows(shown, people, goals, viewer.id),
            ranked=len(standings),
            my_rank=next((s.rank for s in standings if s.user_id == viewer.id), None),
        )
    return Board(
        window=window,
        now=now,
        member=me,
        goal=goal,
        goal_source=source,
        kpis=kpi_progress(mine, goal),
        points=points(mine),
        tally=mine,
        mode=mode,
        leaderboard=leaderboard,
        managing=managing,
    )


# ---------------------------------------------------------------------- the manager's settings


def set_leaderboard(session: Session, mode: str, *, by: User) -> ScoreboardSettings:
    """Switch the leaderboard: ``off``, ``team`` or ``everyone``."""
    try:
        chosen = LeaderboardMode(mode.strip())
    except ValueError:
        allowed = ", ".join(m.value for m in LeaderboardMode)
        raise InvalidInput(
            "leaderboard", _("'%(value)s' is not one of %(choices)s", value=mode, choices=allowed)
        ) from None
    row = settings_row(session)
    if row is None:
        row = ScoreboardSettings(id=1)
        session.add(row)
    row.leaderboard = chosen
    row.updated_at = utcnow()
    row.updated_by = by.id
    session.flush()
    return row


def _checked(goal: Goal) -> Goal:
    try:
        return check_goal(goal)
    except InputError as error:
        raise InvalidInput("", error.translated()) from None


def board_role(text: str) -> Role:
    """A role that has a default goal: agent or account manager."""
    try:
        role = Role(text.strip())
    except ValueError:
        role = None
    if role not in BOARD_ROLES:
        allowed = ", ".join(r.value for r in BOARD_ROLES)
        raise InvalidInput(
            "role", _("'%(value)s' is not one of %(choices)s", value=text, choices=allowed)
        )
    assert role is not None
    return role


def board_member(session: Session, user_id: int) -> Member:
    """An active agent or account manager (else NotFound: nobody on the board)."""
    for m in repository.members(session):
        if m.user_id == user_id:
            return m
    raise NotFound(_("no active agent or account manager with user id %(id)s", id=user_id))


def set_goal(
    session: Session,
    goal: Goal,
    *,
    by: User,
    user_id: int | None = None,
    role: Role | None = None,
) -> ScoreboardGoal:
    """Set a person's own goal (``user_id``) or a role's default (``role``)."""
    if (user_id is None) == (role is None):
        raise InvalidInput("user", _("give a person or a role, not both"))
    checked = _checked(goal)
    if user_id is not None:
        board_member(session, user_id)
    elif role is not None:
        role = board_role(role.value)
    row = repository.goal_row(session, user_id=user_id, role=role)
    if row is None:
        row = ScoreboardGoal(user_id=user_id, role=role)
        session.add(row)
    row.offers = checked.offers
    row.accepted = checked.accepted
    row.revenue_cents = checked.revenue_cents
    row.saves = checked.saves
    row.updated_at = utcnow()
    row.updated_by = by.id
    session.flush()
    return row


def clear_goal(session: Session, *, user_id: int | None = None, role: Role | None = None) -> bool:
    """Remove a person's own goal (his role's default applies again) or a role's default (the
    built-in goal applies); whether there was one."""
    if (user_id is None) == (role is None):
        raise InvalidInput("user", _("give a person or a role, not both"))
    column = ScoreboardGoal.user_id if user_id is not None else ScoreboardGoal.role
    result = session.execute(
        delete(ScoreboardGoal).where(column == (user_id if user_id is not None else role))
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class GoalLine:
    """A goal row for the manager's list: whose, what, set by whom and when."""

    row: ScoreboardGoal
    goal: Goal
    name: str | None  # whose (a personal goal), also when he is no longer on the board
    member: Member | None  # None: no longer an active agent or account manager
    set_by: str | None


def goal_lines(session: Session) -> tuple[list[GoalLine], dict[Role, GoalLine]]:
    """The personal goals (by name) and the roles' defaults."""
    goals = repository.goals(session)
    people = {m.user_id: m for m in repository.members(session)}
    names = repository.user_names(
        session,
        {r.updated_by for r in goals.rows if r.updated_by is not None}
        | {r.user_id for r in goals.rows if r.user_id is not None},
    )
    personal, roles = [], {}
    for row in goals.rows:
        line = GoalLine(
            row=row,
            goal=Goal(row.offers, row.accepted, row.revenue_cents, row.saves),
            name=names.get(row.user_id) if row.user_id is not None else None,
            member=people.get(row.user_id) if row.user_id is not None else None,
            set_by=names.get(row.updated_by) if row.updated_by is not None else None,
        )
        if row.user_id is not None:
            personal.append(line)
        elif row.role is not None:
            roles[Role(row.role)] = line
    personal.sort(key=lambda g: ((g.name or "").casefold(), g.row.id))
    return personal, roles
