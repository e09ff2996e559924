"""All campaigns together against the global holdout (issue 23, point 2; issue 19, point 4).

The global holdout (``marketing/eligibility.py``, experiment ``global-holdout``) draws each
customer once, by the hash, into the customers who may receive campaigns or the few who
receive none. Their revenue in a period — orders of any product, every campaign's effect and
its spill-over included — compared as treated × (mean revenue of the campaign-eligible −
mean revenue of the held-out), Neyman's standard error and Welch's t interval
(:func:`valuecenter.analytics.ledger.incremental`).

It measures the same campaigns as the campaigns line, in the long run and all at once, so it
is shown *beside* that line (in its provenance and method), never added to it: summing the two
would count every campaign twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.ledger import Incremental, incremental
from valuecenter.experiments.models import Experiment, ExperimentAssignment
from valuecenter.finance.costs import bound
from valuecenter.marketing.eligibility import GLOBAL_HOLDOUT_KEY
from valuecenter.orders.models import Order, OrderLine


@dataclass(frozen=True)
class HoldoutReadout:
    eligible: int  # customers drawn to receive campaigns
    held_out: int  # customers drawn to receive none
    revenue: Incremental  # cents


def against_holdout(session: Session, start: date, end: date) -> HoldoutReadout | None:
    """The readout of ``[start, end)``; ``None`` when the company has no global holdout."""
    experiment_id = session.scalar(
        select(Experiment.id).where(Experiment.key == GLOBAL_HOLDOUT_KEY)
    )
    if experiment_id is None:
        return None
    in_period = and_(
        Order.customer_id == ExperimentAssignment.customer_id,
        Order.ordered_at >= bound(start),
        Order.ordered_at < bound(end),
    )
    rows = session.execute(
        select(
            ExperimentAssignment.treated,
            func.coalesce(func.sum(OrderLine.total_cents), 0),
        )
        .select_from(ExperimentAssignment)
        .outerjoin(Order, in_period)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(ExperimentAssignment.experiment_id == experiment_id)
        .group_by(ExperimentAssignment.customer_id, ExperimentAssignment.treated)
    ).all()
    treated = np.array([float(cents) for arm, cents in rows if arm], dtype=np.float64)
    held = np.array([float(cents) for arm, cents in rows if not arm], dtype=np.float64)
    return HoldoutReadout(
        eligible=len(treated),
        held_out=len(held),
        revenue=incremental(treated, held, "revenue"),
    )
