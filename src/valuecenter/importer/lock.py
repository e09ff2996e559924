"""One import at a time into the importer's tables: the lock an import takes at its entry.

Two imports of the same file at once used to race: both read the keys already present, both
inserted the same new rows, and the loser failed with ``deadlock detected`` or a unique-key
error (issue 17). Now an import takes, before it reads anything of the database, the lock of
the tables it writes, and holds it until its transaction ends; a second import waits for it,
then runs as the idempotent re-import it is (nothing inserted).

Which tables: every entity may create customers (``--create-customers``) and most refer to
them, so every import writes or reads-to-write the customers table: one table set, one key.
Imports are rare batch jobs, so serialising them costs little.

- PostgreSQL: ``pg_advisory_xact_lock`` on that key (released by the commit or rollback;
  re-entrant, so the demo's many blocks in one transaction take it again freely). It does not
  block the decision API or the pages, which take no advisory lock.
- SQLite: the database's write lock, ``BEGIN IMMEDIATE`` (SQLite has one writer at a time
  anyway; taking the lock first turns a late "database is locked" into an orderly wait). A
  transaction that has written already holds it.

``on_wait`` is called once when the lock is held by another import, before waiting for it (the
CLI prints that it is waiting).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

IMPORT_TABLES = "valuecenter.importer:customers+records"
"""The name of the one table set all imports write (see the module's docstring)."""
LOCK_KEY = zlib.crc32(IMPORT_TABLES.encode())
"""Its advisory-lock key on PostgreSQL (a stable 32-bit number; advisory keys are bigint)."""
SQLITE_WAIT_MS = 24 * 3600 * 1000
"""How long an import waits for another on SQLite (PostgreSQL waits without limit)."""
SQLITE_BUSY_MS = 30_000
"""The busy timeout every SQLite connection has otherwise (``db/engine.py``)."""


def lock_import_tables(session: Session, on_wait: Callable[[], None] | None = None) -> None:
    """Hold the import lock for the rest of the session's transaction, waiting for it if
    another import has it (calling ``on_wait`` first)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        got = connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        if not got.scalar():
            if on_wait is not None:
                on_wait()
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        return
    raw = cast(Any, connection.connection.driver_connection)
    if not isinstance(raw, sqlite3.Connection) or raw.in_transaction:
        return  # this transaction has written: it holds the write lock already
    try:
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if on_wait is not None:
                on_wait()
            raw.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
            raw.execute("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
