"""Order-line totals in cents from unit prices with four decimals (issue 16, part 5): the
rounding rule of docs/data-format.md ("Orders": half away from zero, a return mirrors its
sale) in exact integer arithmetic, and a total too large for 64 bits refused."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from valuecenter.importer.line_totals import MAX_TOTAL_CENTS, line_totals


@pytest.mark.parametrize(
    ("quantity", "price", "cents"),
    [
        (1, 10, 0),  # 1 × 0.001 = 0.001 → 0.00
        (5, 10, 1),  # 5 × 0.001 = 0.005 → 0.01 (half away from zero)
        (-5, 10, -1),  # the return of it
        (4, 10, 0),  # 0.004 → 0.00
        (3, 15, 0),  # 3 × 0.0015 = 0.0045 → 0.00
        (2, 25_500, 510),  # 2 × 2.55
        (-1, 99_900, -999),
        (3, -12_345, -370),  # a discount line: 3 × −1.2345 = −3.7035 → −3.70
        (0, 12_345, 0),
        (2_147_483_647, 9_999_999, 214_748_343_225_164),  # int32 max × 999.9999
    ],
)
def test_totals_follow_the_rounding_rule(quantity: int, price: int, cents: int) -> None:
    exact = (Decimal(quantity) * Decimal(price) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    assert int(exact) == cents  # the rule, said with Decimal
    totals, too_large = line_totals(np.array([quantity]), np.array([price]))
    assert totals.tolist() == [cents]
    assert too_large.tolist() == [False]


def test_a_total_beyond_64_bits_is_refused_not_wrapped() -> None:
    price = np.array([10**18, MAX_TOTAL_CENTS * 100, 10**17], dtype=np.int64)
    quantity = np.array([2_000_000_000, 1, 9], dtype=np.int64)
    totals, too_large = line_totals(quantity, price)
    assert too_large.tolist() == [True, False, False]
    assert totals.tolist() == [0, MAX_TOTAL_CENTS, 9 * 10**15]


def test_random_lines_match_decimal_arithmetic() -> None:
    rng = np.random.default_rng(16)
    quantity = rng.integers(-10_000, 10_000, 2_000)
    price = rng.integers(-(10**9), 10**9, 2_000)
    totals, too_large = line_totals(quantity, price)
    assert not too_large.any()
    expected = [
        int((Decimal(int(q)) * Decimal(int(p)) / 100).quantize(Decimal(1), ROUND_HALF_UP))
        for q, p in zip(quantity, price, strict=True)
    ]
    assert totals.tolist() == expected


@pytest.mark.parametrize(
    ("ten_thousandths", "nl", "en"),
    [
        (10, "€ 0,001", "€0.001"),
        (25_500, "€ 2,55", "€2.55"),
        (12_345, "€ 1,2345", "€1.2345"),
        (1_500, "€ 0,15", "€0.15"),
        (-99_900, "€ -9,99", "-€9.99"),
        (12_345_678_900, "€ 1.234.567,89", "€1,234,567.89"),
    ],
)
def test_a_unit_price_shows_its_cents_and_only_the_decimals_it_has(
    ten_thousandths: int, nl: str, en: str
) -> None:
    from valuecenter.i18n import format_unit_price, use_locale

    for locale, shown in (("nl", nl), ("en", en)):
        with use_locale(locale):
            assert format_unit_price(ten_thousandths) == shown
