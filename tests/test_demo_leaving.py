"""The demo world's lead-in to leaving against real data (issue 18, point 2).

One 20,000-customer wholesale world (seed 1; the issue's size, built once for the module, a few
seconds) is measured exactly as CDNOW is in tests/test_analytics_leaving.py
(``analytics/leaving.py``): its observable order lines as customer-days (local calendar day,
amounts quantity × unit price summed), as-of = the window's last day − 90 days, customers with
≥ 4 orders by then. Who left comes from ``truth_customers``: a **stopper** truly left
(``churn_date`` set) and has no order after as-of, a **keeper** is still a customer at the
window end and orders after as-of (the others — a keeper in a long pause, a leaver still
ordering after as-of — are the ones CDNOW's observable silence cannot tell apart; they are left
out).

Tolerances (issue 18): ±5 points for shares, ±0.1 for mean log₂ ratios, against the figures the
CDNOW test measures. The basket figures are wholesale ones: UCI Online Retail (12 months), as
the issue reports them — stoppers' last two baskets 0.7–0.85 × their own median, 21–25% below
half; the 3-month sample in ../shared/data is too short to measure them (about 10–30 stoppers).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.test_analytics_leaving import HORIZON, cdnow_lead_in
from valuecenter.analytics.leaving import LeadIn, customer_days, lead_in, stopped_by_silence
from valuecenter.demo.presets import get_preset
from valuecenter.demo.timeline import days_since_epoch
from valuecenter.demo.world import build_world

CUSTOMERS, SEED = 20_000, 1
# UCI Online Retail, wholesale, 12 months (issue 18): the last two baskets of stoppers.
RETAIL_BASKET_RATIO = (0.70, 0.85)
RETAIL_BELOW_HALF = (0.21, 0.25)
SHARE_TOLERANCE = 0.05
LOG_TOLERANCE = 0.1


@pytest.fixture(scope="module")
def measured() -> tuple[LeadIn, LeadIn, LeadIn]:
    """(world with truth labels, world with CDNOW's observable labels, CDNOW)."""
    world = build_world(get_preset("wholesale"), CUSTOMERS, SEED)
    lines = world.frames["orders"]
    orders = customer_days(
        lines["customer_id"],
        lines["ordered_at"].dt.tz_convert("Europe/Amsterdam"),
        lines["quantity"] * lines["unit_price"],
    )
    as_of = days_since_epoch(world.window.last_day) - HORIZON
    silent = stopped_by_silence(orders, as_of, HORIZON)
    truth = world.truth["truth_customers"].set_index("customer_id")["churn_date"]
    left = truth.notna().reindex(silent.index).to_numpy(dtype=bool)
    quiet = silent.to_numpy(dtype=bool)
    label = np.where(left & quiet, 1.0, np.where(~left & ~quiet, 0.0, np.nan))
    by_truth = lead_in(orders, pd.Series(label, index=silent.index), as_of)
    observable = lead_in(orders, silent, as_of)
    return by_truth, observable, cdnow_lead_in()


def test_world_lead_in_is_within_the_real_figures(measured: tuple[LeadIn, LeadIn, LeadIn]) -> None:
    world, observable, cdnow = measured
    print("world (truth):", json.dumps(world.as_json()))
    print("world (observable 90-day silence):", json.dumps(observable.as_json()))
    print("CDNOW:", json.dumps(cdnow.as_json()))
    assert world.stoppers.customers > 500
    assert world.keepers.customers > 5000
    for mine, real in ((world.stoppers, cdnow.stoppers), (world.keepers, cdnow.keepers)):
        assert mine.share_long_gap == pytest.approx(real.share_long_gap, abs=SHARE_TOLERANCE)
        for k in range(3):
            assert mine.log2_gap_ratio[k] == pytest.approx(
                real.log2_gap_ratio[k], abs=LOG_TOLERANCE
            ), k
    low, high = RETAIL_BASKET_RATIO
    assert low - SHARE_TOLERANCE <= world.stoppers.basket_ratio <= high + SHARE_TOLERANCE
    low, high = RETAIL_BELOW_HALF
    assert low - SHARE_TOLERANCE <= world.stoppers.below_half <= high + SHARE_TOLERANCE
    # The lead-in is gradual, then silence: stoppers' gaps grow towards the last order, and
    # their baskets end smaller than the keepers' (whose last baskets stay near their median).
    assert world.stoppers.log2_gap_ratio[0] < world.stoppers.log2_gap_ratio[2]
    assert world.stoppers.basket_ratio < world.keepers.basket_ratio
