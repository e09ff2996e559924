"""The service experience as the product measured it: every contact with its chain, and every
NPS answer with the experience of the chain it was about (issue 20).

Two read models over the contacts (read through ``contacts/repository.py``: each with its
first reason and case) and the surveys, in one query each, as pandas frames for the pure
analytics (:mod:`valuecenter.analytics.contact_chains`, :mod:`valuecenter.analytics.nps_drivers`).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.contact_chains import chain_ids
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contacts.models import Direction
from valuecenter.surveys.models import Survey

WAIT_CAP_MINUTES = 10.0  # a queue wait longer than this is counted as 10 minutes
SPEED_CAP_DAYS = 8.0  # an end-to-end time longer than this is counted as 8 days
LIVE_CHANNELS = ("phone", "chat")  # waits a customer sits through


def _epoch(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, utc=True, format="mixed")
    return np.asarray(stamps.astype("int64") / 1e9, dtype=np.float64)


def contact_frame(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every contact started in ``[since, until)`` with its first reason, as columns:
    id, customer (−1 unknown), started, ended (seconds since the epoch; end = start + wait +
    talk), case (−1 none), reason, resolved (1/0/NaN), transferred, handled, inbound,
    channel, queue, agent, wait, talk, wrap — and its chain (``chain_ids``, window 7 days)."""
    rows = contacts_repository.experience_rows(session, since, until)
    columns = [
        "id", "customer", "started_at", "wait", "talk", "wrap", "case", "reason", "resolved",
        "transferred", "abandoned", "direction", "channel", "queue", "agent",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["started"] = _epoch(frame["started_at"]) if len(frame) else np.zeros(0)
    frame["ended"] = frame["started"] + frame["wait"] + frame["talk"]
    frame["resolved"] = frame["resolved"].map({True: 1.0, False: 0.0}).astype(float)
    frame["handled"] = ~frame["abandoned"].astype(bool)
    frame["inbound"] = frame["direction"].map(lambda d: str(getattr(d, "value", d))) == (
        Direction.INBOUND.value
    )
    frame["channel"] = frame["channel"].map(lambda c: str(getattr(c, "value", c)))
    frame["chain"] = (
        chain_ids(
            frame["customer"].to_numpy(dtype=np.int64),
            frame["started"].to_numpy(),
            frame["case"].to_numpy(dtype=np.int64),
            frame["reason"].to_numpy(dtype=object),
        )
        if len(frame)
        else np.zeros(0, dtype=np.int64)
    )
    return frame.drop(columns=["started_at", "direction", "abandoned"])


def survey_experience(
    session: Session, contacts: pd.DataFrame, since: datetime | None = None
) -> pd.DataFrame:
    """Every NPS answer about a contact of ``contacts`` with the experience it answers about:
    the contact's **case** (a survey goes out when a case is closed, about that case), or its
    chain when it has no case — transfers, repeat contacts, end-to-end days (first contact's
    start → last contact's end, at most 8), the wait of the answered contact in minutes on
    phone or chat (at most 10), and the agent's tick box on the first contact."""
    query = select(Survey.id, Survey.contact_id, Survey.nps, Survey.answered_at).where(
        Survey.contact_id.is_not(None)
    )
    if since is not None:
        query = query.where(Survey.answered_at >= since)
    answers = pd.DataFrame(
        session.execute(query).all(), columns=["survey", "contact", "nps", "answered_at"]
    )
    if answers.empty or contacts.empty:
        return answers.assign(
            transfers=[], repeats=[], end_to_end_days=[], wait_minutes=[], first_contact_fix=[]
        )
    episodes = contacts.assign(
        episode=np.where(contacts["case"] >= 0, contacts["case"], -1 - contacts["chain"])
    )
    by_chain = episodes.sort_values("started").groupby("episode")
    chains = pd.DataFrame(
        {
            "transfers": by_chain["transferred"].sum(),
            "repeats": by_chain.size() - 1,
            "start": by_chain["started"].min(),
            "end": by_chain["ended"].max(),
            "first_contact_fix": by_chain["resolved"].first(),
        }
    )
    chains["end_to_end_days"] = np.minimum(
        (chains["end"] - chains["start"]) / 86_400.0, SPEED_CAP_DAYS
    )
    own = episodes.set_index("id")[["episode", "wait", "channel"]]
    joined = answers.join(own, on="contact", how="inner").join(chains, on="episode")
    live = joined["channel"].isin(LIVE_CHANNELS)
    joined["wait_minutes"] = np.where(
        live, np.minimum(joined["wait"] / 60.0, WAIT_CAP_MINUTES), 0.0
    )
    return joined.drop(columns=["start", "end", "wait"])
