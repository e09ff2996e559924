"""``valuecenter score`` on every backend: features computed in the database match the
CLV literature's convention computed in Python, every customer gets a row under the run id,
the 360 and the value page show them with their run, an account manager sees his pool only,
and bad input is one line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD, bearer, cheap_argon2, login, make_client
from valuecenter.analytics.clv.bgnbd import fit_bgnbd
from valuecenter.analytics.clv.summary import transaction_summary
from valuecenter.analytics.purchases import summary_from_days
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.demo.load import account_manager_logins
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.world import build_world
from valuecenter.users.service import issue_token, set_password
from valuecenter.value.features import purchase_days, purchase_summary
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.value.segments import NOT_SCORED, load_segmentation

CUSTOMERS, SEED = 600, 3


@pytest.fixture
def scored(db_url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, _out, err = run(["demo", "--customers", str(CUSTOMERS), "--seed", str(SEED)], capsys)
    assert code == 0, err
    code, out, err = run(["score", "--json"], capsys)
    assert code == 0, err
    summary: dict[str, object] = json.loads(out)
    return summary


def test_the_database_features_follow_the_clv_convention(
    scored: dict[str, object], sessions: sessionmaker[Session]
) -> None:
    world = build_world(WHOLESALE, CUSTOMERS, SEED)
    orders = world.frames["orders"]
    as_of = pd.Timestamp(str(scored["as_of"]), tz="UTC")
    day = orders["ordered_at"].dt.floor("D").dt.tz_localize(None)
    cents = orders["quantity"] * (orders["unit_price"] * 100).round()
    summary = transaction_summary(
        orders["customer_id"],
        day,
        cents,
        freq="D",
        observation_end=as_of.tz_localize(None) - pd.Timedelta(days=1),
    )
    recent = day >= as_of.tz_localize(None) - pd.Timedelta(days=365)
    revenue_12m = cents[recent].groupby(orders["customer_id"][recent]).sum()
    with sessions() as session:
        rows = session.execute(
            select(Customer.external_id, CustomerScore).join(
                CustomerScore, CustomerScore.customer_id == Customer.id
            )
        ).all()
        run_row = session.scalars(select(ScoreRun)).one()
    by_id = {str(external): score for external, score in rows}
    assert len(by_id) == CUSTOMERS
    assert run_row.run_id == scored["run_id"]
    contracts = world.frames["contracts"]
    with_contract = set(contracts.loc[contracts["start_date"] < str(as_of.date()), "customer_id"])
    assert run_row.scored == len(set(summary.index) | with_contract) == scored["scored"]
    for customer, row in summary.iterrows():
        score = by_id[str(customer)]
        assert score.purchases == row["frequency"] + 1
        assert score.recency_days == int(row["T"] - row["recency"])
    for customer, score in by_id.items():
        if customer not in with_contract:  # contract fees count too (tested below)
            assert score.revenue_12m_cents == int(revenue_12m.get(customer, 0)), customer
        if customer not in summary.index and customer not in with_contract:
            assert score.segment == NOT_SCORED
            assert score.clv_cents is None
    # The run's BG/NBD is the fit of those features (in weeks).
    fit = fit_bgnbd(summary["frequency"], summary["recency"] / 7, summary["T"] / 7)
    stored = run_row.models["bgnbd"]
    assert isinstance(stored, dict)
    assert stored["r"] == pytest.approx(fit.r, rel=1e-6)
    assert stored["alpha"] == pytest.approx(fit.alpha, rel=1e-6)
    assert stored["log_likelihood"] == pytest.approx(fit.log_likelihood, rel=1e-9)


def test_every_customer_is_scored_into_one_of_the_six_segments(
    scored: dict[str, object], sessions: sessionmaker[Session]
) -> None:
    names = set(load_segmentation().names()) | {NOT_SCORED}
    with sessions() as session:
        scores = session.scalars(select(CustomerScore)).all()
    assert {s.segment for s in scores} <= names
    modelled = [s for s in scores if s.segment != NOT_SCORED]
    assert all(0.0 <= (s.p_alive or 0) <= 1.0 for s in modelled)
    assert all((s.clv_cents or 0) >= 0 for s in modelled)
    rated = [s for s in modelled if s.r is not None]  # contract-only customers have no RFM
    assert rated
    assert all(1 <= (s.r or 0) <= 5 for s in rated)
    assert all(1 <= (s.f or 0) <= 5 for s in rated)
    clv = np.array([s.clv_cents for s in modelled], dtype=float)
    champions = np.array([s.segment == "champions" for s in modelled])
    assert clv[champions].min() >= np.quantile(clv, 0.85)  # the top tier by CLV


def test_the_360_and_the_value_page_show_the_run(
    scored: dict[str, object],
    db_url: str,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_argon2(monkeypatch)
    with sessions() as session, session.begin():
        account_manager_logins(session)
    with sessions() as session:
        manager = session.scalars(select(AccountManager).order_by(AccountManager.code)).first()
        assert manager is not None
        pool = session.scalar(
            text("SELECT count(*) FROM customers WHERE account_manager_id = :m"), {"m": manager.id}
        )
        member = session.scalars(
            select(Customer.id).where(Customer.account_manager_id == manager.id)
        ).first()
        username = session.scalar(
            text("SELECT username FROM users WHERE id = :u"), {"u": manager.user_id}
        )
        if username is None:
            pytest.skip("the demo created no account-manager logins")
    with sessions() as session, session.begin():
        set_password(session, username=str(username), password=PASSWORD)
        token = issue_token(session, username=str(username), days=1)
    client = make_client(db_url)
    c360 = client.get(f"/api/v1/customers/{member}", headers=bearer(token))
    assert c360.status_code == 200, c360.text
    value = c360.json()["value"]
    assert value["run_id"] == scored["run_id"]
    assert value["segment"]
    login(client, str(username))
    assert str(scored["run_id"]) in client.get(f"/customers/{member}").text
    page = client.get("/value")
    assert page.status_code == 200
    assert str(scored["run_id"]) in page.text
    assert "your pool only" in page.text
    counts = [int(n.replace(".", "")) for n in _column(page.text)]
    assert sum(counts) == pool  # an account manager's dashboard covers his pool only


def _column(html: str) -> list[str]:
    import re

    body = html.split('<table class="table segments"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', body)
    return cells[0::5]  # customers, share, revenue share, CLV, risk per row


def test_score_errors_are_one_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _out, err = run(["score"], capsys)
    assert code == 2
    assert err.strip() == "error: orders: there are no orders to score; import orders first"
    bad = tmp_path / "segments.toml"
    bad.write_text(
        (Path(__file__).parents[1] / "src/valuecenter/value/segments.toml")
        .read_text(encoding="utf-8")
        .replace(
            'name = "let-go"\ntier = "base"\nrisk = "at-risk"',
            'name = "let-go"\ntier = "base"\nrisk = "healthy"',
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("VALUECENTER_SEGMENTS_FILE", str(bad))
    from valuecenter.settings import get_settings

    get_settings.cache_clear()
    code, _out, err = run(["score"], capsys)
    assert code == 2
    assert err.strip() == (
        "error: segments file: segments.toml: file: segment let-go: (base, healthy) is named twice"
    )
    bad.write_text("at_risk_below = [", encoding="utf-8")
    code, _out, err = run(["score"], capsys)
    assert code == 2
    assert err.startswith("error: segments file: ")
    assert err.count("\n") == 1
    code, _out, err = run(["score", "--as-of", "yesterday"], capsys)
    assert code == 2
    get_settings.cache_clear()


def test_contract_customers_are_valued_by_their_fees_and_renewal_chance(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    # Telecom: most customers buy little and pay fees; an sBG on their renewals (Fader & Hardie
    # 2007) gives the chance they renew at their next contract end.
    code, _out, err = run(
        ["demo", "--preset", "telecom", "--customers", "500", "--seed", "2"], capsys
    )
    assert code == 0, err
    code, out, err = run(["score", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    sbg = summary["models"]["sbg"]
    assert sbg["customers"] > 0
    assert summary["scored"] == summary["customers"] == 500
    as_of = pd.Timestamp(summary["as_of"]).date()
    with sessions() as session:
        contracts = pd.read_sql(
            text(
                "SELECT customer_id, monthly_fee_cents AS fee, start_date, end_date, status "
                "FROM contracts"
            ),
            session.connection(),
        )
        scores = pd.read_sql(
            text("SELECT customer_id, clv_cents, p_alive, segment FROM customer_scores"),
            session.connection(),
        ).set_index("customer_id")
        bought = {int(c) for c in session.scalars(text("SELECT DISTINCT customer_id FROM orders"))}
    contracts["end_date"] = pd.to_datetime(contracts["end_date"]).dt.date
    contracts["start_date"] = pd.to_datetime(contracts["start_date"]).dt.date
    running = contracts[
        (contracts["start_date"] < as_of)
        & (
            contracts["status"].eq("active")
            | (contracts["status"].eq("renewed") & (contracts["end_date"] >= as_of))
        )
    ]
    # One single-line customer without orders, worked by hand.
    lines = contracts.groupby("customer_id").size()
    single = running[running["customer_id"].map(lines).eq(1)]
    single = single[~single["customer_id"].isin(bought)]
    row = single.iloc[0]
    months = np.arange(1, 13)
    discount = (1.10 ** (1 / 12)) ** -months
    to_end = max((row["end_date"] - as_of).days, 0) / (365.25 / 12)
    renew = sbg["delta"] / (sbg["gamma"] + sbg["delta"])  # k = 0 renewals on one line
    expected = row["fee"] * np.where(months <= to_end, 1.0, renew) @ discount
    assert scores.loc[row["customer_id"], "clv_cents"] == pytest.approx(expected, abs=1)
    # Customers who left (no running contract, no orders) are worth nothing and not alive.
    left = set(contracts["customer_id"]) - set(running["customer_id"]) - bought
    assert left
    gone = scores.loc[sorted(left)]
    assert (gone["clv_cents"] == 0).all()
    assert (gone["p_alive"] == 0).all()
    assert set(gone["segment"]) <= {"let-go", "win-back", "save-first"}


def test_the_summary_from_the_customer_days_equals_the_sql_summary(
    scored: dict[str, object], sessions: sessionmaker[Session]
) -> None:
    """The score run reads the orders once (``purchase_days``) and derives the CLV features
    from those customer-days (``summary_from_days``): the same figures as the set-based
    ``purchase_summary`` that reads them a second time, on both backends."""
    as_of = date.fromisoformat(str(scored["as_of"]))
    with sessions() as session:
        sql = purchase_summary(session, as_of)
        derived = summary_from_days(as_of, purchase_days(session, as_of))
    assert len(sql.customer_id) > 100
    for name in ("customer_id", "periods", "first_day", "last_day", "total_cents"):
        assert np.array_equal(getattr(sql, name), getattr(derived, name)), name
    assert np.array_equal(sql.first_cents, derived.first_cents)
    assert np.array_equal(sql.recent_cents, derived.recent_cents)
