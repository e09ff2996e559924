"""The generic bulk writer: temporary staging tables filled in bulk, then set-based SQL.

Infrastructure any domain may use (the importer, the score run, the feature refresh, the demo);
it knows no domain's table.

PostgreSQL stages with ``COPY … FROM STDIN (FORMAT csv)`` fed a CSV buffer that Arrow writes
in C++ (faster here than psycopg's ``write_row``, see docs/benchmarks.md); SQLite with one
``executemany`` per chunk. Everything goes through ``session.connection()``, so it is part of
the caller's transaction: nothing here commits, and a failure leaves no partial rows.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Boolean, Connection, Date, Float, Integer, Table, text
from sqlalchemy.orm import Session

CHUNK = 200_000

# Column types of the staging tables: PostgreSQL, SQLite.
STAGE_TYPES: Mapping[str, tuple[str, str]] = {
    "text": ("text", "TEXT"),
    "int": ("bigint", "INTEGER"),
    "date": ("date", "TEXT"),
    "ts": ("timestamptz", "TEXT"),
    "bool": ("boolean", "INTEGER"),
    "key": ("bigint PRIMARY KEY", "INTEGER PRIMARY KEY"),
    "float": ("double precision", "REAL"),
}
# Bound parameters per statement: 32766 since SQLite 3.32, 999 before.
SQLITE_MAX_VARIABLES = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
SQLITE_CACHE_KIB = 262_144  # page cache while loading: random index inserts stay in memory


@dataclass(frozen=True)
class StageColumn:
    name: str
    type: str  # a key of STAGE_TYPES


Progress = Callable[[int], None]


class Db:
    """The caller's connection, with the few dialect differences the loaders need."""

    def __init__(self, session: Session) -> None:
        self.conn: Connection = session.connection()
        self.pg = self.conn.dialect.name == "postgresql"
        self.stages: list[str] = []
        self._cache: list[tuple[str, int]] = []

    def tune(self) -> None:
        """SQLite: a larger page cache for this load (restored by :meth:`finish`)."""
        if self.pg:
            return
        for schema in ("main", "temp"):
            current = int(self.scalar(f"PRAGMA {schema}.cache_size"))
            self._cache.append((f"{schema}.cache_size", current))
            self.execute(f"PRAGMA {schema}.cache_size = -{SQLITE_CACHE_KIB}")

    def finish(self) -> None:
        """Drop the staging tables and restore what :meth:`tune` changed."""
        self.drop_stages()
        for pragma, value in reversed(self._cache):
            self.execute(f"PRAGMA {pragma} = {value}")
        self._cache.clear()

    @property
    def differs(self) -> str:
        """Null-safe "not equal"."""
        return "IS DISTINCT FROM" if self.pg else "IS NOT"

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.conn.execute(text(sql), dict(params or {}))

    def rowcount(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return int(self.execute(sql, params).rowcount)

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.execute(sql, params).scalar()

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.execute(sql, params).all()]

    def stage(
        self,
        name: str,
        columns: Sequence[StageColumn],
        data: Mapping[str, pa.Array],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Create temp table ``name`` and fill it with ``data`` (one array per column)."""
        types = ", ".join(f"{c.name} {STAGE_TYPES[c.type][0 if self.pg else 1]}" for c in columns)
        if self.pg:
            self.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            self.execute(f"CREATE TEMP TABLE {name} ({types}) ON COMMIT DROP")
        else:
            self.execute(f"DROP TABLE IF EXISTS temp.{name}")
            self.execute(f"CREATE TEMP TABLE {name} ({types})")
        self.stages.append(name)
        n = len(data[columns[0].name]) if columns else 0
        for start in range(0, n, CHUNK):
            chunk = {c.name: data[c.name].slice(start, CHUNK) for c in columns}
            if self.pg:
                self._copy(name, columns, chunk)
            else:
                self._insert_many(name, columns, chunk)
            if progress is not None:
                progress(min(CHUNK, n - start))
        if self.pg:
            # Temp tables are never auto-analysed; without statistics the planner can pick
            # nested loops over a million staged rows.
            self.execute(f"ANALYZE {name}")
        return n

    def copy_into(
        self,
        table: str,
        columns: Sequence[StageColumn],
        data: Mapping[str, pa.Array],
        *,
        progress: Progress | None = None,
    ) -> int:
        """PostgreSQL: ``COPY`` ``data`` straight into the real table ``table`` (no staging
        table, no ``INSERT … SELECT``), in chunks, in the caller's transaction. Integer columns
        without nulls go in PostgreSQL's binary ``COPY`` format, written by numpy (no text to
        format or parse); anything else as CSV."""
        if not self.pg:
            raise ValueError("copy_into is PostgreSQL's")
        n = len(data[columns[0].name]) if columns else 0
        widths = self._integer_widths(table, [c.name for c in columns])
        binary = widths is not None and all(data[c.name].null_count == 0 for c in columns)
        raw: Any = self.conn.connection.driver_connection
        cols = ", ".join(c.name for c in columns)
        for start in range(0, n, CHUNK):
            chunk = {c.name: data[c.name].slice(start, CHUNK) for c in columns}
            if binary and widths is not None:
                buf = binary_copy([chunk[c.name] for c in columns], widths)
                with (
                    raw.cursor() as cur,
                    cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT binary)") as cp,
                ):
                    cp.write(buf)
            else:
                self._copy(table, columns, chunk)
            if progress is not None:
                progress(min(CHUNK, n - start))
        return n

    def _integer_widths(self, table: str, names: Sequence[str]) -> list[int] | None:
        """Bytes of each column if all are ``smallint``/``integer``/``bigint``, else None."""
        types = dict(
            self.rows(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = to_regclass(:t) AND attnum > 0 AND NOT attisdropped",
                {"t": table},
            )
        )
        sizes = {"smallint": 2, "integer": 4, "bigint": 8}
        widths = [sizes.get(str(types.get(name)), 0) for name in names]
        return None if 0 in widths else widths

    def _copy(
        self, name: str, columns: Sequence[StageColumn], chunk: Mapping[str, pa.Array]
    ) -> None:
        arrays = []
        for c in columns:
            arr = chunk[c.name]
            if c.type == "ts":
                arr = pc.cast(arr, pa.timestamp("us", "UTC"))
            arrays.append(arr)
        table = pa.Table.from_arrays(arrays, names=[c.name for c in columns])
        buf = io.BytesIO()
        pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
        cols = ", ".join(c.name for c in columns)
        raw: Any = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as cp:
            cp.write(buf.getbuffer())

    def _insert_many(
        self, name: str, columns: Sequence[StageColumn], chunk: Mapping[str, pa.Array]
    ) -> None:
        width = len(columns)
        n = len(chunk[columns[0].name])
        # Row-major values, and many rows per statement: binding is the same work, but one
        # statement per ~500 rows instead of one per row halves the time.
        flat: list[Any] = [None] * (n * width)
        for j, c in enumerate(columns):
            flat[j::width] = _sqlite_values(chunk[c.name], c.type)
        per = max(1, min(500, SQLITE_MAX_VARIABLES // width))
        row = "(" + ", ".join("?" for _ in columns) + ")"
        step = per * width
        full = (n // per) * step
        raw: Any = self.conn.connection.driver_connection
        cur = raw.cursor()
        try:
            if full:
                many = f"INSERT INTO {name} VALUES " + ", ".join([row] * per)
                cur.executemany(many, (flat[i : i + step] for i in range(0, full, step)))
            if full < len(flat):
                rest = (len(flat) - full) // width
                cur.execute(f"INSERT INTO {name} VALUES " + ", ".join([row] * rest), flat[full:])
        finally:
            cur.close()

    def abandon(self) -> None:
        """After a failure: best-effort clean-up on SQLite, whose temp tables and pragmas
        outlive the rolled-back transaction on a pooled connection. PostgreSQL's transaction
        is aborted and its rollback drops the staging tables."""
        if self.pg:
            return
        with contextlib.suppress(Exception):  # the original error is what the caller must see
            self.finish()

    def drop_stages(self) -> None:
        """Drop the staging tables (PostgreSQL drops them at commit anyway)."""
        for name in self.stages:
            self.execute(f"DROP TABLE IF EXISTS {'pg_temp' if self.pg else 'temp'}.{name}")
        self.stages.clear()


PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" * 2
"""The binary COPY signature, flags 0 and no header extension (PostgreSQL docs, "COPY",
"Binary Format")."""


def binary_copy(columns: Sequence[pa.Array], widths: Sequence[int]) -> bytes:
    """Rows of integer columns (no nulls) in PostgreSQL's binary ``COPY`` format: per row the
    field count, then per field its byte length and its big-endian value; a −1 trailer."""
    n = len(columns[0]) if columns else 0
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for j, width in enumerate(widths):
        fields += [(f"len{j}", ">i4"), (f"v{j}", f">i{width}")]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(widths)
    for j, (column, width) in enumerate(zip(columns, widths, strict=True)):
        rows[f"len{j}"] = width
        rows[f"v{j}"] = column.to_numpy(zero_copy_only=False)
    return PGCOPY_HEADER + rows.tobytes() + b"\xff\xff"


def _sqlite_values(arr: pa.Array, kind: str) -> list[Any]:
    """Python values as SQLAlchemy stores them in SQLite (timestamps as naive UTC text)."""
    if kind == "ts":
        # "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: the format of SQLAlchemy's SQLite DATETIME, so
        # stored and staged values compare equal (a cast is ~20x faster than strftime).
        arr = pc.cast(
            pc.cast(pc.cast(arr, pa.timestamp("us", "UTC")), pa.timestamp("us")), pa.string()
        )
    elif kind == "date":
        arr = pc.cast(arr, pa.string())
    elif kind == "bool":
        arr = pc.cast(arr, pa.int8())
    if arr.null_count == 0 and (pa.types.is_integer(arr.type)):
        return list(arr.to_numpy().tolist())
    return list(arr.to_pylist())


def _stage_kind(column: Any) -> str:
    """The staging type of a table column (not of the frame's dtype: an integer or boolean
    column with gaps is a float or object column in pandas)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, Date):
        return "date"
    return "text"


