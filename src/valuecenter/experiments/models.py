"""Experiments, their assignments and the per-stratum counts that keep arms balanced.

- An **experiment** has a unique key (the hash of the assignment is keyed by it), a kind (a
  campaign, the save desk, the next best action's control group of one month, the global
  holdout), its treated share and — for designed experiments — the pre-registered design
  (primary metric, baseline, minimum detectable effect, α, power, the planned units and the
  decision rule), fixed at launch.
- An **assignment** puts one customer in one arm of one experiment, once: the unique
  constraint makes "the same customer in the same experiment lands in the same arm" a fact
  of the database, not only of the hash.
- A **stratum's counts** (treated, total) let units that arrive one at a time be assigned by
  the kernel's balanced rule (``next_arm``), within one unit of the share in every stratum.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import NOT_PERSONAL
from valuecenter.db.types import str_enum


class ExperimentKind(enum.StrEnum):
    CAMPAIGN = "campaign"
    SAVE_DESK = "save-desk"
    NBA_CONTROL = "nba-control"
    HOLDOUT = "holdout"


class ExperimentStatus(enum.StrEnum):
    DRAFT = "draft"  # the design can still change
    RUNNING = "running"  # launched: the design is pre-registered and fixed
    STOPPED = "stopped"
    COMPLETED = "completed"


class Experiment(Base):
    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True, info=NOT_PERSONAL)
    kind: Mapped[ExperimentKind] = mapped_column(str_enum(ExperimentKind, "experiment_kind"))
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    status: Mapped[ExperimentStatus] = mapped_column(
        str_enum(ExperimentStatus, "experiment_status")
    )
    treated_share: Mapped[float] = mapped_column(Float)
    primary_metric: Mapped[str | None] = mapped_column(String(32), info=NOT_PERSONAL)
    baseline_rate: Mapped[float | None] = mapped_column(Float)
    mde: Mapped[float | None] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float, default=0.05)
    power: Mapped[float] = mapped_column(Float, default=0.8)
    planned_treated: Mapped[int | None] = mapped_column(Integer)
    planned_control: Mapped[int | None] = mapped_column(Integer)
    decision_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExperimentAssignment(Base):
    __tablename__ = "experiment_assignments"
    __table_args__ = (UniqueConstraint("experiment_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    stratum: Mapped[str] = mapped_column(String(120), info=NOT_PERSONAL)
    treated: Mapped[bool] = mapped_column(Boolean)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExperimentStratum(Base):
    __tablename__ = "experiment_strata"

    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(120), primary_key=True, info=NOT_PERSONAL)
    treated: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
