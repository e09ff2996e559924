"""Service quality reports over a period (issue 20): the contact chains' figures beside the
agents' tick box, per channel; and what drives NPS.

Every report carries where its figures came from: the period, the chain window, the number of
contacts, chains and answers it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from valuecenter.analytics.contact_chains import ChainFigures, chain_figures
from valuecenter.analytics.nps_drivers import DriverAnalysis, nps_drivers
from valuecenter.db.base import utcnow
from valuecenter.quality.experience import contact_frame, survey_experience

DRIVERS = ("transfers", "end_to_end_days", "wait_minutes", "repeats", "first_contact_fix")
WINDOW_DAYS = 7.0


@dataclass(frozen=True)
class ChainReport:
    since: datetime | None
    until: datetime
    window_days: float
    overall: ChainFigures
    by_channel: dict[str, ChainFigures]


def _figures(frame: pd.DataFrame, data_end: float) -> ChainFigures:
    return chain_figures(
        frame["chain"].to_numpy(),
        frame["started"].to_numpy(),
        frame["ended"].to_numpy(),
        frame["resolved"].to_numpy(dtype=np.float64),
        frame["transferred"].to_numpy(dtype=bool),
        np.full(len(frame), np.nan),
        data_end=data_end,
        window_days=WINDOW_DAYS,
        handled=frame["handled"].to_numpy(dtype=bool),
        inbound=frame["inbound"].to_numpy(dtype=bool),
    )


def chain_report(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> ChainReport:
    """Measured FCR beside the tick box, repeats, transfers and speed, overall and by the
    channel of each chain's first contact."""
    end = until or utcnow()
    frame = contact_frame(session, since, end)
    data_end = float(frame["started"].max()) if len(frame) else end.timestamp()
    data_end = min(data_end, end.timestamp())
    first_channel = frame.sort_values("started").groupby("chain")["channel"].first()
    frame["chain_channel"] = frame["chain"].map(first_channel)
    by_channel = {
        str(name): _figures(part, data_end)
        for name, part in frame.groupby("chain_channel", sort=True)
    }
    return ChainReport(since, end, WINDOW_DAYS, _figures(frame, data_end), by_channel)


def driver_report(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> DriverAnalysis:
    """Which measured experience moves the NPS answers of the period."""
    contacts = contact_frame(session, None, until or utcnow())
    answers = survey_experience(session, contacts, since)
    return nps_drivers(answers, "nps", list(DRIVERS))
