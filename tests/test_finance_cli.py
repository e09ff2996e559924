"""``valuecenter finance``: the P&L printed and as JSON, the entered costs and the budget loaded
from CSV — all or nothing, a bad row named in one line (issue 23; docs/finance.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.test_retention_desk import Desk
from tests.test_retention_ledger import books  # noqa: F401  (the fixture)
from valuecenter.finance.models import Budget, CostEntry
from valuecenter.finance.schemas import PnlOut
from valuecenter.finance.statement import statement


def test_the_pnl_as_json_is_the_statement(
    books: Desk,  # noqa: F811
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["finance", "pnl", "--month", "2026-08", "--json"], capsys)
    assert code == 0, err
    body = json.loads(out)
    with sessions() as session:
        want = PnlOut.of(statement(session, "2026-08", trend_months=0)).model_dump(mode="json")
    assert body["period"]["totals"] == want["period"]["totals"]
    assert body["seeds_saves"] == want["seeds_saves"]
    assert body["trend"] == []


def test_the_pnl_printed_shows_both_save_figures(
    books: Desk,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["finance", "pnl", "--month", "2026-08"], capsys)
    assert code == 0, err
    assert "Service P&L 2026-08" in out
    assert "Saves" in out
    assert "proven" in out
    assert "counted the usual way" in out
    assert "anyway" in out


@pytest.mark.parametrize("month", ["2026-13", "9999-01", "oct"])
def test_a_bad_month_is_one_line(
    books: Desk,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    month: str,
) -> None:
    code, _out, err = run(["finance", "pnl", "--month", month], capsys)
    assert code == 2
    assert err.startswith("error: month: ")
    assert len(err.strip().splitlines()) == 1


def test_costs_and_budget_load_all_or_nothing(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "costs.csv"
    good.write_text(
        "month,kind,team,channel,amount_eur,note\n"
        "2026-10,overhead,,,12000,rent\n2026-10,it-telephony,,phone,800,lines\n",
        encoding="utf-8",
    )
    code, out, err = run(["finance", "costs", "load", str(good)], capsys)
    assert code == 0, err
    assert "2 cost rows loaded" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "month,kind,team,channel,amount_eur,note\n"
        "2026-11,overhead,,,1,\n2026-11,overhead,,,twelve,\n",
        encoding="utf-8",
    )
    code, out, err = run(["finance", "costs", "load", str(bad)], capsys)
    assert code == 2
    assert err.strip() == (
        "error: row 3, amount_eur: must be an amount in euros from 0 to 100,000,000,000 "
        "with at most 2 decimals"
    )
    code, out, err = run(["finance", "budget", "load", str(tmp_path / "missing.csv")], capsys)
    assert code == 2
    assert "is not a file" in err
    binary = tmp_path / "budget.csv"
    binary.write_bytes(b"\xff\xfe\x00year")
    code, out, err = run(["finance", "budget", "load", str(binary)], capsys)
    assert code == 2
    assert "not UTF-8" in err
    plan = tmp_path / "plan.csv"
    plan.write_text("year,line,amount_eur\n2026,agent-hours,250000\n2026,saves,90000\n")
    code, out, err = run(["finance", "budget", "load", str(plan)], capsys)
    assert code == 0, err
    with sessions() as session:
        assert session.scalar(select(func.count(CostEntry.id))) == 2  # the bad file wrote nothing
        assert session.scalar(select(func.sum(Budget.amount_cents))) == 34_000_000
