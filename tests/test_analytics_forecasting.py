"""Contact forecasts (issue 21): the calendar rules, the grid (missing intervals filled and
counted, closed hours kept closed, weekday alignment across a missing day), the interval and
the horizon, on small synthetic series whose right answer is known by construction."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.forecasting import (
    DEFAULT_PEAK_DAYS,
    PeakDay,
    forecast,
    normalise_freq,
    parse_peak_rule,
    peak_dates,
    public_holidays,
)
from valuecenter.analytics.forecasting.grid import build_grid


def test_mothers_day_and_black_friday_2026() -> None:
    # Mother's Day in the Netherlands: the second Sunday of May; Black Friday: the day after
    # the fourth Thursday of November (US Thanksgiving 26 Nov 2026).
    dates = peak_dates(DEFAULT_PEAK_DAYS, [2026])
    assert dates[date(2026, 5, 10)] == "mothers_day"
    assert dates[date(2026, 11, 27)] == "black_friday"
    assert dates[date(2026, 2, 14)] == "valentine"
    assert dates[date(2026, 12, 5)] == "sinterklaas"


def test_rule_grammar() -> None:
    assert parse_peak_rule("easter -2").date_in(2026) == date(2026, 4, 3)  # Good Friday
    assert parse_peak_rule("last mon may").date_in(2026) == date(2026, 5, 25)
    assert parse_peak_rule("02-29").date_in(2026) is None
    assert parse_peak_rule("02-29").date_in(2028) == date(2028, 2, 29)
    assert parse_peak_rule("5th mon feb").date_in(2026) is None
    assert parse_peak_rule(" 2ND Sun MAY ").date_in(2027) == date(2027, 5, 9)


@pytest.mark.parametrize("rule", ["13-01", "2nd sunday may", "first sun may", "12-05 +x", ""])
def test_a_bad_rule_is_one_line_naming_it(rule: str) -> None:
    with pytest.raises(InputError) as caught:
        PeakDay("x", "X", rule)
    message = str(caught.value)
    assert message.startswith("rule: ")
    assert f"'{rule}'" in message
    assert "\n" not in message


def test_dutch_holidays_in_dutch() -> None:
    names = public_holidays([2026], "NL")
    assert names[date(2026, 4, 27)] == "Koningsdag"
    assert names[date(2026, 12, 25)] == "Eerste kerstdag"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("5min", "5min"), ("15MIN", "15min"), ("30min", "30min"), ("H", "h"), ("d", "D")],
)
def test_freq_aliases(text: str, canonical: str) -> None:
    assert normalise_freq(text) == canonical


def test_unknown_freq() -> None:
    with pytest.raises(InputError, match=r"^freq: '7min'"):
        normalise_freq("7min")


def office(days: int = 42, *, seed: int = 0, start: str = "2025-01-06") -> pd.Series:
    """Hourly counts, open Monday–Friday 08:00–17:00 (9 intervals); Friday is twice as busy as
    the other days, the afternoon quieter than the morning (Poisson draws)."""
    rng = np.random.default_rng(seed)
    stamps, counts = [], []
    for day in pd.date_range(start, periods=days, freq="D"):
        if day.weekday() >= 5:
            continue
        for hour in range(8, 17):
            mean = (40 if hour < 12 else 20) * (2 if day.weekday() == 4 else 1)
            stamps.append(day + pd.Timedelta(hours=hour))
            counts.append(rng.poisson(mean))
    return pd.Series(counts, index=pd.DatetimeIndex(stamps), dtype=float)


def test_missing_intervals_inside_opening_hours_are_zero_and_counted() -> None:
    series = office()
    gaps = [pd.Timestamp("2025-01-15 10:00"), pd.Timestamp("2025-01-22 14:00")]
    grid = build_grid(series.drop(gaps), "h")
    assert grid.filled_missing == 2
    row = grid.days.get_loc(pd.Timestamp("2025-01-15"))
    assert grid.values[row, list(grid.slots).index(10)] == 0
    # 24 hours a day, 9 of them open: 15 closed intervals, kept out of the grid.
    assert grid.closed_intervals == 15
    assert list(grid.slots) == list(range(8, 17))
    assert grid.weekdays == (0, 1, 2, 3, 4)


def test_a_missing_day_keeps_the_week_aligned() -> None:
    series = office()
    missing = pd.Timestamp("2025-01-22")  # a Wednesday without any data
    series = series[series.index.normalize() != missing]
    grid = build_grid(series, "h")
    assert grid.filled_missing == 0  # a whole missing day is not a day of zeros
    row = grid.days.get_loc(missing)
    assert not grid.observed[row]
    assert grid.values[row].sum() > 0
    p = grid.period
    assert p == 5
    weekdays = grid.day_weekdays
    assert (weekdays[p:] == weekdays[:-p]).all()  # a weekly lag lands on the same weekday
    result = forecast(series, freq="h", model="seasonal_naive_week", country=None)
    friday = result.forecast[~result.forecast["closed"]]
    # The data ends Friday 14 Feb: the next open day is Monday 17 Feb, forecast as Monday 10th.
    assert friday["time"].iloc[0] == pd.Timestamp("2025-02-17 08:00")
    last_monday = series[series.index.normalize() == pd.Timestamp("2025-02-10")]
    assert friday["value"].to_numpy() == pytest.approx(last_monday.to_numpy())


def test_closed_hours_and_days_stay_closed_and_the_horizon_starts_after_the_data() -> None:
    series = office()
    result = forecast(series, freq="h", horizon=24 * 4, country=None)
    table = result.forecast
    assert table["time"].iloc[0] == series.index[-1] + pd.Timedelta(hours=1)
    assert len(table) == 24 * 4
    hours = table["time"].dt.hour
    weekend = table["time"].dt.weekday >= 5
    closed = weekend | (hours < 8) | (hours >= 17)
    assert (table["closed"] == closed).all()
    assert (table.loc[closed, ["value", "lo", "hi"]].to_numpy() == 0).all()
    # Friday's double volume is the weekday profile, so Monday's mornings are near 40.
    monday = table[(table["time"].dt.weekday == 0) & (hours < 12) & ~table["closed"]]
    assert monday["value"].mean() == pytest.approx(40, rel=0.25)
    assert result.mase < result.mase_seasonal_naive


def test_a_closed_holiday_is_forecast_closed() -> None:
    # Christmas 2024 (25, 26 Dec) and New Year's Day 2025 closed, Good Friday open: three of
    # the four past holidays closed, so Easter Monday 21 April 2025 (Tweede paasdag) ahead is
    # forecast closed too. The data ends Sunday 20 April.
    series = office(days=140, start="2024-12-02")
    closed = pd.DatetimeIndex(["2024-12-25", "2024-12-26", "2025-01-01"])
    series = series[~series.index.normalize().isin(closed)]
    result = forecast(series, freq="h", horizon=24 * 7, country="NL")
    assert result.holidays.get(date(2025, 4, 21)) == "Tweede paasdag"
    table = result.forecast
    easter_monday = table[table["time"].dt.date == date(2025, 4, 21)]
    assert easter_monday["closed"].all()
    assert (easter_monday["value"] == 0).all()
    tuesday = table[(table["time"].dt.date == date(2025, 4, 22)) & ~table["closed"]]
    assert len(tuesday) == 9


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 50), level=st.sampled_from([50, 80, 95]))
def test_interval_is_never_negative_and_holds_the_point(
    seed: int, scale: float, level: int
) -> None:
    series = office(days=35, seed=seed) * 0 + np.random.default_rng(seed).poisson(
        scale, len(office(days=35))
    )
    result = forecast(series, freq="h", model="profile_median", level=level, country=None)
    table = result.forecast
    assert (table["lo"] >= 0).all()
    assert (table["lo"] <= table["value"]).all()
    assert (table["value"] <= table["hi"]).all()


def test_bad_series_and_options_are_one_line() -> None:
    series = office()
    with pytest.raises(InputError, match=r"^series: the count at 2025-01-06T08:00:00"):
        forecast(series.where(series.index != series.index[0], -1.0), freq="h")
    with pytest.raises(InputError, match=r"^model: "):
        forecast(series, freq="h", model="prophet")
    with pytest.raises(InputError, match=r"^series: too short"):
        forecast(series[:90], freq="h")
    with pytest.raises(InputError, match=r"^horizon: "):
        forecast(series, freq="h", horizon=0)


def daily(years: int = 3, *, black_friday: float = 2.0) -> pd.Series:
    """Daily counts 2022 onward, Monday–Friday, 1 000 a day (Poisson), Black Friday times
    ``black_friday``; the office closed on Dutch public holidays."""
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2022-01-03")
    days = pd.date_range(start, periods=365 * years - 40, freq="D")
    closed = set(public_holidays(range(2022, 2022 + years), "NL"))
    friday = peak_dates(DEFAULT_PEAK_DAYS, range(2022, 2022 + years))
    kept = [d for d in days if d.weekday() < 5 and d.date() not in closed]
    means = [1000 * (black_friday if friday.get(d.date()) == "black_friday" else 1) for d in kept]
    return pd.Series(rng.poisson(means).astype(float), index=pd.DatetimeIndex(kept))


def test_a_past_peak_day_lifts_the_next_one() -> None:
    # Data to 21 Nov 2024 (Black Fridays of 2022 and 2023 doubled): Black Friday 29 Nov 2024 is
    # forecast at about twice an ordinary Friday; the days around it are not lifted.
    series = daily()
    series = series[series.index <= "2024-11-21"]
    result = forecast(series, freq="D", horizon=10, country="NL")
    assert result.peaks == {date(2024, 11, 29): "black_friday"}
    table = result.forecast.set_index("time")["value"]
    assert table[pd.Timestamp("2024-11-29")] == pytest.approx(2000, rel=0.1)
    assert table[pd.Timestamp("2024-11-22")] == pytest.approx(1000, rel=0.1)
    assert table[pd.Timestamp("2024-11-23")] == 0  # Saturday: closed


def test_no_past_peak_no_uplift() -> None:
    series = daily(black_friday=1.0)
    series = series[series.index <= "2024-11-21"]
    result = forecast(series, freq="D", horizon=10, country="NL")
    table = result.forecast.set_index("time")["value"]
    assert table[pd.Timestamp("2024-11-29")] == pytest.approx(1000, rel=0.1)


@settings(max_examples=20, deadline=None)
@given(gaps=st.sets(st.integers(0, 40), max_size=6))
def test_weekly_rows_stay_on_their_weekday_whatever_days_are_missing(gaps: set[int]) -> None:
    series = office(days=49)
    start = pd.Timestamp("2025-01-07")
    dropped = {start + pd.Timedelta(days=g) for g in gaps}
    series = series[~series.index.normalize().isin(list(dropped))]
    grid = build_grid(series, "h")
    weekdays = grid.day_weekdays
    assert (weekdays[grid.period :] == weekdays[: -grid.period]).all()
    assert grid.filled_missing == 0
    assert int((~grid.observed).sum()) == len({d for d in dropped if d.weekday() < 5})


def test_a_horizon_of_closed_hours_only() -> None:
    # The data ends Friday 17:00 (the last interval 16:00): the next 24 hours are all closed,
    # whichever model forecasts them.
    series = office()
    result = forecast(series, freq="h", horizon=24, model="mstl", country=None)
    assert result.forecast["closed"].all()
    assert (result.forecast[["value", "lo", "hi"]].to_numpy() == 0).all()
