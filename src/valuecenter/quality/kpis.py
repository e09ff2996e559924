"""Operational KPIs per queue, department or channel and per interval (issue 20, point 2):
volume, service level against each queue's own target, ASA, abandon rate, AHT, occupancy and
reachability (:mod:`valuecenter.analytics.service_levels`).

Each contact is judged against the target of the queue it reached (``queues``: X% within T
seconds) when the queue serves the contact's channel; a contact on another channel (an e-mail
transferred to the phone order desk) against the target of the first queue, by code, that
serves its channel (an e-mail is not late after 20 seconds); a contact of a queue the product
does not know, and of a channel no queue serves, against :data:`DEFAULT_TARGET_SECONDS` — the
report counts the contacts of unknown queues, so a missing queue never passes unnoticed.

Reachability is counted over the contacts offered while their queue was open; contacts
offered outside the opening hours are counted apart. Occupancy needs the agents' logged-in
time, which the product does not hold yet: it is left empty rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from valuecenter.analytics.service_levels import QueueFigures, queue_figures
from valuecenter.contacts import repository
from valuecenter.contacts.queues import is_open
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

DEFAULT_TARGET_SECONDS = 20  # the 80/20 convention's T for a queue without a stated target
GROUPS = ("queue", "department", "channel")
INTERVALS = ("month", "week", "day", "all")
_FORMATS = {"month": "%Y-%m", "week": "%G-W%V", "day": "%Y-%m-%d"}


@dataclass(frozen=True)
class KpiRow:
    group: str
    interval: str
    target_share: float | None  # the queue's stated share (None for departments, channels)
    target_seconds: int | None
    figures: QueueFigures


@dataclass(frozen=True)
class KpiReport:
    by: str
    interval: str
    rows: list[KpiRow]
    contacts: int
    unknown_queue_contacts: int  # judged against DEFAULT_TARGET_SECONDS
    outside_hours: int  # offered while the queue was closed


def kpi_report(
    session: Session,
    *,
    by: str = "queue",
    interval: str = "month",
    since: datetime | None = None,
    until: datetime | None = None,
) -> KpiReport:
    if by not in GROUPS:
        raise InvalidInput("by", _("must be one of %(names)s", names=", ".join(GROUPS)))
    if interval not in INTERVALS:
        raise InvalidInput("interval", _("must be one of %(names)s", names=", ".join(INTERVALS)))
    queues = {q.code: q for q in repository.queues(session)}
    rows = repository.queue_rows(session, since, until)
    columns = ["at", "queue", "channel", "wait", "talk", "hold", "wrap", "abandoned"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return KpiReport(by, interval, [], 0, 0, 0)
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="mixed")
    frame["channel"] = frame["channel"].map(lambda c: str(getattr(c, "value", c)))
    known = frame["queue"].isin(queues)
    by_channel: dict[str, int] = {}
    for code in sorted(queues):
        by_channel.setdefault(str(queues[code].channel), queues[code].service_level_seconds)
    frame["target"] = [
        queues[q].service_level_seconds
        if q in queues and str(queues[q].channel) == c
        else by_channel.get(c, DEFAULT_TARGET_SECONDS)
        for q, c in zip(frame["queue"], frame["channel"], strict=True)
    ]
    frame["department"] = [
        (queues[q].department or q) if q in queues else q for q in frame["queue"]
    ]
    open_now = np.array(
        [
            is_open(queues[q], at.to_pydatetime()) if q in queues else True
            for q, at in zip(frame["queue"], frame["at"], strict=True)
        ],
        dtype=bool,
    )
    frame["period"] = "all" if interval == "all" else frame["at"].dt.strftime(_FORMATS[interval])
    inside = frame[open_now]
    out: list[KpiRow] = []
    for (group, period), part in inside.groupby([by, "period"], sort=True):
        figures = queue_figures(
            [str(group)] * len(part),
            part["wait"].to_numpy(dtype=float),
            part["abandoned"].to_numpy(dtype=bool),
            (part["talk"] + part["hold"] + part["wrap"]).to_numpy(dtype=float),
            part["target"].to_numpy(dtype=float),
        )[0]
        stated = queues.get(str(group)) if by == "queue" else None
        out.append(
            KpiRow(
                group=str(group),
                interval=str(period),
                target_share=None if stated is None else stated.service_level_share,
                target_seconds=None if stated is None else stated.service_level_seconds,
                figures=figures,
            )
        )
    return KpiReport(
        by=by,
        interval=interval,
        rows=out,
        contacts=len(frame),
        unknown_queue_contacts=int((~known).sum()),
        outside_hours=int((~open_now).sum()),
    )
