"""The rhythm warning (``analytics/rhythm_warning.py``, the score of ``valuecenter rhythm
evaluate`` and of the alert run) scored against the wholesale demo world's truth (issue 18,
"Rhythm warning on the demo world").

Weekly runs through the window's last year, as a product would run them: at each run day ``t``
the warning is fitted at ``t − 90`` on the outcome known at ``t`` and scores every customer
with ≥ 3 orders; a customer is alerted when his risk reaches the threshold chosen on the
training cut (the lowest risk whose alerts were ≥ 50% right there). Each customer's first alert
is kept. Runs stop 180 days before the window's end so that every alert can be judged.

Targets: among true leavers with ≥ 4 orders, ≥ 60% alerted no later than max(60 days, 2 × own
median gap) after their last order; precision ≥ 50% (alerted customers who had left or leave
within 180 days); and for the median leaver the alert comes no later than the plain rule
"overdue > 2 × own median gap" would raise it. The score runs on arrays, not through 52 DB
runs; no database, so it runs once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

from tests.test_alerts_truth import HORIZON, Observed, wholesale  # noqa: F401 (fixture)
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.rhythm import RhythmOptions
from valuecenter.analytics.rhythm_warning import customer_days, features, fit_warning, population

WINDOW = 90  # the warning's horizon: trained on "no order in the next 90 days"
MIN_ORDERS_SCORED = 4  # leavers judged (issue 18)
FLOOR_DAYS = 60  # an alert is in time up to max(60, 2 × own median gap) after the last order


@dataclass(frozen=True)
class Result:
    runs: int
    alerted: int
    precision: float
    leavers: int
    recall: float
    rule_recall: float
    median_lead_days: float  # rule's day − warning's day, for the median scored leaver
    thresholds: tuple[float, float]  # lowest and highest training-cut threshold


def _median_gaps(obs: Observed) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's order count and median gap (days) over all his orders."""
    n = np.bincount(obs.customer, minlength=len(obs.market))
    gaps = np.diff(obs.day).astype(np.float64)
    same = np.diff(obs.customer) == 0
    median = np.full(len(obs.market), np.nan)
    owner = obs.customer[1:][same]
    values = gaps[same]
    order = np.argsort(owner, kind="stable")
    owner, values = owner[order], values[order]
    bounds = np.flatnonzero(np.r_[True, np.diff(owner) != 0, True])
    for a, b in itertools.pairwise(bounds):
        median[owner[a]] = np.median(values[a:b])
    return n, median


def backtest(obs: Observed, window: int = WINDOW, precision: float = 0.5) -> Result:
    orders = customer_days(obs.customer, obs.day, obs.cents)
    index = orders.ids.astype(np.int64)  # code → customer index of ``obs``
    start, stop = obs.end_day - 365, obs.end_day - HORIZON
    runs = list(range(start, stop + 1, 7))
    first = np.full(len(obs.market), np.nan)
    thresholds = []
    for t in runs:
        try:
            warning = fit_warning(orders, t, window, 3, precision)
        except InputError:
            continue
        judged = population(orders, t, window, 3)
        risk = warning.risk(features(orders, judged, t, window))
        thresholds.append(warning.threshold)
        hit = index[judged[risk >= warning.threshold]]
        new = hit[np.isnan(first[hit])]
        first[new] = t
    alerted = ~np.isnan(first)
    right = obs.churn_day[alerted] <= first[alerted] + HORIZON  # NaN (stays) compares False
    n, median_gap = _median_gaps(obs)
    deadline = obs.last_order + np.maximum(FLOOR_DAYS, 2.0 * np.nan_to_num(median_gap))
    rule_day = obs.last_order + 2.0 * np.nan_to_num(median_gap)
    # Leavers with ≥ 4 orders whose deadline falls inside the runs' span (they could be caught).
    leavers = (
        ~np.isnan(obs.churn_day)
        & (n >= MIN_ORDERS_SCORED)
        & (deadline >= start)
        & (deadline <= stop)
    )
    caught = first[leavers] <= deadline[leavers]  # NaN (never alerted) compares False
    rule_first = np.asarray([min((t for t in runs if t > d), default=np.nan) for d in rule_day])
    rule_caught = rule_first[leavers] <= deadline[leavers]
    # Never raised: a day far past the runs, so the lead still orders the two (0 when neither).
    never = float(stop + 10_000)
    warn_day = np.nan_to_num(first[leavers], nan=never)
    rule = np.nan_to_num(rule_first[leavers], nan=never)
    lead_days = rule - warn_day
    return Result(
        runs=len(runs),
        alerted=int(alerted.sum()),
        precision=float(right.mean()) if alerted.any() else 0.0,
        leavers=int(leavers.sum()),
        recall=float(caught.mean()),
        rule_recall=float(rule_caught.mean()),
        median_lead_days=float(np.median(lead_days)) if len(lead_days) else 0.0,
        thresholds=(min(thresholds), max(thresholds)) if thresholds else (1.0, 1.0),
    )


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="not met on the issue-18 world (the alert run's operating point, precision 0.7 on its "
    "training cut: recall 0.004, precision 0.36, 1,606 alerts; at 0.5: recall 0.39, precision "
    "0.14, 8,955 alerts): "
    "with gaps as noisy as CDNOW's (log-normal, sigma 1: 24.5% of a stayer's gaps exceed twice "
    "his median) and about 10% of the judged customers leaving within 180 days, a customer "
    "silent for twice his median gap has left with probability about 0.10 / (0.10 + 0.90 x "
    "0.245) = 0.31, so alerting by that deadline cannot reach 50% precision",
)
def test_the_rhythm_warning_on_the_demo_world(wholesale: Observed) -> None:  # noqa: F811
    print("at 0.5:", backtest(wholesale, precision=0.5))
    result = backtest(wholesale, precision=RhythmOptions().warning_precision)  # the alert run's
    print(result)
    assert result.leavers > 300
    assert result.recall >= 0.60
    assert result.precision >= 0.50
    assert result.median_lead_days >= 0
