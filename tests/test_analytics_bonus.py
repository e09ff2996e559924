"""The bonus plan's arithmetic (issue 22, point 3) against figures computed by hand: line
payouts with a floor and a cap, the control-adjusted sales credit (market control, the
all-markets fallback, no control at all), rounding to the cent, and the plan's checks naming
the path."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from valuecenter.analytics.bonus import (
    AmInputs,
    Status,
    as_fraction,
    compute,
    compute_one,
    parse_plan,
)
from valuecenter.analytics.bonus_credit import (
    Basis,
    SalesMonth,
    Unit,
    WithoutControl,
    round_half_up,
    sales_credit,
)
from valuecenter.analytics.errors import InputError


def _plan(**changes: Any) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "name": "test",
        "period": "month",
        "base_bonus": 1000,
        "lines": {
            "retention": {"weight": 0.4, "target": 0.97, "floor": 0.75, "cap": 1.2},
            "sales": {"weight": 0.4, "target": 2000, "floor": 0, "cap": 1.5},
            "nps": {"weight": 0.2, "target": 40, "floor": 0, "cap": 1.25, "min_answers": 5},
        },
    }
    plan.update(changes)
    return plan


def _units(amounts: list[int], first_id: int) -> list[Unit]:
    return [Unit(first_id + i, cents) for i, cents in enumerate(amounts)]


def _control(n: int, total: int, first_id: int) -> list[Unit]:
    """``n`` control customers who bought ``total`` cents together (one bought it all)."""
    return _units([total] + [0] * (n - 1), first_id)


def _am(code: str, sales: list[SalesMonth], **kw: Any) -> AmInputs:
    base: dict[str, Any] = {
        "account_manager_id": 1,
        "code": code,
        "name": None,
        "country": "NL",
        "top_customers": 10,
        "top_previous_cents": 1_000_000,
        "top_current_cents": 990_000,
        "nps": Fraction(50),
        "nps_answers": 20,
        "sales": sales,
    }
    base.update(kw)
    return AmInputs(**base)


def test_an_am_on_target_with_a_market_control() -> None:
    """Retention 0.99 (attainment 99/97), sales credited against 30 market controls, NPS 50 at
    exactly the cap (1.25 is not above it): every cent by hand."""
    plan = parse_plan(_plan())
    month = SalesMonth(
        "2026-10",
        treated=_units([100_000, 50_000, 0, 250_000], 1),  # gross €4,000 from 4 customers
        market_control=_control(30, 1_000_000, 100),  # €10,000 over 30: €333.33⅓ each
        all_control=_control(60, 3_000_000, 200),
    )
    result = compute_one(plan, _am("am-a", [month]))
    retention, sales, nps = result.lines
    # retention: 40000 × (0.99 / 0.97) = 3,960,000 / 97 = 40,824.74 → 40,825
    assert retention.measured == Fraction(99, 100)
    assert retention.attainment == Fraction(99, 97)
    assert retention.status == Status.PAID
    assert retention.payout_cents == 40_825
    # sales: baseline 4 × 1,000,000 / 30 = 133,333.33; credit 266,666.67 → 266,667 cents
    credit = sales.sales
    assert credit is not None
    assert credit.gross_cents == 400_000
    assert credit.baseline_cents == 133_333
    assert credit.credited_cents == 266_667
    assert credit.months[0].basis == Basis.MARKET
    assert credit.months[0].control_customers == 30
    assert credit.adjusted
    # attainment 266,667 / 200,000; payout 40000 × 1.333335 = 53,333.4 → 53,333
    assert sales.attainment == Fraction(266_667, 200_000)
    assert sales.payout_cents == 53_333
    assert sales.status == Status.PAID
    # nps: 50 / 40 = 1.25 = cap → 20000 × 1.25 = 25,000
    assert nps.status == Status.PAID
    assert nps.payout_cents == 25_000
    assert result.total_cents == 40_825 + 53_333 + 25_000 == 119_158


def test_capped_sales_floored_retention_and_the_all_markets_fallback() -> None:
    """Too few control customers in his market (10 < 30): the all-markets control prices the
    credit (40 customers, €20,000: €500 each). Credit €9,000 is 4.5× the target: the cap of
    1.5 pays €600. Retention 70% is below the 75% floor: nothing. Three NPS answers are fewer
    than the plan's five: unmeasured, and the plan pays zero for it."""
    plan = parse_plan(_plan())
    month = SalesMonth(
        "2026-10",
        treated=_units([900_000, 100_000], 1),
        market_control=_control(10, 5_000_000, 100),
        all_control=_control(40, 2_000_000, 200),
    )
    result = compute_one(
        plan, _am("am-b", [month], top_current_cents=700_000, nps=Fraction(80), nps_answers=3)
    )
    retention, sales, nps = result.lines
    assert retention.status == Status.FLOORED
    assert retention.payout_cents == 0
    assert retention.attainment == Fraction(70, 97)
    credit = sales.sales
    assert credit is not None
    assert credit.months[0].basis == Basis.ALL_MARKETS
    assert credit.months[0].control_rate == 50_000
    assert credit.baseline_cents == 100_000  # 2 treated × €500
    assert credit.credited_cents == 900_000
    assert sales.attainment == Fraction(9, 2)
    assert sales.status == Status.CAPPED
    assert sales.paid_multiple == Fraction(3, 2)
    assert sales.payout_cents == 60_000  # 40000 × 1.5, not 40000 × 4.5
    assert nps.status == Status.UNMEASURED
    assert nps.payout_cents == 0
    assert result.total_cents == 60_000


