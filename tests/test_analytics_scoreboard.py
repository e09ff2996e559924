"""The scoreboard's arithmetic (issue 22, point 5): today's window in the display zone (also on
the days the clocks change), goals and their bounds, progress, points and the ranking with
its ties — each against figures worked out by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.scoreboard import (
    BUILT_IN_GOAL,
    MAX_GOAL,
    Goal,
    Tally,
    check_goal,
    day_window,
    kpi_progress,
    points,
    progress,
    rank,
    resolve_goal,
    top_with,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_today_runs_from_local_midnight_to_the_next() -> None:
    # 7 Dec 2026, 00:30 in Amsterdam is 6 Dec 23:30 UTC: already the 7th there.
    w = day_window(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), AMSTERDAM)
    assert w.day == date(2026, 12, 7)
    assert w.start == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    assert w.end == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    # 22:59 UTC on the 7th is 23:59 local: still the 7th; 23:00 UTC is the 8th.
    assert day_window(datetime(2026, 12, 7, 22, 59, tzinfo=UTC), AMSTERDAM).day == date(2026, 12, 7)
    assert day_window(datetime(2026, 12, 7, 23, 0, tzinfo=UTC), AMSTERDAM).day == date(2026, 12, 8)


def test_the_days_the_clocks_change_have_23_and_25_hours() -> None:
    spring = day_window(datetime(2026, 3, 29, 12, tzinfo=UTC), AMSTERDAM)
    assert spring.start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert spring.end - spring.start == timedelta(hours=23)
    autumn = day_window(datetime(2026, 10, 25, 12, tzinfo=UTC), AMSTERDAM)
    assert autumn.start == datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert autumn.end - autumn.start == timedelta(hours=25)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(InputError, match="now: must carry a time zone"):
        day_window(datetime(2026, 12, 7, 12), AMSTERDAM)


def test_goals_are_whole_numbers_within_their_bounds() -> None:
    assert check_goal(Goal(0, 0, 0, 0)) == Goal(0, 0, 0, 0)
    top = Goal(MAX_GOAL["offers"], MAX_GOAL["accepted"], MAX_GOAL["revenue_cents"], 1000)
    assert check_goal(top) == top
    with pytest.raises(InputError, match=r"^saves: must be from 0 to 1000$"):
        check_goal(Goal(1, 1, 1, 1001))
    with pytest.raises(InputError, match=r"^revenue_cents: must be from 0 to 100000000$"):
        check_goal(Goal(1, 1, -1, 1))
    with pytest.raises(InputError, match=r"^offers: must be a whole number$"):
        check_goal(Goal(True, 1, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^accepted: must be a whole number$"):
        check_goal(Goal(1, 2.5, 1, 1))  # type: ignore[arg-type]


def test_his_own_goal_comes_first_then_his_roles_then_the_built_in_one() -> None:
    own, role = Goal(10, 2, 20_000, 1), Goal(20, 4, 40_000, 2)
    assert resolve_goal(own, role) == (own, "personal")
    assert resolve_goal(None, role) == (role, "role")
    assert resolve_goal(None, None) == (BUILT_IN_GOAL, "built-in")


def test_progress_against_the_goal() -> None:
    assert progress(3, 4) == 0.75
    assert progress(6, 4) == 1.5  # past the goal: more than 100%
    assert progress(5, 0) is None  # no goal
    with pytest.raises(InputError):
        progress(-1, 4)


def test_each_kpi_against_its_goal() -> None:
    tally = Tally(user_id=7, offers=12, accepted=5, revenue_cents=31_000, saves=0)
    kpis = {k.kpi: k for k in kpi_progress(tally, Goal(30, 5, 50_000, 0))}
    assert list(kpis) == ["offers", "accepted", "revenue_cents", "saves"]
    assert kpis["offers"].progress == pytest.approx(0.4)
    assert (kpis["offers"].reached, kpis["offers"].remaining) == (False, 18)
    assert (kpis["accepted"].reached, kpis["accepted"].remaining, kpis["accepted"].bar) == (
        True,
        0,
        1.0,
    )
    assert kpis["revenue_cents"].remaining == 19_000
    assert kpis["revenue_cents"].bar == pytest.approx(0.62)
    assert kpis["saves"].progress is None
    assert not kpis["saves"].reached
    assert kpis["saves"].bar == 0.0
    over = kpi_progress(Tally(1, offers=45), Goal(30, 0, 0, 0))[0]
    assert over.progress == 1.5
    assert over.bar == 1.0
    assert over.remaining == 0


def test_points_follow_the_documented_rule() -> None:
    # 10 × 3 accepted + 25 × 2 saves + ⌊€ 456.78 / € 10⌋ = 30 + 50 + 45 = 125
    assert points(Tally(1, offers=40, accepted=3, revenue_cents=45_678, saves=2)) == 125
    assert points(Tally(1, offers=99)) == 0  # offers shown earn nothing
    assert points(Tally(1, revenue_cents=999)) == 0  # not yet a full € 10
    assert points(Tally(1, revenue_cents=1_000)) == 1
    with pytest.raises(InputError, match=r"^accepted: cannot be negative$"):
        points(Tally(1, accepted=-1))


def test_the_ranking_breaks_ties_and_shares_places() -> None:
    tallies = [
        Tally(1, accepted=2, revenue_cents=10_000),  # 20 + 10 = 30
        Tally(2, saves=1, revenue_cents=5_000),  # 25 + 5 = 30, less revenue than 1
        Tally(3, accepted=2, revenue_cents=10_000),  # exactly as 1: shares its place
        Tally(4, accepted=5),  # 50
        Tally(5),  # 0
        Tally(6, accepted=3, revenue_cents=0),  # 30, no revenue
    ]
    standings = rank(tallies)
    assert [(s.user_id, s.rank, s.points) for s in standings] == [
        (4, 1, 50),
        (1, 2, 30),
        (3, 2, 30),
        (2, 4, 30),
        (6, 5, 30),
        (5, 6, 0),
    ]


def test_a_person_appears_once() -> None:
    with pytest.raises(InputError, match="user 1 appears twice"):
        rank([Tally(1), Tally(1, accepted=1)])


def test_the_top_with_my_own_place() -> None:
    standings = rank(Tally(uid, accepted=20 - uid) for uid in range(1, 16))
    assert [s.user_id for s in top_with(standings, 3, 10)] == list(range(1, 11))
    assert [s.user_id for s in top_with(standings, 14, 10)] == [*range(1, 11), 14]
    assert [s.user_id for s in top_with(standings, None, 2)] == [1, 2]
    with pytest.raises(InputError):
        top_with(standings, 1, 0)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50), st.integers(0, 10**6), st.integers(0, 20), st.integers(0, 200)
        ),
        max_size=30,
    )
)
def test_ranks_never_rise_down_the_board_and_equals_share_one(
    rows: list[tuple[int, int, int, int]],
) -> None:
    tallies = [
        Tally(i + 1, accepted=a, revenue_cents=r, saves=s, offers=o)
        for i, (a, r, s, o) in enumerate(rows)
    ]
    standings = rank(tallies)
    assert sorted(s.user_id for s in standings) == [t.user_id for t in tallies]
    for position, (before, after) in enumerate(itertools.pairwise(standings)):
        assert before.points >= after.points
        key_b = (before.points, before.tally.revenue_cents, before.tally.accepted)
        key_a = (after.points, after.tally.revenue_cents, after.tally.accepted)
        assert key_b >= key_a
        same = key_b == key_a and before.tally.saves == after.tally.saves
        assert (after.rank == before.rank) == same
        if not same:
            assert after.rank == position + 2
