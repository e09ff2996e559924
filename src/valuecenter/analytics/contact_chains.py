"""Contact chains: the contacts of one customer about one issue, and what they say about the
service (C14, C15; seed 003: "First Contact Fix rose and NPS did not — why?", measure repeat
calls, transfers and the Customer Speed Index, the end-to-end lead time of the whole process).

A **chain** is the contacts of one customer about one issue:

- contacts of the same **case** form one chain;
- a contact without a case joins the customer's previous contact about the **same reason**
  when it started at most ``window`` after it (default 7 days); a longer gap starts a new
  chain.

From the chains (all pure, over arrays in any order):

- **FCR** (first-contact resolution, measured) — the share of chains of exactly one contact,
  among the chains whose window is fully observed (a chain that starts less than ``window``
  before the end of the data might still get a repeat: it is *censored* and not counted);
  the agent's tick box (``resolved`` on the first contact) is reported beside it, never
  instead of it;
- **repeat rate** — the share of contacts that repeat an earlier contact of their chain;
- **transfers per contact**;
- **reopen rate** — the share of case chains with a contact after the case was closed;
- **Customer Speed Index** — first contact → resolution (the case's close, else the end of
  the chain's last contact), median and 90th percentile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

DAY = 86_400.0
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ChainFigures:
    contacts: int
    chains: int
    judged_chains: int  # chains whose repeat window is fully observed
    fcr: float | None  # measured: one-contact chains among the judged ones
    fcr_tick_box: float | None  # the agent's "resolved" on the chains' first contacts
    repeat_rate: float | None
    transfers_per_contact: float | None
    reopen_rate: float | None
    speed_median_hours: float | None
    speed_p90_hours: float | None

    def as_json(self) -> dict[str, float | int | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "contacts": self.contacts,
            "chains": self.chains,
            "judged_chains": self.judged_chains,
            "fcr": r(self.fcr),
            "fcr_tick_box": r(self.fcr_tick_box),
            "repeat_rate": r(self.repeat_rate),
            "transfers_per_contact": r(self.transfers_per_contact),
            "reopen_rate": r(self.reopen_rate),
            "speed_median_hours": r(self.speed_median_hours),
            "speed_p90_hours": r(self.speed_p90_hours),
        }


def chain_ids(
    customer: npt.ArrayLike,
    started: npt.ArrayLike,
    case: npt.ArrayLike,
    reason: Sequence[object] | npt.NDArray[np.object_],
    window_days: float = 7.0,
) -> IntArray:
    """The chain of every contact (an integer label, equal for the contacts of one chain).

    ``customer`` ids (−1 for an unknown customer: each such contact is a chain of its own),
    ``started`` seconds since the epoch, ``case`` ids (−1 without a case), ``reason`` codes
    (any hashable; None without a reason: such a contact without a case is a chain of its own).
    """
    if not 0 < window_days <= 366:
        raise InputError(N_("window: must be between 0 and 366 days"))
    frame = pd.DataFrame(
        {
            "customer": np.asarray(customer, dtype=np.int64),
            "started": np.asarray(started, dtype=np.float64),
            "case": np.asarray(case, dtype=np.int64),
            "reason": pd.Series(np.asarray(reason, dtype=object)),
        }
    )
    n = len(frame)
    if not (len(frame["started"]) == len(frame["case"]) == len(frame["reason"]) == n):
        raise InputError(N_("contacts: needs one customer, start, case and reason per contact"))
    labels = np.full(n, -1, dtype=np.int64)
    has_case = frame["case"].to_numpy() >= 0
    # Case chains: label = the case's group number.
    if has_case.any():
        codes, _ = pd.factorize(frame.loc[has_case, "case"])
        labels[has_case] = codes
    offset = int(labels.max()) + 1 if has_case.any() else 0
    rest = ~has_case & (frame["customer"].to_numpy() >= 0) & frame["reason"].notna().to_numpy()
    if rest.any():
        part = frame.loc[rest, ["customer", "reason", "started"]].copy()
        part["key"] = pd.factorize(pd.MultiIndex.from_frame(part[["customer", "reason"]]))[0]
        part = part.sort_values(["key", "started"], kind="stable")
        gap = part["started"].diff().to_numpy()
        same_key = part["key"].to_numpy()[1:] == part["key"].to_numpy()[:-1]
        new = np.ones(len(part), dtype=bool)
        new[1:] = ~(same_key & (gap[1:] <= window_days * DAY))
        labels[part.index.to_numpy()] = offset + np.cumsum(new) - 1
        offset = int(labels.max()) + 1
    alone = labels < 0
    labels[alone] = offset + np.arange(int(alone.sum()))
    return labels


def chain_figures(
    chain: npt.ArrayLike,
    started: npt.ArrayLike,
    ended: npt.ArrayLike,
    resolved: npt.ArrayLike,
    transferred: npt.ArrayLike,
    case_closed: npt.ArrayLike,
    *,
    data_end: float,
    window_days: float = 7.0,
) -> ChainFigures:
    """The service figures of the module docstring. Per contact: its ``chain`` label, start and
    end (seconds since the epoch), the agent's ``resolved`` tick (NaN when not recorded),
    whether it was ``transferred``, its case's close time (NaN without a case or while open);
    ``data_end`` the moment the data ends."""
    c = np.asarray(chain, dtype=np.int64)
    s = np.asarray(started, dtype=np.float64)
    e = np.asarray(ended, dtype=np.float64)
    tick = np.asarray(resolved, dtype=np.float64)
    moved = np.asarray(transferred, dtype=bool)
    closed = np.asarray(case_closed, dtype=np.float64)
    n = len(c)
    if not (len(s) == len(e) == len(tick) == len(moved) == len(closed) == n):
        raise InputError(N_("contacts: needs one value of each column per contact"))
    if n == 0:
        return ChainFigures(0, 0, 0, None, None, None, None, None, None, None)
    order = np.lexsort((s, c))
    c, s, e, tick, moved, closed = (
        c[order],
        s[order],
        e[order],
        tick[order],
        moved[order],
        closed[order],
    )
    first = np.ones(n, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(first)
    sizes = np.diff(np.append(starts, n))
    chain_start = s[starts]
    last = np.append(starts[1:], n) - 1
    judged = chain_start + window_days * DAY <= data_end
    fcr = float((sizes[judged] == 1).mean()) if judged.any() else None
    ticks = tick[starts]
    known = ~np.isnan(ticks)
    fcr_tick = float(ticks[known].mean()) if known.any() else None
    close = np.fmax.reduceat(np.where(np.isnan(closed), -np.inf, closed), starts)
    has_close = np.isfinite(close)
    # reopened: a contact of the chain started after its case had been closed
    reopened = np.maximum.reduceat(s, starts) > np.where(has_close, close, np.inf)
    cases = has_close
    resolution = np.where(has_close, np.maximum(close, e[last]), e[last])
    speed = (resolution - chain_start) / 3600.0
    return ChainFigures(
        contacts=n,
        chains=len(starts),
        judged_chains=int(judged.sum()),
        fcr=fcr,
        fcr_tick_box=fcr_tick,
        repeat_rate=float((~first).mean()),
        transfers_per_contact=float(moved.mean()),
        reopen_rate=float(reopened[cases].mean()) if cases.any() else None,
        speed_median_hours=float(np.median(speed)),
        speed_p90_hours=float(np.quantile(speed, 0.9)),
    )
