"""An uplift model judged on an experiment file: fit on a training part, measure on the rest.

The file holds one row per customer of a randomised experiment: a treatment column (which arm
the customer was in), an outcome column (0/1, true/false or yes/no; :mod:`.outcome`) and the
features — every other column except those the caller drops. Rows whose arm is neither a
listed treatment nor the control (a blank arm included) are not part of the comparison: they
are dropped and counted, as are rows of the compared arms with a blank outcome (not known yet).
A listed value that no row has is an error naming the column and listing what it holds.

The rows are split into a training and a test part stratified on arm × outcome
(:func:`.crossfit.stratified_split`); the feature encoding
(:func:`valuecenter.analytics.churn.features.fit_encoder`: medians for blanks, one-hot text) and
the model (:func:`.model.fit_uplift`) are fitted on the training part only, and the test part
is scored: uplift at 10/20/30%, Qini coefficient and AUUC (:mod:`.metrics`). With several
treatments each is scored against the control on the rows of those two arms
(``per_treatment``), and the top-level figures are those of the policy "treat with any listed
treatment, ranked by the row's best predicted uplift": treated = any treatment arm.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.churn.features import fit_encoder
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import FloatArray, IntArray
from valuecenter.analytics.uplift.crossfit import stratified_split
from valuecenter.analytics.uplift.data import MIN_ARM_ROWS
from valuecenter.analytics.uplift.metrics import auuc, qini_coefficient, uplift_at_k
from valuecenter.analytics.uplift.model import LEARNERS, Learner, fit_uplift
from valuecenter.analytics.uplift.outcome import folded_text, parse_outcome
from valuecenter.i18n import N_

TOP_SHARES = (10, 20, 30)
MIN_TEST_ARM_ROWS = MIN_ARM_ROWS
SHOWN_VALUES = 10


def _check_columns(
    frame: pd.DataFrame, treatment_col: str, outcome_col: str, drop_cols: Sequence[str]
) -> None:
    columns = ", ".join(str(c) for c in frame.columns)
    for name, field in ((treatment_col, "treatment_col"), (outcome_col, "outcome_col")):
        if name not in frame.columns:
            raise InputError(
                N_("%(field)s: no column '%(name)s' in the data (columns: %(columns)s)"),
                field=field,
                name=name,
                columns=columns,
            )
    if treatment_col == outcome_col:
        raise InputError(
            N_("outcome_col: '%(outcome_col)s' is also the treatment column"),
            outcome_col=outcome_col,
        )
    unknown = [c for c in drop_cols if c not in frame.columns]
    if unknown:
        named = ", ".join(f"'{c}'" for c in unknown)
        raise InputError(
            N_("drop_cols: no column %(named)s in the data (columns: %(columns)s)"),
            named=named,
            columns=columns,
        )


def _holdings(values: pd.Series) -> str:
    """The values a column holds, most frequent first (at most :data:`SHOWN_VALUES`)."""
    counts = values.astype("string").str.strip().replace("", pd.NA).value_counts()
    shown = ", ".join(str(v) for v in counts.index[:SHOWN_VALUES])
    more = len(counts) - SHOWN_VALUES
    return (shown or "only blanks") + (f" and {more} more" if more > 0 else "")


def arms(values: pd.Series, column: str, treatments: Sequence[str], control: str) -> IntArray:
    """0 for the control, t for the t-th listed treatment, −1 for any other (or blank) cell.
    Values are matched after stripping, ignoring case."""
    wanted = [str(v).strip() for v in (control, *treatments)]
    folded = [v.lower() for v in wanted]
    if not treatments:
        raise InputError(N_("treatment_value: give at least one treatment value"))
    if "" in wanted:
        field = "control_value" if wanted[0] == "" else "treatment_value"
        raise InputError(N_("%(field)s: a blank value names no arm"), field=field)
    if len(set(folded)) < len(folded):
        raise InputError(
            N_(
                "treatment_value: the control and treatment values must all differ "
                "(given: %(names)s)"
            ),
            names=", ".join(wanted),
        )
    text = folded_text(values)
    out = np.full(len(values), -1, dtype=np.int64)
    for code, (value, key) in enumerate(zip(wanted, folded, strict=True)):
        hit = text == key
        if not hit.any():
            field = "control_value" if code == 0 else "treatment_value"
            raise InputError(
                N_(
                    "%(field)s: no row has '%(value)s' in column '%(column)s'; the column "
                    "holds %(held)s"
                ),
                field=field,
                value=value,
                column=column,
                held=_holdings(values),
            )
        out[hit] = code
    return out


def _figures(score: FloatArray, treated: npt.NDArray[np.bool_], y: IntArray) -> dict[str, Any]:
    """Uplift at 10/20/30%, Qini coefficient and AUUC of ranking the rows by ``score``."""
    return {
        "uplift_at": {
            str(k): round(uplift_at_k(score, treated, y, k / 100), 6) for k in TOP_SHARES
        },
        "qini": round(qini_coefficient(score, treated, y), 6),
        "auuc": round(auuc(score, treated, y), 6),
    }


def _check_parts(arm: IntArray, train: IntArray, test: IntArray, names: list[str]) -> None:
    for code, name in enumerate(names):
        in_train = int((arm[train] == code).sum())
        in_test = int((arm[test] == code).sum())
        if in_train < MIN_ARM_ROWS or in_test < MIN_TEST_ARM_ROWS:
            raise InputError(
                N_(
                    "data: arm '%(name)s' has %(rows)s usable row(s), %(in_train)s for "
                    "training and %(in_test)s for testing; each part needs at least "
                    "%(min_arm_rows)s rows of every arm"
                ),
                name=name,
                rows=in_train + in_test,
                in_train=in_train,
                in_test=in_test,
                min_arm_rows=MIN_ARM_ROWS,
            )


def _rates(arm: IntArray, y: IntArray, names: list[str]) -> dict[str, Any]:
    return {
        name: {"rows": int((arm == code).sum()), "rate": round(float(y[arm == code].mean()), 6)}
        for code, name in enumerate(names)
    }


def evaluate(
    frame: pd.DataFrame,
    treatment_col: str,
    treatment_values: Sequence[str],
    control_value: str,
    outcome_col: str,
    test_size: float = 0.5,
    seed: int = 42,
    learner: Learner | Literal["auto"] = "auto",
    drop_cols: Sequence[str] = (),
    folds: int = 5,
) -> dict[str, Any]:
    """Fit on a stratified training part of ``frame`` and score the test part (module text)."""
    started = time.perf_counter()
    if learner != "auto" and learner not in LEARNERS:
        raise InputError(
            N_("learner: '%(learner)s' is not one of auto, %(names)s"),
            learner=learner,
            names=", ".join(LEARNERS),
        )
    if not 0 < test_size < 1:
        raise InputError(
            N_("test_size: %(test_size)s is not a share between 0 and 1"), test_size=test_size
        )
    if len(frame) == 0:
        raise InputError(N_("data: the file has no rows below the header"))
    _check_columns(frame, treatment_col, outcome_col, drop_cols)
    names = [str(control_value).strip(), *(str(v).strip() for v in treatment_values)]
    arm_all = arms(frame[treatment_col], treatment_col, treatment_values, control_value)
    listed = arm_all >= 0
    y_all = parse_outcome(frame[outcome_col], outcome_col, listed)
    keep = listed & (y_all >= 0)
    blank_arm = int((folded_text(frame[treatment_col]) == "").sum())
    dropped = {
        "blank_treatment": blank_arm,
        "other_treatment": int((~listed).sum()) - blank_arm,
        "blank_outcome": int((listed & (y_all < 0)).sum()),
    }
    unused = {treatment_col, outcome_col, *drop_cols}
    features = frame.loc[keep, [c for c in frame.columns if c not in unused]]
    if features.shape[1] == 0:
        raise InputError(
            N_("data: no feature columns left besides the treatment, the outcome and --drop-cols")
        )
    features = features.reset_index(drop=True)
    arm, y = arm_all[keep], y_all[keep]
    train, test = stratified_split(arm, y, test_size, seed)
    _check_parts(arm, train, test, names)
    encoder = fit_encoder(features.iloc[train])
    x_train = encoder.transform(features.iloc[train])
    model = fit_uplift(x_train, arm[train], y[train], learner, seed, folds)
    predicted = model.predict(encoder.transform(features.iloc[test]))
    arm_test, y_test = arm[test], y[test]
    result: dict[str, Any] = {
        "learner": model.learner,
        "requested": learner,
        "n_train": len(train),
        "n_test": len(test),
        **_figures(predicted.max(axis=1), arm_test >= 1, y_test),
        "dropped": sum(dropped.values()),
        "dropped_by_reason": dropped,
        "treatment": names[1:],
        "control": names[0],
        "response_rates": _rates(arm, y, names),
        "fixes": encoder.fixes.as_dict(),
        "auto": model.auto.as_dict() if model.auto is not None else None,
    }
    if model.treatments > 1:
        per_treatment = {}
        for t, name in enumerate(names[1:], start=1):
            pair = (arm_test == 0) | (arm_test == t)
            per_treatment[name] = _figures(
                predicted[pair, t - 1], arm_test[pair] == t, y_test[pair]
            )
        result["per_treatment"] = per_treatment
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result
