"""Queries on renewal lists (never commit). Every candidate query goes through the viewer's
visibility condition on ``Customer``: an account manager reads only his own pool (C11)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.retention.models import (
    RenewalCandidate,
    RenewalGroup,
    RenewalRun,
    RetentionOffer,
)
from valuecenter.users.models import User


@dataclass(frozen=True)
class CandidateRow:
    """A candidate with what the list shows of his customer, contract and offer."""

    candidate: RenewalCandidate
    customer_external_id: str
    customer_name: str | None
    country: str | None
    account_manager: str | None
    plan: str
    monthly_fee_cents: int
    offer_code: str | None
    offer_name: str | None


def latest_renewal_run(session: Session) -> RenewalRun | None:
    return session.scalars(select(RenewalRun).order_by(RenewalRun.id.desc()).limit(1)).first()


def renewal_run(session: Session, run_id: str) -> RenewalRun | None:
    return session.scalars(select(RenewalRun).where(RenewalRun.run_id == run_id)).first()


def candidates(
    session: Session,
    viewer: User,
    run: RenewalRun,
    *,
    group: RenewalGroup | None = RenewalGroup.LISTED,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CandidateRow], int]:
    """One page of ``run``'s candidates that ``viewer`` may see — listed ones in call order,
    the others by net value — and their total."""
    conditions = [RenewalCandidate.run_id == run.id, visible_customers(viewer)]
    if group is not None:
        conditions.append(RenewalCandidate.group == group)
    base = (
        select(RenewalCandidate.id)
        .join(Customer, Customer.id == RenewalCandidate.customer_id)
        .where(*conditions)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        select(
            RenewalCandidate,
            Customer.external_id,
            Customer.name,
            Customer.country,
            AccountManager.code,
            Contract.plan,
            Contract.monthly_fee_cents,
            RetentionOffer.code,
            RetentionOffer.name,
        )
        .join(Customer, Customer.id == RenewalCandidate.customer_id)
        .join(Contract, Contract.id == RenewalCandidate.contract_id)
        .outerjoin(RetentionOffer, RetentionOffer.id == RenewalCandidate.offer_id)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
        .where(*conditions)
        .order_by(
            RenewalCandidate.rank.is_(None),
            RenewalCandidate.rank,
            RenewalCandidate.net_cents.desc(),
            RenewalCandidate.id,
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return [CandidateRow(*row) for row in rows], int(total)


def group_counts(session: Session, viewer: User, run: RenewalRun) -> dict[str, int]:
    """Candidates per group that ``viewer`` may see."""
    rows = session.execute(
        select(RenewalCandidate.group, func.count())
        .join(Customer, Customer.id == RenewalCandidate.customer_id)
        .where(RenewalCandidate.run_id == run.id, visible_customers(viewer))
        .group_by(RenewalCandidate.group)
    ).all()
    counts = {g.value: 0 for g in RenewalGroup}
    counts.update({str(RenewalGroup(g).value): int(n) for g, n in rows})
    return counts
