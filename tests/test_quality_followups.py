"""The closed loop with detractors (issue 20, point 5), on both backends: the import of surveys
makes a task for every detractor answer in its own transaction (due = answered + 48 h), none
for passives and promoters; ``sync`` is idempotent; overdue tasks are listed first; closing;
the next answer is linked; an account manager sees and closes only his pool's; the page, its
close form and its CSV; the GDPR erasure removes the outcome."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli as cli
from tests.web_fixtures import NOW, World, bearer, csrf_from, login, make_client
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.privacy.erasure import erase
from valuecenter.privacy.export import collect
from valuecenter.quality import followups as loop
from valuecenter.quality.models import FollowupStatus, FollowupTask
from valuecenter.surveys.models import Survey


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _surveys(path: Path, rows: list[tuple[str, str, datetime, int]]) -> Path:
    lines = ["survey_id,customer_id,answered_at,nps,comment"]
    lines += [f"{sid},{cust},{_stamp(at)},{nps},answer {sid}" for sid, cust, at, nps in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tasks(session: Session) -> dict[str, FollowupTask]:
    """Tasks by their answer's external id."""
    found = session.execute(
        select(Survey.external_id, FollowupTask).join(Survey, Survey.id == FollowupTask.survey_id)
    ).all()
    return {str(ext): task for ext, task in found}


# The answers the import brings: two recent detractors (own pool, other pool), one too old to
# call about, a passive and a promoter. The world already holds S-1 (NPS 4, 11 days old, own
# pool, written without the importer): the import's step makes its task too.
ANSWERS = [
    ("N-1", "C1001", NOW - timedelta(hours=5), 3),
    ("N-2", "C2001", NOW - timedelta(days=4), 6),
    ("N-3", "D9001", NOW - timedelta(days=60), 0),
    ("N-4", "C1002", NOW - timedelta(hours=3), 8),
    ("N-5", "C1003", NOW - timedelta(hours=2), 10),
]


