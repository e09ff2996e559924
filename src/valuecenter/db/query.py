"""One SQL statement, run the same way on every engine the product reads from: SQLite and
PostgreSQL here, Spark SQL in ``valuecenter.spark`` (issue 24: "one definition of the
features, two engines"). A :data:`Query` takes the statement — plain SQL over the tables'
own names and columns, ``:name`` parameters — and returns its rows as a pandas frame with the
statement's column names. Features written as such statements (``alerts.contract_features``)
are defined once and run wherever the company's tables are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

Query = Callable[[str, Mapping[str, object]], pd.DataFrame]
Reader = Session | Query  # a session is read through :func:`database_query`


def _sqlite_value(value: object) -> object:
    """A parameter as SQLite stores its column: timestamps as UTC text with microseconds
    (``db.base.UTCDateTime`` through SQLAlchemy's DATETIME), days as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; valuecenter compares UTC-aware timestamps")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def database_query(session: Session) -> Query:
    """The :data:`Query` of the session's database, inside its transaction."""
    sqlite = session.connection().dialect.name == "sqlite"

    def run(sql: str, params: Mapping[str, object]) -> pd.DataFrame:
        bound = {k: _sqlite_value(v) if sqlite else v for k, v in params.items()}
        result = session.execute(text(sql), bound)
        return pd.DataFrame([tuple(r) for r in result.all()], columns=list(result.keys()))

    return run


def query_of(reader: Reader) -> Query:
    return database_query(reader) if isinstance(reader, Session) else reader
