"""Who of a selection may receive a campaign, and why the others may not (C9, C10; seed 004:
"correct use of data, the right of withdrawal, opt-in and opt-out, the telemarketing code").

The rules, in order; a customer removed by one is counted under the first that removes him:

1. **global-holdout** — the company's global holdout (an experiment of the kernel, key
   ``global-holdout``, drawn once per customer by the hash): these customers receive no
   campaign at all, so that the long-term effect of all campaigns together can be measured
   against them;
2. **no-consent** / **do-not-call** — the consent engine (``consent/state.py``), the same one
   the next best action uses: marketing on the campaign channel's consent channel, outbound
   (a phone campaign respects the do-not-call register);
3. **contact-policy** — the contact policy's frequency rules (``decisions/policy.py``) over the
   customer's recent presentations: answered next-best-action offers and the campaigns that
   contacted him.

The export re-applies rules 2 and 3 at the moment of export, so a customer who withdrew his
consent after launch is not in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter import channels
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember
from valuecenter.consent.models import DoNotCall
from valuecenter.consent.phone import normalize
from valuecenter.consent.state import consent_channel, verdict
from valuecenter.customers.models import Customer
from valuecenter.decisions.policy import Answer, PolicyRule, frequency_block
from valuecenter.experiments.models import Experiment, ExperimentKind
from valuecenter.experiments.service import assign_many, running_experiment
from valuecenter.offers import repository as offers_repository
from valuecenter.offers.decisions import consent_events
from valuecenter.offers.engine import policy_rule
from valuecenter.offers.models import DecisionResponse

GLOBAL_HOLDOUT_KEY = "global-holdout"
GLOBAL_HOLDOUT_SHARE = 0.05
"""The share of customers that receives no campaign at all (the kernel stores the share the
holdout was created with; changing this constant later does not move anybody)."""

RULES = ("global-holdout", "no-consent", "do-not-call", "contact-policy")
_CHUNK = 5_000


@dataclass
class Eligibility:
    """The customers who may be contacted, and how many each rule removed."""

    allowed: list[int]
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    removed_ids: dict[int, str] = field(default_factory=dict)


def global_holdout(session: Session, at: datetime | None = None) -> Experiment:
    """The global holdout: its "treated" arm may receive campaigns, its control arm not."""
    return running_experiment(
        session,
        GLOBAL_HOLDOUT_KEY,
        ExperimentKind.HOLDOUT,
        name="Global holdout: no campaigns",
        treated_share=1.0 - GLOBAL_HOLDOUT_SHARE,
        at=at,
    )


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


def _registered(session: Session, ids: Sequence[int]) -> dict[int, date | None]:
    """Customers whose phone number is on the do-not-call register → registered on (or None)."""
    phones: dict[str, list[int]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Customer.id, Customer.phone, Customer.country).where(
                Customer.id.in_(chunk), Customer.phone.is_not(None)
            )
        )
        for cid, phone, country in rows:
            number = normalize(phone, country)
            if number:
                phones.setdefault(number, []).append(int(cid))
    out: dict[int, date | None] = {}
    numbers = list(phones)
    for i in range(0, len(numbers), _CHUNK):
        entries = session.execute(
            select(DoNotCall.number, DoNotCall.registered_on).where(
                DoNotCall.number.in_(numbers[i : i + _CHUNK]), DoNotCall.removed_at.is_(None)
            )
        )
        for number, on in entries:
            for cid in phones.get(str(number), []):
                out[cid] = on
    return out


def _presentations(
    session: Session, ids: Sequence[int], since: datetime, own_campaign: int | None
) -> dict[int, list[Answer]]:
    """Each customer's marketing presentations since ``since``: answered offers of the next
    best action and contacts of other campaigns (outbound marketing on their channel)."""
    out: dict[int, list[Answer]] = {}
    for chunk in _chunks(ids):
        answers = session.execute(
            select(
                DecisionResponse.customer_id,
                DecisionResponse.action_id,
                DecisionResponse.outcome,
                DecisionResponse.recorded_at,
                DecisionResponse.channel,
                DecisionResponse.direction,
                DecisionResponse.purpose,
            ).where(DecisionResponse.customer_id.in_(chunk), DecisionResponse.recorded_at > since)
        )
        for cid, action, outcome, at, channel, direction, purpose in answers:
            out.setdefault(int(cid), []).append(
                Answer(int(action), str(outcome), at, str(channel), str(direction), str(purpose))
            )
        contacts = (
            select(CampaignMember.customer_id, CampaignMember.contacted_at, Campaign.channel)
            .join(Campaign, Campaign.id == CampaignMember.campaign_id)
            .where(
                CampaignMember.customer_id.in_(chunk),
                CampaignMember.contacted_at > since,
                CampaignMember.arm == Arm.TREATMENT,
            )
        )
        if own_campaign is not None:
            contacts = contacts.where(CampaignMember.campaign_id != own_campaign)
        for cid, contacted, channel in session.execute(contacts):
            if contacted is None:
                continue
            out.setdefault(int(cid), []).append(
                Answer(0, "ignored", contacted, str(channel), "outbound", "marketing")
            )
    return out


def policy_rules(session: Session) -> list[PolicyRule]:
    """The contact policy's active frequency rules (the rejection pauses concern one action
    of the next best action, not a campaign)."""
    return [
        policy_rule(p)
        for p in offers_repository.active_policy_rules(session)
        if p.kind.value == "frequency"
    ]


def contactable(
    session: Session,
    ids: Sequence[int],
    channel: str,
    at: datetime,
    *,
    holdout: bool = True,
    own_campaign: int | None = None,
) -> Eligibility:
    """Apply the rules to ``ids`` for a campaign on ``channel`` at ``at``."""
    result = Eligibility(allowed=[])
    candidates = list(ids)
    if holdout and candidates:
        arms = assign_many(
            session, global_holdout(session, at), candidates, ["all"] * len(candidates), at=at
        )
        for cid in candidates:
            if not arms[cid]:
                result.removed_ids[cid] = "global-holdout"
        candidates = [c for c in candidates if arms[c]]
    outbound = channel != channels.Channel.IN_CONTACT.value
    over = consent_channel(channel)
    events = consent_events(session, candidates)
    registered = _registered(session, candidates) if over == "phone" and outbound else {}
    rules = policy_rules(session)
    horizon = max((r.window_days for r in rules), default=0)
    presented = (
        _presentations(session, candidates, at - timedelta(days=horizon), own_campaign)
        if rules
        else {}
    )
    for cid in candidates:
        said = verdict(
            events.get(cid, ()),
            purpose="marketing",
            channel=over,
            at=at,
            outbound=outbound,
            on_register=cid in registered,
            do_not_call_since=registered.get(cid),
        )
        if not said.allowed:
            result.removed_ids[cid] = "do-not-call" if said.rule == "do-not-call" else "no-consent"
            continue
        history = presented.get(cid, [])
        if any(
            frequency_block(
                history,
                rule,
                purpose="marketing",
                channel=channel,
                direction="outbound" if outbound else "inbound",
                at=at,
            )
            for rule in rules
        ):
            result.removed_ids[cid] = "contact-policy"
            continue
        result.allowed.append(cid)
    for reason in result.removed_ids.values():
        result.removed[reason] += 1
    return result
