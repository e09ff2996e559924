"""The scoreboard's reads: today's tallies of everyone (three grouped queries over today's
rows, each on an index by time), the people on the board with their teams, and the goals."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.analytics.scoreboard import DayWindow, Goal, Tally
from valuecenter.customers.models import AccountManager
from valuecenter.offers.models import (
    Action,
    Decision,
    DecisionArm,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.retention.models import SaveArm, SaveCase, SaveOutcome, SaveStatus
from valuecenter.scoreboard.models import ScoreboardGoal
from valuecenter.users.models import Role, User

BOARD_ROLES = (Role.AGENT, Role.ACCOUNT_MANAGER)
"""Who is on the leaderboard: the people who talk to customers."""


def tallies(
    session: Session, window: DayWindow, user_ids: Collection[int] | None = None
) -> dict[int, Tally]:
    """Each user's KPIs within ``window`` (only ``user_ids`` when given; users without any
    activity are absent):

    - offers: decisions in the treatment arm (``nba``) logged with his user id;
    - accepted, revenue: answers ``accepted`` he recorded, with the accepted action's value;
    - saves: save cases of the desk arm he closed with the customer kept.
    """
    found: dict[int, dict[str, int]] = {}

    def add(rows: Iterable[Sequence[Any]], *fields: str) -> None:
        for uid, *values in rows:
            entry = found.setdefault(int(uid), {})
            for name, value in zip(fields, values, strict=True):
                entry[name] = int(value or 0)

    offers = select(Decision.user_id, func.count()).where(
        Decision.decided_at >= window.start,
        Decision.decided_at < window.end,
        Decision.arm == DecisionArm.NBA,
        Decision.user_id.is_not(None),
    )
    accepted = (
        select(
            DecisionResponse.user_id, func.count(), func.coalesce(func.sum(Action.value_cents), 0)
        )
        .join(Action, Action.id == DecisionResponse.action_id)
        .where(
            DecisionResponse.recorded_at >= window.start,
            DecisionResponse.recorded_at < window.end,
            DecisionResponse.outcome == ResponseOutcome.ACCEPTED,
            DecisionResponse.user_id.is_not(None),
        )
    )
    saves = select(SaveCase.handled_by, func.count()).where(
        SaveCase.closed_at >= window.start,
        SaveCase.closed_at < window.end,
        SaveCase.status == SaveStatus.CLOSED,
        SaveCase.outcome == SaveOutcome.KEPT,
        SaveCase.arm == SaveArm.DESK,
        SaveCase.handled_by.is_not(None),
    )
    if user_ids is not None:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        offers = offers.where(Decision.user_id.in_(ids))
        accepted = accepted.where(DecisionResponse.user_id.in_(ids))
        saves = saves.where(SaveCase.handled_by.in_(ids))
    add(session.execute(offers.group_by(Decision.user_id)), "offers")
    add(session.execute(accepted.group_by(DecisionResponse.user_id)), "accepted", "revenue_cents")
    add(session.execute(saves.group_by(SaveCase.handled_by)), "saves")
    return {uid: Tally(user_id=uid, **values) for uid, values in found.items()}


@dataclass(frozen=True, slots=True)
class Member:
    """Someone on the board: his name, role and team. ``team`` is the key the leaderboard
    groups by: the agent's team (his login linked to an agent of a team), else the account
    manager's country (his pool's market), else None."""

    user_id: int
    name: str
    role: Role
    team: str | None
    team_label: str | None


def members(session: Session) -> list[Member]:
    """The active agents and account managers, by name."""
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.full_name,
            User.role,
            Team.id,
            Team.code,
            Team.name,
            AccountManager.country,
        )
        .outerjoin(Agent, Agent.user_id == User.id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .outerjoin(AccountManager, AccountManager.user_id == User.id)
        .where(User.active.is_(True), User.role.in_(BOARD_ROLES))
    ).all()
    out = []
    for uid, username, full_name, role, team_id, code, team_name, country in rows:
        team = label = None
        if team_id is not None:
            team, label = f"team:{team_id}", str(team_name or code)
        elif country:
            team, label = f"country:{country}", str(country)
        out.append(Member(int(uid), str(full_name or username), Role(role), team, label))
    return sorted(out, key=lambda m: (m.name.casefold(), m.user_id))


def member(session: Session, user: User) -> Member:
    """``user`` as the board sees him (a manager too: without a team)."""
    for m in members(session):
        if m.user_id == user.id:
            return m
    return Member(user.id, user.full_name or user.username, user.role, None, None)


def _goal(row: ScoreboardGoal) -> Goal:
    return Goal(
        offers=row.offers, accepted=row.accepted, revenue_cents=row.revenue_cents, saves=row.saves
    )


@dataclass(frozen=True, slots=True)
class Goals:
    """Every goal row: the personal ones by user id and the roles' defaults, with who set
    each one and when."""

    personal: dict[int, Goal]
    roles: dict[Role, Goal]
    rows: list[ScoreboardGoal]

    def of(self, user_id: int, role: Role) -> tuple[Goal | None, Goal | None]:
        return self.personal.get(user_id), self.roles.get(role)


def goals(session: Session) -> Goals:
    rows = list(session.scalars(select(ScoreboardGoal).order_by(ScoreboardGoal.id)))
    personal = {int(r.user_id): _goal(r) for r in rows if r.user_id is not None}
    roles = {Role(r.role): _goal(r) for r in rows if r.role is not None}
    return Goals(personal, roles, rows)


def goal_row(
    session: Session, *, user_id: int | None = None, role: Role | None = None
) -> ScoreboardGoal | None:
    if user_id is not None:
        return session.scalar(select(ScoreboardGoal).where(ScoreboardGoal.user_id == user_id))
    return session.scalar(select(ScoreboardGoal).where(ScoreboardGoal.role == role))


def with_defaults(tally: Tally | None, user_id: int) -> Tally:
    """``tally``, or an empty one for a user without activity."""
    return Tally(user_id=user_id) if tally is None else replace(tally, user_id=user_id)


def user_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The display names (full name, else username) of ``ids``."""
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.full_name).where(User.id.in_(sorted(ids)))
    )
    return {int(uid): str(full or name) for uid, name, full in rows}
