"""Reading CSV (any of ',', ';', tab, '|'), Parquet and XLSX files into a DataFrame.

CSV and XLSX cells are read as text (so ids keep leading zeros and nothing is guessed);
Parquet columns keep their types. Columns are Arrow-backed, which the validators read
without copying. Any problem with the file itself is one :class:`InvalidInput` line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

SEPARATORS = (",", ";", "\t", "|")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_BLOCK = 8 << 20


def read_file(path: Path, *, sep: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """The rows of ``path`` as a DataFrame of the file's own column names."""
    if not path.exists():
        raise InvalidInput("file", _("%(file)s: no such file", file=path))
    if not path.is_file():
        raise InvalidInput("file", _("%(file)s: not a file", file=path))
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in XLSX_SUFFIXES:
        raise InvalidInput(
            "--sheet", _("only an .xlsx workbook has sheets; %(file)s is not one", file=path.name)
        )
    try:
        if suffix == ".parquet":
            return _read_parquet(path)
        if suffix in XLSX_SUFFIXES:
            return _read_xlsx(path, sheet)
        if suffix == ".xls":
            raise InvalidInput(
                "file", _("%(file)s: old .xls workbooks are not read; save as .xlsx", file=path)
            )
        return _read_csv(path, sep)
    except InvalidInput:
        raise
    except (OSError, ValueError, pa.ArrowException, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(
            "file", _("%(file)s: cannot read it: %(reason)s", file=path, reason=first)
        ) from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return _frame(table)


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError):
        # An .xlsx is a zip archive of XML parts: a CSV renamed to .xlsx is not one.
        raise InvalidInput(
            "file", _("%(file)s is not an Excel workbook (.xlsx)", file=str(path))
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InvalidInput(
                "--sheet",
                _(
                    "no sheet '%(sheet)s' in %(file)s (sheets: %(sheets)s)",
                    sheet=sheet,
                    file=path.name,
                    sheets=", ".join(book.sheetnames),
                ),
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InvalidInput("file", _("%(file)s: the sheet is empty", file=path))
        names = [
            str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)
        ]
        data = [list(r) for r in rows]
    finally:
        book.close()
    while data and all(v is None or str(v).strip() == "" for v in data[-1]):
        data.pop()
    width = len(names)
    columns = {
        name: [_cell_text(r[i]) if i < len(r) else None for r in data]
        for i, name in enumerate(names)
    }
    if width == 0:
        raise InvalidInput("file", _("%(file)s: no header row", file=path))
    return _frame(pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()}))


def _frame(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sniff_separator(first_line: str) -> str:
    """The most frequent candidate separator outside quotes in the header line."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _header(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as fh:
        return fh.readline().lstrip("\ufeff").rstrip("\r\n")


def _encoding(path: Path) -> str:
    size = 1 << 20
    with path.open("rb") as fh:
        sample = fh.read(size)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the sample is fine.
        if len(sample) < size or exc.start < len(sample) - 4:
            return "cp1252"
    return "utf-8"


def _read_csv(path: Path, sep: str | None) -> pd.DataFrame:
    encoding = _encoding(path)
    header_line = _header(path, encoding)
    if not header_line.strip():
        raise InvalidInput("file", _("%(file)s: the first line (the header) is empty", file=path))
    delimiter = sep if sep is not None else sniff_separator(header_line)
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise InvalidInput("--sep", _("'%(sep)s' is not a single character", sep=delimiter))
    names = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    names = [n.strip() for n in names]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InvalidInput(
            "file",
            _("%(file)s: the header repeats column %(columns)s", file=path, columns=", ".join(dup)),
        )
    read = pcsv.ReadOptions(
        column_names=names, skip_rows=1, encoding=encoding, block_size=_BLOCK, use_threads=True
    )
    convert = pcsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pcsv.read_csv(path, read, pcsv.ParseOptions(delimiter=delimiter), convert)
    except pa.ArrowInvalid as exc:
        if "CSV parse error" not in str(exc):
            raise
        # Quoted values with line breaks need the slower parser mode.
        parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
        try:
            table = pcsv.read_csv(path, read, parse, convert)
        except pa.ArrowInvalid as again:
            message = str(again).strip().splitlines()[0]
            raise InvalidInput(
                "file",
                _(
                    "%(file)s: not a valid CSV with separator %(sep)s: %(reason)s",
                    file=path,
                    sep=repr(delimiter),
                    reason=message,
                ),
            ) from again
    frame = _frame(table)
    frame.attrs["sep"] = delimiter
    return frame
