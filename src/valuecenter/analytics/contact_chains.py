"""Contact chains: the contacts of one customer about one issue, and what they say about the
service (C14, C15; seed 003: "First Contact Fix rose and NPS did not — why?", measure repeat
calls, transfers and the Customer Speed Index, the end-to-end lead time of the whole process).

A **chain** is the contacts of one customer about one issue: contacts of the same **case**,
and contacts of one customer about the **same reason** at most ``window`` apart (default
7 days) — a customer who calls back about his invoice three days later is on the same issue
even when the agent opened a new case.

From the chains (all pure, over arrays in any order):

- **FCR** (first-contact resolution, measured) — the share of chains of exactly one contact
  that was handled (an abandoned call resolved nothing), among the inbound chains whose window
  is fully observed (a chain that starts less than ``window``
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
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

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

    Two contacts are in one chain when they share a case, or when they are contacts of one
    customer about one reason at most ``window_days`` apart — and so is everything connected
    through such links (the connected components of the two relations). ``customer`` ids (−1
    for an unknown customer), ``started`` seconds since the epoch, ``case`` ids (−1 without a
    case), ``reason`` codes (None without a reason).
    """
    if not 0 < window_days <= 366:
        raise InputError(N_("window: must be between 0 and 366 days"))
    who = np.asarray(customer, dtype=np.int64)
    at = np.asarray(started, dtype=np.float64)
    cases = np.asarray(case, dtype=np.int64)
    why = pd.Series(np.asarray(reason, dtype=object))
    n = len(who)
    if not (len(at) == len(cases) == len(why) == n):
        raise InputError(N_("contacts: needs one customer, start, case and reason per contact"))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    heads: list[IntArray] = []
    tails: list[IntArray] = []
    # One case: link each contact of a case to the next one of the same case.
    with_case = np.flatnonzero(cases >= 0)
    if len(with_case):
        ordered = with_case[np.argsort(cases[with_case], kind="stable")]
        same = cases[ordered][1:] == cases[ordered][:-1]
        heads.append(ordered[:-1][same])
        tails.append(ordered[1:][same])
    # One customer, one reason, within the window: link consecutive contacts.
    known = np.flatnonzero((who >= 0) & why.notna().to_numpy())
    if len(known):
        key = pd.factorize(pd.MultiIndex.from_arrays([who[known], why.to_numpy()[known]]))[0]
        order = np.lexsort((at[known], key))
        ordered = known[order]
        k = key[order]
        near = (k[1:] == k[:-1]) & (np.diff(at[ordered]) <= window_days * DAY)
        heads.append(ordered[:-1][near])
        tails.append(ordered[1:][near])
    a = np.concatenate(heads) if heads else np.zeros(0, dtype=np.int64)
    b = np.concatenate(tails) if tails else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


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
    handled: npt.ArrayLike | None = None,
    inbound: npt.ArrayLike | None = None,
) -> ChainFigures:
    """The service figures of the module docstring. Per contact: its ``chain`` label, start and
    end (seconds since the epoch), the agent's ``resolved`` tick (NaN when not recorded),
    whether it was ``transferred``, its case's close time (NaN without a case or while open);
    ``data_end`` the moment the data ends; ``handled`` (not abandoned) and ``inbound`` per
    contact (default: all). FCR is judged on the chains a customer started (first contact
    inbound); a chain counts as resolved at first contact when it has one contact and that
    contact was handled."""
    c = np.asarray(chain, dtype=np.int64)
    s = np.asarray(started, dtype=np.float64)
    e = np.asarray(ended, dtype=np.float64)
    tick = np.asarray(resolved, dtype=np.float64)
    moved = np.asarray(transferred, dtype=bool)
    closed = np.asarray(case_closed, dtype=np.float64)
    n = len(c)
    took = np.ones(n, dtype=bool) if handled is None else np.asarray(handled, dtype=bool)
    came = np.ones(n, dtype=bool) if inbound is None else np.asarray(inbound, dtype=bool)
    if not (
        len(s) == len(e) == len(tick) == len(moved) == len(closed) == len(took) == len(came) == n
    ):
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
    took, came = took[order], came[order]
    first = np.ones(n, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(first)
    sizes = np.diff(np.append(starts, n))
    chain_start = s[starts]
    last = np.append(starts[1:], n) - 1
    judged = (chain_start + window_days * DAY <= data_end) & came[starts]
    fixed = (sizes == 1) & took[starts]
    fcr = float(fixed[judged].mean()) if judged.any() else None
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
