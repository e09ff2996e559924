"""Routing's queries (never commits)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.customers.models import Customer
from valuecenter.routing.models import AgentPresence, RoutingDecision, RoutingRule, RoutingSettings


def settings(session: Session) -> RoutingSettings | None:
    return session.get(RoutingSettings, 1)


def version(session: Session) -> int:
    return int(session.scalar(select(RoutingSettings.version).where(RoutingSettings.id == 1)) or 0)


def rules(session: Session) -> Sequence[RoutingRule]:
    return session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()


def delete_rules(session: Session) -> None:
    session.execute(delete(RoutingRule))


def agent_by_external_id(session: Session, external_id: str) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.external_id == external_id))


def presence(session: Session, agent_id: int) -> AgentPresence | None:
    return session.get(AgentPresence, agent_id)


def presence_rows(session: Session) -> Iterator[tuple[str, str | None, str | None, str, datetime]]:
    """(agent's external id, name, team, state, since) of every agent the ACD reported,
    available first, then by agent."""
    order = {"available": 0, "busy": 1, "away": 2}
    rows = session.execute(
        select(
            Agent.external_id, Agent.name, Team.code, AgentPresence.state, AgentPresence.updated_at
        )
        .select_from(AgentPresence)
        .join(Agent, Agent.id == AgentPresence.agent_id)
        .outerjoin(Team, Team.id == Agent.team_id)
    ).all()
    for ext, name, team, state, since in sorted(rows, key=lambda r: (order.get(r[3], 3), r[0])):
        yield str(ext), name, team, str(state), since


def recent_decisions(session: Session, limit: int | None) -> Iterator[dict[str, Any]]:
    """The newest routing decisions first, with the customer's number people see."""
    stmt = (
        select(RoutingDecision, Customer.external_id, Agent.external_id)
        .outerjoin(Customer, Customer.id == RoutingDecision.customer_id)
        .outerjoin(Agent, Agent.id == RoutingDecision.agent_id)
        .order_by(RoutingDecision.decided_at.desc(), RoutingDecision.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    for d, customer, agent in session.execute(stmt):
        yield {
            "id": d.id,
            "decided_at": d.decided_at,
            "customer": customer,
            "caller": "number" if d.phone_hash and customer is None else None,
            "intent": d.intent,
            "language": d.language,
            "waited": d.waited,
            "queue": d.queue,
            "agent": agent,
            "priority": d.priority,
            "self_service": d.self_service,
            "reasons": list(d.reasons or []),
            "rules_version": d.rules_version,
            "latency_us": d.latency_us,
        }
