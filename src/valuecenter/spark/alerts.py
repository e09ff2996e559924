"""The alert run's history on Spark (``valuecenter alerts run --engine spark``; issue 24): the
customer-days of the orders (the relational step of ``value.features.order_days_sql``, the
same statement the single-machine run reads) and every customer's country are computed by
Spark and collected on the driver; the contract churn model reads its contracts, contacts
and surveys with the statements of ``alerts.contract_features`` run by Spark SQL
(``spark.features.spark_query``). The models, the alerts and the market dips are the
single-machine run's own (``alerts.service.run_alerts``), written into the database in one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from valuecenter.alerts.service import History, Read
from valuecenter.spark.features import spark_query
from valuecenter.spark.score import countries, customer_days

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_history(
    spark: SparkSession, known: tuple[npt.NDArray[np.int64], Sequence[str | None]] | None = None
) -> Read:
    """The :data:`~valuecenter.alerts.service.Read` of the session's registered tables
    (``known``: every customer's id and country when the caller has read them already)."""
    query = spark_query(spark)
    known = countries(spark) if known is None else known

    def read(_session: Session, as_of: date) -> History:
        return History(customer_days(spark, as_of), known, query)

    return read
