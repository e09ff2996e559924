"""``valuecenter export parquet DIR`` (issue 24, point 3): the tables the Spark jobs read, as
Parquet folders split by id range — every row, typed as the schema, no personal column — and
all or nothing: a bad target or table is one line and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import count, run
from valuecenter.db import parquet

LAKE = ("customers", "orders", "order_lines", "contracts")
CONTACT_TABLES = ("contacts", "contact_reasons", "surveys")  # the contract churn model's
NBA_TABLES = (
    "products", "categories", "cases", "campaign_members", "decision_responses", "score_runs",
    "customer_scores", "alerts",
)  # fmt: skip  # what the next-best-action feature rows read besides


@pytest.fixture
def company(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        ["demo", "--preset", "telecom", "--customers", "200", "--seed", "4"], capsys
    )
    assert code == 0, err


def test_every_row_goes_out_typed_and_without_personal_columns(
    company: None,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parquet, "ROWS_PER_FILE", 40)  # several files per table
    lake = tmp_path / "lake"
    code, out, err = run(["export", "parquet", str(lake), "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert tuple(rows) == (*LAKE, *CONTACT_TABLES, *NBA_TABLES)
    assert sorted(p.name for p in lake.iterdir()) == sorted(rows)
    with sessions() as session:
        for name in (*LAKE, *CONTACT_TABLES):
            assert rows[name] == count(session, name) > 0, name
        for name in NBA_TABLES:  # no score, alert or decision in a world just loaded
            assert rows[name] == count(session, name), name
    lines = pq.read_table(lake / "order_lines")
    assert len(list((lake / "order_lines").glob("part-*.parquet"))) >= 2
    assert lines.num_rows == rows["order_lines"]
    assert lines.column("id").to_pylist() == sorted(lines.column("id").to_pylist())
    orders = pq.read_table(lake / "orders")
    assert orders.schema.field("ordered_at").type == pa.timestamp("us", tz="UTC")
    assert orders.column("ordered_at")[0].as_py().tzinfo is not None
    contracts = pq.read_table(lake / "contracts")
    assert contracts.schema.field("start_date").type == pa.date32()
    assert set(contracts.column("status").to_pylist()) <= {
        "active",
        "renewed",
        "cancelled",
        "ended",
    }
    customers = pq.read_table(lake / "customers")
    assert customers.schema.field("id").type == pa.int64()
    for personal in ("name", "email", "phone", "city"):
        assert personal not in customers.schema.names
    assert "external_id" not in pq.read_table(lake / "contacts").schema.names
    assert "comment" not in pq.read_table(lake / "surveys").schema.names


def test_only_the_tables_asked_for(
    company: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    code, out, err = run(["export", "parquet", str(lake), "--table", "orders"], capsys)
    assert code == 0, err
    assert [p.name for p in lake.iterdir()] == ["orders"]
    assert "orders:" in out


def test_a_folder_with_files_is_refused_and_left_as_it_was(
    company: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "mine.txt").write_text("keep me")
    code, _out, err = run(["export", "parquet", str(lake)], capsys)
    assert code == 2
    assert err.strip() == f"error: DIR: {lake} exists and is not an empty folder"
    assert [p.name for p in lake.iterdir()] == ["mine.txt"]


def test_an_unknown_table_is_one_line_and_nothing_is_written(
    company: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    code, _out, err = run(["export", "parquet", str(lake), "--table", "users"], capsys)
    assert code == 2
    assert err.startswith("error: --table: 'users' is not one of customers, orders")
    assert len(err.strip().splitlines()) == 1
    assert not lake.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_half_way_leaves_no_lake(
    company: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = parquet._write_table

    def failing(session: Session, table: object, folder: Path, progress: object) -> int:
        if folder.name == "contracts":
            raise OSError("disk full")
        return real(session, table, folder, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(parquet, "_write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        run(["export", "parquet", str(tmp_path / "lake")], capsys)
    assert list(tmp_path.iterdir()) == []


def _by_content(table: str, frame: pd.DataFrame, lake: Path) -> pd.DataFrame:
    """A service table without its ids: a reason by its contact's customer and start."""
    if table == "contact_reasons":
        contacts = pq.read_table(lake / "contacts").to_pandas()
        frame = frame.merge(
            contacts[["id", "customer_id", "started_at"]].rename(columns={"id": "contact_id"}),
            on="contact_id",
        ).drop(columns="contact_id")
    return frame.drop(columns="id")


def test_the_demos_lake_is_the_export_of_the_same_world_loaded(
    company: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``demo --out parquet:DIR`` (no database: the benchmark's large worlds) writes the same
    rows, ids and totals as the same world loaded through the importer and exported."""
    exported, generated = tmp_path / "exported", tmp_path / "generated"
    assert run(["export", "parquet", str(exported)], capsys)[0] == 0
    code, out, err = run(
        ["demo", "--preset", "telecom", "--customers", "200", "--seed", "4",
         "--out", f"parquet:{generated}"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"Parquet tables in {generated}" in out
    from valuecenter.demo.lake import TABLES, schema_of

    for table in TABLES:
        columns = schema_of(table).names
        a, b = (
            pq.read_table(d / table, columns=columns).to_pandas() for d in (exported, generated)
        )
        if table in ("contacts", "contact_reasons", "surveys"):
            # PostgreSQL's importer numbers these in its own order: the same rows, by content.
            a, b = (_by_content(table, f, d) for f, d in ((a, exported), (b, generated)))
        a, b = (f.sort_values(list(f.columns)).reset_index(drop=True) for f in (a, b))
        assert len(a) == len(b) > 0, table
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=table)
    code, _out, err = run(["demo", "--customers", "10", "--out", f"parquet:{generated}"], capsys)
    assert code == 2
    assert err.strip() == f"error: --out: {generated} exists and is not an empty folder"
