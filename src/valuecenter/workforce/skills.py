"""The agents' skills as rows (skill, level, language) from the skills text the agents file
carries ("phone;chat;email").

The import of agents keeps its one text column (docs/data-format.md); after every import of
agents (``valuecenter import agents`` and the demo load) :func:`sync_from_agents` makes the
rows agree with it in the same transaction: a skill no longer in the text goes, a new one
comes at level 3 (competent) in the agent's language, and a level someone set is kept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.workforce.models import AgentSkill

DEFAULT_LEVEL = 3


@dataclass(frozen=True)
class SkillSync:
    added: int
    removed: int


def parse_skills(text: str | None) -> list[str]:
    """The distinct skills of a skills text, in order, lower case."""
    if not text:
        return []
    return list(
        dict.fromkeys(p.strip().lower() for p in text.replace(",", ";").split(";") if p.strip())
    )


def sync_from_agents(session: Session) -> SkillSync:
    """Make ``agent_skills`` agree with every agent's skills text (module text)."""
    agents = session.execute(select(Agent.id, Agent.skills, Agent.language)).all()
    have: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for agent_id, skill, spoken in session.execute(
        select(AgentSkill.agent_id, AgentSkill.skill, AgentSkill.language)
    ):
        have[agent_id].add((skill, spoken))
    added: list[dict[str, object]] = []
    removed = 0
    for agent_id, text, language in agents:
        want = {(skill, language or "") for skill in parse_skills(text)}
        current = have.get(agent_id, set())
        for skill, lang in current - want:
            session.execute(
                delete(AgentSkill).where(
                    AgentSkill.agent_id == agent_id,
                    AgentSkill.skill == skill,
                    AgentSkill.language == lang,
                )
            )
            removed += 1
        added.extend(
            {"agent_id": agent_id, "skill": skill, "level": DEFAULT_LEVEL, "language": lang}
            for skill, lang in sorted(want - current)
        )
    if added:
        session.execute(insert(AgentSkill), added)
    return SkillSync(added=len(added), removed=removed)


def coverage(session: Session) -> list[tuple[str, str, int]]:
    """Per skill and language: how many agents employed now have it."""
    rows = session.execute(
        select(AgentSkill.skill, AgentSkill.language, func.count(AgentSkill.agent_id))
        .join(Agent, Agent.id == AgentSkill.agent_id)
        .where(Agent.leave_date.is_(None))
        .group_by(AgentSkill.skill, AgentSkill.language)
        .order_by(AgentSkill.skill, AgentSkill.language)
    ).all()
    return [(skill, language, int(n)) for skill, language, n in rows]
