"""The score run's purchase and contract features on Spark, with the single-machine path's own
definitions (issue 24, point 1; README, "Architecture — one definition, two engines").

- The relational step — order lines summed per order, joined to the orders before ``as_of``,
  each order's UTC day — is the statement of ``value.features.order_days_sql``, the same text
  SQLite and PostgreSQL run, with Spark's spelling of "the day of a timestamp".
- Everything per customer — purchase days, frequency, recency, T, totals, the first day's
  value, the last year's revenue; the contract figures — is computed by the pure functions of
  ``analytics.purchases`` on the executors (``mapInPandas``), on partitions that hold whole
  customers (range-partitioned by customer id). Those functions work customer by customer,
  so the union of the partitions' results is the single-machine result, row for row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from valuecenter.analytics.purchases import (
    NEVER,
    ContractSummary,
    PurchaseSummary,
    contract_summary_of,
    purchase_days_of,
    summary_from_days,
)
from valuecenter.db.query import Query
from valuecenter.errors import InvalidInput, Unavailable
from valuecenter.i18n import _
from valuecenter.value.features import order_days_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LAKE = ("customers", "orders", "order_lines", "contracts")  # every job reads these
# The contract churn model's contact and survey features (``alerts.contract_features``): read
# by ``alerts run`` and by a score run where that model competes for the risk axis; a lake
# without them can still be scored where it does not (a wholesaler).
CONTACT_TABLES = ("contacts", "contact_reasons", "surveys")
# What the next-best-action feature rows read besides (``offers.features``).
NBA_TABLES = (
    "products", "categories", "cases", "campaign_members", "decision_responses", "score_runs",
    "customer_scores", "alerts",
)  # fmt: skip
OPTIONAL = (*CONTACT_TABLES, *NBA_TABLES)
Batches = Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]

SUMMARY_SCHEMA = (
    "customer_id long, periods long, first_day long, last_day long, total_cents long, "
    "first_cents long, recent_cents long"
)
CONTRACT_SCHEMA = (
    "customer_id long, open_fee_cents long, days_to_end long, renewals double, running boolean, "
    "fees_12m_cents long"
)
_CONTRACTS_SQL = (
    "SELECT customer_id, monthly_fee_cents AS fee, "
    "datediff(start_date, DATE'1970-01-01') AS start, "
    f"coalesce(datediff(end_date, DATE'1970-01-01'), {NEVER}) AS end_day, "
    f"coalesce(datediff(cancelled_at, DATE'1970-01-01'), {NEVER}) AS cancelled, "
    "status = 'renewed' AS renewed, status = 'active' AS active "
    "FROM contracts WHERE start_date < :as_of"
)


# The columns the jobs read: ids and facts, no personal data.
LAKE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "id", "country", "kind", "segment", "language", "customer_since", "account_manager_id",
    ),
    "orders": ("id", "customer_id", "ordered_at"),
    "order_lines": ("id", "order_id", "total_cents", "product_id"),
    "contracts": (
        "id", "customer_id", "monthly_fee_cents", "start_date", "end_date", "cancelled_at",
        "renewed_at", "status", "plan",
    ),
    "contacts": ("id", "customer_id", "started_at", "abandoned", "case_id", "resolved"),
    "contact_reasons": ("id", "contact_id", "position", "reason"),
    "surveys": ("id", "customer_id", "answered_at", "nps"),
    "products": ("id", "external_id", "category_id"),
    "categories": ("id", "code"),
    "cases": ("id", "closed_at"),
    "campaign_members": ("id", "customer_id", "arm", "contacted_at", "responded_at"),
    "decision_responses": ("id", "customer_id", "outcome", "recorded_at"),
    "score_runs": ("id", "as_of"),
    "customer_scores": ("id", "run_id", "customer_id", "clv_cents", "p_alive", "segment"),
    "alerts": ("id", "customer_id", "risk", "status", "raised_on"),
}  # fmt: skip
"""The columns a job reads of each table (a lake's files may hold more: ``export parquet``
writes every column that is not personal; JDBC reads only these)."""
JDBC_JAR = Path("/usr/share/java/postgresql.jar")  # Debian's libpostgresql-jdbc-java
FETCH_SIZE = 10_000  # rows per round trip of a JDBC read


@dataclass(frozen=True)
class Jdbc:
    """The company's PostgreSQL database, read by the executors through JDBC, each table in
    ``partitions`` ranges of its id (Spark's partitioned read)."""

    url: str
    user: str | None
    password: str | None
    bounds: dict[str, tuple[int, int]]  # per table: lowest and highest id

    @classmethod
    def of(cls, database_url: str, bounds: dict[str, tuple[int, int]]) -> Jdbc:
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        if not url.drivername.startswith("postgresql"):
            raise InvalidInput(
                "--source",
                _(
                    "Spark reads the database through JDBC from PostgreSQL only; export a "
                    "SQLite database with valuecenter export parquet DIR and use parquet:DIR"
                ),
            )
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        return cls(f"jdbc:postgresql://{where}", url.username, url.password, bounds)


@dataclass(frozen=True)
class Source:
    """Where a job reads the company's tables — ``parquet:DIR`` (a data lake; ``valuecenter
    export parquet``) or ``db`` (the database, through JDBC) — registered as the session's
    temporary views of the same names, with the columns of :data:`LAKE_COLUMNS`."""

    directory: str | None = None  # a local folder or a URI Spark reads (s3a://, hdfs://, …)
    jdbc: Jdbc | None = None

    @classmethod
    def parse(cls, text: str) -> Source:
        """``parquet:DIR`` (checked here); ``db`` is built with :meth:`database`."""
        kind, _sep, rest = text.partition(":")
        if kind != "parquet" or not rest:
            raise InvalidInput("--source", _("use db or parquet:DIR (a folder of Parquet tables)"))
        if "://" not in rest:  # a local folder is checked here; a lake's URI when read
            missing = [name for name in LAKE if not (Path(rest) / name).is_dir()]
            if missing:
                raise InvalidInput(
                    "--source", _("%(path)s has no %(table)s folder", path=rest, table=missing[0])
                )
        return cls(directory=rest.rstrip("/"))

    @classmethod
    def database(cls, database_url: str, bounds: dict[str, tuple[int, int]]) -> Source:
        return cls(jdbc=Jdbc.of(database_url, bounds))

    @property
    def jars(self) -> tuple[Path, ...]:
        if self.jdbc is None:
            return ()
        if not JDBC_JAR.is_file():
            raise Unavailable(
                _(
                    "--source db: the PostgreSQL JDBC driver %(jar)s is missing; "
                    "apt-get install libpostgresql-jdbc-java",
                    jar=str(JDBC_JAR),
                )
            )
        return (JDBC_JAR,)

    def _parquet(self, spark: SparkSession, name: str) -> DataFrame:
        from pyspark.errors import AnalysisException

        where = f"{self.directory}/{name}"
        try:
            return spark.read.parquet(where)
        except AnalysisException as exc:
            first = str(exc).strip().splitlines()[0][:300]
            raise InvalidInput(
                "--source", _("cannot read %(where)s: %(reason)s", where=where, reason=first)
            ) from None

    def _present(self, name: str) -> bool:
        """Whether the lake has the table (a lake's URI and the database: assumed so)."""
        if self.jdbc is not None or name not in OPTIONAL or "://" in (self.directory or ""):
            return True
        return (Path(self.directory or "") / name).is_dir()

    def register(self, spark: SparkSession) -> None:
        """The tables as temporary views — a lake's with its files' columns, the database's
        with :data:`LAKE_COLUMNS` — and a lake's missing optional tables left out (a statement
        that reads one says so: :func:`missing_table`)."""
        for name in (*LAKE, *OPTIONAL):
            if not self._present(name):
                continue
            columns = list(LAKE_COLUMNS[name])
            if self.jdbc is None:
                frame = self._parquet(spark, name)
            else:
                low, high = self.jdbc.bounds.get(name, (0, 0))
                properties = {"driver": "org.postgresql.Driver", "fetchsize": str(FETCH_SIZE)}
                if self.jdbc.user:
                    properties["user"] = self.jdbc.user
                if self.jdbc.password:
                    properties["password"] = self.jdbc.password
                frame = spark.read.jdbc(
                    self.jdbc.url,
                    f"(SELECT {', '.join(columns)} FROM {name}) AS {name}",
                    column="id",
                    lowerBound=low,
                    upperBound=max(high, low + 1),
                    numPartitions=partitions(spark),
                    properties=properties,
                )
            frame.createOrReplaceTempView(name)


def spark_query(spark: SparkSession) -> Query:
    """The :data:`~valuecenter.db.query.Query` of the registered tables: a statement of the
    single-machine path run by Spark SQL, its rows on the driver. A table the source lacks
    is a one-line error naming it."""
    from pyspark.errors import AnalysisException

    def run(sql: str, params: Mapping[str, object]) -> pd.DataFrame:
        try:
            return spark.sql(sql, args=dict(params)).toPandas()
        except AnalysisException as exc:
            raise missing_table(spark, exc) from None

    return run


def missing_table(spark: SparkSession, exc: Exception) -> Exception:
    """A statement's failure as one line when the source lacks a table or a column the job
    reads (a lake exported before, or by hand); any other failure as it is."""
    condition = getattr(exc, "getCondition", lambda: None)()
    parameters: dict[str, str] = getattr(exc, "getMessageParameters", lambda: {})() or {}
    if condition == "TABLE_OR_VIEW_NOT_FOUND":
        missing = [n for n in OPTIONAL if not spark.catalog.tableExists(n)]
        named = str(parameters.get("relationName", "")).replace("`", "")
        return InvalidInput(
            "--source",
            _(
                "the source has no %(table)s table, which this job reads; export it with "
                "valuecenter export parquet DIR",
                table=named or (missing[0] if missing else "?"),
            ),
        )
    if condition is not None and condition.startswith("UNRESOLVED_COLUMN"):
        return InvalidInput(
            "--source",
            _(
                "the source has no column %(column)s, which this job reads; export it with "
                "valuecenter export parquet DIR",
                column=str(parameters.get("objectName", "?")).replace("`", ""),
            ),
        )
    return exc


def partitions(spark: SparkSession) -> int:
    """Partitions of the per-customer steps: four per core of the cluster, so a slow one does
    not hold up the stage and each stays far below an executor's memory."""
    return max(2, 4 * spark.sparkContext.defaultParallelism)


def _whole(batches: Iterator[pd.DataFrame]) -> pd.DataFrame | None:
    """A partition's rows in one frame (its customers are whole only together), or None."""
    frames = list(batches)
    return pd.concat(frames, ignore_index=True) if frames else None


def frame_of(summary: PurchaseSummary | ContractSummary) -> pd.DataFrame:
    """A summary's per-customer arrays as columns of the same names."""
    return pd.DataFrame(
        {f.name: getattr(summary, f.name) for f in fields(summary) if f.name != "as_of"}
    )


def purchases_of(frame: pd.DataFrame, as_of: date) -> PurchaseSummary:
    """:class:`PurchaseSummary` from the columns of :func:`frame_of`."""
    names = [f.name for f in fields(PurchaseSummary) if f.name != "as_of"]
    return PurchaseSummary(as_of, *(frame[name].to_numpy(np.int64) for name in names))


def contracts_of(frame: pd.DataFrame) -> ContractSummary:
    """:class:`ContractSummary` from the columns of :func:`frame_of`."""
    return ContractSummary(
        customer_id=frame["customer_id"].to_numpy(np.int64),
        open_fee_cents=frame["open_fee_cents"].to_numpy(np.int64),
        days_to_end=frame["days_to_end"].to_numpy(np.int64),
        renewals=frame["renewals"].to_numpy(np.float64),
        running=frame["running"].to_numpy(bool),
        fees_12m_cents=frame["fees_12m_cents"].to_numpy(np.int64),
    )


def _summaries(as_of: date) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rows = _whole(batches)
        if rows is None:
            return
        days = purchase_days_of(
            rows["customer_id"].to_numpy(np.int64),
            rows["d"].to_numpy(np.int64),
            rows["v"].to_numpy(np.int64),
        )
        yield frame_of(summary_from_days(as_of, days))

    return run


def purchase_summaries(spark: SparkSession, as_of: date) -> DataFrame:
    """One row per customer with a purchase before ``as_of``: the columns of
    :class:`~valuecenter.analytics.purchases.PurchaseSummary`."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    orders = spark.sql(order_days_sql("spark", ":end"), args={"end": end})
    return orders.repartitionByRange(partitions(spark), "customer_id").mapInPandas(
        _summaries(as_of), SUMMARY_SCHEMA
    )


def _contracts(as_of: date) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rows = _whole(batches)
        if rows is None:
            return
        yield frame_of(
            contract_summary_of(
                as_of,
                rows["customer_id"].to_numpy(np.int64),
                rows["fee"].to_numpy(np.int64),
                rows["start"].to_numpy(np.int64),
                rows["end_day"].to_numpy(np.int64),
                rows["cancelled"].to_numpy(np.int64),
                rows["renewed"].to_numpy(bool),
                rows["active"].to_numpy(bool),
            )
        )

    return run


def contract_summaries(spark: SparkSession, as_of: date) -> DataFrame:
    """One row per customer with a contract that started before ``as_of``: the columns of
    :class:`~valuecenter.analytics.purchases.ContractSummary`."""
    rows = spark.sql(_CONTRACTS_SQL, args={"as_of": as_of})
    return rows.repartitionByRange(partitions(spark), "customer_id").mapInPandas(
        _contracts(as_of), CONTRACT_SCHEMA
    )


def _sorted(frame: DataFrame) -> pd.DataFrame:
    collected = frame.toPandas()
    return collected.sort_values("customer_id", kind="stable").reset_index(drop=True)


def collect_purchases(frame: DataFrame, as_of: date) -> PurchaseSummary:
    """The per-customer rows on the driver, by ascending customer id."""
    return purchases_of(_sorted(frame), as_of)


def collect_contracts(frame: DataFrame) -> ContractSummary:
    return contracts_of(_sorted(frame))
