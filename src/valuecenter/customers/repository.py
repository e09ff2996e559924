"""Queries on customers and the parts of a customer 360. Never commits.

Authorization lives here, in the queries: every customer query goes through
:func:`visible_customers`, so an account manager can only ever read the customers of his own
pool (C11). Agents, managers and admins see every customer; an unknown role sees none.
The 360 parts load related rows with one query per kind (no N+1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from valuecenter.agents.models import Agent
from valuecenter.consent.models import Consent
from valuecenter.contacts.models import Case, Contact, ContactReason
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.schemas import CustomerFilters
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.surveys.models import Survey
from valuecenter.users.models import Role, User

FULL_VIEW_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})


def visible_customers(viewer: User) -> ColumnElement[bool]:
    """The filter on ``Customer`` rows ``viewer`` may see (apply it to every customer query)."""
    if viewer.role in FULL_VIEW_ROLES:
        return true()
    if viewer.role == Role.ACCOUNT_MANAGER:
        own_pool = select(AccountManager.id).where(AccountManager.user_id == viewer.id)
        return Customer.account_manager_id.in_(own_pool.scalar_subquery())
    return false()


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_filters(filters: CustomerFilters) -> list[ColumnElement[bool]]:
    """``q``: the external id exactly (unique index) or by prefix, or part of the name; the
    prefix and name parts ignore case (SQLite's LIKE does anyway; PostgreSQL's would not)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.q:
        term = filters.q
        conditions.append(
            or_(
                Customer.external_id == term,
                func.lower(Customer.external_id).like(
                    _escape_like(term.lower()) + "%", escape="\\"
                ),
                func.lower(Customer.name).like("%" + _escape_like(term.lower()) + "%", escape="\\"),
            )
        )
    if filters.country:
        conditions.append(Customer.country == filters.country)
    if filters.segment:
        conditions.append(Customer.segment == filters.segment)
    if filters.account_manager:
        conditions.append(AccountManager.code == filters.account_manager)
    return conditions


def _customers_select(viewer: User, filters: CustomerFilters, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Customer)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
        .where(visible_customers(viewer), *_search_filters(filters))
    )


def search_customers(
    session: Session, viewer: User, filters: CustomerFilters, *, offset: int, limit: int
) -> tuple[list[tuple[Customer, str | None]], int]:
    """One page of the customers ``viewer`` may see, ordered by name then id, and the total."""
    total = session.scalar(_customers_select(viewer, filters, func.count(Customer.id))) or 0
    stmt = (
        _customers_select(viewer, filters, Customer, AccountManager.code)
        .order_by(Customer.name.is_(None), Customer.name, Customer.id)
        .offset(offset)
        .limit(limit)
    )
    return [(c, code) for c, code in session.execute(stmt)], total


def get_customer(
    session: Session, viewer: User, customer_id: int
) -> tuple[Customer, AccountManager | None] | None:
    """The customer with this id if ``viewer`` may see it, with its account manager."""
    row = session.execute(
        select(Customer, AccountManager)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
        .where(Customer.id == customer_id, visible_customers(viewer))
    ).first()
    return (row[0], row[1]) if row else None


def visible_countries(session: Session, viewer: User) -> list[str]:
    stmt = (
        select(Customer.country)
        .where(visible_customers(viewer), Customer.country.is_not(None))
        .distinct()
        .order_by(Customer.country)
    )
    return [c for c in session.scalars(stmt) if c]


def visible_account_managers(session: Session, viewer: User) -> list[AccountManager]:
    """Account managers owning at least one customer ``viewer`` may see, by code."""
    has_visible = exists().where(
        Customer.account_manager_id == AccountManager.id, visible_customers(viewer)
    )
    return list(session.scalars(select(AccountManager).where(has_visible).order_by("code")))


def pool_of(session: Session, user: User) -> AccountManager | None:
    """The account-manager row whose pool ``user`` owns, if any."""
    return session.scalar(select(AccountManager).where(AccountManager.user_id == user.id))


# --- the parts of a customer 360 (the caller has checked visibility via get_customer) ---


def count_orders(session: Session, customer_id: int) -> int:
    stmt = select(func.count(Order.id)).where(Order.customer_id == customer_id)
    return session.scalar(stmt) or 0


def recent_orders(session: Session, customer_id: int, limit: int) -> list[Order]:
    stmt = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.ordered_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def lines_of_orders(session: Session, order_ids: Sequence[int]) -> list[tuple[OrderLine, Product]]:
    """Every line of these orders with its product, in one query."""
    if not order_ids:
        return []
    stmt = (
        select(OrderLine, Product)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id.in_(order_ids))
        .order_by(OrderLine.order_id, OrderLine.line_no)
    )
    return [(line, product) for line, product in session.execute(stmt)]


