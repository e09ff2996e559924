"""The training data of an uplift model, checked once: features, arm, outcome, propensity.

``arm`` is 0 for the control group and 1..K for K treatments; ``y`` is 0/1. The propensity of a
row is P(its own arm | x): given by the caller (e.g. a targeted campaign), else the arm's share
of the rows — the design of a randomised experiment. Given propensities are trimmed to at least
:data:`MIN_PROPENSITY` (Crump, Hotz, Imbens & Mitnik 2009, "Dealing with limited overlap in
estimation of average treatment effects": inverse weights of near-zero propensities dominate any
estimate), so no row weighs more than 1 / :data:`MIN_PROPENSITY`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import FloatArray, FloatMatrix, IntArray
from valuecenter.i18n import N_

MIN_ARM_ROWS = 20
"""Training rows each arm needs: fewer carry no outcome rate a model could learn from."""
MIN_PROPENSITY = 0.01


@dataclass(frozen=True)
class Experiment:
    """Checked training data: ``propensity`` is each row's P(own arm | x), trimmed."""

    x: FloatMatrix
    arm: IntArray
    y: IntArray
    treatments: int
    propensity: FloatArray
    propensity_given: bool

    @property
    def rows_per_arm(self) -> list[int]:
        """Rows of arm 0 (control), 1, …, K."""
        return [int(n) for n in np.bincount(self.arm, minlength=self.treatments + 1)]

    def shares(self) -> FloatArray:
        """Each arm's share of the rows."""
        counts = np.asarray(self.rows_per_arm, dtype=np.float64)
        shares: FloatArray = counts / counts.sum()
        return shares

    def pair(self, treatment: int) -> npt.NDArray[np.bool_]:
        """Rows of the control and of ``treatment``."""
        mask: npt.NDArray[np.bool_] = (self.arm == 0) | (self.arm == treatment)
        return mask


def _as_matrix(x: npt.ArrayLike) -> FloatMatrix:
    try:
        matrix = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            N_("x: the features must be numbers (encode text columns first)")
        ) from None
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise InputError(
            N_("x: expected a (rows × features) matrix, got shape %(shape)s"), shape=matrix.shape
        )
    if np.isinf(matrix).any():
        row = int(np.nonzero(np.isinf(matrix).any(axis=1))[0][0])
        raise InputError(N_("x: row %(row)s holds an infinite value"), row=row)
    return matrix


def _labels(values: npt.ArrayLike, name: str, rows: int) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != rows:
        raise InputError(
            N_("%(name)s: expected %(rows)s values (one per row of x), got %(shape)s"),
            name=name,
            rows=rows,
            shape=array.shape,
        )
    whole = array.dtype.kind in "iub" or (
        array.dtype.kind == "f" and bool(np.all(np.isfinite(array) & (array == np.round(array))))
    )
    if not whole:
        raise InputError(N_("%(name)s: values must be whole numbers"), name=name)
    return array.astype(np.int64)


def experiment(
    x: npt.ArrayLike, arm: npt.ArrayLike, y: npt.ArrayLike, propensity: npt.ArrayLike | None
) -> Experiment:
    """Check and bundle the training data; every problem is an :class:`InputError` naming the
    argument (and the row where one is at fault)."""
    matrix = _as_matrix(x)
    rows = len(matrix)
    arms = _labels(arm, "arm", rows)
    outcome = _labels(y, "y", rows)
    bad = np.nonzero(~np.isin(outcome, (0, 1)))[0]
    if len(bad):
        raise InputError(
            N_("y: row %(bad)s is %(outcome)s; outcomes are 0 or 1"),
            bad=int(bad[0]),
            outcome=int(outcome[bad[0]]),
        )
    if (arms < 0).any():
        row = int(np.nonzero(arms < 0)[0][0])
        raise InputError(
            N_("arm: row %(row)s is %(arms)s; arms are 0 (control) or 1..K"),
            row=row,
            arms=int(arms[row]),
        )
    treatments = int(arms.max()) if rows else 0
    if treatments < 1:
        raise InputError(N_("arm: no treated row (arms are 0 for control and 1..K for treatments)"))
    counts = np.bincount(arms, minlength=treatments + 1)
    for value, count in enumerate(counts):
        if count < MIN_ARM_ROWS:
            name = "the control arm (0)" if value == 0 else f"arm {value}"
            raise InputError(
                N_("arm: %(name)s has %(count)s row(s); each arm needs at least %(min_arm_rows)s"),
                name=name,
                count=int(count),
                min_arm_rows=MIN_ARM_ROWS,
            )
    given = propensity is not None
    if propensity is None:
        shares = counts / rows
        own = shares[arms].astype(np.float64)
    else:
        own = np.asarray(propensity, dtype=np.float64)
        if own.ndim != 1 or len(own) != rows:
            raise InputError(
                N_("propensity: expected %(rows)s values, got shape %(shape)s"),
                rows=rows,
                shape=own.shape,
            )
        wrong = np.nonzero(~(np.isfinite(own) & (own > 0) & (own <= 1)))[0]
        if len(wrong):
            raise InputError(
                N_("propensity: row %(wrong)s is %(own)s; a propensity is a probability in (0, 1]"),
                wrong=int(wrong[0]),
                own=own[wrong[0]],
            )
    return Experiment(
        x=matrix,
        arm=arms,
        y=outcome,
        treatments=treatments,
        propensity=np.maximum(own, MIN_PROPENSITY),
        propensity_given=given,
    )


def subset(data: Experiment, rows: npt.NDArray[np.integer] | npt.NDArray[np.bool_]) -> Experiment:
    """The same experiment restricted to ``rows`` (indices or a mask); propensities kept."""
    return Experiment(
        x=data.x[rows],
        arm=data.arm[rows],
        y=data.y[rows],
        treatments=data.treatments,
        propensity=data.propensity[rows],
        propensity_given=data.propensity_given,
    )
