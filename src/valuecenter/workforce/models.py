"""The planning side of the workforce (issue 21): skills, shifts and schedules, the peak days the
forecasts know, the staffing settings, and the forecast runs and staffing plans with their
intervals.

Agents and teams themselves stay records (``agents/models.py``): contacts, save cases and
surveys point at them from below this layer; the workforce domain builds on them.

- **agent_skills**: what an agent can do (a skill such as a queue's function or a channel), at
  which level (1 learning … 5 expert) and in which language.
- **shifts** and **schedule_entries**: the shift patterns of a team (start in local time,
  length, weekdays) and who works when (UTC), imported or planned.
- **peak_days**: the commercial peak days the forecasts mark and learn an effect for
  (Valentine's Day, Mother's Day, …), each a rule of ``analytics.forecasting.calendar`` the
  user can edit; Dutch public holidays come from the ``holidays`` package.
- **staffing_settings**: one row: shrinkage, the occupancy cap, hours per FTE week and the
  costs per hour of a fixed and a flex agent, which the staffing plans and the service P&L
  read.
- **forecast_runs** / **forecast_points**: one forecast of one queue (model, backtest MASE,
  its interval level) and its points, UTC.
- **staffing_plans** / **staffing_intervals**: the agents each forecast interval needs for the
  queue's service-level target, under the settings copied into the plan when it was made.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL
from valuecenter.db.types import str_enum


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (
        UniqueConstraint("agent_id", "skill", "language"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    level: Mapped[int] = mapped_column(SmallInteger, default=3)
    language: Mapped[str] = mapped_column(String(8), default="", info=NOT_PERSONAL)


class Shift(Base):
    """A shift pattern: starts at ``start_minute`` after local midnight, lasts ``minutes``, on
    the weekdays marked in ``weekdays`` (seven characters Monday … Sunday, ``1`` = works)."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_minute_range"),
        CheckConstraint("minutes BETWEEN 15 AND 960", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    start_minute: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[str] = mapped_column(String(7), default="1111100", info=NOT_PERSONAL)


class ScheduleKind(enum.StrEnum):
    WORK = "work"
    TRAINING = "training"
    LEAVE = "leave"


class ScheduleEntry(Base):
    __tablename__ = "schedule_entries"
    __table_args__ = (
        UniqueConstraint("agent_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[ScheduleKind] = mapped_column(
        str_enum(ScheduleKind, "schedule_kind"), default=ScheduleKind.WORK
    )


class PeakDay(Base):
    __tablename__ = "peak_days"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    rule: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    active: Mapped[bool] = mapped_column(default=True)


class StaffingSettings(Base):
    """The one row of staffing settings (id 1); money in cents an hour or a year."""

    __tablename__ = "staffing_settings"
    __table_args__ = (
        CheckConstraint("shrinkage >= 0 AND shrinkage < 1", name="shrinkage_range"),
        CheckConstraint(
            "max_occupancy IS NULL OR (max_occupancy > 0 AND max_occupancy <= 1)",
            name="max_occupancy_range",
        ),
        CheckConstraint("hours_per_fte_week > 0 AND hours_per_fte_week <= 80", name="fte_hours"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shrinkage: Mapped[float] = mapped_column(Float, default=0.3)
    max_occupancy: Mapped[float | None] = mapped_column(Float, default=0.85)
    hours_per_fte_week: Mapped[float] = mapped_column(Float, default=36.0)
    cost_per_hour_cents: Mapped[int] = mapped_column(Integer, default=2_200)
    flex_cost_per_hour_cents: Mapped[int] = mapped_column(Integer, default=2_800)
    flex_fixed_cost_per_year_cents: Mapped[int] = mapped_column(Integer, default=150_000)
    flex_hours_per_agent_week: Mapped[float] = mapped_column(Float, default=20.0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ForecastRun(Base):
    __tablename__ = "forecast_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    queue: Mapped[str] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    timezone: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    freq: Mapped[str] = mapped_column(String(8), info=NOT_PERSONAL)
    model: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    horizon: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    mase: Mapped[float | None] = mapped_column(Float)
    mase_seasonal_naive: Mapped[float | None] = mapped_column(Float)
    history_from: Mapped[datetime] = mapped_column(UTCDateTime)
    history_to: Mapped[datetime] = mapped_column(UTCDateTime)
    contacts: Mapped[int] = mapped_column(Integer)
    filled_missing: Mapped[int] = mapped_column(Integer, default=0)
    aht_seconds: Mapped[float] = mapped_column(Float)
    backtest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=NOT_PERSONAL)


class ForecastPoint(Base):
    __tablename__ = "forecast_points"
    __table_args__ = (UniqueConstraint("run_id", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    lo: Mapped[float] = mapped_column(Float)
    hi: Mapped[float] = mapped_column(Float)


class StaffingPlan(Base):
    __tablename__ = "staffing_plans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_runs.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)  # erlang-c / erlang-a
    service_level_share: Mapped[float] = mapped_column(Float)
    service_level_seconds: Mapped[int] = mapped_column(Integer)
    aht_seconds: Mapped[float] = mapped_column(Float)
    patience_seconds: Mapped[float | None] = mapped_column(Float)
    shrinkage: Mapped[float] = mapped_column(Float)
    max_occupancy: Mapped[float | None] = mapped_column(Float)
    hours_per_fte_week: Mapped[float] = mapped_column(Float)
    cost_per_hour_cents: Mapped[int] = mapped_column(Integer)
    on_phone_hours: Mapped[float] = mapped_column(Float)
    paid_hours: Mapped[float] = mapped_column(Float)
    cost_cents: Mapped[int] = mapped_column(Integer)


class StaffingInterval(Base):
    __tablename__ = "staffing_intervals"
    __table_args__ = (UniqueConstraint("plan_id", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("staffing_plans.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    calls: Mapped[float] = mapped_column(Float)
    agents: Mapped[int] = mapped_column(Integer)
    agents_with_shrinkage: Mapped[int] = mapped_column(Integer)
    service_level: Mapped[float] = mapped_column(Float)
    occupancy: Mapped[float] = mapped_column(Float)
    abandon_rate: Mapped[float | None] = mapped_column(Float)
