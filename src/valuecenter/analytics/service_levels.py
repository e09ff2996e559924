"""Operational KPIs of a contact center per group (queue, department, channel, interval)
(C14; seed 003: "measure the reachability of every department").

Per group of offered contacts (inbound contacts that reached a queue):

- **volume** — contacts offered;
- **service level** — answered within the target ``T`` seconds ÷ (answered + abandoned after
  ``T``): contacts that hung up before ``T`` never had the chance to be answered in time and
  are left out (the "short-abandon" convention; ICMI, *Call Center Management on Fast
  Forward*, ch. 3 — the convention is stated with every figure because vendors differ);
- **ASA** — the average speed of answer, the mean wait of the answered contacts;
- **abandon rate** — abandoned ÷ offered;
- **AHT** — the average handle time of the answered contacts: talk + hold + wrap-up;
- **occupancy** — handle time ÷ staffed time, where the staffed seconds of the group are
  given (agents' logged-in time), else unknown;
- **reachability** — answered ÷ offered: the share of customers who got somebody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


@dataclass(frozen=True)
class QueueFigures:
    group: str
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    asa_seconds: float | None
    abandon_rate: float | None
    aht_seconds: float | None
    occupancy: float | None
    reachability: float | None

    def as_json(self) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "group": self.group,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "service_level": r(self.service_level),
            "asa_seconds": r(self.asa_seconds),
            "abandon_rate": r(self.abandon_rate),
            "aht_seconds": r(self.aht_seconds),
            "occupancy": r(self.occupancy),
            "reachability": r(self.reachability),
        }


def queue_figures(
    group: npt.ArrayLike,
    wait_seconds: npt.ArrayLike,
    abandoned: npt.ArrayLike,
    handle_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    staffed_seconds: dict[str, float] | None = None,
) -> list[QueueFigures]:
    """The KPIs of each group (sorted by group name). Per contact: its group, wait, whether it
    was abandoned, its handle time (talk + hold + wrap; ignored when abandoned) and the service
    level target of its queue in seconds."""
    g = np.asarray(group, dtype=object).astype(str)
    wait = np.asarray(wait_seconds, dtype=np.float64)
    gone = np.asarray(abandoned, dtype=bool)
    handle = np.asarray(handle_seconds, dtype=np.float64)
    target = np.asarray(target_seconds, dtype=np.float64)
    n = len(g)
    if not (len(wait) == len(gone) == len(handle) == len(target) == n):
        raise InputError(N_("contacts: needs one value of each column per contact"))
    if n and (np.any(wait < 0) or np.any(handle < 0) or np.any(~np.isfinite(wait))):
        raise InputError(N_("seconds: waits and handle times must be finite and not negative"))
    frame = pd.DataFrame(
        {
            "group": g,
            "answered": ~gone,
            "abandoned": gone,
            "in_time": ~gone & (wait <= target),
            "late_abandon": gone & (wait > target),
            "wait_answered": np.where(gone, 0.0, wait),
            "handle": np.where(gone, 0.0, handle),
        }
    )
    sums = frame.groupby("group", sort=True).agg(
        offered=("answered", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        in_time=("in_time", "sum"),
        late_abandon=("late_abandon", "sum"),
        wait=("wait_answered", "sum"),
        handle=("handle", "sum"),
    )
    out = []
    for name, row in sums.iterrows():
        offered, answered = int(row["offered"]), int(row["answered"])
        judged = answered + int(row["late_abandon"])
        staffed = (staffed_seconds or {}).get(str(name))
        out.append(
            QueueFigures(
                group=str(name),
                offered=offered,
                answered=answered,
                abandoned=int(row["abandoned"]),
                service_level=float(row["in_time"]) / judged if judged else None,
                asa_seconds=float(row["wait"]) / answered if answered else None,
                abandon_rate=float(row["abandoned"]) / offered if offered else None,
                aht_seconds=float(row["handle"]) / answered if answered else None,
                occupancy=float(row["handle"]) / staffed if staffed else None,
                reachability=answered / offered if offered else None,
            )
        )
    return out
