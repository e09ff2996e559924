"""``valuecenter bonus compute`` and ``check`` on a small hand-built world (issue 22, point 3),
on SQLite and PostgreSQL. Every figure below is computed by hand.

The plan (:data:`PLAN`): €1,000 a month; retention 0.4 (target 90%, floor 75%, cap 1.2),
sales 0.4 (target €300, floor €50, cap 1.5), NPS 0.2 (target 40, floor 0, cap 1.25, at least
2 answers); a market's control group prices the credit from 3 customers.

October 2026 (every amount in euro):

- **nl-1** (NL), pool t1 t2 t3 t4 c1 c2 o1 (7: top ⌈1.4⌉ = 2). September: t1 400, t4 200,
  o1 100 → top t1, t4 = 600. October: t1 300, t2 100, t4 200, c1 50, o1 500.
  Retention 500/600 = 5/6; attainment (5/6)/0.9 = 25/27; 400 × 25/27 = 370.37.
  The engine decided for t1 (twice), t2, t3, t4 in its arm and for c1, c2 in the control arm;
  o1 had no decision (his 500 is in neither arm, not credited). Gross 600. NL's control
  customers are c1 50, c2 0 and nl-2's e1 10, e2 30: 4 customers, 90, 22.50 each. Expected
  4 × 22.50 = 90; credit 510; attainment 1.7 → capped at 1.5: 600.00.
  NPS: t1 10, t2 9, t3 3 → (2 − 1)/3 = 33.33; 200 × 33.33/40 = 166.67.
  Bonus 370.37 + 600.00 + 166.67 = **1,137.04**.
- **nl-2** (NL), pool u1 u2 e1 e2 (top ⌈0.8⌉ = 1). September u1 100; October u1 100, u2 20,
  e1 10, e2 30. Retention 1.0; 400 × 1/0.9 = 444.44. Treated u1, u2: gross 120, expected
  2 × 22.50 = 45, credit 75; 400 × 75/300 = 100.00. No NPS answers: the line pays 0.
  Bonus **544.44**.
- **de-1** (DE), pool d1 d2 d3 f1. September d1 100; October d1 50 → retention 0.5, below the
  floor: 0. Treated d1 d2 d3 bought 50 each: gross 150. DE has one control customer (f1, 60),
  fewer than 3: all markets' 5 control customers (c1 c2 e1 e2 f1: 150, 30 each) price it:
  expected 90, credit 60; 400 × 60/300 = 80.00. NPS d1 10, d2 10 = 100 → 2.5× capped at
  1.25: 250.00. Bonus **330.00**.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli
from tests.pool_world import PoolWorld
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.offers.models import DecisionArm
from valuecenter.products.models import Product

PLAN = """\
name: Test plan
period: month
base_bonus: 1000
lines:
  retention: {weight: 0.4, target: 0.9, floor: 0.75, cap: 1.2}
  sales: {weight: 0.4, target: 300, floor: 50, cap: 1.5}
  nps: {weight: 0.2, target: 40, floor: 0, cap: 1.25, min_answers: 2}
sales_credit:
  min_control_customers: 3
