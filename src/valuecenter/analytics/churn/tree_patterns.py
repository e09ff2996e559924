"""LightGBM's TreeSHAP contributions for millions of rows: a compiled kernel over tables.

Path-dependent TreeSHAP (Lundberg et al. 2020; LightGBM's ``pred_contrib``) splits a tree's
output into one term per leaf (Yang 2021, "Fast TreeSHAP", v2; Mitchell et al. 2022,
"GPUTreeShap", eq. 4): for leaf l with value v, the d distinct features on its path, for each
such feature k whether the row satisfies all of the path's conditions on it (o_k ∈ {0, 1}) and
the share of the training rows that do (z_k, the product of the cover ratios), feature j gets

    v · (o_j − z_j) · Σ_s w(s, d) · [t^s] Π_{k ≠ j} (z_k + o_k t),   w(s, d) = s!(d−s−1)!/d!

(:func:`_leaf`). It depends on the row only through the d bits o. Fast TreeSHAP v2 tabulates
it per leaf (2^d rows of d values); here a whole bottom subtree of at most
:data:`BLOCK_SPLITS` splits — a *block* — gets one table, indexed by the path features the row
fails above the block's root (F) and the row's decisions at the block's own splits (code): its
leaves' terms summed by output column, so a row needs one lookup per block instead of one per
leaf (87 trees of 31 leaves: about 840 lookups a row instead of 2,700). The tables are built
once per model (:func:`forest`, :func:`_fill_tables`); a single leaf whose table would pass
:data:`TABLE_ENTRIES` values is evaluated per row from the same formula (O(d²)).

Per block of :data:`BLOCK_ROWS` rows and per tree, :func:`_kernel` decides every split for
every row, carries the failed path features down the splits above the blocks (LightGBM numbers
a tree's splits parents first), and adds each block's table row into the row's output columns.
The decisions are LightGBM's own (``Tree::NumericalDecision``/``CategoricalDecision``): ``<=``
splits with their missing-value routing (none: NaN read as 0; zero; NaN — to the split's
default side) and categorical splits (a bitset of the categories going left; NaN, negative and
unknown categories right), so every row and tree of a model is covered and none is left to
``pred_contrib``. The result equals ``pred_contrib`` up to the order of the floating-point
additions (``tests/test_analytics_churn_tree_patterns.py``: ≤ 1e-9, in practice 1e-14).

Contributions are summed straight into output columns (``columns``: matrix column → output
column), so the source-column sums of the reason codes never materialise the rows × matrix
columns array. The kernels are compiled by numba (:mod:`valuecenter.analytics.compiled`: on
first use, cached on disk).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from valuecenter.analytics.compiled import compiled

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BLOCK_SPLITS = 5
"""Splits a block (a bottom subtree read with one table lookup) has at most. On the benchmark's
model (87 trees) 5 took about 7% less CPU than 4 and as much as 6, whose tables are larger
(21 MB against 18.5 MB)."""
TABLE_ENTRIES = 65_536
"""Values one table has at most (512 kB): a block whose table would be larger is cut into
smaller ones; a single leaf beyond it (about 12 or more features on its path) is evaluated per
row (O(d²))."""
MAX_PATH_FEATURES = 62
"""Distinct features one leaf's path can have here (the failed ones are bits of an int64)."""
BLOCK_ROWS = 512
"""Rows per work item of the kernel (one thread's): all trees run over them before the next
rows, each tree one split or block at a time over all of them, so a tree's tables and the rows'
decisions stay in the processor's cache."""

MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2
_MISSING = {"None": MISSING_NONE, "Zero": MISSING_ZERO, "NaN": MISSING_NAN}
ZERO_THRESHOLD = 1e-35
"""LightGBM's ``kZeroThreshold``: |x| at most this is zero for the ``Zero`` missing type."""


