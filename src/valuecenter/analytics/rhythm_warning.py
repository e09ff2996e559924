"""The rhythm warning: who will stop ordering, learned from the company's own past.

Plain recency (days since the last order) is the score to beat: on CDNOW (as-of = last date −
90 days, horizon 90 days, ≥ 3 orders; 6,936 customers, 64.6% stop) its AUC is 0.706, BG/NBD's
1 − P(alive) 0.715, and rhythm-style scores (days since the last order ÷ own median gap 0.634, a
gamma-Poisson surprise of the current gap 0.67) lose to it (issue 18, "Which score finds
them"). Real stoppers' gaps lengthen only a little before the last order; the useful signal is
the silence after it, read against the customer's own rhythm and history.

So the warning is *supervised out of time*: the features of every customer are computed at
``as_of − horizon`` from orders on or before that day, labelled by whether he ordered in
``(as_of − horizon, as_of]`` (known at ``as_of``), a regularised logistic regression is fitted on
them, and it scores the features computed at ``as_of``. No order after ``as_of`` is read.

Fixed design, not tuned on any test label: standardised features (below), L2 penalty ``C = 1``,
class weights equal, Newton–Cholesky solver. On CDNOW this gives AUC 0.741 against the best
baseline's 0.715, but a precision in the top 10% of 0.906 against recency's 0.910 (the figures
are printed by ``tests/test_cli_rhythm.py``).

An *order* is one customer-day (the day's amounts summed), as in the BTYD literature (Fader,
Hardie & Lee 2005). Features per customer (``h`` = horizon):

- ``log_recency`` log(1 + days since the last order);
- ``log_orders``, ``log_age`` log(1 + orders), log(1 + days since the first order);
- ``log_median_gap``, ``log_overdue`` own median gap and days since last ÷ that gap;
- ``gap_trend`` mean log₂(gap ÷ own median gap) of the last three gaps (the lead-in of CDNOW's
  stoppers: +0.40 at the last order against −0.03 for keepers, issue 18);
- ``p_alive`` BG/NBD P(alive), and ``surprise`` the gamma-Poisson log-probability of no order
  in the silence since the last one (rate posterior of the same BG/NBD fit);
- ``log_recent_orders``, ``log_recent_ratio`` orders in the last ``h`` days and their ratio to
  the number his own history rate expects; ``log_recent_amount_ratio`` the same for amounts;
- ``log_basket``, ``log_last_basket_ratio`` mean order amount, last order ÷ his median order
  (wholesale baskets shrink to 0.7–0.85× before leaving, issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.clv import BgNbdFit, fit_bgnbd, p_alive
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FEATURES: tuple[str, ...] = (
    "log_recency",
    "log_orders",
    "log_age",
    "log_median_gap",
    "log_overdue",
    "gap_trend",
    "p_alive",
    "surprise",
    "log_recent_orders",
    "log_recent_ratio",
    "log_recent_amount_ratio",
    "log_basket",
    "log_last_basket_ratio",
)
PENALTY_C = 1.0  # L2 strength of the logistic regression (fixed; sklearn's default)
TREND_GAPS = 3  # the last gaps whose lengthening is measured (issue 18: ~3 orders)
MIN_CLASS = 10  # stoppers and keepers needed in the training cut


@dataclass(frozen=True)
class Orders:
    """One order per customer-day, sorted by customer then day: the customer's code (0..k−1,
    the position of his id in ``ids``), the day (whole days on any fixed epoch) and the day's
    amount summed."""

    ids: npt.NDArray[np.object_]
    customer: IntArray
    day: IntArray
    amount: FloatArray

    @property
    def customers(self) -> int:
        return len(self.ids)


def customer_days(customer: npt.ArrayLike, day: npt.ArrayLike, amount: npt.ArrayLike) -> Orders:
    """Collapse transactions (customer id, whole day, amount) to one order per customer-day."""
    ids = np.asarray(customer)
    days = np.asarray(day, dtype=np.int64)
    amounts = np.asarray(amount, dtype=np.float64)
    if not (len(ids) == len(days) == len(amounts)):
        raise InputError(N_("customer: customer, day and amount differ in length"))
    if len(ids) == 0:
        raise InputError(N_("customer: no orders"))
    if not np.isfinite(amounts).all():
        raise InputError(N_("amount: has missing or infinite values"))
    if ids.dtype.kind in "iu" and len(ids) > 1:
        new_customer = ids[1:] != ids[:-1]
        if np.all(new_customer | (days[1:] > days[:-1])) and np.all(ids[1:] >= ids[:-1]):
            # Already one order per customer-day in order (the score run's purchase days):
            # the codes by counting the customers, no sort and no copy of the days.
            codes = np.empty(len(ids), dtype=np.int64)
            codes[0] = 0
            np.cumsum(new_customer, out=codes[1:])
            del new_customer
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            return Orders(
                ids=np.asarray(ids[starts], dtype=object),
                customer=codes,
                day=days,
                amount=amounts,
            )
        del new_customer
    if ids.dtype.kind in "iu":
        # Integer ids already one per customer-day (the score run's purchase days): the same
        # orders by a sort alone, without the grouping below.
        order = np.lexsort((days, ids))
        c, d, a = ids[order], days[order], amounts[order]
        if not np.any((c[1:] == c[:-1]) & (d[1:] == d[:-1])):
            distinct, inverse = np.unique(c, return_inverse=True)
            return Orders(
                ids=np.asarray(distinct, dtype=object),
                customer=inverse.reshape(-1).astype(np.int64),
                day=d,
                amount=a,
            )
    codes, uniques = pd.factorize(pd.Series(ids), sort=True)
    frame = (
        pd.DataFrame({"c": codes.astype(np.int64), "d": days, "a": amounts})
        .groupby(["c", "d"], sort=True, as_index=False)["a"]
        .sum()
    )
    return Orders(
        ids=np.asarray(uniques, dtype=object),
        customer=frame["c"].to_numpy(np.int64),
        day=frame["d"].to_numpy(np.int64),
        amount=frame["a"].to_numpy(np.float64),
    )


def population(orders: Orders, as_of: int, horizon: int, min_orders: int) -> IntArray:
    """Customers (codes) with ≥ ``min_orders`` orders on or before ``as_of`` whose first order
    is ≥ ``horizon`` days before it (the protocol of ``valuecenter rhythm evaluate``)."""
    starts, count = _seen(orders, as_of)
    first = np.where(count > 0, orders.day[starts], np.iinfo(np.int64).max)
    keep = (count >= min_orders) & (first <= as_of - horizon)
    return np.flatnonzero(keep).astype(np.int64)


def _seen(orders: Orders, as_of: int) -> tuple[IntArray, IntArray]:
    """Each customer's first row in ``orders`` and how many of his orders fall on or before
    ``as_of`` — read off the sort (by customer, then day) without copying the orders: the
    score run's driver holds millions of them (docs/scale-out.md)."""
    starts = np.searchsorted(orders.customer, np.arange(orders.customers))
    if len(orders.day) == 0:
        return starts.astype(np.int64), np.zeros(orders.customers, dtype=np.int64)
    count = np.add.reduceat(orders.day <= as_of, starts, dtype=np.int64)
    return starts.astype(np.int64), np.asarray(count, dtype=np.int64)


