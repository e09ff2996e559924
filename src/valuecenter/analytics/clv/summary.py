"""From transactions to the per-customer summary the CLV models read.

The convention is the standard one of the "buy 'til you die" literature and of ``lifetimes``
(``summary_data_from_transaction_data`` and ``calibration_and_holdout_data``), here computed
with vectorised pandas:

* time is cut into periods of ``freq`` — ``"D"`` (calendar days) or ``"W"`` (weeks Monday to
  Sunday, pandas' ``W-SUN``) — and a customer makes at most one purchase per period: all his
  transactions in one period are one purchase whose value is their sum;
* ``frequency`` is the number of periods with a purchase after the first (repeat purchases),
  ``recency`` the number of periods from the first purchase to the last, and ``T`` the number of
  periods from the first purchase to the end of observation (Fader, Hardie & Lee 2005, section 2:
  x, t_x and T);
* ``monetary_value`` is the mean value of the repeat purchases (0 without any): the first
  purchase is left out, as in Fader & Hardie's (2013) Gamma-Gamma note.

Dates with a time zone are cut into periods on their own wall-clock dates; dates given as text
must be ISO 8601 (``2024-01-31``, ``2024-01-31 09:30``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

Freq = Literal["D", "W"]
_EPOCH_WEEKDAY_SHIFT = 3  # 1970-01-01 was a Thursday: (days + 3) // 7 counts weeks from Monday


def _dates(when: npt.ArrayLike | pd.Series) -> pd.DatetimeIndex:
    values = when if isinstance(when, pd.Series | pd.Index) else np.atleast_1d(np.asarray(when))
    try:
        # Text is read as ISO 8601 only, so that 01/02 is never guessed to be a day or a month.
        dates = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601"))
    except (ValueError, TypeError, OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(N_("when: not dates (%(first)s)"), first=first) from None
    if bool(np.asarray(dates.isna()).any()):
        raise InputError(N_("when: has missing dates"))
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    return dates


def period_index(when: npt.ArrayLike | pd.Series, freq: Freq) -> npt.NDArray[np.int64]:
    """The period of each date as a whole number: days since 1970-01-01, or weeks (Mon–Sun)."""
    if freq not in ("D", "W"):
        raise InputError(N_("freq: '%(freq)s' is not D (days) or W (weeks)"), freq=freq)
    days = _dates(when).values.astype("datetime64[D]").astype(np.int64)
    if freq == "W":
        weeks: npt.NDArray[np.int64] = (days + _EPOCH_WEEKDAY_SHIFT) // 7
        return weeks
    return days


def _period_of(day: object, freq: Freq, field: str) -> int:
    try:
        stamp = pd.Timestamp(day)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise InputError(N_("%(field)s: '%(day)s' is not a date"), field=field, day=day) from None
    if pd.isna(stamp):
        raise InputError(N_("%(field)s: '%(day)s' is not a date"), field=field, day=day)
    return int(period_index(pd.Series([stamp]), freq)[0])


def _transactions(
    customer: npt.ArrayLike | pd.Series,
    when: npt.ArrayLike | pd.Series,
    amount: npt.ArrayLike | pd.Series | None,
    freq: Freq,
) -> pd.DataFrame:
    """One row per (customer, period with a purchase): the period and the value bought in it."""
    ids = pd.Series(np.asarray(customer) if not isinstance(customer, pd.Series) else customer)
    n = len(ids)
    if n == 0:
        raise InputError(N_("customer: there are no transactions"))
    if ids.isna().any():
        raise InputError(N_("customer: has missing customer ids"))
    periods = period_index(when, freq)
    if len(periods) != n:
        raise InputError(N_("when: needs one date per transaction"))
    frame = pd.DataFrame({"customer": ids.to_numpy(), "period": periods})
    if amount is not None:
        values = np.asarray(amount, dtype=np.float64)
        if values.shape != (n,):
            raise InputError(N_("amount: needs one value per transaction"))
        if not np.isfinite(values).all():
            raise InputError(N_("amount: has missing or infinite values"))
        frame["amount"] = values
    else:
        frame["amount"] = 0.0
    grouped = frame.groupby(["customer", "period"], sort=True)["amount"].sum()
    return grouped.reset_index()


def _summarise(per_period: pd.DataFrame, end_period: int, with_amount: bool) -> pd.DataFrame:
    by_customer = per_period.groupby("customer", sort=True)
    stats = by_customer.agg(
        first=("period", "first"),
        last=("period", "last"),
        periods=("period", "size"),
        total=("amount", "sum"),
        first_amount=("amount", "first"),
    )
    frequency = (stats["periods"] - 1).astype(np.float64)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (stats["last"] - stats["first"]).astype(np.float64),
            "T": (end_period - stats["first"]).astype(np.float64),
        }
    )
    if with_amount:
        repeat_total = stats["total"] - stats["first_amount"]
        summary["monetary_value"] = np.where(
            frequency > 0, repeat_total / frequency.where(frequency > 0, 1.0), 0.0
        )
    summary.index.name = "customer"
    return summary


def transaction_summary(
    customer: npt.ArrayLike | pd.Series,
    when: npt.ArrayLike | pd.Series,
    amount: npt.ArrayLike | pd.Series | None = None,
    *,
    freq: Freq = "D",
    observation_end: object = None,
) -> pd.DataFrame:
    """Per-customer frequency, recency and T (and monetary_value) from transactions.

    Parameters
    ----------
    customer, when : array_like
        The customer and the date of each transaction.
    amount : array_like, optional
        The value of each transaction; adds the ``monetary_value`` column.
    freq : {"D", "W"}
        The period: a day or a week (Monday to Sunday).
    observation_end : date, optional
        The end of observation (inclusive); the last transaction date by default. Later
        transactions are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted), with ``frequency``, ``recency``, ``T`` in periods and,
        with ``amount``, ``monetary_value``.
    """
    per_period = _transactions(customer, when, amount, freq)
    end = (
        int(per_period["period"].max())
        if observation_end is None
        else _period_of(observation_end, freq, "observation_end")
    )
    per_period = per_period[per_period["period"] <= end]
    if per_period.empty:
        raise InputError(N_("observation_end: is before every transaction"))
    return _summarise(per_period, end, amount is not None)


def calibration_and_holdout(
    customer: npt.ArrayLike | pd.Series,
    when: npt.ArrayLike | pd.Series,
    amount: npt.ArrayLike | pd.Series | None,
    calibration_end: object,
    freq: Freq = "D",
    observation_end: object = None,
) -> pd.DataFrame:
    """Split transactions into a calibration and a holdout period, as ``lifetimes`` does.

    Follows ``lifetimes.utils.calibration_and_holdout_data``: the calibration period ends with
    the period holding ``calibration_end`` (inclusive); only customers whose first purchase
    falls in it are kept; the holdout runs from the next period through the period of
    ``observation_end`` (the last transaction date by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``frequency_cal``, ``recency_cal``, ``T_cal`` (and
        ``monetary_value_cal``) summarising the calibration period; ``frequency_holdout``, the
        number of holdout periods with a purchase (and ``monetary_value_holdout``, their mean
        value); and ``duration_holdout``, the holdout's length in periods.
    """
    per_period = _transactions(customer, when, amount, freq)
    cal_end = _period_of(calibration_end, freq, "calibration_end")
    obs_end = (
        int(per_period["period"].max())
        if observation_end is None
        else _period_of(observation_end, freq, "observation_end")
    )
    if obs_end < cal_end:
        raise InputError(N_("observation_end: is before calibration_end"))
    calibration = per_period[per_period["period"] <= cal_end]
    if calibration.empty:
        raise InputError(N_("calibration_end: is before every transaction"))
    summary = _summarise(calibration, cal_end, amount is not None)
    summary.columns = [f"{name}_cal" for name in summary.columns]
    holdout = per_period[(per_period["period"] > cal_end) & (per_period["period"] <= obs_end)]
    holdout = holdout[holdout["customer"].isin(summary.index)]
    by_customer = holdout.groupby("customer", sort=True)
    counts = by_customer.size().reindex(summary.index, fill_value=0)
    summary["frequency_holdout"] = counts.astype(np.float64)
    if amount is not None:
        means = by_customer["amount"].mean().reindex(summary.index, fill_value=0.0)
        summary["monetary_value_holdout"] = means.astype(np.float64)
    summary["duration_holdout"] = float(obs_end - cal_end)
    return summary
