"""Judging the rhythm warning on a company's own history (``valuecenter rhythm evaluate``).

Protocol (issue 18): an order is one customer-day; the population is the customers with ≥
``min_orders`` orders on or before ``as_of`` whose first order is ≥ ``horizon`` days before it;
a customer has *stopped* when he has no order in ``(as_of, as_of + horizon]``. Every score reads
orders on or before ``as_of`` only. On CDNOW (as-of 1998-04-01 = last date − 90 days, horizon
90, ≥ 3 orders) that is 6,936 customers of whom 64.6% stop.

The warning (:mod:`valuecenter.analytics.rhythm_warning`) is compared with three baselines on
the same population, each with the same figures:

- ``recency``: days since the last order (CDNOW AUC 0.706);
- ``overdue_ratio``: days since the last order ÷ own median gap (0.634);
- ``bgnbd_p_alive``: 1 − P(alive) of a BG/NBD (Fader, Hardie & Lee 2005) fitted on the buyers
  up to ``as_of`` (0.715).

Figures: AUC (Mann–Whitney, ties counted half), precision among the top 10% and 20% by score
and the recall at precision 50% (largest recall of a "score ≥ t" list that is ≥ 50% right).
Ties at the cut of a top-k% list are shared out in proportion (the expected precision under a
random order of the tied customers), so a score with many ties, such as whole days since the
last order, is neither favoured nor penalised by the sort order.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata  # type: ignore[import-untyped]

from valuecenter.analytics.clv import p_alive
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.rhythm_warning import (
    Orders,
    _rfm,
    features,
    fit_population_bgnbd,
    fit_warning,
    population,
    stopped,
)
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def auc(score: npt.ArrayLike, label: npt.ArrayLike) -> float:
    """Area under the ROC curve: P(a stopper scores above a keeper), ties counted half."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label, dtype=bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise InputError(N_("label: needs both stoppers and keepers"))
    ranks = rankdata(s)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def precision_at(score: npt.ArrayLike, label: npt.ArrayLike, share: float) -> float:
    """Share of stoppers among the top ``share`` of customers by score (ceil of the count);
    the customers tied at the cut are counted in proportion."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label, dtype=bool)
    k = max(1, math.ceil(share * len(s)))
    order = np.argsort(-s, kind="stable")
    cut = s[order[k - 1]]
    above = s > cut
    tied = s == cut
    room = k - int(above.sum())
    hits = float(y[above].sum()) + room * float(y[tied].mean())
    return hits / k


def recall_at_precision(score: npt.ArrayLike, label: npt.ArrayLike, precision: float) -> float:
    """Largest share of the stoppers in a "score ≥ t" list that is at least ``precision`` right
    (0 when none is)."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label, dtype=bool)
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], y[order].astype(np.float64)
    hits = np.cumsum(yy)
    ends = np.r_[np.flatnonzero(np.diff(ss) != 0), len(ss) - 1]
    ok = ends[hits[ends] / (ends + 1) >= precision]
    total = float(yy.sum())
    return float(hits[ok].max() / total) if len(ok) and total > 0 else 0.0


def figures(score: npt.ArrayLike, label: npt.ArrayLike) -> dict[str, float]:
    """The four figures of one score, rounded to 4 decimals."""
    return {
        "auc": round(auc(score, label), 4),
        "precision_at_10pct": round(precision_at(score, label, 0.10), 4),
        "precision_at_20pct": round(precision_at(score, label, 0.20), 4),
        "recall_at_precision_50": round(recall_at_precision(score, label, 0.50), 4),
    }


def evaluate(
    orders: Orders, as_of: int, horizon: int = 90, min_orders: int = 3
) -> dict[str, object]:
    """The warning and the three baselines on the population at ``as_of`` (see the module)."""
    if horizon < 1:
        raise InputError(N_("horizon: needs 1 day or more"))
    if min_orders < 2:
        raise InputError(N_("min_orders: needs 2 or more (a gap needs two orders)"))
    customers = population(orders, as_of, horizon, min_orders)
    if len(customers) == 0:
        raise InputError(
            N_(
                "as_of: no customer has %(min)s orders by then with a first order %(days)s "
                "days before"
            ),
            min=min_orders,
            days=horizon,
        )
    label = stopped(orders, customers, as_of, horizon)
    if label.all() or not label.any():
        raise InputError(N_("as_of: every customer of the population stops, or none does"))
    warning = fit_warning(orders, as_of, horizon, min_orders)
    table = features(orders, customers, as_of, horizon)
    risk = warning.risk(table)
    recency = np.expm1(table["log_recency"].to_numpy(np.float64))
    overdue = np.expm1(table["log_overdue"].to_numpy(np.float64))
    fit = fit_population_bgnbd(orders, as_of)
    x, t_x, age = (v[customers] for v in _rfm(orders, as_of))
    dead = 1.0 - p_alive(fit, x, t_x, age)
    return {
        "customers": len(customers),
        "base_rate": round(float(label.mean()), 4),
        **figures(risk, label),
        "baselines": {
            "recency": figures(recency, label),
            "overdue_ratio": figures(overdue, label),
            "bgnbd_p_alive": figures(dead, label),
        },
        "model": warning.describe(),
    }


def validate_warning(
    orders: Orders, as_of: int, horizon: int = 90, min_orders: int = 3, precision: float = 0.5
) -> dict[str, object]:
    """Out-of-time check of the warning with the labels known at ``as_of``: fitted at
    ``as_of − 2·horizon``, scored at ``as_of − horizon`` against no order in
    ``(as_of − horizon, as_of]``; with the recency baseline's AUC on the same customers and
    the precision and share of the alerts its training threshold raises there."""
    cut = as_of - horizon
    warning = fit_warning(orders, cut, horizon, min_orders, precision)
    customers = population(orders, cut, horizon, min_orders)
    label = stopped(orders, customers, cut, horizon)
    if label.all() or not label.any():
        raise InputError(N_("as_of: every customer of the validation cut stops, or none does"))
    table = features(orders, customers, cut, horizon)
    risk = warning.risk(table)
    alerted = risk >= warning.threshold
    return {
        "trained_as_of_day": warning.trained_as_of,
        "tested_as_of_day": cut,
        "customers": len(customers),
        "base_rate": round(float(label.mean()), 4),
        **figures(risk, label),
        "recency_auc": round(auc(table["log_recency"].to_numpy(np.float64), label), 4),
        "alerted_share": round(float(alerted.mean()), 4),
        "alert_precision": round(float(label[alerted].mean()), 4) if alerted.any() else None,
    }
