"""The compiled routing rules, kept per process until the rules' version changes.

Compiling means every stored condition parsed into the kernel's node tree
(``decisions/rules.compile_rule``) and every action into a small value, once; a call then reads
no rule table (as the next-best-action engine's catalogue, ``offers/engine.py``).
:class:`RulesCache` checks the version with one tiny query at most every ``ttl`` seconds, so a
manager's change reaches every worker within that time.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.db.secrets import InstallSecret
from valuecenter.decisions.rules import compile_rule
from valuecenter.errors import InvalidInput
from valuecenter.routing import repository
from valuecenter.routing.arbitration import CompiledRule
from valuecenter.routing.models import RoutingRule

log = logging.getLogger("valuecenter.routing")

PHONE_KEY = "routing_phone_key"
DEFAULT_TTL_SECONDS = 2.0
FALLBACK_QUEUE = "default"
"""The queue named when no rule set was ever loaded (``valuecenter routing rules load``)."""


@dataclass(frozen=True)
class Compiled:
    version: int
    default_queue: str
    self_service_queue: str | None
    base_priority: int
    rules: tuple[CompiledRule, ...]
    phone_key: bytes


def compile_one(row: RoutingRule) -> CompiledRule | None:
    """A stored rule compiled; ``None`` (logged) when a hand-edited row does not compile."""
    try:
        node = compile_rule(row.when)
    except InvalidInput as exc:
        log.error("routing rule %s: its condition does not compile (%s); skipped", row.name, exc)
        return None
    then = dict(row.then)
    if "queue" in then:
        return CompiledRule(row.position, row.name, node, "queue", queue=str(then["queue"]))
    if then.get("route") == "own_am":
        return CompiledRule(row.position, row.name, node, "own_am")
    if then.get("self_service") is True:
        return CompiledRule(row.position, row.name, node, "self_service")
    if "priority" in then:
        return CompiledRule(row.position, row.name, node, "priority", boost=int(then["priority"]))
    if isinstance(then.get("queue_by_language"), dict):
        by = {str(k): str(v) for k, v in then["queue_by_language"].items()}
        return CompiledRule(row.position, row.name, node, "queue_by_language", by_language=by)
    log.error("routing rule %s: its action %r is unknown; skipped", row.name, then)
    return None


def phone_key(session: Session) -> bytes:
    """The installation's key for the callers' number hashes, drawn on first use (in the
    session's transaction; workers racing keep the first, ``ON CONFLICT DO NOTHING``)."""
    stmt = select(InstallSecret.value).where(InstallSecret.name == PHONE_KEY)
    value = session.scalar(stmt)
    if value is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(InstallSecret)
            .values(name=PHONE_KEY, value=secrets.token_urlsafe(48), created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        value = session.scalar(stmt)
    assert value is not None
    return value.encode()


def load(session: Session) -> Compiled:
    """The enabled rules in order and the settings, compiled."""
    settings = repository.settings(session)
    rules = tuple(
        rule
        for row in repository.rules(session)
        if row.enabled and (rule := compile_one(row)) is not None
    )
    return Compiled(
        version=0 if settings is None else int(settings.version),
        default_queue=(settings.default_queue if settings else None) or FALLBACK_QUEUE,
        self_service_queue=settings.self_service_queue if settings else None,
        base_priority=int(settings.base_priority) if settings else 0,
        rules=rules,
        phone_key=phone_key(session),
    )


class RulesCache:
    """One compiled rule set per process, rebuilt when the rules' version changes."""

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._compiled: Compiled | None = None
        self._checked = 0.0

    def get(self, session: Session) -> Compiled:
        now = time.monotonic()
        compiled = self._compiled
        if compiled is not None and now - self._checked < self.ttl:
            return compiled
        version = repository.version(session)
        with self._lock:
            if self._compiled is None or self._compiled.version != version:
                self._compiled = load(session)
            self._checked = now
            return self._compiled

    def invalidate(self) -> None:
        with self._lock:
            self._compiled = None
