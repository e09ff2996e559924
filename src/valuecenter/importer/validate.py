"""Validation of a whole frame at once: headers, every cell, required values, ranges, lengths
and duplicate natural keys. Bad rows are collected with a readable reason; nothing here
touches the database (references to stored rows are checked by ``loaders.py`` in SQL)."""

from __future__ import annotations

import contextvars
import functools
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, ngettext
from valuecenter.importer.convert import Formats, convert
from valuecenter.importer.entities import Column, Entity, Kind

FIRST_LINE = 2  # the header is line 1, so the first data row is line 2
EARLIEST_DAY = date(1900, 1, 1)
"""No customer's history starts before it: an earlier day is a typo (0026 for 2026)."""
PLANNED_YEARS = 100
"""How far ahead a planned day (``Column.planned``) may lie."""


def date_window(column: Column, horizon_days: int, today: date) -> tuple[date, date]:
    """The first and the last day a date of ``column`` may be: from 1900-01-01 to
    ``horizon_days`` after ``today`` (a planned day: :data:`PLANNED_YEARS` after it). Days
    outside would break later computations (9999-12-31 + one day overflows) and are typos."""
    if column.planned:
        return EARLIEST_DAY, today.replace(year=today.year + PLANNED_YEARS, day=min(today.day, 28))
    return EARLIEST_DAY, today + timedelta(days=horizon_days)


def _outside_window(arr: pa.Array, first: date, last: date) -> np.ndarray:
    """Positions of ``arr`` (dates, or UTC timestamps) before ``first`` or after ``last``."""
    if pa.types.is_timestamp(arr.type):
        low = pa.scalar(datetime.combine(first, time.min, UTC), arr.type)
        high = pa.scalar(datetime.combine(last + timedelta(days=1), time.min, UTC), arr.type)
        return _mask(pc.or_(pc.less(arr, low), pc.greater_equal(arr, high)))
    return _mask(
        pc.or_(pc.less(arr, pa.scalar(first, arr.type)), pc.greater(arr, pa.scalar(last, arr.type)))
    )


class Rejects:
    """The reason of every rejected row, by position; several problems are joined by '; '."""

    def __init__(self, n: int) -> None:
        self.reasons = np.full(n, None, dtype=object)
        self.bad = np.zeros(n, dtype=bool)

    def add(self, mask: np.ndarray, messages: str | Iterable[str]) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        texts = [messages] * len(idx) if isinstance(messages, str) else list(messages)
        for i, text in zip(idx.tolist(), texts, strict=True):
            old = self.reasons[i]
            self.reasons[i] = text if old is None else f"{old}; {text}"
        self.bad[idx] = True

    def add_positions(self, positions: Iterable[int], message: str | Iterable[str]) -> None:
        mask = np.zeros(len(self.bad), dtype=bool)
        pos = np.fromiter(positions, dtype=np.int64)
        if not len(pos):
            return
        if isinstance(message, str):
            mask[pos] = True
            self.add(mask, message)
            return
        order = np.argsort(pos, kind="stable")
        texts = list(message)
        mask[pos] = True
        self.add(mask, [texts[i] for i in order])

    @property
    def ok(self) -> np.ndarray:
        return ~self.bad


@dataclass
class Validated:
    """The typed columns of a frame and the rows rejected so far."""

    entity: Entity
    n: int
    values: dict[str, pa.Array]
    present: frozenset[str]  # canonical columns that were in the input
    rejects: Rejects
    ignored: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    _codes: dict[str, tuple[pa.Array, np.ndarray]] = field(default_factory=dict, repr=False)

    def line(self, positions: np.ndarray) -> np.ndarray:
        return positions + FIRST_LINE

    def codes(self, name: str) -> np.ndarray:
        """:func:`codes` of column ``name``, computed once per array (a loader asks for the
        same column's codes several times; dictionary-encoding a million strings is not
        free)."""
        arr = self.values[name]
        cached = self._codes.get(name)
        if cached is None or cached[0] is not arr:
            cached = (arr, _codes(arr))
            self._codes[name] = cached
        return cached[1]


def canonical_names(
    columns: Iterable[object], entity: Entity, mapping: Mapping[str, str]
) -> dict[str, str]:
    """Map each input column to its canonical name (input -> canonical) or leave it out.

    Headers are matched after trimming and case-insensitively; ``mapping`` (source -> canonical)
    is applied first. A mapping to an unknown canonical column is an error.
    """
    known = {name.lower(): name for name in entity.names}
    for source, target in mapping.items():
        if target.strip().lower() not in known:
            raise InvalidInput(
                "--map",
                _(
                    "%(source)s=%(target)s: '%(target)s' is not a column of %(entity)s "
                    "(columns: %(columns)s)",
                    source=source,
                    target=target,
                    entity=entity.name,
                    columns=", ".join(entity.names),
                ),
            )
    by_source = {str(s).strip().lower(): known[t.strip().lower()] for s, t in mapping.items()}
    result: dict[str, str] = {}
    taken: dict[str, str] = {}
    for col in columns:
        header = str(col).strip().lstrip("\ufeff").strip()
        canonical = by_source.get(header.lower()) or known.get(header.lower())
        if canonical is None:
            continue
        if canonical in taken:
            raise InvalidInput(
                "columns",
                _(
                    "both '%(first)s' and '%(second)s' give column %(column)s of %(entity)s",
                    first=taken[canonical],
                    second=header,
                    column=canonical,
                    entity=entity.name,
                ),
            )
        taken[canonical] = header
        result[str(col)] = canonical
    return result


