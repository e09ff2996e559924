"""The score run: every customer's revenue, RFM, CLV, P(alive) and value segment, in one
transaction, under one run id.

1. Purchase features per customer in the database (``features.py``).
2. BG/NBD (Fader, Hardie & Lee 2005) on frequency / recency / T in weeks, Gamma-Gamma (Fader &
   Hardie 2013) on the repeat buyers' mean repeat-day value, fitted by maximum likelihood
   (``figures.py``, on ``valuecenter.analytics.clv``; the Spark path of ``valuecenter.spark``
   runs the same functions).
3. For every customer with a purchase: P(alive), expected purchases over the horizon, CLV =
   discounted expected purchases per month × expected average value (monthly discounting of
   the yearly rate), RFM quintile scores and segment (``valuecenter.analytics.rfm``), and the
   value segment of the manager's grid (``segments.py``): the tier by CLV, the risk by the
   best validated risk model of the run (``risk.py``: out-of-time AUC, calibrated chance of
   leaving, precision-based at-risk cut). Customers without a purchase get the segment
   ``no-purchases`` and no model figures.
   Returns and credit notes are normal: a customer whose net spend is ≤ 0 — over all his
   purchases, or per repeat purchase — is left out of the Gamma-Gamma fit (the model needs a
   positive spend) and counted (``models.gamma_gamma.net_spend_not_positive``); he still gets
   P(alive) and expected purchases from the BG/NBD, and his CLV is 0 (no spend is projected
   for a customer whose returns cancel his purchases). The run never fails on him.
4. One ``score_runs`` row (run id, times, fitted parameters, the segment definitions used) and
   one ``customer_scores`` row per customer, bulk-staged and inserted set-based.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from valuecenter.analytics.purchases import summary_from_days
from valuecenter.customers.models import Customer
from valuecenter.db.base import Base, utcnow
from valuecenter.db.bulk import insert_frame
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_date
from valuecenter.value.features import contract_summary, latest_order_day, purchase_days
from valuecenter.value.figures import (
    combine,
    contract_values,
    fit_renewal_model,
    fit_value_models,
    purchase_columns,
    renewal_params,
    rfm_cuts,
)
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.value.risk import (
    AT_RISK_PRECISION,
    PURCHASE_SOURCES,
    RISK_HORIZON_DAYS,
    VALIDATION_SAMPLE,
    RiskAxis,
    RiskInput,
    RiskSource,
    risk_axis,
)
from valuecenter.value.segments import NOT_SCORED, Segmentation


@dataclass(frozen=True)
class ScoreOptions:
    as_of: date | None = None  # default: the day after the latest order
    horizon_months: int = 12
    discount_rate: float = 0.10  # yearly
    risk_horizon_days: int = RISK_HORIZON_DAYS  # the risk models: leaving within these days
    at_risk_precision: float = AT_RISK_PRECISION  # validated precision of the at-risk group
    # Customers of the validation cut the risk candidates are judged on (a stratified random
    # sample; None: all of them). Today's scores cover every customer either way.
    validation_sample: int | None = VALIDATION_SAMPLE


def check_options(options: ScoreOptions) -> None:
    if not 1 <= options.horizon_months <= 120:
        raise InvalidInput(
            "--horizon-months", _("%(value)s is outside 1–120", value=options.horizon_months)
        )
    if not 0.0 <= options.discount_rate < 1.0:
        raise InvalidInput("--discount-rate", _("needs a yearly rate from 0 up to 1 (e.g. 0.1)"))
    if not 30 <= options.risk_horizon_days <= 730:
        raise InvalidInput(
            "--risk-horizon-days", _("%(value)s is outside 30–730", value=options.risk_horizon_days)
        )
    if not 0.0 < options.at_risk_precision <= 1.0:
        raise InvalidInput("--at-risk-precision", _("needs a share above 0 and up to 1"))


def run_score(
    session: Session,
    segmentation: Segmentation,
    options: ScoreOptions | None = None,
    risk_sources: Sequence[RiskSource] = (),
) -> ScoreRun:
    """Score every customer; return the stored run (flushed, not committed). The risk axis
    comes from the best validated of the purchase models and ``risk_sources`` (value/risk.py).

    With one BLAS thread: the run's linear algebra is small (fits of a few parameters, a
    13-column regression) and the idle threads of a multi-threaded BLAS spin on each of the
    thousands of tiny steps of L-BFGS-B (measured: 84 ms of CPU per 4-parameter minimisation
    with two threads, 4 ms with one), taking the CPU the rest of the run needs."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_score(session, segmentation, options, risk_sources)


