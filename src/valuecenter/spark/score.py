"""The score run's value columns on Spark: what ``value.service.run_score`` computes before the
risk axis — revenue, purchases, recency, RFM, P(alive), expected purchases, CLV, the contract
value — for every customer, with the single-machine path's functions (``value.figures``).

What runs where (docs/scale-out.md, "What runs on the driver"):

- executors: the features (``spark.features``), then each customer's columns from his own
  features and the fitted parameters (``mapInPandas`` over partitions of whole customers);
- driver: the fits that need every customer — BG/NBD and Gamma-Gamma on the buyers' (x, t_x,
  T, monetary), the sBG on the contract customers' renewals, and RFM's quintile cuts — on the
  per-customer features collected there, with the existing code. Identical inputs in the
  same order (ascending customer id) give identical parameters and cuts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from valuecenter.alerts.risk_source import CHURN_MODEL
from valuecenter.analytics.clv.sbg import SbgFit
from valuecenter.analytics.purchases import (
    PurchaseDays,
    purchase_days_of,
)
from valuecenter.analytics.rfm import RfmCuts
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.spark.features import (
    Batches,
    collect_contracts,
    collect_purchases,
    contract_summaries,
    contracts_of,
    partitions,
    purchase_summaries,
    purchases_of,
    spark_query,
)
from valuecenter.value.features import order_days_sql
from valuecenter.value.figures import (
    ValueModels,
    combine,
    contract_values,
    fit_renewal_model,
    fit_value_models,
    purchase_columns,
    renewal_params,
    rfm_cuts,
)
from valuecenter.value.risk import PURCHASE_SOURCES, RiskAxis, RiskInput
from valuecenter.value.segments import Segmentation
from valuecenter.value.service import ScoreOptions, assess, check_options, no_buyers

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

PURCHASE_SCHEMA = (
    "customer_id long, revenue_12m_cents long, revenue_cents long, purchases long, "
    "recency_days long, r long, f long, m long, rfm_segment string, p_alive double, "
    "expected_purchases double, clv_cents double"
)
CONTRACT_SCHEMA = (
    "customer_id long, contract_clv_cents double, contract_p_alive double, "
    "contract_running boolean, contract_12m_cents long"
)
VALUE_SCHEMA = (
    "customer_id long, revenue_12m_cents long, revenue_cents long, purchases long, "
    "recency_days long, r long, f long, m long, rfm_segment string, p_alive double, "
    "expected_purchases double, clv_cents double, bgnbd_p_alive double"
)  # bgnbd_p_alive: the buyer's BG/NBD P(alive) before a running contract overrides it
VALUE_COLUMNS = [part.split()[0] for part in VALUE_SCHEMA.split(", ")][:-1]  # as stored


@dataclass(frozen=True)
class ValueRun:
    """The fitted models (as the run stores them) and the value columns, one row per
    customer of the customers table."""

    as_of: date
    models: ValueModels
    params: dict[str, object]
    cuts: RfmCuts
    columns: DataFrame
    buyers: int  # customers with a purchase before as_of
    contract_customers: int  # customers with a contract that started before as_of


def _purchases(
    models: ValueModels, cuts: RfmCuts, as_of: date, horizon_months: int, discount_rate: float
) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            f = purchases_of(batch, as_of)
            yield purchase_columns(models, cuts, f, horizon_months, discount_rate)

    return run


def _contracts(fit: SbgFit | None, horizon_months: int, discount_rate: float) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield contract_values(fit, contracts_of(batch), horizon_months, discount_rate)

    return run


def _combined(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        purchase_alive = batch["p_alive"].to_numpy(np.float64)
        out = combine(batch)[VALUE_COLUMNS]
        yield out.assign(bgnbd_p_alive=purchase_alive)


def value_run(
    spark: SparkSession, as_of: date, horizon_months: int = 12, discount_rate: float = 0.10
) -> ValueRun:
    """Fit the value models on the driver and define the value columns of every customer (a
    lazy frame: it runs when written or collected)."""
    summaries = purchase_summaries(spark, as_of).persist()
    features = collect_purchases(summaries, as_of)
    if len(features.customer_id) == 0:
        raise no_buyers(as_of)
    models = fit_value_models(features)
    cuts = rfm_cuts(features)
    params = dict(models.params)
    purchase = summaries.mapInPandas(
        _purchases(models, cuts, as_of, horizon_months, discount_rate), PURCHASE_SCHEMA
    )
    contract_rows = contract_summaries(spark, as_of).persist()
    contracts = collect_contracts(contract_rows)
    renewal = fit_renewal_model(contracts)
    if renewal is not None:
        params["sbg"] = renewal_params(renewal)
    contract = contract_rows.mapInPandas(
        _contracts(renewal, horizon_months, discount_rate), CONTRACT_SCHEMA
    )
    everyone = spark.table("customers").selectExpr("CAST(id AS BIGINT) AS customer_id")
    joined = everyone.join(purchase, "customer_id", "left").join(contract, "customer_id", "left")
    columns = joined.repartitionByRange(partitions(spark), "customer_id").mapInPandas(
        _combined, VALUE_SCHEMA
    )
    return ValueRun(
        as_of,
        models,
        params,
        cuts,
        columns,
        buyers=len(features.customer_id),
        contract_customers=len(contracts.customer_id),
    )


def latest_order_day(spark: SparkSession) -> date | None:
    """The UTC day of the latest order (the default ``as_of`` is the day after)."""
    row = spark.sql("SELECT CAST(max(ordered_at) AS DATE) AS day FROM orders").first()
    return None if row is None or row["day"] is None else row["day"]


def customer_days(spark: SparkSession, as_of: date) -> PurchaseDays:
    """Every customer-day with an order before ``as_of``, on the driver (the risk axis reads
    them: docs/scale-out.md, "What runs on the driver"), as the single-machine run has them."""
    from pyspark.sql import functions as F  # noqa: N812

    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    rows = (
        spark.sql(order_days_sql("spark", ":end"), args={"end": end})
        .groupBy("customer_id", "d")
        .agg(F.sum("v").alias("v"))
        .orderBy("customer_id", "d")  # sorted by Spark: the driver keeps one copy of each
        .toArrow()
    )
    columns = []
    for name in ("customer_id", "d", "v"):  # each column's Arrow buffers freed once read
        columns.append(np.asarray(rows.column(name).to_numpy(), dtype=np.int64))
        rows = rows.drop_columns([name])
    del rows
    return purchase_days_of(*columns)


def countries(spark: SparkSession) -> tuple[np.ndarray, list[str | None]]:
    table = spark.sql("SELECT id, country FROM customers ORDER BY id").toArrow()
    return table.column("id").to_numpy().astype(np.int64), table.column("country").to_pylist()


@dataclass(frozen=True)
class SparkScore:
    """A score run computed on Spark: what ``value.service.store`` writes."""

    as_of: date
    params: dict[str, object]
    frame: pd.DataFrame  # one row per customer, the columns of customer_scores
    axis: RiskAxis


def spark_score(
    spark: SparkSession,
    segmentation: Segmentation,
    options: ScoreOptions,
    step: Callable[[str], None] = lambda _message: None,
) -> SparkScore:
    """The score run of ``value.service.run_score`` with the features, the value columns and
    the contract values computed on Spark, the fits, the risk axis and the segments on the
    driver. ``step`` hears of each stage (the CLI's progress)."""
    check_options(options)
    latest = latest_order_day(spark)
    if latest is None:
        raise InvalidInput("orders", _("there are no orders to score; import orders first"))
    as_of = options.as_of or latest + timedelta(days=1)
    step(_("features and value models…"))
    run = value_run(spark, as_of, options.horizon_months, options.discount_rate)
    if run.buyers == 0:
        raise no_buyers(as_of)
    step(_("value columns of every customer…"))
    frame = run.columns.toPandas()
    if not frame["customer_id"].is_monotonic_increasing:  # range partitions: usually sorted
        frame = frame.sort_values("customer_id", kind="stable")
    frame = frame.reset_index(drop=True)
    step(_("risk axis and segments…"))
    days = customer_days(spark, as_of)
    buyers = frame["purchases"].to_numpy() > 0
    risk_input = RiskInput(
        session=None,
        as_of=as_of,
        horizon_days=options.risk_horizon_days,
        days=days,
        bgnbd_p_alive=pd.Series(
            frame.loc[buyers, "bgnbd_p_alive"].to_numpy(np.float64),
            index=frame.loc[buyers, "customer_id"].to_numpy(np.int64),
        ),
        scored=int(frame["clv_cents"].notna().sum()),
        validation_sample=options.validation_sample,
        countries=countries(spark),
        query=spark_query(spark),
    )
    sources = [*PURCHASE_SOURCES, CHURN_MODEL]
    axis = assess(frame, risk_input, sources, segmentation, options)
    params = dict(run.params)
    params["risk"] = axis.described
    return SparkScore(as_of, params, frame.drop(columns=["bgnbd_p_alive"]), axis)
