"""Order-rhythm early warning (B2B): is a customer ordering clearly less than his own rhythm,
and is that him or his whole market?

Each customer's order rate is Poisson with a rate of his own, drawn from a gamma distribution
across customers — the NBD of Ehrenberg (1959) that also underlies BG/NBD (Fader, Hardie & Lee
2005). The population's gamma(r, a) is fitted by moments on the customers' baseline rates, so
a customer with few orders is judged against a rhythm shrunk towards the population's, and
one with many orders against his own. Given his baseline (``n`` orders in ``T`` days), the
number of orders in the next ``w`` days is negative binomial with size ``r + n`` and success
probability ``(a + T) / (a + T + w)`` (the gamma-Poisson posterior predictive). Two tests:

- **fewer orders**: P(K ≤ k) of the orders he placed in the recent window;
- **overdue**: P(no order in the ``s`` days since his last one), from his rhythm up to it.

Either below ``alpha`` — and revenue in the window below ``revenue_ratio`` of his baseline —
raises an individual alert. Before that, every **market** (a country) is compared with itself:
observed orders in the window ÷ the sum of its customers' expected orders. A market clearly
below the rest of the company (ratio < ``market_ratio`` × the other markets' ratio, capped at
1, and a z-score below ``market_z`` against that) is a **market dip**: it is
reported once, and its customers' expectations are scaled by the market's ratio, so that only
customers who fall below their peers are alerted (the seeds' "is it the recession, or is he
about to leave?").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import betainc  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RhythmOptions:
    window_days: int = 90  # the recent window judged against the rhythm
    baseline_days: int = 365  # the history before the window that sets the rhythm
    min_orders: int = 3  # baseline purchase days needed to have a rhythm at all
    alpha: float = 0.01  # how surprising a drop must be for an individual alert
    revenue_ratio: float = 0.5  # ... and revenue in the window below this share of usual
    market_ratio: float = 0.85  # a market below this share of its expected orders dips
    market_z: float = -4.0  # ... and is that far below by a z-score (not chance)
    min_market_customers: int = 100  # markets with fewer customers with a rhythm are not judged
    # The learned warning (analytics/rhythm_warning.py) alerts from the lowest risk whose alerts
    # were this often right on its training cut ("no order in the next window"). At 0.5 a
    # 20,000-customer wholesale world of issue 18 raised 8,955 alerts in a year, 13.5% of them
    # truly leaving; at 0.7, 1,606 alerts, 36.4% (docs/alerts.md): an inbox that is read.
    warning_precision: float = 0.7

    def check(self) -> None:
        if self.window_days < 7 or self.baseline_days < self.window_days:
            raise InputError(N_("window_days: needs 7 days or more and a longer baseline"))
        if not 0.0 < self.alpha < 0.5:
            raise InputError(N_("alpha: needs a level between 0 and 0.5"))
        if not 0.0 < self.market_ratio < 1.0:
            raise InputError(N_("market_ratio: needs a share between 0 and 1"))
        if not 0.0 < self.warning_precision < 1.0:
            raise InputError(N_("warning_precision: needs a share between 0 and 1"))


@dataclass(frozen=True)
class MarketFigures:
    market: str
    customers: int  # customers with a rhythm
    expected: float  # orders expected in the window from their own rhythms
    observed: int
    ratio: float
    z: float
    dip: bool
    below: int  # customers below their own rhythm whom the dip explains (not alerted)


@dataclass(frozen=True)
class RhythmResult:
    """Per customer (the input's customer index order) and per market."""

    has_rhythm: BoolArray
    gap_days: FloatArray  # the usual days between orders (posterior mean)
    expected: FloatArray  # orders expected in the window (market-adjusted)
    observed: IntArray  # orders placed in the window
    days_since: IntArray  # days since the last order (-1: never ordered)
    p_fewer: FloatArray
    p_overdue: FloatArray
    revenue_window: FloatArray  # cents
    revenue_usual: FloatArray  # cents expected in the window from the baseline
    market_dip: BoolArray  # the customer's market dips
    alert: BoolArray
    prior: tuple[float, float]  # gamma (r, a) of the daily order rate
    markets: list[MarketFigures]


def _nbinom_cdf(k: FloatArray, size: FloatArray, p: FloatArray) -> FloatArray:
    """P(K ≤ k) of a negative binomial (size, p) — the regularised incomplete beta."""
    return np.asarray(betainc(size, k + 1.0, p), dtype=np.float64)


def _gamma_prior(rate: FloatArray, exposure: FloatArray) -> tuple[float, float]:
    """Moments of the gamma mixing distribution: mean of the rates, and their variance less
    the Poisson noise of each estimate (mean of rate / exposure)."""
    mean = float(rate.mean())
    var = float(rate.var() - (rate / exposure).mean())
    var = max(var, mean * mean / 50.0)  # a shape of at most 50: never a point mass
    return mean * mean / var, mean / var


def order_rhythm(
    customer: IntArray,
    day: IntArray,
    cents: npt.ArrayLike,
    market: npt.ArrayLike,
    as_of: int,
    options: RhythmOptions | None = None,
) -> RhythmResult:
    """Judge every customer's recent ordering against his own rhythm and his market's.

    ``customer`` (0..n−1), ``day`` (days since 1970-01-01) and ``cents``: one entry per
    purchase day before ``as_of``; ``market``: one label per customer (n = its length).
    """
    o = options or RhythmOptions()
    o.check()
    markets = np.asarray(market).astype(str)
    n = len(markets)
    customer = np.asarray(customer, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    value = np.asarray(cents, dtype=np.float64)
    if not (len(customer) == len(day) == len(value)):
        raise InputError(N_("orders: customer, day and cents differ in length"))
    if len(customer) and (customer.min() < 0 or customer.max() >= n):
        raise InputError(N_("customer: an index outside the markets given"))
    keep = day < as_of
    if not keep.all():  # the score run passes only days before as_of: no copies then
        customer, day, value = customer[keep], day[keep], value[keep]
    del keep
    w = o.window_days
    start = as_of - w
    base_from = start - o.baseline_days
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, customer, day)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, customer, day)
    in_base = (day >= base_from) & (day < start)
    in_window = day >= start
    base_n = np.bincount(customer[in_base], minlength=n).astype(np.int64)
    # A customer whose first purchase falls inside the baseline: that purchase starts his
    # exposure and is not counted (the CLV convention, frequency = purchases − 1).
    began_inside = (first >= base_from) & (first < start)
    base_n = base_n - began_inside.astype(np.int64)
    exposure = np.where(began_inside, start - first, o.baseline_days).astype(np.float64)
    base_cents = np.bincount(customer[in_base], weights=value[in_base], minlength=n)
    observed = np.bincount(customer[in_window], minlength=n).astype(np.int64)
    window_cents = np.asarray(
        np.bincount(customer[in_window], weights=value[in_window], minlength=n), dtype=np.float64
    )
    has = (base_n + began_inside >= o.min_orders) & (exposure >= 2 * w / 3)
    if not has.any():
        raise InputError(N_("orders: no customer has a rhythm yet (too little history)"))
    r, a = _gamma_prior(base_n[has] / exposure[has], exposure[has])
    size = np.asarray(r + base_n, dtype=np.float64)
    rate = size / (a + exposure)
    expected_raw = rate * w
    # Markets: observed ÷ expected over their customers with a rhythm.
    labels, code = np.unique(markets, return_inverse=True)
    exp_m = np.bincount(code[has], weights=expected_raw[has], minlength=len(labels))
    obs_m = np.bincount(code[has], weights=observed[has], minlength=len(labels))
    cnt_m = np.bincount(code[has], minlength=len(labels))
    # Spread of a market's total beyond Poisson: the NB variance of each customer's count.
    var_m = np.bincount(
        code[has], weights=(expected_raw * (1.0 + w / (a + exposure)))[has], minlength=len(labels)
    )
    ratio_m = np.divide(obs_m, exp_m, out=np.ones(len(labels)), where=exp_m > 0)
    # What every market shows at once is not one market's dip: the rest of the company's ratio
    # (leave one out; 1 with no other market, never above 1) is the reference. Customers picked
    # for having a rhythm in the baseline order less afterwards everywhere (regression to the
    # mean of clumpy, real-like ordering, and the company's normal churn): judged against 1,
    # every market would dip in about half the weeks of a quiet year (issue 18's world).
    rest_obs, rest_exp = obs_m.sum() - obs_m, exp_m.sum() - exp_m
    ref_m = np.minimum(
        np.divide(rest_obs, rest_exp, out=np.ones(len(labels)), where=rest_exp > 0), 1.0
    )
    z_m = np.divide(
        obs_m - ref_m * exp_m,
        np.sqrt(var_m * ref_m),
        out=np.zeros(len(labels)),
        where=var_m * ref_m > 0,
    )
    dip_m = (
        (ratio_m < o.market_ratio * ref_m) & (z_m < o.market_z) & (cnt_m >= o.min_market_customers)
    )
    factor = np.where(dip_m, ratio_m, 1.0)[code]
    expected = expected_raw * factor
    p_win = (a + exposure) / (a + exposure + w * factor)
    p_fewer = np.where(has, _nbinom_cdf(observed.astype(np.float64), size, p_win), 1.0)
    # Overdue: his rhythm up to his last order, then silence since.
    silence = np.where(last >= 0, as_of - last, -1).astype(np.int64)
    history = np.bincount(customer, minlength=n) - 1  # purchases after the first
    span = np.maximum(last - np.minimum(first, as_of), 0).astype(np.float64)
    lived = np.maximum(span, 1.0)
    quiet = np.maximum(silence, 0) * factor
    p_overdue = np.where(has, ((a + lived) / (a + lived + quiet)) ** (r + history), 1.0)
    usual = np.divide(base_cents, exposure, out=np.zeros(n), where=exposure > 0) * w * factor
    low_revenue = window_cents < o.revenue_ratio * usual
    surprised = np.minimum(p_fewer, p_overdue) < o.alpha
    alert = has & surprised & low_revenue
    # Customers the dip explains: surprising against their own rhythm, not against peers.
    p_raw = _nbinom_cdf(observed.astype(np.float64), size, (a + exposure) / (a + exposure + w))
    explained = has & (p_raw < o.alpha) & ~alert & (factor < 1.0)
    figures = [
        MarketFigures(
            market=str(labels[i]),
            customers=int(cnt_m[i]),
            expected=float(exp_m[i]),
            observed=int(obs_m[i]),
            ratio=float(ratio_m[i]),
            z=float(z_m[i]),
            dip=bool(dip_m[i]),
            below=int(np.count_nonzero(explained & (code == i))),
        )
        for i in range(len(labels))
    ]
    return RhythmResult(
        has_rhythm=has,
        gap_days=np.where(has, 1.0 / rate, np.nan),
        expected=np.where(has, expected, 0.0),
        observed=observed,
        days_since=silence,
        p_fewer=p_fewer,
        p_overdue=p_overdue,
        revenue_window=window_cents,
        revenue_usual=usual,
        market_dip=dip_m[code],
        alert=alert,
        prior=(r, a),
        markets=figures,
    )
