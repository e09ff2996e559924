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
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Boolean, Connection, Date, Float, Integer, Table, text
from sqlalchemy.orm import Session

CHUNK = 200_000
BINARY_CHUNK = 50_000  # rows per binary COPY chunk: small, so sending overlaps encoding early

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
        analyze: bool = True,
    ) -> int:
        """Create temp table ``name`` and fill it with ``data`` (one array per column).
        ``analyze=False`` skips PostgreSQL's statistics: for a stage only ever read whole or
        joined by a unique key, where the row count from its size is all the planner needs."""
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
        if self.pg and analyze:
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
        table, no ``INSERT … SELECT``), in the caller's transaction. When every column's type
        is one :func:`binary_rows` writes (integers, text, ``timestamptz``): one ``COPY`` in
        PostgreSQL's binary format, written by numpy chunk by chunk (no text to format or
        parse); otherwise CSV, one ``COPY`` per chunk."""
        if not self.pg:
            raise ValueError("copy_into is PostgreSQL's")
        n = len(data[columns[0].name]) if columns else 0
        types = self.column_types(table, [c.name for c in columns])
        if not all(t in BINARY_TYPES for t in types):
            for start in range(0, n, CHUNK):
                chunk = {c.name: data[c.name].slice(start, CHUNK) for c in columns}
                self._copy(table, columns, chunk)
                if progress is not None:
                    progress(min(CHUNK, n - start))
            return n
        raw: Any = self.conn.connection.driver_connection
        cols = ", ".join(c.name for c in columns)
        statement = f"COPY {table} ({cols}) FROM STDIN (FORMAT binary)"
        # A writer thread sends each chunk while numpy encodes the next one, so the server
        # parses and inserts while the client formats (two cores at work, not one by turns).
        with raw.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as cp:
            cp.write(PGCOPY_HEADER)
            for start in range(0, n, BINARY_CHUNK):
                part = [data[c.name].slice(start, BINARY_CHUNK) for c in columns]
                cp.write(binary_rows(part, types))
                if progress is not None:
                    progress(min(BINARY_CHUNK, n - start))
            cp.write(PGCOPY_TRAILER)
        return n

    def column_types(self, table: str, names: Sequence[str]) -> list[str]:
        """PostgreSQL's name of each column's type, without its modifier (``character
        varying``, not ``character varying(64)``)."""
        types = dict(
            self.rows(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = to_regclass(:t) AND attnum > 0 AND NOT attisdropped",
                {"t": table},
            )
        )
        return [str(types.get(name)) for name in names]

    def reserve_ids(self, table: str, n: int, column: str = "id") -> int:
        """PostgreSQL: take ``n`` consecutive values of the sequence behind ``table.column``
        in one statement and return the first; the sequence goes on after them, so a later
        plain ``INSERT`` gets the next one. Call it with ``table`` locked against writers
        (``importer.bulk.rebuilt_constraints`` does): no insert into the table can then draw
        from the sequence inside the range. Like ``nextval``, not undone by a rollback (a
        gap, never a duplicate)."""
        if not self.pg:
            raise ValueError("reserve_ids is PostgreSQL's")
        if n < 1:
            raise ValueError("reserve at least one id")
        return int(
            self.scalar(
                "SELECT setval(s, nextval(s) + :n - 1) - :n + 1 "
                "FROM pg_get_serial_sequence(:t, :c) AS s",
                {"t": table, "c": column, "n": n},
            )
        )

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
PGCOPY_TRAILER = b"\xff\xff"
"""The end of the data: a field count of −1."""
PG_EPOCH_US = 946_684_800_000_000
"""2000-01-01 00:00 UTC in Unix microseconds: a binary ``timestamptz`` counts from there."""
FIXED_WIDTHS: Mapping[str, int] = {
    "smallint": 2,
    "integer": 4,
    "bigint": 8,
    "timestamp with time zone": 8,
}
TEXT_TYPES = frozenset({"text", "character varying"})
BINARY_TYPES = frozenset(FIXED_WIDTHS) | TEXT_TYPES
"""Column types :func:`binary_rows` writes (as ``format_type(atttypid, NULL)`` names them)."""


def binary_copy(columns: Sequence[pa.Array], types: Sequence[str]) -> bytes:
    """A whole binary ``COPY`` stream: header, :func:`binary_rows`, trailer."""
    return PGCOPY_HEADER + binary_rows(columns, types) + PGCOPY_TRAILER


def binary_rows(columns: Sequence[pa.Array], types: Sequence[str]) -> bytes:
    """Rows in PostgreSQL's binary ``COPY`` format (PostgreSQL docs, "COPY", "Binary
    Format"): per row the field count (int16), then per field its byte length (int32, −1 for
    NULL) and its value in the type's binary ``send`` format — big-endian integers, a
    ``timestamptz`` as int64 microseconds since 2000-01-01 UTC, text as its UTF-8 bytes.
    ``types`` are keys of :data:`FIXED_WIDTHS` or members of :data:`TEXT_TYPES`.

    Fixed-width columns without nulls (the order lines) make rows of one length: one numpy
    record array. Text or a NULL makes rows of different lengths, each field written at its
    byte offset (still vectorised: no Python loop over rows)."""
    cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
    if all(t in FIXED_WIDTHS for t in types) and not any(c.null_count for c in cols):
        fields: list[tuple[str, str]] = [("count", ">i2")]
        for j, kind in enumerate(types):
            fields += [(f"len{j}", ">i4"), (f"v{j}", f">i{FIXED_WIDTHS[kind]}")]
        rows = np.empty(len(cols[0]) if cols else 0, dtype=np.dtype(fields))
        rows["count"] = len(types)
        for j, (column, kind) in enumerate(zip(cols, types, strict=True)):
            rows[f"len{j}"] = FIXED_WIDTHS[kind]
            rows[f"v{j}"] = _fixed_values(column, kind)
        return rows.tobytes()
    return _ragged_rows(cols, types)


def _fixed_values(column: pa.Array, kind: str) -> np.ndarray:
    """A fixed-width column as int64 in its binary meaning (nulls as 0)."""
    if kind == "timestamp with time zone":
        micros = pc.cast(pc.cast(column, pa.timestamp("us", "UTC")), pa.int64())
        return np.asarray(pc.fill_null(micros, 0).to_numpy(), dtype=np.int64) - PG_EPOCH_US
    return np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _put(out: np.ndarray, at: np.ndarray, values: np.ndarray, dtype: str) -> None:
    """Write ``values`` as ``dtype`` (big-endian, e.g. ``>i4``) into ``out`` at byte ``at``."""
    width = np.dtype(dtype).itemsize
    raw = np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(-1, width)
    out[at[:, None] + np.arange(width)] = raw


def _text_buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (n + 1) and UTF-8 bytes of a string column."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    wide = pa.types.is_large_string(column.type)
    _validity, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if wide else np.int32)
    offsets = offsets[column.offset : column.offset + len(column) + 1].astype(np.int64)
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return offsets, data


def _ragged_rows(cols: Sequence[pa.Array], types: Sequence[str]) -> bytes:
    n = len(cols[0])
    valid = [np.asarray(c.is_valid().to_numpy(zero_copy_only=False), dtype=bool) for c in cols]
    texts = {j: _text_buffers(c) for j, c in enumerate(cols) if types[j] not in FIXED_WIDTHS}
    sizes = [
        np.where(valid[j], FIXED_WIDTHS[kind], 0)
        if kind in FIXED_WIDTHS
        else np.where(valid[j], np.diff(texts[j][0]), 0)
        for j, kind in enumerate(types)
    ]
    row_len: np.ndarray = np.full(n, 2 + 4 * len(sizes), dtype=np.int64) + sum(sizes)
    at = np.zeros(n, dtype=np.int64)
    np.cumsum(row_len[:-1], out=at[1:])
    out = np.empty(int(row_len.sum()), dtype=np.uint8)
    _put(out, at, np.full(n, len(cols)), ">i2")
    at = at + 2
    for j, kind in enumerate(types):
        size = sizes[j]
        _put(out, at, np.where(valid[j], size, -1), ">i4")
        at = at + 4
        if kind in FIXED_WIDTHS:
            rows = np.flatnonzero(valid[j])
            values = _fixed_values(cols[j], kind)[rows]
            _put(out, at[rows], values, f">i{FIXED_WIDTHS[kind]}")
        elif total := int(size.sum()):
            offsets, data = texts[j]
            before = np.zeros(n, dtype=np.int64)  # bytes of this column in the rows before
            np.cumsum(size[:-1], out=before[1:])
            step = np.arange(total, dtype=np.int64)
            src = np.repeat(offsets[:-1] - before, size) + step
            out[np.repeat(at - before, size) + step] = data[src]
        at = at + size
    return out.tobytes()


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
