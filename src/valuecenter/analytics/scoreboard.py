"""The live scoreboard's arithmetic (issue 22, point 5): today's window, goals, progress,
points and the leaderboard's ranking. Pure: the scoreboard package reads the tallies from the
database and hands them here.

Seed 004 (point 5): "Commerciële doelen lenen zich goed voor gamification en commerciële KPI's
zorgen voor 'tastbaar' resultaat …, met name als je deze KPI's realtime inzichtelijk maakt voor
medewerkers." So each agent and account manager sees four commercial KPIs of today against a
personal goal for the day:

- **offers** — next-best-action decisions shown to him in the treatment arm;
- **accepted** — the offers the customer accepted, recorded by him;
- **revenue** — the value (``Action.value_cents``) of those accepted offers;
- **saves** — save-desk cases he closed today with the customer kept.

**Goal.** His own goal when a manager set one, else the default of his role, else the
built-in :data:`BUILT_IN_GOAL`; a goal of 0 means "no goal" for that KPI (no bar).

**Progress** is actual ÷ goal (it may pass 100%; the bar stops at the end).

**Points** (the leaderboard's score), whole numbers:
``10 × accepted + 25 × saves + 1 per full €10 of accepted revenue``. Offers *made* earn no
points: showing an offer is not a result, and counting it would reward opening customers'
pages. A save is worth more than an accepted offer (a customer kept is a year of revenue,
seed 001); revenue adds points so a large sale counts for more than a small one.

**Ranking**: by points, then revenue, then accepted offers, then saves, all descending;
who is equal on all four shares the rank ("1, 2, 2, 4", competition ranking), listed by
user id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

KPIS: tuple[str, ...] = ("offers", "accepted", "revenue_cents", "saves")
"""The four KPIs, in the order the board shows them."""

MAX_GOAL: Mapping[str, int] = {
    "offers": 10_000,
    "accepted": 10_000,
    "revenue_cents": 100_000_000,  # € 1,000,000 a day
    "saves": 1_000,
}
"""The largest goal for a day a manager may set, per KPI (far above any real day)."""

ACCEPT_POINTS = 10
SAVE_POINTS = 25
REVENUE_CENTS_PER_POINT = 1_000  # one point per full € 10 of accepted revenue

GoalSource = Literal["personal", "role", "built-in"]


@dataclass(frozen=True, slots=True)
class Goal:
    """A day's goal per KPI (0: no goal for that KPI); revenue in cents."""

    offers: int
    accepted: int
    revenue_cents: int
    saves: int

    def value(self, kpi: str) -> int:
        return int(getattr(self, kpi))


BUILT_IN_GOAL = Goal(offers=30, accepted=5, revenue_cents=50_000, saves=2)
"""The goal of whoever has neither a goal of his own nor a default of his role: 30 offers
shown, 5 accepted, € 500 of accepted value and 2 saves a day."""


def check_goal(goal: Goal) -> Goal:
    """``goal`` when every KPI is a whole number from 0 to :data:`MAX_GOAL`; else
    :class:`InputError` naming the KPI."""
    for kpi in KPIS:
        value = getattr(goal, kpi)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(N_("%(kpi)s: must be a whole number"), kpi=kpi)
        if not 0 <= value <= MAX_GOAL[kpi]:
            raise InputError(N_("%(kpi)s: must be from 0 to %(max)s"), kpi=kpi, max=MAX_GOAL[kpi])
    return goal


def resolve_goal(personal: Goal | None, role: Goal | None) -> tuple[Goal, GoalSource]:
    """The goal that applies and where it comes from: his own, his role's, or built in."""
    if personal is not None:
        return personal, "personal"
    if role is not None:
        return role, "role"
    return BUILT_IN_GOAL, "built-in"


@dataclass(frozen=True, slots=True)
class DayWindow:
    """Today in the display zone: the local date and its bounds in UTC, [start, end)."""

    day: date
    start: datetime
    end: datetime


