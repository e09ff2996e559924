"""``valuecenter alerts run --engine spark`` (issue 24, point 2): the early-warning run with its
history — the customer-days of the orders, the customers' countries, the contract churn
model's contracts, contacts and surveys — read by Spark (JDBC on PostgreSQL, a Parquet lake on
SQLite), gives the alerts of the single-machine run: the same customers, risks, values at
risk, reasons and actions, the same models and market dips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_cli_score_spark import company, spark_args, telecom  # noqa: F401 (fixtures)
from tests.test_demo_cli import run
from valuecenter.alerts.models import Alert, AlertRun, MarketDip

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def _alerts(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Alert.customer_id,
            Alert.kind,
            Alert.risk,
            Alert.clv_cents,
            Alert.value_at_risk_cents,
            Alert.reasons,
            Alert.action,
            Alert.raised_on,
        ).order_by(Alert.kind, Alert.customer_id)
    ).all()
    return [tuple(r) for r in rows]


def _dips(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(MarketDip.market, MarketDip.customers, MarketDip.ratio, MarketDip.below_rhythm)
        .order_by(MarketDip.market)
    ).all()  # fmt: skip
    return [tuple(r) for r in rows]


def _forget(sessions: sessionmaker[Session]) -> None:
    """Remove the first run, so that the second finds no open alert and no dip of its own."""
    with sessions() as session:
        for table in (Alert, MarketDip, AlertRun):
            session.execute(delete(table))
        session.commit()


def _both_engines(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The alert run on one machine, then (its alerts and dips removed) on Spark; the two
    summaries, after checking that both raised the same alerts and dips."""
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    code, out, err = run(["alerts", "run", "--json"], capsys)
    assert code == 0, err
    plain = json.loads(out)
    with sessions() as session:
        alerts, dips = _alerts(session), _dips(session)
    _forget(sessions)
    args = ["alerts", "run", *spark_args(db_url, tmp_path, capsys), "--json"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    spark = json.loads(out)
    assert "starting Spark on local[2]" in err  # progress on the console
    assert spark["engine"] == "spark"
    with sessions() as session:
        assert _alerts(session) == alerts
        assert _dips(session) == dips
        assert session.scalar(select(func.count()).select_from(AlertRun)) == 1
    for key in ("as_of", "customers", "raised", "still_open", "market_dips", "models"):
        assert spark[key] == plain[key], key
    return plain, spark


def test_a_wholesalers_rhythm_alerts_are_the_same_on_spark(
    company: str,  # noqa: F811
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain, _spark = _both_engines(company, sessions, tmp_path, capsys)
    assert plain["models"]["raised"]["order-rhythm"] > 10  # the rhythm warning raised them


def test_a_telecom_companys_churn_model_alerts_are_the_same_on_spark(
    telecom: str,  # noqa: F811
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain, _spark = _both_engines(telecom, sessions, tmp_path, capsys)
    assert plain["models"]["raised"]["churn-model"] > 10  # the contract churn model raised them
    assert plain["models"]["churn_model"]["validation"]["auc"] > 0.8


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--master", "local[2]"], "error: --master: only with --engine spark"),
        (["--source", "db"], "error: --source: only with --engine spark"),
        (["--engine", "flink"], "error: --engine: 'flink' is not one of database, spark"),
        (
            ["--engine", "spark", "--master", "lokal[2]"],
            "error: --master: 'lokal[2]' is not a Spark master; use local[*], local[N], "
            "spark://HOST:PORT, k8s://https://HOST:PORT or yarn",
        ),
    ],
)
def test_a_wrong_option_is_one_line(
    company: str,  # noqa: F811
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    error: str,
) -> None:
    assert run(["score"], capsys)[0] == 0
    code, _out, err = run(["alerts", "run", *args], capsys)
    assert code == 2
    assert err.strip() == error
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AlertRun)) == 0
