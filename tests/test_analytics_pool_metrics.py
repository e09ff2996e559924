"""Revenue retention of an AM's best customers (seed 000's 75% → 97% measure), by hand and by
its properties; the peer median and the NPS points."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.pool_metrics import (
    nps_points,
    peer_median,
    top_customers,
    top_revenue_retention,
)


def test_hand_computed_example() -> None:
    # Ten customers; top 20% = 2: customers 3 (500) and 7 (400), 900 last period.
    previous = {1: 100, 2: 0, 3: 500, 4: 50, 5: 0, 6: 10, 7: 400, 8: 300, 9: 0, 10: 0}
    # This period customer 3 bought 450, customer 7 left; customer 9 became big (not counted).
    current = {3: 450, 8: 300, 9: 10_000}
    result = top_revenue_retention(previous, current)
    assert result.customer_ids == (3, 7)
    assert (result.numerator, result.denominator, result.customers) == (450, 900, 2)
    assert result.ratio == pytest.approx(0.5)


def test_at_least_one_and_only_buyers() -> None:
    assert top_customers({1: 5, 2: 0}, 0.2) == (1,)  # ⌈0.4⌉ = 1
    assert top_customers({1: 5, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}, 0.5) == (1,)  # one buyer
    nobody = top_revenue_retention({1: 0, 2: 0}, {1: 100})
    assert (nobody.customers, nobody.denominator, nobody.ratio) == (0, 0, None)
    assert top_revenue_retention({}, {}).ratio is None


def test_ties_go_to_the_lower_id() -> None:
    assert top_customers({9: 100, 4: 100, 7: 100, 1: 50, 2: 0}, 0.4) == (4, 7)


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5, math.nan])
def test_bad_share(share: float) -> None:
    with pytest.raises(InputError) as caught:
        top_customers({1: 1}, share)
    assert caught.value.field == "top_share"


revenues = st.dictionaries(st.integers(1, 500), st.integers(0, 10**9), max_size=60)


@given(revenues, st.floats(0.01, 1.0))
def test_properties(previous: dict[int, int], share: float) -> None:
    top = top_customers(previous, share)
    buyers = [c for c, v in previous.items() if v > 0]
    assert len(top) == min(len(buyers), max(1, math.ceil(share * len(previous) - 1e-9)))
    # nobody outside the top bought more than anybody inside it
    if top:
        floor = min(previous[c] for c in top)
        assert all(previous[c] <= floor for c in previous if c not in top)
    # the same revenue again keeps 100%; nothing keeps 0%
    same = top_revenue_retention(previous, previous, share)
    none = top_revenue_retention(previous, {}, share)
    if top:
        assert (same.ratio, none.ratio) == (1.0, 0.0)
    else:
        assert (same.ratio, none.ratio) == (None, None)


def test_peer_median_and_nps() -> None:
    assert peer_median([3, None, 1, 2]) == 2.0
    assert peer_median([1, 2]) == 1.5
    assert peer_median([None]) is None
    assert nps_points(2, 1, 4) == 25.0
    assert nps_points(0, 0, 0) is None
    with pytest.raises(InputError):
        nps_points(3, 2, 4)
