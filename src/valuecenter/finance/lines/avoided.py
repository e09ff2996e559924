"""The avoided-costs line: self-service sessions × what an assisted contact costs (issue 23,
point 2: contacts prevented, self-service deflection × cost per contact).

Gross: the period's self-service sessions × the cost of an assisted contact (the agent-hours
cost line ÷ the contacts an agent answered in the period). It is **never proven**: there is
no control group — not every self-service session replaced a call, and some would not have
happened at all — so it shows its gross figure and stays out of the proven total. A random
hold-out from self-service (or from proactive messages) would prove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from valuecenter.channels import Channel
from valuecenter.contacts.models import Contact
from valuecenter.finance.costs import agent_hours, bound
from valuecenter.finance.ledger import RecordsRef, YieldLine
from valuecenter.i18n import _


def _count(session: Session, start: date, end: date, where: ColumnElement[bool]) -> int:
    query = select(func.count(Contact.id)).where(
        Contact.started_at >= bound(start), Contact.started_at < bound(end), where
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class AvoidedCostsLedger:
    key: str = "avoided-costs"

    def line(self, session: Session, start: date, end: date) -> YieldLine:
        sessions_ = _count(session, start, end, Contact.channel == Channel.SELF_SERVICE)
        assisted = _count(session, start, end, Contact.agent_id.is_not(None))
        cost = agent_hours(session, start, end).cents
        per_contact = round(cost / assisted) if assisted else 0
        return YieldLine(
            key=self.key,
            label=_("Avoided costs"),
            start=start,
            end=end,
            gross_cents=sessions_ * per_contact,
            incremental_cents=None,
            interval_cents=None,
            proven=False,
            method=_(
                "Self-service sessions in the period (%(sessions)s) × the cost of an assisted "
                "contact (%(per)s cents: agent-hours cost ÷ %(assisted)s contacts answered by "
                "an agent).",
                sessions=sessions_,
                per=per_contact,
                assisted=assisted,
            ),
            provenance={
                "self_service_sessions": sessions_,
                "assisted_contacts": assisted,
                "cost_per_contact_cents": per_contact,
            },
            records=RecordsRef(path="/service", count=sessions_, what=_("self-service sessions")),
            reason=_(
                "no control group: not every self-service session replaced a call, so the "
                "figure is what it would be if each had"
            ),
        )
