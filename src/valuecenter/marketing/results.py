"""A campaign's results against its control group, and the channels' response rates across
campaigns (C9, C13; seed 001: "direct mail is answered by 3–5%, SMS by about 50%").

The arithmetic is the kernel's (:mod:`valuecenter.analytics.experiments.readout`); this module
reads the members, the costs and the pre-registered goal and says where every figure came
from (the experiment's key, the treated share, the control group's size, the launch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.experiments.assignment import hash_positions
from valuecenter.analytics.experiments.readout import Look, Readout, Rule, lift_over_time, readout
from valuecenter.analytics.ledger import wilson
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember, CampaignVoucher
from valuecenter.db.base import utcnow
from valuecenter.experiments.models import Experiment
from valuecenter.i18n import _
from valuecenter.marketing.service import experiment_of, goal_of

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Provenance:
    experiment_key: str
    treated_share: float
    launched_at: datetime | None
    metric: str | None
    planned_treated: int | None
    planned_control: int | None
    rule: dict[str, object] | None
    read_at: datetime


@dataclass(frozen=True)
class CampaignResults:
    readout: Readout
    contacted: int
    redeemed: int
    looks: list[Look]
    provenance: Provenance


def _cost(campaign: Campaign, contacted: int, redeemed: int) -> int:
    return (
        campaign.fixed_cost_cents
        + campaign.cost_per_contact_cents * contacted
        + campaign.cost_per_voucher_cents * redeemed
    )


def _redeemed(session: Session, campaign: Campaign, now: datetime) -> int:
    """The campaign's vouchers redeemed up to ``now``."""
    return int(
        session.scalar(
            select(func.count()).where(
                CampaignVoucher.campaign_id == campaign.id,
                CampaignVoucher.redeemed_at.is_not(None),
                CampaignVoucher.redeemed_at <= now,
            )
        )
        or 0
    )


def campaign_cost(session: Session, campaign: Campaign, *, at: datetime | None = None) -> int:
    """What the campaign cost up to ``at``: its fixed cost, its treated members contacted ×
    the cost per contact and its vouchers redeemed × the cost per voucher — with or without
    an experiment (the service P&L's cost line, ``finance/costs.py``)."""
    now = at or utcnow()
    contacted = int(
        session.scalar(
            select(func.count()).where(
                CampaignMember.campaign_id == campaign.id,
                CampaignMember.arm == Arm.TREATMENT,
                CampaignMember.contacted_at.is_not(None),
                CampaignMember.contacted_at <= now,
            )
        )
        or 0
    )
    return _cost(campaign, contacted, _redeemed(session, campaign, now))


