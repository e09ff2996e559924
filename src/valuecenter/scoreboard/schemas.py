"""The scoreboard's API shapes (``GET /api/v1/scoreboard/me``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from valuecenter.analytics.scoreboard import KpiProgress
from valuecenter.scoreboard.service import Board


class KpiOut(BaseModel):
    kpi: Literal["offers", "accepted", "revenue_cents", "saves"] = Field(
        description="offers: NBA decisions shown to you (treatment arm); accepted: answers "
        "'accepted' you recorded; revenue_cents: the accepted actions' value; saves: save-desk "
        "cases (desk arm) you closed with the customer kept."
    )
    actual: int
    goal: int = Field(description="Today's goal; 0 means no goal for this KPI.")
    progress: float | None = Field(description="actual ÷ goal; null without a goal.")
    reached: bool
    remaining: int = Field(description="Still needed to reach the goal (0 once reached).")

    @classmethod
    def of(cls, k: KpiProgress) -> KpiOut:
        return cls(
            kpi=k.kpi,
            actual=k.actual,
            goal=k.goal,
            progress=None if k.progress is None else round(k.progress, 4),
            reached=k.reached,
            remaining=k.remaining,
        )


class ScoreboardOut(BaseModel):
    """The caller's commercial KPIs of today against his goal (docs/scoreboard.md)."""

    user_id: int
    day: date = Field(description="Today in the display time zone.")
    timezone: str
    window_start: datetime = Field(description="Local midnight, in UTC.")
    window_end: datetime = Field(description="The next local midnight, in UTC (exclusive).")
    as_of: datetime
    kpis: list[KpiOut]
    goal_source: Literal["personal", "role", "built-in"] = Field(
        description="personal: your own goal; role: your role's default; built-in: neither is set."
    )
    points: int = Field(description="10 per accepted offer, 25 per save, 1 per full €10.")
    leaderboard: Literal["off", "team", "everyone"] = Field(
        description="The leaderboard's mode a manager chose."
    )
    rank: int | None = Field(description="Your place on the leaderboard you see; null when off.")
    ranked: int | None = Field(description="How many are ranked on it; null when off.")

    @classmethod
    def of(cls, b: Board, timezone: str) -> ScoreboardOut:
        board = b.leaderboard
        return cls(
            user_id=b.tally.user_id,
            day=b.window.day,
            timezone=timezone,
            window_start=b.window.start,
            window_end=b.window.end,
            as_of=b.now,
            kpis=[KpiOut.of(k) for k in b.kpis],
            goal_source=b.goal_source,
            points=b.points,
            leaderboard=b.mode.value,
            rank=board.my_rank if board else None,
            ranked=board.ranked if board else None,
        )
