"""The service P&L on the telecom demo world against the world's truth — issue 23's "Done when":

- the proven yield per line matches the truth within its reported interval;
- a line without a random control group never enters the proven total;
- the save line's seeds-style gross figure ("1,250 kept, €10.7M", seed 002) and its
  incremental figure are both given, and the incremental one covers the truth.

Built through the CLI as an operator would: the telecom world of 20,000 customers (seed 3,
history to 2026-10-31), a score run, twelve months of the save desk (``demo savedesk``: cancel
callers drawn to the desk or to standard handling, their answers from the truth) and four
months of next-best-action decisions (``demo nba``: answers from the truth, a 5% control group
per month). The truth — never read by the product — is the save-desk simulation's true
incremental value per month (Σ over desk cases of (p_offer − p_control) × value) and, for the
offers, tests/test_nba_truth.py's expected extra sales of the presented offers.

Measured with this seed (SQLite, 2026-12-07): the save line is proven every month (about 24
control cases a month) and each month's interval covers that month's truth (12 of 12); over
the twelve months +€219.69 [−€78,234.28, €78,673.67] against a truth of €4,887.19 — the kept
value of a desk that mostly keeps customers who would have stayed is small and noisy, which is
the honest answer. The next-best-action line's monthly intervals are withheld (skewness,
Cochran's rule), so no month of it is proven; over July–October it is proven:
€19,945.75 [€14,760.70, €25,130.80] against a truth of €18,027.31. Campaigns (the demo's are
imported without an experiment), the AM pools (no AMs in telecom; never randomised) and the
avoided costs (no control group) are never proven.

SQLite only: the world takes about three minutes to build and the product code it drives is
the same on both backends (tests/test_finance_costs.py and tests/test_web_pnl_api.py run on
both).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_world import build_world
from tests.conftest import _copy_sqlite
from tests.test_nba_truth import _true_lift
from valuecenter.finance.pnl import next_month, pnl
from valuecenter.finance.schemas import PnlOut
from valuecenter.finance.statement import statement

DESK_MONTHS = [date(2025, 11, 1)]
for _ in range(11):
    DESK_MONTHS.append(next_month(DESK_MONTHS[-1]))
WORLD_END = date(2026, 11, 1)
NBA_START = date(2026, 7, 1)
READ_AT = datetime(2026, 12, 1, tzinfo=UTC)  # every offer window has closed


@pytest.fixture(scope="module")
def telecom_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The world above, built once for this file (a SQLite file of its own): its path and the
    true incremental save value per month (cents)."""
    path = tmp_path_factory.mktemp("pnl-world") / "world.db"
    _world, _score, desk, _nba = build_world(
        path,
        ("demo", "--preset", "telecom", "--customers", "20000", "--seed", "3"),
        ("score",),
        ("demo", "savedesk", "--months", "12", "--seed", "3"),
        ("demo", "nba", "--months", "4", "--seed", "3", "--no-train"),
    )
    months = desk["months"]
    assert isinstance(months, list)
    return path, {str(m["month"]): int(m["true_incremental_value_cents"]) for m in months}


@pytest.fixture
def truth(db_url: str, request: pytest.FixtureRequest) -> dict[str, int]:
    if not db_url.startswith("sqlite"):
        pytest.skip("measured on SQLite (the same product code runs on both backends)")
    path, months = request.getfixturevalue("telecom_books")
    _copy_sqlite(path, db_url.removeprefix("sqlite:///"))
    return dict(months)


def _covers(interval: tuple[int, int] | None, value: float) -> bool:
    return interval is not None and interval[0] <= value <= interval[1]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_months_save_line_is_proven_and_covers_the_truth(
    truth: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    covered = 0
    with sessions() as session:
        for month in DESK_MONTHS:
            line = pnl(session, month, next_month(month), as_of=READ_AT).line("saves")
            true_value = truth[f"{month:%Y-%m}"]
            print(f"{month:%Y-%m}", line.incremental_cents, line.interval_cents, true_value)
            assert line.proven, line.reason
            covered += _covers(line.interval_cents, true_value)
        year = pnl(session, DESK_MONTHS[0], WORLD_END, as_of=READ_AT).line("saves")
    # a 95% interval: 12 of 12 with this seed; fewer than 10 would be 1-in-50 bad luck
    assert covered >= 10, covered
    assert year.proven
    assert _covers(year.interval_cents, sum(truth.values()))
    assert year.provenance["experiments"] == [f"save-desk:{m:%Y-%m}" for m in DESK_MONTHS]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_next_best_action_line_covers_the_truth_where_it_is_proven(
    truth: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        line = pnl(session, NBA_START, WORLD_END, as_of=READ_AT).line("nba-sales")
        months = [
            pnl(session, m, next_month(m), as_of=READ_AT).line("nba-sales")
            for m in DESK_MONTHS[-4:]
        ]
        true_sales = _true_lift(session, WORLD_END).total_sales_cents
    print(line.incremental_cents, line.interval_cents, true_sales)
    assert line.proven
    assert line.provenance["experiments"] == [f"nba-control:2026-{m:02d}" for m in (7, 8, 9, 10)]
    assert _covers(line.interval_cents, true_sales)
    for month in months:  # a month alone is too skewed for an interval: never proven
        assert month.reason is not None
        assert month.proven is (month.interval_cents is not None)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_lines_without_a_random_control_never_enter_the_proven_total(
    truth: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        year = pnl(session, DESK_MONTHS[0], WORLD_END, as_of=READ_AT)
    by_key = {line.key: line for line in year.yields}
    assert [line.key for line in year.yields] == [
        "saves", "nba-sales", "campaigns", "am-pools", "avoided-costs",
    ]  # fmt: skip
    for key in ("campaigns", "am-pools", "avoided-costs"):
        assert not by_key[key].proven, key
        assert by_key[key].reason, key
    # the avoided costs have a real gross figure — shown apart, never summed
    assert by_key["avoided-costs"].gross_cents > 0
    proven = by_key["saves"].incremental_cents or 0
    proven += by_key["nba-sales"].incremental_cents or 0
    assert year.proven_cents == proven
    assert year.unproven_gross_cents == sum(
        by_key[k].gross_cents for k in ("campaigns", "am-pools", "avoided-costs")
    )
    assert year.cost_cents > 0
    assert year.net_cents == year.proven_cents - year.cost_cents


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_seeds_figure_stands_beside_the_incremental_one_which_covers_the_truth(
    truth: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        figures = statement(session, "2026-10", as_of=READ_AT, trend_months=0)
    seeds = figures.seeds
    line = figures.period.line("saves")
    assert seeds.kept == line.provenance["gross_saves"] > 0
    assert seeds.gross_cents == line.gross_cents
    assert seeds.incremental_cents == line.incremental_cents
    assert seeds.interval_cents == line.interval_cents
    assert _covers(seeds.interval_cents, truth["2026-10"])
    # the seeds' way counts every kept customer's whole value: many times the increment
    assert seeds.gross_cents > 10 * abs(truth["2026-10"])
    assert "anyway" in seeds.why
    out = json.loads(PnlOut.of(figures).model_dump_json())
    assert out["seeds_saves"]["gross_cents"] == seeds.gross_cents
    assert out["seeds_saves"]["incremental_cents"] == seeds.incremental_cents
