"""The save desk's list of cases as the agent, the account manager and the manager see it:
authorization in the queries, as in the alerts inbox (an account manager sees only his pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from valuecenter.agents.models import Agent
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.errors import InvalidInput, NotFound
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
    customer_external_id: str
    customer_name: str | None
    country: str | None
    account_manager: str | None
    score_run: str | None
    suggested_offer: str | None
    offer: str | None
    agent: str | None


def _rows_select() -> Select[Any]:
    suggested = aliased(RetentionOffer)
    given = aliased(RetentionOffer)
    columns: tuple[Any, ...] = (
        SaveCase,
        Customer.external_id,
        Customer.name,
        Customer.country,
        AccountManager.code,
        ScoreRun.run_id,
        suggested.code,
        given.code,
        Agent.external_id,
    )
    return (
        select(*columns)
        .join(Customer, Customer.id == SaveCase.customer_id)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
        .outerjoin(ScoreRun, ScoreRun.id == SaveCase.score_run_id)
        .outerjoin(suggested, suggested.id == SaveCase.suggested_offer_id)
        .outerjoin(given, given.id == SaveCase.offer_id)
        .outerjoin(Agent, Agent.id == SaveCase.agent_id)
    )


def case_rows(
    session: Session,
    viewer: User,
    *,
    status: SaveStatus | None = SaveStatus.OPEN,
    order: Order = "newest",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CaseRow], int]:
    """One page of the cases ``viewer`` may see (newest first, or highest value first) and
    the total. Agents, managers and admins see the whole desk; an account manager his pool."""
    conditions = [visible_customers(viewer)]
    if status is not None:
        conditions.append(SaveCase.status == status)
    base = select(SaveCase.id).join(Customer, Customer.id == SaveCase.customer_id)
    total = session.scalar(select(func.count()).select_from(base.where(*conditions).subquery()))
    sort = (
        (SaveCase.opened_at.desc(), SaveCase.id.desc())
        if order == "newest"
        else (SaveCase.value_cents.desc(), SaveCase.id.desc())
    )
    rows = session.execute(
        _rows_select().where(*conditions).order_by(*sort).offset(offset).limit(limit)
    ).all()
    return [CaseRow(*row) for row in rows], int(total or 0)


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
    row = session.execute(_rows_select().where(SaveCase.id == saved.id)).one()
    return CaseRow(*row)


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
        raise NotFound(f"customer {external_id} does not exist")
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
) -> tuple[list[CaseRow], int]:
    """Page ``page`` of :func:`case_rows`, with the paging checked (one-line errors)."""
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= page_size <= page_size_max:
        raise InvalidInput("page_size", f"must be between 1 and {page_size_max}")
    return case_rows(
        session, viewer, status=status, order=order, offset=(page - 1) * page_size, limit=page_size
    )