def day_window(now: datetime, zone: tzinfo) -> DayWindow:
    """The local day of ``now`` in ``zone`` as a UTC interval: from local midnight to the next
    one (23 or 25 hours on the days the clocks change)."""
    if now.tzinfo is None:
        raise InputError(N_("now: must carry a time zone"))
    local = now.astimezone(zone).date()
    start = datetime.combine(local, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(local + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return DayWindow(local, start, end)


@dataclass(frozen=True, slots=True)
class Tally:
    """One person's KPIs of the day."""

    user_id: int
    offers: int = 0
    accepted: int = 0
    revenue_cents: int = 0
    saves: int = 0

    def value(self, kpi: str) -> int:
        return int(getattr(self, kpi))


def check_tally(tally: Tally) -> Tally:
    """``tally`` when no count is negative; else :class:`InputError` naming the KPI."""
    for kpi in KPIS:
        if tally.value(kpi) < 0:
            raise InputError(N_("%(kpi)s: cannot be negative"), kpi=kpi)
    return tally


@dataclass(frozen=True, slots=True)
class KpiProgress:
    """One KPI against its goal. ``progress`` is None without a goal; ``remaining`` is what is
    still needed to reach it (0 once reached)."""

    kpi: str
    actual: int
    goal: int
    progress: float | None
    reached: bool
    remaining: int

    @property
    def bar(self) -> float:
        """The share of the bar to fill, 0 to 1."""
        return 0.0 if self.progress is None else min(self.progress, 1.0)


def progress(actual: int, goal: int) -> float | None:
    """actual ÷ goal, None without a goal (goal 0)."""
    if actual < 0 or goal < 0:
        raise InputError(N_("progress: actual and goal cannot be negative"))
    return None if goal == 0 else actual / goal


def kpi_progress(tally: Tally, goal: Goal) -> list[KpiProgress]:
    """Each KPI of ``tally`` against ``goal``, in the order of :data:`KPIS`."""
    check_tally(tally)
    out = []
    for kpi in KPIS:
        actual, target = tally.value(kpi), goal.value(kpi)
        share = progress(actual, target)
        out.append(
            KpiProgress(
                kpi=kpi,
                actual=actual,
                goal=target,
                progress=share,
                reached=share is not None and actual >= target,
                remaining=max(target - actual, 0),
            )
        )
    return out


def points(tally: Tally) -> int:
    """The day's points: 10 a accepted offer, 25 a save, 1 per full € 10 of accepted revenue
    (negative revenue — a refunded action's negative value — earns none)."""
    check_tally(tally)
    return (
        ACCEPT_POINTS * tally.accepted
        + SAVE_POINTS * tally.saves
        + max(tally.revenue_cents, 0) // REVENUE_CENTS_PER_POINT
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """One place on the leaderboard."""

    rank: int
    tally: Tally
    points: int

    @property
    def user_id(self) -> int:
        return self.tally.user_id


def _key(tally: Tally, score: int) -> tuple[int, int, int, int]:
    return (score, tally.revenue_cents, tally.accepted, tally.saves)


def rank(tallies: Iterable[Tally]) -> list[Standing]:
    """The leaderboard: best first by points, revenue, accepted offers and saves; equals share
    a rank (competition ranking) and are listed by user id. One tally per user."""
    scored = [(t, points(t)) for t in tallies]
    seen: set[int] = set()
    for t, _score in scored:
        if t.user_id in seen:
            raise InputError(N_("tallies: user %(id)s appears twice"), id=t.user_id)
        seen.add(t.user_id)
    scored.sort(key=lambda ts: (tuple(-v for v in _key(*ts)), ts[0].user_id))
    out: list[Standing] = []
    previous: tuple[int, int, int, int] | None = None
    place = 0
    for position, (t, score) in enumerate(scored, start=1):
        key = _key(t, score)
        if key != previous:
            place, previous = position, key
        out.append(Standing(rank=place, tally=t, points=score))
    return out


def top_with(standings: Sequence[Standing], user_id: int | None, size: int) -> list[Standing]:
    """The first ``size`` places, plus ``user_id``'s own place when it is further down (so
    everyone sees where he stands)."""
    if size < 1:
        raise InputError(N_("size: must be at least 1"))
    shown = list(standings[:size])
    if user_id is not None and all(s.user_id != user_id for s in shown):
        shown.extend(s for s in standings[size:] if s.user_id == user_id)
    return shown
