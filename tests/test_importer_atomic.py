"""One transaction per load: a failure or a kill in the middle leaves the tables as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.db import bulk as db_bulk
from valuecenter.db.uow import unit_of_work
from valuecenter.importer.service import ImportOptions, import_file
from valuecenter.models import Base

SMALL = (
    "order_id,customer_id,ordered_at,product_id,quantity,unit_price\n"
    "A1,C1,2024-01-01 10:00,P1,1,1.00\n"
    "A1,C1,2024-01-01 10:00,P2,2,2.00\n"
    "A2,C2,2024-01-02 10:00,P1,3,1.00\n"
)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def big_orders_csv(path: Path, lines: int) -> Path:
    """``lines`` order lines: 10 per order over 20k customers and 5k products."""
    rng = np.random.default_rng(7)
    order = np.arange(lines) // 10
    table = pa.table(
        {
            "order_id": pa.array(np.char.add("B", order.astype(str))),
            "customer_id": pa.array(np.char.add("C", (order % 20_000).astype(str))),
            "ordered_at": pa.array(np.full(lines, "2024-05-01 12:00:00")),
            "product_id": pa.array(np.char.add("P", rng.integers(0, 5_000, lines).astype(str))),
            "quantity": pa.array(rng.integers(1, 20, lines)),
            "unit_price": pa.array(rng.integers(10, 10_000, lines) / 100),
        }
    )
    pcsv.write_csv(table, path)
    return path


def seed(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    with unit_of_work(sessions) as s:
        result = import_file(s, "orders", small, options=ImportOptions(create_customers=True))
    assert result.inserted == 3


def test_failure_in_the_middle_of_a_load_leaves_nothing(
    engine: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(sessions, tmp_path)
    before = table_counts(engine)
    path = tmp_path / "more.csv"
    more = SMALL.replace("A1", "N1").replace("A2", "N2").replace("C2", "C9")
    path.write_text(more + "N3,C8,2024-01-03,P7,1,1\n")
    real_execute = db_bulk.Db.execute
    statements: list[str] = []

    def failing(self: db_bulk.Db, sql: str, params: Any = None) -> Any:
        statements.append(sql)
        if sql.startswith("INSERT INTO order_lines"):
            raise RuntimeError("disk on fire")
        return real_execute(self, sql, params)

    monkeypatch.setattr(db_bulk.Db, "execute", failing)
    with (
        pytest.raises(RuntimeError, match="disk on fire"),
        unit_of_work(sessions) as s,
    ):
        import_file(s, "orders", path, options=ImportOptions(create_customers=True))
    # Customers, products and orders were written before the failure ...
    assert any(sql.startswith("INSERT INTO customers") for sql in statements)
    assert any(sql.startswith("INSERT INTO products") for sql in statements)
    assert any(sql.startswith("INSERT INTO orders") for sql in statements)
    # ... and rolled back with it.
    assert table_counts(engine) == before
    monkeypatch.undo()
    with unit_of_work(sessions) as s:  # the same pool works afterwards
        result = import_file(s, "orders", path, options=ImportOptions(create_customers=True))
    assert (result.inserted, result.created) == (4, {"customers": 2, "products": 1})


def _end_orphans(engine: Engine) -> None:
    """PostgreSQL: end the backend that served the killed import.

    It can never commit (its client is gone), but it may hold locks until it notices: after
    its current statement, or never when it was reading ``COPY FROM STDIN`` data (observed
    here). Give it a few seconds, then terminate it so the fixtures can empty the tables.
    """
    if engine.dialect.name != "postgresql":
        return
    others = (
        "FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    deadline = time.monotonic() + 5
    with engine.connect() as conn:
        while conn.scalar(text(f"SELECT count(*) {others}")):
            if time.monotonic() > deadline:
                conn.execute(text(f"SELECT pg_terminate_backend(pid) {others}"))
                break
            time.sleep(0.2)


@pytest.mark.slow
def test_killed_import_leaves_the_tables_as_they_were(
    db_url: str, engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(sessions, tmp_path)
    before = table_counts(engine)
    path = big_orders_csv(tmp_path / "big.csv", 300_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "valuecenter", "import", "orders", str(path), "--create-customers"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VALUECENTER_DATABASE_URL": db_url},
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        # The CLI says "import: loading orders: N rows…" when validation is done and the
        # database work starts.
        for line in proc.stderr:
            seen.append(line)
            if line.startswith("import: loading"):
                break
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert any(line.startswith("import: loading orders: 300,000 rows…") for line in seen), seen
    # -9, not 0: the kill landed before the import could finish (and commit).
    assert proc.returncode == -signal.SIGKILL
    assert table_counts(engine) == before
    _end_orphans(engine)
    assert table_counts(engine) == before
    assert not path.with_name("big.rejected.csv").exists()
