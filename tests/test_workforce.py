"""The workforce domain on the database (issue 21): a queue's contacts → a kept forecast run → a
staffing plan sized with Erlang C at the queue's target → hours and FTE per day; the flex pool
over the history; attrition measured from hire and leave dates; settings, peak days and skills;
the page, the API and the CLI over the same figures.

The queue is synthetic and small: six weeks of weekday office hours (08:00–18:00 Amsterdam)
with Poisson arrivals of 10 contacts per half hour in the morning and 6 in the afternoon,
AHT 180 s (150 s talk + 30 s wrap-up) — one Erlang in a morning half hour (3 agents for 80%
within 20 s).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli
from tests.web_fixtures import World, bearer, csrf_from, login, make_client
from valuecenter.agents.models import Agent
from valuecenter.analytics.erlang import size_agents
from valuecenter.contacts.models import Contact, Queue
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.workforce import roster, service
from valuecenter.workforce import settings as staffing_settings
from valuecenter.workforce.models import (
    AgentSkill,
    ForecastPoint,
    ScheduleEntry,
    StaffingInterval,
)
from valuecenter.workforce.skills import parse_skills, sync_from_agents

ZONE = ZoneInfo("Europe/Amsterdam")
FIRST_DAY = date(2026, 9, 7)  # a Monday
WEEKS = 6


def _add_queue(session: Session) -> None:
    session.add(
        Queue(
            code="phone-nl",
            name="Service phone nl",
            channel="phone",
            service_level_share=0.8,
            service_level_seconds=20,
            opening_hours={d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            timezone="Europe/Amsterdam",
        )
    )
    rng = np.random.default_rng(21)
    rows = []
    n = 0
    for day in range(WEEKS * 7):
        d = FIRST_DAY + timedelta(days=day)
        if d.weekday() >= 5:
            continue
        for slot in range(20):
            start = datetime(d.year, d.month, d.day, 8, 0, tzinfo=ZONE) + timedelta(
                minutes=30 * slot
            )
            rate = 10 if slot < 10 else 6
            for offset in np.sort(rng.uniform(0, 1800, rng.poisson(rate))):
                n += 1
                rows.append(
                    {
                        "external_id": f"K{n}",
                        "channel": "phone",
                        "direction": "inbound",
                        "queue": "phone-nl",
                        "started_at": (start + timedelta(seconds=float(offset))).astimezone(UTC),
                        "wait_seconds": 5,
                        "talk_seconds": 150,
                        "wrap_seconds": 30,
                        "hold_seconds": 0,
                        "abandoned": False,
                    }
                )
    session.execute(Contact.__table__.insert(), rows)
    session.commit()


@pytest.fixture
def queue_world(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        _add_queue(session)


def test_a_forecast_run_is_kept_and_sized_into_a_plan(
    queue_world: None, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        run = service.run_forecast(session, queue_code="phone-nl", freq="30min", days=7)
        plan = service.make_plan(session, run)
        run_id, plan_id = run.id, plan.id
    with sessions() as session:
        run = service.get_run(session, run_id)
        assert run.freq == "30min"
        assert run.aht_seconds == pytest.approx(180.0)
        assert run.mase is not None
        assert run.mase_seasonal_naive is not None
        points = service.run_points(session, run)
        assert len(points) == run.horizon
        assert (points["lo"] >= 0).all()
        assert (points["lo"] <= points["value"] + 1e-9).all()
        assert (points["value"] <= points["hi"] + 1e-9).all()
        # The forecast starts at the first half hour after the history (Friday 18:00 local
        # is after closing: the first open interval is the next half hour on the grid).
        first = points["starts_at"].iloc[0].to_pydatetime()
        assert first > run.history_to
        assert first - run.history_to <= timedelta(days=3)
        # A morning half hour is forecast near its 10 contacts and sized like Erlang C sizes
        # that forecast: the plan is the forecast run through the sizing, interval by interval.
        plan = session.get(type(service.latest_plan(session, run)), plan_id)
        assert plan is not None
        intervals = service.plan_intervals(session, plan)
        assert len(intervals) == len(points)
        expected = size_agents(
            points["value"].to_numpy(),
            interval_seconds=1800,
            aht_seconds=180.0,
            target_seconds=20,
            service_level=0.8,
            max_occupancy=0.85,
            shrinkage=0.3,
        )
        assert [r.agents for r in intervals] == expected.agents.tolist()
        local = points["starts_at"].dt.tz_convert(ZONE)
        morning = points["value"][(local.dt.hour == 9) & (local.dt.dayofweek == 1)]
        assert morning.mean() == pytest.approx(10, abs=2.5)
        assert plan.paid_hours == pytest.approx(plan.on_phone_hours / 0.7)
        assert plan.cost_cents == round(plan.paid_hours * 2_200)
        days = service.plan_days(session, plan, run)
        weekdays = [d for d in days if d.day.weekday() < 5 and d.calls > 0]
        assert len(weekdays) == 5
        for d in weekdays:
            assert d.calls == pytest.approx(160, rel=0.2)  # 10 × 10 + 10 × 6 a day
            assert d.peak_agents >= 3  # 10 contacts × 180 s per half hour = 1 Erlang
            assert d.fte == pytest.approx(d.paid_hours / 7.2)


def test_erlang_a_plans_need_fewer_agents_and_record_abandonment(
    queue_world: None, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        run = service.run_forecast(session, queue_code="phone-nl", freq="h", days=2)
        c = service.make_plan(session, run)
        a = service.make_plan(session, run, patience_seconds=60)
        assert a.method == "erlang-a"
        assert c.method == "erlang-c"
        assert a.on_phone_hours <= c.on_phone_hours
        rates = [r.abandon_rate for r in service.plan_intervals(session, a)]
        assert all(rate is not None for rate in rates)
        assert service.latest_plan(session, run).id == a.id  # type: ignore[union-attr]


def test_the_flex_pool_over_the_history(queue_world: None, sessions: sessionmaker[Session]) -> None:
    end = datetime.combine(FIRST_DAY + timedelta(weeks=WEEKS), datetime.min.time(), tzinfo=UTC)
    with sessions() as session:
        report = service.flex_comparison(session, weeks=WEEKS, until=end)
    c = report.comparison
    assert report.queues == ["phone-nl"]
    assert c.weeks == WEEKS
    assert report.weekly["week"].iloc[0] == FIRST_DAY
    # Every week has the same load: one team of the same size covers all, no flex needed.
    assert c.core_and_flex.cost_cents <= c.fixed_for_peak.cost_cents
    assert c.peak_week_hours > 0


def test_bad_requests_name_their_field(queue_world: None, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with pytest.raises(NotFound):
            service.run_forecast(session, queue_code="nope")
        with pytest.raises(InvalidInput, match="freq"):
            service.run_forecast(session, queue_code="phone-nl", freq="7min")
        with pytest.raises(InvalidInput, match="days"):
            service.run_forecast(session, queue_code="phone-nl", freq="5min", days=30)
        with pytest.raises(InvalidInput, match="weeks"):
            service.flex_comparison(session, weeks=2)
        before = datetime(2000, 1, 1, tzinfo=UTC)
        with pytest.raises(InvalidInput, match="queue"):
            service.run_forecast(session, queue_code="phone-nl", as_of=before)


def test_attrition_is_measured_from_hire_and_leave_dates(sessions: sessionmaker[Session]) -> None:
    today = date(2026, 12, 1)
    with sessions.begin() as session:
        for i in range(10):
            session.add(Agent(external_id=f"A{i}", hire_date=date(2020, 1, 1)))
        for i in range(3):  # left within the year
            session.add(
                Agent(external_id=f"L{i}", hire_date=date(2020, 1, 1), leave_date=date(2026, 6, 1))
            )
        for i in range(3):  # their successors
            session.add(Agent(external_id=f"S{i}", hire_date=date(2026, 5, 15)))
        session.add(
            Agent(external_id="OLD", hire_date=date(2019, 1, 1), leave_date=date(2024, 1, 1))
        )
    with sessions() as session:
        measured = service.measured_attrition(session, today)
    assert measured.agents == 13
    assert measured.leavers == 3
    assert measured.rate == pytest.approx(3 / 13)  # a year ago 13 employed, now 13
    with sessions() as session:
        given = service.attrition_basis(session, 250, 0.35)
        assert (given.agents, given.rate, given.source) == (250, 0.35, "given")
        half = service.attrition_basis(session, 100, None)  # the rate measured, 100 agents
        assert half.agents == 100
        assert half.source == "measured"
        assert half.rate is not None


def test_attrition_without_agents_to_measure_asks_for_the_figures(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        with pytest.raises(Conflict, match="give the attrition rate"):
            service.attrition_basis(session, 250, None)
        with pytest.raises(Conflict, match="give the number of agents"):
            service.attrition_basis(session, None, 0.3)


def test_settings_and_peak_days(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        row = staffing_settings.current(session)
        assert row.shrinkage == pytest.approx(0.3)
        assert staffing_settings.restore_default_peaks(session) == 7
        assert staffing_settings.restore_default_peaks(session) == 0
        assert {p.code for p in staffing_settings.peak_days(session)} >= {
            "valentine",
            "mothers_day",
            "christmas",
        }
        staffing_settings.update(
            session,
            staffing_settings.SettingsChange(shrinkage=0.25, no_occupancy_cap=True),
            user_id=None,
        )
        assert row.max_occupancy is None
        with pytest.raises(InvalidInput, match="shrinkage"):
            staffing_settings.update(
                session, staffing_settings.SettingsChange(shrinkage=1.0), user_id=None
            )
        with pytest.raises(InvalidInput, match="cost_per_hour_cents"):
            staffing_settings.update(
                session, staffing_settings.SettingsChange(cost_per_hour_cents=-5), user_id=None
            )
        staffing_settings.save_peak_day(session, code="kings-day", name="Koningsdag", rule="04-27")
        with pytest.raises(InvalidInput, match="rule"):
            staffing_settings.save_peak_day(session, code="bad", name="Bad", rule="the 32nd of May")
        with pytest.raises(InvalidInput, match="code"):
            staffing_settings.save_peak_day(session, code="Not A Code", name="X", rule="04-27")
        assert "kings-day" in {r.code for r in staffing_settings.active_rules(session)}
        staffing_settings.remove_peak_day(session, "kings-day")
        with pytest.raises(NotFound):
            staffing_settings.remove_peak_day(session, "kings-day")


def test_skills_follow_the_agents_skills_text(sessions: sessionmaker[Session]) -> None:
    assert parse_skills(" Phone; chat;phone, email ") == ["phone", "chat", "email"]
    with sessions.begin() as session:
        session.add(Agent(external_id="A1", skills="phone;chat", language="nl"))
        session.add(Agent(external_id="A2", skills=None, language="de"))
        session.flush()
        assert sync_from_agents(session).added == 2
        skill = session.scalar(select(AgentSkill).where(AgentSkill.skill == "chat"))
        assert skill is not None
        assert skill.level == 3
        assert skill.language == "nl"
        skill.level = 5
        agent = session.scalar(select(Agent).where(Agent.external_id == "A1"))
        assert agent is not None
        agent.skills = "chat;email"
        session.flush()
        result = sync_from_agents(session)
        assert (result.added, result.removed) == (1, 1)
        levels = dict(session.execute(select(AgentSkill.skill, AgentSkill.level)).all())
        assert levels == {"chat": 5, "email": 3}  # the level set by hand is kept


def test_the_api_and_the_page(
    queue_world: None, world: World, sessions: sessionmaker[Session], db_url: str
) -> None:
    with sessions.begin() as session:
        run = service.run_forecast(session, queue_code="phone-nl", freq="30min", days=3)
        service.make_plan(session, run)
        run_id = run.id
    manager, agent = bearer(world.tokens["manager"]), bearer(world.tokens["agent"])
    with make_client(db_url) as client:
        worked = {
            "calls": 100,
            "interval_seconds": 1800,
            "aht_seconds": 180,
            "target_seconds": 20,
            "service_level": 0.8,
            "shrinkage": 0.3,
        }
        answer = client.post("/api/v1/staffing/erlang", json=worked, headers=manager)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["agents"], body["agents_with_shrinkage"]) == (14, 20)
        assert body["traffic_erlangs"] == pytest.approx(10.0)
        assert body["abandon_rate"] is None
        assert client.post("/api/v1/staffing/erlang", json=worked, headers=agent).status_code == 403
        bad = client.post(
            "/api/v1/staffing/erlang", json={**worked, "service_level": 1.5}, headers=manager
        )
        assert bad.status_code == 422
        runs = client.get("/api/v1/staffing/runs", headers=manager).json()
        assert [r["id"] for r in runs] == [run_id]
        detail = client.get(f"/api/v1/staffing/runs/{run_id}", headers=manager).json()
        assert len(detail["points"]) == len(detail["plan"]["intervals"]) == detail["run"]["horizon"]
        assert client.get("/api/v1/staffing/runs/999999", headers=manager).status_code == 404
        attrition = client.get(
            "/api/v1/staffing/attrition",
            params={"agents": 250, "attrition_rate": 0.35},
            headers=manager,
        ).json()
        assert attrition["saving_per_10_points_cents"] == 10_070_000
        assert attrition["source"] == "given"

        login(client, "manager")
        page = client.get("/staffing?queue=phone-nl")
        assert page.status_code == 200, page.text
        assert f"Forecast run {run_id}" in page.text
        assert 'id="plan-days"' in page.text
        csv_days = client.get("/staffing/days/export.csv?queue=phone-nl")
        assert csv_days.status_code == 200
        lines = csv_days.text.strip().splitlines()
        assert lines[0].lstrip("\ufeff").startswith("queue,run,plan,day")
        assert len(lines) >= 4
        per_interval = (
            client.get("/staffing/plan/export.csv?queue=phone-nl").text.strip().splitlines()
        )
        with sessions() as session:
            n = session.scalar(select(func.count(StaffingInterval.id)))
            assert n == session.scalar(select(func.count(ForecastPoint.id)))
        assert len(per_interval) == 1 + n
        assert client.get("/staffing?queue=nope").status_code == 404
        # The forms: settings in percent and euros, a peak day, each with its CSRF token.
        token = csrf_from(page.text)
        saved = client.post(
            "/staffing/settings",
            data={
                "csrf_token": token,
                "shrinkage": "25",
                "max_occupancy": "",
                "cost_per_hour": "23,50",
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
        with sessions() as session:
            row = staffing_settings.current(session)
            assert (row.shrinkage, row.max_occupancy, row.cost_per_hour_cents) == (
                0.25,
                None,
                2_350,
            )
        # The forecast's as-of day is bounded like every day of a form: a 422 naming the field.
        bad_days = (("9999-01-01", "must be a day from"), ("2026-02-30", "is not a day"))
        for bad_day, words in bad_days:
            refused = client.post(
                "/staffing/forecast",
                data={"csrf_token": token, "queue": "phone-nl", "as_of": bad_day},
            )
            assert refused.status_code == 422
            assert words in refused.text, refused.text
        bad = client.post("/staffing/settings", data={"csrf_token": token, "shrinkage": "abc"})
        assert bad.status_code == 422
        assert "shrinkage" in bad.text
        assert client.post("/staffing/settings", data={"shrinkage": "20"}).status_code == 403
        added = client.post(
            "/staffing/peaks",
            data={
                "csrf_token": token,
                "code": "kings-day",
                "name": "Koningsdag",
                "rule": "04-27",
                "active": "1",
            },
            follow_redirects=False,
        )
        assert added.status_code == 303
        assert "Koningsdag" in client.get("/staffing/peaks/export.csv").text
        wrong = client.post(
            "/staffing/peaks",
            data={"csrf_token": token, "code": "x", "name": "X", "rule": "31st feb"},
        )
        assert wrong.status_code == 422
        removed = client.post(
            "/staffing/peaks/kings-day/remove", data={"csrf_token": token}, follow_redirects=False
        )
        assert removed.status_code == 303


def test_the_cli(
    queue_world: None,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    code, out, err = run_cli(
        monkeypatch, capsys, "staffing", "forecast", "--queue", "phone-nl", "--days", "2", "--json"
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["queue"] == "phone-nl"
    assert body["plan"]["method"] == "erlang-c"
    assert len(body["plan"]["days"]) >= 1
    code, out, err = run_cli(
        monkeypatch, capsys, "staffing", "attrition", "--agents", "250", "--rate", "0.35", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["saving_per_10_points_cents"] == 10_070_000
    code, out, err = run_cli(monkeypatch, capsys, "staffing", "forecast", "--queue", "nope")
    assert code != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, err = run_cli(
        monkeypatch, capsys, "staffing", "peaks", "set", "x", "--name", "X", "--rule", "13-45"
    )
    assert code != 0
    assert "rule" in err
    assert len(err.strip().splitlines()) == 1


def test_skills_coverage_on_the_cli(
    sessions: sessionmaker[Session],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    with sessions.begin() as session:
        session.add(Agent(external_id="A1", skills="phone;chat", language="nl"))
        session.add(Agent(external_id="A2", skills="phone", language="nl"))
        session.add(
            Agent(external_id="A3", skills="phone", language="nl", leave_date=date(2026, 1, 1))
        )
        session.flush()
        sync_from_agents(session)
    code, out, err = run_cli(monkeypatch, capsys, "staffing", "skills", "--json")
    assert code == 0, err
    assert json.loads(out) == [
        {"skill": "chat", "language": "nl", "agents": 1},
        {"skill": "phone", "language": "nl", "agents": 2},
    ]


def test_shifts_and_the_roster_import(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(Agent(external_id="A1", skills="phone", language="nl"))
        session.add(Agent(external_id="A2", skills="phone", language="nl"))
        session.flush()
        shift = roster.save_shift(session, code="early", name="Early", start="8:00", minutes=510)
        assert (shift.start_minute, shift.weekdays) == (480, "1111100")
        for bad, field in (
            ({"start": "25:00"}, "start"),
            ({"minutes": 5}, "minutes"),
            ({"weekdays": "11111"}, "weekdays"),
            ({"code": "Early Shift"}, "code"),
        ):
            values = {"code": "late", "name": "Late", "start": "12:30", "minutes": 510, **bad}
            with pytest.raises(InvalidInput, match=field):
                roster.save_shift(session, **values)  # type: ignore[arg-type]
        frame = pd.DataFrame(
            {
                "agent_id": ["A1", "A2", "A1"],
                # with an offset (summer time), local wall-clock time, the first row again
                "starts_at": [
                    "2026-10-23T08:00:00+02:00",
                    "2026-10-23 12:30",
                    "2026-10-23T08:00+02:00",
                ],
                "ends_at": [
                    "2026-10-23T16:30:00+02:00",
                    "2026-10-23 21:00",
                    "2026-10-23T17:00+02:00",
                ],
                "kind": ["work", "", "WORK"],
                "shift": ["early", "", "early"],
            }
        )
        result = roster.import_roster(session, frame, timezone="Europe/Amsterdam")
        assert (result.rows, result.agents) == (2, 2)
        entries = session.scalars(select(ScheduleEntry).order_by(ScheduleEntry.starts_at)).all()
        assert [e.starts_at for e in entries] == [
            datetime(2026, 10, 23, 6, 0, tzinfo=UTC),
            datetime(2026, 10, 23, 10, 30, tzinfo=UTC),
        ]
        assert entries[0].ends_at == datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # the later row
    bad_rows = (
        ({"agent_id": "NOBODY"}, "row 2, column agent_id"),
        ({"ends_at": "2026-10-23T07:00+02:00"}, "row 2, column ends_at"),
        ({"starts_at": "yesterday"}, "row 2, column starts_at"),
        ({"kind": "holiday"}, "row 2, column kind"),
        ({"shift": "night"}, "row 2, column shift"),
        ({"starts_at": "2026-03-29 02:30"}, "row 2, column starts_at"),  # the hour skipped
        ({"starts_at": "9999-01-01T08:00+00:00"}, "row 2, column starts_at"),
    )
    good = {
        "agent_id": "A2",
        "starts_at": "2026-10-26T08:00+01:00",
        "ends_at": "2026-10-26T16:30+01:00",
        "kind": "work",
        "shift": "",
    }
    for change, where in bad_rows:
        with sessions.begin() as session:
            frame = pd.DataFrame([good, {**good, **change}])
            frame.loc[0, "agent_id"] = "A1"
            with pytest.raises(InvalidInput, match=where.replace("row 2", "row 3")):
                roster.import_roster(session, frame)
    with sessions() as session:
        assert session.scalar(select(func.count(ScheduleEntry.id))) == 2  # nothing half-written


def test_the_roster_against_the_plan(queue_world: None, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add_all(Agent(external_id=f"A{i}", skills="phone", language="nl") for i in range(4))
        session.add(Agent(external_id="MAIL", skills="email", language="nl"))
        session.flush()
        sync_from_agents(session)
        run = service.run_forecast(session, queue_code="phone-nl", freq="30min", days=7)
        plan = service.make_plan(session, run)
        monday = FIRST_DAY + timedelta(weeks=WEEKS)
        # Monday: four phone agents 08:00–18:00 and the e-mail agent; Tuesday: one phone agent.
        rows = [
            {"agent_id": a, "starts_at": f"{monday}T08:00", "ends_at": f"{monday}T18:00"}
            for a in ("A0", "A1", "A2", "A3", "MAIL")
        ] + [
            {
                "agent_id": "A0",
                "starts_at": f"{monday + timedelta(days=1)}T08:00",
                "ends_at": f"{monday + timedelta(days=1)}T18:00",
            }
        ]
        roster.import_roster(session, pd.DataFrame(rows))
        days = {d.day: d for d in service.coverage_days(session, plan, run)}
    first, second = days[monday], days[monday + timedelta(days=1)]
    # 4 phone agents × 70% → 2 on the phones: a morning half hour of ~10 calls (1 Erlang)
    # needs 3, so the morning is short; the afternoon (~6 calls) needs 2.
    assert first.intervals == 20
    assert 0 < first.short_intervals < first.intervals
    assert first.rostered_hours == pytest.approx(20 * 2 * 0.5)  # the e-mail agent not counted
    assert second.short_intervals == second.intervals  # one agent → 0 on the phones
    assert second.lowest_service_level == 0.0
    assert first.needed_hours > 0
