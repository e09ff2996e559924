"""The contact policy: how often a customer may hear marketing, and when an offer pauses.

Pure functions over the customer's recent answers (``decision_responses``: every shown action
the agent or the channel answered — accepted, rejected or ignored — is a presentation). Three
kinds of limit, each refusal naming its rule:

- **repeat** (per action, ``repeat_after_days`` of the catalogue): an accepted action is not
  offered again that long after the acceptance (the agent desktop's "the action disappears");
- **frequency** (``ContactPolicyRule`` kind ``frequency``): at most ``max_count`` presentations
  of the rule's purpose on its channel and direction within ``window_days`` (e.g. one outbound
  marketing call per 30 days, the Dutch telemarketing code's spirit);
- **rejection pause** (kind ``rejection-pause``): once a customer has rejected the same action
  ``max_count`` times within ``window_days``, it is not offered for ``pause_days`` after the
  last of them; afterwards the count starts again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from valuecenter.consent.state import consent_channel
from valuecenter.i18n import gettext as _
from valuecenter.i18n import ngettext


@dataclass(frozen=True, slots=True)
class Answer:
    """One recorded answer to a shown action (``channel`` is the decision channel)."""

    action_id: int
    outcome: str  # accepted | rejected | ignored
    at: datetime
    channel: str
    direction: str
    purpose: str


@dataclass(frozen=True, slots=True)
class PolicyRule:
    code: str
    name: str
    kind: str  # frequency | rejection-pause
    purpose: str
    channel: str  # consent channel or any
    direction: str  # inbound | outbound | any
    action_id: int | None
    max_count: int
    window_days: int
    pause_days: int | None

    @property
    def horizon_days(self) -> int:
        """How far back this rule looks (history older than this never matters)."""
        return self.window_days + (self.pause_days or 0)

    def covers(self, *, purpose: str, channel: str, direction: str) -> bool:
        """Whether a presentation (or a would-be one) falls under this rule."""
        return (
            self.purpose == purpose
            and self.channel in ("any", consent_channel(channel))
            and self.direction in ("any", direction)
        )


def repeat_block(
    answers: Sequence[Answer], action_id: int, repeat_after_days: int, at: datetime
) -> str | None:
    """Why the action may not be offered again (accepted too recently), or ``None``."""
    last = max(
        (a.at for a in answers if a.action_id == action_id and a.outcome == "accepted"),
        default=None,
    )
    if last is None:
        return None
    until = last + timedelta(days=repeat_after_days)
    if at < until:
        return _(
            "accepted %(day)s: not offered again before %(until)s",
            day=f"{last:%Y-%m-%d}",
            until=f"{until:%Y-%m-%d}",
        )
    return None


def frequency_block(
    answers: Sequence[Answer],
    rule: PolicyRule,
    *,
    purpose: str,
    channel: str,
    direction: str,
    at: datetime,
) -> str | None:
    """Why a presentation for ``purpose`` on ``channel``/``direction`` would break ``rule``."""
    if not rule.covers(purpose=purpose, channel=channel, direction=direction):
        return None
    since = at - timedelta(days=rule.window_days)
    hits = sorted(
        a.at
        for a in answers
        if since < a.at <= at
        and rule.covers(purpose=a.purpose, channel=a.channel, direction=a.direction)
    )
    if len(hits) < rule.max_count:
        return None
    free = hits[-rule.max_count] + timedelta(days=rule.window_days)
    return ngettext(
        "%(num)s %(purpose)s presentation in the last %(days)s days (at most %(max)s); "
        "next on %(next)s",
        "%(num)s %(purpose)s presentations in the last %(days)s days (at most %(max)s); "
        "next on %(next)s",
        len(hits),
        purpose=purpose,
        days=rule.window_days,
        max=rule.max_count,
        next=f"{free:%Y-%m-%d}",
    )


def paused_until(
    rejections: Sequence[datetime], *, max_count: int, window_days: int, pause_days: int
) -> datetime | None:
    """The end of the pause the rejections put the action in, if any (it may be past).

    Rejections during a pause do not count; once a pause ends the count starts afresh.
    """
    window = timedelta(days=window_days)
    pause = timedelta(days=pause_days)
    until: datetime | None = None
    counted: list[datetime] = []
    for t in sorted(rejections):
        if until is not None:
            if t < until:
                continue
            until, counted = None, []
        counted = [c for c in counted if t - c <= window]
        counted.append(t)
        if len(counted) >= max_count:
            until, counted = t + pause, []
    return until


def rejection_block(
    answers: Sequence[Answer], rule: PolicyRule, action_id: int, at: datetime
) -> str | None:
    """Why ``rule`` pauses the action now, or ``None``."""
    if rule.action_id is not None and rule.action_id != action_id:
        return None
    rejections = [
        a.at for a in answers if a.action_id == action_id and a.outcome == "rejected" and a.at <= at
    ]
    if len(rejections) < rule.max_count:
        return None
    until = paused_until(
        rejections,
        max_count=rule.max_count,
        window_days=rule.window_days,
        pause_days=rule.pause_days or 0,
    )
    if until is None or at >= until:
        return None
    return _(
        "rejected %(n)s× within %(days)s days (last %(last)s): paused until %(until)s",
        n=rule.max_count,
        days=rule.window_days,
        last=f"{max(rejections):%Y-%m-%d}",
        until=f"{until:%Y-%m-%d}",
    )
