"""A randomised retention experiment with a KNOWN individual uplift — the oracle every uplift
learner is tested and benchmarked against.

``known_uplift(n, seed, treatments=1)`` draws ``n`` telecom-like customers: 14 numeric columns
(tenure, monthly fee, data use, support calls, months left on the contract, late payments,
outages, NPS with 15% blanks, age, app logins, last discount, household size and two pure-noise
columns) and 2 text columns (plan, region). Each customer is assigned at random to the control
(arm 0) or one of K treatments (equal shares unless ``shares`` is given), and the outcome y = 1
(the customer renewed) is drawn from his true probability under his own arm:

* control: ``logit p₀(x) = 0.4 + 0.9·tanh((tenure − 24)/24) − 0.35·support_calls
  + 0.12·(NPS − 7, 0 when blank) − 0.7·[prepaid] − 0.5·[late payments ≥ 2] − 0.02·(fee − 30)``
  — who renews anyway depends strongly on x, so ranking by risk is not ranking by uplift;
* treatment k: ``logit p_k(x) = logit p₀(x) + δ_k(x)``, with δ_k on three kinds of customer
  (Radcliffe & Surry 2011, "Real-world uplift modelling with significance-based uplift trees"):
  persuadables (δ > 0), sleeping dogs (δ < 0: the call reminds them to leave) and the rest,
  the majority, on whom the treatment has no effect at all (δ = 0).

  - treatment 1 (a retention call): persuadable when ``support_calls ≥ 2`` and
    ``tenure < 36`` (δ = +1.1, +0.7 more when the fee is above 35); a sleeping dog when
    ``support_calls = 0`` and ``months_left ≥ 12`` (δ = −0.9);
  - treatment 2 (an e-mail with a price offer): persuadable when ``fee > 35`` and
    ``tenure < 24`` or on the prepaid plan (δ = +1.0); a sleeping dog when ``age > 60``
    (δ = −0.7);
  - treatment k ≥ 3: treatment ``1 + (k − 1) mod 2``'s effect at (k + 1)/2 of its size
    (so every K works; only K ≤ 2 are used by the tests and the benchmark).

The true uplift of a row is ``p_k(x) − p₀(x)``; ranking by it is the oracle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import FloatArray, FloatMatrix, IntArray
from valuecenter.i18n import N_

PLANS = ("basic", "plus", "premium", "prepaid")
REGIONS = ("north", "east", "south", "west")


@dataclass(frozen=True)
class SyntheticUplift:
    """The drawn experiment: features, arm (0 = control), outcome, and the truth: ``p[:, a]`` is
    P(y = 1 | x, arm a) of each row."""

    frame: pd.DataFrame
    arm: IntArray
    y: IntArray
    p: FloatMatrix

    @property
    def treatments(self) -> int:
        """K, the number of treatments."""
        return int(self.p.shape[1] - 1)

    @property
    def uplift(self) -> FloatMatrix:
        """The true individual uplift (rows × K): p_k(x) − p₀(x)."""
        true: FloatMatrix = self.p[:, 1:] - self.p[:, [0]]
        return true

    def table(
        self,
        arm_names: Sequence[str] | None = None,
        outcome_names: tuple[str, str] = ("0", "1"),
        treatment_col: str = "treatment",
        outcome_col: str = "renewed",
    ) -> pd.DataFrame:
        """The experiment as a file would hold it: the features, the arm by name (``control``,
        ``treatment_1`` … unless given) and the outcome spelled ``outcome_names`` (for 0, 1)."""
        names = list(arm_names or ["control", *(f"treatment_{k}" for k in range(1, 99))])
        if len(names) < self.treatments + 1:
            raise InputError(
                N_("arm_names: %(n_names)s names for %(arms)s arms"),
                n_names=len(names),
                arms=self.treatments + 1,
            )
        frame = self.frame.copy()
        frame[treatment_col] = np.asarray(names, dtype=object)[self.arm]
        frame[outcome_col] = np.asarray(outcome_names, dtype=object)[self.y]
        return frame


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-z))
    return out


def _features(n: int, rng: np.random.Generator) -> pd.DataFrame:
    nps = rng.integers(0, 11, n).astype(float)
    nps[rng.random(n) < 0.15] = np.nan
    return pd.DataFrame(
        {
            "tenure_months": rng.gamma(2.0, 12.0, n).clip(0, 120).round(0),
            "monthly_fee": rng.lognormal(3.4, 0.35, n).round(2),
            "data_gb": rng.gamma(2.0, 5.0, n).round(1),
            "support_calls": rng.poisson(1.2, n).astype(float),
            "months_left": rng.integers(0, 25, n).astype(float),
            "late_payments": rng.poisson(0.4, n).astype(float),
            "outages": rng.poisson(0.8, n).astype(float),
            "nps": nps,
            "age": rng.normal(45, 14, n).clip(18, 90).round(0),
            "app_logins": rng.poisson(6.0, n).astype(float),
            "last_discount_pct": rng.choice([0.0, 5.0, 10.0, 20.0], n, p=[0.55, 0.2, 0.15, 0.1]),
            "household": rng.integers(1, 6, n).astype(float),
            "noise_1": rng.normal(0.0, 1.0, n).round(3),
            "noise_2": rng.uniform(0.0, 100.0, n).round(1),
            "plan": rng.choice(PLANS, n, p=[0.4, 0.3, 0.15, 0.15]),
            "region": rng.choice(REGIONS, n),
        }
    )


def control_logit(frame: pd.DataFrame) -> FloatArray:
    """``logit p₀(x)``: who renews without any treatment (module text)."""
    tenure = frame["tenure_months"].to_numpy()
    nps = np.nan_to_num(frame["nps"].to_numpy() - 7.0, nan=0.0)
    logit: FloatArray = (
        0.4
        + 0.9 * np.tanh((tenure - 24.0) / 24.0)
        - 0.35 * frame["support_calls"].to_numpy()
        + 0.12 * nps
        - 0.7 * (frame["plan"].to_numpy() == "prepaid")
        - 0.5 * (frame["late_payments"].to_numpy() >= 2)
        - 0.02 * (frame["monthly_fee"].to_numpy() - 30.0)
    )
    return logit


def effect_logit(frame: pd.DataFrame, treatment: int) -> FloatArray:
    """``δ_k(x)``: the change of the log-odds of renewing under treatment ``k`` (module text)."""
    base = 1 + (treatment - 1) % 2
    size = 1.0 if treatment <= 2 else (treatment + 1) / 2
    tenure = frame["tenure_months"].to_numpy()
    fee = frame["monthly_fee"].to_numpy()
    calls = frame["support_calls"].to_numpy()
    if base == 1:
        persuadable = (calls >= 2) & (tenure < 36)
        sleeping = (calls == 0) & (frame["months_left"].to_numpy() >= 12)
        delta = np.where(persuadable, 1.1 + 0.7 * (fee > 35), 0.0) - 0.9 * sleeping
    else:
        persuadable = ((fee > 35) & (tenure < 24)) | (frame["plan"].to_numpy() == "prepaid")
        sleeping = frame["age"].to_numpy() > 60
        delta = np.where(persuadable, 1.0, 0.0) - 0.7 * (sleeping & ~persuadable)
    out: FloatArray = size * delta
    return out


def known_uplift(
    n: int, seed: int, treatments: int = 1, shares: Sequence[float] | None = None
) -> SyntheticUplift:
    """``n`` customers of a randomised experiment with ``treatments`` treatments (arm shares
    ``shares`` for control, 1, …, K; equal by default) and their true outcome probabilities."""
    if n < 1:
        raise InputError(N_("n: %(n)s rows; draw at least 1"), n=n)
    if treatments < 1:
        raise InputError(
            N_("treatments: %(treatments)s; an experiment has at least 1 treatment"),
            treatments=treatments,
        )
    weights = np.full(treatments + 1, 1.0) if shares is None else np.asarray(shares, float)
    if len(weights) != treatments + 1 or (weights <= 0).any():
        raise InputError(
            N_("shares: need %(arms)s positive shares (control first)"), arms=treatments + 1
        )
    rng = np.random.default_rng(seed)
    frame = _features(n, rng)
    base = control_logit(frame)
    p = np.column_stack(
        [
            _sigmoid(base),
            *(_sigmoid(base + effect_logit(frame, k)) for k in range(1, treatments + 1)),
        ]
    )
    arm = rng.choice(treatments + 1, size=n, p=weights / weights.sum()).astype(np.int64)
    y = (rng.random(n) < p[np.arange(n), arm]).astype(np.int64)
    return SyntheticUplift(frame=frame, arm=arm, y=y, p=p)
