"""The readout of a campaign run as an experiment: per arm, the lift, the incremental revenue,
the return on the cost, and the pre-registered decision (C9, C13; seed 004: "register the
costs *and* the conversions", "start with a pilot whose success criteria are fixed
beforehand, then scale or stop").

For ``n_t`` treated and ``n_c`` control members with conversions ``x_t, x_c`` and revenue
``r_i`` per member:

- **lift** ``= x_t/n_t − x_c/n_c`` with Newcombe's hybrid score interval (Newcombe 1998,
  method 10 — :func:`valuecenter.analytics.ledger.newcombe`): the Wald interval runs short
  with the few conversions of a small control group;
- the **always-valid interval** of the lift (:mod:`.sequential`, Waudby-Smith et al. 2024):
  the interval a manager may read every day without inflating false positives; it is wider
  than the fixed one and is the one the decision rule uses;
- **incremental revenue** ``= n_t × (mean(r | treated) − mean(r | control))`` with Neyman's
  standard error and Welch's t quantile (:func:`valuecenter.analytics.ledger.incremental`);
- **cost** ``= fixed + per contact × contacted + per voucher × redeemed``;
- **ROI** ``= (incremental margin − cost) / cost`` with incremental margin = incremental
  revenue × the campaign's margin share; its interval follows from the revenue interval (the
  cost is known).

The pre-registered decision rule (stored at launch, never edited after):

- **scale** when the always-valid interval of the lift lies above 0 and the ROI is at least
  the rule's ``min_roi``;
- **stop** when the always-valid interval lies below the minimum detectable effect (the
  campaign cannot reach what it was designed to find) or the ROI interval lies below
  ``min_roi`` once the planned members are in;
- **extend** otherwise: keep running until one of the two is clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.sequential import confidence_sequence
from valuecenter.analytics.ledger import Incremental, incremental, newcombe, wilson
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]

SCALE, STOP, EXTEND = N_("scale"), N_("stop"), N_("extend")


@dataclass(frozen=True)
class Rule:
    """The pre-registered decision rule: the minimum detectable effect on the primary metric
    (a rate difference, or euros per member for revenue) and the least ROI that makes scaling
    worth it."""

    mde: float
    min_roi: float = 0.0
    alpha: float = 0.05

    def as_json(self) -> dict[str, float]:
        return {"mde": self.mde, "min_roi": self.min_roi, "alpha": self.alpha}


@dataclass(frozen=True)
class Arm:
    members: int
    conversions: int
    revenue_cents: int

    @property
    def rate(self) -> float | None:
        return self.conversions / self.members if self.members else None

    def rate_interval(self) -> tuple[float, float] | None:
        return wilson(self.conversions, self.members) if self.members else None


@dataclass(frozen=True)
class Readout:
    treated: Arm
    control: Arm
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    always_low: float | None
    always_high: float | None
    incremental_revenue: Incremental
    cost_cents: int
    incremental_margin_cents: float | None
    roi: float | None
    roi_low: float | None
    roi_high: float | None
    decision: str
    why: str
    reasons: list[str] = field(default_factory=list)


def _always_valid(
    converted: FloatArray,
    treated: npt.NDArray[np.bool_],
    share: float,
    planned: int | None,
    alpha: float,
) -> tuple[float, float] | None:
    if int(treated.sum()) < 2 or int((~treated).sum()) < 2:
        return None
    bounds = confidence_sequence(
        converted, treated, share, alpha=alpha, planned_n=planned, looks=[len(converted)]
    )
    return float(bounds.low[-1]), float(bounds.high[-1])


def readout(
    converted: npt.ArrayLike,
    revenue_cents: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    share: float,
    rule: Rule,
    cost_cents: int,
    margin_share: float | None,
    planned_members: int | None = None,
    revenue_primary: bool = False,
) -> Readout:
    """The campaign's figures from its members in assignment order (``converted`` 0/1,
    ``revenue_cents`` per member, ``treated`` the arm) and the decision the rule gives on the
    primary metric: the conversion rate, or the revenue per member in euros
    (``revenue_primary``; the always-valid interval is then that of the revenue per member)."""
    y = np.asarray(converted, dtype=np.float64)
    r = np.asarray(revenue_cents, dtype=np.float64)
    t = np.asarray(treated, dtype=bool)
    if not (y.shape == r.shape == t.shape) or y.ndim != 1:
        raise InputError(N_("members: needs one conversion, revenue and arm per member"))
    if cost_cents < 0:
        raise InputError(N_("cost: must not be negative"))
    if margin_share is not None and not 0.0 <= margin_share <= 1.0:
        raise InputError(N_("margin_share: must be between 0 and 1"))
    arm_t = Arm(int(t.sum()), int(y[t].sum()), int(r[t].sum()))
    arm_c = Arm(int((~t).sum()), int(y[~t].sum()), int(r[~t].sum()))
    lift = low = high = None
    if arm_t.members and arm_c.members:
        lift = (arm_t.rate or 0.0) - (arm_c.rate or 0.0)
        low, high = newcombe(arm_t.conversions, arm_t.members, arm_c.conversions, arm_c.members)
    # The rule reads the primary metric: conversion (a rate) or revenue per member (euros).
    primary = y if not revenue_primary else r / 100.0
    always = _always_valid(primary, t, share, planned_members, rule.alpha)
    revenue = incremental(r[t], r[~t], "revenue")
    margin = (
        None
        if revenue.estimate is None or margin_share is None
        else revenue.estimate * margin_share
    )
    roi = roi_low = roi_high = None
    if cost_cents > 0 and margin is not None and margin_share is not None:
        roi = (margin - cost_cents) / cost_cents
        if revenue.low is not None and revenue.high is not None:
            roi_low = (revenue.low * margin_share - cost_cents) / cost_cents
            roi_high = (revenue.high * margin_share - cost_cents) / cost_cents
    decision, why = decide(rule, always, roi, roi_high, planned_members, len(y))
    return Readout(
        treated=arm_t,
        control=arm_c,
        lift=lift,
        lift_low=low,
        lift_high=high,
        always_low=None if always is None else always[0],
        always_high=None if always is None else always[1],
        incremental_revenue=revenue,
        cost_cents=cost_cents,
        incremental_margin_cents=margin,
        roi=roi,
        roi_low=roi_low,
        roi_high=roi_high,
        decision=decision,
        why=why,
    )


def decide(
    rule: Rule,
    always: tuple[float, float] | None,
    roi: float | None,
    roi_high: float | None,
    planned: int | None,
    members: int,
) -> tuple[str, str]:
    """The pre-registered rule applied: (scale | stop | extend, why in words)."""
    if always is None:
        return EXTEND, N_("too few members in an arm for an interval yet")
    low, high = always
    if low > 0 and (roi is None or roi >= rule.min_roi):
        return SCALE, N_("the always-valid interval of the lift is above 0 and the ROI is met")
    if high < rule.mde:
        return STOP, N_(
            "the always-valid interval of the lift excludes the minimum detectable effect"
        )
    full = planned is None or members >= planned
    if full and roi_high is not None and roi_high < rule.min_roi:
        return STOP, N_("the ROI interval lies below the required ROI")
    if low > 0:
        return EXTEND, N_("the lift is above 0 but the ROI is not yet met")
    return EXTEND, N_("not yet clear: keep running")


@dataclass(frozen=True)
class Look:
    day: int  # days since launch
    lift: float | None
    low: float | None
    high: float | None


def lift_over_time(
    converted_day: npt.ArrayLike,
    treated: npt.ArrayLike,
    share: float,
    days: int,
    alpha: float = 0.05,
    planned_members: int | None = None,
) -> list[Look]:
    """The lift and its always-valid interval as a manager saw it on each day ``0 … days``
    after launch: a member counts as converted from the day of his conversion
    (``converted_day``, days since launch; NaN when he has not converted)."""
    d = np.asarray(converted_day, dtype=np.float64)
    t = np.asarray(treated, dtype=bool)
    if d.shape != t.shape or d.ndim != 1:
        raise InputError(N_("members: needs one conversion day and arm per member"))
    looks: list[Look] = []
    for day in range(max(days, 0) + 1):
        y = (d <= day).astype(np.float64)  # NaN compares False: not converted
        nt, nc = int(t.sum()), int((~t).sum())
        lift = float(y[t].mean() - y[~t].mean()) if nt and nc else None
        bounds = _always_valid(y, t, share, planned_members, alpha)
        looks.append(
            Look(
                day,
                lift,
                None if bounds is None else bounds[0],
                None if bounds is None else bounds[1],
            )
        )
    return looks
