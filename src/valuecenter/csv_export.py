"""The one CSV writer of every export (customers, alerts, save desk, renewals, ledger), and
the formula neutralisation of every other CSV file the product writes (the importer's
``FILE.rejected.csv``, the do-not-call register's, ``churn score --out``, ``demo respond
--out``, ``demo --out DIR``: :func:`neutralised_frame` and :func:`neutralised_row`).

Spreadsheet formula injection (OWASP, "CSV Injection"): a cell whose text starts with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheets skip before such a
sign) is run as a formula when the file is opened, so a customer named ``=HYPERLINK(…)``
would run in the manager's spreadsheet. Every *text* value that starts so is written with a
leading ``'``, which spreadsheets show as text. Numbers are written as numbers (a negative
amount stays ``-12.50``): the program made them, they cannot carry a formula. A file's own
cells copied into a CSV (a rejected row) are text, so ``-5`` there is written ``'-5``; the
importer reads a ``'`` before one of those characters as this neutralisation and drops it
(``importer/convert.py``), so such a file can be fixed and imported again as it is.

Money is written in units with two decimals (``1234.50`` for 123450 cents) and a point, dates
and timestamps in ISO 8601 (UTC), so the file reads the same in every locale. The text starts
with a UTF-8 byte-order mark so spreadsheets read names such as "Café" right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
ROWS_PER_CHUNK = 500


def neutralised(text: str) -> str:
    """``text``, with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralised_row(row: Sequence[object]) -> list[object]:
    """``row`` for a ``csv.writer``: its text cells neutralised, everything else as it is."""
    return [neutralised(v) if isinstance(v, str) else v for v in row]


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``to_csv``: the text cells of its text columns neutralised
    (numeric, boolean and date columns are written as they are)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or str(column.dtype).startswith("string"):
            out[name] = column.map(lambda v: neutralised(v) if isinstance(v, str) else v)
    return out


def cents(amount: int | None) -> Decimal | None:
    """An amount in cents as units with two decimals (exact), for a money column."""
    return None if amount is None else Decimal(amount).scaleb(-2).quantize(Decimal("0.01"))


def cell(value: object) -> str | int | float | Decimal:
    """One value as written: empty for None, numbers as numbers, dates in ISO 8601, enums by
    their value, any other text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return neutralised(str(value.value))
    return neutralised(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV file in pieces of :data:`ROWS_PER_CHUNK` rows (the BOM and header first), so a
    long list is written as it is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest
