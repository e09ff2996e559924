"""Features of contract customers at a cut-off day, and whether they left in the days after
it — the table the churn model learns from (out of time: features up to the cut, the label
after it) and scores on (features up to today).

A contract is *running* at a day when it started on or before it and has not stopped: a
cancelled contract stops at its cancellation, an ended or renewed one at its end. A customer
*leaves* in (cut, cut + horizon] when a contract running at the cut was cancelled in that
span, or ended there without renewal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.i18n import N_
from valuecenter.surveys.models import Survey

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


def _day(d: date | None) -> float:
    return float((d - EPOCH).days) if d is not None else np.nan


def load_contracts(session: Session) -> pd.DataFrame:
    """Every contract with its start, end and stop as day numbers (stop: ∞ while active)."""
    c = Contract
    rows = session.execute(
        select(
            c.id,
            c.customer_id,
            c.monthly_fee_cents,
            c.start_date,
            c.end_date,
            c.status,
            c.cancelled_at,
            c.renewed_at,
        )
    ).all()
    frame = pd.DataFrame(
        [
            (
                k,
                cid,
                fee,
                _day(start),
                _day(end),
                str(status),
                _day(cancelled),
                _day(renewed or end),
            )
            for k, cid, fee, start, end, status, cancelled, renewed in rows
        ],
        columns=[
            "contract_id",
            "customer_id",
            "fee",
            "start",
            "end",
            "status",
            "cancelled",
            "renewed",
        ],
    )
    cancelled = frame["status"].eq(ContractStatus.CANCELLED.value)
    frame["stop"] = np.where(cancelled, frame["cancelled"], frame["end"])
    frame.loc[frame["status"].eq(ContractStatus.ACTIVE.value), "stop"] = np.inf
    frame["stop"] = frame["stop"].fillna(np.inf)
    return frame


def _contact_counts(session: Session, cut: date) -> pd.DataFrame:
    since = datetime.combine(cut - timedelta(days=CONTACT_DAYS), datetime.min.time(), UTC)
    until = datetime.combine(cut, datetime.min.time(), UTC)
    rows = contacts_repository.customer_contact_counts(
        session, since=since, until=until, reasons=("complaint", "cancel", "price")
    )
    return pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "contacts_90d",
            "complaints_90d",
            "cancel_contacts_90d",
            "price_contacts_90d",
            "abandoned_90d",
        ],
    )


def _last_nps(session: Session, cut: date) -> pd.DataFrame:
    since = datetime.combine(cut - timedelta(days=NPS_DAYS), datetime.min.time(), UTC)
    until = datetime.combine(cut, datetime.min.time(), UTC)
    latest = (
        select(Survey.customer_id, func.max(Survey.answered_at).label("at"))
        .where(Survey.answered_at >= since, Survey.answered_at < until)
        .group_by(Survey.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(Survey.customer_id, func.min(Survey.nps))
        .join(
            latest,
            (latest.c.customer_id == Survey.customer_id) & (latest.c.at == Survey.answered_at),
        )
        .group_by(Survey.customer_id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["customer_id", "nps_last"])


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
    session: Session,
    cut: date,
    horizon_days: int,
    days: PurchaseDays,
    contracts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per customer with a contract running at ``cut``: the FEATURES and ``left``
    (1 when he left in the ``horizon_days`` after the cut; only meaningful when that span
    has passed in the data)."""
    table = load_contracts(session) if contracts is None else contracts
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
    for part in (_contact_counts(session, cut), _last_nps(session, cut)):
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
    return frame[["customer_id", *FEATURES, "left"]]
