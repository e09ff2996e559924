"""``valuecenter offers features --engine spark`` (issue 24, point 2): the next-best-action
feature rows with the company's tables read by Spark (JDBC on PostgreSQL, a Parquet lake on
SQLite) — the single-machine path's own statements compiled to Spark SQL — are the rows the
single-machine refresh writes, byte for byte: segments, contracts, products held, category
shares, open cases and complaints, last NPS, campaigns, earlier answers, CLV and churn risk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_cli_score_spark import spark_args, telecom  # noqa: F401 (fixtures)
from tests.test_demo_cli import run
from valuecenter.offers.models import CustomerFeatures

pytestmark = [pytest.mark.slow, pytest.mark.spark]

AS_OF = "2026-10-31"


def _rows(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return {
            int(c): json.dumps(f, sort_keys=False)
            for c, f in session.execute(
                select(CustomerFeatures.customer_id, CustomerFeatures.facts)
            ).all()
        }


def test_the_feature_rows_are_the_same_on_spark(
    telecom: str,  # noqa: F811
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Scores, alerts, a month of decisions with their answers: every part of the row is filled.
    for args in (
        ["score"],
        ["alerts", "run"],
        ["demo", "nba", "--months", "1", "--no-train"],
    ):
        code, _out, err = run(args, capsys)
        assert code == 0, err
    code, out, err = run(["offers", "features", "--as-of", AS_OF, "--json"], capsys)
    assert code == 0, err
    plain, rows = json.loads(out), _rows(sessions)
    args = ["offers", "features", "--as-of", AS_OF, *spark_args(telecom, tmp_path, capsys)]
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    spark = json.loads(out)
    assert "starting Spark on local[2]" in err  # progress on the console
    for key in ("as_of", "customers", "categories", "products_tracked"):
        assert spark[key] == plain[key], key
    assert _rows(sessions) == rows
    facts = [json.loads(f) for f in rows.values()]
    assert len(facts) == 1500
    filled = {
        "held products": sum(bool(f["products"]) for f in facts),
        "open cases": sum(f["open_case"] for f in facts),
        "NPS answers": sum(f["last_nps"] is not None for f in facts),
        "churn risks": sum(f["churn_risk"] is not None for f in facts),
        "CLVs": sum(f["clv_cents"] is not None for f in facts),
        "earlier answers": sum(f["x"]["nba_accepts_365d"] + f["x"]["nba_rejects_365d"] > 0
                               for f in facts),
        "campaigns": sum(f["x"]["campaigns_received"] > 0 for f in facts),
    }  # fmt: skip
    assert min(filled.values()) >= 10, filled


def test_a_lake_without_a_table_the_rows_read_is_one_line(
    telecom: str,  # noqa: F811
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if telecom.startswith("postgresql"):
        pytest.skip("a lake is read the same on both backends")
    lake = tmp_path / "lake"
    core = ("customers", "orders", "order_lines", "contracts")
    assert run(["export", "parquet", str(lake), *[a for t in core for a in ("--table", t)]],
               capsys)[0] == 0  # fmt: skip
    code, _out, err = run(
        ["offers", "features", "--engine", "spark", "--master", "local[2]",
         "--source", f"parquet:{lake}"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: --source: the source has no products table, which this job reads; export it "
        "with valuecenter export parquet DIR"
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CustomerFeatures)) == 0
    # The demo's lake holds what the score and alert runs read, not the customers' segments.
    demo_lake = tmp_path / "demo-lake"
    code, _out, err = run(
        ["demo", "--preset", "telecom", "--customers", "1500", "--seed", "7",
         "--out", f"parquet:{demo_lake}"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run(
        ["offers", "features", "--engine", "spark", "--master", "local[2]",
         "--source", f"parquet:{demo_lake}"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: --source: the source has no column customers.kind, which this job reads; "
        "export it with valuecenter export parquet DIR"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--source", "db"], "error: --source: only with --engine spark"),
        (["--engine", "flink"], "error: --engine: 'flink' is not one of database, spark"),
    ],
)
def test_a_wrong_option_is_one_line(
    telecom: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    error: str,
) -> None:
    code, _out, err = run(["offers", "features", *args], capsys)
    assert code == 2
    assert err.strip() == error
