"""The lead-in to leaving (analytics/leaving.py): the definitions on a hand-made history, and the
real-data figures of issue 18 reproduced on the CDNOW master file.

CDNOW (tests/fixtures/cdnow/CDNOW_master.txt, 23,570 customers, 1997-01..1998-06): as-of = the
last date − 90 days (the protocol of `rhythm evaluate`), customers with ≥ 4 orders by then;
stoppers have no order in the 90 days after it, keepers do. Issue 18: keepers place 30–39% of
their orders after a gap longer than 1.5 × their own median gap; stoppers' gaps lengthen
gradually over the last three orders to a mean log₂ ratio of +0.40 at the last one, against
−0.03 for matched keepers. CDNOW has order amounts but no wholesale baskets: its basket
figures are printed, not asserted (the wholesale ones are UCI Online Retail's,
tests/test_demo_leaving.py).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.leaving import LeadIn, customer_days, lead_in, stopped_by_silence

HORIZON = 90


def cdnow_lead_in() -> LeadIn:
    """The issue-18 figures measured on CDNOW (shared with tests/test_demo_leaving.py)."""
    raw = pd.read_csv(
        FIXTURES / "cdnow" / "CDNOW_master.txt",
        sep=r"\s+",
        dtype={"customer_id": str, "date": str},
    )
    orders = customer_days(
        raw["customer_id"], pd.to_datetime(raw["date"], format="%Y%m%d"), raw["dollar_value"]
    )
    as_of = int(orders["day"].max()) - HORIZON
    return lead_in(orders, stopped_by_silence(orders, as_of, HORIZON), as_of)


@pytest.fixture(scope="module")
def cdnow() -> LeadIn:
    return cdnow_lead_in()


def test_cdnow_reproduces_the_issue_figures(cdnow: LeadIn) -> None:
    print("CDNOW lead-in:", json.dumps(cdnow.as_json()))
    s, k = cdnow.stoppers, cdnow.keepers
    assert (s.customers, k.customers) == (2704, 1987)
    # Keepers' gaps are noisy: 30–39% of their orders come after a gap > 1.5 × own median.
    assert 0.30 <= k.share_long_gap <= 0.39
    # Stoppers: +0.40 at the last order, reached gradually over the last three orders.
    assert s.log2_gap_ratio[2] == pytest.approx(0.40, abs=0.03)
    assert s.log2_gap_ratio[0] < s.log2_gap_ratio[1] < s.log2_gap_ratio[2]
    # Matched keepers stay near their own rhythm (issue: −0.03 at the last order).
    assert k.log2_gap_ratio[2] == pytest.approx(-0.03, abs=0.06)
    assert s.log2_gap_ratio[2] - k.log2_gap_ratio[2] > 0.3


def _orders(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer", "day", "amount"])
    return customer_days(frame["customer"], frame["day"], frame["amount"])


def test_definitions_on_a_hand_made_history() -> None:
    # "a": gaps 10, 10, 10, 20, 40 (orders on days 0..90), baskets 100 … 100, 60, 40.
    # "b": gaps 10, 12, 8, 10, 10, baskets 100 each; two orders on day 50 are one order (sum).
    rows = [
        ("a", 0, 100), ("a", 10, 100), ("a", 20, 100), ("a", 30, 100), ("a", 50, 60),
        ("a", 90, 40),
        ("b", 0, 100), ("b", 10, 100), ("b", 22, 100), ("b", 30, 100), ("b", 40, 100),
        ("b", 50, 40), ("b", 50, 60), ("b", 200, 100),
        ("c", 0, 100), ("c", 5, 100), ("c", 10, 100),  # three orders: left out
    ]  # fmt: skip
    orders = _orders(rows)
    assert len(orders) == 16
    stopped = stopped_by_silence(orders, as_of=100, horizon_days=90)
    assert stopped.to_dict() == {"a": True, "b": True, "c": True}
    stopped["b"] = False
    result = lead_in(orders, stopped, as_of=100)
    a, b = result.stoppers, result.keepers
    assert (a.customers, b.customers) == (1, 1)
    # a: own median gap = median(10, 10, 10) = 10; ratios 1, 1, 1, 2, 4.
    assert a.gaps == 5
    assert a.share_long_gap == pytest.approx(2 / 5)
    assert a.log2_gap_ratio == pytest.approx((0.0, 1.0, 2.0))
    # a: own median basket = 100 (orders before the last two); last two 0.6 and 0.4.
    assert a.basket_ratio == pytest.approx(0.5)
    assert a.below_half == pytest.approx(0.5)
    # b: median(10, 12, 8) = 10; ratios 1, 1.2, 0.8, 1, 1 → no long gap.
    assert b.share_long_gap == 0.0
    assert b.log2_gap_ratio == pytest.approx((math.log2(0.8), 0.0, 0.0))
    assert b.basket_ratio == pytest.approx(1.0)
    assert b.below_half == 0.0


def test_datetime_days_and_errors() -> None:
    stamps = pd.Series(pd.to_datetime(["2024-01-01 08:00", "2024-01-01 17:00", "2024-01-03 09:00"]))
    frame = customer_days(pd.Series(["x", "x", "x"]), stamps, pd.Series([1.0, 2.0, 3.0]))
    assert frame["amount"].tolist() == [3.0, 3.0]
    assert int(frame["day"].diff().iloc[1]) == 2
    with pytest.raises(InputError):
        customer_days(pd.Series(["x"]), pd.Series([1, 2]), pd.Series([1.0]))
    with pytest.raises(InputError):
        lead_in(frame, pd.Series({"x": True}), as_of=0, min_orders=3)
    empty = lead_in(frame, pd.Series({"x": True}), as_of=100_000)
    assert empty.stoppers.customers == 0
    assert np.isnan(empty.stoppers.share_long_gap)
