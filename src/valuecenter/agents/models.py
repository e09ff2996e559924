"""Agents and teams, with hire and leave dates (attrition, C18) and employee NPS (C14)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), info=NOT_PERSONAL)
    language: Mapped[str | None] = mapped_column(String(8), info=NOT_PERSONAL)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(8), info=NOT_PERSONAL)
    skills: Mapped[str | None] = mapped_column(String(400), info=NOT_PERSONAL)
    hire_date: Mapped[date | None]
    leave_date: Mapped[date | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)


class EmployeeSurvey(Base):
    """One answer of an agent to the employee NPS question (0–10)."""

    __tablename__ = "employee_surveys"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        UniqueConstraint("agent_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
