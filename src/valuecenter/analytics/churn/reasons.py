"""Reason codes: the source columns that push one customer's churn risk up, in plain words.

The models split each row's log-odds into per-matrix-column contributions (see
:mod:`.learners`). Here the columns of one source column (its value and its ``is missing``
indicator, or its one-hot values) are summed back into that source column — contributions
are additive, so the sum is the source column's share — and the ``k`` largest *positive*
shares become the row's reasons, each told as the row's value next to the typical
(training-median) value: ``custservcalls = 5 (typical 1)``, ``intlplan = yes``. This is the
"top reasons" practice of credit scoring adverse-action notices (Siddiqi 2017, ch. 10),
computed from model contributions as Lundberg et al. (2020) propose for trees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.churn.features import FeatureLayout, number_texts
from valuecenter.analytics.compiled import compiled

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
TextArray = npt.NDArray[np.str_]


@dataclass(frozen=True)
class Reason:
    """One reason: the source column, the row's value in it (``None`` for a blank), its
    contribution to the row's log-odds and the sentence an account manager reads."""

    feature: str
    value: float | str | None
    contribution: float
    text: str


@dataclass(frozen=True)
class _Source:
    """Where one source column lives in the matrix."""

    name: str
    value: int | None
    missing: int | None
    levels: tuple[int, ...]
    level_names: tuple[str, ...]
    typical: float | None


def _sources(layout: FeatureLayout) -> list[_Source]:
    out = []
    for name in layout.source_names:
        cols = [i for i, s in enumerate(layout.sources) if s == name]
        value = next((i for i in cols if layout.roles[i] == "value"), None)
        missing = next((i for i in cols if layout.roles[i] == "missing"), None)
        levels = tuple(i for i in cols if layout.roles[i] == "level")
        out.append(
            _Source(
                name=name,
                value=value,
                missing=missing,
                levels=levels,
                level_names=tuple(str(layout.levels[i]) for i in levels),
                typical=layout.typical.get(name),
            )
        )
    return out


def merge(contributions: FloatArray, layout: FeatureLayout) -> FloatArray:
    """(rows × source columns): each source column's summed contribution."""
    merged: FloatArray = contributions @ layout.source_matrix()
    return merged


def top_positive(merged: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """Per row the indices of the ``k`` largest positive shares (−1 when fewer are positive)
    and the shares themselves (0 there); of equal shares the first column first."""
    k = min(k, merged.shape[1])
    index = np.full((len(merged), k), -1, dtype=np.int64)
    shares = np.zeros((len(merged), k), dtype=np.float64)
    _top_positive(np.ascontiguousarray(merged, dtype=np.float64), index, shares)
    return index, shares


@compiled(parallel=True)
def _top_positive(merged: FloatArray, index: IntArray, shares: FloatArray) -> None:
    for row in numba.prange(merged.shape[0]):
        for j in range(index.shape[1]):
            best = -1
            for s in range(merged.shape[1]):
                value = merged[row, s]
                if value > 0 and (best < 0 or value > merged[row, best]):
                    taken = False
                    for earlier in range(j):
                        taken = taken or index[row, earlier] == s
                    if not taken:
                        best = s
            if best < 0:
                break
            index[row, j] = best
            shares[row, j] = merged[row, best]


def _describe(source: _Source, x: FloatArray) -> tuple[list[float | str | None], TextArray]:
    """The value of ``source`` in each row of ``x`` and its sentence."""
    n = len(x)
    if source.levels:
        block = x[:, list(source.levels)]
        hit = block.max(axis=1) > 0
        names = np.array(source.level_names, dtype=str)[block.argmax(axis=1)]
        texts = np.where(
            hit,
            np.char.add(f"{source.name} = ", names),
            f"{source.name} is blank or a rare value",
        )
        values: list[float | str | None] = [
            str(v) if h else None for v, h in zip(names, hit, strict=True)
        ]
        return values, texts.astype(str)
    assert source.value is not None
    numbers = x[:, source.value]
    blank = x[:, source.missing] > 0 if source.missing is not None else np.zeros(n, dtype=bool)
    said = np.char.add(f"{source.name} = ", number_texts(numbers))
    if source.typical is not None:
        typical = number_texts(np.array([source.typical]))[0]
        said = np.char.add(said, f" (typical {typical})")
    texts = np.where(blank, f"{source.name} is blank", said).astype(str)
    values = [None if b else float(v) for v, b in zip(numbers, blank, strict=True)]
    return values, texts


def _text_ids(source: _Source, x: FloatArray, rows: IntArray) -> tuple[list[str], IntArray]:
    """The distinct sentences of ``source`` over ``rows`` of ``x`` and each row's one: each
    distinct value is written once, not once per row."""
    if source.levels:
        block = x[np.ix_(rows, np.array(source.levels, dtype=np.int64))]
        words = [f"{source.name} = {name}" for name in source.level_names]
        words.append(f"{source.name} is blank or a rare value")
        ids = np.where(block.max(axis=1) > 0, block.argmax(axis=1), len(source.levels))
        return words, ids.astype(np.int64)
    assert source.value is not None
    codes, numbers = pd.factorize(x[rows, source.value], use_na_sentinel=False)
    said = np.char.add(f"{source.name} = ", number_texts(np.asarray(numbers, dtype=np.float64)))
    if source.typical is not None:
        typical = number_texts(np.array([source.typical]))[0]
        said = np.char.add(said, f" (typical {typical})")
    words = [str(w) for w in said]
    words.append(f"{source.name} is blank")
    ids = np.asarray(codes, dtype=np.int64)
    if source.missing is not None:
        ids[x[rows, source.missing] > 0] = len(numbers)
    return words, ids


def reason_texts(
    x: FloatArray, merged: FloatArray, layout: FeatureLayout, k: int
) -> list[TextArray]:
    """``k`` arrays (reason 1, 2, …) of one sentence per row; ``""`` where a row has fewer
    than ``k`` risk-raising source columns. Per source column its distinct sentences are
    written once and the rows index them, for millions of rows."""
    index, _shares = top_positive(merged, k)
    words = [""]
    ids = np.zeros(index.shape, dtype=np.int64)
    for s, source in enumerate(_sources(layout)):
        hit = index == s
        rows = np.nonzero(hit.any(axis=1))[0]
        if not len(rows):
            continue
        said, local = _text_ids(source, x, rows)
        ids[rows] = np.where(hit[rows], (len(words) + local)[:, None], ids[rows])
        words += said
    table = np.array(words, dtype=str)
    out = [table[ids[:, j]] for j in range(index.shape[1])]
    for _ in range(index.shape[1], k):
        out.append(np.full(len(x), "", dtype=str))
    return out


def reasons(x: FloatArray, merged: FloatArray, layout: FeatureLayout, k: int) -> list[list[Reason]]:
    """Per row its (at most ``k``) reasons, the largest contribution first."""
    index, shares = top_positive(merged, k)
    sources = _sources(layout)
    out: list[list[Reason]] = [[] for _ in range(len(x))]
    for j in range(index.shape[1]):
        for s, source in enumerate(sources):
            rows = np.nonzero(index[:, j] == s)[0]
            if not len(rows):
                continue
            values, texts = _describe(source, x[rows])
            for row, value, text in zip(rows, values, texts, strict=True):
                out[row].append(Reason(source.name, value, float(shares[row, j]), str(text)))
    return out
