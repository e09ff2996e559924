"""The contract churn model fitted and validated out of time — one function for the alert run
(``service.py``: alerts for the riskiest contract customers) and for the score run's risk axis
(``risk_source.py``: the churn model as one candidate of value/risk.py).

Trained out of time: features at as_of − horizon, label "left in the horizon after";
validated on the cut before that (trained at as_of − 2·horizon, tested at as_of − horizon);
then refitted on the later cut and applied to today's features.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.alerts.contract_features import FEATURES, contract_table, load_contracts
from valuecenter.analytics.churn import ChurnModel, Encoder, auc_brier, fit_churn, fit_encoder
from valuecenter.analytics.churn.model import Kind
from valuecenter.analytics.purchases import PurchaseDays
from valuecenter.db.query import Reader, query_of
from valuecenter.formatting import grouped
from valuecenter.i18n import _

MIN_CLASS = 20  # leavers and stayers needed in each training cut for the churn model


@dataclass(frozen=True)
class ChurnFit:
    model: ChurnModel
    encoder: Encoder
    today: pd.DataFrame  # today's contract table (customer_id, features)
    x_today: npt.NDArray[np.float64]
    risk: npt.NDArray[np.float64]  # today's calibrated risk, one per row of ``today``
    validation_risk: npt.NDArray[np.float64]  # the early model's risk on the later cut
    validation_left: npt.NDArray[np.int64]
    validation: dict[str, object]


def fit_validated_churn(
    reader: Reader, as_of: date, horizon_days: int, days: PurchaseDays, kind: Kind, seed: int
) -> ChurnFit | str:
    """The fitted, validated churn model, or why it cannot be fitted (translated text). The
    tables are read through ``reader`` (a session, or a Spark session's query)."""
    h = horizon_days
    query = query_of(reader)
    contracts = load_contracts(query)
    if contracts.empty:
        return _("no contracts")
    cuts = {name: as_of - timedelta(days=k * h) for name, k in (("validate", 2), ("train", 1))}
    validate = contract_table(query, cuts["validate"], h, days, contracts)
    train = contract_table(query, cuts["train"], h, days, contracts)
    today = contract_table(query, as_of, h, days, contracts)
    for name, table in (("validation", validate), ("training", train)):
        left = int(table["left"].sum()) if len(table) else 0
        if left < MIN_CLASS or len(table) - left < MIN_CLASS:
            return _(
                "the %(cut)s cut has %(left)s leavers of %(n)s contract customers; %(min)s of "
                "each are needed",
                cut=_("validation") if name == "validation" else _("training"),
                left=left,
                n=grouped(len(table)),
                min=MIN_CLASS,
            )
    if today.empty:
        return _("no contract is running")
    features = list(FEATURES)
    # Out-of-time validation: learn on the earlier cut, test on the later one.
    early = fit_encoder(validate[features])
    model_early = fit_churn(
        early.transform(validate[features]), validate["left"].to_numpy(), kind, seed, early.layout
    )
    p_later = model_early.predict_proba(early.transform(train[features]))
    y_later = train["left"].to_numpy()
    auc, brier = auc_brier(y_later, p_later)
    validation = {
        "trained_on_cut": cuts["validate"].isoformat(),
        "tested_on_cut": cuts["train"].isoformat(),
        "rows": len(train),
        "leavers": int(y_later.sum()),
        "auc": round(auc, 4),
        "brier": round(brier, 4),
    }
    encoder = fit_encoder(train[features])
    model = fit_churn(
        encoder.transform(train[features]), train["left"].to_numpy(), kind, seed, encoder.layout
    )
    x_today = encoder.transform(today[features])
    return ChurnFit(
        model=model,
        encoder=encoder,
        today=today,
        x_today=x_today,
        risk=np.asarray(model.predict_proba(x_today), dtype=np.float64),
        validation_risk=np.asarray(p_later, dtype=np.float64),
        validation_left=np.asarray(y_later, dtype=np.int64),
        validation=validation,
    )
