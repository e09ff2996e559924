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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from valuecenter.analytics.clv.sbg import SbgFit
from valuecenter.analytics.purchases import ContractSummary, PurchaseSummary
from valuecenter.analytics.rfm import RfmCuts
from valuecenter.spark.features import (
    Batches,
    collect_contracts,
    collect_purchases,
    contract_summaries,
    partitions,
    purchase_summaries,
)
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
    "expected_purchases double, clv_cents double"
)
VALUE_COLUMNS = [part.split()[0] for part in VALUE_SCHEMA.split(", ")]


@dataclass(frozen=True)
class ValueRun:
    """The fitted models (as the run stores them) and the value columns, one row per
    customer of the customers table."""

    as_of: date
    models: ValueModels
    params: dict[str, object]
    cuts: RfmCuts
    columns: DataFrame


def _summary_of(batch: pd.DataFrame, as_of: date) -> PurchaseSummary:
    def ints(name: str) -> np.ndarray:
        return batch[name].to_numpy(np.int64)

    return PurchaseSummary(
        as_of,
        ints("customer_id"),
        ints("periods"),
        ints("first_day"),
        ints("last_day"),
        ints("total_cents"),
        ints("first_cents"),
        ints("recent_cents"),
    )


def _purchases(
    models: ValueModels, cuts: RfmCuts, as_of: date, horizon_months: int, discount_rate: float
) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            f = _summary_of(batch, as_of)
            yield purchase_columns(models, cuts, f, horizon_months, discount_rate)

    return run


def _contracts(fit: SbgFit | None, horizon_months: int, discount_rate: float) -> Batches:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for b in batches:
            c = ContractSummary(
                customer_id=b["customer_id"].to_numpy(np.int64),
                open_fee_cents=b["open_fee_cents"].to_numpy(np.int64),
                days_to_end=b["days_to_end"].to_numpy(np.int64),
                renewals=b["renewals"].to_numpy(np.float64),
                running=b["running"].to_numpy(bool),
                fees_12m_cents=b["fees_12m_cents"].to_numpy(np.int64),
            )
            yield contract_values(fit, c, horizon_months, discount_rate)

    return run


def _combined(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        yield combine(batch)[VALUE_COLUMNS]


def value_run(
    spark: SparkSession, as_of: date, horizon_months: int = 12, discount_rate: float = 0.10
) -> ValueRun:
    """Fit the value models on the driver and define the value columns of every customer (a
    lazy frame: it runs when written or collected)."""
    summaries = purchase_summaries(spark, as_of).persist()
    features = collect_purchases(summaries, as_of)
    models = fit_value_models(features)
    cuts = rfm_cuts(features)
    params = dict(models.params)
    purchase = summaries.mapInPandas(
        _purchases(models, cuts, as_of, horizon_months, discount_rate), PURCHASE_SCHEMA
    )
    contract_rows = contract_summaries(spark, as_of).persist()
    renewal = fit_renewal_model(collect_contracts(contract_rows))
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
    return ValueRun(as_of, models, params, cuts, columns)
