"""Everything the product holds about one customer (GDPR art. 15, the right of access; art. 20
asks for "a structured, commonly used and machine-readable format").

One JSON document with every holding table (``holdings.py``) and his rows in it, and one CSV
per table through the product's one CSV writer (``csv_export.py``: text a spreadsheet would
run as a formula is neutralised). Every holding table is in the export, also when he has no
row in it, so the reader sees every kind of data the product keeps. Money stays in integer
cents as stored (the column names say ``_cents``), timestamps in ISO 8601 UTC.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path

from sqlalchemy.orm import Session

from valuecenter import __version__
from valuecenter.csv_export import csv_text
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.errors import NotFound
from valuecenter.i18n import _
from valuecenter.privacy.holdings import holdings, rows_of

JSON_NAME = "customer.json"


@dataclass(frozen=True)
class TableData:
    name: str
    columns: list[str]
    rows: list[dict[str, object]]


@dataclass(frozen=True)
class CustomerExport:
    customer_id: int
    external_id: str
    exported_at: datetime
    tables: list[TableData]

    def as_json(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "customer": self.external_id,
            "exported_at": self.exported_at.isoformat(),
            "product": f"valuecenter {__version__}",
            "tables": {
                t.name: {"columns": t.columns, "rows": [_plain_row(r) for r in t.rows]}
                for t in self.tables
            },
        }

    def files(self) -> Iterator[tuple[str, str]]:
        """(file name, text): the JSON document, then one CSV per table."""
        yield JSON_NAME, json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"
        for t in self.tables:
            rows = ([_csv_value(r[c]) for c in t.columns] for r in t.rows)
            yield f"{t.name}.csv", "".join(csv_text(t.columns, rows))


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _plain_row(row: dict[str, object]) -> dict[str, object]:
    return {k: _plain(v) for k, v in row.items()}


def _csv_value(value: object) -> object:
    """A JSON column as its JSON text in the cell; everything else as the writer writes it."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def collect(session: Session, customer_id: int) -> CustomerExport:
    """His rows of every holding table; :class:`NotFound` for an unknown customer."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("no customer %(id)s", id=customer_id))
    tables = []
    for h in holdings():
        columns = [c.name for c in h.table.columns]
        rows = [dict(r._mapping) for r in session.execute(rows_of(h, customer_id))]
        tables.append(TableData(h.table.name, columns, rows))
    return CustomerExport(customer_id, customer.external_id, utcnow(), tables)


def write_directory(export: CustomerExport, directory: Path) -> list[Path]:
    """The export's files in ``directory`` (created when missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export.files():
        path = directory / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def zip_bytes(export: CustomerExport) -> bytes:
    """The export's files in one zip archive (the page's download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in export.files():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