def test_no_control_group_credits_gross_flagged_or_nothing() -> None:
    month = SalesMonth(
        "2026-10",
        treated=_units([120_000, 80_000], 1),
        market_control=_control(5, 100_000, 100),
        all_control=_control(20, 400_000, 200),
    )
    gross = sales_credit([month], min_control=30)
    assert gross.months[0].basis == Basis.NONE
    assert not gross.adjusted
    assert gross.credited_cents == 200_000  # the gross, flagged by adjusted False
    assert gross.lift is None
    zero = sales_credit([month], min_control=30, without_control=WithoutControl.ZERO)
    assert zero.credited_cents == 0
    assert not zero.floored
    # a smaller minimum lets the market's own five controls price it: 2 × €200 = €400
    five = sales_credit([month], min_control=5)
    assert five.months[0].basis == Basis.MARKET
    assert five.credited_cents == 200_000 - 40_000


def test_credit_is_floored_at_zero_once_over_a_quarter() -> None:
    """Month one: 2 treated bought €100, the control predicts 2 × €150: −€200. Month two:
    3 treated bought €1,200, the control predicts 3 × €100: +€900. The quarter's credit is
    €700 — flooring each month would have paid €900."""
    one = SalesMonth("2026-10", _units([10_000, 0], 1), _control(30, 450_000, 100), [])
    two = SalesMonth("2026-11", _units([100_000, 20_000, 0], 1), _control(30, 300_000, 100), [])
    credit = sales_credit([one, two])
    assert [m.incremental for m in credit.months] == [-20_000, 90_000]
    assert credit.credited_cents == 70_000
    assert not credit.floored
    only_bad = sales_credit([one])
    assert only_bad.credited_cents == 0
    assert only_bad.floored


def test_the_credit_is_the_lift_ledgers_estimate() -> None:
    """With a control group the credit is the engine's lift estimator, n_t × (ȳ_t − ȳ_c)."""
    treated = _units([i * 1_000 for i in range(40)], 1)
    control = _units([(i % 7) * 900 for i in range(50)], 1_000)
    credit = sales_credit([SalesMonth("2026-10", treated, control, control)])
    assert credit.lift is not None
    estimate = credit.lift.incremental.estimate
    assert estimate is not None
    exact = Fraction(sum(u.sales_cents for u in treated)) - Fraction(
        40 * sum(u.sales_cents for u in control), 50
    )
    assert estimate == pytest.approx(float(exact))
    assert credit.credited_cents == round_half_up(exact)
    assert credit.lift.incremental.has_interval


def test_rounding_is_half_up_to_the_cent() -> None:
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(-5, 2)) == -3
    assert round_half_up(Fraction(249_999, 100_000)) == 2
    # base €0.05 × weight 0.5 = 2.5 cents → 3 cents per line at attainment 1
    plan = parse_plan(
        _plan(
            base_bonus=0.05,
            lines={
                "retention": {"weight": 0.5, "target": 1, "cap": 1},
                "nps": {"weight": 0.5, "target": 10, "cap": 1},
            },
        )
    )
    result = compute_one(plan, _am("am-r", [], top_current_cents=1_000_000, nps=Fraction(10)))
    assert [x.payout_cents for x in result.lines] == [3, 3]
    assert result.total_cents == 6


