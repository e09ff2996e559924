"""The service P&L's cost lines (``finance/costs.py``), the entered costs and the budget on
every backend, on small hand-made worlds whose figures are worked out by hand below.

The attrition figure is the seeds' replacement cost (seed 004, analytics/attrition.py: €500
recruitment, 3 weeks × 36 h training at €22 plus a €40 trainer shared by 12, 4 weeks at 75%
productivity → €4,028 per replacement)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_finance_ledger import campaigns  # noqa: F401  (the fixture)
from tests.test_retention_desk import Desk
from tests.test_retention_ledger import books  # noqa: F401  (the fixture)
from valuecenter.agents.models import Agent, Team
from valuecenter.campaigns.models import Campaign
from valuecenter.channels import Channel
from valuecenter.contacts.models import Contact
from valuecenter.demo.finance import load_demo_books
from valuecenter.errors import InvalidInput
from valuecenter.finance import budget, entries
from valuecenter.finance.costs import (
    NO_TEAM,
    _split,
    agent_hours,
    attrition,
    cost_lines,
    entered,
    giveaways,
    training,
)
from valuecenter.finance.costs import campaigns as campaign_costs
from valuecenter.finance.models import Budget, CostEntry, CostKind
from valuecenter.finance.pnl import ledgers, month_bounds, next_month
from valuecenter.marketing.results import campaign_results
from valuecenter.retention.desk.ledger import ledger
from valuecenter.workforce.models import ScheduleEntry, ScheduleKind

OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)
H = "month,kind,team,channel,amount_eur,note\n"


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


@pytest.fixture
def floor(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two teams, three agents (one without a team, one who left on 15 October), contacts in
    October and one on 1 November."""
    with sessions.begin() as session:
        nl, fr = Team(code="service-nl"), Team(code="service-fr")
        session.add_all([nl, fr])
        session.flush()
        a = Agent(external_id="A1", team_id=nl.id)
        b = Agent(external_id="A2", team_id=fr.id, leave_date=date(2026, 10, 15))
        c = Agent(external_id="A3")
        session.add_all([a, b, c])
        session.flush()
        # handled seconds: A1 phone 3 × 600 s + chat 1 × 1,200 s, A2 phone 2 × 900 s, A3 email
        # 1 × 1,800 s; a self-service session without an agent; a November call
        rows = [
            (a.id, Channel.PHONE, 1, 400, 100, 100),
            (a.id, Channel.PHONE, 2, 500, 0, 100),
            (a.id, Channel.PHONE, 3, 300, 200, 100),
            (a.id, Channel.CHAT, 4, 1_000, 0, 200),
            (b.id, Channel.PHONE, 5, 800, 0, 100),
            (b.id, Channel.PHONE, 6, 700, 100, 100),
            (c.id, Channel.EMAIL, 7, 1_500, 0, 300),
            (None, Channel.SELF_SERVICE, 8, 0, 0, 0),
        ]
        for n, (agent, channel, day, talk, hold, wrap) in enumerate(rows):
            session.add(
                Contact(
                    external_id=f"K{n}",
                    channel=channel,
                    agent_id=agent,
                    started_at=_at(day),
                    talk_seconds=talk,
                    hold_seconds=hold,
                    wrap_seconds=wrap,
                )
            )
        session.add(
            Contact(
                external_id="K-NOV",
                channel=Channel.PHONE,
                agent_id=a.id,
                started_at=datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
                talk_seconds=36_000,
            )
        )
        return {"A1": a.id, "A2": b.id, "A3": c.id, "nl": nl.id, "fr": fr.id}


