"""What the service department costs in a period (issue 23, point 1; docs/finance.md): one
:class:`CostLine` per kind of cost, each split per team and per channel where the product
knows it, each saying how it was counted.

- **agent hours** × the cost per hour of the staffing settings. Where the schedule holds work
  entries for the period, their hours are paid hours; otherwise the paid hours are estimated
  from the handled time of the contacts (talk + hold + wrap) ÷ the occupancy cap ÷ (1 −
  shrinkage) — the staffing plans' own arithmetic run backwards (docs/staffing.md);
- **training**: the schedule's training entries × the cost per hour, plus the training costs
  entered (``finance_cost_entries``);
- **attrition**: agents who left in the period × what one replacement costs
  (:mod:`valuecenter.analytics.attrition`, seed 004: recruitment, paid training, the
  trainer's share and the ramp-up), at the settings' cost per hour;
- **overhead**, **IT and telephony**, **other**: the entered costs;
- **discounts and goods given away**: the save desk's accepted retention offers (cases closed
  in the period) and the next-best-action offers accepted in the period (the catalogue's
  ``cost_cents`` per acceptance);
- **campaigns and vouchers**: each campaign started in the period, fixed cost + cost per
  contact × contacted + cost per voucher × redeemed (``marketing/results.py``).

Money in integer cents; a period is ``[start, end)`` of UTC days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.analytics.attrition import AttritionInputs, replacement_cost
from valuecenter.campaigns.models import Campaign
from valuecenter.contacts.models import Contact
from valuecenter.db.base import utcnow
from valuecenter.finance.ledger import RecordsRef
from valuecenter.finance.models import CostEntry, CostKind
from valuecenter.i18n import _
from valuecenter.marketing.results import campaign_cost
from valuecenter.offers.models import Action, Decision, DecisionResponse, ResponseOutcome
from valuecenter.retention.models import SaveArm, SaveCase
from valuecenter.workforce.models import ScheduleEntry, ScheduleKind
from valuecenter.workforce.settings import current as staffing_settings

NO_TEAM = ""  # the key of costs that belong to no team (or to an agent without one)


@dataclass(frozen=True)
class CostLine:
    """One cost line of the P&L for [start, end). Money in integer cents."""

    key: str
    label: str
    cents: int
    method: str
    by_team: Mapping[str, int] = field(default_factory=dict)  # team code → cents
    by_channel: Mapping[str, int] = field(default_factory=dict)  # channel → cents
    provenance: Mapping[str, object] = field(default_factory=dict)
    records: RecordsRef | None = None


def bound(day: date) -> datetime:
    """Midnight UTC of ``day``: the period's bounds as timestamps."""
    return datetime.combine(day, time.min, UTC)


def _add(target: dict[str, int], key: str | None, cents: int) -> None:
    if cents:
        target[key or NO_TEAM] = target.get(key or NO_TEAM, 0) + cents


