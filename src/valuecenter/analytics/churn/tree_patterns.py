"""LightGBM's TreeSHAP contributions for many rows: per tree once per distinct decision
pattern, from tables computed once per model.

Path-dependent TreeSHAP (Lundberg et al. 2020; LightGBM's ``pred_contrib``) splits a tree's
output into one term per leaf (Yang 2021, "Fast TreeSHAP", v2; Mitchell et al. 2022,
"GPUTreeShap", eq. 4): for leaf l with value v, the d distinct features on its path, for each
such feature k whether the row satisfies all of the path's conditions on it (o_k ∈ {0, 1}) and
the share of the training rows that do (z_k, the product of the cover ratios), feature j gets

    v · (o_j − z_j) · Σ_s w(s, d) · [t^s] Π_{k ≠ j} (z_k + o_k t),   w(s, d) = s!(d−s−1)!/d!.

It depends on the row only through the d bits o, so each leaf has a table of 2^d × d values,
computed once per model. A row's contributions in a tree depend only on the branch it takes at
each split, which for ``x <= threshold`` splits is fixed by how many of the tree's thresholds
lie below its value in each feature: the tables are evaluated once per tree and distinct
pattern and scattered to the rows. The result equals ``pred_contrib`` up to the order of the
floating-point additions (``tests/test_analytics_churn.py``).

Trees with a split this reading does not cover (not ``<=``, missing values sent by zero, a leaf
with more than :data:`MAX_PATH_FEATURES` features on its path) and rows with a missing value
are left to ``pred_contrib``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_PATH_FEATURES = 12
"""Distinct features on one leaf's path above which its table (2^d rows) is not built."""


@dataclass(frozen=True)
class _Leaf:
    features: IntArray  # the distinct features on the path
    low: FloatArray  # a row satisfies the path on feature k when low_k < x_k <= high_k
    high: FloatArray
    table: FloatArray  # (2^d × d): contributions by the pattern of satisfied features


@dataclass(frozen=True)
class _Tree:
    index: int
    features: tuple[int, ...]
    thresholds: tuple[FloatArray, ...]
    leaves: tuple[_Leaf, ...] | None  # None: left to pred_contrib


def _weights(d: int) -> FloatArray:
    return np.array(
        [factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)], dtype=np.float64
    )


def _table(value: float, zero: FloatArray) -> FloatArray:
    """(2^d × d) contributions of one leaf for every pattern of satisfied path features."""
    d = len(zero)
    bits = ((np.arange(2**d)[:, None] >> np.arange(d)[None, :]) & 1).astype(np.float64)
    weights = _weights(d)
    out = np.empty((2**d, d), dtype=np.float64)
    for j in range(d):
        coef = np.zeros((2**d, d), dtype=np.float64)
        coef[:, 0] = 1.0
        for k in range(d):
            if k == j:
                continue
            shifted = np.zeros_like(coef)
            shifted[:, 1:] = coef[:, :-1] * bits[:, k : k + 1]
            coef = coef * zero[k] + shifted
        out[:, j] = value * (bits[:, j] - zero[j]) * (coef @ weights)
    return out


def _leaves(node: dict[str, Any], path: list[tuple[int, float, bool, float]]) -> list[_Leaf]:
    """The leaves under ``node``; ``path``: (feature, threshold, went left, cover ratio)."""
    if "split_feature" not in node:
        features = sorted({f for f, _, _, _ in path})
        low = np.full(len(features), -np.inf)
        high = np.full(len(features), np.inf)
        zero = np.ones(len(features))
        for f, threshold, left, ratio in path:
            k = features.index(f)
            if left:
                high[k] = min(high[k], threshold)
            else:
                low[k] = max(low[k], threshold)
            zero[k] *= ratio
        if len(features) > MAX_PATH_FEATURES:
            raise _Unsupported
        table = _table(float(node["leaf_value"]), zero) if features else np.zeros((1, 0))
        return [_Leaf(np.array(features, dtype=np.int64), low, high, table)]
    if node.get("decision_type") != "<=" or node.get("missing_type") not in ("None", "NaN"):
        raise _Unsupported
    count = float(node["internal_count"])
    feature, threshold = int(node["split_feature"]), float(node["threshold"])
    out = []
    for child, left in ((node["left_child"], True), (node["right_child"], False)):
        child_count = float(child.get("internal_count", child.get("leaf_count", 0)))
        out += _leaves(child, [*path, (feature, threshold, left, child_count / count)])
    return out


