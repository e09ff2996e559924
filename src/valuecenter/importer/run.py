"""One load of one file: the connection, the validated rows, what the load created, and the
one way every loader inserts rows (through the bulk path when the load is large)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from valuecenter.db.base import utcnow
from valuecenter.db.bulk import Db
from valuecenter.i18n import N_
from valuecenter.importer import bulk
from valuecenter.importer.validate import FIRST_LINE, Validated

UNKNOWN = {
    "customer": N_("unknown customer '%(value)s'"),
    "agent": N_("unknown agent '%(value)s'"),
    "campaign": N_("unknown campaign '%(value)s'"),
    "contact": N_("unknown contact '%(value)s'"),
}
"""The reason of a row whose reference is not stored, by the reference's label."""
UNKNOWN_THING = N_("unknown %(what)s '%(value)s'")


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Run:
    """One load: the connection, the validated rows and what the load created."""

    db: Db
    v: Validated
    create_customers: bool
    step: Callable[[int], None] | None
    created: dict[str, int] = field(default_factory=dict)
    now: datetime = field(default_factory=utcnow)

    def count_created(self, table: str, n: int) -> None:
        if n > 0:
            self.created[table] = self.created.get(table, 0) + n

    @property
    def params(self) -> dict[str, object]:
        return {"now": self.now, "yes": True, "no": False}

    def reject_lines(self, lines: Sequence[int], messages: Sequence[str]) -> None:
        positions = np.asarray(lines, dtype=np.int64) - FIRST_LINE
        self.v.rejects.add_positions(positions.tolist(), list(messages))


def insert(run: Run, table: str, sql: str, upper: int, exact: str | None = None) -> int:
    """Run the plain ``INSERT`` ``sql`` into ``table``, through the bulk path when it is large.

    ``upper`` bounds the number of new rows; ``exact`` (a ``SELECT count``) gives it, and is
    run only when the bound is large enough for the bulk path to be possible."""
    db = run.db
    new_rows = upper
    if exact is not None and db.pg and upper >= bulk.BULK_MIN_ROWS:
        new_rows = int(db.scalar(exact))
    if not bulk.bulk_wanted(db.conn, table, new_rows):
        return db.rowcount(sql, run.params)
    with bulk.rebuilt_constraints(db.conn, table):
        return db.rowcount(sql, run.params)
