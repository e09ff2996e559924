"""An account manager's pool figures that need no database (issue 22, points 2 and 3).

**Revenue retention of the best customers** (seed 000, the telesales AM article: "the revenue
retention of the best customers rose from 75% to 97%"). The AM's *top customers* are those of
his pool who bought most in the **previous** period: the ``top_share`` (20% by default) of his
pool, ``k = ⌈top_share · n⌉`` of his ``n`` pool customers, at least 1 — but only customers with
a positive revenue last period count as top customers, so ``k`` is at most their number (a pool
that bought nothing has no top customers). Ties at the cut are broken by the lower customer id,
so the result is deterministic. The measure is

    retention = revenue this period of exactly those k customers
                ÷ their revenue last period

in cents, so a top customer who left counts with 0 and a newcomer who became big does not
count at all: it measures whether the AM *kept* what he had, not whether he grew. Above 1 when
his best customers bought more than the period before. ``None`` when the denominator is 0.

**Peer comparison**: :func:`peer_median` — the median of the figures that exist (``None``
skipped), ``None`` when none does.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


@dataclass(frozen=True)
class RetentionResult:
    """The top customers' revenue: ``numerator`` this period, ``denominator`` last period (both
    cents), how many top ``customers``, and ``ratio`` = numerator ÷ denominator (None at 0)."""

    numerator: int
    denominator: int
    customers: int
    ratio: float | None
    customer_ids: tuple[int, ...] = ()


def top_customers(previous: Mapping[int, int], top_share: float = 0.2) -> tuple[int, ...]:
    """The ids of the pool's top customers of the previous period (module docstring), by
    revenue descending, ties by id; ``previous`` holds every pool customer (0 for none)."""
    if not (isinstance(top_share, int | float) and 0.0 < top_share <= 1.0):
        raise InputError(N_("top_share: must be above 0 and at most 1"))
    buyers = sorted(
        ((cid, cents) for cid, cents in previous.items() if cents > 0),
        key=lambda item: (-item[1], item[0]),
    )
    if not buyers:
        return ()
    k = min(len(buyers), max(1, math.ceil(top_share * len(previous) - 1e-9)))
    return tuple(cid for cid, _cents in buyers[:k])


def top_revenue_retention(
    previous: Mapping[int, int], current: Mapping[int, int], top_share: float = 0.2
) -> RetentionResult:
    """Revenue retention of the AM's best customers (module docstring).

    ``previous``: customer id → revenue (cents) in the previous period, for **every** customer
    of his pool (0 or absent from ``current`` for none); ``current``: customer id → revenue
    this period (absent = 0).
    """
    top = top_customers(previous, top_share)
    denominator = sum(int(previous[cid]) for cid in top)
    numerator = sum(int(current.get(cid, 0)) for cid in top)
    return RetentionResult(
        numerator=numerator,
        denominator=denominator,
        customers=len(top),
        ratio=numerator / denominator if denominator else None,
        customer_ids=top,
    )


def peer_median(values: Iterable[float | int | None]) -> float | None:
    """The median of the values that exist; ``None`` when none does."""
    present = [float(v) for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def nps_points(promoters: int, detractors: int, answers: int) -> float | None:
    """NPS on the −100…100 scale: ``100 · (promoters − detractors) / answers`` (Reichheld
    2003; promoters answer 9–10, detractors 0–6); ``None`` without answers."""
    if answers < 0 or promoters < 0 or detractors < 0 or promoters + detractors > answers:
        raise InputError(N_("answers: promoters and detractors must fit in the answers"))
    return 100.0 * (promoters - detractors) / answers if answers else None