def test_agent_hours_are_estimated_from_handled_time_without_a_schedule(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Default settings: €22 an hour, occupancy cap 0.85, shrinkage 0.3 → a handled hour is
    1 ÷ 0.85 ÷ 0.7 = 1.6807 paid hours = 3,697.48 cents. service-nl handled 3,000 s (0.8333 h),
    service-fr 1,800 s (0.5 h), no team 1,800 s (0.5 h); the November call does not count."""
    with sessions() as session:
        line = agent_hours(session, OCTOBER, NOVEMBER)
    per_handled_hour = 2_200 / 0.85 / 0.7
    assert line.by_team == {
        "service-nl": round(3_000 / 3_600 * per_handled_hour),
        "service-fr": round(0.5 * per_handled_hour),
        NO_TEAM: round(0.5 * per_handled_hour),
    }
    assert line.cents == sum(line.by_team.values()) == 3_081 + 1_849 + 1_849
    # per channel in proportion to handled time: phone 3,600 s, chat 1,200 s, email 1,800 s
    assert sum(line.by_channel.values()) == line.cents
    assert set(line.by_channel) == {"phone", "chat", "email"}
    assert line.by_channel["phone"] == pytest.approx(line.cents * 3_600 / 6_600, abs=1)
    assert line.provenance["source"] == "handled-time"
    assert "occupancy" in line.method


def test_agent_hours_and_training_come_from_the_schedule_when_there_is_one(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """A1 works 8 h on 1 October and 2 h of a shift that starts on 31 October 22:00 (the rest
    is November); A2 trains 3 h: 10 h × €22 of work, 3 h × €22 of training. The entries span
    the month, so they are its paid hours."""
    with sessions.begin() as session:
        session.add_all(
            [
                ScheduleEntry(agent_id=floor["A1"], starts_at=_at(1, 8), ends_at=_at(1, 16)),
                ScheduleEntry(
                    agent_id=floor["A1"],
                    starts_at=_at(31, 22),
                    ends_at=_at(31, 22) + timedelta(hours=8),
                ),
                ScheduleEntry(
                    agent_id=floor["A2"],
                    starts_at=_at(2, 9),
                    ends_at=_at(2, 12),
                    kind=ScheduleKind.TRAINING,
                ),
            ]
        )
    with sessions() as session:
        work = agent_hours(session, OCTOBER, NOVEMBER)
        taught = training(session, OCTOBER, NOVEMBER)
        week = agent_hours(session, date(2026, 9, 28), date(2026, 10, 5))
    # the roster spans October (1 October 08:00 to 1 November 06:00) but not a week of it
    # that starts on 28 September: that week is estimated from the handled time
    assert week.provenance["source"] == "handled-time"
    assert work.provenance["source"] == "schedule"
    assert work.by_team == {"service-nl": 10 * 2_200}
    assert work.cents == 22_000
    assert taught.by_team == {"service-fr": 3 * 2_200}
    assert taught.cents == 6_600


def test_attrition_is_leavers_times_the_seeds_replacement_cost(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        october = attrition(session, OCTOBER, NOVEMBER)
        november = attrition(session, NOVEMBER, date(2026, 12, 1))
    assert october.provenance == {"leavers": 1, "per_replacement_cents": 402_800}
    assert october.cents == 402_800
    assert october.by_team == {"service-fr": 402_800}
    assert november.cents == 0


def test_entered_costs_load_replace_their_months_and_split_by_team_and_channel(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    first = (
        "month,kind,team,channel,amount_eur,note\n"
        "2026-10,overhead,,,12000.50,rent\n"
        "2026-10,it-telephony,service-nl,phone,800,lines\n"
        "2026-10,it-telephony,,chat,200.25,chat licence\n"
        "2026-10,training,service-fr,,450,course\n"
        "2026-11,overhead,,,13000,rent\n"
    )
    with sessions.begin() as session:
        assert entries.load(session, entries.parse(first)) == 5
    # a corrected October overhead replaces October's overhead only
    with sessions.begin() as session:
        entries.load(session, entries.parse(H + "2026-10,overhead,,,12500,rent corrected\n"))
    with sessions() as session:
        overhead = entered(session, OCTOBER, NOVEMBER, CostKind.OVERHEAD)
        it = entered(session, OCTOBER, NOVEMBER, CostKind.IT_TELEPHONY)
        taught = training(session, OCTOBER, NOVEMBER)
        november = entered(session, NOVEMBER, date(2026, 12, 1), CostKind.OVERHEAD)
        stored = session.scalar(
            select(CostEntry.note).where(
                CostEntry.kind == CostKind.OVERHEAD, CostEntry.month == OCTOBER
            )
        )
    assert overhead.cents == 1_250_000
    assert stored == "rent corrected"
    assert it.cents == 100_025
    assert it.by_team == {"service-nl": 80_000, NO_TEAM: 20_025}
    assert it.by_channel == {"phone": 80_000, "chat": 20_025}
    assert taught.cents == 45_000
    assert taught.by_team == {"service-fr": 45_000}
    assert november.cents == 1_300_000


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("month,kind,amount_eur\n2026-10,overhead,1\n", "header"),
        (H + "2026-13,overhead,,,1,\n", "row 2, month"),
        (H + "9999-10,overhead,,,1,\n", "row 2, month"),
        (H + "2026-10,rent,,,1,\n", "row 2, kind"),
        (H + "2026-10,overhead,,pigeon,1,\n", "row 2, channel"),
        (H + "2026-10,overhead,,,-1,\n", "row 2, amount_eur"),
        (H + "2026-10,overhead,,,1.001,\n", "row 2, amount_eur"),
        (H + "2026-10,overhead,,,1e30,\n", "row 2, amount_eur"),
        (H + "2026-10,overhead,,,1,\n2026-10,x,,,1,\n",
         "row 3, kind"),
        (H, "file"),
    ],
)  # fmt: skip
def test_a_bad_cost_row_is_named(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        entries.parse(text)
    assert str(error.value).startswith(f"{field}: ")
    assert "\n" not in str(error.value)


def test_an_unknown_team_writes_nothing(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    rows = entries.parse(
        "month,kind,team,channel,amount_eur,note\n"
        "2026-10,overhead,,,100,\n2026-10,overhead,nobody,,1,\n"
    )
    with sessions() as session:
        with pytest.raises(InvalidInput, match="row 3, team: no team 'nobody'"):
            entries.load(session, rows)
        session.rollback()
        assert session.scalar(select(CostEntry.id)) is None


def test_giveaways_are_the_desks_offer_costs_and_the_accepted_offers(
    books: Desk,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    given = []
    with sessions() as session:
        for start in (date(2026, 8, 1), date(2026, 9, 1)):
            end = next_month(start)
            line = giveaways(session, start, end)
            total = ledger(session, "month", start, end)[-1]
            assert line.provenance["save_desk_cents"] == total.offer_cost_cents
            assert line.cents == total.offer_cost_cents  # no next-best-action answers here
            assert sum(line.by_team.values()) == line.cents
            given.append(line.cents)
    assert sum(given) > 0  # the desk did give offers away


def test_campaign_costs_count_every_campaign_started_in_the_period(
    campaigns: dict[str, int],  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    """September: SEP-A, SEP-B (with experiments) and IMPORTED (without one) all cost."""
    with sessions.begin() as session:
        for campaign in session.scalars(select(Campaign)):
            campaign.fixed_cost_cents = 10_000
            campaign.cost_per_contact_cents = 50
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with sessions() as session:
        line = campaign_costs(session, date(2026, 9, 1), date(2026, 10, 1), at)
        results = [
            campaign_results(session, session.get_one(Campaign, campaigns[c]), at=at)
            for c in ("SEP-A", "SEP-B")
        ]
    # the campaigns with experiments cost what their readouts say; IMPORTED has no members
    assert line.cents == sum(r.readout.cost_cents for r in results) + 10_000
    assert line.provenance["campaigns"] == ["SEP-A", "IMPORTED", "SEP-B"]
    assert sum(line.by_channel.values()) == line.cents


def test_every_cost_line_once_in_order(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lines = cost_lines(session, OCTOBER, NOVEMBER)
    assert [line.key for line in lines] == [
        "agent-hours", "training", "attrition", "overhead", "it-telephony", "giveaways",
        "campaigns", "other",
    ]  # fmt: skip
    for line in lines:
        assert line.label
        assert line.method
        assert line.cents >= 0
        assert sum(line.by_team.values()) == line.cents


# --- budget -------------------------------------------------------------------------------


def test_a_budget_load_replaces_its_years(sessions: sessionmaker[Session]) -> None:
    text = "year,line,amount_eur\n2026,agent-hours,120000\n2026,saves,60000\n2027,overhead,1\n"
    with sessions.begin() as session:
        assert budget.load(session, budget.parse(text)) == 3
    with sessions.begin() as session:
        budget.load(session, budget.parse("year,line,amount_eur\n2026,overhead,2400\n"))
    with sessions() as session:
        rows = {(b.year, b.line): b.amount_cents for b in session.scalars(select(Budget))}
    assert rows == {(2026, "overhead"): 240_000, (2027, "overhead"): 100}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("year,line\n2026,saves\n", "header"),
        ("year,line,amount_eur\n1999,saves,1\n", "row 2, year"),
        ("year,line,amount_eur\n2026,profit,1\n", "row 2, line"),
        ("year,line,amount_eur\n2026,saves,abc\n", "row 2, amount_eur"),
        ("year,line,amount_eur\n2026,saves,1\n2026,saves,2\n", "row 3, line"),
        ("year,line,amount_eur\n", "file"),
    ],
)
def test_a_bad_budget_row_is_named(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        budget.parse(text)
    assert str(error.value).startswith(f"{field}: ")


def test_the_budget_compares_month_year_to_date_and_projects_the_year(
    floor: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """October is month 10: the year-to-date budget is 10/12 of the year, the projection the
    year to date ÷ 10 × 12. Attrition: one leaver in October (€4,028), none before."""
    with sessions.begin() as session:
        budget.load(
            session,
            budget.parse("year,line,amount_eur\n2026,attrition,24000\n2026,saves,1200\n"),
        )
    start, end = month_bounds("2026-10")
    with sessions() as session:
        month = cost_lines(session, start, end)
        ytd = cost_lines(session, date(2026, 1, 1), end)
        yields = [lg.line(session, start, end) for lg in ledgers()]
        rows = budget.against_budget(session, start, month, yields, ytd, yields)
    by_line = {r.line: r for r in rows}
    leave = by_line["attrition"]
    assert leave.year_cents == 2_400_000
    assert leave.month_budget_cents == 200_000
    assert leave.month_actual_cents == 402_800
    assert leave.ytd_budget_cents == 2_000_000
    assert leave.ytd_actual_cents == 402_800
    assert leave.projection_cents == round(402_800 / 10 * 12)
    saves = by_line["saves"]
    assert saves.month_actual_cents is None  # no proven save figure: nothing to hold it against
    assert saves.projection_cents is None


@given(
    st.integers(min_value=0, max_value=10**12),
    st.dictionaries(st.sampled_from("abcdef"), st.floats(0, 1e6), min_size=1),
)
def test_a_split_adds_up_and_each_part_is_within_a_cent_of_its_share(
    total: int, weights: dict[str, float]
) -> None:
    parts = _split(total, weights)
    whole = sum(w for w in weights.values() if w > 0)
    if whole <= 0:
        assert parts == {}
        return
    assert sum(parts.values()) == total
    for key, weight in weights.items():
        assert abs(parts.get(key, 0) - total * weight / whole) < 1 + 1e-6 * total


def test_the_demo_books_follow_their_stated_ratios(
    load_demo: Callable[..., None], sessions: sessionmaker[Session]
) -> None:
    """demo/finance.py: each month's overhead, IT and training are 30%, 15% and 3% of its
    agent-hours cost; the last year's budget is the run rate + 5%, its targets a tenth and a
    twentieth of the budgeted department."""
    load_demo("--preset", "telecom", "--customers", "300", "--seed", "2")
    with sessions.begin() as session:
        costs, planned = load_demo_books(session)
    with sessions() as session:
        october = {line.key: line.cents for line in cost_lines(session, OCTOBER, NOVEMBER)}
        plan = {b.line: b.amount_cents for b in session.scalars(select(Budget))}
        months = session.scalar(select(func.count(func.distinct(CostEntry.month))))
    assert costs == 3 * months > 0
    assert planned == len(plan) == 6
    assert october["agent-hours"] > 0
    assert october["overhead"] == round(october["agent-hours"] * 0.30)
    assert october["it-telephony"] == round(october["agent-hours"] * 0.15)
    assert october["training"] == round(october["agent-hours"] * 0.03)
    assert abs(plan["overhead"] - plan["agent-hours"] * 0.30) <= 1
    department = plan["agent-hours"] * 1.48
    assert abs(plan["saves"] - department * 0.10) <= 2
    assert abs(plan["nba-sales"] - department * 0.05) <= 2
