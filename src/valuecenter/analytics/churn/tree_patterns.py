"""LightGBM's TreeSHAP contributions for millions of rows: a compiled kernel over leaf tables.

Path-dependent TreeSHAP (Lundberg et al. 2020; LightGBM's ``pred_contrib``) splits a tree's
output into one term per leaf (Yang 2021, "Fast TreeSHAP", v2; Mitchell et al. 2022,
"GPUTreeShap", eq. 4): for leaf l with value v, the d distinct features on its path, for each
such feature k whether the row satisfies all of the path's conditions on it (o_k ∈ {0, 1}) and
the share of the training rows that do (z_k, the product of the cover ratios), feature j gets

    v · (o_j − z_j) · Σ_s w(s, d) · [t^s] Π_{k ≠ j} (z_k + o_k t),   w(s, d) = s!(d−s−1)!/d!.

It depends on the row only through the d bits o, so each leaf gets a table of 2^d × d values,
built once per model (:func:`_fill_tables`). Per row and tree, :func:`_kernel` takes every split
once, in LightGBM's node order (a node's children come after it), carrying to each node the
set of path features the row has already failed; at a leaf that set is the row of the leaf's
table to add. Leaves with more than :data:`TABLE_FEATURES` path features (rare: a deep path
through many features) are evaluated from the same formula per row instead (:func:`_leaf`).
The decisions are LightGBM's own (``Tree::NumericalDecision``/``CategoricalDecision``): ``<=``
splits with their missing-value routing (none: NaN read as 0; zero; NaN, to the default side)
and categorical splits (a bitset of the categories going left; NaN and negative values right),
so every row and tree of a model is covered, none is left to ``pred_contrib``. The result equals
``pred_contrib`` up to the order of the floating-point additions
(``tests/test_analytics_churn_tree_patterns.py``).

Contributions are summed straight into output columns (``columns``: the matrix column → output
column map), so the source-column sums of the reason codes never materialise the rows × matrix
columns array. The kernels are compiled by numba on first use and cached on disk
(``__pycache__`` next to this file, else the user's cache directory, or ``NUMBA_CACHE_DIR``);
where no cache directory is writable they are compiled once per process instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import factorial
from typing import Any, TypeVar

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]

TABLE_FEATURES = 10
"""Distinct path features of a leaf up to which its contributions come from a table (2^d × d
values, 80 kB at d = 10); beyond, the leaf is evaluated per row (O(d²))."""
MAX_PATH_FEATURES = 62
"""Distinct path features one leaf can have here (the failed ones are bits of an int64)."""
BLOCK_ROWS = 256
"""Rows per work item of the kernel: all trees run over one block before the next, so the
block's rows, their sums and a tree's tables stay in the processor's cache."""

MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2
_MISSING = {"None": MISSING_NONE, "Zero": MISSING_ZERO, "NaN": MISSING_NAN}
ZERO_THRESHOLD = 1e-35
"""LightGBM's ``kZeroThreshold``: |x| at most this is zero for the ``Zero`` missing type."""

F = TypeVar("F", bound=Callable[..., Any])


def _compiled(parallel: bool = False, inline: bool = False) -> Callable[[F], F]:
    """numba's ``njit``, cached on disk where a cache directory is writable (numba raises at
    decoration when none is), else compiled once per process. ``inline``: compiled into its
    callers (no call, no reference counting of the arrays passed)."""
    options: dict[str, Any] = {"parallel": parallel, "inline": "always" if inline else "never"}

    def wrap(fn: F) -> F:
        try:
            return numba.njit(cache=True, **options)(fn)  # type: ignore[no-any-return]
        except RuntimeError:
            return numba.njit(cache=False, **options)(fn)  # type: ignore[no-any-return]

    return wrap


