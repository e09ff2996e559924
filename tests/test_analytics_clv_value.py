"""CLV over a horizon: discounted expected purchases per step times expected average value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES
from valuecenter.analytics.clv import (
    BgNbdFit,
    GammaGammaFit,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
)
from valuecenter.analytics.errors import InputError


@pytest.fixture(scope="module")
def models() -> tuple[pd.DataFrame, BgNbdFit, GammaGammaFit]:
    data = pd.read_csv(FIXTURES / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    return (
        data,
        fit_bgnbd(data["x"], data["t_x"], data["T"]),
        fit_gamma_gamma(data["x"], data["zbar"]),
    )


def test_clv_is_the_discounted_sum_by_hand(
    models: tuple[pd.DataFrame, BgNbdFit, GammaGammaFit],
) -> None:
    data, bg, gg = models
    head = data.iloc[:6]
    x, t_x, age, m = head["x"], head["t_x"], head["T"], head["zbar"]
    clv = customer_lifetime_value(bg, gg, x, t_x, age, m, 12, 0.01, period_length=4.345)
    value = expected_average_value(gg, x, m)
    by_hand = np.zeros(6)
    for k in range(1, 13):
        step = expected_purchases(bg, k * 4.345, x, t_x, age)
        step -= expected_purchases(bg, (k - 1) * 4.345, x, t_x, age)
        by_hand += value * step / 1.01**k
    np.testing.assert_allclose(clv, by_hand, rtol=1e-12)
    # lifetimes' customer_lifetime_value(time=12 months, discount_rate=0.01, freq="W") gives
    # 36.2785 for the first CDNOW customer with these data.
    assert clv[0] == pytest.approx(36.2785, abs=1e-3)


def test_without_discounting_clv_is_purchases_times_value(
    models: tuple[pd.DataFrame, BgNbdFit, GammaGammaFit],
) -> None:
    data, bg, gg = models
    head = data.iloc[:20]
    x, t_x, age, m = head["x"], head["t_x"], head["T"], head["zbar"]
    clv = customer_lifetime_value(bg, gg, x, t_x, age, m, 52, 0.0)
    expected = expected_purchases(bg, 52, x, t_x, age) * expected_average_value(gg, x, m)
    np.testing.assert_allclose(clv, expected, rtol=1e-10)
    discounted = customer_lifetime_value(bg, gg, x, t_x, age, m, 52, 0.005)
    assert (discounted < clv).all()
    longer = customer_lifetime_value(bg, gg, x, t_x, age, m, 104, 0.005)
    assert (longer > discounted).all()


def test_bad_arguments(models: tuple[pd.DataFrame, BgNbdFit, GammaGammaFit]) -> None:
    _, bg, gg = models
    with pytest.raises(InputError, match="horizon_periods: needs at least 1"):
        customer_lifetime_value(bg, gg, [1], [1.0], [2.0], [10.0], 0, 0.01)
    with pytest.raises(InputError, match="horizon_periods: needs a whole number"):
        customer_lifetime_value(bg, gg, [1], [1.0], [2.0], [10.0], 1.5, 0.01)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="discount_rate_per_period"):
        customer_lifetime_value(bg, gg, [1], [1.0], [2.0], [10.0], 12, -0.1)
