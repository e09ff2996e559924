"""The importer's public API: ``import_frame`` and ``import_file``.

Neither commits: the caller's unit of work does (``db/uow.py`` for the CLI and jobs), so a
load is one transaction and a failure or a kill leaves no partial rows. Bad rows do not stop
a load; they are returned (and written next to the file as ``NAME.rejected.csv``) with their
line number (the header is line 1) and a readable reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from valuecenter.csv_export import neutralised_frame
from valuecenter.db.bulk import Db
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.importer.convert import Formats
from valuecenter.importer.entities import ENTITIES, SPECS, Entity
from valuecenter.importer.loaders import load
from valuecenter.importer.lock import lock_import_tables
from valuecenter.importer.readers import read_file
from valuecenter.importer.run import Run
from valuecenter.importer.validate import FIRST_LINE, canonical_names, check_columns, validate

__all__ = ["ENTITIES", "ImportOptions", "ImportResult", "import_file", "import_frame"]

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to read the input. The defaults suit an ISO, comma-separated UTF-8 export."""

    sep: str | None = None  # CSV separator; None = sniff (',', ';', '\t', '|')
    mapping: Mapping[str, str] = field(default_factory=dict)  # input column -> canonical
    date_format: str | None = None  # strftime format for dates and timestamps
    decimal: str = "."  # "," for Dutch exports (then "." groups thousands)
    create_customers: bool = False
    sheet: str | None = None  # XLSX sheet (default: the first)
    timezone: str = "UTC"  # zone of naive timestamps in the input; stored as UTC
    horizon_days: int = 365  # a date more than this many days after today is refused


@dataclass(frozen=True)
class ImportResult:
    entity: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejected_file: str | None
    seconds: float
    created: dict[str, int]
    ignored_columns: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejected_file": self.rejected_file,
            "seconds": round(self.seconds, 3),
            "created": dict(self.created),
            "ignored_columns": list(self.ignored_columns),
        }


def entity_spec(entity: str) -> Entity:
    """The entity called ``entity``, or a one-line error listing the valid ones."""
    spec = SPECS.get(entity.strip().lower().replace("-", "_"))
    if spec is None:
        raise InvalidInput(
            "entity",
            _(
                "unknown entity '%(entity)s' (one of: %(choices)s)",
                entity=entity,
                choices=", ".join(ENTITIES),
            ),
        )
    return spec


def _check_options(options: ImportOptions) -> Formats:
    if options.decimal not in (".", ","):
        raise InvalidInput("--decimal", _("'%(value)s' is not '.' or ','", value=options.decimal))
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(options.timezone)
    except (KeyError, ValueError, OSError) as exc:
        raise InvalidInput(
            "--timezone", _("unknown time zone '%(zone)s'", zone=options.timezone)
        ) from exc
    if options.date_format is not None and "%" not in options.date_format:
        raise InvalidInput(
            "--date-format",
            _(
                "'%(value)s' has no %% directives (e.g. %%d-%%m-%%Y)",
                value=options.date_format,
            ),
        )
    return Formats(options.date_format, options.decimal, options.timezone, options.horizon_days)


def import_frame(
    session: Session,
    entity: str,
    frame: pd.DataFrame,
    *,
    options: ImportOptions = ImportOptions(),
    progress: ProgressCallback | None = None,
    on_wait: Callable[[], None] | None = None,
) -> tuple[ImportResult, pd.DataFrame]:
    """Validate ``frame`` and load its good rows; return the result and the rejected rows
    (columns ``line``, ``reason`` and the frame's own columns). Does not commit.

    Before it reads the database it takes the import lock (``importer/lock.py``) for the
    rest of the transaction: another import running at the same time is waited for
    (``on_wait`` is called first), so two imports of one file give the counts of one."""
    started = time.perf_counter()
    spec = entity_spec(entity)
    formats = _check_options(options)
    frame = frame.reset_index(drop=True)
    names = canonical_names(frame.columns, spec, options.mapping)
    check_columns(frame.columns, spec, names)
    canonical = frame[list(names)].rename(columns=names)
    ignored = tuple(str(c) for c in frame.columns if c not in names)
    validated = validate(canonical, spec, formats)
    total = len(frame)
    done = 0

    def step(rows: int) -> None:
        nonlocal done
        done = min(total, done + rows)
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    lock_import_tables(session, on_wait)
    db = Db(session)
    db.tune()
    run = Run(db, validated, options.create_customers, step)
    try:
        counts = load(run, spec)
    except BaseException:
        db.abandon()
        raise
    db.finish()
    if progress is not None:
        progress(total, total)
    bad = np.flatnonzero(validated.rejects.bad)
    rejected = frame.iloc[bad].copy()
    rejected.insert(0, "reason", validated.rejects.reasons[bad].astype(str))
    rejected.insert(0, "line", bad + FIRST_LINE)
    result = ImportResult(
        entity=spec.name,
        read=total,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=len(bad),
        rejected_file=None,
        seconds=time.perf_counter() - started,
        created=dict(sorted(run.created.items())),
        ignored_columns=ignored,
    )
    return result, rejected.reset_index(drop=True)


def rejected_headers() -> dict[str, str]:
    """The headers of ``NAME.rejected.csv``'s own columns (``line``, ``reason``) in the current
    language; the file's columns keep their names."""
    return {"line": _("line"), "reason": _("reason")}


def rejected_path(path: Path) -> Path:
    """``orders.csv`` -> ``orders.rejected.csv`` (next to the file)."""
    return path.with_name(f"{path.stem}.rejected.csv")


def import_file(
    session: Session,
    entity: str,
    path: Path,
    *,
    options: ImportOptions = ImportOptions(),
    progress: ProgressCallback | None = None,
    on_wait: Callable[[], None] | None = None,
) -> ImportResult:
    """Read ``path`` (CSV, Parquet or XLSX), import it, and write ``NAME.rejected.csv`` when
    rows were rejected (removing a stale one when none were). Does not commit."""
    started = time.perf_counter()
    spec = entity_spec(entity)
    _check_options(options)
    path = Path(path)
    frame = read_file(path, sep=options.sep, sheet=options.sheet)
    result, rejected = import_frame(
        session, spec.name, frame, options=options, progress=progress, on_wait=on_wait
    )
    out = rejected_path(path)
    written: str | None = None
    if len(rejected):
        rejected = rejected.rename(columns=rejected_headers())
        sep = str(frame.attrs.get("sep", ","))
        neutralised_frame(rejected).to_csv(out, index=False, sep=sep)
        written = str(out)
    elif out.exists():
        out.unlink()
    return replace(result, rejected_file=written, seconds=time.perf_counter() - started)
