"""Order-rhythm early warning on synthetic order streams with a known truth: steady customers
stay quiet, customers who stop or thin out are flagged with the right test, and a market-wide
dip is one market figure, not an alert for every customer in it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.rhythm import RhythmOptions, order_rhythm

AS_OF = 20_000  # a day number; histories run two years before it
YEARS = 730


def _stream(
    rng: np.random.Generator,
    rates_per_day: np.ndarray,
    *,
    thin_from: np.ndarray | None = None,
    keep: float | np.ndarray = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson purchase days per customer over two years; from ``thin_from`` on (a day
    number per customer) only a share ``keep`` of the orders is placed."""
    customers, days = [], []
    for i, rate in enumerate(rates_per_day):
        n = rng.poisson(rate * YEARS)
        when = np.unique(rng.integers(AS_OF - YEARS, AS_OF, n))
        if thin_from is not None:
            k = keep if np.isscalar(keep) else np.asarray(keep)[i]
            late = when >= thin_from[i]
            when = when[~late | (rng.random(len(when)) < k)]
        customers.append(np.full(len(when), i))
        days.append(when)
    c = np.concatenate(customers).astype(np.int64)
    d = np.concatenate(days).astype(np.int64)
    return c, d, np.full(len(c), 10_000)


def test_steady_customers_rarely_alert_and_stopped_ones_do() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    rates = rng.gamma(4.0, 1.0 / 4.0, n) * 0.1  # about one order every 10 days
    stops = np.full(n, AS_OF + 1)
    stopped = np.arange(n) < 100
    stops[stopped] = AS_OF - 90  # the first 100 stop ordering 90 days before as_of
    c, d, v = _stream(rng, rates, thin_from=stops, keep=0.0)
    res = order_rhythm(c, d, v, np.full(n, "NL"), AS_OF)
    caught = res.alert[stopped].mean()
    false_alarms = res.alert[~stopped].mean()
    assert caught >= 0.9, caught
    assert false_alarms <= 0.01, false_alarms  # alpha = 0.01 per test, revenue gate on top
    assert res.markets[0].dip is False  # 5% of a market stopping is no market dip
    stopped_one = int(np.flatnonzero(stopped & res.alert)[0])
    assert res.p_overdue[stopped_one] < 0.01
    assert res.observed[stopped_one] == 0


def test_a_market_dip_is_one_figure_and_not_a_flood() -> None:
    """Germany orders at 60% for the last four months (a recession); the Netherlands stays.
    Without the market adjustment most Germans with a clear drop would be alerted; with it,
    Germany is one dip and only customers below their peers are alerted."""
    rng = np.random.default_rng(2)
    n = 3000
    rates = rng.gamma(4.0, 1.0 / 4.0, n) * 0.12
    market = np.where(np.arange(n) < n // 2, "DE", "NL")
    leaving = (np.arange(n) % 50 == 0) & (market == "DE")  # 30 Germans really stop
    thin_from = np.where(market == "DE", AS_OF - 120, AS_OF + 1)
    keep = np.where(leaving, 0.0, 0.6)
    c, d, v = _stream(rng, rates, thin_from=thin_from, keep=keep)
    adjusted = order_rhythm(c, d, v, market, AS_OF)
    unadjusted = order_rhythm(c, d, v, market, AS_OF, RhythmOptions(market_ratio=0.01))
    dips = {m.market: m for m in adjusted.markets}
    assert dips["DE"].dip
    assert not dips["NL"].dip
    assert 0.5 < dips["DE"].ratio < 0.75  # about the 60% drawn
    germans = market == "DE"
    flood = int(unadjusted.alert[germans & ~leaving].sum())
    kept_quiet = int(adjusted.alert[germans & ~leaving].sum())
    assert flood >= 100, flood  # the recession alone would flood the account managers
    assert kept_quiet <= flood / 5, (kept_quiet, flood)
    # ... while the customers who really stop still stand out from their peers.
    assert adjusted.alert[leaving].mean() >= 0.8
    assert dips["DE"].below >= flood // 2  # the dip names how many drops it explains


@settings(max_examples=40, deadline=None)
@given(extra=st.integers(min_value=0, max_value=6), who=st.integers(min_value=0, max_value=49))
def test_more_recent_orders_never_make_a_customer_look_worse(extra: int, who: int) -> None:
    rng = np.random.default_rng(3)
    rates = np.full(50, 0.08)
    c, d, v = _stream(rng, rates)
    base = order_rhythm(c, d, v, np.full(50, "NL"), AS_OF)
    more_days = AS_OF - 1 - np.arange(extra)
    c2 = np.concatenate([c, np.full(extra, who)])
    d2 = np.concatenate([d, more_days])
    v2 = np.concatenate([v, np.full(extra, 10_000)])
    more = order_rhythm(c2, d2, v2, np.full(50, "NL"), AS_OF)
    assert more.p_fewer[who] >= base.p_fewer[who] - 1e-12
    assert not (more.alert[who] and not base.alert[who])


def test_orders_on_or_after_as_of_are_ignored() -> None:
    rng = np.random.default_rng(4)
    c, d, v = _stream(rng, np.full(200, 0.1))
    before = order_rhythm(c, d, v, np.full(200, "NL"), AS_OF - 30)
    later = d >= AS_OF - 30
    only = order_rhythm(c[~later], d[~later], v[~later], np.full(200, "NL"), AS_OF - 30)
    np.testing.assert_array_equal(before.alert, only.alert)
    np.testing.assert_allclose(before.p_fewer, only.p_fewer)


def test_bad_input_names_the_problem() -> None:
    c = np.array([0, 1], dtype=np.int64)
    d = np.array([AS_OF - 5, AS_OF - 3], dtype=np.int64)
    with pytest.raises(InputError, match="customer"):
        order_rhythm(c, d, [1, 1], ["NL"], AS_OF)  # customer 1 has no market
    with pytest.raises(InputError, match="length"):
        order_rhythm(c, d, [1], ["NL", "NL"], AS_OF)
    with pytest.raises(InputError, match="rhythm"):
        order_rhythm(c, d, [1, 1], ["NL", "NL"], AS_OF)  # two orders: nobody has a rhythm
    with pytest.raises(InputError, match="alpha"):
        order_rhythm(c, d, [1, 1], ["NL", "NL"], AS_OF, RhythmOptions(alpha=0.7))