def test_unmeasured_target_pays_the_target_share_and_negative_nps_pays_nothing() -> None:
    lines = _plan()["lines"]
    lines["nps"] = {"weight": 0.2, "target": 40, "floor": -100, "cap": 1, "unmeasured": "target"}
    lines["retention"]["unmeasured"] = "target"
    plan = parse_plan(_plan(lines=lines))
    no_top = compute_one(plan, _am("am-n", [], top_customers=0, nps=None, nps_answers=0))
    assert no_top.lines[0].status == Status.UNMEASURED
    assert no_top.lines[0].payout_cents == 40_000
    assert no_top.lines[1].status == Status.UNMEASURED  # no sales month at all
    assert no_top.lines[1].payout_cents == 0  # sales keeps the default: zero
    assert no_top.lines[2].payout_cents == 20_000
    negative = compute_one(plan, _am("am-m", [], nps=Fraction(-20)))
    assert negative.lines[2].status == Status.PAID
    assert negative.lines[2].payout_cents == 0  # above the floor of −100, but −0.5 × pays 0


def test_compute_keeps_the_order_and_the_plan_maximum() -> None:
    plan = parse_plan(_plan())
    results = compute(plan, [_am("b", []), _am("a", [])])
    assert [r.code for r in results] == ["b", "a"]
    assert plan.max_cents == 48_000 + 60_000 + 25_000


def test_as_fraction_reads_floats_as_they_print() -> None:
    assert as_fraction(0.1) == Fraction(1, 10)
    assert as_fraction(None) is None
    with pytest.raises(InputError):
        as_fraction(float("nan"))


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"bonus": 1}, "bonus", "unknown key"),
        ({"period": "week"}, "period", "not one of month, quarter"),
        ({"base_bonus": -5}, "base_bonus", "amount in euro"),
        ({"base_bonus": 10.005}, "base_bonus", "two decimals"),
        ({"base_bonus": True}, "base_bonus", "needs a number"),
        ({"lines": {}}, "lines", "at least one"),
        ({"lines": {"churn": {}}}, "lines.churn", "unknown key"),
        ({"sales_credit": {"min_control_customers": 0}}, "sales_credit.min_control_customers", ""),
        ({"sales_credit": {"without_control": "half"}}, "sales_credit.without_control", ""),
    ],
)
def test_plan_errors_name_the_path(change: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_plan(_plan(**change))
    assert caught.value.field == path
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("measure", "change", "path", "words"),
    [
        ("sales", {"cap": 0.9}, "lines.sales.cap", "needs 1 or more"),
        ("sales", {"floor": 2000}, "lines.sales.floor", "below the target"),
        ("sales", {"target": 0}, "lines.sales.target", "amount in euro"),
        ("retention", {"weight": 0}, "lines.retention.weight", "above 0"),
        ("retention", {"floor": 1.2}, "lines.retention.floor", "below the target"),
        ("nps", {"target": -10}, "lines.nps.target", "above 0"),
        ("nps", {"floor": -101}, "lines.nps.floor", "from -100"),
        ("nps", {"min_answers": 0}, "lines.nps.min_answers", "whole number"),
        ("nps", {"unmeasured": "half"}, "lines.nps.unmeasured", "not one of"),
        ("nps", {"colour": "red"}, "lines.nps.colour", "unknown key"),
        ("retention", {"min_answers": 3}, "lines.retention.min_answers", "unknown key"),
    ],
)
def test_line_errors_name_the_path(
    measure: str, change: dict[str, Any], path: str, words: str
) -> None:
    plan = _plan()
    plan["lines"][measure].update(change)
    with pytest.raises(InputError) as caught:
        parse_plan(plan)
    assert caught.value.field == path
    assert words in str(caught.value)


def test_weights_must_add_up_to_exactly_one() -> None:
    plan = _plan()
    plan["lines"]["nps"]["weight"] = 0.3
    with pytest.raises(InputError, match=r"add up to 1\.1"):
        parse_plan(plan)
    plan["lines"] = {
        "retention": {"weight": 0.1, "target": 1, "cap": 1},
        "sales": {"weight": 0.2, "target": 10, "cap": 1},
        "nps": {"weight": 0.7, "target": 10, "cap": 1},
    }
    parsed = parse_plan(plan)  # 0.1 + 0.2 + 0.7 is exactly 1 as written (not as floats)
    assert parsed.lines[2].weight + parsed.lines[0].weight == Decimal("0.8")
    missing = _plan()
    del missing["lines"]["sales"]["cap"]
    with pytest.raises(InputError) as caught:
        parse_plan(missing)
    assert caught.value.field == "lines.sales.cap"
