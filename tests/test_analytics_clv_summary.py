"""Transactions to frequency / recency / T / monetary value, and the calibration-holdout split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES
from valuecenter.analytics.clv import calibration_and_holdout, period_index, transaction_summary
from valuecenter.analytics.errors import InputError

# Customer A buys twice on 2024-01-01 (one purchase of 15), then on the 3rd and 10th;
# B buys once; C buys on the 2nd and the 20th. Observation ends on the 20th.
TRANSACTIONS = pd.DataFrame(
    {
        "customer": ["A", "A", "A", "A", "B", "C", "C"],
        "when": pd.to_datetime(
            ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-03", "2024-01-10",
             "2024-01-05", "2024-01-02", "2024-01-20"],
            format="ISO8601",
        ),
        "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0, 9.0],
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_sample() -> pd.DataFrame:
    return pd.read_csv(
        FIXTURES / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["id", "sid", "date", "cds", "dollars"],
        dtype={"date": str},
    ).assign(date=lambda f: pd.to_datetime(f["date"], format="%Y%m%d"))


def test_daily_summary_by_hand() -> None:
    t = TRANSACTIONS
    summary = transaction_summary(t["customer"], t["when"], t["amount"], freq="D")
    assert summary.index.tolist() == ["A", "B", "C"]
    assert summary["frequency"].tolist() == [2, 0, 1]
    assert summary["recency"].tolist() == [9, 0, 18]
    assert summary["T"].tolist() == [19, 15, 18]
    # Repeat purchases only: A's first day (15) is left out.
    assert summary["monetary_value"].tolist() == [30.0, 0.0, 9.0]


def test_weekly_summary_by_hand() -> None:
    # 2024-01-01 is a Monday: weeks are 1–7, 8–14, 15–21 January.
    t = TRANSACTIONS
    summary = transaction_summary(t["customer"], t["when"], t["amount"], freq="W")
    assert summary["frequency"].tolist() == [1, 0, 1]
    assert summary["recency"].tolist() == [1, 0, 2]
    assert summary["T"].tolist() == [2, 2, 2]
    assert summary["monetary_value"].tolist() == [40.0, 0.0, 9.0]
    weeks = period_index(
        pd.to_datetime(["2023-12-31", "2024-01-01", "2024-01-07", "2024-01-08"]), "W"
    )
    assert np.diff(weeks).tolist() == [1, 0, 1]  # Sunday ends a week, Monday starts one


def test_observation_end_drops_later_transactions() -> None:
    t = TRANSACTIONS
    summary = transaction_summary(t["customer"], t["when"], freq="D", observation_end="2024-01-09")
    assert "monetary_value" not in summary
    assert summary["frequency"].tolist() == [1, 0, 0]
    assert summary["T"].tolist() == [8, 4, 7]


def test_calibration_and_holdout_by_hand() -> None:
    t = TRANSACTIONS
    split = calibration_and_holdout(t["customer"], t["when"], t["amount"], "2024-01-05", "D")
    assert split.index.tolist() == ["A", "B", "C"]  # B's first purchase is on the end day
    assert split["frequency_cal"].tolist() == [1, 0, 0]
    assert split["T_cal"].tolist() == [4, 0, 3]
    assert split["frequency_holdout"].tolist() == [1, 0, 1]
    assert split["monetary_value_holdout"].tolist() == [40.0, 0.0, 9.0]
    assert (split["duration_holdout"] == 15).all()
    # A customer whose first purchase is after the calibration end is not scored.
    early = calibration_and_holdout(t["customer"], t["when"], None, "2024-01-01", "D")
    assert early.index.tolist() == ["A"]
    assert early["frequency_holdout"].tolist() == [2]


def test_cdnow_sample_reproduces_the_published_summary(cdnow_sample: pd.DataFrame) -> None:
    # Days, divided by 7, are the weeks of the published file (rounded to 2 decimals), and the
    # mean repeat spend is its zbar (rounded to cents).
    s = cdnow_sample
    split = calibration_and_holdout(s["sid"], s["date"], s["dollars"], "1997-09-30", "D")
    published = pd.read_csv(
        FIXTURES / "cdnow" / "cdnow_customers_summary_with_transactions.csv", index_col="ID"
    )
    split = split.reindex(published.index)
    assert (split["frequency_cal"] == published["x"]).all()
    assert np.abs(split["recency_cal"] / 7 - published["t_x"]).max() <= 0.005
    assert np.abs(split["T_cal"] / 7 - published["T"]).max() <= 0.005
    assert np.abs(split["monetary_value_cal"] - published["zbar"]).max() <= 0.005 + 1e-9
    assert (split["duration_holdout"] == 273).all()  # 1997-10-01 .. 1998-06-30
    assert split["frequency_holdout"].sum() == 1882


@pytest.mark.parametrize(
    ("customer", "when", "amount", "message"),
    [
        ([], [], None, "customer: there are no transactions"),
        (["A", None], ["2024-01-01", "2024-01-02"], None, "customer: has missing"),
        (["A", "B"], ["2024-01-01", None], None, "when: has missing dates"),
        (["A", "B"], ["2024-01-01", "yesterday"], None, "when: not dates"),
        (["A", "B"], ["2024-01-01"], None, "when: needs one date per transaction"),
        (["A", "B"], ["2024-01-01", "2024-01-02"], [1.0, float("nan")], "amount: has missing"),
    ],
)
def test_bad_transactions(
    customer: list[object], when: list[object], amount: list[float] | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        transaction_summary(customer, when, amount)


def test_bad_periods_and_dates() -> None:
    t = TRANSACTIONS
    with pytest.raises(InputError, match="freq: 'M' is not D"):
        transaction_summary(t["customer"], t["when"], freq="M")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="observation_end: is before every"):
        transaction_summary(t["customer"], t["when"], observation_end="2023-01-01")
    with pytest.raises(InputError, match="observation_end: is before calibration_end"):
        calibration_and_holdout(t["customer"], t["when"], None, "2024-01-10", "D", "2024-01-05")
    with pytest.raises(InputError, match="calibration_end: 'soon' is not a date"):
        calibration_and_holdout(t["customer"], t["when"], None, "soon", "D")
