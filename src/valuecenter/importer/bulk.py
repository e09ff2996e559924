"""PostgreSQL's bulk-load path: what ``pg_restore`` does, inside the import's one transaction.

Inserting many rows into a table with foreign keys and secondary indexes costs, per row, one
``SELECT … FOR KEY SHARE`` per foreign key (the referential-integrity triggers) and one b-tree
insertion per index. For a large load it is much cheaper to drop the table's foreign keys,
unique constraints and secondary indexes — and its primary key when no foreign key refers to
it — insert with a plain ``INSERT … SELECT`` or ``COPY``, then build each index once (a sort)
and re-add each foreign key (``ALTER TABLE … ADD CONSTRAINT …
FOREIGN KEY`` checks every row in one set-based join). Integrity is unchanged: the re-added
constraints check every row, old and new, and a violation fails the whole import.

The rule (:func:`bulk_wanted`): PostgreSQL only, at least :data:`BULK_MIN_ROWS` new rows,
and at least as many new rows as the table holds now (counted exactly, but reading at most
``new_rows + 1`` rows). Below that, re-building the indexes over the rows already there
would cost more than the per-row work it saves.

Everything is DDL generated from the SQLAlchemy metadata (``importer/tables.py``), never
hard-coded names; the foreign keys other tables point at this one are read from PostgreSQL's
catalogue (they may belong to any domain). PostgreSQL's DDL is transactional: a failure, a
rollback or a killed process leaves the table, its rows and its constraints exactly as they were.

Locks: ``ACCESS EXCLUSIVE`` on the loaded table *and* on every table its foreign keys refer to
(PostgreSQL takes it on both sides when a foreign key is dropped), held until the import's
transaction ends. While a large import runs, other sessions cannot even read those tables.

SQLite never takes this path (its inserts do not pay per-row foreign-key queries the same way,
and its DDL would rebuild the table).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Connection, Table, UniqueConstraint, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from valuecenter.errors import Conflict
from valuecenter.i18n import _
from valuecenter.importer.tables import table as table_named

BULK_MIN_ROWS = 50_000  # fewer new rows than this: the normal path (tests lower it)
INDEX_BUILD_MEMORY = "256MB"  # maintenance_work_mem while building the indexes (SET LOCAL)


def bulk_wanted(conn: Connection, table: str, new_rows: int) -> bool:
    """Whether ``new_rows`` new rows into ``table`` should take the bulk path (see the rule in
    the module docstring)."""
    if conn.dialect.name != "postgresql" or new_rows < BULK_MIN_ROWS:
        return False
    name = table_named(table).name
    held = conn.execute(
        text(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT :n) x"), {"n": new_rows + 1}
    ).scalar_one()
    return int(held) <= new_rows


def _referenced_columns(conn: Connection, table: Table) -> set[frozenset[str]]:
    """Column sets of ``table`` that foreign keys (of any table in the database) point at."""
    rows = conn.execute(
        text(
            "SELECT c.oid, a.attname FROM pg_constraint c"
            " CROSS JOIN LATERAL unnest(c.confkey) AS k(attnum)"
            " JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum"
            " WHERE c.contype = 'f' AND c.confrelid = to_regclass(:name)"
        ),
        {"name": table.name},
    )
    columns: dict[int, set[str]] = {}
    for oid, column in rows:
        columns.setdefault(int(oid), set()).add(str(column))
    return {frozenset(cols) for cols in columns.values()}


@contextmanager
def rebuilt_constraints(
    conn: Connection, table_name: str, *, analyze: bool = True
) -> Iterator[None]:
    """Drop ``table_name``'s foreign keys, its primary key and unique constraints (those no
    foreign key points at) and its secondary indexes; run the body; re-create them all with the
    same names and (unless ``analyze`` is false) ``ANALYZE`` the table. PostgreSQL only; call
    it inside the import's transaction.

    ``analyze=False`` is for the last table an import writes (nothing of the import joins
    against it afterwards): re-building the indexes already sets the table's row and page
    counts in ``pg_class`` (what the planner sizes scans and joins by), and autovacuum's
    analyse collects the column statistics soon after the commit (the load far exceeds its
    threshold). That saves a sampled scan of the table inside the load (0.4 s for 1,000,000
    order lines, docs/benchmarks.md "Import").

    Takes ``ACCESS EXCLUSIVE`` on the table and on the tables its foreign keys refer to, until
    the transaction ends. If the re-added constraints fail (a row breaks a foreign key, a unique
    constraint or the primary key) — or the body breaks one of the constraints left in place,
    e.g. a ``COPY`` into a primary key other tables refer to — it raises :class:`Conflict`
    with PostgreSQL's one-line reason; the transaction is then aborted and its rollback
    restores everything. When the body raises, nothing is re-created: the rollback does that.
    """
    if conn.dialect.name != "postgresql":
        raise ValueError("the bulk-load path is for PostgreSQL only")
    table = table_named(table_name)
    pointed_at = _referenced_columns(conn, table)
    fks = sorted(table.foreign_key_constraints, key=lambda c: str(c.name))
    uniques = sorted(
        (
            c
            for c in table.constraints
            if isinstance(c, UniqueConstraint)
            and frozenset(col.name for col in c.columns) not in pointed_at
        ),
        key=lambda c: str(c.name),
    )
    indexes = sorted(table.indexes, key=lambda i: str(i.name))
    # A primary key nothing refers to (order_lines') is built after the load too: inserting
    # into its b-tree row by row doubled the server's time of a COPY (docs/benchmarks.md).
    key = table.primary_key
    key_columns = frozenset(col.name for col in key.columns)
    primary = [key] if key_columns and key_columns not in pointed_at else []
    conn.execute(text(f"LOCK TABLE {table.name} IN ACCESS EXCLUSIVE MODE"))
    for constraint in primary:
        conn.execute(DropConstraint(constraint))
    for fk in fks:
        conn.execute(DropConstraint(fk))
    for unique in uniques:
        conn.execute(DropConstraint(unique))
    for index in indexes:
        conn.execute(DropIndex(index))
    try:
        yield
    except (IntegrityError, psycopg.IntegrityError) as exc:
        raise _conflict(table.name, exc) from exc
    previous = conn.execute(text("SHOW maintenance_work_mem")).scalar_one()
    conn.execute(
        text("SELECT set_config('maintenance_work_mem', :v, true)"), {"v": INDEX_BUILD_MEMORY}
    )
    try:
        for constraint in primary:
            conn.execute(AddConstraint(constraint))
        for index in indexes:
            conn.execute(CreateIndex(index))
        for unique in uniques:
            conn.execute(AddConstraint(unique))
        for fk in fks:
            conn.execute(AddConstraint(fk))
    except IntegrityError as exc:
        raise _conflict(table.name, exc) from exc
    conn.execute(text("SELECT set_config('maintenance_work_mem', :v, true)"), {"v": previous})
    if analyze:  # fresh statistics: the import's next statements join against this table
        conn.execute(text(f"ANALYZE {table.name}"))


def _conflict(table: str, exc: Exception) -> Conflict:
    """The one-line error of a broken constraint: PostgreSQL's first line of the reason
    (SQLAlchemy wraps the driver's error; a raw ``COPY`` raises psycopg's own)."""
    orig = exc.orig if isinstance(exc, IntegrityError) else exc
    reason = str(orig).strip().splitlines()[0]
    return Conflict(
        _("bulk load into %(table)s: %(reason)s; nothing was loaded", table=table, reason=reason)
    )
