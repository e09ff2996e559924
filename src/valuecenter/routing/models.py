"""Inbound routing's tables (issue 22).

- **Routing rules**: ordered; each has a name, an on/off switch, a condition ``when`` in the
  decision kernel's rule language (``decisions/rules.py``, stored in its canonical form; null:
  every call) and one action ``then`` (``routing/actions.py``): a queue, the caller's own
  account manager, the IVR's self-service, a priority boost, or a queue per language.
- **Routing settings** (one row, id 1): the default queue, the IVR's self-service queue, the
  base priority and the rules' version (raised on every change, so each worker's compiled rule
  set knows when it is stale).
- **Agent presence**: per agent available, busy or away, as the ACD last reported it.
- **Routing decisions**: the log — one row per call decided, written through the kernel's
  ``decisions.log.append``. The caller's number is never stored: a keyed hash of it
  (HMAC-SHA-256 with the installation's own secret) lets repeat calls of one number be counted
  without keeping the number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_choice

PRESENCE_STATES: tuple[str, ...] = ("available", "busy", "away")


class RoutingRule(Base):
    """One routing rule; ``position`` orders them (the first matching queue action decides)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    when: Mapped[dict[str, Any] | None] = mapped_column(JSON, info=NOT_PERSONAL)
    then: Mapped[dict[str, Any]] = mapped_column(JSON, info=NOT_PERSONAL)


class RoutingSettings(Base):
    """Routing's settings: one row (id 1)."""

    __tablename__ = "routing_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    default_queue: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    self_service_queue: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    base_priority: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentPresence(Base):
    """Whether an agent can take a call now, as the ACD last said."""

    __tablename__ = "agent_presence"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    state: Mapped[str] = mapped_column(str_choice(PRESENCE_STATES, "presence_state"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingDecision(Base):
    """One routed call: who (customer or a hash of the number), what the rules saw, where it
    went and why, the rules' version and how long the decision took."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    contact_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), info=PERSONAL)
    intent: Mapped[str | None] = mapped_column(String(64), info=NOT_PERSONAL)
    language: Mapped[str | None] = mapped_column(String(8), info=NOT_PERSONAL)
    waited: Mapped[int] = mapped_column(Integer, default=0)
    queue: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    priority: Mapped[int] = mapped_column(Integer)
    self_service: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, info=NOT_PERSONAL)
    rules_version: Mapped[int] = mapped_column(Integer)
    latency_us: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
