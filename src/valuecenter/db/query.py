"""One SQL statement, run the same way on every engine the product reads from: SQLite and
PostgreSQL here, Spark SQL in ``valuecenter.spark`` (issue 24: "one definition of the
features, two engines"). Two shapes:

- a :data:`Query` takes plain SQL over the tables' own names and columns, ``:name``
  parameters, and returns its rows as a pandas frame with the statement's column names
  (``alerts.contract_features``);
- :data:`Rows` takes a SQLAlchemy Core ``SELECT`` — the statements the single-machine path
  already runs — and returns its rows as tuples; Spark runs the statement compiled to its
  dialect (``spark.statements``), so the statement is still written once
  (``offers.features``).

Features written either way are defined once and run wherever the company's tables are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Executable, text
from sqlalchemy.orm import Session

Query = Callable[[str, Mapping[str, object]], pd.DataFrame]
Reader = Session | Query  # a session is read through :func:`database_query`
Rows = Callable[[Executable, Mapping[str, Any] | None], Sequence[tuple[Any, ...]]]
"""A SQLAlchemy Core ``SELECT`` (the single-machine path's own statement, with its
parameters) run by an engine, its rows as tuples: :func:`database_rows` here,
``spark.statements.spark_rows`` on Spark (the same statement compiled to Spark SQL)."""


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


def database_rows(session: Session) -> Rows:
    """The :data:`Rows` of the session's database, inside its transaction."""

    def run(
        statement: Executable, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in session.execute(statement, dict(params or {})).all()]

    return run


def query_of(reader: Reader) -> Query:
    return database_query(reader) if isinstance(reader, Session) else reader