"""


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _build(session: Session) -> None:
    w = PoolWorld(session)
    pools = {
        ("nl-1", "NL"): ["t1", "t2", "t3", "t4", "c1", "c2", "o1"],
        ("nl-2", "NL"): ["u1", "u2", "e1", "e2"],
        ("de-1", "DE"): ["d1", "d2", "d3", "f1"],
    }
    for (code, country), names in pools.items():
        am = AccountManager(code=code, name=f"AM {code}", country=country)
        session.add(am)
        session.flush()
        for name in names:
            customer = Customer(
                external_id=f"BW-{name}",
                kind=CustomerKind.B2B,
                country=country,
                account_manager_id=am.id,
            )
            session.add(customer)
            session.flush()
            w.ids[name] = customer.id
    stray = Customer(external_id="BW-x", kind=CustomerKind.B2B, country="NL")  # in no pool
    session.add(stray)
    product = Product(external_id="BW-P", name="P")
    session.add(product)
    session.flush()
    w.ids["x"], w.ids["P"] = stray.id, product.id
    euro = 100
    for name, september, october in [
        ("t1", 400, 300),
        ("t2", 0, 100),
        ("t4", 200, 200),
        ("c1", 0, 50),
        ("o1", 100, 500),
        ("u1", 100, 100),
        ("u2", 0, 20),
        ("e1", 0, 10),
        ("e2", 0, 30),
        ("d1", 100, 50),
        ("d2", 0, 50),
        ("d3", 0, 50),
        ("f1", 0, 60),
        ("x", 0, 999),
    ]:
        if september:
            w.order(name, at(9, 10), ("P", september * euro))
        if october:
            w.order(name, at(10, 20), ("P", october * euro))
    w.order("t3", datetime(2026, 11, 1, tzinfo=UTC), ("P", 99_900))  # November: outside
    nba, control = DecisionArm.NBA, DecisionArm.CONTROL
    for name in ["t1", "t1", "t2", "t3", "t4", "u1", "u2", "d1", "d2", "d3", "x"]:
        w.decision(name, at(10, 5), nba, {})
    for name in ["c1", "c2", "e1", "e2", "f1"]:
        w.decision(name, at(10, 5), control, {})
    w.decision("o1", at(9, 5), nba, {})  # September: o1 is in neither arm in October
    for name, score in [("t1", 10), ("t2", 9), ("t3", 3), ("d1", 10), ("d2", 10)]:
        w.survey(name, at(10, 15), score)
    session.flush()


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> Path:
    with sessions.begin() as session:
        _build(session)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    return plan


def _json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run_cli(monkeypatch, capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _lines(am: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["measure"]: line for line in am["lines"]}


def test_compute_every_am_by_hand(
    world: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("bonus", "compute", "--period", "2026-10", "--plan", str(world))
    doc = _json(monkeypatch, capsys, *args)
    ams = {am["code"]: am for am in doc["ams"]}
    assert list(ams) == ["de-1", "nl-1", "nl-2"]
    nl1 = _lines(ams["nl-1"])
    assert nl1["retention"]["payout_cents"] == 37_037
    assert nl1["retention"]["measured"] == pytest.approx(5 / 6, abs=1e-6)
    sales = nl1["sales"]
    assert sales["status"] == "capped"
    assert sales["payout_cents"] == 60_000
    credit = sales["sales"]
    assert credit["gross_cents"] == 60_000
    assert credit["expected_cents"] == 9_000
    assert credit["credited_cents"] == 51_000
    assert credit["basis"] == "market"
    assert credit["control_adjusted"] is True
    assert credit["outside_sales_cents"] == 50_000  # o1: in neither arm, not credited
    assert credit["own_control_sales_cents"] == 5_000  # c1
    (month,) = credit["months"]
    assert month["experiment"] == "nba-control:2026-10"
    assert (month["treated_customers"], month["control_customers"]) == (4, 4)
    assert month["control_per_customer_cents"] == 2_250
    assert nl1["nps"]["payout_cents"] == 16_667
    assert ams["nl-1"]["bonus_cents"] == 113_704
    assert "capped at 150.0% of €400.00" in sales["explanation"]
    assert "the control customers of market NL (4) bought €22.50 each" in sales["explanation"]

    nl2 = _lines(ams["nl-2"])
    assert nl2["retention"]["payout_cents"] == 44_444
    assert nl2["sales"]["sales"]["credited_cents"] == 7_500
    assert nl2["sales"]["payout_cents"] == 10_000
    assert nl2["nps"]["status"] == "unmeasured"
    assert ams["nl-2"]["bonus_cents"] == 54_444

    de1 = _lines(ams["de-1"])
    assert de1["retention"]["status"] == "floored"
    assert de1["retention"]["payout_cents"] == 0
    de_credit = de1["sales"]["sales"]
    assert de_credit["basis"] == "all-markets"
    assert de_credit["months"][0]["control_customers"] == 5
    assert de_credit["credited_cents"] == 6_000
    assert de1["sales"]["payout_cents"] == 8_000
    assert de1["nps"]["status"] == "capped"
    assert de1["nps"]["payout_cents"] == 25_000
    assert ams["de-1"]["bonus_cents"] == 33_000
    assert "all markets" in de1["sales"]["explanation"]

    assert doc["total_cents"] == 113_704 + 54_444 + 33_000
    assert doc["period"]["label"] == "2026-10"
    assert doc["period"]["previous"] == "2026-09"
    assert doc["plan"]["sha256"] == hashlib.sha256(world.read_bytes()).hexdigest()
    groups = {(g["month"], g["market"]): g for g in doc["control"]["groups"]}
    assert groups[("2026-10", "NL")]["control_customers"] == 4
    assert groups[("2026-10", "DE")]["control_customers"] == 1
    assert groups[("2026-10", None)]["control_sales_cents"] == 15_000
    assert doc["control"]["experiments"] == ["nba-control:2026-10"]


def test_too_few_controls_credits_the_gross_flagged(
    world: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = tmp_path / "strict.yaml"
    plan.write_text(PLAN.replace("min_control_customers: 3", "min_control_customers: 10"))
    doc = _json(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(plan),
        "--am", "nl-2",
    )  # fmt: skip
    (am,) = doc["ams"]
    credit = _lines(am)["sales"]["sales"]
    assert credit["basis"] == "none"
    assert credit["control_adjusted"] is False
    assert credit["not_adjusted_months"] == ["2026-10"]
    assert credit["credited_cents"] == 12_000  # the gross
    assert "NOT control-adjusted" in _lines(am)["sales"]["explanation"]
    code, out, _err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(plan)
    )
    assert code == 0
    assert "NOT control-adjusted (too few control customers): de-1, nl-1, nl-2" in out


def test_the_table_the_explanation_and_the_csv(
    world: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_csv = tmp_path / "bonus.csv"
    code, out, err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(world),
        "--am", "nl-1", "--csv", str(out_csv),
    )  # fmt: skip
    assert code == 0, err
    assert "€1,137.04" in out
    assert "€600.00 (cap)" in out
    assert "credited €510.00 (gross €600.00 − expected €90.00)" in out
    assert "nba-control:2026-10" in out
    with out_csv.open(encoding="utf-8-sig") as handle:  # the export starts with a BOM
        rows = list(csv.reader(handle))
    assert rows[0][0] == "Account manager"
    assert [r[4] for r in rows[1:]] == ["retention", "sales", "nps", "total"]
    assert rows[-1][10] == "1137.04"
    code, out, _err = run_cli(
        monkeypatch, capsys, "--lang", "nl", "bonus", "compute", "--period", "2026-10",
        "--plan", str(world), "--am", "nl-1",
    )  # fmt: skip
    assert code == 0
    assert "€ 1.137,04" in out


def test_a_quarterly_plan(
    world: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Q4 2026 against Q3: nl-1's top customers are the same (July–September is September
    here), so retention is 5/6 again; November and December have no decision, so October's
    credit is the quarter's (t3's November order is his, but a customer-month outside the
    arms: not credited)."""
    plan = tmp_path / "quarter.yaml"
    plan.write_text(PLAN.replace("period: month", "period: quarter"))
    doc = _json(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-Q4", "--plan", str(plan),
        "--am", "nl-1",
    )  # fmt: skip
    (am,) = doc["ams"]
    assert doc["period"] == {
        "label": "2026-Q4",
        "kind": "quarter",
        "start": "2026-10-01",
        "end": "2027-01-01",
        "previous": "2026-Q3",
    }
    lines = _lines(am)
    assert lines["retention"]["payout_cents"] == 37_037
    credit = lines["sales"]["sales"]
    assert [m["month"] for m in credit["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert credit["credited_cents"] == 51_000
    assert credit["control_adjusted"] is True
    assert credit["outside_sales_cents"] == 50_000 + 99_900
    code, _out, err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(plan)
    )
    assert code == 2
    assert "2026-Q4" in err


def test_errors_are_one_line(
    world: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-13", "--plan", str(world)
    )
    assert code == 2
    assert err.strip().startswith("error: --period:")
    code, out, err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(world),
        "--am", "nobody", "--json",
    )  # fmt: skip
    assert code == 3
    assert json.loads(out)["error"] == "not_found"
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAN.replace("cap: 1.5", "cap: 0.5"))
    code, out, err = run_cli(
        monkeypatch, capsys, "bonus", "compute", "--period", "2026-10", "--plan", str(bad)
    )
    assert code == 2
    assert err.strip() == (
        "error: bad.yaml, line 6: lines.sales.cap: needs 1 or more (a multiple of the target "
        "payout: 1 pays at most the target, 1.5 at most 150%) and at most 10"
    )
    assert "Traceback" not in err


def test_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "bonus-plan.example.yaml"
    code, out, err = run_cli(monkeypatch, capsys, "bonus", "check", str(example))
    assert code == 0, err
    assert "the plan is valid" in out
    assert "at most €1,330.00" in out
    doc = _json(monkeypatch, capsys, "bonus", "check", str(example))
    assert doc["plan"]["max_cents"] == 133_000
    twice = tmp_path / "twice.yaml"
    twice.write_text(PLAN + "period: quarter\n")
    code, out, err = run_cli(monkeypatch, capsys, "bonus", "check", str(twice), "--json")
    assert code == 2
    assert json.loads(out)["detail"] == "twice.yaml, line 10: period: written twice"