@dataclass(frozen=True)
class Forest:
    """A LightGBM model's trees as flat arrays (all trees end to end) and its block tables,
    for output columns ``columns[matrix column]``."""

    # per tree
    first_split: IntArray  # its first split (global), -1 for a single leaf
    split_count: IntArray
    first_top: IntArray  # its first top split (a split above the blocks)
    top_count: IntArray
    first_block: IntArray  # its first block
    block_count: IntArray
    # per split, by LightGBM's numbering within the tree
    feature: IntArray  # the matrix column it reads
    threshold: FloatArray  # numeric: left when x <= threshold
    categorical: npt.NDArray[np.bool_]
    missing: npt.NDArray[np.int8]  # MISSING_NONE / _ZERO / _NAN
    default_left: npt.NDArray[np.bool_]  # where missing values go
    cat_start: IntArray  # categorical: its bitset of left categories in ``cat_words``
    cat_stop: IntArray
    cat_words: npt.NDArray[np.uint32]
    # per top split, parents first
    top_split: IntArray  # its split (local number)
    top_bit: IntArray  # 2^(its feature's place among the path's distinct features)
    top_left: IntArray  # child's place in the tree: its top splits, then its blocks
    top_right: IntArray
    # per block
    block_above: IntArray  # distinct path features above its root: the bits of F
    block_bits: IntArray  # its splits (k), in ``bit_split``: local split numbers in code
    # bit order, BLOCK_SPLITS per block (padded with the always-0 split number max_splits)
    block_width: IntArray  # its output columns (D) ...
    block_col_start: IntArray  # ... in ``col_out``
    block_leaf: IntArray  # its leaf when it is one leaf evaluated per row, else -1
    table_start: IntArray  # its table in ``tables`` ((2^above · 2^k) × D), -1 per row
    bit_split: IntArray
    col_out: IntArray
    # per leaf of a block (for the table fill and the per-row leaves)
    leaf_value: FloatArray
    leaf_size: IntArray  # d
    leaf_path_start: IntArray  # its d path features' z and block columns in ...
    path_zero: FloatArray  # ... z_k: the share of training rows satisfying the path on k
    path_col: IntArray  # ... k's column in the block (into ``col_out`` from its start)
    leaf_cond_start: IntArray  # its path's splits inside the block ...
    leaf_cond_count: IntArray
    cond_bit: IntArray  # ... the split's bit in the block's code
    cond_slot: IntArray  # ... its feature's slot
    cond_left: npt.NDArray[np.bool_]  # ... the side the path takes
    block_leaf_start: IntArray  # per block: its leaves
    block_leaf_count: IntArray
    tables: FloatArray
    weights: FloatArray  # w(s, d), (MAX_PATH_FEATURES + 1) × MAX_PATH_FEATURES
    width: int  # output columns
    max_splits: int


def _weights() -> FloatArray:
    out = np.zeros((MAX_PATH_FEATURES + 1, MAX_PATH_FEATURES), dtype=np.float64)
    for d in range(1, MAX_PATH_FEATURES + 1):
        for s in range(d):
            out[d, s] = factorial(s) * factorial(d - s - 1) / factorial(d)
    return out


Node = dict[str, Any]


def _is_split(node: Node) -> bool:
    return "split_index" in node


def _splits(node: Node) -> list[Node]:
    """The splits under ``node`` (itself included), parents first."""
    if not _is_split(node):
        return []
    return [node, *_splits(node["left_child"]), *_splits(node["right_child"])]


def _count(node: Node) -> float:
    """The training rows that reached ``node`` (LightGBM's ``data_count``)."""
    return float(node["internal_count"] if _is_split(node) else node["leaf_count"])


