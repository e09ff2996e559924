"""The scoreboard's tables: the goals for a day (per person, or the default of a role) and
the one row of settings (is the leaderboard on, and whom does it show).

Goals are whole numbers per day; revenue in cents. A goal row belongs to exactly one person
(``user_id``) or to one role (``role``): a manager sets both on ``/scoreboard/goals``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.types import str_enum
from valuecenter.users.models import Role


class LeaderboardMode(enum.StrEnum):
    """Who sees the leaderboard, and whose names: ``off`` — agents and account managers see
    only their own board; ``team`` — the ranking of their own team, with names; ``everyone``
    — the ranking of every agent and account manager, with names. Managers always see it."""

    OFF = "off"
    TEAM = "team"
    EVERYONE = "everyone"


class ScoreboardGoal(Base):
    """A goal for a day: a person's own (``user_id``) or a role's default (``role``)."""

    __tablename__ = "scoreboard_goals"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (role IS NULL)", name="one_owner"),
        CheckConstraint(
            "offers >= 0 AND accepted >= 0 AND revenue_cents >= 0 AND saves >= 0",
            name="not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[Role | None] = mapped_column(str_enum(Role, "goal_role"), unique=True)
    offers: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    saves: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ScoreboardSettings(Base):
    """The scoreboard's settings: one row (id 1); missing means the defaults."""

    __tablename__ = "scoreboard_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leaderboard: Mapped[LeaderboardMode] = mapped_column(
        str_enum(LeaderboardMode, "leaderboard_mode"), default=LeaderboardMode.TEAM
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
