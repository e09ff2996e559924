"""What the renewal list knows of a contract customer at a cut-off day.

The contract features of the churn model (``alerts.contract_features``: days to the contract
end, tenure, renewals, fee, contacts and complaints in 90 days, last NPS, revenue) plus the
two things that tell *persuadable* customers from the others (seed 001: "you don't want to
give those discounts to customers who renew silently anyway"):

- the **term** of the contract that ends (a two-year term is a bigger decision than one);
- the customer's **response to earlier campaigns**: messages received and answered in the
  last year, renewal offers received before and renewals that followed one. Customers who
  answer offers are the ones an offer moves.

Everything is read strictly before the cut: a campaign outcome after it is the future the
model must not see.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.alerts.contract_features import FEATURES, contract_table
from valuecenter.alerts.reason_text import HISTORY_TEXT
from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember

CAMPAIGN_DAYS = 365
DAYS_PER_MONTH = 365.25 / 12

RENEWAL_FEATURES = (*FEATURES, *HISTORY_TEXT)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def campaign_history(session: Session, cut: date, offer_actions: frozenset[str]) -> pd.DataFrame:
    """Per customer: campaign messages and answers in the year before ``cut``, and the offers
    of ``offer_actions`` campaigns he got before it and renewed after (outcome before cut)."""
    until = _midnight(cut)
    since = _midnight(cut - timedelta(days=CAMPAIGN_DAYS))
    m = CampaignMember
    rows = session.execute(
        select(m.customer_id, Campaign.action, m.contacted_at, m.responded_at, m.converted_at)
        .join(Campaign, Campaign.id == m.campaign_id)
        .where(m.contacted_at.is_not(None), m.contacted_at < until, m.arm == Arm.TREATMENT)
    ).all()
    columns = ["messages_365d", "responses_365d", "offers_before", "renewed_after_offer"]
    if not rows:
        return pd.DataFrame(columns=["customer_id", *columns])
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["customer_id", "action", "contacted", "responded", "converted"],
    )
    for column in ("contacted", "responded", "converted"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    recent = frame["contacted"] >= since
    offer = frame["action"].isin(offer_actions)
    frame["messages_365d"] = recent.astype(np.float64)
    frame["responses_365d"] = (recent & (frame["responded"] < until)).astype(np.float64)
    frame["offers_before"] = offer.astype(np.float64)
    frame["renewed_after_offer"] = (offer & (frame["converted"] < until)).astype(np.float64)
    return frame.groupby("customer_id", as_index=False)[columns].sum()


def ending_contracts(contracts: pd.DataFrame, cut: date) -> pd.DataFrame:
    """Per customer with a running contract at ``cut``: the running contract that ends
    first — its id, end day, fee and term in months."""
    c = float((cut - EPOCH).days)
    running = contracts[(contracts["start"] <= c) & (contracts["stop"] > c)]
    first = running.sort_values(["customer_id", "end"], kind="stable").drop_duplicates(
        "customer_id"
    )
    span = (first["end"] - first["start"]).to_numpy(dtype=np.float64)
    term = np.maximum(np.round(span / DAYS_PER_MONTH), 1.0)
    return pd.DataFrame(
        {
            "customer_id": first["customer_id"].to_numpy(),
            "contract_id": first["contract_id"].to_numpy(dtype=np.int64),
            "end_day": first["end"].to_numpy(),
            "fee_cents": first["fee"].to_numpy(dtype=np.int64),
            "term_months": term,
        }
    )


def renewal_table(
    session: Session,
    cut: date,
    days: PurchaseDays,
    contracts: pd.DataFrame,
    offer_actions: frozenset[str],
) -> pd.DataFrame:
    """One row per customer with a running contract at ``cut``: RENEWAL_FEATURES plus the
    ending contract (``contract_id``, ``end_day``, ``fee_cents``)."""
    table = contract_table(session, cut, 0, days, contracts).drop(columns="left")
    if table.empty:
        return pd.DataFrame(
            columns=["customer_id", *RENEWAL_FEATURES, "contract_id", "end_day", "fee_cents"]
        )
    table = table.merge(ending_contracts(contracts, cut), on="customer_id", how="left")
    table = table.merge(campaign_history(session, cut, offer_actions), on="customer_id", how="left")
    for column in HISTORY_TEXT:
        table[column] = pd.to_numeric(table[column], errors="coerce").fillna(0.0)
    return table[["customer_id", *RENEWAL_FEATURES, "contract_id", "end_day", "fee_cents"]]