def _import(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: Path,
) -> dict[str, object]:
    code, out, err = cli(monkeypatch, capsys, "import", "surveys", str(path), "--json")
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_the_import_makes_a_task_per_detractor_in_its_transaction(
    world: World,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = utcnow()
    result = _import(monkeypatch, capsys, _surveys(tmp_path / "s.csv", ANSWERS))
    after = utcnow()
    assert result["inserted"] == 5
    assert result["followup_tasks"] == {"created": 3, "expired": 1, "assigned": 0, "linked": 0}
    with sessions() as session:
        tasks = _tasks(session)
        assert set(tasks) == {"S-1", "N-1", "N-2", "N-3"}  # no task for N-4 (8) or N-5 (10)
        answered = {ext: at for ext, _c, at, _n in ANSWERS}
        for ext in ("N-1", "N-2", "N-3"):
            task = tasks[ext]
            assert task.due_at == answered[ext] + timedelta(hours=48)
            # Made by the import command itself, before its commit: the task exists the
            # moment the answer does (no scheduler in between).
            assert before <= task.created_at <= after
        assert tasks["N-1"].owner_id == world.users["account_manager"].id  # his pool's login
        assert tasks["S-1"].owner_id == world.users["account_manager"].id
        assert tasks["N-2"].owner_id is None  # the other pool has no login: unassigned
        assert tasks["N-1"].status == FollowupStatus.OPEN
        assert tasks["N-3"].status == FollowupStatus.EXPIRED  # 60 days old at import
        assert tasks["N-3"].closed_at == tasks["N-3"].created_at
    # Importing the same file again changes nothing, and sync finds nothing to make.
    again = _import(monkeypatch, capsys, tmp_path / "s.csv")
    assert again["followup_tasks"] == {"created": 0, "expired": 0, "assigned": 0, "linked": 0}
    code, out, _err = cli(monkeypatch, capsys, "service", "followups", "sync", "--json")
    assert code == 0
    assert json.loads(out)["created"] == 0
    with sessions() as session:
        assert len(_tasks(session)) == 4


def test_a_failed_import_leaves_no_task(
    world: World,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An unknown entity option fails before anything is written: neither answer nor task.
    path = _surveys(tmp_path / "s.csv", ANSWERS[:1])
    code, _out, _err = cli(monkeypatch, capsys, "import", "surveys", str(path), "--decimal", ";")
    assert code != 0
    with sessions() as session:
        assert _tasks(session) == {}


def test_sync_is_idempotent_and_assigns_new_logins(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        first = loop.create_missing(session, now=NOW, max_age_days=30)
        assert (first.created, first.expired) == (1, 0)  # S-1 (NPS 4); S-2 is a promoter
        second = loop.create_missing(session, now=NOW, max_age_days=30)
        assert (second.created, second.expired, second.assigned) == (0, 0, 0)
        with pytest.raises(InvalidInput):
            loop.create_missing(session, now=NOW, max_age_days=0)
        # An answer of the other pool: unassigned until its account manager gets a login.
        session.add(
            Survey(
                external_id="S-9",
                customer_id=world.other.id,
                answered_at=NOW - timedelta(hours=1),
                nps=2,
            )
        )
        session.flush()
        assert loop.create_missing(session, now=NOW, max_age_days=30).created == 1
        assert world.other_pool is not None
        other = session.merge(world.other_pool)
        other.user_id = world.users["manager"].id
        session.flush()
        assert loop.create_missing(session, now=NOW, max_age_days=30).assigned == 1
        assert _tasks(session)["S-9"].owner_id == world.users["manager"].id


def test_overdue_listing_counts_and_closing(world: World, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            Survey(
                external_id="S-8", customer_id=world.own.id, answered_at=NOW - timedelta(hours=1),
                nps=5,
            )
        )  # fmt: skip
        session.flush()
        loop.create_missing(session, now=NOW, max_age_days=30)
    admin = world.users["admin"]
    with sessions.begin() as session:
        # S-1 is 11 days old: overdue; S-8 is due tomorrow.
        overdue, total = loop.task_page(
            session, admin, state="overdue", owner=None, now=NOW, page=1, page_size=10,
            page_size_max=10,
        )  # fmt: skip
        assert total == 1
        assert overdue[0].overdue
        assert overdue[0].nps == 4
        rows, total = loop.task_page(
            session, admin, state="open", owner=None, now=NOW, page=1, page_size=10,
            page_size_max=10,
        )  # fmt: skip
        assert [r.nps for r in rows] == [4, 5]  # the most overdue first
        assert [r.overdue for r in rows] == [True, False]
        figures = loop.counts(session, admin, NOW)
        assert (figures.open, figures.overdue, figures.done) == (2, 1, 0)
        assert figures.done_in_time_share == 0.0  # S-1 past due, not done
        fresh = rows[1].task.id
        with pytest.raises(InvalidInput):  # done needs what came of the call
            loop.close_task(
                session, fresh, status="done", outcome=" ", by=admin, viewer=admin, now=NOW
            )
        with pytest.raises(InvalidInput):
            loop.close_task(
                session, fresh, status="expired", outcome="x", by=admin, viewer=admin, now=NOW
            )
        closed = loop.close_task(
            session, fresh, status="done", outcome="Apologised; credit note sent", by=admin,
            viewer=admin, now=NOW + timedelta(hours=2),
        )  # fmt: skip
        assert closed.status == FollowupStatus.DONE
        assert closed.closed_by == admin.id
        with pytest.raises(Conflict):
            loop.close_task(
                session, fresh, status="unreachable", outcome=None, by=admin, viewer=admin,
                now=NOW,
            )  # fmt: skip
        figures = loop.counts(session, admin, NOW + timedelta(hours=3))
        assert (figures.open, figures.done, figures.done_in_time) == (1, 1, 1)
        assert figures.done_in_time_share == 0.5  # S-8 in time; S-1 overdue
        mine, _ = loop.task_page(
            session, admin, state="all", owner="unassigned", now=NOW, page=1, page_size=10,
            page_size_max=10,
        )  # fmt: skip
        assert mine == []  # both are the own pool's: owned by its login


def test_the_next_answer_is_linked_after_the_call(
    world: World,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    called = NOW - timedelta(days=3)
    with sessions.begin() as session:
        loop.create_missing(session, now=NOW - timedelta(days=10), max_age_days=30)
        task = _tasks(session)["S-1"]
        loop.close_task(
            session, task.id, status="done", outcome="Called; new delivery slot", by=None,
            viewer=None, now=called,
        )  # fmt: skip
    # An answer before the call is not the follow-up; the first one after it is.
    path = _surveys(
        tmp_path / "later.csv",
        [
            ("L-0", "C1001", called - timedelta(hours=1), 5),
            ("L-2", "C1001", called + timedelta(days=2), 7),
            ("L-1", "C1001", called + timedelta(days=1), 9),
        ],
    )
    result = _import(monkeypatch, capsys, path)
    assert result["followup_tasks"] == {"created": 1, "expired": 0, "assigned": 0, "linked": 1}
    with sessions() as session:
        tasks = _tasks(session)
        answer = session.get(Survey, tasks["S-1"].followup_survey_id)
        assert answer is not None
        assert answer.external_id == "L-1"
        row = loop.task_row(session, tasks["S-1"], NOW)
        assert row.followup_nps == 9
        assert tasks["L-0"].status == FollowupStatus.OPEN  # itself a detractor


def test_an_account_manager_sees_and_closes_only_his_pool(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        session.add(
            Survey(
                external_id="S-7", customer_id=world.other.id, answered_at=NOW - timedelta(hours=2),
                nps=1,
            )
        )  # fmt: skip
        session.flush()
        loop.create_missing(session, now=NOW, max_age_days=30)
        tasks = _tasks(session)
        own_task, other_task = tasks["S-1"].id, tasks["S-7"].id
    with make_client(db_url) as client:
        am = bearer(world.tokens["account_manager"])
        listed = client.get("/api/v1/followups?state=all", headers=am)
        assert listed.status_code == 200
        body = listed.json()
        assert [t["id"] for t in body["items"]] == [own_task]
        assert body["counts"]["open"] == 1
        assert body["items"][0]["owner"] == "account-manager"
        mine = client.get("/api/v1/followups?owner=me", headers=am).json()
        assert [t["id"] for t in mine["items"]] == [own_task]
        refused = client.post(
            f"/api/v1/followups/{other_task}/close", json={"status": "unreachable"}, headers=am
        )
        assert refused.status_code == 404
        missing = client.post(
            "/api/v1/followups/999999/close", json={"status": "unreachable"}, headers=am
        )
        assert missing.status_code == 404
        done = client.post(
            f"/api/v1/followups/{own_task}/close",
            json={"status": "done", "outcome": "Apologised"},
            headers=am,
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "done"
        assert done.json()["closed_by"] == "account-manager"
        again = client.post(
            f"/api/v1/followups/{own_task}/close", json={"status": "unreachable"}, headers=am
        )
        assert again.status_code == 409
        manager = client.get(
            "/api/v1/followups?state=all", headers=bearer(world.tokens["manager"])
        ).json()
        assert {t["id"] for t in manager["items"]} == {own_task, other_task}
        unassigned = client.get(
            "/api/v1/followups?owner=unassigned", headers=bearer(world.tokens["manager"])
        ).json()
        assert [t["id"] for t in unassigned["items"]] == [other_task]


def test_the_page_its_close_form_and_csv(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        loop.create_missing(session, now=NOW, max_age_days=30)
        task_id = _tasks(session)["S-1"].id
    with make_client(db_url) as client:
        login(client, "account-manager")
        page = client.get("/service/followups")
        assert page.status_code == 200
        assert f'id="task-{task_id}"' in page.text
        assert "task-overdue" in page.text
        assert "Delivery was late again" in page.text
        token = csrf_from(page.text)
        refused = client.post(
            f"/service/followups/{task_id}/close",
            data={"status": "done", "outcome": "Called back"},
        )
        assert refused.status_code == 403  # no CSRF token
        closed = client.post(
            f"/service/followups/{task_id}/close",
            data={"status": "done", "outcome": "Called back", "csrf_token": token},
            follow_redirects=False,
        )
        assert closed.status_code == 303
        csv = client.get("/service/followups/export.csv?state=all")
        assert csv.status_code == 200
        lines = csv.text.strip().splitlines()
        assert lines[0].lstrip("\ufeff").startswith("Task,Customer number")
        assert len(lines) == 2
        assert "C1001" in lines[1]
        assert "Called back" in lines[1]
        assert client.get("/service/followups?state=nonsense").status_code == 422
    with sessions() as session:
        assert _tasks(session)["S-1"].status == FollowupStatus.DONE


def test_erasure_removes_the_outcome_and_export_holds_the_task(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        loop.create_missing(session, now=NOW, max_age_days=30)
        task_id = _tasks(session)["S-1"].id
        loop.close_task(
            session, task_id, status="done", outcome="Bakkerij de Vries wants a call on Monday",
            by=None, viewer=None, now=NOW,
        )  # fmt: skip
    with sessions.begin() as session:
        exported = collect(session, world.own.id)
        names = {t.name: t for t in exported.tables}
        assert "followup_tasks" in names
        assert names["followup_tasks"].rows[0]["outcome"].startswith("Bakkerij")
        erase(session, world.own.id)
    with sessions() as session:
        task = session.get(FollowupTask, task_id)  # his answer's number is anonymous now
        assert task is not None
        assert task.outcome is None
        assert task.status == FollowupStatus.DONE  # the count stays; the words go
    with sessions.begin() as session:  # an erased customer's new answer gets no task
        session.add(
            Survey(
                external_id="S-6", customer_id=world.own.id, answered_at=NOW, nps=0,
            )
        )  # fmt: skip
        session.flush()
        assert loop.create_missing(session, now=NOW, max_age_days=30).created == 0


def test_closing_an_unknown_task_is_not_found(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, pytest.raises(NotFound):
        loop.close_task(session, 424242, status="done", outcome="x", by=None, viewer=None, now=NOW)


def test_the_demo_load_makes_the_tasks_of_its_detractors(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_demo_cli import run

    code, _out, err = run(["demo", "--customers", "300", "--seed", "5", "--json"], capsys)
    assert code == 0, err
    with sessions() as session:
        detractors = session.scalars(select(Survey).where(Survey.nps <= 6)).all()
        tasks = {t.survey_id: t for t in session.scalars(select(FollowupTask))}
        assert detractors
        assert set(tasks) == {s.id for s in detractors}
        for answer in detractors:
            task = tasks[answer.id]
            assert task.due_at == answer.answered_at + timedelta(hours=48)
            old = answer.answered_at < task.created_at - timedelta(days=30)
            assert (task.status == FollowupStatus.EXPIRED) == old
