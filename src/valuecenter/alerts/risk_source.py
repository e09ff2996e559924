"""The contract churn model as a candidate of the score run's risk axis (value/risk.py): the
same fit as the alert run's (``churn_fit.py``: trained at as_of − 2·horizon, tested at
as_of − horizon, refitted and applied today), judged with the purchase models by its
out-of-time AUC. Its population is the contract customers and its outcome "no contract
running any more", so its AUC is measured on them; it competes only where they are at least
half of the scored customers (``value.risk.MIN_COVERAGE``; a telecom company, not a
wholesaler with a few service contracts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecenter.alerts.churn_fit import fit_validated_churn
from valuecenter.analytics.errors import InputError
from valuecenter.db.query import query_of
from valuecenter.i18n import N_
from valuecenter.value.risk import Measured, RiskInput, RiskSource, logit

SEED = 0
_REACH_SQL = "SELECT COUNT(DISTINCT customer_id) AS n FROM contracts WHERE start_date < :as_of"


def _measure(inp: RiskInput) -> Measured:
    fitted = fit_validated_churn(inp.reader, inp.as_of, inp.horizon_days, inp.days, "auto", SEED)
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
    rows = query_of(inp.reader)(_REACH_SQL, {"as_of": inp.as_of})
    return int(pd.to_numeric(rows["n"]).fillna(0).iloc[0])


CHURN_MODEL = RiskSource("churn-model", N_("churn model (contracts)"), _measure, _reach)
FEATURE_SOURCES: tuple[RiskSource, ...] = (CHURN_MODEL,)
"""The risk candidates the features add to the score run's own (``run_score(risk_sources=)``)."""
