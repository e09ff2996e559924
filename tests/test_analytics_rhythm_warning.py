"""The rhythm warning's analytics (``analytics/rhythm_warning.py``): it reads no order after
its day, and its alert threshold is the lowest score whose list is right often enough."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.rhythm_eval import validate_warning
from valuecenter.analytics.rhythm_warning import (
    FEATURES,
    Orders,
    customer_days,
    features,
    fit_warning,
    population,
    threshold_for_precision,
)


def _orders(seed: int, after: int | None = None) -> Orders:
    """400 customers ordering every 5–35 days over 500 days, 60% of them stopping on a random
    day; with ``after``, every order after that day is replaced by noise."""
    rng = np.random.default_rng(seed)
    customer, day, amount = [], [], []
    for c in range(400):
        stop = int(rng.integers(150, 520)) if rng.random() < 0.6 else 600
        d = int(rng.integers(0, 30))
        while d < min(stop, 500):
            customer.append(c)
            day.append(d)
            amount.append(float(rng.integers(10, 200)))
            d += int(rng.integers(5, 35))
    days = np.asarray(day)
    if after is not None:
        noise = np.random.default_rng(seed + 1)
        late = days > after
        days[late] = after + 1 + noise.integers(0, 100, late.sum())
    return customer_days(np.asarray(customer), days, np.asarray(amount))


def test_the_score_reads_no_order_after_its_day() -> None:
    as_of = 360
    honest, noisy = _orders(3), _orders(3, after=as_of)
    scores = []
    for orders in (honest, noisy):
        warning = fit_warning(orders, as_of, 90, 3)
        judged = population(orders, as_of, 90, 3)
        scores.append(warning.risk(features(orders, judged, as_of, 90)))
    np.testing.assert_array_equal(scores[0], scores[1])


def test_features_are_finite_and_named() -> None:
    orders = _orders(4)
    judged = population(orders, 360, 90, 3)
    table = features(orders, judged, 360, 90)
    assert tuple(table.columns) == FEATURES
    assert np.isfinite(table.to_numpy()).all()
    assert len(table) == len(judged) > 100


def test_validation_is_out_of_time_and_better_than_chance() -> None:
    result = validate_warning(_orders(5), 420, 90, 3)
    assert result["tested_as_of_day"] == 330
    assert result["trained_as_of_day"] == 240
    assert float(str(result["auc"])) > 0.6


def test_threshold_for_precision() -> None:
    score = np.array([0.9, 0.8, 0.7, 0.7, 0.3, 0.1])
    label = np.array([1, 0, 1, 1, 0, 0], dtype=bool)
    assert threshold_for_precision(score, label, 0.5) == 0.1  # 3 of 6 right
    assert threshold_for_precision(score, label, 0.6) == 0.3  # 3 of 5 right
    assert threshold_for_precision(score, label, 0.7) == 0.7  # 3 of 4 right (ties together)
    assert threshold_for_precision(score, label, 1.0) == 0.9
    assert threshold_for_precision(score, np.zeros(6, dtype=bool), 0.5) == 1.0


def test_a_training_cut_without_stoppers_is_refused() -> None:
    orders = customer_days(
        np.repeat(np.arange(30), 40), np.tile(np.arange(0, 400, 10), 30), np.ones(1200)
    )
    with pytest.raises(InputError, match="stoppers"):
        fit_warning(orders, 300, 90, 3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 40), st.integers(0, 60), st.integers(-500, 5000).map(float)),
        min_size=1,
        max_size=80,
    )
)
def test_integer_ids_take_the_sorting_path_with_the_same_orders(
    rows: list[tuple[int, int, float]],
) -> None:
    # Integer ids (the score run's purchase days, one per customer-day, or not) give exactly
    # the orders of the grouping path, which object ids always take.
    customer = np.array([c for c, _, _ in rows], dtype=np.int64)
    day = np.array([d for _, d, _ in rows], dtype=np.int64)
    amount = np.array([a for _, _, a in rows])
    fast = customer_days(customer, day, amount)
    grouped = customer_days(customer.astype(object), day, amount)
    assert list(fast.ids) == list(grouped.ids)
    assert all(type(i) is int for i in fast.ids)
    for name in ("customer", "day", "amount"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(grouped, name))
        assert getattr(fast, name).dtype == getattr(grouped, name).dtype
    # Given back already sorted and one per customer-day, they take the counting path (no sort,
    # no copy of the days): the same orders again.
    ids = np.asarray(list(grouped.ids), dtype=np.int64)[grouped.customer]
    again = customer_days(ids, grouped.day, grouped.amount)
    assert list(again.ids) == list(grouped.ids)
    assert all(type(i) is int for i in again.ids)
    for name in ("customer", "day", "amount"):
        np.testing.assert_array_equal(getattr(again, name), getattr(grouped, name))
        assert getattr(again, name).dtype == getattr(grouped, name).dtype


def test_the_training_cut_features_given_fit_the_same_warning() -> None:
    # The score run hands the features of the validation cut to today's fit (same customers,
    # same day): the warning is the one fitted from scratch; other customers are refused.
    orders = _orders(3)
    as_of, h, m = 450, 90, 3
    train = population(orders, as_of - h, h, m)
    table = features(orders, train, as_of - h, h)
    given_fit = fit_warning(orders, as_of, h, m, table=table)
    scratch = fit_warning(orders, as_of, h, m)
    for name, value in vars(scratch).items():
        np.testing.assert_array_equal(getattr(given_fit, name), value, err_msg=name)
    with pytest.raises(InputError, match="training cut"):
        fit_warning(orders, as_of, h, m, table=table.iloc[1:])


@settings(max_examples=15, deadline=None)
@given(block=st.integers(1, 60), seed=st.integers(0, 3))
def test_features_in_blocks_of_customers_are_the_whole_tables_rows(block: int, seed: int) -> None:
    """Every feature is a customer's own, so the table computed a block of customers at a
    time (the score run's driver: ``FEATURE_BLOCK``) is the one computed at once, bit for bit
    — also for customers given out of order."""
    import valuecenter.analytics.rhythm_warning as module

    orders = _orders(seed)
    judged = population(orders, 360, 90, 3)
    shuffled = np.random.default_rng(seed).permutation(judged)
    cases = (("sorted", judged), ("shuffled", shuffled))
    whole = {name: features(orders, c, 360, 90) for name, c in cases}
    saved = module.FEATURE_BLOCK
    module.FEATURE_BLOCK = block
    try:
        for name, customers in cases:
            blocked = features(orders, customers, 360, 90)
            assert blocked.index.tolist() == customers.tolist()
            np.testing.assert_array_equal(blocked.to_numpy(), whole[name].to_numpy())
    finally:
        module.FEATURE_BLOCK = saved


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 50), as_of=st.integers(-5, 560), horizon=st.integers(1, 200))
def test_population_and_rfm_read_off_the_sort_as_a_grouping_would(
    seed: int, as_of: int, horizon: int
) -> None:
    """``population`` and the BG/NBD inputs are read off the orders' sort (first row, count of
    rows on or before the day) without copying the orders: the same as grouping them."""
    from valuecenter.analytics.rhythm_warning import _rfm

    orders = _orders(seed % 4)
    seen = orders.day <= as_of
    frame = pd.DataFrame({"c": orders.customer[seen], "d": orders.day[seen]})
    g = frame.groupby("c")["d"].agg(["count", "min", "max"]).reindex(range(orders.customers))
    count = g["count"].fillna(0).to_numpy(np.int64)
    first = g["min"].fillna(as_of + 1).to_numpy(np.int64)
    last = g["max"].fillna(as_of + 1).to_numpy(np.int64)
    x, t_x, age = _rfm(orders, as_of)
    np.testing.assert_array_equal(x, np.maximum(count - 1, 0).astype(float))
    np.testing.assert_array_equal(t_x, np.where(count > 0, last - first, 0).astype(float))
    np.testing.assert_array_equal(age, (as_of - first).astype(float))
    expected = np.flatnonzero((count >= 3) & (count > 0) & (first <= as_of - horizon))
    np.testing.assert_array_equal(population(orders, as_of, horizon, 3), expected)
