"""Vectorised reading of one column's cells into typed Arrow arrays.

Each reader takes a pandas Series (strings from a file, or values the caller already typed)
and returns a :class:`Converted`: the typed values (null where the cell is blank or bad) and
the positions whose non-blank value could not be read, with a readable problem per position.
The fast path is one strict Arrow cast over the whole column; only when it fails does a
slower, still vectorised path find the offending cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from valuecenter.i18n import N_, gettext
from valuecenter.importer.entities import Column, Kind

TRUE_WORDS = ("true", "yes", "1", "y", "ja", "j", "t")
FALSE_WORDS = ("false", "no", "0", "n", "nee", "f")
_OFFSET_RE = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|[+-]\d\d(:?\d\d)?)$"
_NEUTRALISED_RE = r"^'([=+\-@\t\r])"
_MAX_CENTS = 9_000_000_000_000_000
PRICE_DECIMALS = 4
"""Decimals a unit price keeps (wholesale price lists: 0.001 a piece); stored as integers."""


@dataclass
class Converted:
    """Typed values (null where blank or bad) and the problems of the bad positions."""

    values: pa.Array
    bad: np.ndarray  # bool, one per row
    problems: list[str]  # one per True in ``bad``, in row order


@dataclass(frozen=True)
class Formats:
    """The parts of ImportOptions that change how cells are read."""

    date_format: str | None = None
    decimal: str = "."
    timezone: str = "UTC"
    horizon_days: int = 365  # days after today a date may lie (settings.import_horizon_days)


def to_arrow(series: pd.Series) -> pa.Array:
    """The series as one Arrow array; a column of mixed Python objects becomes strings."""
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        text = series.map(lambda v: None if _is_missing(v) else str(v))
        arr = pa.array(text, type=pa.string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type) or pa.types.is_dictionary(arr.type):
        arr = pc.cast(arr, pa.string())
    if pa.types.is_null(arr.type):
        arr = pa.nulls(len(arr), pa.string())
    return arr


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _mask(arr: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a numpy mask (null counts as False)."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _problems(text: pa.Array, bad: np.ndarray, template: str, **params: object) -> list[str]:
    """The problem of each bad cell: ``template`` (a message id with ``%(value)s``) in the
    current language, translated once and filled per cell."""
    if not bad.any():
        return []
    values = text.filter(pa.array(bad)).to_pylist()
    message = gettext(template)
    return [message % {**params, "value": _shorten(v)} for v in values]


def _shorten(value: object) -> str:
    shown = str(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def clean_text(arr: pa.Array) -> pa.Array:
    """Strings trimmed of surrounding whitespace, blank cells null; a ``'`` before a
    formula character (``'=``, ``'-5``: a CSV file the product wrote, ``csv_export.py``) is
    that file's neutralisation and is dropped."""
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    if already_clean(arr):  # the usual column: nothing to trim, blank or un-neutralise
        return arr
    trimmed = pc.utf8_trim_whitespace(arr)
    if pc.any(pc.starts_with(trimmed, "'")).as_py():  # rare: spare the regex over every row
        trimmed = pc.utf8_trim_whitespace(
            pc.replace_substring_regex(trimmed, pattern=_NEUTRALISED_RE, replacement=r"\1")
        )
    blank = pc.equal(trimmed, "")
    if not pc.any(blank).as_py():  # the usual column: no copy of every string to make
        return trimmed
    return pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)


def _bad_edges(edge: np.ndarray, *extra: int) -> bool:
    """Whether a byte of ``edge`` (each cell's first or last byte) may begin or end a cell
    ``clean_text`` would change: an ASCII control or space (every ASCII character Arrow's
    ``utf8_trim_whitespace`` trims is one), DEL, any byte of a multi-byte character (it may
    be Unicode whitespace), or one of ``extra``."""
    bad = (edge <= 0x20) | (edge >= 0x7F)
    for byte in extra:
        bad |= edge == byte
    return bool(bad.any())