@dataclass(frozen=True)
class Forest:
    """A LightGBM model's trees flattened into arrays (one entry per split or leaf, all trees
    end to end), with the leaf tables."""

    first_node: IntArray  # per tree: its first split (trees × 1), -1 for a single leaf
    node_count: IntArray  # per tree: its splits
    feature: Int32Array  # per split: the matrix column it reads
    threshold: FloatArray  # per split: ``<=`` threshold (numeric)
    categorical: npt.NDArray[np.bool_]  # per split: a categorical split
    missing: npt.NDArray[np.int8]  # per split: MISSING_NONE / _ZERO / _NAN
    default_left: npt.NDArray[np.bool_]  # per split: where missing values go
    left: IntArray  # per split: child split (≥ 0, global) or ~leaf (global)
    right: IntArray
    slot: npt.NDArray[np.int8]  # per split: its feature's place among the path's features
    cat_start: IntArray  # per split: its bitset in ``cat_words`` (categorical only)
    cat_stop: IntArray
    cat_words: npt.NDArray[np.uint32]
    leaf_value: FloatArray
    leaf_start: IntArray  # per leaf: its path features in ``path_feature`` / ``path_zero``
    leaf_size: IntArray  # per leaf: d
    path_feature: Int32Array  # the leaf's distinct path features, in slot order
    path_zero: FloatArray  # z_k: the share of training rows satisfying the path on feature k
    table_start: IntArray  # per leaf: its table in ``tables``, -1 if evaluated per row
    tables: FloatArray
    weights: FloatArray  # w(s, d), (MAX_PATH_FEATURES + 1) × MAX_PATH_FEATURES
    max_nodes: int

    @property
    def width(self) -> int:
        """Matrix columns the model reads (one past the largest split feature)."""
        return int(self.feature.max()) + 1 if len(self.feature) else 0


def _weights() -> FloatArray:
    out = np.zeros((MAX_PATH_FEATURES + 1, MAX_PATH_FEATURES), dtype=np.float64)
    for d in range(1, MAX_PATH_FEATURES + 1):
        for s in range(d):
            out[d, s] = factorial(s) * factorial(d - s - 1) / factorial(d)
    return out


