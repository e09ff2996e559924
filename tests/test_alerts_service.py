"""``valuecenter alerts run`` on every backend: a market dip is one row however many runs see
it (not a flood of alerts), order-rhythm alerts come from the rhythm warning, the churn model
is validated out of time and its alerts carry reasons in words, alerts are priced by CLV, a
customer gets one open alert per kind, and bad input is one line."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus, MarketDip
from valuecenter.alerts.service import DIP_GAP_DAYS, AlertOptions, _record_dips, run_alerts
from valuecenter.analytics.rhythm import MarketFigures, RhythmOptions, RhythmResult
from valuecenter.customers.models import Customer
from valuecenter.demo.truth_models import TruthMarketShock
from valuecenter.orders.models import Order
from valuecenter.value.models import CustomerScore


def _load(capsys: pytest.CaptureFixture[str], *args: str) -> None:
    code, _out, err = run(["demo", *args], capsys)
    assert code == 0, err
    # stderr is not a terminal here: progress comes as lines with counts and elapsed time.
    assert re.search(r"^demo: loaded customers: [\d,]+ rows · \d+\.\d s$", err, re.M), err
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    assert re.fullmatch(
        r"score: value models fitted, [\d,]+ customers scored; committing… · \d+\.\d s\n", err
    ), err


def _alerts(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run(["alerts", "run", "--json", *args], capsys)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    runs = [line for line in err.splitlines() if line.startswith("alerts: alert run ")]
    assert runs, err  # a line per run, with its day and count
    assert re.fullmatch(
        r"alerts: alert run of \d{4}-\d\d-\d\d done: [\d,]+ new alerts?; committing… · \d+\.\d s",
        runs[-1],
    ), err
    return result


@pytest.mark.sqlite_only(
    "the alert runs' SQL runs on PostgreSQL in the other tests of this file, the market dip's"
    " insert and update in test_a_dip_is_one_row_that_later_runs_move_on; the 6,000-customer"
    " recession checks the rhythm model's market adjustment (backend-independent)"
)
def test_a_recession_is_one_market_dip_not_a_flood_of_alerts(
    db_url: str, capsys: pytest.CaptureFixture[str], sessions: sessionmaker[Session]
) -> None:
    """The wholesale world with ``--scenario recession``: one country orders 35% less for six
    months. Runs every four weeks through it record that country's dip once (one row, its
    last-seen day moving on), and its customers are not alerted en masse: the runs with the
    market adjustment switched off show the flood it prevents."""
    _load(capsys, "--customers", "6000", "--seed", "2", "--scenario", "recession")
    with sessions() as session:
        shock = session.scalars(select(TruthMarketShock)).one()
    runs = [shock.starts + timedelta(days=d) for d in range(56, 190, 28)]
    hit = select(Customer.id).where(Customer.country == shock.country)

    def alerts_in_market(session: Session) -> int:
        return (
            session.scalar(
                select(func.count())
                .select_from(Alert)
                .where(Alert.kind == AlertKind.ORDER_RHYTHM, Alert.customer_id.in_(hit))
            )
            or 0
        )

    # First the runs without the market adjustment (rolled back, nothing kept) ...
    with sessions() as session:
        unadjusted = RhythmOptions(market_ratio=0.01)
        for day in runs:
            run_alerts(session, AlertOptions(as_of=day, rhythm=unadjusted))
        flood = alerts_in_market(session)
        assert session.scalar(select(func.count()).select_from(MarketDip)) == 0
        session.rollback()
    # ... then the real ones.
    for day in runs:
        _alerts(capsys, "--as-of", day.isoformat())
    with sessions() as session:
        dips = session.scalars(select(MarketDip)).all()
        assert len(dips) == 1
        dip = dips[0]
        assert dip.market == shock.country
        assert shock.starts < dip.first_seen_on < dip.last_seen_on <= shock.ends + timedelta(90)
        assert 0.5 < dip.ratio < 0.85
        assert session.scalar(select(func.count()).select_from(AlertRun)) == len(runs)
        in_market = alerts_in_market(session)
    print(f"alerts in the hit market: {in_market} with the adjustment, {flood} without")
    assert flood >= 20, flood
    assert in_market * 5 <= flood, (in_market, flood)


def _dips_seen(session: Session, as_of: date, markets: dict[str, int | None]) -> int:
    """Records the market dips of an alert run of ``as_of`` whose rhythm model saw these
    markets: orders observed of 100 expected in a dipping market, None in a market without."""
    run = AlertRun(
        run_id=f"alerts-{as_of:%Y%m%d}",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        finished_at=datetime(2026, 1, 1, tzinfo=UTC),
        as_of=as_of,
        score_run_id=None,
        customers=0,
        raised=0,
        still_open=0,
        market_dips=0,
        models={},
        seconds=0.0,
    )
    session.add(run)
    session.flush()
    none = np.zeros(0)
    figures = [
        MarketFigures(m, 40, 100.0, seen or 98, (seen or 98) / 100, -4.0, seen is not None, 12)
        for m, seen in markets.items()
    ]
    res = RhythmResult(
        *(none,) * 11,
        prior=(1.0, 1.0),
        markets=figures,  # no customers: only the markets count
    )
    return _record_dips(session, run, res)


def test_a_dip_is_one_row_that_later_runs_move_on(sessions: sessionmaker[Session]) -> None:
    """The market-dip rows on every backend (the recession test above runs on SQLite only): a
    dip seen again within DIP_GAP_DAYS is the same row, its last-seen day and figures moving
    on; seen again after a longer gap it is a new dip; a market without a dip has no row."""
    start = date(2026, 3, 2)
    with sessions() as session:
        assert _dips_seen(session, start, {"DE": 60, "NL": None}) == 1
        assert _dips_seen(session, start + timedelta(28), {"DE": 55, "NL": None}) == 1
        later = start + timedelta(28 + DIP_GAP_DAYS + 1)
        assert _dips_seen(session, later, {"DE": 70, "NL": None}) == 1
        session.commit()
    with sessions() as session:
        dips = session.scalars(select(MarketDip).order_by(MarketDip.id)).all()
        assert [(d.market, d.first_seen_on, d.last_seen_on) for d in dips] == [
            ("DE", start, start + timedelta(28)),
            ("DE", later, later),
        ]
        assert (dips[0].observed_orders, dips[0].ratio) == (55, 0.55)  # the latest run's
        assert dips[0].first_run_id != dips[0].last_run_id


def test_churn_model_alerts_are_validated_priced_and_explained(
    db_url: str, capsys: pytest.CaptureFixture[str], sessions: sessionmaker[Session]
) -> None:
    _load(capsys, "--preset", "telecom", "--customers", "3000", "--seed", "4")
    first = _alerts(capsys)
    models = first["models"]
    assert isinstance(models, dict)
    churn = models["churn_model"]
    assert churn["kind"] in ("gbm", "logistic", "blend")
    validation = churn["validation"]
    # Out of time: trained on the cut a year back, tested on the cut half a year back.
    assert date.fromisoformat(validation["trained_on_cut"]) < date.fromisoformat(
        validation["tested_on_cut"]
    )
    assert validation["auc"] >= 0.75, validation
    assert 0.0 < validation["brier"] < 0.25
    with sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.kind == AlertKind.CHURN_MODEL)).all()
        assert alerts
        clv = dict(
            session.execute(select(CustomerScore.customer_id, CustomerScore.clv_cents)).all()
        )
        for alert in alerts:
            assert alert.risk >= 0.3
            assert alert.clv_cents == (clv[alert.customer_id] or 0)
            assert abs(alert.value_at_risk_cents - alert.risk * alert.clv_cents) <= 1
            assert 1 <= len(alert.reasons) <= 3
            for reason in alert.reasons:
                assert str(reason["text"])[0].isupper(), reason
                assert "_" not in str(reason["text"])  # words, not column names
            assert alert.action
    second = _alerts(capsys)
    assert second["raised"] == 0  # every customer it would alert already has an open one
    assert second["still_open"] == first["raised"]


def test_alert_run_errors_are_one_line(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["alerts", "run"], capsys)
    assert code == 2
    assert err.strip() == "error: score: no score run yet; run `valuecenter score` first"
    code, _out, err = run(["alerts", "run", "--model", "forest"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "--model" in err
    code, _out, err = run(["alerts", "run", "--as-of", "31-12-2026"], capsys)
    assert code == 2
    assert "--as-of" in err
    assert len(err.strip().splitlines()) == 1


def test_a_customer_who_orders_again_has_his_alert_closed_by_the_next_run(
    db_url: str, capsys: pytest.CaptureFixture[str], sessions: sessionmaker[Session]
) -> None:
    """Six months of four-weekly runs (``--backfill-months 6``, as bootstrap does): an open
    order-rhythm alert whose customer has ordered since it was raised is closed by the next
    run, with a note saying when he ordered; no open alert is left of such a customer."""
    _load(capsys, "--customers", "3000", "--seed", "5")
    result = _alerts(capsys, "--backfill-months", "6")
    with sessions() as session:
        runs = session.scalars(select(AlertRun).order_by(AlertRun.as_of)).all()
        assert len(runs) == 8  # every 28 days over six months, then the score run's day
        assert runs[-1].run_id == result["run_id"]
        closed = sum(int(str(r.models["closed_recovered"])) for r in runs)
        assert closed > 0
        last_order = dict(
            session.execute(
                select(Order.customer_id, func.max(Order.ordered_at)).group_by(Order.customer_id)
            ).all()
        )
        rhythm = session.scalars(select(Alert).where(Alert.kind == AlertKind.ORDER_RHYTHM)).all()
        notes = [a for a in rhythm if a.note and a.note.startswith("Closed by alert run")]
        assert len(notes) == closed
        for alert in notes:
            assert alert.status == AlertStatus.HANDLED
            assert alert.outcome is None
            ordered = date.fromisoformat(alert.note.rsplit(" ", 1)[-1])
            assert ordered >= alert.raised_on
        # Raised by the rhythm warning (issue 18): its risk at or above the threshold the run's
        # training cut chose, its risk the first reason, validated out of time.
        latest = runs[-1].models["order_rhythm"]
        threshold = latest["warning"]["threshold"]
        assert latest["validation"]["auc"] > 0.6, latest["validation"]
        for alert in rhythm:
            assert alert.reasons[0]["code"] == "rhythm-risk"
            if alert.run_id == runs[-1].id:
                assert alert.risk >= threshold - 1e-4
        for alert in rhythm:
            if alert.status == AlertStatus.OPEN:
                last = last_order[alert.customer_id].astimezone(UTC).date()
                assert last < alert.raised_on or last >= runs[-1].as_of