def already_clean(arr: pa.Array) -> bool:
    """Whether ``clean_text`` would leave the string array ``arr`` as it is: no blank cell,
    none starting with ``'`` and none starting or ending with a byte that may be whitespace.
    Reads only each cell's first and last byte (two look-ups per row instead of the three
    passes that copy every string; docs/benchmarks.md, "Import"). Conservative: a cell
    starting or ending with a non-ASCII character sends the column down the full path."""
    if not pa.types.is_string(arr.type):
        return False
    n = len(arr)
    _validity, offsets_buf, data_buf = arr.buffers()
    if n == 0 or offsets_buf is None:
        return True
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[arr.offset : arr.offset + n + 1]
    starts, ends = offsets[:-1], offsets[1:]
    if arr.null_count:
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        starts, ends = starts[valid], ends[valid]
    if not len(starts):
        return True
    if bool((ends - starts).min() == 0) or data_buf is None:  # a blank cell
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    return not (_bad_edges(np.take(data, starts), ord("'")) or _bad_edges(np.take(data, ends - 1)))


def _is_text(arr: pa.Array) -> bool:
    return bool(pa.types.is_string(arr.type))


def convert(series: pd.Series, column: Column, formats: Formats) -> Converted:
    """Read one column according to its kind."""
    arr = to_arrow(series)
    kind = column.kind
    if kind is Kind.ID:
        return _ids(arr)
    if kind in (Kind.TEXT, Kind.CODES):
        text = clean_text(arr)
        if column.upper:
            text = pc.utf8_upper(text)
        return Converted(text, np.zeros(len(arr), dtype=bool), [])
    if kind is Kind.INT:
        return _ints(arr)
    if kind is Kind.MONEY:
        return _money(arr, formats.decimal)
    if kind is Kind.PRICE:
        return _money(arr, formats.decimal, PRICE_DECIMALS)
    if kind is Kind.DATE:
        return _dates(arr, formats.date_format)
    if kind is Kind.TIMESTAMP:
        return _timestamps(arr, formats.date_format, formats.timezone)
    if kind is Kind.BOOL:
        return _bools(arr)
    return _enum(arr, column)


def _ids(arr: pa.Array) -> Converted:
    ok = np.zeros(len(arr), dtype=bool)
    if pa.types.is_floating(arr.type):
        values = arr.to_numpy(zero_copy_only=False)
        integral = np.isfinite(values) & (np.floor(values) == values)
        ints = pc.cast(pc.if_else(pa.array(integral), arr, None), pa.int64(), safe=False)
        text = pc.if_else(pa.array(integral), pc.cast(ints, pa.string()), pc.cast(arr, pa.string()))
        return Converted(clean_text(text), ok, [])
    text = clean_text(arr)
    # "17850.0" is how pandas and spreadsheets write an integer id stored as a float.
    if _may_contain(text, b".0"):
        text = pc.replace_substring_regex(text, pattern=r"^(-?\d+)\.0+$", replacement=r"\1")
    return Converted(text, ok, [])


def _may_contain(text: pa.Array, needle: bytes) -> bool:
    """Whether a cell of the string array ``text`` may contain ``needle`` (two bytes): a
    search of its whole data buffer in numpy — a match across two adjacent cells is a false
    positive (the caller's exact path then finds nothing), a miss is never wrong."""
    if not pa.types.is_string(text.type):
        return bool(pc.any(pc.match_substring(text, needle.decode())).as_py())
    data_buf = text.buffers()[2]
    if data_buf is None or len(text) == 0:
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    return bool(((data[:-1] == needle[0]) & (data[1:] == needle[1])).any())


def _ints(arr: pa.Array) -> Converted:
    n = len(arr)
    if pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type):
        return Converted(pc.cast(arr, pa.int64()), np.zeros(n, dtype=bool), [])
    if pa.types.is_floating(arr.type):
        values = arr.to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**62)
        bad = ~integral & ~np.isnan(values)
        ints = pc.cast(pc.if_else(pa.array(integral), arr, None), pa.int64(), safe=False)
        return Converted(
            ints, bad, _problems(arr, bad, N_("cannot read '%(value)s' as a whole number"))
        )
    text = clean_text(arr)
    try:
        return Converted(pc.cast(text, pa.int64()), np.zeros(n, dtype=bool), [])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    good = pc.match_substring_regex(text, pattern=r"^[+-]?\d{1,18}(\.0*)?$")
    stripped = pc.replace_substring_regex(text, pattern=r"(^\+)|(\.0*$)", replacement="")
    values = pc.cast(pc.if_else(good, stripped, pa.scalar(None, pa.string())), pa.int64())
    bad = _mask(pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(good, False))))
    return Converted(
        values, bad, _problems(text, bad, N_("cannot read '%(value)s' as a whole number"))
    )


