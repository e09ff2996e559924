"""Use cases on consent: record an opt-in or a withdrawal, and import a do-not-call register.

A consent event is appended, never changed: the history is the proof (GDPR art. 7(1): the
controller must be able to demonstrate consent). A withdrawal is an event with
``granted = false``; the decision engine reads the events on every decision, so it takes
effect on the very next one.

The register file (the Dutch *Bel-me-niet Register* hands out such files) holds one number
per line, or a CSV with a ``number`` (or ``phone``) column and optionally a ``registered_on``
date. An import replaces the previous snapshot of the same source: numbers no longer in the
file are marked removed. Lines that are not phone numbers are counted and written to
``FILE.rejected.csv`` with their line number and reason; they never stop the import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from valuecenter.consent.models import Consent, ConsentChannel, DoNotCall, Purpose
from valuecenter.consent.phone import normalize
from valuecenter.consent.schemas import ConsentOut
from valuecenter.csv_export import neutralised_row
from valuecenter.customers.repository import get_customer
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.users.models import User

NUMBER_COLUMNS = ("number", "phone", "telefoonnummer", "nummer")
DATE_COLUMNS = ("registered_on", "date", "datum")


def record_consent(
    session: Session,
    *,
    customer_id: int,
    purpose: Purpose | str,
    channel: ConsentChannel | str,
    granted: bool,
    source: str,
    viewer: User | None,
    at: datetime | None = None,
) -> ConsentOut:
    """Append a consent event for a customer the viewer may see."""
    try:
        purpose = Purpose(purpose)
    except ValueError:
        raise InvalidInput(
            "purpose",
            _("'%(value)s' is not one of %(choices)s", value=purpose, choices=_choices(Purpose)),
        ) from None
    try:
        channel = ConsentChannel(channel)
    except ValueError:
        raise InvalidInput(
            "channel",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=channel,
                choices=_choices(ConsentChannel),
            ),
        ) from None
    source = (source or "").strip()
    if not source or len(source) > 120:
        raise InvalidInput("source", _("say where it came from (1–120 characters)"))
    if viewer is not None and get_customer(session, viewer, customer_id) is None:
        raise NotFound(_("no customer %(id)s", id=customer_id))
    event = Consent(
        customer_id=customer_id,
        purpose=purpose,
        channel=channel,
        granted=granted,
        source=source,
        recorded_at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return ConsentOut.model_validate(event)


def _choices(enum_cls: type[Purpose] | type[ConsentChannel]) -> str:
    return ", ".join(m.value for m in enum_cls)


@dataclass(frozen=True)
class RegisterImport:
    source: str
    read: int
    added: int
    kept: int
    removed: int
    rejected: int
    rejected_file: Path | None

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "read": self.read,
            "added": self.added,
            "kept": self.kept,
            "removed": self.removed,
            "rejected": self.rejected,
            "rejected_file": None if self.rejected_file is None else str(self.rejected_file),
        }


def _rows(text: str) -> tuple[list[tuple[int, str, str | None]], list[tuple[int, str, str]]]:
    """(line, number, registered_on) rows and (line, value, reason) rejects of a file."""
    sample = text[:4096]
    first = sample.splitlines()[0] if sample else ""
    rows: list[tuple[int, str, str | None]] = []
    rejects: list[tuple[int, str, str]] = []
    lowered = first.strip().lower()
    has_header = any(name in lowered for name in NUMBER_COLUMNS)
    if not has_header:
        for line_no, line in enumerate(text.splitlines(), start=1):
            value = line.strip()
            if value:
                rows.append((line_no, value, None))
        return rows, rejects
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    number = next((fields[n] for n in NUMBER_COLUMNS if n in fields), None)
    when = next((fields[n] for n in DATE_COLUMNS if n in fields), None)
    if number is None:
        raise InvalidInput(
            "file",
            _("no number column (looked for %(columns)s)", columns=", ".join(NUMBER_COLUMNS)),
        )
    for line_no, record in enumerate(reader, start=2):
        value = (record.get(number) or "").strip()
        if not value:
            rejects.append((line_no, "", _("empty number")))
            continue
        rows.append((line_no, value, (record.get(when) or "").strip() or None if when else None))
    return rows, rejects


def import_register(
    session: Session, path: Path, *, source: str | None = None, country: str = "NL"
) -> RegisterImport:
    """Replace the do-not-call snapshot of ``source`` (default: the file name) with ``path``."""
    if not path.is_file():
        raise InvalidInput("file", _("%(file)s does not exist", file=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", _("%(file)s is not UTF-8 text", file=path)) from None
    source = (source or path.name).strip()[:120]
    rows, rejects = _rows(text)
    numbers: dict[str, date | None] = {}
    for line_no, value, when in rows:
        e164 = normalize(value, country)
        if e164 is None:
            rejects.append(
                (
                    line_no,
                    value,
                    _("not a phone number (national numbers read as %(country)s)", country=country),
                )
            )
            continue
        registered: date | None = None
        if when:
            try:
                registered = date.fromisoformat(when[:10])
            except ValueError:
                rejects.append((line_no, when, _("registered_on is not a date (YYYY-MM-DD)")))
                continue
        numbers[e164] = registered
    now = utcnow()
    existing = {
        number: row_id
        for row_id, number in session.execute(select(DoNotCall.id, DoNotCall.number)).all()
    }
    new = [
        {"number": n, "registered_on": d, "source": source, "imported_at": now}
        for n, d in numbers.items()
        if n not in existing
    ]
    if new:
        session.execute(insert(DoNotCall), new)
    kept = [existing[n] for n in numbers if n in existing]
    for start in range(0, len(kept), 5_000):
        session.execute(
            update(DoNotCall)
            .where(DoNotCall.id.in_(kept[start : start + 5_000]))
            .values(removed_at=None, imported_at=now, source=source)
        )
    # Numbers of this source's previous snapshot that are not in the new file.
    gone_here = [
        row_id
        for row_id, number in session.execute(
            select(DoNotCall.id, DoNotCall.number).where(
                DoNotCall.source == source, DoNotCall.removed_at.is_(None)
            )
        ).all()
        if number not in numbers
    ]
    for start in range(0, len(gone_here), 5_000):
        session.execute(
            update(DoNotCall)
            .where(DoNotCall.id.in_(gone_here[start : start + 5_000]))
            .values(removed_at=now)
        )
    rejected_file = None
    if rejects:
        rejected_file = path.with_name(path.name + ".rejected.csv")
        with rejected_file.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([_("line"), _("value"), _("reason")])
            writer.writerows(neutralised_row(r) for r in sorted(rejects))
    session.flush()
    return RegisterImport(
        source=source,
        read=len(rows) + sum(1 for r in rejects if not r[1]),  # + the lines without a number
        added=len(new),
        kept=len(kept),
        removed=len(gone_here),
        rejected=len(rejects),
        rejected_file=rejected_file,
    )
