"""``valuecenter score --engine spark`` as an operator runs it (issue 24, point 2): from the
database through JDBC (PostgreSQL) or from a Parquet lake, into the database in one
transaction or out as Parquet — the same run as ``valuecenter score`` — and every wrong
option, missing piece or foreign lake as one line, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.spark_harness import require_spark
from tests.test_demo_cli import run
from valuecenter.value.models import CustomerScore, ScoreRun

pytestmark = [pytest.mark.slow, pytest.mark.spark]

COMPARED = (
    "customer_id", "revenue_12m_cents", "revenue_cents", "purchases", "recency_days", "r", "f",
    "m", "rfm_segment", "p_alive", "expected_purchases", "clv_cents", "segment", "risk",
    "risk_model",
)  # fmt: skip


@pytest.fixture
def company(jvm: None, db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    require_spark()
    code, _out, err = run(["demo", "--customers", "1500", "--seed", "7"], capsys)
    assert code == 0, err
    return db_url


def _scores(session: Session, run_id: str) -> pd.DataFrame:
    run = session.scalar(select(ScoreRun).where(ScoreRun.run_id == run_id))
    assert run is not None
    rows = session.execute(
        select(CustomerScore)
        .where(CustomerScore.run_id == run.id)
        .order_by(CustomerScore.customer_id)
    ).scalars()
    return pd.DataFrame([{c: getattr(r, c) for c in COMPARED} for r in rows])


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b) == 1500
    for column in COMPARED:
        left, right = a[column], b[column]
        if column in ("rfm_segment", "segment", "risk_model"):
            assert (left.fillna("-") == right.fillna("-")).all(), column
            continue
        x, y = left.to_numpy(np.float64), right.to_numpy(np.float64)
        assert np.array_equal(np.isnan(x), np.isnan(y)), column
        both = ~np.isnan(x)
        scale = np.maximum(np.abs(y[both]), 1e-300)
        assert (np.abs(x[both] - y[both]) <= 1e-6 * scale).all(), column


def test_spark_scores_the_database_as_the_database_does(
    company: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["score", "--json"], capsys)
    assert code == 0, err
    plain = json.loads(out)
    if company.startswith("postgresql"):
        # Through JDBC, each table read in id ranges by the executors.
        args = ["score", "--engine", "spark", "--master", "local[2]", "--json"]
    else:
        code, _out, err = run(["export", "parquet", str(tmp_path / "lake")], capsys)
        assert code == 0, err
        args = [
            "score", "--engine", "spark", "--master", "local[2]",
            "--source", f"parquet:{tmp_path / 'lake'}", "--json",
        ]  # fmt: skip
    code, out, err = run(args, capsys)
    assert code == 0, err
    spark = json.loads(out)
    assert spark["engine"] == "spark"
    assert spark["as_of"] == plain["as_of"]
    assert spark["scored"] == plain["scored"]
    assert spark["models"]["risk"] == plain["models"]["risk"]
    assert "score: risk axis and segments…" in err  # progress per stage
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 2
        _same(_scores(session, spark["run_id"]), _scores(session, plain["run_id"]))


def test_the_scores_can_stay_in_the_lake(
    company: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if company.startswith("postgresql"):
        pytest.skip("the Parquet path is the same on both backends (it reads no database)")
    lake, scores = tmp_path / "lake", tmp_path / "scores"
    assert run(["export", "parquet", str(lake)], capsys)[0] == 0
    code, out, err = run(
        [
            "score", "--engine", "spark", "--master", "local[2]",
            "--source", f"parquet:{lake}", "--out", f"parquet:{scores}",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"written to parquet:{scores}" not in out
    assert f"written to {scores}" in out
    written = pd.read_parquet(scores / "customer_scores")
    assert len(written) == 1500
    assert written["run_id"].nunique() == 1
    summary = json.loads((scores / "score_run.json").read_text())
    assert summary["run_id"] == written["run_id"].iloc[0]
    assert summary["models"]["risk"]["chosen"]
    with sessions() as session:  # nothing went into the database
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--master", "local[2]"], "error: --master: only with --engine spark"),
        (["--engine", "flink"], "error: --engine: 'flink' is not one of database, spark"),
        (
            ["--engine", "spark", "--master", "lokal[2]"],
            "error: --master: 'lokal[2]' is not a Spark master; use local[*], local[N], "
            "spark://HOST:PORT, k8s://https://HOST:PORT or yarn",
        ),
        (
            ["--engine", "spark", "--source", "csv:/tmp"],
            "error: --source: use db or parquet:DIR (a folder of Parquet tables)",
        ),
        (["--engine", "spark", "--out", "s3://bucket"], "error: --out: use db or parquet:DIR"),
    ],
)
def test_a_wrong_option_is_one_line(
    company: str,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    error: str,
) -> None:
    code, _out, err = run(["score", *args], capsys)
    assert code == 2
    assert err.strip() == error
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 0


def test_no_java_is_one_line_and_nothing_is_written(
    company: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake = tmp_path / "lake"
    assert run(["export", "parquet", str(lake)], capsys)[0] == 0
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    code, _out, err = run(["score", "--engine", "spark", "--source", f"parquet:{lake}"], capsys)
    assert code == 7
    assert err.strip() == (
        "error: --engine spark: Spark needs a Java 17 or newer runtime "
        f"(JAVA_HOME={tmp_path / 'no-java'} has no bin/java); install one, e.g. "
        "apt-get install openjdk-17-jre-headless"
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 0


def test_sqlite_is_not_read_through_jdbc(company: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not company.startswith("sqlite"):
        pytest.skip("PostgreSQL is read through JDBC (the first test)")
    code, _out, err = run(["score", "--engine", "spark", "--master", "local[2]"], capsys)
    assert code == 2
    assert err.strip() == (
        "error: --source: Spark reads the database through JDBC from PostgreSQL only; export a "
        "SQLite database with valuecenter export parquet DIR and use parquet:DIR"
    )


def test_another_companys_lake_is_refused_before_anything_is_written(
    company: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if company.startswith("postgresql"):
        pytest.skip("the check is the same on both backends")
    lake = tmp_path / "lake"
    assert run(["export", "parquet", str(lake)], capsys)[0] == 0
    from valuecenter.customers.models import Customer

    with sessions() as session:
        last = session.scalar(select(func.max(Customer.id)))
        assert last is not None
    import pyarrow as pa
    import pyarrow.parquet as pq

    customers = pq.read_table(lake / "customers")
    extra = pa.table(
        {
            name: pa.array([None], type=customers.schema.field(name).type)
            for name in customers.schema.names
        }
    ).set_column(0, "id", pa.array([last + 1000], type=pa.int64()))
    pq.write_table(extra, lake / "customers" / "part-99999.parquet")
    code, _out, err = run(
        ["score", "--engine", "spark", "--master", "local[2]", "--source", f"parquet:{lake}"],
        capsys,
    )
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"error: --source: 1 customers of the source are not in the database (the first: id "
        f"{last + 1000}); write the scores with --out parquet:DIR"
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 0


def spark_args(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """``--engine spark`` reading the test database: through JDBC on PostgreSQL, from its
    Parquet export on SQLite (Spark reads no SQLite file)."""
    args = ["--engine", "spark", "--master", "local[2]"]
    if db_url.startswith("postgresql"):
        return args
    lake = tmp_path / "lake"
    if not lake.exists():
        code, _out, err = run(["export", "parquet", str(lake)], capsys)
        assert code == 0, err
    return [*args, "--source", f"parquet:{lake}"]


@pytest.fixture
def telecom(jvm: None, db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A telecom company (every customer has a contract): the contract churn model competes
    for the risk axis, with its contact and survey features."""
    require_spark()
    code, _out, err = run(
        ["demo", "--preset", "telecom", "--customers", "1500", "--seed", "7"], capsys
    )
    assert code == 0, err
    return db_url


