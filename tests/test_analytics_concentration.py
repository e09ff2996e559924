"""Value concentration: hand-computed shares, Lorenz curve and Gini, and their invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.concentration import concentration, gini, lorenz, top_share
from valuecenter.analytics.errors import InputError

positive_values = st.lists(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=1, max_size=300
).filter(lambda v: sum(v) > 1e-6)


def test_hand_computed_example() -> None:
    # Ten customers: 1..10, total 55.
    values = list(range(1, 11))
    assert top_share(values, 0.10) == pytest.approx(10 / 55)
    assert top_share(values, 0.20) == pytest.approx(19 / 55)
    assert top_share(values, 0.01) == pytest.approx(10 / 55)  # ceil(0.1) = 1 customer
    assert top_share(values, 0.25) == pytest.approx(27 / 55)  # ceil(2.5) = 3 customers
    assert top_share(values, 1.0) == 1.0
    # G = 2 Σ i x_(i) / (n Σ x) − (n + 1)/n = 2·385 / 550 − 1.1 = 0.3
    assert gini(values) == pytest.approx(0.3)
    figures = concentration(values)
    assert figures == {
        "customers": 10,
        "top1_share": pytest.approx(10 / 55),
        "top5_share": pytest.approx(10 / 55),
        "top10_share": pytest.approx(10 / 55),
        "top20_share": pytest.approx(19 / 55),
        "gini": pytest.approx(0.3),
    }


def test_lorenz_by_hand() -> None:
    x, y = lorenz([1, 2, 3, 4], points=5)
    np.testing.assert_allclose(x, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(y, [0, 0.1, 0.3, 0.6, 1])
    # Between the knots the curve is interpolated linearly.
    _, y9 = lorenz([1, 2, 3, 4], points=9)
    assert y9[1] == pytest.approx(0.05)


def test_negative_values_count_as_zero() -> None:
    assert top_share([5, -3, 1], 0.34) == 1.0  # the top 2 of 3 hold 5 + 1 of 6
    assert gini([5, -3, 1]) == gini([5, 0, 1])


def test_extremes() -> None:
    assert gini([7, 7, 7, 7]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 9]) == pytest.approx(3 / 4)
    assert gini([3]) == pytest.approx(0.0)
    assert concentration([3])["top20_share"] == 1.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "values: there are no customers"),
        ([0, 0, -1], "values: the total value is zero"),
        ([1, float("nan")], "values: has missing"),
        ([[1, 2], [3, 4]], "values: needs a one-dimensional"),
    ],
)
def test_bad_values(values: list[object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        concentration(values)


def test_bad_share_and_points() -> None:
    with pytest.raises(InputError, match="share: needs a fraction"):
        top_share([1, 2], 0)
    with pytest.raises(InputError, match="share: needs a fraction"):
        top_share([1, 2], 1.5)
    with pytest.raises(InputError, match="points: needs a whole number"):
        lorenz([1, 2], points=1)


@settings(max_examples=200, deadline=None)
@given(positive_values)
def test_gini_is_twice_the_area_between_diagonal_and_lorenz(values: list[float]) -> None:
    n = len(values)
    x, y = lorenz(values, points=n + 1)  # the grid falls on the knots i / n
    area = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
    assert gini(values) == pytest.approx(1 - 2 * area, abs=1e-9)
    assert -1e-12 <= gini(values) <= (n - 1) / n + 1e-12


@settings(max_examples=200, deadline=None)
@given(positive_values, st.floats(min_value=1e-3, max_value=1e3), st.randoms())
def test_invariant_under_scale_and_order(values: list[float], scale: float, rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    scaled = [v * scale for v in shuffled]
    a, b = concentration(values), concentration(scaled)
    for key in ("top1_share", "top5_share", "top10_share", "top20_share", "gini"):
        assert a[key] == pytest.approx(b[key], abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(positive_values)
def test_shares_and_curve_are_ordered(values: list[float]) -> None:
    n = len(values)
    shares = [top_share(values, s) for s in (0.01, 0.05, 0.10, 0.20, 0.5, 1.0)]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(shares))
    assert shares[-1] == pytest.approx(1.0)
    for s, share in zip((0.01, 0.05, 0.10, 0.20, 0.5), shares, strict=False):
        k = max(1, math.ceil(s * n - 1e-9))
        assert share >= k / n - 1e-9  # the top k hold at least their head count's share
    x, y = lorenz(values)
    assert y[0] == 0
    assert y[-1] == pytest.approx(1.0)
    assert (np.diff(y) >= -1e-12).all()
    assert (y <= x + 1e-12).all()
    assert (np.diff(y, 2) >= -1e-9).all()  # convex