def stopped(orders: Orders, customers: IntArray, as_of: int, horizon: int) -> BoolArray:
    """True for each customer without an order in ``(as_of, as_of + horizon]``."""
    later = (orders.day > as_of) & (orders.day <= as_of + horizon)
    active = np.zeros(orders.customers, dtype=bool)
    active[orders.customer[later]] = True
    result: BoolArray = ~active[customers]
    return result


def fit_population_bgnbd(orders: Orders, as_of: int) -> BgNbdFit:
    """BG/NBD (in days) fitted on every customer with an order on or before ``as_of``.

    All buyers, not only the scored population: the one- and two-order customers carry the
    dropout evidence (fitted on the ≥ 3-order population alone, CDNOW's P(alive) AUC falls from
    the issue's 0.715 to 0.691)."""
    x, t_x, age = _rfm(orders, as_of)
    have = age >= 0
    return fit_bgnbd(x[have], t_x[have], age[have])


def _rfm(orders: Orders, as_of: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Repeat orders, days first→last order and days first order→``as_of`` of every customer
    (age −1 for customers without an order by then)."""
    starts, seen = _seen(orders, as_of)
    # Sorted by customer then day: his first order is his first row, his latest one on or
    # before as_of the row ``seen − 1`` after it.
    first = np.where(seen > 0, orders.day[starts], as_of + 1)
    last = np.where(seen > 0, orders.day[starts + np.maximum(seen - 1, 0)], as_of + 1)
    count = seen.astype(np.float64)
    x = np.maximum(count - 1.0, 0.0)
    t_x = np.where(count > 0, last - first, 0).astype(np.float64)
    age = (as_of - first).astype(np.float64)
    return x, t_x, age


FEATURE_BLOCK = 50_000
"""Customers whose features are computed at once: every feature is a customer's own, so the
table is the same in blocks, and the work arrays stay those of one block (the score run's
driver, docs/scale-out.md)."""


def features(orders: Orders, customers: IntArray, as_of: int, horizon: int) -> pd.DataFrame:
    """The warning's features (:data:`FEATURES`) of ``customers`` at ``as_of``, from orders on
    or before it only; one row per customer, in the order given. Each customer needs at least
    two orders by then."""
    fit = fit_population_bgnbd(orders, as_of)
    customers = np.asarray(customers, dtype=np.int64)
    if len(customers) <= FEATURE_BLOCK:
        return _features(orders, customers, as_of, horizon, fit)
    blocks = [
        _features(orders, customers[start : start + FEATURE_BLOCK], as_of, horizon, fit)
        for start in range(0, len(customers), FEATURE_BLOCK)
    ]
    return pd.concat(blocks)


def _rows_of(orders: Orders, customers: IntArray) -> slice:
    """The rows of ``orders`` (sorted by customer) that can belong to ``customers``."""
    low, high = int(customers.min()), int(customers.max())
    start = int(np.searchsorted(orders.customer, low, side="left"))
    stop = int(np.searchsorted(orders.customer, high, side="right"))
    return slice(start, stop)


def _features(
    all_orders: Orders, customers: IntArray, as_of: int, horizon: int, fit: BgNbdFit
) -> pd.DataFrame:
    rows = _rows_of(all_orders, customers) if len(customers) else slice(0, 0)
    orders = Orders(
        all_orders.ids,
        all_orders.customer[rows],
        all_orders.day[rows],
        all_orders.amount[rows],
    )
    seen = (orders.day <= as_of) & np.isin(orders.customer, customers)
    frame = pd.DataFrame(
        {"c": orders.customer[seen], "d": orders.day[seen], "a": orders.amount[seen]}
    )
    grouped = frame.groupby("c", sort=True)
    frame["gap"] = grouped["d"].diff()
    frame["from_end"] = grouped.cumcount(ascending=False)
    by = frame.groupby("c", sort=True)
    n = by.size().reindex(customers).to_numpy(np.float64)
    if np.isnan(n).any() or (n < 2).any():
        raise InputError(N_("customers: each needs two orders or more by the as-of day"))
    first = by["d"].min().reindex(customers).to_numpy(np.float64)
    last = by["d"].max().reindex(customers).to_numpy(np.float64)
    median_gap = np.maximum(by["gap"].median().reindex(customers).to_numpy(np.float64), 1.0)
    basket_median = by["a"].median().reindex(customers).to_numpy(np.float64)
    basket_mean = by["a"].mean().reindex(customers).to_numpy(np.float64)
    total = by["a"].sum().reindex(customers).to_numpy(np.float64)
    last_basket = by["a"].last().reindex(customers).to_numpy(np.float64)
    tail = frame[(frame["from_end"] < TREND_GAPS) & frame["gap"].notna()]
    own_gap = pd.Series(median_gap, index=customers).reindex(tail["c"]).to_numpy(np.float64)
    ratio = np.log2(np.maximum(tail["gap"].to_numpy(np.float64), 1.0) / own_gap)
    trend = pd.Series(ratio, index=tail["c"].to_numpy()).groupby(level=0).mean()
    recent = frame[frame["d"] > as_of - horizon].groupby("c")
    recent_orders = recent.size().reindex(customers).fillna(0).to_numpy(np.float64)
    recent_amount = recent["a"].sum().reindex(customers).fillna(0).to_numpy(np.float64)
    age = as_of - first
    recency = as_of - last
    span = np.maximum(age, 1.0)
    expected_orders = n * horizon / span
    expected_amount = total * horizon / span
    x = n - 1.0
    t_x = last - first
    alive = p_alive(fit, x, t_x, age)
    # Gamma-Poisson: log P(no order in the silence since the last one), the rate's posterior
    # being gamma(r + x, α + t_x) from the rhythm up to the last order.
    surprise = (fit.r + x) * np.log((fit.alpha + t_x) / (fit.alpha + age))
    positive = np.maximum
    table = {
        "log_recency": np.log1p(recency),
        "log_orders": np.log1p(n),
        "log_age": np.log1p(age),
        "log_median_gap": np.log1p(median_gap),
        "log_overdue": np.log1p(recency / median_gap),
        "gap_trend": trend.reindex(customers).fillna(0.0).to_numpy(np.float64),
        "p_alive": alive,
        "surprise": surprise,
        "log_recent_orders": np.log1p(recent_orders),
        "log_recent_ratio": np.log((recent_orders + 0.5) / (expected_orders + 0.5)),
        "log_recent_amount_ratio": np.log(
            (positive(recent_amount, 0.0) + 1.0) / (positive(expected_amount, 0.0) + 1.0)
        ),
        "log_basket": np.log1p(positive(basket_mean, 0.0)),
        "log_last_basket_ratio": np.log(
            (positive(last_basket, 0.0) + 1.0) / (positive(basket_median, 0.0) + 1.0)
        ),
    }
    return pd.DataFrame(table, index=pd.Index(customers, name="customer"))


@dataclass(frozen=True)
class RhythmWarning:
    """The fitted warning: the logistic regression on standardised features, the cut it was
    trained at and what it saw there."""

    coef: FloatArray
    intercept: float
    mean: FloatArray
    scale: FloatArray
    trained_as_of: int
    horizon: int
    min_orders: int
    training_customers: int
    training_stop_rate: float
    threshold: float  # lowest risk whose alerts were ≥ 50% right on the training cut

    def risk(self, table: pd.DataFrame) -> FloatArray:
        """P(no order in the next ``horizon`` days) of each row of :func:`features`."""
        x = (table[list(FEATURES)].to_numpy(np.float64) - self.mean) / self.scale
        z = np.clip(x @ self.coef + self.intercept, -40.0, 40.0)
        result: FloatArray = 1.0 / (1.0 + np.exp(-z))
        return result

    def describe(self) -> dict[str, object]:
        """The model in words and figures (for a run's record)."""
        return {
            "model": "logistic regression (L2, C=1) on rhythm features, trained out of time",
            "trained_as_of_day": self.trained_as_of,
            "horizon_days": self.horizon,
            "min_orders": self.min_orders,
            "training_customers": self.training_customers,
            "training_stop_rate": round(self.training_stop_rate, 4),
            "threshold": round(self.threshold, 4),
            "coefficients": {
                name: round(float(c), 4) for name, c in zip(FEATURES, self.coef, strict=True)
            },
        }


def fit_warning(
    orders: Orders,
    as_of: int,
    horizon: int = 90,
    min_orders: int = 3,
    precision: float = 0.5,
    table: pd.DataFrame | None = None,
) -> RhythmWarning:
    """Fit the warning at ``as_of − horizon`` on the outcome in ``(as_of − horizon, as_of]``.

    Only orders on or before ``as_of`` are read. ``table``: the training cut's
    :func:`features` when the caller has them already (``features(orders,
    population(orders, as_of − horizon, horizon, min_orders), as_of − horizon, horizon)``, e.g.
    the scores of a warning fitted a horizon earlier); computed here when None. Raises
    :class:`InputError` when the training cut has fewer than ``MIN_CLASS`` stoppers or
    keepers."""
    from sklearn.linear_model import LogisticRegression

    if horizon < 1 or min_orders < 2:
        raise InputError(N_("horizon: needs 1 day or more, and min_orders 2 or more"))
    cut = as_of - horizon
    train = population(orders, cut, horizon, min_orders)
    label = stopped(orders, train, cut, horizon)
    stops = int(label.sum())
    if stops < MIN_CLASS or len(label) - stops < MIN_CLASS:
        raise InputError(
            N_(
                "as_of: the training cut %(days)s days earlier has %(stops)s stoppers and "
                "%(keeps)s keepers; %(min)s of each are needed"
            ),
            days=horizon,
            stops=stops,
            keeps=len(label) - stops,
            min=MIN_CLASS,
        )
    if table is None:
        table = features(orders, train, cut, horizon)
    elif not np.array_equal(table.index.to_numpy(), train):
        raise InputError(N_("table: not the features of the training cut's customers"))
    raw = table[list(FEATURES)].to_numpy(np.float64)
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=PENALTY_C, solver="newton-cholesky", max_iter=100)
    model.fit((raw - mean) / scale, label.astype(int))
    warning = RhythmWarning(
        coef=np.asarray(model.coef_[0], dtype=np.float64),
        intercept=float(model.intercept_[0]),
        mean=mean,
        scale=scale,
        trained_as_of=cut,
        horizon=horizon,
        min_orders=min_orders,
        training_customers=len(label),
        training_stop_rate=float(label.mean()),
        threshold=1.0,
    )
    risk = warning.risk(table)
    return RhythmWarning(
        **{**warning.__dict__, "threshold": threshold_for_precision(risk, label, precision)}
    )


def threshold_for_precision(score: FloatArray, label: BoolArray, precision: float) -> float:
    """The lowest score whose "score ≥ it" set is at least ``precision`` right (the largest
    recall at that precision); 1.0 when no threshold reaches it."""
    order = np.argsort(-score, kind="stable")
    s, y = score[order], label[order].astype(np.float64)
    hits = np.cumsum(y)
    taken = np.arange(1, len(s) + 1)
    ends = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]  # last row of each tied value
    good = ends[hits[ends] / taken[ends] >= precision]
    return float(s[good[-1]]) if len(good) else 1.0
