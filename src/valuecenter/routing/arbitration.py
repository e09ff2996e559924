"""Routing's arbitration: which compiled rules match a call, and where it goes.

Pure: the caller's facts and the call's context in, the route and its reasons out (the kernel's
facts → rules → arbitration; the log is ``routing/decide.py``'s). In rule order:

- the **first matching routing action** decides: a queue, a queue for the call's language (the
  contact's, else the customer's; a language the rule does not list does not match), or the
  IVR's self-service;
- **own account manager** routes to his agent only while that agent is ``available``; busy,
  away, unknown or without a line at the ACD, the rule says why and the next rules decide. When
  he takes the call, the next matching queue action still names the queue the call waits in
  should he not answer (else the default queue);
- **priority boosts** of every matching rule add up, on top of the base priority;
- no queue chosen: the default queue, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from valuecenter.decisions.facts import Context, Facts
from valuecenter.decisions.rules import Node, Subject
from valuecenter.i18n import _


@dataclass(frozen=True, slots=True)
class CompiledRule:
    position: int
    name: str
    node: Node | None
    kind: str  # queue | own_am | self_service | priority | queue_by_language
    queue: str | None = None
    boost: int = 0
    by_language: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls: his facts (``customer_id`` 0 when unknown) and his account manager's line."""

    facts: Facts
    known: bool
    unknown_reason: str | None = None
    am_code: str | None = None
    am_agent_id: int | None = None
    am_agent: str | None = None  # the agent's external id
    am_presence: str | None = None


@dataclass(frozen=True, slots=True)
class Routed:
    queue: str
    agent_id: int | None
    agent: str | None
    priority: int
    self_service: bool
    language: str | None
    reasons: list[str]


def _no_consent(_purpose: str, _channel: str) -> bool:  # routing rules cannot ask (ruleset.py)
    return False


def _when(rule: CompiledRule) -> str:
    return _("every call") if rule.node is None else rule.node.describe()


def _said(rule: CompiledRule, then: str) -> str:
    return _("%(rule)s (%(when)s): %(then)s", rule=rule.name, when=_when(rule), then=then)


def _presence(state: str | None) -> str:
    return {
        "busy": _("busy"),
        "away": _("away"),
        "available": _("available"),
    }.get(state or "", _("not reported by the ACD"))


def route(
    rules: Sequence[CompiledRule],
    caller: Caller,
    context: Context,
    *,
    default_queue: str,
    self_service_queue: str | None,
    base_priority: int,
) -> Routed:
    """Where the call goes, and why (every matching rule in its words)."""
    subject = Subject(caller.facts, context, detractor=False, consent=_no_consent)
    language = context.language or caller.facts.language
    reasons: list[str] = []
    if caller.unknown_reason:
        reasons.append(caller.unknown_reason)
    queue: str | None = None
    agent_id: int | None = None
    agent: str | None = None
    self_service = False
    boost = 0
    for rule in rules:
        if rule.node is not None and rule.node.check(subject) is not None:
            continue
        if rule.kind == "priority":
            boost += rule.boost
            reasons.append(_said(rule, _("priority %(boost)+d", boost=rule.boost)))
            continue
        if queue is not None or self_service:
            continue
        if rule.kind == "own_am":
            if agent_id is not None or not caller.known or caller.facts.account_manager_id is None:
                continue
            am = caller.am_code or "?"
            if caller.am_agent_id is None:
                reasons.append(
                    _said(
                        rule,
                        _(
                            "his account manager %(am)s has no line at the ACD; next rule",
                            am=am,
                        ),
                    )
                )
                continue
            if caller.am_presence != "available":
                reasons.append(
                    _said(
                        rule,
                        _(
                            "his account manager %(am)s is %(state)s; next rule",
                            am=am,
                            state=_presence(caller.am_presence),
                        ),
                    )
                )
                continue
            agent_id, agent = caller.am_agent_id, caller.am_agent
            reasons.append(
                _said(
                    rule,
                    _(
                        "his account manager %(am)s (agent %(agent)s) is available",
                        am=am,
                        agent=agent or agent_id,
                    ),
                )
            )
            continue
        if rule.kind == "self_service":
            if agent_id is not None or self_service_queue is None:
                continue
            self_service, queue = True, self_service_queue
            reasons.append(_said(rule, _("self-service in the IVR (queue %(queue)s)", queue=queue)))
            continue
        if rule.kind == "queue_by_language":
            chosen = rule.by_language.get((language or "").lower())
            if chosen is None:
                continue
            queue = chosen
            reasons.append(
                _said(
                    rule,
                    _("queue %(queue)s for language %(language)s", queue=queue, language=language),
                )
            )
            continue
        queue = rule.queue
        reasons.append(_said(rule, _("queue %(queue)s", queue=queue)))
    if queue is None:
        queue = default_queue
        reasons.append(_("no rule chose a queue: the default queue %(queue)s", queue=queue))
    return Routed(
        queue=queue,
        agent_id=agent_id,
        agent=agent,
        priority=base_priority + boost,
        self_service=self_service,
        language=language,
        reasons=reasons,
    )
