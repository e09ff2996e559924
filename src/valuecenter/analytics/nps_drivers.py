"""What moves NPS: the measured experience of a contact against the customer's answer
(C16; seed 003: "First Contact Fix rose and NPS did not — why?"; seed 002: employees' NPS and
customers' NPS move together).

Two models, side by side, on the survey answers (0–10) and the experience the product measured
for the same contact chain (transfers, end-to-end days, wait, repeats, the agent's tick box, …):

1. **A linear model of all drivers at once** (ordinary least squares on the answer): each
   driver's effect per unit *holding the others fixed*, with a heteroskedasticity-robust (HC2)
   95% interval (MacKinnon & White 1985). A driver that only travels with another one (the
   tick box is ticked less often on chains with transfers) gets its own effect, not the other's;
2. **Gradient boosting** (scikit-learn's ``HistGradientBoostingRegressor``) for what a line
   misses: each driver's **permutation importance** on held-out folds (the loss of explained
   variance when the driver's column is shuffled; Breiman 2001, Fisher et al. 2019), and its
   **partial dependence** (the average predicted answer as the driver moves over its range).

Drivers are ranked by their **standardised effect** — the linear effect per standard deviation
of the driver, the classic key-driver measure — the drivers whose interval excludes zero
first. Not by the boosting's importance: a rare experience with a large effect (a transfer in
4% of the chains, −1.5 points each) explains little of the answers' spread, so a
permutation-importance ranking puts it behind common experiences that merely travel with the
real causes; the boosting is there to show shapes (partial dependence) and to check that the
linear model misses nothing large (its held-out R² beside the linear one).

The answer is an association in observed data: it says which experience goes with lower
scores once the others are accounted for, which is what a manager can act on, not a proof of
cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # scikit-learn's own dependency

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

MIN_ANSWERS = 200
Z95 = 1.959963984540054


def hc2_covariance(
    design: npt.NDArray[np.float64], resid: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The HC2 covariance of least-squares coefficients: ``(X'X)⁻¹ X' diag(eᵢ²/(1 − hᵢᵢ)) X
    (X'X)⁻¹`` with ``hᵢᵢ`` the leverages (MacKinnon & White 1985)."""
    bread = np.linalg.pinv(design.T @ design)
    leverage = np.einsum("ij,jk,ik->i", design, bread, design)
    weights = resid**2 / np.clip(1.0 - leverage, 1e-12, None)
    meat = (design * weights[:, None]).T @ design
    return np.asarray(bread @ meat @ bread, dtype=np.float64)


@dataclass(frozen=True)
class Driver:
    name: str
    effect: float  # change of the 0–10 answer per unit, the others held fixed (OLS)
    low: float
    high: float
    per_sd: float  # effect × the driver's standard deviation (the ranking measure)
    significant: bool  # the effect's 95% interval excludes 0
    importance: float  # held-out R² lost when the driver is shuffled (boosting)
    importance_share: float  # of all drivers' importance
    curve_x: list[float]  # partial dependence: driver values …
    curve_y: list[float]  # … and the average predicted answer there


@dataclass(frozen=True)
class DriverAnalysis:
    answers: int
    r2_linear: float
    r2_boosting: float  # held-out
    drivers: list[Driver]  # significant first, then by |effect per standard deviation|

    def ranking(self) -> list[str]:
        return [d.name for d in self.drivers]


def nps_drivers(
    frame: pd.DataFrame, answer: str, drivers: list[str], *, seed: int = 0, folds: int = 3
) -> DriverAnalysis:
    """Rank ``drivers`` (numeric columns of ``frame``) by what they do to ``answer`` (0–10).

    The boosting runs on one OpenMP thread: its many small fits (folds, permutations) gain
    little from threads, and on a busy machine the threads' spinning made the analysis 40×
    slower (3 s against 125 s on 2,000 answers at a load of 10)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        return _analyse(frame, answer, drivers, seed=seed, folds=folds)


def _analyse(
    frame: pd.DataFrame, answer: str, drivers: list[str], *, seed: int, folds: int
) -> DriverAnalysis:
    missing = [c for c in [answer, *drivers] if c not in frame.columns]
    if missing:
        raise InputError(N_("columns: not in the data: %(names)s"), names=", ".join(missing))
    data = frame[[answer, *drivers]].dropna()
    if len(data) < MIN_ANSWERS:
        raise InputError(
            N_("answers: %(n)s complete answers, the driver analysis needs at least %(min)s"),
            n=len(data),
            min=MIN_ANSWERS,
        )
    y = data[answer].to_numpy(dtype=np.float64)
    x = data[drivers].to_numpy(dtype=np.float64)
    spread = x.std(axis=0)
    if np.any(spread == 0):
        flat = [d for d, s in zip(drivers, spread, strict=True) if s == 0]
        raise InputError(N_("drivers: no variation in %(names)s"), names=", ".join(flat))
    design = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    se = np.sqrt(np.diag(hc2_covariance(design, resid)))
    r2_linear = 1.0 - float(resid.var() / y.var())

    importances = np.zeros(len(drivers))
    predicted = np.zeros(len(y))
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x):
        model = HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, random_state=seed)
        model.fit(x[train], y[train])
        predicted[test] = model.predict(x[test])
        found = permutation_importance(
            model, x[test], y[test], n_repeats=3, random_state=seed, scoring="r2"
        )
        importances += found.importances_mean / folds
    r2_boosting = 1.0 - float(((y - predicted) ** 2).mean() / y.var())
    full = HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, random_state=seed)
    full.fit(x, y)
    positive = np.clip(importances, 0.0, None)
    total = float(positive.sum()) or 1.0
    out = []
    for j, name in enumerate(drivers):
        grid = np.unique(np.quantile(x[:, j], np.linspace(0.05, 0.95, 10)))
        stacked = np.tile(x, (len(grid), 1))
        stacked[:, j] = np.repeat(grid, len(x))
        curve = [float(v) for v in full.predict(stacked).reshape(len(grid), len(x)).mean(axis=1)]
        out.append(
            Driver(
                name=name,
                effect=float(beta[j + 1]),
                per_sd=float(beta[j + 1] * spread[j]),
                significant=bool(
                    beta[j + 1] - Z95 * se[j + 1] > 0 or beta[j + 1] + Z95 * se[j + 1] < 0
                ),
                low=float(beta[j + 1] - Z95 * se[j + 1]),
                high=float(beta[j + 1] + Z95 * se[j + 1]),
                importance=float(importances[j]),
                importance_share=float(positive[j] / total),
                curve_x=[float(v) for v in grid],
                curve_y=curve,
            )
        )
    out.sort(key=lambda d: (not d.significant, -abs(d.per_sd)))
    return DriverAnalysis(answers=len(y), r2_linear=r2_linear, r2_boosting=r2_boosting, drivers=out)