def _arrow(values: pd.Series, kind: str) -> pa.Array:
    if kind == "int":
        return pa.array(values.to_numpy(dtype=np.float64), from_pandas=True).cast(pa.int64())
    if kind == "float":
        return pa.array(values.to_numpy(dtype=np.float64), from_pandas=True)
    if kind == "bool":
        return pa.array(values.tolist(), type=pa.bool_())
    return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def insert_frame(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    constants: Mapping[str, object] | None = None,
) -> int:
    """Append ``frame``'s columns that ``table`` has (plus ``constants``, the same value in
    every row) with the bulk staging path: one staging table, one ``INSERT … SELECT``, in
    the caller's transaction. Types come from the table; blanks become NULL."""
    if frame.empty:
        return 0
    columns = [StageColumn(c, _stage_kind(table.c[c])) for c in frame.columns if c in table.c]
    data = {c.name: _arrow(frame[c.name], c.type) for c in columns}
    db = Db(session)
    try:
        db.tune()
        stage = f"vc_stage_{table.name}"
        db.stage(stage, columns, data)
        fixed = dict(constants or {})
        names = ", ".join([*fixed, *(c.name for c in columns)])
        values = ", ".join([*(f":{k}" for k in fixed), *(c.name for c in columns)])
        db.execute(f"INSERT INTO {table.name} ({names}) SELECT {values} FROM {stage}", fixed)
        db.finish()
    except Exception:
        db.abandon()
        raise
    return len(frame)