def campaign_results(
    session: Session, campaign: Campaign, *, at: datetime | None = None
) -> CampaignResults:
    """The readout now (``at``): what the members did up to ``at``, the decision the
    pre-registered rule gives, and the lift day by day since the launch."""
    now = at or utcnow()
    experiment: Experiment = experiment_of(session, campaign)
    goal = goal_of(experiment)
    rows = session.execute(
        select(
            CampaignMember.customer_id,
            CampaignMember.arm,
            CampaignMember.converted_at,
            CampaignMember.revenue_cents,
            CampaignMember.contacted_at,
        ).where(CampaignMember.campaign_id == campaign.id)
    ).all()
    ids = [int(r[0]) for r in rows]
    order = (
        np.argsort(hash_positions(experiment.key, ids), kind="stable")
        if ids
        else np.array([], dtype=int)
    )
    rows = [rows[i] for i in order]
    treated = np.array([r[1] == Arm.TREATMENT for r in rows], dtype=bool)
    converted_at = [r[2] if r[2] is not None and r[2] <= now else None for r in rows]
    converted = np.array([c is not None for c in converted_at], dtype=np.float64)
    revenue = np.array(
        [r[3] if c is not None else 0 for r, c in zip(rows, converted_at, strict=True)],
        dtype=np.float64,
    )
    contacted = sum(1 for r in rows if r[1] == Arm.TREATMENT and r[4] is not None and r[4] <= now)
    redeemed = _redeemed(session, campaign, now)
    planned = (experiment.planned_treated or 0) + (experiment.planned_control or 0) or None
    rule = Rule(
        mde=goal.mde if goal is not None else 0.0,
        min_roi=goal.min_roi if goal is not None else 0.0,
        alpha=goal.alpha if goal is not None else 0.05,
    )
    figures = readout(
        converted,
        revenue,
        treated,
        share=experiment.treated_share,
        rule=rule,
        cost_cents=_cost(campaign, contacted, redeemed),
        margin_share=campaign.margin_share,
        planned_members=planned,
        revenue_primary=goal is not None and goal.metric == "revenue",
    )
    looks: list[Look] = []
    launched = experiment.launched_at
    if launched is not None and len(rows) >= 4:
        end = min(now, campaign.ended_at or now)
        days = max(0, int((end - launched).total_seconds() // DAY_SECONDS))
        day_of = np.array(
            [
                np.nan if c is None else max(0.0, (c - launched).total_seconds() // DAY_SECONDS)
                for c in converted_at
            ]
        )
        looks = lift_over_time(
            day_of, treated, experiment.treated_share, min(days, 400), rule.alpha, planned
        )
    return CampaignResults(
        readout=figures,
        contacted=contacted,
        redeemed=redeemed,
        looks=looks,
        provenance=Provenance(
            experiment_key=experiment.key,
            treated_share=experiment.treated_share,
            launched_at=launched,
            metric=experiment.primary_metric,
            planned_treated=experiment.planned_treated,
            planned_control=experiment.planned_control,
            rule=experiment.decision_rule,
            read_at=now,
        ),
    )


def results_json(results: CampaignResults) -> dict[str, Any]:
    """A campaign's results as JSON (the CLI's and the API's): money in euros, shares as
    fractions, intervals as [low, high] or null with the reason."""
    r = results.readout
    p = results.provenance

    def arm(a: Any) -> dict[str, Any]:
        interval = a.rate_interval()
        return {
            "members": a.members,
            "conversions": a.conversions,
            "rate": a.rate,
            "rate_ci95": None if interval is None else list(interval),
            "revenue_euro": round(a.revenue_cents / 100, 2),
        }

    revenue = r.incremental_revenue.as_json(0)
    return {
        "treated": arm(r.treated),
        "control": arm(r.control),
        "lift": r.lift,
        "lift_ci95": None if r.lift_low is None else [r.lift_low, r.lift_high],
        "lift_always_valid": None if r.always_low is None else [r.always_low, r.always_high],
        "incremental_revenue_euro": {
            k: (v / 100 if isinstance(v, float) else v) for k, v in revenue.items()
        },
        "contacted": results.contacted,
        "vouchers_redeemed": results.redeemed,
        "cost_euro": round(r.cost_cents / 100, 2),
        "incremental_margin_euro": None
        if r.incremental_margin_cents is None
        else round(r.incremental_margin_cents / 100, 2),
        "roi": r.roi,
        "roi_ci95": None if r.roi_low is None else [r.roi_low, r.roi_high],
        "decision": r.decision,
        "why": _(r.why),
        "provenance": {
            "experiment": p.experiment_key,
            "treated_share": p.treated_share,
            "launched_at": None if p.launched_at is None else p.launched_at.isoformat(),
            "metric": p.metric,
            "planned_treated": p.planned_treated,
            "planned_control": p.planned_control,
            "rule": p.rule,
            "read_at": p.read_at.isoformat(),
        },
        "looks": [
            {"day": x.day, "lift": x.lift, "low": x.low, "high": x.high} for x in results.looks
        ],
    }


@dataclass(frozen=True)
class ChannelRate:
    channel: str
    campaigns: int
    contacted: int
    responded: int
    rate: float | None
    low: float | None
    high: float | None


def channel_rates(session: Session) -> list[ChannelRate]:
    """Per channel, over every campaign (imported history and the manager's): treated members
    contacted, how many responded, the rate with Wilson's 95% interval — comparable across
    campaigns because every campaign counts a response the same way."""
    rows = session.execute(
        select(
            Campaign.channel,
            func.count(func.distinct(Campaign.id)),
            func.count(CampaignMember.contacted_at),
            func.count(CampaignMember.responded_at),
        )
        .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(CampaignMember.arm == Arm.TREATMENT, CampaignMember.contacted_at.is_not(None))
        .group_by(Campaign.channel)
        .order_by(Campaign.channel)
    ).all()
    out = []
    for channel, campaigns, contacted, responded in rows:
        low, high = wilson(int(responded), int(contacted)) if contacted else (None, None)
        out.append(
            ChannelRate(
                channel=str(channel.value if hasattr(channel, "value") else channel),
                campaigns=int(campaigns),
                contacted=int(contacted),
                responded=int(responded),
                rate=int(responded) / int(contacted) if contacted else None,
                low=low,
                high=high,
            )
        )
    return out
