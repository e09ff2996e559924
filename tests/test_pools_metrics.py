"""Per-AM metrics on the database (issue 22, points 2 and 3): every figure of
``valuecenter.pools.metrics.am_metrics`` on the hand-built world of tests/pool_world.py, whose
docstring computes each by hand; the period arithmetic and its input errors."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.pool_world import EXPECTED, build_pool_world
from valuecenter.errors import InvalidInput
from valuecenter.pools.metrics import Period, am_metrics


def test_every_figure_of_every_am(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        build_pool_world(session)
    with sessions() as session:
        rows = am_metrics(session, Period.month("2026-10"))
    assert [r.code for r in rows] == ["de-c", "nl-a", "nl-b"]  # active AMs, by code
    for row in rows:
        got = dataclasses.asdict(row)
        for key, want in EXPECTED[row.code].items():
            assert got[key] == pytest.approx(want), (row.code, key)
        assert row.name == f"AM {row.code}"
        assert row.country == row.code[:2].upper()


def test_asked_ids_include_an_am_who_left(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ids = build_pool_world(session)
    with sessions() as session:
        rows = am_metrics(session, Period.month("2026-10"), [ids["de-d"], ids["nl-b"], 10**9])
        assert [r.code for r in rows] == ["de-d", "nl-b"]
        assert rows[0].revenue_cents == 4000
        assert rows[0].top_customers == 0  # nothing in September
        assert am_metrics(session, Period.month("2026-10"), []) == []


def test_september_against_august(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ids = build_pool_world(session)
    with sessions() as session:
        (row,) = am_metrics(session, Period.month("2026-09"), [ids["nl-a"]])
    # August: only a1 (70.00): top ⌈1.2⌉ = 2 but one buyer → a1 alone, 70.00 → 100.00.
    assert (row.revenue_cents, row.previous_revenue_cents) == (22000, 7000)
    assert (row.top_customers, row.top_previous_cents, row.top_current_cents) == (1, 7000, 10000)
    assert row.top_retention == pytest.approx(10000 / 7000)
    assert (row.offers_made, row.offers_accepted, row.sales_cents) == (1, 1, 5000)
    assert (row.nps, row.nps_answers) == (-100.0, 1)


def test_period_month_and_previous() -> None:
    october = Period.month("2026-10")
    assert (october.start, october.end) == (date(2026, 10, 1), date(2026, 11, 1))
    assert october.previous() == Period(date(2026, 9, 1), date(2026, 10, 1))
    assert Period.month("2026-01").previous() == Period(date(2025, 12, 1), date(2026, 1, 1))
    assert Period.month("2100-12").end == date(2101, 1, 1)
    assert october.label == "2026-10"
    week = Period(date(2026, 10, 5), date(2026, 10, 12))
    assert week.previous() == Period(date(2026, 9, 28), date(2026, 10, 5))
    assert week.label == "2026-10-05 – 2026-10-11"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "1999-12", "2101-01", "2026-1", "x", ""])
def test_bad_months_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Period.month(text)
    assert caught.value.field == "month"


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidInput):
        Period(date(2026, 10, 1), date(2026, 10, 1))
