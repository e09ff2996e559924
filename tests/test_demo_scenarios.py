"""Scenarios: a recession in one market, higher seasonal peaks; combinable, and recorded in
the truth (``truth_market_shocks``) while the observable data only show their effects."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.scenarios import RECESSION_CHURN, parse_scenarios
from valuecenter.demo.world import DemoWorld, build_world
from valuecenter.errors import InvalidInput


@pytest.fixture(scope="module")
def calm() -> DemoWorld:
    return build_world(WHOLESALE, 8000, 4)


@pytest.fixture(scope="module")
def shocked() -> DemoWorld:
    return build_world(WHOLESALE, 8000, 4, scenarios=("recession", "peak-season"))


def _orders_in(world: DemoWorld, country: str, starts: str, ends: str) -> int:
    orders = world.frames["orders"].drop_duplicates("order_id")
    when = orders["ordered_at"]
    inside = (when >= pd.Timestamp(starts, tz="UTC")) & (when < pd.Timestamp(ends, tz="UTC"))
    return int((inside & (orders["country"] == country)).sum())


def test_a_recession_dips_one_market_in_its_months(calm: DemoWorld, shocked: DemoWorld) -> None:
    shocks = shocked.truth["truth_market_shocks"]
    recession = shocks[shocks["scenario"] == "recession"].iloc[0]
    assert recession["country"] == "DE"
    starts, ends = recession["starts"], recession["ends"]
    hit = _orders_in(shocked, "DE", starts, ends) / _orders_in(calm, "DE", starts, ends)
    spared = _orders_in(shocked, "NL", starts, ends) / _orders_in(calm, "NL", starts, ends)
    assert hit < 0.75  # 35% fewer orders, and more customers gone
    assert 0.9 < spared < 1.1
    causes = shocked.truth["truth_customers"]
    by_recession = causes[causes["churn_cause"] == "recession"]
    assert len(by_recession) > 0
    country = shocked.frames["customers"].set_index("customer_id")["country"]
    assert (by_recession["customer_id"].map(country) == "DE").all()
    assert by_recession["churn_date"].between(starts, ends).all()
    assert recession["churn_factor"] == RECESSION_CHURN
    assert "recession" not in set(calm.truth["truth_customers"]["churn_cause"].dropna())


def test_peak_season_raises_the_valentine_and_christmas_peaks(
    calm: DemoWorld, shocked: DemoWorld
) -> None:
    shocks = shocked.truth["truth_market_shocks"]
    peaks = shocks[shocks["scenario"] == "peak-season"]
    assert {"Valentine's Day", "Mother's Day", "Christmas"} <= {
        note.split(" peak")[0] for note in peaks["note"]
    }

    def peak_ratio(world: DemoWorld) -> float:
        contacts = world.frames["contacts"]
        day = contacts["started_at"].dt.tz_convert("Europe/Amsterdam").dt.strftime("%m-%d")
        inbound = contacts["direction"] == "inbound"
        december = (inbound & day.between("12-01", "12-23")).sum()
        november = (inbound & day.between("11-08", "11-30")).sum()
        return float(december / november)

    assert peak_ratio(shocked) > peak_ratio(calm) + 0.1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("recession", ("recession",)),
        ("peak-season,recession", ("recession", "peak-season")),
        (["peak-season", "recession,peak-season"], ("recession", "peak-season")),
        (None, ()),
    ],
)
def test_scenarios_combine_in_any_order(given: object, expected: tuple[str, ...]) -> None:
    assert parse_scenarios(given) == expected  # type: ignore[arg-type]


def test_an_unknown_scenario_names_the_choices() -> None:
    with pytest.raises(InvalidInput, match="'boom' is not a scenario; use one of recession, peak"):
        parse_scenarios("recession,boom")
