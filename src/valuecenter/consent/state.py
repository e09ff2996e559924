"""Whether a customer may be contacted for a purpose on a channel right now, and if not, why.

One engine for every front door that contacts customers: the next-best-action decisions
now, campaigns later (C9, C10; seed 004: "correct use of data, the right of withdrawal, opt-in
and opt-out, the telemarketing code").

The rules as the engine applies them (a company's counsel may want other defaults; the
defaults are named constants here):

1. **The latest event decides.** Of the customer's consent events for the purpose on this
   channel or on ``any`` channel, the latest one recorded at or before the moment decides:
   ``granted`` allows, a withdrawal refuses from its timestamp on (so a withdrawal takes
   effect on the very next decision).
2. **Without an event**, the purpose's default holds: service contact is allowed (it is the
   contract), profiling is allowed (legitimate interest; an objection is a withdrawal), and
   marketing to an existing customer is allowed until he opts out (the "soft opt-in" of the
   Dutch Telecommunicatiewet art. 11.7 and GDPR recital 47), except:
3. **The do-not-call register.** A number on a do-not-call register (the *Bel-me-niet
   Register*) gets no outbound marketing call, unless the customer opted in to marketing by
   phone himself after the number was registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from valuecenter import channels
from valuecenter.i18n import _

PURPOSES = ("service", "marketing", "profiling")
CONSENT_CHANNELS = channels.CONSENT_WORDS
DEFAULT_ALLOWED = {"service": True, "marketing": True, "profiling": True}

# Where a decision is shown → the consent channel that governs it (the others are governed
# only by an "any"-channel event): the vocabulary's mapping.
CHANNEL_OF = {c.value: to.value for c, to in channels.CONSENT_CHANNEL_OF.items()}


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    purpose: str
    channel: str
    granted: bool
    recorded_at: datetime
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    rule: str  # which rule decided: "consent", "default", "do-not-call"
    detail: str  # one line for the agent and the log


def consent_channel(decision_channel: str) -> str:
    """The consent channel a decision channel falls under (``any`` for chat, web …)."""
    return CHANNEL_OF.get(decision_channel, "any")


def latest(
    events: Iterable[ConsentEvent], purpose: str, channel: str, at: datetime
) -> ConsentEvent | None:
    """The event that decides (purpose, channel) at ``at``: the latest for the channel or
    for ``any`` recorded no later than ``at`` (a tie: the channel's own event wins)."""
    best: ConsentEvent | None = None
    for event in events:
        if event.purpose != purpose or event.recorded_at > at:
            continue
        if event.channel not in (channel, "any"):
            continue
        if (
            best is None
            or event.recorded_at > best.recorded_at
            or (event.recorded_at == best.recorded_at and event.channel == channel)
        ):
            best = event
    return best


def verdict(
    events: Iterable[ConsentEvent],
    *,
    purpose: str,
    channel: str,
    at: datetime,
    outbound: bool = False,
    do_not_call_since: date | None = None,
    on_register: bool = False,
) -> Verdict:
    """May this customer be contacted for ``purpose`` on consent ``channel`` at ``at``?

    ``on_register``: his number is on a do-not-call register (since ``do_not_call_since``,
    when the register says); it matters for outbound marketing calls only.
    """
    events = list(events)
    decided = latest(events, purpose, channel, at)
    if decided is not None and not decided.granted:
        where = _("any channel") if decided.channel == "any" else decided.channel
        source = f" ({decided.source})" if decided.source else ""
        return Verdict(
            False,
            "consent",
            _(
                "%(purpose)s by %(channel)s withdrawn %(at)s UTC",
                purpose=purpose,
                channel=where,
                at=f"{decided.recorded_at:%Y-%m-%d %H:%M}",
            )
            + source,
        )
    if purpose == "marketing" and outbound and channel == "phone" and on_register:
        opted_in = (
            decided is not None
            and decided.granted
            and decided.channel == "phone"
            and (do_not_call_since is None or decided.recorded_at.date() >= do_not_call_since)
        )
        if not opted_in:
            detail = (
                _(
                    "the number is on the do-not-call register since %(day)s: no outbound "
                    "marketing call",
                    day=f"{do_not_call_since:%Y-%m-%d}",
                )
                if do_not_call_since
                else _("the number is on the do-not-call register: no outbound marketing call")
            )
            return Verdict(False, "do-not-call", detail)
    if decided is not None:
        return Verdict(
            True,
            "consent",
            _("%(purpose)s by %(channel)s granted", purpose=purpose, channel=decided.channel),
        )
    allowed = DEFAULT_ALLOWED.get(purpose, False)
    detail = (
        _("%(purpose)s: no consent event, allowed by default", purpose=purpose)
        if allowed
        else _("%(purpose)s: no consent event, not allowed by default", purpose=purpose)
    )
    return Verdict(allowed, "default", detail)
