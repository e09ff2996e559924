"""A customer file's columns split into the churn target, the customer id and the features.

The id column is never a feature, nor are the target and the columns the caller drops. A
column that is not in the file is an :class:`InputError` naming it and listing the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from valuecenter.analytics.churn.target import Target, parse_target
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


@dataclass(frozen=True)
class Columns:
    """The feature columns, the parsed target and the ids, row for row."""

    features: pd.DataFrame
    target: Target
    ids: pd.Series


def _listing(frame: pd.DataFrame) -> str:
    return ", ".join(str(c) for c in frame.columns)


def split_columns(
    frame: pd.DataFrame,
    target: str,
    id_col: str,
    *,
    positive: str | None = None,
    drop_cols: Sequence[str] = (),
    allow_blank_target: bool = False,
) -> Columns:
    """Check the named columns exist and split ``frame`` into features, target and ids.

    With ``allow_blank_target`` a blank target marks a row to score only (``y`` = −1).
    """
    if len(frame) == 0:
        raise InputError(N_("data: the file has no rows below the header"))
    for name, field in (
        (target, "target"),
        (id_col, "id_col"),
        *((d, "drop_cols") for d in drop_cols),
    ):
        if name not in frame.columns:
            raise InputError(
                N_("%(field)s: no column '%(name)s' in the data (columns: %(columns)s)"),
                field=field,
                name=name,
                columns=_listing(frame),
            )
    if target == id_col:
        raise InputError(N_("id_col: '%(id_col)s' is also the target column"), id_col=id_col)
    parsed = parse_target(frame[target], target, positive, allow_blank=allow_blank_target)
    unused = {target, id_col, *drop_cols}
    features = frame[[c for c in frame.columns if c not in unused]]
    if features.shape[1] == 0:
        if drop_cols:
            raise InputError(
                N_(
                    "data: no feature columns left besides the target '%(target)s', the id "
                    "'%(id_col)s' and the dropped %(dropped)s"
                ),
                target=target,
                id_col=id_col,
                dropped=", ".join(drop_cols),
            )
        raise InputError(
            N_(
                "data: no feature columns left besides the target '%(target)s', the id '%(id_col)s'"
            ),
            target=target,
            id_col=id_col,
        )
    return Columns(features=features.reset_index(drop=True), target=parsed, ids=frame[id_col])
