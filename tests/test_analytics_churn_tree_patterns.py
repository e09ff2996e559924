"""The compiled TreeSHAP kernel (``analytics/churn/tree_patterns.py``) against LightGBM's own
``pred_contrib``: every split kind LightGBM writes (numeric ``<=`` with each missing-value
routing, categorical bitsets), rows with NaN, zeros, negative and unseen categories; the per-row
leaves; the reasons' top-k; numba's cache fallback (issue 16)."""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt
import pytest

from valuecenter.analytics.churn import reasons as reason_codes
from valuecenter.analytics.churn import tree_patterns

FloatArray = npt.NDArray[np.float64]


def _data(n: int, seed: int) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Numeric columns with NaN and zeros, two integer-coded categorical columns (one with
    NaN), churn from an interaction of all of them."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.normal(size=n),
            rng.integers(0, 40, n).astype(float),  # categorical, 40 levels (> 32: 2 words)
            rng.normal(size=n),
            rng.poisson(2, n).astype(float),
            rng.integers(0, 3, n).astype(float),  # categorical
        ]
    )
    x[rng.random(n) < 0.2, 0] = np.nan
    x[rng.random(n) < 0.1, 1] = np.nan
    x[rng.random(n) < 0.3, 3] = 0.0
    logit = (
        np.nan_to_num(x[:, 0])
        + (x[:, 1] % 3 == 0)
        - 0.5 * x[:, 2] * np.nan_to_num(x[:, 3])
        + (x[:, 4] == 1)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return x, y


def _booster(params: dict[str, Any]) -> Any:
    x, y = _data(6_000, seed=0)
    data = lightgbm.Dataset(x, y, categorical_feature=[1, 4])
    settings = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "verbose": -1}
    settings |= {"min_data_in_leaf": 5, "num_threads": 1, "deterministic": True}
    return lightgbm.train(settings | params, data, num_boost_round=25)


def _kinds(booster: Any) -> set[tuple[str, str, bool]]:
    """(decision type, missing type, default left) of every split of the model."""
    out: set[tuple[str, str, bool]] = set()

    def walk(node: dict[str, Any]) -> None:
        if "split_index" in node:
            out.add((node["decision_type"], node["missing_type"], bool(node["default_left"])))
            walk(node["left_child"])
            walk(node["right_child"])

    for info in booster.dump_model()["tree_info"]:
        walk(info["tree_structure"])
    return out


def _rows() -> FloatArray:
    """Rows to explain, with the values that take LightGBM's special routes."""
    x, _ = _data(3_000, seed=1)
    x[:50, 1] = -3.0  # negative category: right
    x[50:100, 1] = 1e12  # beyond every bitset
    x[100:150, 1] = -0.5  # int(-0.5) = 0: category 0
    x[150:200, 1] = 2.7  # int(2.7) = 2
    x[200:250, 0] = 0.0  # zero: missing under zero_as_missing
    x[250:300, 3] = np.nan
    x[300:350, 4] = np.nan  # NaN category
    x[350:400, 0] = 1e-36  # within LightGBM's zero threshold
    return x


@pytest.mark.parametrize(
    ("params", "kinds"),
    [
        ({}, {("<=", "NaN", True), ("<=", "NaN", False), ("==", "NaN", False)}),
        ({"zero_as_missing": True}, {("<=", "Zero", True), ("<=", "Zero", False)}),
        ({"use_missing": False}, {("<=", "None", True), ("==", "None", False)}),
    ],
)
def test_kernel_equals_pred_contrib_on_every_split_kind(
    params: dict[str, Any], kinds: set[tuple[str, str, bool]]
) -> None:
    booster = _booster(params)
    assert kinds <= _kinds(booster)  # the model has the split kinds this case is about
    width = booster.num_feature()
    model = tree_patterns.forest(booster, np.arange(width), width)
    x = _rows()
    got = tree_patterns.contributions(model, x)
    expected = np.asarray(booster.predict(x, pred_contrib=True))[:, :-1]
    assert np.abs(got - expected).max() <= 1e-9


def test_kernel_sums_into_source_columns_and_evaluates_large_leaves_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Output columns merge matrix columns (as the reason codes merge one source column's
    columns); leaves whose table would be too large are evaluated per row, exactly."""
    booster = _booster({})
    x = _rows()
    expected = np.asarray(booster.predict(x, pred_contrib=True))[:, :-1]
    columns = np.array([0, 1, 0, 2, 1])  # matrix column → output column
    merged = expected @ np.eye(3)[columns]
    monkeypatch.setattr(tree_patterns, "TABLE_ENTRIES", 64)  # most blocks: single leaves
    model = tree_patterns.forest(booster, columns, 3)
    assert (model.table_start < 0).sum() > 10  # leaves left to the per-row formula
    assert (model.table_start >= 0).sum() > 10
    got = tree_patterns.contributions(model, x)
    assert np.abs(got - merged).max() <= 1e-9


def test_kernel_on_no_rows_and_single_leaf_trees() -> None:
    x, y = _data(200, seed=2)
    booster = lightgbm.train(
        {"objective": "binary", "min_data_in_leaf": 500, "verbose": -1},
        lightgbm.Dataset(x, y),
        num_boost_round=3,
    )  # too few rows to split: every tree a single leaf (all bias)
    model = tree_patterns.forest(booster, np.arange(5), 5)
    assert (model.first_split < 0).all()
    assert tree_patterns.contributions(model, x).shape == (200, 5)
    assert not tree_patterns.contributions(model, x).any()
    assert tree_patterns.contributions(model, x[:0]).shape == (0, 5)


def test_top_positive_is_the_stable_order_of_the_positive_shares() -> None:
    """The compiled top-k equals a stable argsort of the positive shares: ties go to the
    first column, non-positive shares are never reasons."""
    rng = np.random.default_rng(3)
    merged = np.round(rng.normal(size=(5_000, 7)), 1)  # many ties
    merged[::4, 2:] = -1.0
    merged[::9] = 0.0
    for k in (1, 3, 7, 9):
        index, shares = reason_codes.top_positive(merged, k)
        kk = min(k, merged.shape[1])
        masked = np.where(merged > 0, merged, -np.inf)
        order = np.argsort(-masked, axis=1, kind="stable")[:, :kk]
        top = np.take_along_axis(masked, order, axis=1)
        assert np.array_equal(index, np.where(top > 0, order, -1))
        assert np.array_equal(shares, np.where(top > 0, top, 0.0))


def test_compiled_without_a_writable_cache_directory_compiles_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """numba refuses ``cache=True`` where no cache directory is writable (a read-only install
    without a home directory); the kernels then compile per process instead of failing."""
    from numba.core import caching

    from valuecenter.analytics.compiled import compiled

    def add(a: float, b: float) -> float:
        return a + b

    cached = compiled()(add)
    assert isinstance(cached._cache, caching.FunctionCache)  # type: ignore[attr-defined]
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    with pytest.raises(RuntimeError, match="no locator available"):
        caching.FunctionCache(add)  # what numba does with cache=True here
    uncached = compiled()(add)
    assert isinstance(uncached._cache, caching.NullCache)  # type: ignore[attr-defined]
    assert uncached(1.5, 2.0) == 3.5
