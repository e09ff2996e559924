"""Features of contract customers at a cut-off day, and whether they left in the days after
it — the table the churn model learns from (out of time: features up to the cut, the label
after it) and scores on (features up to today).

A contract is *running* at a day when it started on or before it and has not stopped: a
cancelled contract stops at its cancellation, an ended or renewed one at its end. A customer
*leaves* in (cut, cut + horizon] when a contract running at the cut was cancelled in that
span, or ended there without renewal.

The tables are read with plain SQL statements (``db.query``), the same text on SQLite,
PostgreSQL and Spark SQL (``alerts run --engine spark``, ``score --engine spark``); what
follows per customer is pandas on their rows, the same code on every engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.contracts.models import ContractStatus
from valuecenter.db.query import Query, Reader, query_of
from valuecenter.i18n import N_

CONTACT_DAYS = 90
NPS_DAYS = 365
REVENUE_DAYS = 90

# What each feature means, in an account manager's words: the reason text of an alert (a
# message id, translated when shown; ``n`` a count, ``cents`` money, ``share`` a fraction —
# valuecenter/alerts/reason_text.py formats and translates them in the reader's language).
FEATURE_TEXT: dict[str, str] = {
    "days_to_end": N_("Contract ends in %(n)s days"),
    "days_past_end": N_("Contract ran past its end %(n)s days ago (rolling on)"),
    "tenure_days": N_("Customer for %(n)s days"),
    "renewals": N_("Renewed %(n)s times before"),
    "monthly_fee_eur": N_("Pays %(cents)s a month"),
    "contracts": N_("Running contracts: %(n)s"),
    "contacts_90d": N_("Contacts in the last 90 days: %(n)s"),
    "complaints_90d": N_("Complaints in the last 90 days: %(n)s"),
    "cancel_contacts_90d": N_("Asked about cancelling in the last 90 days: %(n)s×"),
    "price_contacts_90d": N_("Price questions in the last 90 days: %(n)s"),
    "abandoned_90d": N_("Hung up in the queue in the last 90 days: %(n)s×"),
    "nps_last": N_("Last NPS answer: %(n)s"),
    "revenue_90d_eur": N_("Ordered in the last 90 days for %(cents)s"),
    "revenue_trend": N_("Orders at %(share)s of his usual level"),
}
FEATURES = tuple(name for name in FEATURE_TEXT if name != "days_past_end")


_CONTRACTS_SQL = (
    "SELECT id AS contract_id, customer_id, monthly_fee_cents AS fee, start_date, end_date, "
    "status, cancelled_at, renewed_at FROM contracts ORDER BY id"
)
# Per customer with a contact in [since, until): the contacts, those whose first reason
# (position 1, the one a contact is counted under: C16) is a complaint, a cancellation or a
# price question, and the abandoned ones. Anonymous contacts are left out.
_CONTACT_COUNTS_SQL = (
    "SELECT c.customer_id, COUNT(*) AS contacts_90d, "
    "SUM(CASE WHEN r.reason = 'complaint' THEN 1 ELSE 0 END) AS complaints_90d, "
    "SUM(CASE WHEN r.reason = 'cancel' THEN 1 ELSE 0 END) AS cancel_contacts_90d, "
    "SUM(CASE WHEN r.reason = 'price' THEN 1 ELSE 0 END) AS price_contacts_90d, "
    "SUM(CASE WHEN c.abandoned THEN 1 ELSE 0 END) AS abandoned_90d "
    "FROM contacts c LEFT JOIN contact_reasons r ON r.contact_id = c.id AND r.position = 1 "
    "WHERE c.customer_id IS NOT NULL AND c.started_at >= :since AND c.started_at < :until "
    "GROUP BY c.customer_id"
)
# Per customer with a survey answered in [since, until): the NPS of his latest answer (the
# lowest when he answered twice at the same moment).
_LAST_NPS_SQL = (
    "WITH latest AS (SELECT customer_id, MAX(answered_at) AS at FROM surveys "
    "WHERE answered_at >= :since AND answered_at < :until GROUP BY customer_id) "
    "SELECT s.customer_id, MIN(s.nps) AS nps_last FROM surveys s "
    "JOIN latest l ON l.customer_id = s.customer_id AND l.at = s.answered_at "
    "GROUP BY s.customer_id"
)


def _days_of(values: pd.Series) -> npt.NDArray[np.float64]:
    """Days since 1970-01-01 of dates as each engine returns them (date objects, ISO text or
    timestamps); NaN where there is none."""
    stamps = pd.to_datetime(values.astype(object), errors="raise")
    days = (stamps - pd.Timestamp("1970-01-01")).dt.days
    return np.asarray(days.to_numpy(np.float64, na_value=np.nan), dtype=np.float64)


def load_contracts(reader: Reader) -> pd.DataFrame:
    """Every contract with its start, end and stop as day numbers (stop: ∞ while active)."""
    rows = query_of(reader)(_CONTRACTS_SQL, {})
    end = _days_of(rows["end_date"])
    renewed = _days_of(rows["renewed_at"])
    frame = pd.DataFrame(
        {
            "contract_id": rows["contract_id"].to_numpy(np.int64),
            "customer_id": rows["customer_id"].to_numpy(np.int64),
            "fee": rows["fee"].to_numpy(np.int64),
            "start": _days_of(rows["start_date"]),
            "end": end,
            "status": rows["status"].astype(str).to_numpy(object),
            "cancelled": _days_of(rows["cancelled_at"]),
            "renewed": np.where(np.isnan(renewed), end, renewed),
        }
    )
    cancelled = frame["status"].eq(ContractStatus.CANCELLED.value)
    frame["stop"] = np.where(cancelled, frame["cancelled"], frame["end"])
    frame.loc[frame["status"].eq(ContractStatus.ACTIVE.value), "stop"] = np.inf
    frame["stop"] = frame["stop"].fillna(np.inf)
    return frame


def _span(cut: date, days: int) -> dict[str, object]:
    until = datetime.combine(cut, datetime.min.time(), UTC)
    return {"since": until - timedelta(days=days), "until": until}


def _contact_counts(query: Query, cut: date) -> pd.DataFrame:
    return query(_CONTACT_COUNTS_SQL, _span(cut, CONTACT_DAYS))


def _last_nps(query: Query, cut: date) -> pd.DataFrame:
    return query(_LAST_NPS_SQL, _span(cut, NPS_DAYS))


def _revenue(days: PurchaseDays, cut_day: int) -> pd.DataFrame:
    recent = (days.day >= cut_day - REVENUE_DAYS) & (days.day < cut_day)
    before = (days.day >= cut_day - REVENUE_DAYS - 365) & (days.day < cut_day - REVENUE_DAYS)
    frame = pd.DataFrame(
        {
            "customer_id": days.customer_id,
            "recent": np.where(recent, days.cents, 0) / 100.0,
            "before": np.where(before, days.cents, 0) / 100.0,
        }
    )
    sums = frame.groupby("customer_id", as_index=False)[["recent", "before"]].sum()
    usual = sums["before"] * REVENUE_DAYS / 365.0
    sums["revenue_trend"] = np.where(usual > 0, sums["recent"] / usual.where(usual > 0), np.nan)
    return sums.rename(columns={"recent": "revenue_90d_eur"})[
        ["customer_id", "revenue_90d_eur", "revenue_trend"]
    ]


def contract_table(
    reader: Reader,
    cut: date,
    horizon_days: int,
    days: PurchaseDays,
    contracts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per customer with a contract running at ``cut``: the FEATURES and ``left``
    (1 when he left in the ``horizon_days`` after the cut; only meaningful when that span
    has passed in the data)."""
    query = query_of(reader)
    table = load_contracts(query) if contracts is None else contracts
    c = float((cut - EPOCH).days)
    running = table[(table["start"] <= c) & (table["stop"] > c)]
    if running.empty:
        return pd.DataFrame(columns=["customer_id", *FEATURES, "left"])
    started = table[table["start"] <= c]
    leaves = running["status"].isin(
        [ContractStatus.CANCELLED.value, ContractStatus.ENDED.value]
    ) & (running["stop"] <= c + horizon_days)
    per = running.assign(leaves=leaves, to_end=running["end"] - c).groupby("customer_id")
    frame = pd.DataFrame(
        {
            "days_to_end": per["to_end"].min(),
            "monthly_fee_eur": per["fee"].sum() / 100.0,
            "contracts": per.size(),
            "left": per["leaves"].any().astype(np.int64),
        }
    )
    history = started.groupby("customer_id")
    frame["tenure_days"] = c - history["start"].min()
    # Renewed *before* the cut: a renewal after it is the future the model must not see.
    renewed = started["status"].eq(ContractStatus.RENEWED.value) & (started["renewed"] <= c)
    frame["renewals"] = renewed.groupby(started["customer_id"]).sum().astype(np.float64)
    frame = frame.reset_index()
    for part in (_contact_counts(query, cut), _last_nps(query, cut)):
        part["customer_id"] = part["customer_id"].astype(np.int64)
        frame = frame.merge(part, on="customer_id", how="left")
    frame = frame.merge(_revenue(days, int(c)), on="customer_id", how="left")
    for column in (
        "contacts_90d",
        "complaints_90d",
        "cancel_contacts_90d",
        "price_contacts_90d",
        "abandoned_90d",
        "revenue_90d_eur",
    ):
        # An empty part merges in as object columns: read them as numbers before filling.
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
    frame["nps_last"] = pd.to_numeric(frame["nps_last"], errors="coerce").astype(np.float64)
    return frame[["customer_id", *FEATURES, "left"]]
