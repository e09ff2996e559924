"""Queries on customers: search, visibility and the account managers. Never commits.

Authorization lives here, in the queries: every customer query goes through
:func:`visible_customers`, so an account manager can only ever read the customers of his own
pool (C11). Agents, managers and admins see every customer; an unknown role sees none.
The parts of a customer 360 are queried in ``valuecenter.customer360.repository``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.schemas import CustomerFilters
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


def customers_select(viewer: User, filters: CustomerFilters, *columns: Any) -> Select[Any]:
    """``columns`` of the customers ``viewer`` may see that match ``filters`` (joined with
    their account manager), for read models that add columns of their own."""
    return (
        select(*columns)
        .select_from(Customer)
        .outerjoin(AccountManager, AccountManager.id == Customer.account_manager_id)
        .where(visible_customers(viewer), *_search_filters(filters))
    )


CUSTOMER_ORDER = (Customer.name.is_(None), Customer.name, Customer.id)
"""The customer list's order: by name (unnamed last), then id."""


def search_customers(
    session: Session, viewer: User, filters: CustomerFilters, *, offset: int, limit: int
) -> tuple[list[tuple[Customer, str | None]], int]:
    """One page of the customers ``viewer`` may see, ordered by name then id, and the total."""
    total = session.scalar(customers_select(viewer, filters, func.count(Customer.id))) or 0
    stmt = (
        customers_select(viewer, filters, Customer, AccountManager.code)
        .order_by(*CUSTOMER_ORDER)
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
