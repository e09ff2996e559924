"""Request and response models of the closed loop's API (``/api/v1/followups``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.customers.schemas import CustomerRef
from valuecenter.customers.worklist import NOTE_MAX
from valuecenter.quality.followups import FollowupCounts, TaskRow
from valuecenter.quality.models import FollowupStatus


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FollowupOut(_Out):
    id: int
    customer: CustomerRef
    nps: int = Field(description="The detractor's answer (0–6).")
    answered_at: datetime
    due_at: datetime = Field(description="The answer's time + 48 hours.")
    overdue: bool = Field(description="Open and past its due time.")
    owner: str | None = Field(description="The assignee's username; none: unassigned.")
    status: FollowupStatus
    outcome: str | None = Field(description="What came of the call.")
    closed_at: datetime | None
    closed_by: str | None = Field(description="Username of who closed it.")
    followup_nps: int | None = Field(description="The customer's next answer after the call.")
    followup_answered_at: datetime | None

    @classmethod
    def of(cls, row: TaskRow) -> FollowupOut:
        t = row.task
        return cls(
            id=t.id,
            customer=row.customer,
            nps=row.nps,
            answered_at=row.answered_at,
            due_at=t.due_at,
            overdue=row.overdue,
            owner=row.owner,
            status=t.status,
            outcome=t.outcome,
            closed_at=t.closed_at,
            closed_by=row.closed_by,
            followup_nps=row.followup_nps,
            followup_answered_at=row.followup_answered_at,
        )


class CountsOut(_Out):
    open: int
    overdue: int
    done: int
    unreachable: int
    expired: int = Field(description="Answers too old to call about when imported.")
    done_in_time_share: float | None = Field(
        description="Done within 48 hours, among the tasks closed by hand or past due."
    )
    linked: int = Field(description="Closed tasks with the customer's next answer.")

    @classmethod
    def of(cls, c: FollowupCounts) -> CountsOut:
        return cls(
            open=c.open,
            overdue=c.overdue,
            done=c.done,
            unreachable=c.unreachable,
            expired=c.expired,
            done_in_time_share=c.done_in_time_share,
            linked=c.linked,
        )


class FollowupPage(_Out):
    items: list[FollowupOut]
    total: int
    page: int
    page_size: int
    counts: CountsOut


class CloseIn(BaseModel):
    """How the call went: done (the outcome is required) or unreachable."""

    status: Literal["done", "unreachable"]
    outcome: str | None = Field(
        default=None, max_length=NOTE_MAX, description="What came of the call (done: required)."
    )
