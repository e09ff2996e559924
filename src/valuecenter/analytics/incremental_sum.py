"""The sum of incremental figures from separate randomised experiments (the campaigns of a
month: each its own draw, its own control group).

The estimate is the sum of the estimates (each unbiased, so the sum is). Its standard error is
``√Σ se²``, the variance of a sum of independent estimates, and its 95% interval is normal
(``± z₀.₉₇₅ · se``): a sum of several estimates is nearer normal than each one, and each
experiment's own interval (Welch's t, :func:`valuecenter.analytics.ledger.incremental`) is kept
when there is only one. Two experiments that share customers are correlated and the interval
then assumes they are not — the reason every line says how it was measured.

No estimate when one experiment has none (its control group is empty: nothing to compare
with); no interval, with the first reason, when one has no interval (Imbens & Rubin 2015,
ch. 6, for the estimates themselves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from valuecenter.analytics.experiments import Z_95
from valuecenter.analytics.ledger import Incremental
from valuecenter.analytics.message import Message
from valuecenter.i18n import N_


def sum_independent(figures: Sequence[Incremental], z: float = Z_95) -> Incremental:
    """The sum of ``figures`` from independent experiments, with its interval where every
    figure has one (see the module docstring). An empty sequence sums to an exact 0."""
    if len(figures) == 1:
        return figures[0]
    if not figures:
        return Incremental(0.0, 0.0, 0.0, 0.0)
    for figure in figures:
        if figure.estimate is None:
            return Incremental(
                None, None, None, None, figure.reason or Message(N_("no control group"))
            )
    estimate = sum(float(f.estimate or 0.0) for f in figures)
    for figure in figures:
        if figure.std_error is None or not figure.has_interval:
            return Incremental(
                estimate, None, None, None, figure.reason or Message(N_("no interval"))
            )
    se = math.sqrt(sum(float(f.std_error or 0.0) ** 2 for f in figures))
    return Incremental(estimate, se, estimate - z * se, estimate + z * se)
