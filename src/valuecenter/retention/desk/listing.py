"""The save desk's list of cases as the agent, the account manager and the manager see it:
authorization in the queries, as in the alerts inbox (an account manager sees only his pool).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from valuecenter.agents.models import Agent
from valuecenter.customers import worklist
from valuecenter.customers.models import Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.customers.schemas import CustomerRef
from valuecenter.errors import NotFound
from valuecenter.i18n import _
from valuecenter.retention.models import (
    RetentionOffer,
    SaveCase,
    SaveStatus,
)
from valuecenter.users.models import User
from valuecenter.value.models import ScoreRun

Order = Literal["newest", "value"]


@dataclass(frozen=True)
class CaseRow:
    """A save case with what the desk shows of its customer, offers, agent and score run."""

    case: SaveCase
    score_run: str | None
    suggested_offer: str | None
    offer: str | None
    agent: str | None
    customer: CustomerRef


@dataclass(frozen=True)
class Closed:
    """The cases closed in ``[since, until)`` (either end open when ``None``)."""

    since: datetime | None = None
    until: datetime | None = None


def cases_query(
    viewer: User | None, *, status: SaveStatus | None = None, closed: Closed | None = None
) -> worklist.Query:
    """The cases ``viewer`` may see (with ``status``, closed in ``closed``) and what the desk
    shows of them, as a worklist query (None: every case, the caller has checked visibility)."""
    suggested = aliased(RetentionOffer)
    given = aliased(RetentionOffer)
    own = (
        select(SaveCase, ScoreRun.run_id, suggested.code, given.code, Agent.external_id)
        .outerjoin(ScoreRun, ScoreRun.id == SaveCase.score_run_id)
        .outerjoin(suggested, suggested.id == SaveCase.suggested_offer_id)
        .outerjoin(given, given.id == SaveCase.offer_id)
        .outerjoin(Agent, Agent.id == SaveCase.agent_id)
    )
    stmt = worklist.listing(own, SaveCase.customer_id, viewer)
    if status is not None:
        stmt = stmt.where(SaveCase.status == status)
    if closed is not None and closed.since is not None:
        stmt = stmt.where(SaveCase.closed_at >= closed.since)
    if closed is not None and closed.until is not None:
        stmt = stmt.where(SaveCase.closed_at < closed.until)
    return stmt


def case_order(order: Order) -> tuple[worklist.Column, ...]:
    """The desk's orders: newest first, or highest value (CLV at opening) first."""
    if order == "newest":
        return (SaveCase.opened_at.desc(), SaveCase.id.desc())
    return (SaveCase.value_cents.desc(), SaveCase.id.desc())


def _case_row(own: tuple[Any, ...], customer: CustomerRef) -> CaseRow:
    case, score_run, suggested, offer, agent = own
    return CaseRow(case, score_run, suggested, offer, agent, customer)


def case_rows(
    session: Session,
    viewer: User,
    *,
    status: SaveStatus | None = SaveStatus.OPEN,
    order: Order = "newest",
    offset: int = 0,
    limit: int = 50,
    closed: Closed | None = None,
) -> tuple[list[CaseRow], int]:
    """One page of the cases ``viewer`` may see (newest first, or highest value first) and
    the total. Agents, managers and admins see the whole desk; an account manager his pool."""
    rows, total = worklist.page_of(
        session,
        cases_query(viewer, status=status, closed=closed),
        key=SaveCase.id,
        order_by=case_order(order),
        offset=offset,
        limit=limit,
    )
    return [_case_row(own, ref) for own, ref in rows], total


def every_case(
    session: Session,
    viewer: User,
    *,
    status: SaveStatus | None = SaveStatus.OPEN,
    order: Order = "newest",
    closed: Closed | None = None,
) -> Iterator[CaseRow]:
    """Every case of :func:`case_rows`'s list, in its order, read in batches (the export)."""
    stmt = cases_query(viewer, status=status, closed=closed)
    for own, ref in worklist.every_row(session, stmt, order_by=case_order(order)):
        yield _case_row(own, ref)


def open_summary(session: Session, viewer: User) -> tuple[int, int]:
    """How many open cases ``viewer`` may see and their summed value (CLV at opening, cents):
    the desk page's head line."""
    count, value = session.execute(
        select(func.count(SaveCase.id), func.coalesce(func.sum(SaveCase.value_cents), 0))
        .join(Customer, Customer.id == SaveCase.customer_id)
        .where(SaveCase.status == SaveStatus.OPEN, visible_customers(viewer))
    ).one()
    return int(count), int(value)


def case_row(session: Session, saved: SaveCase) -> CaseRow:
    """One case as the desk shows it (the caller got it through the viewer's visibility)."""
    row = session.execute(cases_query(None).where(SaveCase.id == saved.id)).one()
    return _case_row(*worklist.split(row))


def visible_case(session: Session, viewer: User, case_id: int) -> SaveCase | None:
    """The case if ``viewer`` may see its customer (else None: he may not know it exists)."""
    return session.scalars(
        select(SaveCase)
        .join(Customer, Customer.id == SaveCase.customer_id)
        .where(SaveCase.id == case_id, visible_customers(viewer))
    ).first()


def visible_customer(session: Session, viewer: User, external_id: str) -> Customer:
    """The customer with this external id if ``viewer`` may see him, else :class:`NotFound`."""
    customer = session.scalars(
        select(Customer).where(Customer.external_id == external_id, visible_customers(viewer))
    ).first()
    if customer is None:
        raise NotFound(_("customer %(customer)s does not exist", customer=external_id))
    return customer


def case_page(
    session: Session,
    viewer: User,
    *,
    status: SaveStatus | None,
    order: Order,
    page: int,
    page_size: int,
    page_size_max: int,
    closed: Closed | None = None,
) -> tuple[list[CaseRow], int]:
    """Page ``page`` of :func:`case_rows`, with the paging checked (one-line errors)."""
    paged = worklist.paging(page, page_size, page_size_max)
    return case_rows(
        session,
        viewer,
        status=status,
        order=order,
        offset=paged.offset,
        limit=paged.size,
        closed=closed,
    )
