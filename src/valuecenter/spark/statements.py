"""The single-machine path's SQLAlchemy statements, run by Spark SQL (issue 24: "SQL kept in one
dialect"): a Core ``SELECT`` is compiled by SQLAlchemy's PostgreSQL compiler — whose SQL
(``CAST``, ``count(DISTINCT …)``, ``coalesce``, window functions, ``IS NOT NULL``) Spark SQL
reads as written — with identifiers quoted in backticks, as Spark quotes them, and named
parameters (``:name``), which Spark binds itself. The tables are the temporary views that
``spark.features.Source.register`` made, under the tables' own names. The statement stays the
one the database runs (``offers.features.compute_features``), so there is no second
definition to keep in step.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql.base import PGDialect, PGIdentifierPreparer
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.elements import ClauseElement

from valuecenter.db.query import Rows
from valuecenter.spark.features import missing_table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class _Backticks(PGIdentifierPreparer):
    def __init__(self, dialect: Any) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`")


class _SparkDialect(PGDialect):
    """PostgreSQL's compiler with Spark's quoting; never connects."""

    preparer = _Backticks  # type: ignore[assignment]
    name = "spark"


_DIALECT = _SparkDialect(paramstyle="named")  # type: ignore[no-untyped-call]


def _value(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


def spark_sql(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """The statement as Spark SQL text and its parameters (``in_`` lists expanded)."""
    compiled: Compiled = cast(ClauseElement, statement).compile(dialect=_DIALECT)
    state = compiled.construct_expanded_state(dict(params or {}))  # type: ignore[attr-defined]
    return str(state.statement), {k: _value(v) for k, v in state.parameters.items()}


def spark_rows(spark: SparkSession) -> Rows:
    """The :data:`~valuecenter.db.query.Rows` of the session's registered tables: each row a
    tuple, timestamps as UTC-aware datetimes (Arrow's, with the session in UTC)."""
    from pyspark.errors import AnalysisException

    def run(
        statement: Executable, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        sql, args = spark_sql(statement, params)
        try:
            table = spark.sql(sql, args=args).toArrow()
        except AnalysisException as exc:
            raise missing_table(spark, exc) from None
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    return run
