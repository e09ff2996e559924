"""The save-value ledger (``retention/desk/ledger.py``) and the ``valuecenter retention`` commands
on every backend: rows by month, agent and offer against the right control cases, the total, the
period filter, provenance, and the gross figure never shown without the incremental one.

The closed cases are written directly (the desk is under test in test_retention_desk.py); the
expected figures are the estimator's (``analytics.ledger.save_ledger``, checked by hand in
test_analytics_ledger.py) on the cases each row should hold, and hand counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.test_retention_desk import NOW, Desk, build_desk
from valuecenter.agents.models import Agent
from valuecenter.analytics.ledger import save_ledger
from valuecenter.errors import InvalidInput
from valuecenter.retention.desk.ledger import TOTAL, LedgerRow, ledger
from valuecenter.retention.models import (
    RetentionOffer,
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveSource,
    SaveStatus,
)
from valuecenter.value.models import ScoreRun

AUGUST = datetime(2026, 8, 10, 9, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """One closed case: when, arm, kept, value (cents), agent (1 or 2), offer code, cost."""

    closed: datetime
    desk: bool
    kept: bool
    value: int
    agent: int
    offer: str | None = None
    cost: int = 0


def _cases() -> list[Spec]:
    specs: list[Spec] = []
    # August: 12 desk cases (agent 1: the first six), 5 with free-month; 10 control cases.
    for k in range(12):
        offer = "free-month" if k % 2 == 0 and k < 10 else None
        kept = k not in (3, 7)
        specs.append(
            Spec(AUGUST + timedelta(hours=k), True, kept, 10_000 * (k + 1), 1 + (k >= 6), offer,
                 cost=2_000 if offer and kept else 0)
        )  # fmt: skip
    for k in range(10):
        specs.append(Spec(AUGUST + timedelta(hours=k), False, k < 6, 20_000 + 5_000 * k, 1))
    # September: 10 desk cases (agent 2), 3 control cases: too few for an interval.
    for k in range(10):
        specs.append(Spec(SEPTEMBER + timedelta(hours=k), True, k != 0, 30_000, 2))
    for k in range(3):
        specs.append(Spec(SEPTEMBER + timedelta(hours=k), False, k < 2, 30_000, 2))
    return specs


SPECS = _cases()


@pytest.fixture
def books(sessions: sessionmaker[Session]) -> Desk:
    """The desk world of test_retention_desk.py, a second agent, the cases of SPECS (the
    September ones priced by a second score run), an open case and a case closed in July."""
    with sessions() as session:
        d = build_desk(session)
        team_id = session.scalar(select(Agent.team_id).where(Agent.id == d.agent_id))
        second = Agent(external_id="A-R2", name="Sanne", team_id=team_id)
        session.add(second)
        later = ScoreRun(
            run_id="score-20260901-0002", started_at=NOW, finished_at=NOW, as_of=date(2026, 9, 1),
            customers=3, scored=3, horizon_months=36, discount_rate=0.1, models={}, segments={},
            seconds=1.0,
        )  # fmt: skip
        session.add(later)
        session.flush()
        runs = {r.run_id: r.id for r in session.scalars(select(ScoreRun))}
        agents = {1: d.agent_id, 2: second.id}
        offers = {o.code: o.id for o in session.scalars(select(RetentionOffer))}

        def add(spec: Spec, status: SaveStatus = SaveStatus.CLOSED) -> None:
            run = runs["score-20260901-0002"] if spec.closed >= SEPTEMBER else runs[d.score_run]
            closed = status == SaveStatus.CLOSED
            session.add(
                SaveCase(
                    customer_id=d.customers["C1"],
                    source=SaveSource.IVR,
                    opened_at=spec.closed - timedelta(days=2),
                    arm=SaveArm.DESK if spec.desk else SaveArm.CONTROL,
                    status=status,
                    value_cents=spec.value,
                    monthly_fee_cents=4000,
                    reasons=[],
                    score_run_id=run,
                    suggestion={},
                    offer_id=offers[spec.offer] if spec.offer else None,
                    offer_cost_cents=spec.cost,
                    outcome=(SaveOutcome.KEPT if spec.kept else SaveOutcome.CANCELLED)
                    if closed
                    else None,
                    closed_at=spec.closed if closed else None,
                    agent_id=agents[spec.agent] if closed else None,
                )
            )

        for spec in SPECS:
            add(spec)
        add(Spec(SEPTEMBER, True, True, 999_999, 1), SaveStatus.OPEN)
        add(Spec(datetime(2026, 7, 31, 23, 0, tzinfo=UTC), True, True, 777_777, 1, "handset"))
        session.commit()
        return d


def _expected(desk: list[Spec], control: list[Spec]) -> tuple[float, float]:
    f = save_ledger(
        [s.kept for s in desk],
        [s.value for s in desk],
        [s.kept for s in control],
        [s.value for s in control],
    )
    assert f.incremental_saves.estimate is not None
    assert f.incremental_value.estimate is not None
    return f.incremental_saves.estimate, f.incremental_value.estimate


def _check(row: LedgerRow, desk: list[Spec], control: list[Spec]) -> None:
    saves, value = _expected(desk, control)
    assert (row.desk, row.control, row.cases) == (len(desk), len(control), len(desk + control))
    assert row.kept_desk == row.gross_saves == sum(s.kept for s in desk)
    assert row.kept_control == sum(s.kept for s in control)
    assert row.gross_value_cents == sum(s.value for s in desk if s.kept)
    assert row.offer_cost_cents == sum(s.cost for s in desk)
    assert row.incremental_saves.estimate == pytest.approx(saves)
    assert row.incremental_value_cents.estimate == pytest.approx(value)
    assert row.net_incremental_value_cents.estimate == pytest.approx(value - row.offer_cost_cents)
    assert row.control_share == pytest.approx(len(control) / len(desk + control))


def test_month_rows_compare_with_the_same_months_control_cases(
    books: Desk, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        rows = ledger(session, "month", since=date(2026, 8, 1))
    august, september, total = rows
    assert [r.key for r in rows] == ["2026-08", "2026-09", TOTAL]
    in_aug = [s for s in SPECS if s.closed.month == 8]
    in_sep = [s for s in SPECS if s.closed.month == 9]
    _check(august, [s for s in in_aug if s.desk], [s for s in in_aug if not s.desk])
    _check(september, [s for s in in_sep if s.desk], [s for s in in_sep if not s.desk])
    _check(total, [s for s in SPECS if s.desk], [s for s in SPECS if not s.desk])
    # By hand: August keeps 10 of 12 desk cases and 6 of 10 control cases.
    assert (august.keep_rate_desk, august.keep_rate_control) == (pytest.approx(10 / 12), 0.6)
    assert august.incremental_saves.estimate == pytest.approx(12 * (10 / 12 - 0.6))  # 2.8
    assert august.incremental_saves.low is not None
    assert august.offer_cost_cents == 5 * 2_000  # the five free months were all kept
    assert august.score_runs == ["score-20261001-0001"]
    # September: 3 control cases — an estimate but no interval, and the reason.
    assert september.incremental_saves.low is None
    assert september.incremental_saves.reason == (
        "10 desk and 3 control cases: an interval needs at least 10 in each"
    )
    assert september.score_runs == ["score-20260901-0002"]
    assert total.score_runs == ["score-20260901-0002", "score-20261001-0001"]
    assert all(r.randomised for r in rows)


def test_agent_and_offer_rows_compare_with_every_control_case_of_the_period(
    books: Desk, sessions: sessionmaker[Session]
) -> None:
    period = [s for s in SPECS if s.closed.month == 8]
    control = [s for s in period if not s.desk]
    with sessions() as session:
        by_agent = ledger(session, "agent", since=date(2026, 8, 1), until=date(2026, 9, 1))
        by_offer = ledger(session, "offer", since=date(2026, 8, 1), until=date(2026, 9, 1))
    assert [(r.key, r.label) for r in by_agent] == [
        ("A-R1", "Ruud"),
        ("A-R2", "Sanne"),
        (TOTAL, "all cases"),
    ]
    for row, agent in zip(by_agent, (1, 2), strict=False):
        _check(row, [s for s in period if s.desk and s.agent == agent], control)
    assert [r.key for r in by_offer] == ["free-month", "no-offer", TOTAL]
    _check(by_offer[0], [s for s in period if s.desk and s.offer == "free-month"], control)
    _check(by_offer[1], [s for s in period if s.desk and s.offer is None], control)
    assert by_offer[0].label == "One month free"
    # A subset of desk cases against every control case: not a randomised comparison.
    assert [r.randomised for r in by_offer] == [False, False, True]
    # The total is the same whichever way the rows are cut.
    assert by_agent[-1] == by_offer[-1]


def test_the_period_filter_and_bad_input(books: Desk, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        everything = ledger(session, "month")
        july = ledger(session, "offer", until=date(2026, 8, 1))
        assert [r.key for r in everything] == ["2026-07", "2026-08", "2026-09", TOTAL]
        # July has one desk case and no control case: no incremental estimate at all.
        assert july[0].key == "handset"
        assert july[0].incremental_saves.estimate is None
        assert july[0].incremental_saves.reason == (
            "no control case in the period: nothing to compare with"
        )
        assert july[0].gross_value_cents == 777_777
        with pytest.raises(InvalidInput, match="by: 'week' is not one of month, agent, offer"):
            ledger(session, "week")
        # until at or before since: the empty period, a total row without cases (issue 17).
        for until in (date(2026, 8, 1), date(2026, 7, 1)):
            empty = ledger(session, "month", since=date(2026, 8, 1), until=until)
            assert [(r.key, r.cases) for r in empty] == [(TOTAL, 0)]
        assert ledger(session, "agent", since=date(2027, 1, 1))[-1].cases == 0


def _gross_has_incremental(node: object) -> None:
    """Every JSON object holding a gross figure holds an incremental one beside it."""
    if isinstance(node, dict):
        gross = [k for k in node if k.startswith("gross")]
        if gross:
            assert any(k.startswith("incremental") for k in node), node
        for value in node.values():
            _gross_has_incremental(value)
    elif isinstance(node, list):
        for value in node:
            _gross_has_incremental(value)


def test_ledger_command_never_shows_gross_alone(
    books: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["retention", "ledger", "--by", "month", "--json"], capsys)
    assert code == 0, err
    body = json.loads(out)
    _gross_has_incremental(body)
    august = body["rows"][1]
    assert august["key"] == "2026-08"
    assert august["saves"]["gross"] == 10
    assert august["saves"]["incremental"]["estimate"] == pytest.approx(2.8)
    assert august["value"]["offer_cost_cents"] == 10_000
    assert body["total"]["key"] == TOTAL
    assert body["control_share_setting"] == 0.1
    code, out, err = run(["retention", "ledger", "--by", "offer"], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if "gross saves" in line)
    # In the table each gross column has its incremental column right beside it.
    assert header.index("incremental saves") > header.index("gross saves")
    assert header.index("incremental value") > header.index("gross value")
    assert "handset: 1 desk and 13 control cases: an interval needs at least 10" in out
    assert "the offer rows are not randomised" in out
    code, _out, err = run(["retention", "ledger", "--by", "week"], capsys)
    assert code == 2
    assert err.strip() == "error: --by: 'week' is not one of month, agent, offer"
    code, _out, err = run(["retention", "ledger", "--since", "1-8-2026"], capsys)
    assert code == 2
    assert err.strip() == "error: --since: '1-8-2026' is not a date like 2026-11-01"


def test_offer_and_desk_commands(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session:
        d = build_desk(session)
    code, out, err = run(
        ["retention", "offers", "add", "--code", "loyal-50", "--name", "€ 50 credit",
         "--kind", "other", "--fixed-cost", "50", "--prior-uplift", "0.04"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == "offer loyal-50 saved"
    code, out, err = run(["retention", "offers", "list", "--json"], capsys)
    assert code == 0, err
    listed = {o["code"]: o for o in json.loads(out)}
    assert set(listed) == {"discount-20", "free-month", "handset", "loyal-50"}
    assert listed["loyal-50"]["fixed_cost_cents"] == 5000
    code, out, _err = run(["retention", "offers", "list", "--all"], capsys)
    assert "old-gift" in out
    assert "(inactive)" in out
    code, _out, err = run(
        ["retention", "offers", "add", "--code", "x", "--name", "X", "--kind", "voucher"], capsys
    )
    assert code == 2
    assert err.strip() == (
        "error: kind: 'voucher' is not one of discount, free-months, handset, other"
    )
    since, until = (NOW - timedelta(days=15)).date(), NOW.date()
    args = ["retention", "desk", "open", "--since", str(since), "--until", str(until), "--json"]
    code, out, err = run([*args, "--control-share", "0"], capsys)
    assert code == 0, err
    assert json.loads(out) == {
        "control_share": 0.0, "contacts": 4, "opened": 3, "desk": 3, "control": 0,
        "contact_had_case": 0, "customer_had_open_case": 1,
    }  # fmt: skip
    code, out, err = run(args, capsys)  # again: nothing opens twice
    assert code == 0, err
    assert json.loads(out)["opened"] == 0
    with sessions() as session:
        cases = session.scalars(select(SaveCase)).all()
    assert {c.customer_id for c in cases} == set(d.customers.values())
    code, _out, err = run([*args, "--control-share", "1.5"], capsys)
    assert code == 2
    assert err.strip() == "error: --control-share: 1.5 is not in [0, 1)"
