"""A seeded discrete-event simulation of the M/M/n+M queue, to check the Erlang formulas of
:mod:`valuecenter.analytics.erlang` against (issue 21).

Poisson arrivals, exponential handling times and exponential patience (none: Erlang C), one
queue served first come, first served by ``n`` agents. With FCFS only each call's wait
matters: a call is answered when the earliest of the agents' free times (a heap) comes, as
the calls before it have already taken theirs and a call that abandons never takes an
agent; so the call abandons when its patience runs out before that moment and is otherwise
answered then, keeping that agent busy for its handling time. (The same recursion as the
Lindley / Kiefer–Wolfowitz workload vector of the multi-server queue; Asmussen 2003,
*Applied Probability and Queues*, §XII.2.)

The first ``warmup`` share of the calls starts from an empty system and is left out of the
figures.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

MAX_CALLS = 10_000_000
"""The most calls of one run."""


@dataclass(frozen=True)
class SimulatedQueue:
    """The figures of a run over the calls after the warm-up: ``service_level`` answered
    within the target ÷ offered, ``abandon_rate``, ``asa_seconds`` the mean wait of every
    offered call (the abandoned ones up to their abandonment; Erlang A's E[W]),
    ``asa_answered_seconds`` that of the answered calls, ``p_wait`` the share that waited at
    all."""

    calls: int
    service_level: float
    abandon_rate: float
    asa_seconds: float
    asa_answered_seconds: float
    p_wait: float


def simulate_queue(
    *,
    traffic_erlangs: float,
    agents: int,
    aht_seconds: float,
    target_seconds: float,
    patience_seconds: float | None = None,
    calls: int = 200_000,
    warmup: float = 0.05,
    seed: int = 0,
) -> SimulatedQueue:
    """Simulate ``calls`` calls of an M/M/n+M queue with offered load ``traffic_erlangs``
    (arrival rate ``traffic / aht``), ``agents`` agents and mean patience
    ``patience_seconds`` (None: nobody abandons; then ``agents`` must exceed the load)."""
    if not traffic_erlangs > 0:
        raise InputError(N_("traffic_erlangs: must be > 0"))
    if agents < 1:
        raise InputError(N_("agents: must be at least 1"))
    if not aht_seconds > 0:
        raise InputError(N_("aht_seconds: must be > 0"))
    if not target_seconds >= 0:
        raise InputError(N_("target_seconds: cannot be negative"))
    if patience_seconds is None and agents <= traffic_erlangs:
        raise InputError(N_("agents: must exceed the load without abandonment"))
    if patience_seconds is not None and not patience_seconds > 0:
        raise InputError(N_("patience_seconds: must be > 0"))
    if not 1 <= calls <= MAX_CALLS:
        raise InputError(N_("calls: must be from 1 to %(max)s"), max=MAX_CALLS)
    if not 0 <= warmup < 1:
        raise InputError(N_("warmup: must be in [0, 1)"))

    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht_seconds / traffic_erlangs, calls)).tolist()
    handling = rng.exponential(aht_seconds, calls).tolist()
    patience = (
        [float("inf")] * calls
        if patience_seconds is None
        else rng.exponential(patience_seconds, calls).tolist()
    )
    free = [0.0] * agents  # the agents' free times, a heap
    first = int(warmup * calls)
    in_time = abandoned = waited = 0
    total_wait = answered_wait = 0.0
    for i in range(calls):
        arrival = arrivals[i]
        wait = free[0] - arrival
        if wait <= 0:
            heapq.heapreplace(free, arrival + handling[i])
            wait = 0.0
            gone = False
        elif wait < patience[i]:
            heapq.heapreplace(free, free[0] + handling[i])
            gone = False
        else:
            wait = patience[i]
            gone = True
        if i < first:
            continue
        if gone:
            abandoned += 1
        else:
            answered_wait += wait
            in_time += wait <= target_seconds
        waited += wait > 0
        total_wait += wait
    counted = calls - first
    answered = counted - abandoned
    return SimulatedQueue(
        calls=counted,
        service_level=in_time / counted,
        abandon_rate=abandoned / counted,
        asa_seconds=total_wait / counted,
        asa_answered_seconds=answered_wait / answered if answered else 0.0,
        p_wait=waited / counted,
    )
