"""Vectorised helpers over ragged groups (many events per customer) without Python loops."""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecenter.demo.timeline import FloatArray, IntArray


def owners(counts: IntArray) -> IntArray:
    """For groups of sizes ``counts``, the group index of every element."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def position_in_group(counts: IntArray) -> IntArray:
    """0, 1, …, counts[g]-1 for every group, concatenated."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return (np.arange(total, dtype=np.int64) - np.repeat(starts, counts)).astype(np.int64)


def cumsum_in_group(values: FloatArray, counts: IntArray) -> FloatArray:
    """Running sum of ``values`` restarting at every group."""
    total = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    if len(total) == 0:
        return np.zeros(0, dtype=np.float64)
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0)
    return np.asarray(total - np.repeat(before, counts), dtype=np.float64)


def nullable(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``values`` as an object array with ``None`` where ``present`` is false."""
    out = np.asarray(values, dtype=object).copy()
    out[~present] = None
    return out


def numbered(prefix: str, first: int, count: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers ``first`` … ``first + count - 1`` (an object array)."""
    numbers = pd.Series(np.arange(first, first + count, dtype=np.int64)).astype(str)
    return np.asarray((prefix + numbers.str.zfill(width)).to_numpy(), dtype=object)
