"""The lead-in to leaving: how the last orders of customers who stop differ from those of
customers who keep buying, measured the same way on real data and on the demo world.

Definitions (issue 18, "Leaving has a weak lead-in, then silence"):

- An **order** is one customer-day; the amounts of one day are summed.
- Only orders on or before ``as_of`` are used. The population is the customers with at least
  ``min_orders`` (4) orders by then that carry a label: **stopper** (``True``) or **keeper**
  (``False``). On real data the label is observable (:func:`stopped_by_silence`: no order in
  the ``horizon`` days after ``as_of``), on the demo world it comes from the truth; either way
  the keepers are measured at the same moment as the stoppers (their last order on or before
  ``as_of``), so they are matched in time.
- A customer's **own median gap** is the median of his gaps (days between consecutive orders)
  up to his third-to-last order: his rhythm before the last two gaps, where the lead-in shows.
  (With the median over all gaps the lengthening hides in the median: on CDNOW the stoppers'
  mean log₂ ratio at the last order is +0.22 instead of +0.40.) His **own median basket** is
  the median amount of his orders before the last two.
- **share_long_gap**: the share of a group's orders (second order on) placed after a gap longer
  than 1.5 × the customer's own median gap (real data: 30–39% for keepers).
- **log2_gap_ratio**: the mean over the group's customers of log₂(gap ÷ own median gap) at the
  third-to-last, second-to-last and last order (CDNOW: +0.40 for stoppers, −0.03 for keepers at
  the last order).
- **basket_ratio**: the median, over the group's last two orders, of amount ÷ own median basket;
  **below_half**: the share of those orders below half of it (wholesale: stoppers 0.7–0.85,
  keepers ≈ 0.9; 21–25% below half). Customers whose median basket is not positive are left out
  of the basket figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

LONG_GAP = 1.5  # a gap longer than this × the customer's own median gap is "long"
MIN_ORDERS = 4
LAST_ORDERS = 3  # the lead-in is measured at the last three orders
LAST_BASKETS = 2  # the baskets that shrink are the last two


@dataclass(frozen=True)
class GroupLeadIn:
    """The lead-in figures of one group (stoppers or keepers)."""

    customers: int
    gaps: int  # orders after a gap (second order on) of the group's customers
    share_long_gap: float
    # Mean log₂(gap ÷ own median gap) at the third-to-last, second-to-last and last order.
    log2_gap_ratio: tuple[float, float, float]
    basket_ratio: float
    below_half: float

    def as_json(self) -> dict[str, object]:
        return {
            "customers": self.customers,
            "gaps": self.gaps,
            "share_long_gap": round(self.share_long_gap, 4),
            "log2_gap_ratio": [round(v, 4) for v in self.log2_gap_ratio],
            "basket_ratio": round(self.basket_ratio, 4),
            "below_half": round(self.below_half, 4),
        }


@dataclass(frozen=True)
class LeadIn:
    stoppers: GroupLeadIn
    keepers: GroupLeadIn

    def as_json(self) -> dict[str, object]:
        return {"stoppers": self.stoppers.as_json(), "keepers": self.keepers.as_json()}


def customer_days(customer: pd.Series, day: pd.Series, amount: pd.Series) -> pd.DataFrame:
    """One row per customer-day (``customer``, ``day``, ``amount`` summed), sorted.

    ``day`` is a whole day number (int) or a datetime column (taken at its calendar day)."""
    if not len(customer) == len(day) == len(amount):
        raise InputError(N_("customer, day and amount must have the same length"))
    days = pd.Series(day).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(days):
        stamps = pd.to_datetime(days)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)
        numbers = (stamps.dt.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
    else:
        numbers = days.astype(np.int64)
    frame = pd.DataFrame(
        {
            "customer": pd.Series(customer).reset_index(drop=True),
            "day": numbers.astype(np.int64),
            "amount": pd.Series(amount, dtype=np.float64).reset_index(drop=True),
        }
    )
    out = frame.groupby(["customer", "day"], sort=True)["amount"].sum().reset_index()
    return pd.DataFrame(out)


def stopped_by_silence(orders: pd.DataFrame, as_of: int, horizon_days: int) -> pd.Series:
    """Per customer with an order on or before ``as_of``: ``True`` when he has no order in
    ``(as_of, as_of + horizon_days]`` (the observable definition of a stopper)."""
    before = orders.loc[orders["day"] <= as_of, "customer"].unique()
    after = orders.loc[
        (orders["day"] > as_of) & (orders["day"] <= as_of + horizon_days), "customer"
    ].unique()
    return pd.Series(~np.isin(before, after), index=before, name="stopped")


def _group(frame: pd.DataFrame) -> GroupLeadIn:
    customers = int(frame["customer"].nunique())
    gaps = frame[frame["gap"].notna()]
    ratio = gaps["gap"] / gaps["median_gap"]
    share = float((ratio > LONG_GAP).mean()) if len(gaps) else float("nan")
    log_ratio = np.log2(np.maximum(ratio.to_numpy(np.float64), 1e-9))
    at = gaps["from_end"].to_numpy()
    means = tuple(
        float(log_ratio[at == k].mean()) if (at == k).any() else float("nan")
        for k in range(LAST_ORDERS - 1, -1, -1)
    )
    last = frame[(frame["from_end"] < LAST_BASKETS) & (frame["median_basket"] > 0)]
    basket = (last["amount"] / last["median_basket"]).to_numpy(np.float64)
    return GroupLeadIn(
        customers=customers,
        gaps=len(gaps),
        share_long_gap=share,
        log2_gap_ratio=(means[0], means[1], means[2]),
        basket_ratio=float(np.median(basket)) if len(basket) else float("nan"),
        below_half=float((basket < 0.5).mean()) if len(basket) else float("nan"),
    )


def lead_in(
    orders: pd.DataFrame, stopped: pd.Series, as_of: int, min_orders: int = MIN_ORDERS
) -> LeadIn:
    """The lead-in figures of stoppers and keepers.

    ``orders`` as from :func:`customer_days` (customer, day, amount; one row per customer-day);
    ``stopped`` a boolean per customer (index: customer), customers without a label are left
    out; ``as_of`` a day number: only orders on or before it are used."""
    if min_orders < LAST_ORDERS + 1:
        raise InputError(N_("the lead-in needs at least four orders per customer"))
    labels = stopped.dropna().astype(bool)
    o = orders[(orders["day"] <= as_of) & orders["customer"].isin(labels.index)]
    o = o.sort_values(["customer", "day"], kind="stable").reset_index(drop=True)
    count = o.groupby("customer")["day"].transform("size")
    o = o[count >= min_orders].reset_index(drop=True)
    grouped = o.groupby("customer", sort=False)
    o["gap"] = grouped["day"].diff().astype(np.float64)
    o["from_end"] = grouped.cumcount(ascending=False)
    early = o[o["from_end"] >= LAST_ORDERS - 1]
    o["median_gap"] = o["customer"].map(early.groupby("customer")["gap"].median())
    before = o[o["from_end"] >= LAST_BASKETS]
    o["median_basket"] = o["customer"].map(before.groupby("customer")["amount"].median())
    is_stopper = o["customer"].map(labels).to_numpy(dtype=bool)
    return LeadIn(stoppers=_group(o[is_stopper]), keepers=_group(o[~is_stopper]))