def check_columns(columns: Iterable[object], entity: Entity, names: Mapping[str, str]) -> None:
    """Refuse the whole input when a required column is missing (after mapping)."""
    present = set(names.values())
    missing = [c for c in entity.required if c not in present]
    if missing:
        found = ", ".join(str(c) for c in columns) or _("(none)")
        raise InvalidInput(
            "columns",
            ngettext(
                "missing required column %(missing)s for %(entity)s (columns found: %(found)s); "
                "use --map SOURCE=%(first)s to name a column",
                "missing required columns %(missing)s for %(entity)s (columns found: %(found)s); "
                "use --map SOURCE=%(first)s to name a column",
                len(missing),
                missing=", ".join(missing),
                entity=entity.name,
                found=found,
                first=missing[0],
            ),
        )


PARALLEL_ROWS = 100_000
"""From this many rows the columns are read and checked in threads (Arrow's kernels and
numpy release the GIL, so the columns of a large file use every core; docs/benchmarks.md,
"Import")."""


@dataclass
class _Checked:
    """One column read and checked: its values, its unreadable cells and its problems in
    the order they are reported (each a mask and one message per True, or one for all)."""

    values: pa.Array
    unreadable: np.ndarray
    problems: list[tuple[np.ndarray, str | list[str]]]
    codes: np.ndarray | None = None  # of a required id (a key or a reference), in the thread


def _check_column(series: pd.Series, column: Column, formats: Formats, today: date) -> _Checked:
    """Read ``column``'s cells and check lengths, ranges and date windows."""
    n = len(series)
    converted = convert(series, column, formats)
    problems: list[tuple[np.ndarray, str | list[str]]] = [
        (converted.bad, [f"{column.name}: {p}" for p in converted.problems])
    ]
    unreadable = converted.bad
    arr = converted.values
    if column.max_len is not None and column.kind is not Kind.CODES:
        too_long = _mask(pc.greater(pc.utf8_length(arr), column.max_len))
        problems.append(
            (
                too_long,
                _(
                    "%(column)s is longer than %(max)s characters",
                    column=column.name,
                    max=column.max_len,
                ),
            )
        )
        arr = _null_where(arr, too_long)
        unreadable = unreadable | too_long
    if column.min is not None or column.max is not None:
        out = np.zeros(n, dtype=bool)
        if column.min is not None:
            out |= _mask(pc.less(arr, column.min))
        if column.max is not None:
            out |= _mask(pc.greater(arr, column.max))
        if out.any():
            shown = arr.filter(pa.array(out)).to_pylist()
            rng = f"{column.min if column.min is not None else ''}–{column.max or ''}"
            message = _("%(column)s %(value)s is out of range (%(range)s)")
            problems.append(
                (out, [message % {"column": column.name, "value": v, "range": rng} for v in shown])
            )
            arr = _null_where(arr, out)
            unreadable = unreadable | out
    if column.kind in (Kind.DATE, Kind.TIMESTAMP):
        first, last = date_window(column, formats.horizon_days, today)
        out = _outside_window(arr, first, last)
        if out.any():
            days = _days(arr.filter(pa.array(out)))
            window = f"{first.isoformat()} and {last.isoformat()}"
            problems.append((out, [f"{column.name} {d} is not between {window}" for d in days]))
            arr = _null_where(arr, out)
            unreadable = unreadable | out
    if column.default is not None:
        arr = pc.fill_null(arr, pa.scalar(column.default, arr.type))
    # A required id is a key or a reference: the loaders group and join on its codes.
    codes = _codes(arr) if column.kind is Kind.ID and column.required else None
    return _Checked(arr, unreadable, problems, codes)


