"""LightGBM's TreeSHAP contributions for many rows, computed once per distinct decision pattern.

Path-dependent TreeSHAP (Lundberg et al. 2020, algorithm 2; LightGBM's ``pred_contrib``) gives
a row's contributions in one tree as a function of the branch the row takes at each of the
tree's splits, and nothing else. With numeric ``x <= threshold`` splits, two rows take the same
branches in a tree exactly when, for every feature the tree splits on, the same number of that
tree's thresholds lie below their values. So each tree's contributions are computed by
LightGBM itself for one representative row per distinct pattern (a few thousand rows, not a
million), mapped back to the source columns, and scattered to every row with that pattern;
the sum over the trees is the model's contribution — the same numbers as ``pred_contrib`` on
every row, up to the order of floating-point additions (``tests/test_analytics_churn.py``).
This is what makes reason codes for 1M customers take seconds instead of minutes
(docs/benchmarks.md, "Reason codes").

A tree with a split this reading does not cover (a categorical split, or missing values sent
by zero) and rows with a missing value are left to ``pred_contrib`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DENSE_CODES_PER_ROW = 4
"""Patterns are numbered densely (a counting pass) when there are at most this many possible
codes per row; else they are found by sorting."""


@dataclass(frozen=True)
class _Tree:
    """One tree's split features and, per feature, its sorted distinct thresholds."""

    index: int
    features: tuple[int, ...]
    thresholds: tuple[FloatArray, ...]
    exact: bool  # every split is numeric "<=" without zero-as-missing


def _splits(node: dict[str, Any], out: list[tuple[int, float, bool]]) -> None:
    if "split_feature" not in node:
        return
    plain = node.get("decision_type") == "<=" and node.get("missing_type") in ("None", "NaN")
    out.append((int(node["split_feature"]), float(node["threshold"]), plain))
    _splits(node["left_child"], out)
    _splits(node["right_child"], out)


def _trees(booster: Any) -> list[_Tree]:
    trees = []
    for info in booster.dump_model()["tree_info"]:
        splits: list[tuple[int, float, bool]] = []
        _splits(info["tree_structure"], splits)
        features = sorted({f for f, _, _ in splits})
        thresholds = tuple(
            np.unique(np.array([t for f, t, _ in splits if f == feature], dtype=np.float64))
            for feature in features
        )
        trees.append(
            _Tree(
                int(info["tree_index"]),
                tuple(features),
                thresholds,
                all(plain for _, _, plain in splits),
            )
        )
    return trees


class PatternContributions:
    """Source-column contributions of a LightGBM booster, by distinct decision pattern."""

    def __init__(self, booster: Any, merge: FloatArray) -> None:
        """``merge``: (matrix columns × source columns), summing a source column's matrix
        columns (``FeatureLayout.source_matrix``)."""
        self.booster = booster
        self.merge = np.asarray(merge, dtype=np.float64)
        self.trees = _trees(booster)

    def _direct(self, x: FloatArray, tree: int | None = None) -> FloatArray:
        """``pred_contrib`` on every row (of one tree, or all), merged; the bias dropped."""
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
            if blank.all():
                return out
            out[~blank] = self.source_contributions(x[~blank])
            return out
        n = len(x)
        dense_limit = DENSE_CODES_PER_ROW * n
        scratch = np.empty_like(out)
        for tree in self.trees:
            if not tree.features:
                continue  # a single leaf: its value is all bias
            if not tree.exact:
                out += self._direct(x, tree.index)
                continue
            code = np.zeros(n, dtype=np.int64)
            size = 1
            for feature, thresholds in zip(tree.features, tree.thresholds, strict=True):
                below = np.searchsorted(thresholds, x[:, feature], side="left")
                code += below * size
                size *= len(thresholds) + 1
            if size <= dense_limit:
                counts = np.bincount(code, minlength=size)
                present = np.flatnonzero(counts)
                number = np.zeros(size, dtype=np.int64)
                number[present] = np.arange(len(present))
                inverse = number[code]
                first = np.empty(size, dtype=np.int64)
                first[code[::-1]] = np.arange(n - 1, -1, -1)
                rows = first[present]
            else:
                _codes, rows, inverse = np.unique(code, return_index=True, return_inverse=True)
            table = self._direct(x[rows], tree.index)
            np.take(table, inverse, axis=0, out=scratch)
            out += scratch
        return out