def _run_score(
    session: Session,
    segmentation: Segmentation,
    options: ScoreOptions | None,
    risk_sources: Sequence[RiskSource],
) -> ScoreRun:
    options = options or ScoreOptions()
    check_options(options)
    began = time.perf_counter()
    started = utcnow()
    latest = latest_order_day(session)
    if latest is None:
        raise InvalidInput("orders", _("there are no orders to score; import orders first"))
    as_of = options.as_of or latest + timedelta(days=1)
    days = purchase_days(session, as_of)  # one pass over the orders serves both
    features = summary_from_days(as_of, days)
    if len(features.customer_id) == 0:
        raise no_buyers(as_of)
    models = fit_value_models(features)
    params = models.params
    orders = purchase_columns(
        models, rfm_cuts(features), features, options.horizon_months, options.discount_rate
    )
    contracts = contract_summary(session, as_of)
    renewal = fit_renewal_model(contracts)
    if renewal is not None:
        params["sbg"] = renewal_params(renewal)
    contract_frame = contract_values(
        renewal, contracts, options.horizon_months, options.discount_rate
    )
    everyone = np.asarray(session.scalars(select(Customer.id).order_by(Customer.id)).all())
    frame = pd.DataFrame({"customer_id": everyone}).merge(orders, on="customer_id", how="left")
    frame = combine(frame.merge(contract_frame, on="customer_id", how="left"))
    risk_input = RiskInput(
        session=session,
        as_of=as_of,
        horizon_days=options.risk_horizon_days,
        days=days,
        bgnbd_p_alive=pd.Series(orders["p_alive"].to_numpy(), index=features.customer_id),
        scored=int(frame["clv_cents"].notna().sum()),
        validation_sample=options.validation_sample,
    )
    axis = assess(frame, risk_input, [*PURCHASE_SOURCES, *risk_sources], segmentation, options)
    params["risk"] = axis.described
    return store(session, frame, params, axis, as_of, segmentation, options, started, began)


def no_buyers(as_of: date) -> InvalidInput:
    return InvalidInput(
        "--as-of", _("no customer bought anything before %(day)s", day=format_date(as_of))
    )


def assess(
    frame: pd.DataFrame,
    risk_input: RiskInput,
    sources: Sequence[RiskSource],
    segmentation: Segmentation,
    options: ScoreOptions,
) -> RiskAxis:
    """The risk axis of the scored customers (those with a CLV) and every customer's value
    segment, added to ``frame`` (columns ``segment``, ``risk``, ``risk_model``)."""
    scored_mask = frame["clv_cents"].notna().to_numpy()
    axis = risk_axis(
        risk_input,
        sources,
        frame.loc[scored_mask, "customer_id"].to_numpy(dtype=np.int64),
        frame.loc[scored_mask, "p_alive"].to_numpy(dtype=np.float64),
        segmentation.at_risk_below,
        options.at_risk_precision,
    )
    segments = np.full(len(frame), NOT_SCORED, dtype=object)
    segments[scored_mask] = segmentation.assign(
        frame.loc[scored_mask, "clv_cents"], frame.loc[scored_mask, "p_alive"], axis.at_risk
    )
    frame["segment"] = segments
    risk = np.full(len(frame), np.nan)
    risk[scored_mask] = axis.risk
    frame["risk"] = risk
    risk_model = np.full(len(frame), None, dtype=object)
    risk_model[scored_mask] = axis.model_of
    frame["risk_model"] = risk_model
    return axis


def store(
    session: Session,
    frame: pd.DataFrame,
    params: dict[str, object],
    axis: RiskAxis,
    as_of: date,
    segmentation: Segmentation,
    options: ScoreOptions,
    started: datetime,
    began: float,
) -> ScoreRun:
    """The run's row and one score row per customer of ``frame`` (bulk insert), flushed."""
    run = ScoreRun(
        run_id=f"score-{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}",
        started_at=started,
        finished_at=started,
        as_of=as_of,
        customers=len(frame),
        scored=int(frame["clv_cents"].notna().sum()),
        horizon_months=options.horizon_months,
        discount_rate=options.discount_rate,
        models=params,
        segments=segmentation.model_dump(),
        seconds=0.0,
        risk_model=axis.model,
        risk_auc=None if axis.auc is None else round(axis.auc, 4),
    )
    session.add(run)
    session.flush()
    insert_frame(
        session, Base.metadata.tables[CustomerScore.__tablename__], frame, {"run_id": run.id}
    )
    run.finished_at = utcnow()
    run.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    return run
