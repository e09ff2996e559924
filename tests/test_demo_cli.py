"""``valuecenter demo`` and ``valuecenter bootstrap`` on every backend: the demo goes through
the importer, fills every table in one transaction, and refuses a non-empty database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.cli.errors import run_guarded
from valuecenter.cli.main import app
from valuecenter.customers.models import AccountManager
from valuecenter.demo.world import ENTITY_ORDER
from valuecenter.retention.renewals.service import why_no_list
from valuecenter.users.models import Role, User

DATA_TABLES = (
    "account_managers",
    "agents",
    "campaign_members",
    "campaigns",
    "cases",
    "categories",
    "consents",
    "contact_reasons",
    "contacts",
    "contracts",
    "customers",
    "employee_surveys",
    "order_lines",
    "orders",
    "products",
    "surveys",
    "teams",
    "truth_agents",
    "truth_contacts",
    "truth_customers",
    "truth_nps_drivers",
    "truth_responses",
    "truth_worlds",
)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command as ``valuecenter`` does (errors become one line and an exit code)."""
    with pytest.raises(SystemExit) as exit_info:
        run_guarded(lambda: app(args, standalone_mode=True))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def count(session: Session, table: str) -> int:
    return int(session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def test_demo_fills_every_table_through_the_importer(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["demo", "--customers", "300", "--seed", "5", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert tuple(summary["rows"]) == ENTITY_ORDER
    with sessions() as session:
        for table in DATA_TABLES:
            assert count(session, table) > 0, table
        assert count(session, "customers") == 300
        assert count(session, "order_lines") == summary["rows"]["orders"]
        assert count(session, "contacts") == summary["rows"]["contacts"]
        assert count(session, "surveys") == summary["rows"]["surveys"]
        named = session.scalars(select(AccountManager)).all()
        assert len(named) == summary["account_managers"] >= 5
        assert all(am.name and am.country == am.code[:2] for am in named)
        reasons = count(session, "contact_reasons") / count(session, "contacts")
        assert 3.0 <= reasons <= 4.0  # seed 002: three or four questions per contact


def test_demo_into_a_database_with_customers_is_a_one_line_error(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["demo", "--customers", "50"], capsys)[0] == 0
    code, _out, err = run(["demo", "--customers", "50"], capsys)
    assert code == 4
    assert err.strip() == (
        "error: the database already has 50 customers; demo loads only into an empty database"
    )


def test_demo_csv_files_load_through_the_importer_cli(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run(
        ["demo", "--preset", "telecom", "--customers", "200", "--seed", "2", "--out", str(out_dir)],
        capsys,
    )
    assert code == 0, err
    assert (out_dir / "README.txt").read_text(encoding="utf-8").count("\n") == 1
    with sessions() as session:
        assert count(session, "customers") == 0  # --out writes files only
    first_stamp = (out_dir / "contacts.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "+00:00" in first_stamp
    for entity in ENTITY_ORDER:
        path = out_dir / f"{entity}.csv"
        code, out, err = run(["import", entity, str(path), "--json"], capsys)
        assert code == 0, f"{entity}: {err}"
        result = json.loads(out)
        assert result["rejected"] == 0, f"{entity}: {result}"
        lines = sum(1 for _ in path.open(encoding="utf-8")) - 1
        assert result["read"] == lines
    with sessions() as session:
        assert count(session, "customers") == 200
        assert count(session, "contracts") > 200


def test_bootstrap_loads_once_and_shows_the_admin_password_once(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["bootstrap", "--customers", "300", "--seed", "1"], capsys)
    assert code == 0, err
    assert out.count("password (shown once):") == 1
    assert "loaded" in out
    # stderr is not a terminal here: the progress is a line per step, with counts and time.
    assert re.search(r"^bootstrap: loaded customers: 300 rows · \d+\.\d s$", err, re.M), err
    assert re.search(r"^bootstrap: alert run 8/8 \(\d{4}-\d\d-\d\d\) · \d+\.\d s$", err, re.M)
    assert re.search(r"^bootstrap: done · \d+\.\d s$", err, re.M)
    assert "8 alert runs over the last 6 months" in out
    # The wholesale company has no retention team: its service desk takes the cancel calls.
    assert "save desk: 6 months simulated" in out
    # Too few held-out renewal calls in 300 customers to learn whom an offer moves: one line.
    assert "renewal list not made: campaigns: the renewal campaigns hold" in out
    with sessions() as session:
        assert count(session, "customers") == 300
        assert count(session, "alert_runs") == 8  # six months of four-weekly runs, then today
        assert count(session, "save_cases") > 0
        assert count(session, "renewal_runs") == 0
        # The renewal page gives the bootstrap's reason, word for word (one source).
        why = why_no_list(session)
        assert why is not None
        assert f"renewal list not made: {why}\n" in out
        admins = session.scalars(select(User).where(User.role == Role.ADMIN)).all()
        assert [u.username for u in admins] == ["admin"]
        managers = session.scalars(select(AccountManager)).all()
        assert managers
        assert all(am.user_id is not None for am in managers)
        logins = session.scalars(select(User.username).where(User.role == Role.ACCOUNT_MANAGER))
        assert sorted(logins) == sorted(f"am-{am.code.lower()}" for am in managers)

    code, out, err = run(["bootstrap", "--customers", "300", "--seed", "1"], capsys)
    assert code == 0, err
    assert "password (shown once)" not in out
    assert "database is ready" in out
    # A lost admin password: the command that sets a new one, for the admin there is.
    assert "`valuecenter users password admin`" in out
    with sessions() as session:
        assert count(session, "customers") == 300
        assert session.scalar(select(func.count()).select_from(User)) == 1 + len(managers)


@pytest.mark.sqlite_only(
    "bootstrap's SQL runs on PostgreSQL in test_bootstrap_loads_once_and_shows_the_admin_password"
    "_once, the renewal run's in tests/test_retention_renewal.py; this one checks that bootstrap"
    " chains them for a telecom company (backend-independent, ~2 CPU minutes per backend)"
)
def test_bootstrap_of_the_telecom_company_makes_a_renewal_list(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["bootstrap", "--preset", "telecom", "--customers", "3000"], capsys)
    assert code == 0, err
    assert "save desk: 6 months simulated" in out
    assert "renewal list: " in out
    with sessions() as session:
        assert count(session, "renewal_runs") == 1
        assert count(session, "renewal_candidates") > 0
        assert count(session, "retention_offers") == 4  # the desk's three and the renewal one


_FIGURES = (
    "customers",
    "top1_share",
    "top10_share",
    "reasons_per_contact",
    "ivr_share",
    "monday_peak_factor",
    "yearly_churn",
)


def test_demo_stores_its_truth_and_stats_read_only_the_observable_tables(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    from valuecenter.demo.presets import TELECOM
    from valuecenter.demo.stats import world_stats
    from valuecenter.demo.world import build_world

    args = ["--preset", "telecom", "--customers", "800", "--seed", "2", "--scenario", "recession"]
    code, _out, err = run(["demo", *args], capsys)
    assert code == 0, err
    world = build_world(TELECOM, 800, 2, scenarios=("recession",))
    with sessions() as session:
        for name, frame in world.truth.items():
            assert count(session, name) == len(frame), name
        assert count(session, "truth_market_shocks") == 1
        assert count(session, "campaign_members") == len(world.frames["campaign_members"])
        assert count(session, "contacts") == len(world.frames["contacts"])
        ivr = session.scalar(text("SELECT count(*) FROM contacts WHERE queue = 'ivr'"))
        assert ivr == (world.frames["contacts"]["queue"] == "ivr").sum()
        transfers = session.scalar(
            text("SELECT count(*) FROM contacts WHERE transferred_from_id IS NOT NULL")
        )
        assert transfers == world.frames["contacts"]["transferred_from"].notna().sum()
    code, out, err = run(["demo", "stats", "--json"], capsys)
    assert code == 0, err
    figures = json.loads(out)
    expected = world_stats(world.frames)
    for key in _FIGURES:
        assert figures[key] == pytest.approx(expected[key], abs=1e-3), key
    assert figures["response_by_channel"] == pytest.approx(expected["response_by_channel"])
    assert "database" in figures["source"]


def test_demo_respond_re_simulates_a_treatment_on_the_truth(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["demo", "respond", "--action", "sms", "--random", "0.5"], capsys)
    assert code == 3
    assert err.strip().startswith("error: no truth for sms: this database holds no simulated")
    assert run(["demo", "--preset", "telecom", "--customers", "600", "--seed", "4"], capsys)[0] == 0

    code, out, err = run(
        ["demo", "respond", "--action", "retention-offer", "--random", "0.5", "--json"], capsys
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["treated"] + summary["control"] == summary["customers"] > 400
    assert summary["observed_effect"]["treated_n"] == summary["treated"]
    assert isinstance(summary["covers_true_uplift"], bool)

    with sessions() as session:
        a, b, c, d = session.scalars(
            text("SELECT customer_id FROM truth_responses WHERE action = 'sms' ORDER BY 1 LIMIT 4")
        ).all()
    plan = tmp_path / "plan.csv"
    plan.write_text(f"customer_id,treated\n{a},true\n{b},false\n{c},1\n{d},no\n", encoding="utf-8")
    outcomes = tmp_path / "outcomes.csv"
    code, out, err = run(
        ["demo", "respond", "--action", "sms", "--file", str(plan), "--out", str(outcomes)],
        capsys,
    )
    assert code == 0, err
    rows = outcomes.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "customer_id,treated,outcome,p_control,p_treated"
    assert len(rows) == 5
    assert all(row.split(",")[2] == "False" for row in rows[1:] if row.split(",")[1] == "False")

    plan.write_text(f"customer_id,treated\n{a},maybe\n", encoding="utf-8")
    code, _out, err = run(["demo", "respond", "--action", "sms", "--file", str(plan)], capsys)
    assert code == 2
    assert err.strip() == "error: treated: line 2: 'maybe' is not true or false"
    plan.write_text(f"customer_id,treated\nC9999999,true\n{a},false\n", encoding="utf-8")
    code, _out, err = run(["demo", "respond", "--action", "sms", "--file", str(plan)], capsys)
    assert code == 2
    assert "C9999999 has no truth for sms" in err


def test_an_unknown_scenario_or_action_is_a_one_line_error(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["demo", "--customers", "50", "--scenario", "boom"], capsys)
    assert code == 2
    assert err.strip() == (
        "error: scenario: 'boom' is not a scenario; use one of recession, peak-season"
    )
    code, _out, err = run(["demo", "respond", "--action", "bribe", "--random", "0.5"], capsys)
    assert code == 2
    assert "'bribe' is not an action" in err
    code, _out, err = run(
        ["demo", "stats", "--preset", "telecom", "--customers", "2000000"], capsys
    )
    assert code == 2
    assert err.startswith("error: --customers: --preset builds the company in memory, up to")
