"""The live scoreboard on every backend (issue 22, point 5): today's tallies counted from the
decision log, the answers and the save desk by exactly the documented rules (only today in the
display zone, only the treatment arm, only his own, only the desk arm's kept customers), the
goals' precedence and validation, and who sees whose place on the leaderboard in each mode.

The decisions and answers are made through the engine's own use cases (``offers/decisions.py``)
on the small company's catalogue (``tests/test_web_nba_pages.py``: no exploration, no control
group, so the shown actions are the catalogue's best); save cases are written as the desk
writes a closed one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_nba_pages import CATALOGUE
from tests.web_fixtures import NOW, World, password_hash
from valuecenter.agents.models import Agent, Team
from valuecenter.analytics.scoreboard import BUILT_IN_GOAL, Goal, day_window
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.offers import catalogue, decisions
from valuecenter.offers.engine import load_engine
from valuecenter.offers.models import Action, Decision, DecisionArm
from valuecenter.retention.models import SaveArm, SaveCase, SaveOutcome, SaveSource, SaveStatus
from valuecenter.scoreboard import repository, service
from valuecenter.scoreboard.models import LeaderboardMode
from valuecenter.users.models import Role, User

ZONE = ZoneInfo("Europe/Amsterdam")
# The day after the test world's NOW (every one of its orders, contacts and answers lies
# before it, as a real company's history lies before today), read in Amsterdam: 10:00 that
# morning, 23:30 the evening before, 00:05 just after midnight. Fixed dates went wrong once the
# world, built around the real today, moved past them.
DAY = (NOW + timedelta(days=1)).date()


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


MORNING = _local(DAY, 10, 0)
YESTERDAY_LATE = _local(DAY - timedelta(days=1), 23, 30)
JUST_AFTER_MIDNIGHT = _local(DAY, 0, 5)
LATER = MORNING + timedelta(hours=5)


@dataclass
class Staff:
    agent: User
    agent2: User  # same team as agent
    agent3: User  # another team
    am: User  # account manager of the NL market
    manager: User


def _user(session: Session, username: str, role: Role, full_name: str) -> User:
    user = User(username=username, full_name=full_name, password_hash=password_hash(), role=role)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def staff(world: World, sessions: sessionmaker[Session]) -> Staff:
    with sessions() as session:
        catalogue.import_catalogue(session, copy.deepcopy(CATALOGUE))
        agent = session.get(User, world.users["agent"].id)
        am = session.get(User, world.users["account_manager"].id)
        manager = session.get(User, world.users["manager"].id)
        assert agent is not None
        assert am is not None
        assert manager is not None
        agent2 = _user(session, "agent2", Role.AGENT, "Bo Visser")
        agent3 = _user(session, "agent3", Role.AGENT, "Cas Smit")
        t1 = session.scalar(select(Team).where(Team.code == "T1"))
        assert t1 is not None
        t2 = Team(code="T2", name="Sales BE")
        session.add(t2)
        session.flush()
        a7 = session.scalar(select(Agent).where(Agent.external_id == "A-7"))
        assert a7 is not None
        a7.user_id = agent.id
        session.add_all(
            [
                Agent(external_id="A-8", name="Bo Visser", team_id=t1.id, user_id=agent2.id),
                Agent(external_id="A-9", name="Cas Smit", team_id=t2.id, user_id=agent3.id),
            ]
        )
        assert world.own_pool is not None
        pool = session.get(type(world.own_pool), world.own_pool.id)
        assert pool is not None
        pool.country = "NL"
        session.commit()
        return Staff(agent, agent2, agent3, am, manager)


def _decide_and_answer(
    session: Session, user: User, customer: int, at: datetime, answer: str | None, code: str
) -> int:
    """A decision for ``customer`` by ``user`` at ``at``; ``answer`` to the action ``code``."""
    engine = load_engine(session)
    out = decisions.decide(
        session,
        engine,
        decisions.Request(customer_id=customer, channel="phone"),
        viewer=user,
        zone=ZONE,
        now=at,
    )
    if answer is not None:
        action = next(a for a in out.actions if a.code == code)
        decisions.record_response(
            session,
            decision_id=out.decision_id,
            action_id=action.action_id,
            outcome=answer,
            viewer=user,
            now=at + timedelta(minutes=2),
        )
    return out.decision_id


def _case(
    session: Session,
    customer: int,
    by: User,
    closed: datetime,
    *,
    arm: SaveArm = SaveArm.DESK,
    outcome: SaveOutcome = SaveOutcome.KEPT,
) -> None:
    session.add(
        SaveCase(
            customer_id=customer, source=SaveSource.IVR, opened_at=closed - timedelta(hours=1),
            arm=arm, status=SaveStatus.CLOSED, value_cents=50_000, reasons=[], suggestion={},
            outcome=outcome, closed_at=closed, handled_by=by.id,
        )
    )  # fmt: skip


@pytest.fixture
def day(staff: Staff, world: World, sessions: sessionmaker[Session]) -> Staff:
    """The agent's day: 3 offers shown today (and one in the control group, one yesterday),
    2 accepted (oven check € 200, thank-you call € 10), 2 saves (and three that do not count);
    agent2 one accepted oven check; the account manager one rejected offer."""
    c = world.customers
    with sessions() as session:
        agent = session.get(User, staff.agent.id)
        agent2 = session.get(User, staff.agent2.id)
        am = session.get(User, staff.am.id)
        assert agent is not None
        assert agent2 is not None
        assert am is not None
        _decide_and_answer(session, agent, c["C2001"].id, YESTERDAY_LATE, "accepted", "oven-check")
        _decide_and_answer(
            session, agent, c["C1001"].id, JUST_AFTER_MIDNIGHT, "accepted", "oven-check"
        )
        _decide_and_answer(session, agent, c["C1002"].id, MORNING, "rejected", "oven-check")
        _decide_and_answer(session, agent, c["C1003"].id, MORNING, "accepted", "thank-you")
        control = _decide_and_answer(session, agent, c["D9001"].id, MORNING, None, "")
        row = session.get(Decision, control)
        assert row is not None
        row.arm = DecisionArm.CONTROL
        _decide_and_answer(session, agent2, c["C2002"].id, MORNING, "accepted", "oven-check")
        _decide_and_answer(session, am, c["C1002"].id, LATER, "rejected", "thank-you")
        _case(session, c["C1001"].id, agent, MORNING)
        _case(session, c["C1002"].id, agent, LATER)
        _case(session, c["C1003"].id, agent, MORNING, arm=SaveArm.CONTROL)
        _case(session, c["C2001"].id, agent, MORNING, outcome=SaveOutcome.CANCELLED)
        _case(session, c["C2002"].id, agent, YESTERDAY_LATE)
        session.commit()
    return staff


def _values(session: Session) -> dict[str, int]:
    return {
        str(code): int(v) for code, v in session.execute(select(Action.code, Action.value_cents))
    }


def test_todays_tallies_follow_the_rules(day: Staff, session: Session) -> None:
    value = _values(session)
    window = day_window(LATER, ZONE)
    found = repository.tallies(session, window)
    mine = found[day.agent.id]
    assert (mine.offers, mine.accepted, mine.saves) == (3, 2, 2)
    assert mine.revenue_cents == value["oven-check"] + value["thank-you"] == 21_000
    other = found[day.agent2.id]
    assert (other.offers, other.accepted, other.revenue_cents, other.saves) == (1, 1, 20_000, 0)
    am = found[day.am.id]
    assert (am.offers, am.accepted, am.revenue_cents) == (1, 0, 0)
    assert day.agent3.id not in found
    assert day.manager.id not in found
    # Only the asked users; and yesterday has yesterday's.
    assert set(repository.tallies(session, window, [day.agent2.id])) == {day.agent2.id}
    assert repository.tallies(session, window, []) == {}
    before = repository.tallies(session, day_window(YESTERDAY_LATE, ZONE))[day.agent.id]
    assert (before.offers, before.accepted, before.saves) == (1, 1, 1)


def test_the_agents_board_with_the_team_ranking(day: Staff, session: Session) -> None:
    agent = session.get(User, day.agent.id)
    assert agent is not None
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert b.window.day == DAY
    assert b.goal == BUILT_IN_GOAL
    assert b.goal_source == "built-in"
    kpis = {k.kpi: k for k in b.kpis}
    assert (kpis["offers"].actual, kpis["offers"].goal) == (3, 30)
    assert kpis["saves"].reached
    assert kpis["saves"].progress == 1.0
    assert kpis["revenue_cents"].remaining == 50_000 - 21_000
    assert b.points == 10 * 2 + 25 * 2 + 21  # 91
    assert b.mode == LeaderboardMode.TEAM
    assert not b.managing
    board = b.leaderboard
    assert board is not None
    assert board.scope == "team"
    assert board.team_label == "Service NL"
    assert [(r.member.name, r.rank, r.points, r.me) for r in board.rows] == [
        ("Agent User", 1, 91, True),
        ("Bo Visser", 2, 30, False),  # 10 + € 200 / € 10
    ]
    assert (board.my_rank, board.ranked) == (1, 2)


def test_the_account_managers_team_is_his_market(day: Staff, session: Session) -> None:
    am = session.get(User, day.am.id)
    assert am is not None
    b = service.board(session, am, now=LATER, zone=ZONE)
    assert b.leaderboard is not None
    assert b.leaderboard.team_label == "NL"
    assert [r.member.user_id for r in b.leaderboard.rows] == [day.am.id]


def test_off_shows_only_his_own_board_and_everyone_shows_all(day: Staff, session: Session) -> None:
    manager = session.get(User, day.manager.id)
    agent = session.get(User, day.agent3.id)
    assert manager is not None
    assert agent is not None
    assert service.leaderboard_mode(session) == LeaderboardMode.TEAM
    service.set_leaderboard(session, "off", by=manager)
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert b.leaderboard is None
    assert b.mode == LeaderboardMode.OFF
    assert b.points == 0
    assert [k.actual for k in b.kpis] == [0, 0, 0, 0]
    # The manager still sees everyone, and that the others do not.
    seen = service.board(session, manager, now=LATER, zone=ZONE)
    assert seen.managing
    assert seen.leaderboard is not None
    assert seen.leaderboard.scope == "all"
    assert [r.member.user_id for r in seen.leaderboard.rows] == [
        day.agent.id, day.agent2.id, day.am.id, day.agent3.id,
    ]  # fmt: skip
    assert [r.rank for r in seen.leaderboard.rows] == [1, 2, 3, 3]
    service.set_leaderboard(session, "everyone", by=manager)
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert b.leaderboard is not None
    assert b.leaderboard.scope == "everyone"
    assert b.leaderboard.ranked == 4
    assert b.leaderboard.my_rank == 3
    with pytest.raises(InvalidInput, match=r"^leaderboard: 'loud' is not one of off, team"):
        service.set_leaderboard(session, "loud", by=manager)


def test_a_deactivated_agent_leaves_the_board(day: Staff, session: Session) -> None:
    agent2 = session.get(User, day.agent2.id)
    agent = session.get(User, day.agent.id)
    assert agent2 is not None
    assert agent is not None
    agent2.active = False
    session.flush()
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert b.leaderboard is not None
    assert [r.member.user_id for r in b.leaderboard.rows] == [day.agent.id]


def test_goals_own_then_role_then_built_in(day: Staff, session: Session) -> None:
    manager = session.get(User, day.manager.id)
    agent = session.get(User, day.agent.id)
    assert manager is not None
    assert agent is not None
    service.set_goal(session, Goal(20, 4, 40_000, 1), by=manager, role=Role.AGENT)
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert (b.goal, b.goal_source) == (Goal(20, 4, 40_000, 1), "role")
    service.set_goal(session, Goal(10, 2, 0, 0), by=manager, user_id=agent.id)
    b = service.board(session, agent, now=LATER, zone=ZONE)
    assert (b.goal, b.goal_source) == (Goal(10, 2, 0, 0), "personal")
    revenue = next(k for k in b.kpis if k.kpi == "revenue_cents")
    assert revenue.progress is None  # no revenue goal for him
    # Setting again changes the same row; the leaderboard shows each one's own goal.
    service.set_goal(session, Goal(12, 2, 0, 0), by=manager, user_id=agent.id)
    personal, roles = service.goal_lines(session)
    assert [(g.name, g.goal.offers, g.set_by) for g in personal] == [
        ("Agent User", 12, "Manager User")
    ]
    assert list(roles) == [Role.AGENT]
    assert b.leaderboard is not None
    assert {r.member.user_id: r.goal_source for r in b.leaderboard.rows} == {
        day.agent.id: "personal",
        day.agent2.id: "role",
    }
    assert service.clear_goal(session, user_id=agent.id)
    assert not service.clear_goal(session, user_id=agent.id)
    assert service.board(session, agent, now=LATER, zone=ZONE).goal_source == "role"
    assert service.clear_goal(session, role=Role.AGENT)
    assert service.board(session, agent, now=LATER, zone=ZONE).goal_source == "built-in"


def test_wrong_goals_are_refused_naming_the_field(day: Staff, session: Session) -> None:
    manager = session.get(User, day.manager.id)
    assert manager is not None
    with pytest.raises(InvalidInput, match=r"^saves: must be from 0 to 1000$"):
        service.set_goal(session, Goal(1, 1, 1, 5000), by=manager, role=Role.AGENT)
    with pytest.raises(
        InvalidInput, match=r"^role: 'manager' is not one of agent, account_manager"
    ):
        service.set_goal(session, Goal(1, 1, 1, 1), by=manager, role=Role.MANAGER)
    with pytest.raises(NotFound, match="no active agent or account manager"):
        service.set_goal(session, Goal(1, 1, 1, 1), by=manager, user_id=manager.id)
    with pytest.raises(NotFound):
        service.set_goal(session, Goal(1, 1, 1, 1), by=manager, user_id=999_999)
    with pytest.raises(InvalidInput, match="not both"):
        service.set_goal(session, Goal(1, 1, 1, 1), by=manager, user_id=1, role=Role.AGENT)
    assert service.goal_lines(session) == ([], {})


def test_the_shared_tallies_are_read_again_after_their_time(
    day: Staff, world: World, sessions: sessionmaker[Session]
) -> None:
    clock = [100.0]
    cache = service.TallyCache(ttl=2.0, clock=lambda: clock[0])
    with sessions() as session:
        agent = session.get(User, day.agent.id)
        assert agent is not None
        first = service.board(session, agent, now=LATER, zone=ZONE, cache=cache)
        assert first.tally.accepted == 2
        _decide_and_answer(
            session, agent, world.customers["C2002"].id, LATER, "accepted", "thank-you"
        )
        session.commit()
        clock[0] += 1.9  # within its time: the same read
        assert service.board(session, agent, now=LATER, zone=ZONE, cache=cache).tally.accepted == 2
        clock[0] += 0.2
        assert service.board(session, agent, now=LATER, zone=ZONE, cache=cache).tally.accepted == 3
        # Another day is another read, whatever the time.
        tomorrow = service.board(
            session, agent, now=LATER + timedelta(days=1), zone=ZONE, cache=cache
        )
        assert tomorrow.tally.accepted == 0
        # The board takes what concerns its viewer and his ranking from the shared read.
        assert first.leaderboard is not None
        assert [r.member.user_id for r in first.leaderboard.rows] == [day.agent.id, day.agent2.id]
