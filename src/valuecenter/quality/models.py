"""The closed loop with detractors (issue 20, point 5): one follow-up task per detractor answer.

NPS counts a *detractor* as an answer of 0 to 6 (Reichheld, "The One Number You Need to Grow",
HBR 2003); closing the loop means someone calls him back within 48 hours of his answer, writes
down what came of it, and the customer's next answer shows whether it helped.

- ``survey_id`` is unique: one task per detractor answer, whoever creates it first (the import,
  the demo load or ``valuecenter service followups sync``).
- ``owner_id`` is the login of the customer's account manager when he is in an active pool with
  a login, else NULL: unassigned, for the team lead to pick (``quality/followups.py``).
- ``due_at`` is the answer's time + 48 hours, whenever the answer was imported.
- ``status``: open, done (he was reached), unreachable (he was not), or expired (the answer
  was older than ``followup_max_age_days`` when it was imported: a task is kept so every
  detractor is counted, but nobody is asked to call about an old answer).
- ``followup_survey_id``: the customer's first answer after the task was closed, linked when
  it is imported.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime
from valuecenter.db.personal import PERSONAL
from valuecenter.db.types import str_enum


class FollowupStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    UNREACHABLE = "unreachable"
    EXPIRED = "expired"


class FollowupTask(Base):
    """A call back to a detractor: who, by when, and what came of it."""

    __tablename__ = "followup_tasks"
    __table_args__ = (
        # The open list and the overdue count read open tasks by due time.
        Index("ix_followup_tasks_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[FollowupStatus] = mapped_column(
        str_enum(FollowupStatus, "followup_status"),
        default=FollowupStatus.OPEN,
    )
    # What the call brought: what he said, what was promised (free text about him).
    outcome: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    followup_survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