def revenue_since(session: Session, customer_id: int, since: datetime) -> list[tuple[str, int]]:
    """Net revenue in cents per currency of the orders placed at or after ``since``."""
    amount = func.sum(OrderLine.quantity * OrderLine.unit_price_cents)
    stmt = (
        select(Order.currency, amount)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.customer_id == customer_id, Order.ordered_at >= since)
        .group_by(Order.currency)
    )
    return [(currency, int(total or 0)) for currency, total in session.execute(stmt)]


def contracts_of(session: Session, customer_id: int) -> list[Contract]:
    stmt = (
        select(Contract)
        .where(Contract.customer_id == customer_id)
        .order_by(Contract.start_date.desc(), Contract.id.desc())
    )
    return list(session.scalars(stmt))


def contact_stats(session: Session, customer_id: int) -> list[tuple[str, int, datetime | None]]:
    """(channel, number of contacts, latest start) per channel."""
    stmt = (
        select(Contact.channel, func.count(Contact.id), func.max(Contact.started_at))
        .where(Contact.customer_id == customer_id)
        .group_by(Contact.channel)
        .order_by(Contact.channel)
    )
    return [(str(ch), int(n), last) for ch, n, last in session.execute(stmt)]


def recent_contacts(
    session: Session, customer_id: int, limit: int
) -> list[tuple[Contact, str | None, str | None, str | None, bool]]:
    """The newest contacts with agent name, agent id, case id and whether it was transferred."""
    follow_up = aliased(Contact)
    transferred = exists().where(follow_up.transferred_from_id == Contact.id).label("transferred")
    stmt = (
        select(Contact, Agent.name, Agent.external_id, Case.external_id, transferred)
        .outerjoin(Agent, Agent.id == Contact.agent_id)
        .outerjoin(Case, Case.id == Contact.case_id)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.started_at.desc(), Contact.id.desc())
        .limit(limit)
    )
    return [
        (c, name, agent_id, case_id, bool(t))
        for c, name, agent_id, case_id, t in session.execute(stmt)
    ]


def reasons_of_contacts(session: Session, contact_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(contact id, reason) of these contacts in the order given, in one query."""
    if not contact_ids:
        return []
    stmt = (
        select(ContactReason.contact_id, ContactReason.reason)
        .where(ContactReason.contact_id.in_(contact_ids))
        .order_by(ContactReason.contact_id, ContactReason.position)
    )
    return [(cid, reason) for cid, reason in session.execute(stmt)]


def count_surveys(session: Session, customer_id: int) -> int:
    stmt = select(func.count(Survey.id)).where(Survey.customer_id == customer_id)
    return session.scalar(stmt) or 0


def recent_surveys(
    session: Session, customer_id: int, limit: int
) -> list[tuple[Survey, str | None, str | None]]:
    """The newest surveys with the external id and channel of the linked contact."""
    stmt = (
        select(Survey, Contact.external_id, Contact.channel)
        .outerjoin(Contact, Contact.id == Survey.contact_id)
        .where(Survey.customer_id == customer_id)
        .order_by(Survey.answered_at.desc(), Survey.id.desc())
        .limit(limit)
    )
    return [(s, ext, str(ch) if ch else None) for s, ext, ch in session.execute(stmt)]


def current_consents(session: Session, customer_id: int) -> list[Consent]:
    """The latest event of each (purpose, channel): the consent state in force now."""
    latest = (
        select(Consent.purpose, Consent.channel, func.max(Consent.recorded_at).label("at"))
        .where(Consent.customer_id == customer_id)
        .group_by(Consent.purpose, Consent.channel)
        .subquery()
    )
    stmt = (
        select(Consent)
        .join(
            latest,
            and_(
                Consent.purpose == latest.c.purpose,
                Consent.channel == latest.c.channel,
                Consent.recorded_at == latest.c.at,
            ),
        )
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.purpose, Consent.channel)
    )
    return list(session.scalars(stmt))


def count_consent_events(session: Session, customer_id: int) -> int:
    stmt = select(func.count(Consent.id)).where(Consent.customer_id == customer_id)
    return session.scalar(stmt) or 0


def consent_history(session: Session, customer_id: int, limit: int) -> list[Consent]:
    stmt = (
        select(Consent)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