class _Flattener:
    """Collects the arrays of :class:`Forest` from ``dump_model``'s nested trees."""

    def __init__(self) -> None:
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.categorical: list[bool] = []
        self.missing: list[int] = []
        self.default_left: list[bool] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.slot: list[int] = []
        self.cat_start: list[int] = []
        self.cat_stop: list[int] = []
        self.cat_words: list[int] = []
        self.leaf_value: list[float] = []
        self.leaf_start: list[int] = []
        self.leaf_size: list[int] = []
        self.path_feature: list[int] = []
        self.path_zero: list[float] = []

    def tree(self, root: dict[str, Any]) -> tuple[int, int]:
        """Adds one tree; returns its first split's global index (-1: a single leaf) and its
        number of splits."""
        if "split_index" not in root:
            return -1, 0  # a single leaf: all of it is the bias
        if int(root["split_index"]) != 0:
            raise ValueError("a LightGBM tree whose first split is not its root")
        splits: list[dict[str, Any]] = []
        leaves: list[dict[str, Any]] = []
        self._collect(root, splits, leaves)
        node_base, leaf_base = len(self.feature), len(self.leaf_value)
        n_splits = len(splits)
        for position in ("feature", "threshold", "categorical", "missing", "default_left"):
            getattr(self, position).extend([0] * n_splits)
        for position in ("left", "right", "slot", "cat_start", "cat_stop"):
            getattr(self, position).extend([0] * n_splits)
        self.leaf_value.extend([0.0] * len(leaves))
        self.leaf_start.extend([0] * len(leaves))
        self.leaf_size.extend([0] * len(leaves))
        self._walk(root, node_base, leaf_base, [], {})
        return node_base, n_splits

    def _collect(
        self, node: dict[str, Any], splits: list[dict[str, Any]], leaves: list[dict[str, Any]]
    ) -> None:
        if "split_index" in node:
            splits.append(node)
            self._collect(node["left_child"], splits, leaves)
            self._collect(node["right_child"], splits, leaves)
        else:
            leaves.append(node)

    def _child(self, node: dict[str, Any], node_base: int, leaf_base: int) -> int:
        if "split_index" in node:
            return node_base + int(node["split_index"])
        return ~(leaf_base + int(node.get("leaf_index", 0)))

    def _walk(
        self,
        node: dict[str, Any],
        node_base: int,
        leaf_base: int,
        order: list[int],
        zero: dict[int, float],
    ) -> None:
        """``order``: the distinct features on the path so far (their slots); ``zero``: their
        cover ratios' products."""
        if "split_index" not in node:
            leaf = leaf_base + int(node.get("leaf_index", 0))
            if len(order) > MAX_PATH_FEATURES:
                raise ValueError(
                    f"a leaf with {len(order)} distinct features on its path "
                    f"(at most {MAX_PATH_FEATURES})"
                )
            self.leaf_value[leaf] = float(node["leaf_value"])
            self.leaf_start[leaf] = len(self.path_feature)
            self.leaf_size[leaf] = len(order)
            self.path_feature.extend(order)
            self.path_zero.extend(zero[f] for f in order)
            return
        split = node_base + int(node["split_index"])
        feature = int(node["split_feature"])
        self.feature[split] = feature
        kind = node["decision_type"]
        if kind == "==":
            self.categorical[split] = True
            categories = [int(c) for c in str(node["threshold"]).split("||")]
            words = [0] * (max(categories) // 32 + 1)
            for c in categories:
                words[c // 32] |= 1 << (c % 32)
            self.cat_start[split] = len(self.cat_words)
            self.cat_words.extend(words)
            self.cat_stop[split] = len(self.cat_words)
        elif kind == "<=":
            self.threshold[split] = float(node["threshold"])
        else:
            raise ValueError(f"a LightGBM split of unknown kind {kind!r}")
        self.missing[split] = _MISSING[node["missing_type"]]
        self.default_left[split] = bool(node["default_left"])
        if feature not in zero:
            order = [*order, feature]
        self.slot[split] = order.index(feature)
        count = float(node["internal_count"])
        for child in (node["left_child"], node["right_child"]):
            if "split_index" in child and int(child["split_index"]) <= int(node["split_index"]):
                raise ValueError("a LightGBM tree whose splits are not numbered parent first")
        for child, side in ((node["left_child"], "left"), (node["right_child"], "right")):
            getattr(self, side)[split] = self._child(child, node_base, leaf_base)
            child_count = float(child.get("internal_count", child.get("leaf_count", 0)))
            ratio = child_count / count
            self._walk(
                child, node_base, leaf_base, order, {**zero, feature: zero.get(feature, 1.0) * ratio}
            )


def forest(booster: Any) -> Forest:
    """The flattened trees of a LightGBM booster (binary or regression: one tree per round)
    and their leaf tables."""
    flat = _Flattener()
    firsts, counts = [], []
    for info in booster.dump_model()["tree_info"]:
        first, count = flat.tree(info["tree_structure"])
        firsts.append(first)
        counts.append(count)
    leaf_size = np.array(flat.leaf_size, dtype=np.int64)
    tabled = leaf_size <= TABLE_FEATURES
    sizes = np.where(tabled, (2**np.minimum(leaf_size, TABLE_FEATURES)) * leaf_size, 0)
    table_start = np.where(tabled, np.cumsum(sizes) - sizes, -1).astype(np.int64)
    made = Forest(
        first_node=np.array(firsts, dtype=np.int64),
        node_count=np.array(counts, dtype=np.int64),
        feature=np.array(flat.feature, dtype=np.int32),
        threshold=np.array(flat.threshold, dtype=np.float64),
        categorical=np.array(flat.categorical, dtype=np.bool_),
        missing=np.array(flat.missing, dtype=np.int8),
        default_left=np.array(flat.default_left, dtype=np.bool_),
        left=np.array(flat.left, dtype=np.int64),
        right=np.array(flat.right, dtype=np.int64),
        slot=np.array(flat.slot, dtype=np.int8),
        cat_start=np.array(flat.cat_start, dtype=np.int64),
        cat_stop=np.array(flat.cat_stop, dtype=np.int64),
        cat_words=np.array(flat.cat_words, dtype=np.uint32),
        leaf_value=np.array(flat.leaf_value, dtype=np.float64),
        leaf_start=np.array(flat.leaf_start, dtype=np.int64),
        leaf_size=leaf_size,
        path_feature=np.array(flat.path_feature, dtype=np.int32),
        path_zero=np.array(flat.path_zero, dtype=np.float64),
        table_start=table_start,
        tables=np.zeros(int(sizes.sum()), dtype=np.float64),
        weights=_weights(),
        max_nodes=max(counts, default=0),
    )
    _fill_tables(
        made.leaf_value,
        made.leaf_start,
        made.leaf_size,
        made.path_zero,
        made.table_start,
        made.weights,
        made.tables,
    )
    return made


@_compiled()
def _leaf(
    value: float,
    zero: FloatArray,
    failed: int,
    weights: FloatArray,
    poly: FloatArray,
    out: FloatArray,
) -> None:
    """``out[j]``: the leaf's contribution to its j-th path feature for a row that fails the
    path on the features of the bits of ``failed``. P(t) = Π_k (z_k + o_k t) is built once and
    divided by each (z_j + o_j t) (TreeSHAP's ``UnwindPath``): O(d²)."""
    d = len(zero)
    poly[0] = 1.0
    degree = 0
    for k in range(d):
        z = zero[k]
        if (failed >> k) & 1:
            for m in range(degree + 1):
                poly[m] *= z
        else:
            poly[degree + 1] = poly[degree]
            for m in range(degree, 0, -1):
                poly[m] = poly[m] * z + poly[m - 1]
            poly[0] *= z
            degree += 1
    for j in range(d):
        z = zero[j]
        total = 0.0
        if (failed >> j) & 1:
            if z == 0.0:
                out[j] = 0.0  # (o_j − z_j) = 0
                continue
            for m in range(degree + 1):
                total += weights[d, m] * poly[m] / z
            out[j] = value * (0.0 - z) * total
        else:
            q = 0.0  # q_{m-1} = p_m − z q_m, from the top (q_degree = 0)
            for m in range(degree, 0, -1):
                q = poly[m] - z * q if m < degree else poly[m]
                total += weights[d, m - 1] * q
            out[j] = value * (1.0 - z) * total


@_compiled()
def _fill_tables(
    leaf_value: FloatArray,
    leaf_start: IntArray,
    leaf_size: IntArray,
    path_zero: FloatArray,
    table_start: IntArray,
    weights: FloatArray,
    tables: FloatArray,
) -> None:
    poly = np.empty(MAX_PATH_FEATURES + 1, dtype=np.float64)
    for leaf in range(len(leaf_value)):
        start = table_start[leaf]
        if start < 0:
            continue
        d = leaf_size[leaf]
        zero = path_zero[leaf_start[leaf] : leaf_start[leaf] + d]
        for failed in range(2**d):
            row = start + failed * d
            _leaf(leaf_value[leaf], zero, failed, weights, poly, tables[row : row + d])


@_compiled(inline=True)
def _goes_left(
    value: float,
    split: int,
    threshold: FloatArray,
    categorical: npt.NDArray[np.bool_],
    missing: npt.NDArray[np.int8],
    default_left: npt.NDArray[np.bool_],
    cat_start: IntArray,
    cat_stop: IntArray,
    cat_words: npt.NDArray[np.uint32],
) -> bool:
    """LightGBM's ``Tree::Decision`` for one split."""
    if categorical[split]:
        if np.isnan(value) or value <= -1.0:
            return False  # NaN and negative categories go right (int(x) < 0, truncating)
        if value >= (cat_stop[split] - cat_start[split]) * 32:
            return False  # beyond the bitset
        category = int(value)
        word = cat_start[split] + category // 32
        return bool((cat_words[word] >> np.uint32(category % 32)) & np.uint32(1))
    kind = missing[split]
    if np.isnan(value) and kind != MISSING_NAN:
        value = 0.0
    if (kind == MISSING_ZERO and -ZERO_THRESHOLD <= value <= ZERO_THRESHOLD) or (
        kind == MISSING_NAN and np.isnan(value)
    ):
        return bool(default_left[split])
    return bool(value <= threshold[split])


@_compiled(parallel=True)
def _kernel(
    x: FloatArray,
    columns: IntArray,
    first_node: IntArray,
    node_count: IntArray,
    feature: Int32Array,
    threshold: FloatArray,
    categorical: npt.NDArray[np.bool_],
    missing: npt.NDArray[np.int8],
    default_left: npt.NDArray[np.bool_],
    left: IntArray,
    right: IntArray,
    slot: npt.NDArray[np.int8],
    cat_start: IntArray,
    cat_stop: IntArray,
    cat_words: npt.NDArray[np.uint32],
    leaf_value: FloatArray,
    leaf_start: IntArray,
    leaf_size: IntArray,
    path_feature: Int32Array,
    path_zero: FloatArray,
    table_start: IntArray,
    tables: FloatArray,
    weights: FloatArray,
    max_nodes: int,
    out: FloatArray,
) -> None:
    """``out[i, columns[f]] += `` the TreeSHAP contribution of matrix column f to row i."""
    n = x.shape[0]
    blocks = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    for block in numba.prange(blocks):
        failed_at = np.zeros(max(max_nodes, 1), dtype=np.int64)
        poly = np.empty(MAX_PATH_FEATURES + 1, dtype=np.float64)
        phi = np.empty(MAX_PATH_FEATURES, dtype=np.float64)
        stop = min(n, (block + 1) * BLOCK_ROWS)
        for tree in range(len(first_node)):
            first = first_node[tree]
            if first < 0:
                continue
            count = node_count[tree]
            for i in range(block * BLOCK_ROWS, stop):
                failed_at[0] = 0
                for local in range(count):
                    split = first + local
                    failed = failed_at[local]
                    cold = failed | (np.int64(1) << np.int64(slot[split]))
                    if _goes_left(
                        x[i, feature[split]],
                        split,
                        threshold,
                        categorical,
                        missing,
                        default_left,
                        cat_start,
                        cat_stop,
                        cat_words,
                    ):
                        left_failed, right_failed = failed, cold
                    else:
                        left_failed, right_failed = cold, failed
                    for side in range(2):
                        child = left[split] if side == 0 else right[split]
                        child_failed = left_failed if side == 0 else right_failed
                        if child >= 0:
                            failed_at[child - first] = child_failed
                            continue
                        leaf = ~child
                        d = leaf_size[leaf]
                        begin = leaf_start[leaf]
                        start = table_start[leaf]
                        if start >= 0:
                            row = start + child_failed * d
                            for k in range(d):
                                out[i, columns[path_feature[begin + k]]] += tables[row + k]
                        else:
                            _leaf(
                                leaf_value[leaf],
                                path_zero[begin : begin + d],
                                child_failed,
                                weights,
                                poly,
                                phi,
                            )
                            for k in range(d):
                                out[i, columns[path_feature[begin + k]]] += phi[k]


def contributions(model: Forest, x: FloatArray, columns: IntArray, width: int) -> FloatArray:
    """(rows × ``width``): per row the TreeSHAP contributions of the matrix columns summed into
    output columns ``columns[f]`` (the bias left out). ``columns = arange(matrix columns)``
    gives ``pred_contrib`` without its last (bias) column."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.zeros((len(x), width), dtype=np.float64)
    if len(x) == 0 or not len(model.feature):
        return out
    _kernel(
        x,
        np.ascontiguousarray(columns, dtype=np.int64),
        model.first_node,
        model.node_count,
        model.feature,
        model.threshold,
        model.categorical,
        model.missing,
        model.default_left,
        model.left,
        model.right,
        model.slot,
        model.cat_start,
        model.cat_stop,
        model.cat_words,
        model.leaf_value,
        model.leaf_start,
        model.leaf_size,
        model.path_feature,
        model.path_zero,
        model.table_start,
        model.tables,
        model.weights,
        model.max_nodes,
        out,
    )
    return out