def validate(frame: pd.DataFrame, entity: Entity, formats: Formats) -> Validated:
    """Read and check every cell of ``frame`` (canonical column names) for ``entity``.

    The columns are independent: from :data:`PARALLEL_ROWS` rows they are read in threads
    (each in a copy of the caller's context, so messages come in the caller's language), and
    their problems are then recorded column by column, in the entity's order, exactly as
    one after the other would."""
    n = len(frame)
    rejects = Rejects(n)
    present = frozenset(c for c in frame.columns if c in entity.names)
    ignored = tuple(str(c) for c in frame.columns if c not in entity.names)
    today = datetime.now(UTC).date()
    columns = [c for c in entity.columns if c.name in present]
    tasks = [functools.partial(_check_column, frame[c.name], c, formats, today) for c in columns]
    if n >= PARALLEL_ROWS and len(tasks) > 1:
        workers = min(len(tasks), os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(contextvars.copy_context().run, task) for task in tasks]
            checked = [f.result() for f in futures]
    else:
        checked = [task() for task in tasks]
    values: dict[str, pa.Array] = {}
    unreadable: dict[str, np.ndarray] = {}
    known_codes: dict[str, tuple[pa.Array, np.ndarray]] = {}
    for column, result in zip(columns, checked, strict=True):
        for where, messages in result.problems:
            rejects.add(where, messages)
        values[column.name] = result.values
        unreadable[column.name] = result.unreadable
        if result.codes is not None:
            known_codes[column.name] = (result.values, result.codes)
    for column in entity.columns:
        if not column.required:
            continue
        arr = values[column.name]
        missing = _mask(pc.is_null(arr)) & ~unreadable[column.name]
        rejects.add(missing, _("%(column)s is missing", column=column.name))
    return Validated(entity, n, values, present, rejects, ignored, _codes=known_codes)


def reject_duplicates(validated: Validated, key: tuple[str, ...]) -> None:
    """Reject later rows whose natural key repeats an earlier (still valid) row's key."""
    ok = validated.rejects.ok
    if not ok.any():
        return
    positions = np.flatnonzero(ok)
    every = len(positions) == len(ok)
    ordered = [_ordered_key(validated, k) for k in key]
    if _strictly_increasing([c if every else c[positions] for c in ordered]):
        return  # the usual sorted file (each key after the one before): no key repeats
    codes = [validated.codes(k) for k in key]
    frame = pd.DataFrame({f"k{i}": c[positions] for i, c in enumerate(codes)})
    dup = frame.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    sub = frame[dup].copy()
    sub["pos"] = positions[dup]
    first = sub.groupby(list(frame.columns), sort=False)["pos"].transform("min").to_numpy()
    later = sub["pos"].to_numpy() != first
    rows = sub["pos"].to_numpy()[later]
    firsts = first[later] + FIRST_LINE
    message = _("duplicate key, first seen on line %(line)s")
    validated.rejects.add_positions(rows, [message % {"line": f} for f in firsts])


def _ordered_key(validated: Validated, name: str) -> np.ndarray:
    """Values of key column ``name`` that are equal exactly when the key values are: an
    integer column without nulls as it is (no dictionary to build: the generated line
    numbers), anything else as its :func:`codes`."""
    arr = validated.values[name]
    if pa.types.is_integer(arr.type) and not arr.null_count:
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.int64)
    return validated.codes(name)


def _strictly_increasing(columns: list[np.ndarray]) -> bool:
    """Whether the rows' tuples of ``columns`` increase strictly (lexicographically) from
    each row to the next — then no tuple repeats. O(n), no sort."""
    n = len(columns[0]) if columns else 0
    greater = np.zeros(max(n - 1, 0), dtype=bool)
    equal = np.ones(max(n - 1, 0), dtype=bool)
    for column in columns:
        step = np.diff(column)
        greater |= equal & (step > 0)
        equal &= step == 0
    return bool(greater.all())


def first_of_each(codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """For each code, the first of ``positions`` whose row has it (indexed by code; a code
    no position has gets the int64 maximum). O(n), no sort."""
    first = np.full(int(codes.max()) + 1 if len(codes) else 0, NO_POSITION, dtype=np.int64)
    np.minimum.at(first, codes[positions], positions)
    return first


def first_positions(codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The first of ``positions`` for each code among them, in file order."""
    first = first_of_each(codes, positions)
    return np.sort(first[first != NO_POSITION])


NO_POSITION = np.iinfo(np.int64).max


def _codes(arr: pa.Array) -> np.ndarray:
    """Integer codes equal for equal values (null gets its own code)."""
    encoded = pc.dictionary_encode(arr, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def codes(arr: pa.Array) -> np.ndarray:
    return _codes(arr)


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def mask(arr: pa.Array) -> np.ndarray:
    return _mask(arr)


def _null_where(arr: pa.Array, where: np.ndarray) -> pa.Array:
    if not where.any():
        return arr
    return pc.if_else(pa.array(where), pa.scalar(None, arr.type), arr)


def _days(arr: pa.Array) -> list[str]:
    """Dates or timestamps as ``YYYY-MM-DD`` text, in Arrow (a Python datetime stops at year
    9999, and a day just before it in a zone west of UTC is in year 10000)."""
    if pa.types.is_timestamp(arr.type):
        return [str(d) for d in pc.strftime(arr, format="%Y-%m-%d").to_pylist()]
    return [str(d) for d in pc.cast(arr, pa.string()).to_pylist()]
