"""Scoring a customer file: fit on the rows whose outcome is known, score every row.

Rows with a blank target are the customers to score (their outcome is not known yet); they
are scored but not trained on. The encoder is fitted on all rows — it sees the features only,
never the target, so using the rows to score for medians and values does not leak — and the
model (:func:`.model.fit_churn`) on the labelled rows. Each row gets its calibrated P(churn)
and its top ``k`` reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.analytics.churn.columns import split_columns
from valuecenter.analytics.churn.features import Fixes, fit_encoder
from valuecenter.analytics.churn.model import KINDS, ChurnModel, Kind, fit_churn, predictions_frame
from valuecenter.analytics.churn.target import check_classes
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


@dataclass(frozen=True)
class Scored:
    """The scores (id, probability, reason_1 … reason_k per row) and how they were made."""

    table: pd.DataFrame
    model: ChurnModel
    fixes: Fixes
    positive: str
    trained_rows: int
    unlabelled_rows: int


def score_file(
    frame: pd.DataFrame,
    target: str,
    id_col: str,
    positive: str | None = None,
    drop_cols: Sequence[str] = (),
    seed: int = 0,
    kind: Kind = "auto",
    k: int = 3,
) -> Scored:
    """Fit the churn model on the labelled rows of ``frame`` and score all its rows."""
    if kind not in KINDS:
        raise InputError(
            N_("kind: '%(kind)s' is not one of %(names)s"), kind=kind, names=", ".join(KINDS)
        )
    data = split_columns(
        frame, target, id_col, positive=positive, drop_cols=drop_cols, allow_blank_target=True
    )
    check_classes(data.target, target)
    encoder = fit_encoder(data.features)
    x = encoder.transform(data.features)
    labelled = data.target.labelled
    y = data.target.y[labelled].astype(np.int64)
    model = fit_churn(x[labelled], y, kind, seed, encoder.layout)
    predictions = predictions_frame(model, x, k)
    predictions.insert(0, id_col, data.ids.to_numpy())
    return Scored(
        table=predictions,
        model=model,
        fixes=encoder.fixes,
        positive=data.target.positive,
        trained_rows=int(labelled.sum()),
        unlabelled_rows=int((~labelled).sum()),
    )