def _money(arr: pa.Array, decimal: str, decimals: int = 2) -> Converted:
    """An amount as an integer number of 10^-``decimals`` units (2: cents; 4: the
    ten-thousandths a unit price is stored in); more decimals than that are refused."""
    n = len(arr)
    scale = 10.0**decimals
    text: pa.Array | None = None
    if (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
    ):
        floats = pc.cast(arr, pa.float64())
        unreadable = np.zeros(n, dtype=bool)
    else:
        text = clean_text(arr)
        normal = _normalise_amounts(text, decimal)
        try:
            floats = pc.cast(normal, pa.float64())
            unreadable = np.zeros(n, dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            good = pc.match_substring_regex(normal, pattern=r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
            floats = pc.cast(pc.if_else(good, normal, pa.scalar(None, pa.string())), pa.float64())
            unreadable = _mask(pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(good, False))))
    values = np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        cents = values * scale
        rounded = np.round(cents)
        present = ~np.isnan(values)
        finite = np.isfinite(cents) & (np.abs(rounded) < _MAX_CENTS)
        too_precise = (
            present & finite & (np.abs(cents - rounded) > 1e-6 * np.maximum(1.0, np.abs(cents)))
        )
    out_of_range = present & ~finite & ~unreadable
    shown = text if text is not None else pc.cast(arr, pa.string())
    problems_per_row = np.full(n, None, dtype=object)
    for mask, template in (
        (unreadable, N_("cannot read '%(value)s' as an amount")),
        (too_precise, N_("'%(value)s' has more than %(decimals)s decimals")),
        (out_of_range, N_("'%(value)s' is not a usable amount")),
    ):
        if mask.any():
            problems_per_row[mask] = _problems(shown, mask, template, decimals=decimals)
    bad = unreadable | too_precise | out_of_range
    keep = present & ~bad
    result = pa.array(np.where(keep, rounded, 0).astype(np.int64), mask=~keep)
    return Converted(result, bad, [str(p) for p in problems_per_row[bad]])