def test_a_telecom_companys_churn_model_is_judged_on_spark_as_on_one_machine(
    telecom: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The contract churn model's features — contracts, contacts and their first reasons,
    the last NPS answer — read by the same statements on Spark (JDBC on PostgreSQL, Parquet
    on SQLite): the same fitted model, the same AUC, the same risk axis and scores."""
    code, out, err = run(["score", "--json"], capsys)
    assert code == 0, err
    plain = json.loads(out)
    code, out, err = run(["score", *spark_args(telecom, tmp_path, capsys), "--json"], capsys)
    assert code == 0, err
    spark = json.loads(out)
    churn = {c["key"]: c for c in plain["models"]["risk"]["candidates"]}["churn-model"]
    assert churn["auc"] > 0.8, churn  # fitted, not skipped
    assert churn["rows"] > 1000, churn
    assert spark["models"]["risk"] == plain["models"]["risk"]
    with sessions() as session:
        _same(_scores(session, spark["run_id"]), _scores(session, plain["run_id"]))


def test_a_lake_without_the_contact_tables_is_one_line_where_they_are_needed(
    telecom: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A lake of customers, orders and contracts only (``export parquet --table``) scores a
    company whose churn model does not compete; where it does, the missing table is named
    and nothing is written."""
    if telecom.startswith("postgresql"):
        pytest.skip("a lake is read the same on both backends")
    lake = tmp_path / "lake"
    core = ("customers", "orders", "order_lines", "contracts")
    tables = [a for t in core for a in ("--table", t)]
    assert run(["export", "parquet", str(lake), *tables], capsys)[0] == 0
    code, _out, err = run(
        ["score", "--engine", "spark", "--master", "local[2]", "--source", f"parquet:{lake}"],
        capsys,
    )
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: --source: the source has no contacts table, which this job reads; export it "
        "with valuecenter export parquet DIR"
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRun)) == 0