class _Unsupported(Exception):
    """A tree this reading does not cover."""


def _splits(node: dict[str, Any], out: list[tuple[int, float]]) -> None:
    if "split_feature" in node:
        out.append((int(node["split_feature"]), float(node["threshold"])))
        _splits(node["left_child"], out)
        _splits(node["right_child"], out)


def _tree(info: dict[str, Any]) -> _Tree:
    splits: list[tuple[int, float]] = []
    _splits(info["tree_structure"], splits)
    features = tuple(sorted({f for f, _ in splits}))
    thresholds = tuple(
        np.unique(np.array([t for g, t in splits if g == f], dtype=np.float64)) for f in features
    )
    try:
        leaves: tuple[_Leaf, ...] | None = tuple(_leaves(info["tree_structure"], []))
    except _Unsupported:
        leaves = None
    return _Tree(int(info["tree_index"]), features, thresholds, leaves)


class PatternContributions:
    """Source-column TreeSHAP contributions of a LightGBM booster (the bias left out)."""

    def __init__(self, booster: Any, merge: FloatArray) -> None:
        """``merge``: (matrix columns × source columns), summing each source column's matrix
        columns (``FeatureLayout.source_matrix``)."""
        self.booster = booster
        self.merge = np.asarray(merge, dtype=np.float64)
        self.trees = [_tree(info) for info in booster.dump_model()["tree_info"]]

    def _direct(self, x: FloatArray, tree: int | None = None) -> FloatArray:
        if tree is None:
            raw = self.booster.predict(x, pred_contrib=True)
        else:
            raw = self.booster.predict(x, pred_contrib=True, start_iteration=tree, num_iteration=1)
        merged: FloatArray = np.asarray(raw, dtype=np.float64)[:, :-1] @ self.merge
        return merged

    def source_contributions(self, x: FloatArray) -> FloatArray:
        """(rows × source columns): each source column's summed contribution to the log-odds."""
        x = np.asarray(x, dtype=np.float64)
        out = np.zeros((len(x), self.merge.shape[1]), dtype=np.float64)
        if len(x) == 0:
            return out
        blank = np.isnan(x).any(axis=1)
        if blank.any():
            out[blank] = self._direct(x[blank])
            if not blank.all():
                out[~blank] = self.source_contributions(x[~blank])
            return out
        n, width = x.shape
        scratch = np.empty_like(out)
        for tree in self.trees:
            if not tree.features:
                continue  # a single leaf: all bias
            if tree.leaves is None:
                out += self._direct(x, tree.index)
                continue
            code = np.zeros(n, dtype=np.int64)
            size = 1
            for feature, thresholds in zip(tree.features, tree.thresholds, strict=True):
                code += np.searchsorted(thresholds, x[:, feature], side="left") * size
                size *= len(thresholds) + 1
            _codes, rows, inverse = np.unique(code, return_index=True, return_inverse=True)
            sample = x[rows]
            phi = np.zeros((len(rows), width), dtype=np.float64)
            for leaf in tree.leaves:
                if not len(leaf.features):
                    continue
                values = sample[:, leaf.features]
                hit = (values > leaf.low) & (values <= leaf.high)
                pattern = hit @ (1 << np.arange(len(leaf.features), dtype=np.int64))
                phi[:, leaf.features] += leaf.table[pattern]
            np.take(phi @ self.merge, inverse.reshape(-1), axis=0, out=scratch)
            out += scratch
        return out
