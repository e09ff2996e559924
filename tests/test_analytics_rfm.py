"""RFM scores: quintiles, ties, small n, the R × F segment grid, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.rfm import SEGMENTS, quantile_scores, rfm_scores, segment_of


def test_quintiles_of_distinct_values() -> None:
    # Ten distinct values: two customers per score, the largest scoring 5.
    assert quantile_scores([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]).tolist() == [
        5, 1, 5, 1, 4, 2, 4, 2, 3, 3,
    ]  # fmt: skip


def test_ties_share_the_score_where_they_start() -> None:
    # Six one-time buyers (ranks 1–6 of 10) all score 1; the two 2s (ranks 7–8) score 4.
    assert quantile_scores([1, 1, 1, 1, 1, 1, 2, 2, 3, 4]).tolist() == [1] * 6 + [4, 4, 5, 5]


def test_small_n() -> None:
    assert quantile_scores([42]).tolist() == [1]
    assert quantile_scores([1, 2]).tolist() == [1, 3]
    assert quantile_scores([3, 1, 2]).tolist() == [4, 1, 2]
    assert quantile_scores([1, 2, 3, 4], bins=2).tolist() == [1, 1, 2, 2]


def test_rfm_by_hand() -> None:
    recency = pd.Series([1, 10, 100, 5, 50, 3, 300, 2, 2, 20], index=list("abcdefghij"))
    frequency = [5, 1, 1, 2, 3, 8, 1, 4, 4, 2]
    monetary = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    scores = rfm_scores(recency, frequency, monetary)
    assert scores.index.tolist() == list("abcdefghij")
    assert scores.columns.tolist() == ["r", "f", "m", "rfm", "segment"]
    assert scores.loc["a"].tolist() == [5, 5, 1, "551", "champions"]  # bought yesterday, often
    assert scores.loc["g"].tolist() == [1, 1, 4, "114", "lost"]  # 300 days ago, once
    assert scores.loc["b", "segment"] == "about to sleep"  # r 3, f 1
    assert scores.loc["e", "segment"] == "at risk"  # r 2, f 3
    assert scores.loc["h", "r"] == scores.loc["i", "r"] == 4  # equal recency, equal score
    assert scores["r"].dtype.kind == "i"


def test_grid_covers_every_cell_with_the_documented_segments() -> None:
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    grid = segment_of(r.ravel(), f.ravel()).reshape(5, 5)
    assert set(grid.ravel()) == set(SEGMENTS)
    assert grid[4, 4] == grid[4, 3] == "champions"
    assert grid[4, 0] == "new"
    assert grid[3, 0] == "promising"
    assert grid[2, 2] == "needs attention"
    assert grid[0, 4] == grid[1, 4] == "can't lose them"
    assert grid[0, 0] == "lost"
    assert grid[1, 1] == grid[0, 1] == "hibernating"
    # Other bins are rescaled to quintiles: score 3 of 3 is 5 of 5.
    assert segment_of([3], [3], bins=3).tolist() == ["champions"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=60),
    st.randoms(),
    st.integers(min_value=2, max_value=9),
)
def test_scores_ignore_row_order_and_respect_ties(
    values: list[int], rnd: object, bins: int
) -> None:
    scores = quantile_scores(values, bins)
    assert ((scores >= 1) & (scores <= bins)).all()
    order = list(range(len(values)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = quantile_scores([values[i] for i in order], bins)
    assert shuffled.tolist() == [scores[i] for i in order]
    for i, vi in enumerate(values):
        for j, vj in enumerate(values):
            if vi == vj:
                assert scores[i] == scores[j]
            elif vi < vj:
                assert scores[i] <= scores[j]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1, 2], [1], [1, 2]), "differ in length"),
        (([1, -2], [1, 1], [1, 2]), "recency_days: needs values ≥ 0"),
        (([1, 2], [1, float("nan")], [1, 2]), "frequency: has missing"),
    ],
)
def test_bad_input(args: tuple[list[float], list[float], list[float]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        rfm_scores(*args)
    with pytest.raises(InputError, match="bins: needs a whole number from 2 to 9"):
        rfm_scores([1], [1], [1], bins=10)


def test_empty_input_gives_an_empty_frame() -> None:
    scores = rfm_scores([], [], [])
    assert scores.empty
    assert scores.columns.tolist() == ["r", "f", "m", "rfm", "segment"]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(-30, 30), min_size=1, max_size=80),
    bins=st.integers(2, 9),
    keep=st.lists(st.booleans(), min_size=80, max_size=80),
)
def test_cuts_score_a_partition_as_the_whole_run_does(
    values: list[int], bins: int, keep: list[bool]
) -> None:
    """The module's rule, 1 + floor(bins · (min rank − 1) / n), through the cut values
    (``quantile_cuts``), and any subset of the customers scored against the cuts of all of them
    (a Spark partition, docs/scale-out.md) gets the scores the run on all of them gives."""
    from valuecenter.analytics.rfm import quantile_cuts, scores_at

    array = np.asarray(values, dtype=np.float64) / 4.0  # ties and fractions
    ranks = pd.Series(array).rank(method="min").to_numpy()
    rule = 1 + np.floor(bins * (ranks - 1) / len(array)).astype(np.int64)
    assert np.array_equal(quantile_scores(array, bins), rule)
    part = np.asarray(keep[: len(array)])
    assert np.array_equal(scores_at(quantile_cuts(array, bins), array[part]), rule[part])
