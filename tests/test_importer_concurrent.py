"""Two imports of one file at once (issue 17): the second waits for the first's lock, says
so, then runs as the idempotent re-import it is — nothing inserted, the counts of one import,
exit 0 — instead of failing with ``deadlock detected`` or a unique-key error.

Two real processes on each backend: this test's own import holds its transaction open while
the CLI imports the same file in a child process; the child must print that it waits, and
finish only after the first import committed.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.test_importer_atomic import big_orders_csv, table_counts
from valuecenter.importer.service import ImportOptions, import_file

WAITING = "another import into these tables is running; waiting for it to finish"


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put("")


def test_a_second_import_of_the_same_file_waits_then_inserts_nothing(
    db_url: str, engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = big_orders_csv(tmp_path / "orders.csv", 20_000)
    options = ImportOptions(create_customers=True)
    first = sessions()
    try:
        result = import_file(first, "orders", path, options=options)
        assert result.inserted == 20_000
        child = subprocess.Popen(
            [sys.executable, "-m", "valuecenter", "import", "orders", str(path),
             "--create-customers", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "VALUECENTER_DATABASE_URL": db_url, "VALUECENTER_LANGUAGE": "en"},
        )  # fmt: skip
        assert child.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_lines, args=(child.stderr, lines), daemon=True).start()
        seen: list[str] = []
        while not any(WAITING in line for line in seen):
            line = lines.get(timeout=60)  # queue.Empty fails the test: it never said so
            assert line, f"the second import ended without waiting: {seen}"
            seen.append(line)
        assert child.poll() is None  # it waits for the first transaction
        first.commit()
    finally:
        first.close()
    out, _err = child.communicate(timeout=300)
    assert child.returncode == 0, (out, seen)
    second = json.loads(out)
    assert (second["inserted"], second["rejected"]) == (0, 0)
    assert second["unchanged"] == 20_000
    assert second["created"] == {}
    counts = table_counts(engine)
    assert counts["order_lines"] == 20_000
    assert counts["orders"] == 2_000
    assert counts["customers"] == 2_000