def _split(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """``total`` cents split in proportion to ``weights`` by the largest remainder (Hamilton's
    method), so the parts add up to the total exactly and each is within a cent of its share."""
    positive = {k: w for k, w in weights.items() if w > 0}
    whole = sum(positive.values())
    if not positive or whole <= 0:
        return {}
    shares = {k: total * w / whole for k, w in positive.items()}
    parts = {k: int(v) for k, v in shares.items()}
    rest = total - sum(parts.values())
    for key in sorted(shares, key=lambda k: (parts[k] - shares[k], k))[:rest]:
        parts[key] += 1
    return {k: v for k, v in parts.items() if v}


def _schedule_hours(
    session: Session, start: date, end: date, kind: ScheduleKind
) -> dict[str, float]:
    """Hours of the schedule's ``kind`` entries inside the period, per team code."""
    lo, hi = bound(start), bound(end)
    hours: dict[str, float] = defaultdict(float)
    for starts, ends, team in session.execute(
        select(ScheduleEntry.starts_at, ScheduleEntry.ends_at, Team.code)
        .join(Agent, Agent.id == ScheduleEntry.agent_id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .where(
            ScheduleEntry.kind == kind,
            ScheduleEntry.starts_at < hi,
            ScheduleEntry.ends_at > lo,
        )
    ):
        inside = min(ends, hi) - max(starts, lo)
        hours[team or NO_TEAM] += inside.total_seconds() / 3600
    return dict(hours)


def _schedule_spans(session: Session, start: date, end: date) -> bool:
    """Whether the schedule's work entries span the period (the first starts within a day of
    its start, the last ends within a day of its end): a roster of one week in a month says
    nothing about the other three."""
    lo, hi = bound(start), bound(end)
    first, last = session.execute(
        select(func.min(ScheduleEntry.starts_at), func.max(ScheduleEntry.ends_at)).where(
            ScheduleEntry.kind == ScheduleKind.WORK,
            ScheduleEntry.starts_at < hi,
            ScheduleEntry.ends_at > lo,
        )
    ).one()
    if first is None or last is None:
        return False
    first, last = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (first, last))
    return first <= lo + timedelta(days=1) and last >= hi - timedelta(days=1)


def _handled(session: Session, start: date, end: date) -> dict[tuple[str, str], float]:
    """Handled seconds (talk + hold + wrap) of the contacts answered by an agent in the
    period, per (team code, channel)."""
    handled = Contact.talk_seconds + Contact.hold_seconds + Contact.wrap_seconds
    rows = session.execute(
        select(Team.code, Contact.channel, func.sum(handled))
        .join(Agent, Agent.id == Contact.agent_id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .where(Contact.started_at >= bound(start), Contact.started_at < bound(end))
        .group_by(Team.code, Contact.channel)
    )
    return {(team or NO_TEAM, str(channel)): float(seconds or 0) for team, channel, seconds in rows}


def agent_hours(session: Session, start: date, end: date) -> CostLine:
    """Paid agent hours × the cost per hour (module docstring)."""
    settings = staffing_settings(session)
    rate = settings.cost_per_hour_cents
    handled = _handled(session, start, end)
    by_channel_seconds: dict[str, float] = defaultdict(float)
    for (_team, channel), seconds in handled.items():
        by_channel_seconds[channel] += seconds
    scheduled = _schedule_hours(session, start, end, ScheduleKind.WORK)
    if scheduled and _schedule_spans(session, start, end):
        team_hours = scheduled
        method = _(
            "The schedule's work entries in the period (%(hours)s paid hours) × the cost per "
            "hour of an agent (%(rate)s cents, the staffing settings).",
            hours=round(sum(scheduled.values())),
            rate=rate,
        )
        source = "schedule"
    else:
        occupancy = settings.max_occupancy or 1.0
        factor = 1 / occupancy / (1 - settings.shrinkage)
        team_hours = defaultdict(float)
        for (team, _channel), seconds in handled.items():
            team_hours[team] += seconds / 3600 * factor
        method = _(
            "No schedule spanning the period: paid hours estimated from the contacts' handled time "
            "(talk, hold and wrap: %(handled)s hours) ÷ the occupancy cap (%(occupancy)s) ÷ "
            "(1 − shrinkage %(shrinkage)s), × the cost per hour of an agent (%(rate)s cents, "
            "the staffing settings).",
            handled=round(sum(handled.values()) / 3600),
            occupancy=round(occupancy, 2),
            shrinkage=round(settings.shrinkage, 2),
            rate=rate,
        )
        source = "handled-time"
    by_team = {team: round(hours * rate) for team, hours in team_hours.items() if hours > 0}
    total = sum(by_team.values())
    return CostLine(
        key="agent-hours",
        label=_("Agent hours"),
        cents=total,
        method=method,
        by_team=by_team,
        by_channel=_split(total, by_channel_seconds),
        provenance={
            "source": source,
            "hours": round(sum(team_hours.values()), 1),
            "cost_per_hour_cents": rate,
            "handled_hours": round(sum(handled.values()) / 3600, 1),
        },
    )


def _entries(
    session: Session, start: date, end: date, kind: CostKind
) -> list[tuple[str, str, int]]:
    rows = session.execute(
        select(Team.code, CostEntry.channel, func.sum(CostEntry.amount_cents))
        .outerjoin(Team, Team.id == CostEntry.team_id)
        .where(CostEntry.kind == kind, CostEntry.month >= start, CostEntry.month < end)
        .group_by(Team.code, CostEntry.channel)
    )
    return [(team or NO_TEAM, channel or "", int(cents or 0)) for team, channel, cents in rows]


_ENTERED_LABELS = {
    CostKind.OVERHEAD: lambda: _("Overhead"),
    CostKind.IT_TELEPHONY: lambda: _("IT and telephony"),
    CostKind.OTHER: lambda: _("Other costs"),
}


def entered(session: Session, start: date, end: date, kind: CostKind) -> CostLine:
    """The entered costs of ``kind`` for the months that start in the period."""
    rows = _entries(session, start, end, kind)
    by_team: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for team, channel, cents in rows:
        _add(by_team, team, cents)
        if channel:
            _add(by_channel, channel, cents)
    return CostLine(
        key=str(kind.value),
        label=_ENTERED_LABELS[kind](),
        cents=sum(c for _t, _c, c in rows),
        method=_("Entered or imported per month (valuecenter finance costs load)."),
        by_team=by_team,
        by_channel=by_channel,
        provenance={"entries": "finance_cost_entries"},
    )


def training(session: Session, start: date, end: date) -> CostLine:
    """The schedule's training hours × the cost per hour, plus the entered training costs."""
    rate = staffing_settings(session).cost_per_hour_cents
    hours = _schedule_hours(session, start, end, ScheduleKind.TRAINING)
    by_team = {team: round(h * rate) for team, h in hours.items() if h > 0}
    by_channel: dict[str, int] = {}
    for team, channel, cents in _entries(session, start, end, CostKind.TRAINING):
        _add(by_team, team, cents)
        if channel:
            _add(by_channel, channel, cents)
    return CostLine(
        key="training",
        label=_("Training"),
        cents=sum(by_team.values()),
        method=_(
            "The schedule's training hours (%(hours)s) × the cost per hour of an agent, plus "
            "the training costs entered for the period.",
            hours=round(sum(hours.values())),
        ),
        by_team=by_team,
        by_channel=by_channel,
        provenance={"training_hours": round(sum(hours.values()), 1)},
    )


def attrition(session: Session, start: date, end: date) -> CostLine:
    """Agents who left in the period × the cost of one replacement (seed 004)."""
    settings = staffing_settings(session)
    per = replacement_cost(
        AttritionInputs(
            agents=1,
            attrition_rate=0.0,
            hours_per_week=settings.hours_per_fte_week,
            agent_cost_per_hour_cents=settings.cost_per_hour_cents,
        )
    ).total_cents
    by_team: dict[str, int] = {}
    leavers = 0
    for team, count in session.execute(
        select(Team.code, func.count(Agent.id))
        .outerjoin(Team, Team.id == Agent.team_id)
        .where(Agent.leave_date >= start, Agent.leave_date < end)
        .group_by(Team.code)
    ):
        leavers += int(count)
        _add(by_team, team, int(count) * per)
    return CostLine(
        key="attrition",
        label=_("Attrition"),
        cents=leavers * per,
        method=_(
            "Agents who left in the period (%(leavers)s) × the cost of replacing one "
            "(%(per)s cents: recruitment, paid initial training, the trainer's share and the "
            "ramp-up on the floor; docs/staffing.md).",
            leavers=leavers,
            per=per,
        ),
        by_team=by_team,
        provenance={"leavers": leavers, "per_replacement_cents": per},
    )


def giveaways(session: Session, start: date, end: date) -> CostLine:
    """Discounts and goods given away: the desk's accepted retention offers and the accepted
    next-best-action offers of the period."""
    lo, hi = bound(start), bound(end)
    by_team: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    desk = 0
    for team, channel, cents in session.execute(
        select(Team.code, Contact.channel, func.sum(SaveCase.offer_cost_cents))
        .outerjoin(Agent, Agent.id == SaveCase.agent_id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .outerjoin(Contact, Contact.id == SaveCase.contact_id)
        .where(SaveCase.arm == SaveArm.DESK, SaveCase.closed_at >= lo, SaveCase.closed_at < hi)
        .group_by(Team.code, Contact.channel)
    ):
        desk += int(cents or 0)
        _add(by_team, team, int(cents or 0))
        if channel:
            _add(by_channel, str(channel), int(cents or 0))
    offers = 0
    for shown_on, cents in session.execute(
        select(Decision.channel, func.sum(Action.cost_cents))
        .join(DecisionResponse, DecisionResponse.decision_id == Decision.id)
        .join(Action, Action.id == DecisionResponse.action_id)
        .where(
            DecisionResponse.outcome == ResponseOutcome.ACCEPTED,
            DecisionResponse.recorded_at >= lo,
            DecisionResponse.recorded_at < hi,
        )
        .group_by(Decision.channel)
    ):
        offers += int(cents or 0)
        _add(by_channel, str(shown_on), int(cents or 0))
    _add(by_team, NO_TEAM, offers)
    return CostLine(
        key="giveaways",
        label=_("Discounts and goods given away"),
        cents=desk + offers,
        method=_(
            "The save desk's accepted retention offers (cases closed in the period: discounts, "
            "handsets and gifts at their cost) and the next-best-action offers accepted in the "
            "period (the catalogue's cost per acceptance)."
        ),
        by_team=by_team,
        by_channel=by_channel,
        provenance={"save_desk_cents": desk, "nba_offers_cents": offers},
        records=RecordsRef(
            path="/retention/ledger",
            query={"by": "month", "since": start.isoformat(), "until": end.isoformat()},
        ),
    )


def campaigns(session: Session, start: date, end: date, as_of: datetime | None = None) -> CostLine:
    """The campaigns started in the period: fixed cost, contacts and redeemed vouchers."""
    now = as_of or utcnow()
    started = session.scalars(
        select(Campaign)
        .where(Campaign.started_at >= bound(start), Campaign.started_at < bound(end))
        .order_by(Campaign.started_at, Campaign.id)
    ).all()
    by_channel: dict[str, int] = {}
    total = 0
    for campaign in started:
        cost = campaign_cost(session, campaign, at=now)
        total += cost
        _add(by_channel, str(campaign.channel.value), cost)
    return CostLine(
        key="campaigns",
        label=_("Campaigns and vouchers"),
        cents=total,
        method=_(
            "The campaigns started in the period (%(n)s): fixed cost + cost per contact × "
            "contacted + cost per voucher × vouchers redeemed.",
            n=len(started),
        ),
        by_team={NO_TEAM: total} if total else {},
        by_channel=by_channel,
        provenance={"campaigns": [c.external_id for c in started], "read_at": now.isoformat()},
        records=RecordsRef(path="/campaigns", count=len(started)),
    )


def cost_lines(
    session: Session, start: date, end: date, as_of: datetime | None = None
) -> list[CostLine]:
    """Every cost line of the period, in the order the P&L shows them."""
    return [
        agent_hours(session, start, end),
        training(session, start, end),
        attrition(session, start, end),
        entered(session, start, end, CostKind.OVERHEAD),
        entered(session, start, end, CostKind.IT_TELEPHONY),
        giveaways(session, start, end),
        campaigns(session, start, end, as_of),
        entered(session, start, end, CostKind.OTHER),
    ]


def total(lines: Iterable[CostLine]) -> int:
    return sum(line.cents for line in lines)
