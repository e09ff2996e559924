"""Tables out to Parquet, for a company's data lake and the Spark jobs that read it
(``valuecenter export parquet``; ``docs/scale-out.md``).

Each table becomes a folder of files, ``TABLE/part-00000.parquet`` …, every file one range of
``ROWS_PER_FILE`` ids in id order — the same split as the Spark jobs' partitioned JDBC reads.
Types follow the schema: integers as int64, text and enumerations as strings, booleans, dates
as ``date32``, timestamps as ``timestamp[us, UTC]``, JSON as its text. Columns marked personal
(``db/personal.py``: names, e-mail addresses, phone numbers …) are left out: the jobs that read
the lake score customers by their ids and need none of them. The export is written
beside the target and renamed into place when every table is complete, so a failed or
interrupted export leaves no half-written lake behind.
"""

from __future__ import annotations

import enum
import json
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import JSON, Boolean, Date, Integer, Table, func, select
from sqlalchemy.orm import Session

from valuecenter.db.base import UTCDateTime
from valuecenter.db.personal import is_personal
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

ROWS_PER_FILE = 1_000_000

Progress = Callable[[str, int, int], None]  # table, rows written, rows in the table


def arrow_type(column: Any) -> pa.DataType:
    """The Parquet type of a column of the schema."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def _cell(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _convert(column: Any, values: list[Any]) -> pa.Array:
    target = arrow_type(column)
    if pa.types.is_string(target) or isinstance(column.type, JSON):
        values = [None if v is None else str(_cell(v)) for v in values]
    elif isinstance(column.type, UTCDateTime):
        values = [v if v is None or isinstance(v, datetime) else None for v in values]
    elif pa.types.is_date32(target):
        values = [v if v is None or isinstance(v, date) else None for v in values]
    return pa.array(values, type=target)


def _write_table(session: Session, table: Table, folder: Path, progress: Progress | None) -> int:
    folder.mkdir(parents=True)
    key = table.c.id
    kept = [c for c in table.columns if not is_personal(c)]
    low, high = session.execute(select(func.min(key), func.max(key))).one()
    total = session.scalar(select(func.count()).select_from(table)) or 0
    schema = pa.schema([(c.name, arrow_type(c)) for c in kept])
    written, part = 0, 0
    if low is None:
        pq.write_table(schema.empty_table(), folder / "part-00000.parquet")
        return 0
    for start in range(int(low), int(high) + 1, ROWS_PER_FILE):
        rows = session.execute(
            select(*kept).where(key >= start, key < start + ROWS_PER_FILE).order_by(key)
        ).all()
        if not rows:
            continue
        columns = list(zip(*rows, strict=True))
        batch = pa.table(
            [_convert(c, list(values)) for c, values in zip(kept, columns, strict=True)],
            schema=schema,
        )
        pq.write_table(batch, folder / f"part-{part:05d}.parquet")
        part += 1
        written += len(rows)
        if progress is not None:
            progress(table.name, written, total)
    return written


def check_new_folder(field: str, directory: Path) -> None:
    """Refuse a target that exists and is not an empty folder (nothing there is overwritten)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidInput(
            field, _("%(path)s exists and is not an empty folder", path=str(directory))
        )


@contextmanager
def written_whole(directory: Path) -> Iterator[Path]:
    """A new folder beside ``directory`` to write into, renamed to ``directory`` (absent or
    empty) when the block ends normally and removed when it does not: a reader never sees a
    half-written folder."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = directory.with_name(f".{directory.name}.partial-{uuid.uuid4().hex[:8]}")
    partial.mkdir()
    try:
        yield partial
        if directory.exists():
            directory.rmdir()
        partial.rename(directory)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def export_parquet(
    session: Session,
    directory: Path,
    tables: Sequence[Table],
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write ``tables`` as Parquet folders under ``directory`` (which must not exist yet or be
    empty); the rows written per table."""
    check_new_folder("DIR", directory)
    with written_whole(directory) as partial:
        return {
            table.name: _write_table(session, table, partial / table.name, progress)
            for table in tables
        }
