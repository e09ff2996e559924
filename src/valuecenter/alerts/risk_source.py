"""The contract churn model as a candidate of the score run's risk axis (value/risk.py): the
same fit as the alert run's (``churn_fit.py``: trained at as_of − 2·horizon, tested at
as_of − horizon, refitted and applied today), judged with the purchase models by its
out-of-time AUC. Its population is the contract customers and its outcome "no contract
running any more", so its AUC is measured on them; it competes only where they are at least
half of the scored customers (``value.risk.MIN_COVERAGE``; a telecom company, not a
wholesaler with a few service contracts)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import distinct, func, select

from valuecenter.alerts.churn_fit import fit_validated_churn
from valuecenter.analytics.errors import InputError
from valuecenter.contracts.models import Contract
from valuecenter.i18n import N_
from valuecenter.value.risk import Measured, RiskInput, RiskSource, logit

SEED = 0


def _measure(inp: RiskInput) -> Measured:
    assert inp.session is not None  # a source of the single-machine run only
    fitted = fit_validated_churn(inp.session, inp.as_of, inp.horizon_days, inp.days, "auto", SEED)
    if isinstance(fitted, str):
        raise InputError(fitted)
    return Measured(
        then_score=logit(fitted.validation_risk),
        then_left=fitted.validation_left,
        now_customer=fitted.today["customer_id"].to_numpy(dtype=np.int64),
        now_score=logit(fitted.risk),
        fitted={"model": fitted.model.describe().get("kind"), "validation": fitted.validation},
    )


def _reach(inp: RiskInput) -> int:
    """Customers with a contract that started before as_of (today's table is a subset)."""
    assert inp.session is not None
    count = inp.session.scalar(
        select(func.count(distinct(Contract.customer_id))).where(Contract.start_date < inp.as_of)
    )
    return int(count or 0)


CHURN_MODEL = RiskSource("churn-model", N_("churn model (contracts)"), _measure, _reach)
FEATURE_SOURCES: tuple[RiskSource, ...] = (CHURN_MODEL,)
"""The risk candidates the features add to the score run's own (``run_score(risk_sources=)``)."""