class _Builder:
    """Collects the arrays of :class:`Forest` from ``dump_model``'s nested trees."""

    def __init__(self, columns: IntArray, max_splits: int) -> None:
        self.columns = columns
        self.a: dict[str, list[Any]] = {}
        self.table_entries = 0
        self.padding = max_splits

    def add(self, name: str, *values: Any) -> int:
        """Appends to array ``name``; returns the index of the first value appended."""
        target = self.a.setdefault(name, [])
        target.extend(values)
        return len(target) - len(values)

    def size(self, name: str) -> int:
        return len(self.a.setdefault(name, []))

    def tree(self, root: Node) -> None:
        if not _is_split(root):  # a single leaf: all of it is the bias
            self.add("first_split", -1)
            self.add("split_count", 0)
            self.add("first_top", 0)
            self.add("top_count", 0)
            self.add("first_block", 0)
            self.add("block_count", 0)
            return
        splits = _splits(root)
        if sorted(int(n["split_index"]) for n in splits) != list(range(len(splits))):
            raise ValueError("a LightGBM tree whose splits are not numbered 0..n-1")
        base = self.size("feature")
        for name, default in (
            ("feature", 0),
            ("threshold", 0.0),
            ("categorical", False),
            ("missing", 0),
            ("default_left", False),
            ("cat_start", 0),
            ("cat_stop", 0),
        ):
            self.add(name, *([default] * len(splits)))
        for node in splits:
            self._split(node, base + int(node["split_index"]))
        self.add("first_split", base)
        self.add("split_count", len(splits))
        first_top, first_block = self.size("top_split"), self.size("block_above")
        self._place(root, [], {})
        tops = self.size("top_split") - first_top
        self.add("first_top", first_top)
        self.add("top_count", tops)
        self.add("first_block", first_block)
        self.add("block_count", self.size("block_above") - first_block)
        for side in ("top_left", "top_right"):  # to places in the tree
            self.a[side][first_top:] = [
                c - first_top if c >= 0 else tops + ~c - first_block
                for c in self.a[side][first_top:]
            ]

    def _split(self, node: Node, split: int) -> None:
        self.a["feature"][split] = int(node["split_feature"])
        kind = node["decision_type"]
        if kind == "==":
            self.a["categorical"][split] = True
            categories = [int(c) for c in str(node["threshold"]).split("||")]
            words = [0] * (max(categories) // 32 + 1)
            for c in categories:
                words[c // 32] |= 1 << (c % 32)
            self.a["cat_start"][split] = self.add("cat_words", *words)
            self.a["cat_stop"][split] = self.size("cat_words")
        elif kind == "<=":
            self.a["threshold"][split] = float(node["threshold"])
        else:
            raise ValueError(f"a LightGBM split of unknown kind {kind!r}")
        self.a["missing"][split] = _MISSING[node["missing_type"]]
        self.a["default_left"][split] = bool(node["default_left"])

    def _place(self, node: Node, order: list[int], zero: dict[int, float]) -> int:
        """Makes ``node`` a block (returns ~block) or a top split (returns its index).
        ``order``: the distinct features on the path above it (their slots); ``zero``: their
        cover ratios' products."""
        splits = _splits(node)
        features = set(order) | {int(n["split_feature"]) for n in splits}
        width = len({int(self.columns[f]) for f in features})
        entries = 2 ** (len(order) + len(splits)) * width
        if len(splits) <= BLOCK_SPLITS and entries <= TABLE_ENTRIES:
            return ~self._block(node, order, zero, entries)
        if not splits:
            return ~self._block(node, order, zero, 0)  # one leaf, per row
        top = self.add("top_split", int(node["split_index"]))
        self.add("top_left", 0)
        self.add("top_right", 0)
        feature = int(node["split_feature"])
        below = order if feature in zero else [*order, feature]
        self.add("top_bit", 1 << below.index(feature))
        for child, side in ((node["left_child"], "top_left"), (node["right_child"], "top_right")):
            ratio = _count(child) / _count(node)
            share = {**zero, feature: zero.get(feature, 1.0) * ratio}
            self.a[side][top] = self._place(child, below, share)
        return top

    def _block(self, node: Node, order: list[int], zero: dict[int, float], entries: int) -> int:
        block = self.size("block_above")
        splits = _splits(node)
        bit = {id(n): i for i, n in enumerate(splits)}
        features = list(order) + [int(n["split_feature"]) for n in splits]
        outputs = sorted({int(self.columns[f]) for f in features})
        place = {c: i for i, c in enumerate(outputs)}
        self.add("block_above", len(order))
        self.add("block_bits", len(splits))
        numbers = [int(n["split_index"]) for n in splits]
        self.add("bit_split", *numbers, *([self.padding] * (BLOCK_SPLITS - len(numbers))))
        self.add("block_width", len(outputs))
        self.add("block_col_start", self.add("col_out", *outputs))
        self.add("table_start", self.table_entries if entries else -1)
        self.table_entries += entries
        first_leaf = self.size("leaf_value")
        self._leaves(node, order, zero, [], bit, place)
        self.add("block_leaf_start", first_leaf)
        self.add("block_leaf_count", self.size("leaf_value") - first_leaf)
        self.add("block_leaf", -1 if entries else first_leaf)
        return block

    def _leaves(
        self,
        node: Node,
        order: list[int],
        zero: dict[int, float],
        conds: list[tuple[int, int, bool]],
        bit: dict[int, int],
        place: dict[int, int],
    ) -> None:
        """The leaves under ``node`` in a block; ``conds``: (code bit, slot, went left) of the
        path's splits inside the block."""
        if not _is_split(node):
            if len(order) > MAX_PATH_FEATURES:
                raise ValueError(
                    f"a leaf with {len(order)} distinct features on its path "
                    f"(at most {MAX_PATH_FEATURES})"
                )
            self.add("leaf_value", float(node["leaf_value"]))
            self.add("leaf_size", len(order))
            self.add("leaf_path_start", self.add("path_zero", *(zero[f] for f in order)))
            self.add("path_col", *(place[int(self.columns[f])] for f in order))
            self.add("leaf_cond_count", len(conds))
            self.add("leaf_cond_start", self.add("cond_bit", *(c[0] for c in conds)))
            self.add("cond_slot", *(c[1] for c in conds))
            self.add("cond_left", *(c[2] for c in conds))
            return
        feature = int(node["split_feature"])
        below = order if feature in zero else [*order, feature]
        slot = below.index(feature)
        for child, left in ((node["left_child"], True), (node["right_child"], False)):
            ratio = _count(child) / _count(node)
            share = {**zero, feature: zero.get(feature, 1.0) * ratio}
            self._leaves(child, below, share, [*conds, (bit[id(node)], slot, left)], bit, place)


_DTYPES: dict[str, Any] = {
    "threshold": np.float64,
    "path_zero": np.float64,
    "leaf_value": np.float64,
    "categorical": np.bool_,
    "default_left": np.bool_,
    "cond_left": np.bool_,
    "missing": np.int8,
    "cat_words": np.uint32,
}


def forest(booster: Any, columns: IntArray, width: int) -> Forest:
    """The flattened trees of a LightGBM booster (one tree per round: binary or regression)
    with their block tables, summing matrix column f into output column ``columns[f]``."""
    trees = [info["tree_structure"] for info in booster.dump_model()["tree_info"]]
    max_splits = max((len(_splits(root)) for root in trees), default=0)
    build = _Builder(np.asarray(columns, dtype=np.int64), max_splits)
    for root in trees:
        build.tree(root)
    names = [f.name for f in Forest.__dataclass_fields__.values()]
    arrays = {
        name: np.array(build.a.get(name, []), dtype=_DTYPES.get(name, np.int64))
        for name in names
        if name not in ("tables", "weights", "width", "max_splits")
    }
    made = Forest(
        **arrays,
        tables=np.zeros(build.table_entries, dtype=np.float64),
        weights=_weights(),
        width=width,
        max_splits=max_splits,
    )
    _fill_tables(
        made.block_above,
        made.block_bits,
        made.block_width,
        made.table_start,
        made.block_leaf_start,
        made.block_leaf_count,
        made.leaf_value,
        made.leaf_size,
        made.leaf_path_start,
        made.path_zero,
        made.path_col,
        made.leaf_cond_start,
        made.leaf_cond_count,
        made.cond_bit,
        made.cond_slot,
        made.cond_left,
        made.weights,
        made.tables,
    )
    return made


@compiled()
def _leaf(
    value: float,
    zero: FloatArray,
    failed: int | np.int64,
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


@compiled()
def _fill_tables(
    block_above: IntArray,
    block_bits: IntArray,
    block_width: IntArray,
    table_start: IntArray,
    block_leaf_start: IntArray,
    block_leaf_count: IntArray,
    leaf_value: FloatArray,
    leaf_size: IntArray,
    leaf_path_start: IntArray,
    path_zero: FloatArray,
    path_col: IntArray,
    leaf_cond_start: IntArray,
    leaf_cond_count: IntArray,
    cond_bit: IntArray,
    cond_slot: IntArray,
    cond_left: npt.NDArray[np.bool_],
    weights: FloatArray,
    tables: FloatArray,
) -> None:
    """Each block's table: row (F << k) | code, for F the path features failed above its root
    and code its splits' decisions (bit i: split i goes left), holds its leaves' summed
    contributions by block column."""
    poly = np.empty(MAX_PATH_FEATURES + 1, dtype=np.float64)
    phi = np.empty(MAX_PATH_FEATURES, dtype=np.float64)
    for block in range(len(block_above)):
        start = table_start[block]
        if start < 0:
            continue
        k = block_bits[block]
        width = block_width[block]
        for above in range(2 ** block_above[block]):
            for code in range(2**k):
                row = start + ((above << k) | code) * width
                for leaf in range(
                    block_leaf_start[block], block_leaf_start[block] + block_leaf_count[block]
                ):
                    failed = np.int64(above)
                    for c in range(
                        leaf_cond_start[leaf], leaf_cond_start[leaf] + leaf_cond_count[leaf]
                    ):
                        if (((code >> cond_bit[c]) & 1) == 1) != cond_left[c]:
                            failed |= np.int64(1) << cond_slot[c]
                    d = leaf_size[leaf]
                    begin = leaf_path_start[leaf]
                    _leaf(
                        leaf_value[leaf], path_zero[begin : begin + d], failed, weights, poly, phi
                    )
                    for j in range(d):
                        tables[row + path_col[begin + j]] += phi[j]


@compiled()
def _numeric_left(value: float, threshold: float, missing: int, default_left: bool) -> bool:
    """LightGBM's ``Tree::NumericalDecision``: ``x <= threshold``, missing values to the
    default side (NaN read as 0 unless the split has a NaN side)."""
    if np.isnan(value) and missing != MISSING_NAN:
        value = 0.0
    if (missing == MISSING_ZERO and -ZERO_THRESHOLD <= value <= ZERO_THRESHOLD) or (
        missing == MISSING_NAN and np.isnan(value)
    ):
        return default_left
    return value <= threshold


@compiled()
def _category_left(value: float, cat_words: npt.NDArray[np.uint32], start: int, stop: int) -> bool:
    """LightGBM's ``Tree::CategoricalDecision``: left when int(x) is in the split's bitset;
    NaN and negative values go right."""
    if np.isnan(value) or value <= -1.0:
        return False  # int(x) < 0, truncating towards zero
    if value >= (stop - start) * 32:
        return False  # beyond the bitset
    category = int(value)
    return bool((cat_words[start + category // 32] >> np.uint32(category % 32)) & np.uint32(1))


@compiled(parallel=True)
def _kernel(
    x: FloatArray,
    first_split: IntArray,
    split_count: IntArray,
    first_top: IntArray,
    top_count: IntArray,
    first_block: IntArray,
    block_count: IntArray,
    feature: IntArray,
    threshold: FloatArray,
    categorical: npt.NDArray[np.bool_],
    missing: npt.NDArray[np.int8],
    default_left: npt.NDArray[np.bool_],
    cat_start: IntArray,
    cat_stop: IntArray,
    cat_words: npt.NDArray[np.uint32],
    top_split: IntArray,
    top_bit: IntArray,
    top_left: IntArray,
    top_right: IntArray,
    block_bits: IntArray,
    block_width: IntArray,
    block_col_start: IntArray,
    block_leaf: IntArray,
    table_start: IntArray,
    bit_split: IntArray,
    col_out: IntArray,
    leaf_value: FloatArray,
    leaf_size: IntArray,
    leaf_path_start: IntArray,
    path_zero: FloatArray,
    path_col: IntArray,
    tables: FloatArray,
    weights: FloatArray,
    max_splits: int,
    out: FloatArray,
) -> None:
    """``out[i, columns[f]] +=`` the TreeSHAP contribution of matrix column f to row i."""
    n = x.shape[0]
    chunks = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    for chunk in numba.prange(chunks):
        first_row = chunk * BLOCK_ROWS
        rows = min(n, first_row + BLOCK_ROWS) - first_row
        went_left = np.zeros((max_splits + 1, BLOCK_ROWS), dtype=np.int64)  # [max_splits]: 0
        failed_at = np.zeros((2 * max_splits + 2, BLOCK_ROWS), dtype=np.int64)
        code = np.empty(BLOCK_ROWS, dtype=np.int64)
        poly = np.empty(MAX_PATH_FEATURES + 1, dtype=np.float64)
        phi = np.empty(MAX_PATH_FEATURES, dtype=np.float64)
        for tree in range(len(first_split)):
            first = first_split[tree]
            if first < 0:
                continue
            for local in range(split_count[tree]):  # every split's decision for every row
                split = first + local
                column = feature[split]
                cut = threshold[split]
                went = went_left[local]
                if categorical[split]:
                    begin, end = cat_start[split], cat_stop[split]
                    for r in range(rows):
                        went[r] = _category_left(x[first_row + r, column], cat_words, begin, end)
                elif missing[split] == MISSING_NONE:
                    zero_left = cut >= 0.0
                    for r in range(rows):
                        value = x[first_row + r, column]
                        went[r] = (value <= cut) | (np.isnan(value) & zero_left)
                else:
                    kind, default = missing[split], default_left[split]
                    for r in range(rows):
                        went[r] = _numeric_left(x[first_row + r, column], cut, kind, default)
            tops, top0 = top_count[tree], first_top[tree]
            failed_at[0, :rows] = 0
            for t in range(tops):  # the failed path features reaching each place
                top = top0 + t
                bit = top_bit[top]
                went = went_left[top_split[top]]
                failed = failed_at[t]
                to_left = failed_at[top_left[top]]
                to_right = failed_at[top_right[top]]
                for r in range(rows):
                    to_left[r] = failed[r] | (bit * (1 - went[r]))
                    to_right[r] = failed[r] | (bit * went[r])
            block0 = first_block[tree]
            for b in range(block_count[tree]):
                block = block0 + b
                failed = failed_at[tops + b]
                columns = block_col_start[block]
                start = table_start[block]
                if start >= 0:
                    bits = block * BLOCK_SPLITS
                    code[:rows] = 0
                    for s in range(BLOCK_SPLITS):
                        went = went_left[bit_split[bits + s]]
                        for r in range(rows):
                            code[r] |= went[r] << s
                    k = block_bits[block]
                    width = block_width[block]
                    for r in range(rows):  # the table rows first: their loads overlap
                        code[r] = start + ((failed[r] << k) | code[r]) * width
                    for r in range(rows):
                        row = code[r]
                        for c in range(width):
                            out[first_row + r, col_out[columns + c]] += tables[row + c]
                else:
                    leaf = block_leaf[block]
                    d = leaf_size[leaf]
                    begin = leaf_path_start[leaf]
                    for r in range(rows):
                        _leaf(
                            leaf_value[leaf],
                            path_zero[begin : begin + d],
                            failed[r],
                            weights,
                            poly,
                            phi,
                        )
                        for j in range(d):
                            out[first_row + r, col_out[columns + path_col[begin + j]]] += phi[j]


def contributions(model: Forest, x: FloatArray) -> FloatArray:
    """(rows × ``model.width``): per row the TreeSHAP contributions of the matrix columns
    summed into the model's output columns (the bias left out). With ``columns`` the identity
    this is ``pred_contrib`` without its last (bias) column."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.zeros((len(x), model.width), dtype=np.float64)
    if len(x) == 0 or not len(model.feature):
        return out
    _kernel(
        x,
        model.first_split,
        model.split_count,
        model.first_top,
        model.top_count,
        model.first_block,
        model.block_count,
        model.feature,
        model.threshold,
        model.categorical,
        model.missing,
        model.default_left,
        model.cat_start,
        model.cat_stop,
        model.cat_words,
        model.top_split,
        model.top_bit,
        model.top_left,
        model.top_right,
        model.block_bits,
        model.block_width,
        model.block_col_start,
        model.block_leaf,
        model.table_start,
        model.bit_split,
        model.col_out,
        model.leaf_value,
        model.leaf_size,
        model.leaf_path_start,
        model.path_zero,
        model.path_col,
        model.tables,
        model.weights,
        model.max_splits,
        out,
    )
    return out
