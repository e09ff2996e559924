"""Read-only queries for the campaign manager's pages (issue 19, ``web/pages/campaigns.py``):
the list's rows, the words a selection filter offers, the catalogue's active actions and the
eligibility preview of a draft.

Nothing here writes what stays: the preview runs the launch's own eligibility rules
(``eligibility.contactable``) and the campaign's stratified assignment inside a savepoint that
is always rolled back, because both *draw* — the global holdout and the arms are stored on
first use. The draws are deterministic (hash order per stratum), so the launch repeats the
preview's split exactly as long as the selection and the consents do not change meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.campaigns.models import Campaign
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.experiments.models import ExperimentStatus
from valuecenter.experiments.service import assign_many
from valuecenter.marketing import selection as selections
from valuecenter.marketing import service
from valuecenter.marketing.eligibility import RULES, contactable
from valuecenter.marketing.results import campaign_results
from valuecenter.offers.models import Action
from valuecenter.products.models import Category
from valuecenter.value.models import CustomerScore
from valuecenter.value.repository import latest_run


@dataclass(frozen=True)
class CampaignRow:
    """One campaign of the list: its status, its arms' sizes and the rule's decision now."""

    campaign: Campaign
    status: str
    treated: int
    control: int
    launched_at: datetime | None
    decision: str | None  # scale/stop/extend; None for a draft


def campaign_rows(session: Session, at: datetime | None = None) -> list[CampaignRow]:
    """The manager's campaigns, newest first, each with its decision read now (a draft has
    none)."""
    out = []
    for campaign in service.managed_campaigns(session):
        experiment = service.experiment_of(session, campaign)
        counts = service.member_counts(session, campaign)
        decision = None
        if experiment.status != ExperimentStatus.DRAFT:
            decision = campaign_results(session, campaign, at=at).readout.decision
        out.append(
            CampaignRow(
                campaign=campaign,
                status=experiment.status.value,
                treated=counts.get("treatment", 0),
                control=counts.get("control", 0),
                launched_at=experiment.launched_at,
                decision=decision,
            )
        )
    return out


@dataclass(frozen=True)
class FilterWords:
    """What a selection filter can choose from: the latest score run's value and RFM
    segments, the customers' countries, the product categories."""

    segments: list[str]
    rfm_segments: list[str]
    countries: list[str]
    categories: list[tuple[str, str]]  # (code, name)
    run_id: str | None


def filter_words(session: Session) -> FilterWords:
    run = latest_run(session)
    segments: list[str] = []
    rfm: list[str] = []
    if run is not None:
        segments = sorted(
            str(s)
            for s in session.scalars(
                select(CustomerScore.segment).distinct().where(CustomerScore.run_id == run.id)
            )
            if s
        )
        rfm = sorted(
            str(s)
            for s in session.scalars(
                select(CustomerScore.rfm_segment).distinct().where(CustomerScore.run_id == run.id)
            )
            if s
        )
    countries = sorted(
        str(c)
        for c in session.scalars(
            select(Customer.country).distinct().where(Customer.erased_at.is_(None))
        )
        if c
    )
    categories = [
        (str(code), str(name or code))
        for code, name in session.execute(
            select(Category.code, Category.name).order_by(Category.code)
        )
    ]
    return FilterWords(segments, rfm, countries, categories, None if run is None else run.run_id)


def active_actions(session: Session) -> list[tuple[str, str]]:
    """The catalogue's active actions as (code, name): what a campaign may offer."""
    return [
        (str(code), str(name))
        for code, name in session.execute(
            select(Action.code, Action.name).where(Action.active.is_(True)).order_by(Action.name)
        )
    ]


@dataclass(frozen=True)
class SegmentSplit:
    segment: str
    selected: int
    eligible: int
    treated: int
    control: int


@dataclass(frozen=True)
class Preview:
    """What the launch would do now: the selected customers, the removals per rule (in the
    rules' order), the eligible ones and their arms per value segment."""

    selected: int
    removed: dict[str, int]
    eligible: int
    treated: int
    control: int
    segments: list[SegmentSplit] = field(default_factory=list)
    at: datetime | None = None


def preview_launch(session: Session, campaign: Campaign, at: datetime | None = None) -> Preview:
    """The launch's eligibility and assignment for ``campaign`` now, drawn in a savepoint that
    is rolled back: nothing of the preview is stored."""
    when = at or utcnow()
    if campaign.selection_id is None:
        return Preview(0, dict.fromkeys(RULES, 0), 0, 0, 0, [], when)
    experiment = service.experiment_of(session, campaign)
    spec = selections.spec_of(selections.get_selection(session, campaign.selection_id))
    found = selections.matches(session, spec)
    segment_of = dict(zip(found.ids, found.segments, strict=True))
    savepoint = session.begin_nested()
    try:
        allowed = contactable(
            session, found.ids, campaign.channel.value, when, own_campaign=campaign.id
        )
        arms = assign_many(
            session,
            experiment,
            allowed.allowed,
            [segment_of[c] for c in allowed.allowed],
            at=when,
        )
    finally:
        savepoint.rollback()
    per: dict[str, list[int]] = {}
    for cid in found.ids:
        row = per.setdefault(segment_of[cid], [0, 0, 0])
        row[0] += 1
    for cid in allowed.allowed:
        row = per[segment_of[cid]]
        row[1] += 1
        row[2] += int(arms[cid])
    splits = [
        SegmentSplit(name, n, eligible, treated, eligible - treated)
        for name, (n, eligible, treated) in sorted(per.items())
    ]
    treated = sum(s.treated for s in splits)
    return Preview(
        selected=len(found.ids),
        removed=dict(allowed.removed),
        eligible=len(allowed.allowed),
        treated=treated,
        control=len(allowed.allowed) - treated,
        segments=splits,
        at=when,
    )
