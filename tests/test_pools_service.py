"""``valuecenter pools assign`` on the database (issue 22, point 1): every B2B customer to an
active AM of his country, pools within ±5% of their market's mean, sticky on a rebalance (an
AM who leaves hands over only his own customers; a customer with an open case keeps his AM),
a dry run changes nothing. The assignment's own figures at scale are in
tests/test_analytics_pools.py and bench/pools_bench.py."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli
from valuecenter.contacts.models import Case, CaseStatus
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.errors import Conflict
from valuecenter.pools import service


def _world(session: Session) -> None:
    for i, country in enumerate(["NL", "NL", "NL", "DE", "DE"]):
        session.add(AccountManager(code=f"am-{i}", country=country))
    session.flush()
    for i in range(600):
        country = "NL" if i < 360 else "DE"
        session.add(
            Customer(
                external_id=f"C{i}",
                kind=CustomerKind.B2B,
                country=country,
                name=f"Customer {i}",
            )
        )
    session.add(Customer(external_id="P1", kind=CustomerKind.B2C, country="NL"))
    session.flush()


def _pools(session: Session) -> dict[str, Counter[str]]:
    rows = session.execute(
        select(AccountManager.code, AccountManager.country, Customer.country).join(
            Customer, Customer.account_manager_id == AccountManager.id
        )
    ).all()
    pools: dict[str, Counter[str]] = {}
    for code, am_country, customer_country in rows:
        pools.setdefault(code, Counter())[customer_country] += 1
        assert am_country == customer_country
    return pools


def test_assign_then_rebalance_when_an_am_leaves(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _world(session)
    with sessions.begin() as session:
        first = service.assign(session)
        assert first.customers == 600  # the consumer is not a B2B customer
        assert first.assignment.size_spread <= 0.05
    with sessions() as session:
        pools = _pools(session)
        # 360 NL customers over 3 AMs and 240 DE over 2: 120 each, within ±5%
        assert all(114 <= sum(c.values()) <= 126 for c in pools.values())
        assert len(pools) == 5
        b2c = session.scalar(select(Customer).where(Customer.external_id == "P1"))
        assert b2c is not None
        assert b2c.account_manager_id is None
    with sessions.begin() as session:
        leaving = session.scalar(select(AccountManager).where(AccountManager.code == "am-0"))
        assert leaving is not None
        leaving.active = False
        theirs = session.scalars(
            select(Customer.id).where(Customer.account_manager_id == leaving.id)
        ).all()
        # a customer of am-1 with an open case stays with am-1
        keeper = session.scalar(
            select(Customer).join(AccountManager).where(AccountManager.code == "am-1").limit(1)
        )
        assert keeper is not None
        session.add(
            Case(
                external_id="K1",
                customer_id=keeper.id,
                opened_at=datetime(2026, 12, 1, tzinfo=UTC),
                status=CaseStatus.OPEN,
            )
        )
        keeper_id, keeper_am = keeper.id, keeper.account_manager_id
    with sessions.begin() as session:
        again = service.assign(session)
        # am-0's customers are placed, nobody else moves: the two NL pools grow to about 180.
        assert again.assignment.moved == 0
        assert again.changed == len(theirs)
    with sessions() as session:
        pools = _pools(session)
        assert "am-0" not in pools
        sizes = {code: sum(c.values()) for code, c in pools.items()}
        assert 171 <= sizes["am-1"] <= 189
        assert 171 <= sizes["am-2"] <= 189
        assert 114 <= sizes["am-3"] <= 126
        kept = session.get(Customer, keeper_id)
        assert kept is not None
        assert kept.account_manager_id == keeper_am


def test_a_dry_run_changes_nothing_and_no_am_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _world(session)
    with sessions.begin() as session:
        run = service.assign(session, write=False)
        assert run.changed == 600
        assert not run.written
    with sessions() as session:
        assigned = session.scalars(select(Customer.account_manager_id)).all()
        assert set(assigned) == {None}
    with sessions.begin() as session:
        for am in session.scalars(select(AccountManager)):
            am.active = False
    with sessions() as session, pytest.raises(Conflict):
        service.assign(session)


def test_the_command(
    sessions: sessionmaker[Session],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sessions.begin() as session:
        _world(session)
    code, out, err = run_cli(monkeypatch, capsys, "pools", "assign", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert set(body) >= {"ams", "customers", "size_spread_pct", "value_cv", "moved", "seconds"}
    assert (body["ams"], body["customers"], body["moved"]) == (5, 600, 0)
    assert body["size_spread_pct"] <= 5.0
    code, out, err = run_cli(monkeypatch, capsys, "pools", "assign", "--recent-days", "-1")
    assert code != 0
    assert "Traceback" not in err
