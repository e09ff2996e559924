"""The campaign manager: a campaign from draft to launch, its export and its vouchers (C9, C13;
seed 004: "a selection of customers or prospects, a proposition, goals, a runtime, vouchers
and a closed website; register the costs and the conversions; start with a pilot whose
success criteria are fixed beforehand").

A campaign is an experiment of the kernel (``experiments/``, key ``campaign:<code>``):

- **draft** — the selection, the proposition (an action of the next-best-action catalogue),
  the channel, runtime, budget and costs can change, and the goal can be set again;
- **goal** — the primary metric, baseline, minimum detectable effect, α, power and treated
  share give the members needed per arm *before* launch
  (:func:`valuecenter.analytics.experiments.design.two_proportion_sample_size`; revenue:
  ``two_mean_sample_size``), and the decision rule is stored;
- **launch** — the selection's customers pass the eligibility rules (global holdout, consent,
  do-not-call, contact policy; each removal counted), are assigned to arms by the kernel,
  stratified by value segment (deterministic: the same customer in the same campaign always
  lands in the same arm) and become members; vouchers are issued to the treated members. From
  then on the goal and the rule cannot change (a :class:`~valuecenter.errors.Conflict`).

Nothing here commits: the front doors do, once per request or command.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.design import (
    two_mean_sample_size,
    two_proportion_sample_size,
)
from valuecenter.campaigns.models import (
    Arm,
    Campaign,
    CampaignChannel,
    CampaignMember,
    CampaignVoucher,
)
from valuecenter.consent.phone import normalize
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.experiments.models import Experiment, ExperimentKind, ExperimentStatus
from valuecenter.experiments.service import assign_many
from valuecenter.i18n import _
from valuecenter.marketing import selection as selections
from valuecenter.marketing.eligibility import contactable
from valuecenter.marketing.schemas import CampaignDraft, Goal
from valuecenter.offers.models import Action

VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
VOUCHER_LENGTH = 10


@dataclass(frozen=True)
class Planned:
    """Members needed per arm for the goal."""

    treated: int
    control: int

    @property
    def total(self) -> int:
        return self.treated + self.control


def _cents(euros: float | None) -> int | None:
    return None if euros is None else round(euros * 100)


def experiment_key(code: str) -> str:
    return f"campaign:{code}"


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    found = session.get(Campaign, campaign_id)
    if found is None or found.experiment_id is None:
        raise NotFound(_("campaign %(id)s does not exist", id=campaign_id))
    return found


def experiment_of(session: Session, campaign: Campaign) -> Experiment:
    found = session.get(Experiment, campaign.experiment_id)
    if found is None:
        raise NotFound(_("campaign %(id)s has no experiment", id=campaign.id))
    return found


def status_of(session: Session, campaign: Campaign) -> ExperimentStatus:
    return experiment_of(session, campaign).status


def _action(session: Session, code: str) -> Action:
    found = session.scalar(select(Action).where(Action.code == code))
    if found is None:
        raise InvalidInput("action", _("%(code)s is not an action of the catalogue", code=code))
    return found


def _slug(code: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", code.lower()).strip("-")[:40] or "campaign"


def create_campaign(session: Session, draft: CampaignDraft, user_id: int | None = None) -> Campaign:
    """A new campaign in draft, with its (draft) experiment."""
    if session.scalar(select(Campaign.id).where(Campaign.external_id == draft.code)) is not None:
        raise Conflict(_("a campaign with code %(code)s exists already", code=draft.code))
    selections.get_selection(session, draft.selection_id)
    _action(session, draft.action)
    now = utcnow()
    experiment = Experiment(
        key=experiment_key(draft.code),
        kind=ExperimentKind.CAMPAIGN,
        name=draft.name,
        status=ExperimentStatus.DRAFT,
        treated_share=0.5,
        created_at=now,
    )
    session.add(experiment)
    session.flush()
    start = datetime.combine(draft.start, time(), tzinfo=UTC)
    campaign = Campaign(
        external_id=draft.code,
        name=draft.name,
        channel=CampaignChannel(draft.channel),
        action=draft.action,
        started_at=start,
        ended_at=start + timedelta(days=draft.runtime_days),
        experiment_id=experiment.id,
        selection_id=draft.selection_id,
        budget_cents=_cents(draft.budget_euro),
        fixed_cost_cents=_cents(draft.fixed_cost_euro) or 0,
        cost_per_contact_cents=_cents(draft.cost_per_contact_euro) or 0,
        cost_per_voucher_cents=_cents(draft.cost_per_voucher_euro) or 0,
        margin_share=draft.margin_share,
        vouchers=draft.vouchers,
        landing_slug=_slug(draft.code) + "-" + secrets.token_hex(3)
        if draft.landing_title
        else None,
        landing_title=draft.landing_title,
        landing_body=draft.landing_body,
        created_by=user_id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    return campaign


def planned_members(goal: Goal) -> Planned:
    """Members per arm the goal needs (the design arithmetic of the kernel)."""
    k = (1.0 - goal.treated_share) / goal.treated_share
    try:
        if goal.metric == "revenue":
            if goal.sd_euro is None or goal.sd_euro <= 0:
                raise InvalidInput(
                    "sd_euro", _("a revenue goal needs the standard deviation per member")
                )
            size = two_mean_sample_size(
                goal.sd_euro, goal.mde, alpha=goal.alpha, power=goal.power, control_per_treated=k
            )
        else:
            size = two_proportion_sample_size(
                goal.baseline, goal.mde, alpha=goal.alpha, power=goal.power, control_per_treated=k
            )
    except InputError as error:
        text = error.translated()
        field = error.field
        raise InvalidInput(
            field or "goal", text.removeprefix(f"{field}: ") if field else text
        ) from error
    return Planned(size.treated, size.control)


def set_goal(session: Session, campaign: Campaign, goal: Goal) -> Planned:
    """Pre-register ``goal`` (a draft only): the design, the planned members, the rule."""
    experiment = experiment_of(session, campaign)
    if experiment.status != ExperimentStatus.DRAFT:
        raise Conflict(_("the goal of a launched campaign cannot change (pre-registered)"))
    planned = planned_members(goal)
    experiment.primary_metric = goal.metric
    experiment.baseline_rate = goal.baseline
    experiment.mde = goal.mde
    experiment.alpha = goal.alpha
    experiment.power = goal.power
    experiment.treated_share = goal.treated_share
    experiment.planned_treated = planned.treated
    experiment.planned_control = planned.control
    experiment.decision_rule = {
        "scale": "always-valid lift interval above 0 and ROI >= min_roi",
        "stop": "always-valid interval below the MDE, or ROI interval below min_roi at planned n",
        "extend": "otherwise",
        "min_roi": goal.min_roi,
        "sd_euro": goal.sd_euro,
    }
    session.flush()
    return planned


def goal_of(experiment: Experiment) -> Goal | None:
    if experiment.primary_metric is None or experiment.mde is None:
        return None
    rule = experiment.decision_rule or {}
    return Goal(
        metric=experiment.primary_metric,
        baseline=experiment.baseline_rate or 0.0,
        mde=experiment.mde,
        sd_euro=rule.get("sd_euro"),
        alpha=experiment.alpha,
        power=experiment.power,
        treated_share=experiment.treated_share,
        min_roi=float(rule.get("min_roi", 0.0)),
    )


def _voucher_code() -> str:
    return "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_LENGTH))


def _issue_vouchers(
    session: Session, campaign: Campaign, customers: Sequence[int], at: datetime
) -> int:
    codes: set[str] = set()
    while len(codes) < len(customers):
        codes.add(_voucher_code())
    session.add_all(
        CampaignVoucher(
            campaign_id=campaign.id, customer_id=cid, code=code, issued_at=at, revenue_cents=0
        )
        for cid, code in zip(customers, sorted(codes), strict=True)
    )
    session.flush()
    return len(customers)


def launch(
    session: Session, campaign: Campaign, *, at: datetime | None = None, underpowered: bool = False
) -> dict[str, int]:
    """Launch a draft: eligibility, stratified assignment, members, vouchers. Returns the
    counts: selected, each removal rule, eligible, treated, control."""
    when = at or utcnow()
    experiment = experiment_of(session, campaign)
    if experiment.status != ExperimentStatus.DRAFT:
        raise Conflict(_("campaign %(code)s is launched already", code=campaign.external_id))
    goal = goal_of(experiment)
    if goal is None:
        raise Conflict(_("set the goal before the launch: it is pre-registered"))
    if campaign.selection_id is None:
        raise Conflict(_("the campaign has no selection"))
    spec = selections.spec_of(selections.get_selection(session, campaign.selection_id))
    found = selections.matches(session, spec)
    segment = dict(zip(found.ids, found.segments, strict=True))
    allowed = contactable(
        session, found.ids, campaign.channel.value, when, own_campaign=campaign.id
    )
    planned = (experiment.planned_treated or 0) + (experiment.planned_control or 0)
    if len(allowed.allowed) < planned and not underpowered:
        raise Conflict(
            _(
                "%(eligible)s eligible customers, the goal needs %(planned)s: widen the selection, "
                "change the goal or launch as underpowered",
                eligible=len(allowed.allowed),
                planned=planned,
            )
        )
    arms = assign_many(
        session, experiment, allowed.allowed, [segment[c] for c in allowed.allowed], at=when
    )
    treated = [c for c in allowed.allowed if arms[c]]
    if campaign.budget_cents is not None:
        cost = campaign.fixed_cost_cents + campaign.cost_per_contact_cents * len(treated)
        if cost > campaign.budget_cents:
            raise Conflict(
                _(
                    "contacting %(n)s customers costs more than the budget: widen the budget or "
                    "narrow the selection",
                    n=len(treated),
                )
            )
    session.add_all(
        CampaignMember(
            campaign_id=campaign.id,
            customer_id=c,
            arm=Arm.TREATMENT if arms[c] else Arm.CONTROL,
            revenue_cents=0,
        )
        for c in allowed.allowed
    )
    if campaign.vouchers and treated:
        _issue_vouchers(session, campaign, treated, when)
    counts = {
        "selected": len(found.ids),
        **{f"removed_{k.replace('-', '_')}": v for k, v in allowed.removed.items()},
        "eligible": len(allowed.allowed),
        "treated": len(treated),
        "control": len(allowed.allowed) - len(treated),
    }
    campaign.exclusions = {"selected": len(found.ids), **allowed.removed}
    if campaign.started_at < when:
        span = (campaign.ended_at or when) - campaign.started_at
        campaign.started_at = when
        campaign.ended_at = when + span
    experiment.status = ExperimentStatus.RUNNING
    experiment.launched_at = when
    session.flush()
    return counts


@dataclass(frozen=True)
class ExportFile:
    header: list[str]
    rows: list[list[object]]
    removed: dict[str, int]


def export_members(
    session: Session, campaign: Campaign, *, at: datetime | None = None
) -> ExportFile:
    """The treated members to contact, for the dialer or the mail tool: only those the consent
    engine and the contact policy allow *now*; the others are counted per rule. Exported
    members are marked (``exported_at``; ``contacted_at`` the first time)."""
    when = at or utcnow()
    if status_of(session, campaign) == ExperimentStatus.DRAFT:
        raise Conflict(_("launch the campaign before exporting its list"))
    members = (
        session.execute(
            select(CampaignMember.customer_id).where(
                CampaignMember.campaign_id == campaign.id, CampaignMember.arm == Arm.TREATMENT
            )
        )
        .scalars()
        .all()
    )
    allowed = contactable(
        session,
        list(members),
        campaign.channel.value,
        when,
        holdout=False,
        own_campaign=campaign.id,
    )
    removed = {k: v for k, v in allowed.removed.items() if k != "global-holdout"}
    vouchers = dict(
        session.execute(
            select(CampaignVoucher.customer_id, CampaignVoucher.code).where(
                CampaignVoucher.campaign_id == campaign.id
            )
        ).all()
    )
    ids = sorted(allowed.allowed)
    people = {
        c.id: c
        for i in range(0, len(ids), 5_000)
        for c in session.scalars(select(Customer).where(Customer.id.in_(ids[i : i + 5_000])))
    }
    header = ["customer", "name", "language", "email", "phone", "city", "voucher"]
    rows: list[list[object]] = [
        [
            people[c].external_id,
            people[c].name,
            people[c].language,
            people[c].email,
            _dialable(people[c].phone, people[c].country),
            people[c].city,
            vouchers.get(c),
        ]
        for c in ids
    ]
    for i in range(0, len(ids), 5_000):
        chunk = ids[i : i + 5_000]
        base = update(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id, CampaignMember.customer_id.in_(chunk)
        )
        session.execute(base.values(exported_at=when))
        session.execute(base.where(CampaignMember.contacted_at.is_(None)).values(contacted_at=when))
    session.flush()
    return ExportFile(header, rows, removed)


def _dialable(phone: str | None, country: str | None) -> str | None:
    """The number in international form with the ``00`` prefix (``0041984935149``): what
    dialers take, and — unlike ``+41…`` — no spreadsheet reads it as a formula, so the CSV
    writer leaves it as it is."""
    number = normalize(phone, country)
    return None if number is None else "00" + number.removeprefix("+")


def end_campaign(session: Session, campaign: Campaign, *, at: datetime | None = None) -> None:
    """Stop a running campaign (its results stay readable)."""
    experiment = experiment_of(session, campaign)
    if experiment.status != ExperimentStatus.RUNNING:
        raise Conflict(_("only a running campaign can be stopped"))
    when = at or utcnow()
    experiment.status = ExperimentStatus.STOPPED
    experiment.ended_at = when
    if campaign.ended_at is None or campaign.ended_at > when:
        campaign.ended_at = when
    session.flush()


def managed_campaigns(session: Session) -> list[Campaign]:
    """The campaign manager's campaigns (not the imported history), newest first."""
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.experiment_id.is_not(None))
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def member_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    rows = session.execute(
        select(CampaignMember.arm, func.count())
        .where(CampaignMember.campaign_id == campaign.id)
        .group_by(CampaignMember.arm)
    )
    return {str(arm): int(n) for arm, n in rows}


def by_landing_slug(session: Session, slug: str) -> Campaign:
    found = session.scalar(select(Campaign).where(Campaign.landing_slug == slug))
    if found is None:
        raise NotFound(_("no such page"))
    return found


def voucher_holder(session: Session, campaign: Campaign, code: str) -> CampaignVoucher | None:
    return session.scalar(
        select(CampaignVoucher).where(
            CampaignVoucher.campaign_id == campaign.id, CampaignVoucher.code == code.strip().upper()
        )
    )