def _normalise_amounts(text: pa.Array, decimal: str) -> pa.Array:
    if decimal != ",":
        return text
    # Dutch notation: "1.234,56" -> "1234.56"; a '.' is only taken as a thousands separator
    # when it groups exactly three digits, so "1.5" stays unreadable rather than 15.
    grouped = pc.match_substring_regex(text, pattern=r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
    no_dots = pc.if_else(grouped, pc.replace_substring(text, ".", ""), text)
    has_dot = pc.match_substring(no_dots, ".")
    swapped = pc.replace_substring(no_dots, ",", ".")
    return pc.if_else(has_dot, pa.scalar("x", pa.string()), swapped)


def _bools(arr: pa.Array) -> Converted:
    n = len(arr)
    if pa.types.is_boolean(arr.type):
        return Converted(arr, np.zeros(n, dtype=bool), [])
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        arr = pc.cast(pc.cast(arr, pa.int64(), safe=False), pa.string())
    text = clean_text(arr)
    lower = pc.utf8_lower(text)
    is_true = pc.is_in(lower, value_set=pa.array(TRUE_WORDS))
    is_false = pc.is_in(lower, value_set=pa.array(FALSE_WORDS))
    values = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    bad = _mask(pc.and_(pc.is_valid(text), pc.invert(pc.or_(is_true, is_false))))
    template = N_("cannot read '%(value)s' as yes/no (use true/false, yes/no, 1/0, ja/nee)")
    return Converted(values, bad, _problems(text, bad, template))


def _enum(arr: pa.Array, column: Column) -> Converted:
    text = clean_text(arr)
    lower = pc.utf8_lower(text)
    for alias, value in column.aliases.items():
        lower = pc.if_else(pc.equal(lower, alias), value, lower)
    known = pc.is_in(lower, value_set=pa.array(column.choices))
    bad = _mask(pc.and_(pc.is_valid(text), pc.invert(known)))
    values = pc.if_else(known, lower, pa.scalar(None, pa.string()))
    template = N_("unknown value '%(value)s' (expected %(choices)s)")
    return Converted(values, bad, _problems(text, bad, template, choices=", ".join(column.choices)))


def _parse_pandas(text: pa.Array, date_format: str | None, utc: bool) -> pd.Series:
    """Strict parsing (31 February is an error, unlike Arrow's strptime) of the slow path."""
    strings = pd.Series(text.to_pandas(), dtype=object)
    fmt = date_format if date_format is not None else "ISO8601"
    return pd.to_datetime(strings, format=fmt, errors="coerce", utc=utc)


def _dates(arr: pa.Array, date_format: str | None) -> Converted:
    n = len(arr)
    if pa.types.is_date(arr.type):
        return Converted(pc.cast(arr, pa.date32()), np.zeros(n, dtype=bool), [])
    if pa.types.is_timestamp(arr.type):
        local = pc.local_timestamp(arr) if arr.type.tz else arr
        return Converted(pc.cast(local, pa.date32()), np.zeros(n, dtype=bool), [])
    text = clean_text(arr)
    if date_format is None:
        try:
            return Converted(pc.cast(text, pa.date32()), np.zeros(n, dtype=bool), [])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        expected = "YYYY-MM-DD"
    else:
        expected = date_format
    parsed = _parse_pandas(text, date_format, utc=False)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    values = pc.cast(pa.array(parsed.astype("datetime64[s]"), from_pandas=True), pa.date32())
    bad = _mask(pc.and_(pc.is_valid(text), pc.is_null(values)))
    template = N_("cannot read '%(value)s' as a date (expected %(expected)s)")
    return Converted(values, bad, _problems(text, bad, template, expected=expected))


UTC_US = pa.timestamp("us", "UTC")


def _assume_zone(naive: pa.Array, timezone: str) -> pa.Array:
    if timezone == "UTC":
        return pc.cast(naive, pa.timestamp("us")).cast(UTC_US)
    # A local time that occurs twice (clocks back) is taken as the first; one that does not
    # exist (clocks forward) as the moment the clocks jumped to.
    aware = pc.assume_timezone(
        pc.cast(naive, pa.timestamp("us")), timezone, ambiguous="earliest", nonexistent="latest"
    )
    return pc.cast(aware, UTC_US)


def _timestamps(arr: pa.Array, date_format: str | None, timezone: str) -> Converted:
    n = len(arr)
    ok = np.zeros(n, dtype=bool)
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            return Converted(pc.cast(arr, UTC_US), ok, [])
        return Converted(_assume_zone(arr, timezone), ok, [])
    if pa.types.is_date(arr.type):
        return Converted(_assume_zone(pc.cast(arr, pa.timestamp("us")), timezone), ok, [])
    text = clean_text(arr)
    if date_format is not None:
        aware = "%z" in date_format or "%Z" in date_format
        parsed = _parse_pandas(text, date_format, utc=aware)
        if aware:
            values = pa.array(parsed.astype("datetime64[us, UTC]"), from_pandas=True)
        else:
            naive = pa.array(parsed.astype("datetime64[us]"), from_pandas=True)
            values = _assume_zone(naive, timezone)
        expected = date_format
    else:
        expected = gettext("ISO 8601, e.g. 2024-03-01 14:30:00")
        try:
            return Converted(_assume_zone(pc.cast(text, pa.timestamp("us")), timezone), ok, [])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        try:
            return Converted(pc.cast(text, UTC_US), ok, [])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        values = _timestamps_slow(text, timezone)
    bad = _mask(pc.and_(pc.is_valid(text), pc.is_null(values)))
    template = N_("cannot read '%(value)s' as a timestamp (expected %(expected)s)")
    return Converted(values, bad, _problems(text, bad, template, expected=expected))


def _timestamps_slow(text: pa.Array, timezone: str) -> pa.Array:
    """Mixed or partly unreadable ISO timestamps: cells with a zone offset are read as such,
    the others as local times in ``timezone``; unreadable cells become null."""
    has_offset = _mask(pc.match_substring_regex(text, pattern=_OFFSET_RE))
    keep = pa.scalar(None, pa.string())
    aware = _parse_pandas(pc.if_else(pa.array(has_offset), text, keep), None, utc=True)
    naive = _parse_pandas(pc.if_else(pa.array(has_offset), keep, text), None, utc=False)
    if getattr(naive.dt, "tz", None) is not None:  # pragma: no cover - all offsets were caught
        naive = naive.dt.tz_localize(None)
    local = _assume_zone(pa.array(naive.astype("datetime64[us]"), from_pandas=True), timezone)
    aware_arr = pa.array(aware.astype("datetime64[us, UTC]"), from_pandas=True)
    return pc.if_else(pa.array(has_offset), aware_arr, local)
