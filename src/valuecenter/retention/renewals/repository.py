"""Queries on renewal lists (never commit). Every candidate query goes through the viewer's
visibility condition on ``Customer``: an account manager reads only his own pool (C11)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.contracts.models import Contract
from valuecenter.customers import worklist
from valuecenter.customers.models import Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.customers.schemas import CustomerRef
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
    plan: str
    monthly_fee_cents: int
    offer_code: str | None
    offer_name: str | None
    customer: CustomerRef


CANDIDATE_ORDER = (
    RenewalCandidate.rank.is_(None),
    RenewalCandidate.rank,
    RenewalCandidate.net_cents.desc(),
    RenewalCandidate.id,
)
"""Listed candidates in call order, the others by net value."""


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
    rows, total = worklist.page_of(
        session,
        candidates_query(viewer, run, group=group),
        key=RenewalCandidate.id,
        order_by=CANDIDATE_ORDER,
        offset=offset,
        limit=limit,
    )
    return [_candidate_row(own, ref) for own, ref in rows], total


def every_candidate(
    session: Session, viewer: User, run: RenewalRun, *, group: RenewalGroup | None
) -> Iterator[CandidateRow]:
    """Every candidate of :func:`candidates`' list, in its order, read in batches."""
    stmt = candidates_query(viewer, run, group=group)
    for own, ref in worklist.every_row(session, stmt, order_by=CANDIDATE_ORDER):
        yield _candidate_row(own, ref)


def candidates_query(
    viewer: User, run: RenewalRun, *, group: RenewalGroup | None
) -> worklist.Query:
    """``run``'s candidates in ``group`` (None: all) that ``viewer`` may see, with their
    contract and offer, as a worklist query."""
    own = (
        select(
            RenewalCandidate,
            Contract.plan,
            Contract.monthly_fee_cents,
            RetentionOffer.code,
            RetentionOffer.name,
        )
        .join(Contract, Contract.id == RenewalCandidate.contract_id)
        .outerjoin(RetentionOffer, RetentionOffer.id == RenewalCandidate.offer_id)
    )
    stmt = worklist.listing(own, RenewalCandidate.customer_id, viewer)
    stmt = stmt.where(RenewalCandidate.run_id == run.id)
    return stmt if group is None else stmt.where(RenewalCandidate.group == group)


def _candidate_row(own: tuple[Any, ...], customer: CustomerRef) -> CandidateRow:
    candidate, plan, fee, offer_code, offer_name = own
    return CandidateRow(candidate, plan, fee, offer_code, offer_name, customer)


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
