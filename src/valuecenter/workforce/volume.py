"""The contacts a queue was offered, per interval of its local wall-clock time, and their
average handling time: the history a forecast learns from and the actuals it is judged on.

Offered contacts are the inbound contacts that arrived in the queue, answered or abandoned
(an abandoned call was demand too). The average handling time (AHT) is talk + hold + wrap-up
of the answered ones (the usual definition: the agent is busy for all three). Intervals are
counted in the queue's own time zone (``queues.timezone``), since opening hours and the
intraday pattern follow the local clock; the database and the forecast points stay UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.contacts.models import Contact, Direction, Queue
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

INTRADAY = {"5min": 300, "15min": 900, "30min": 1800, "h": 3600}
"""The interval lengths a staffing plan is sized for (seconds); ``D`` forecasts days only."""


@dataclass(frozen=True)
class Arrivals:
    """Offered contacts per interval (naive local wall-clock starts, only intervals that had
    any), their AHT and span."""

    counts: pd.Series
    aht_seconds: float
    contacts: int
    first: datetime  # UTC
    last: datetime  # UTC


def interval_seconds(freq: str) -> int:
    """Seconds of one interval of a normalised frequency ("30min" → 1800, "D" → 86400)."""
    return 86_400 if freq == "D" else INTRADAY[freq]


def arrivals(
    session: Session,
    queue: Queue,
    *,
    freq: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Arrivals:
    """The queue's offered contacts in ``[since, until)`` (UTC) per interval of ``freq``."""
    query = select(
        Contact.started_at,
        Contact.abandoned,
        Contact.talk_seconds,
        Contact.hold_seconds,
        Contact.wrap_seconds,
    ).where(Contact.queue == queue.code, Contact.direction == Direction.INBOUND)
    if since is not None:
        query = query.where(Contact.started_at >= since)
    if until is not None:
        query = query.where(Contact.started_at < until)
    rows = session.execute(query.order_by(Contact.started_at)).all()
    if not rows:
        raise InvalidInput(
            "queue", _("%(queue)s has no inbound contacts to learn from", queue=queue.code)
        )
    frame = pd.DataFrame(rows, columns=["at", "abandoned", "talk", "hold", "wrap"])
    at = pd.to_datetime(frame["at"], utc=True)
    local = at.dt.tz_convert(ZoneInfo(queue.timezone)).dt.tz_localize(None)
    slot = local.dt.floor("D" if freq == "D" else freq)
    counts = slot.value_counts().sort_index().astype(np.float64)
    counts.index = pd.DatetimeIndex(counts.index, name="time")
    answered = frame.loc[~frame["abandoned"].astype(bool)]
    handled = (answered["talk"] + answered["hold"] + answered["wrap"]).to_numpy(np.float64)
    aht = float(handled.mean()) if handled.size else 0.0
    return Arrivals(
        counts=counts,
        aht_seconds=aht,
        contacts=len(frame),
        first=at.iloc[0].to_pydatetime(),
        last=at.iloc[-1].to_pydatetime(),
    )


def to_utc(local_starts: pd.Series | pd.DatetimeIndex, zone: str) -> pd.DatetimeIndex:
    """Naive local wall-clock starts → UTC. The hour the clock repeats in autumn is read as
    standard time (its two real hours share one wall-clock interval); a start in the hour the
    clock skips in spring does not exist and becomes NaT."""
    index = pd.DatetimeIndex(local_starts)
    return index.tz_localize(
        ZoneInfo(zone), ambiguous=np.zeros(len(index), dtype=bool), nonexistent="NaT"
    ).tz_convert("UTC")


def busiest(session: Session, codes: list[str]) -> str | None:
    """The queue among ``codes`` that was offered the most inbound contacts."""
    if not codes:
        return None
    row = session.execute(
        select(Contact.queue, func.count(Contact.id))
        .where(Contact.queue.in_(codes), Contact.direction == Direction.INBOUND)
        .group_by(Contact.queue)
        .order_by(func.count(Contact.id).desc(), Contact.queue)
        .limit(1)
    ).first()
    return None if row is None else row[0]


def last_contact(session: Session) -> datetime | None:
    """When the last contact of the history started (UTC)."""
    return session.scalar(select(func.max(Contact.started_at)))
