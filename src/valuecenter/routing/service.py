"""Routing's use cases: load, check and show the rule set; the ACD's presence reports; the
list of decisions. Keyword-only functions over a session; the front doors commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.routing import repository, ruleset
from valuecenter.routing.engine import compile_one
from valuecenter.routing.models import PRESENCE_STATES, AgentPresence, RoutingRule, RoutingSettings
from valuecenter.routing.schemas import PresenceOut


@dataclass(frozen=True)
class Loaded:
    version: int
    rules: int
    enabled: int

    def as_json(self) -> dict[str, int]:
        return {"version": self.version, "rules": self.rules, "enabled": self.enabled}


def check_document(session: Session, document: object) -> ruleset.CheckedSet:
    """The rule set checked against what exists now (nothing written)."""
    return ruleset.check(document, ruleset.words(session))


def load_rules(session: Session, *, document: object) -> Loaded:
    """Replace the rule set with ``document`` (checked whole first: all or nothing) and raise
    the rules' version, so every worker compiles the new set within seconds."""
    checked = check_document(session, document)
    settings = repository.settings(session)
    if settings is None:
        settings = RoutingSettings(id=1, version=0)
        session.add(settings)
    settings.default_queue = checked.default_queue
    settings.self_service_queue = checked.self_service_queue
    settings.base_priority = checked.base_priority
    settings.version = int(settings.version or 0) + 1
    settings.updated_at = utcnow()
    repository.delete_rules(session)
    session.flush()
    session.add_all(
        RoutingRule(
            position=rule.position,
            name=rule.name,
            enabled=rule.enabled,
            when=rule.when,
            then=rule.then,
        )
        for rule in checked.rules
    )
    session.flush()
    return Loaded(
        version=settings.version,
        rules=len(checked.rules),
        enabled=sum(1 for r in checked.rules if r.enabled),
    )


def current(session: Session) -> ruleset.CheckedSet | None:
    """The stored rule set (None before the first load)."""
    settings = repository.settings(session)
    if settings is None:
        return None
    return ruleset.CheckedSet(
        default_queue=settings.default_queue or "",
        self_service_queue=settings.self_service_queue,
        base_priority=int(settings.base_priority),
        rules=tuple(
            ruleset.CheckedRule(r.position, r.name, r.enabled, r.when, dict(r.then))
            for r in repository.rules(session)
        ),
    )


def export_text(session: Session) -> str:
    """The stored rule set as YAML (empty settings before the first load)."""
    checked = current(session)
    if checked is None:
        return ruleset.dump({"settings": {"default_queue": None}, "rules": []})
    return ruleset.dump(ruleset.as_document(checked))


@dataclass(frozen=True)
class RuleView:
    position: int
    name: str
    enabled: bool
    when: str
    then: str


def then_words(then: dict[str, Any]) -> str:
    """An action in words."""
    if "queue" in then:
        return _("queue %(queue)s", queue=then["queue"])
    if then.get("route") == "own_am":
        return _("his own account manager, when available")
    if then.get("self_service"):
        return _("self-service in the IVR")
    if "priority" in then:
        return _("priority %(boost)+d", boost=int(then["priority"]))
    by = then.get("queue_by_language") or {}
    return _(
        "queue by language: %(queues)s",
        queues=", ".join(f"{lang} → {queue}" for lang, queue in sorted(by.items())),
    )


def rule_views(session: Session) -> list[RuleView]:
    """The stored rules in words (the page, ``routing rules show``)."""
    out: list[RuleView] = []
    for row in repository.rules(session):
        compiled = compile_one(row)
        when = (
            _("every call")
            if compiled is None or compiled.node is None
            else compiled.node.describe()
        )
        if row.when is not None and compiled is None:
            when = _("(does not compile: skipped)")
        out.append(RuleView(row.position, row.name, row.enabled, when, then_words(dict(row.then))))
    return out


def set_presence(
    session: Session, *, agent: str, state: str, at: datetime | None = None
) -> PresenceOut:
    """The ACD's report: ``agent`` (his external id) is available, busy or away from now."""
    if state not in PRESENCE_STATES:
        raise InvalidInput(
            "state",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=state,
                choices=", ".join(PRESENCE_STATES),
            ),
        )
    found = repository.agent_by_external_id(session, agent)
    if found is None:
        raise NotFound(_("no agent %(agent)s", agent=agent))
    when = at or utcnow()
    row = repository.presence(session, found.id)
    if row is None:
        row = AgentPresence(agent_id=found.id, state=state, updated_at=when)
        session.add(row)
    else:
        row.state, row.updated_at = state, when
    session.flush()
    return PresenceOut(agent=found.external_id, state=state, updated_at=when)
