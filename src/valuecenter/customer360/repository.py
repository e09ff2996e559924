"""Queries for the parts of a customer 360. Never commits.

The caller has checked that the viewer may see the customer
(``customers.repository.get_customer`` applies the visibility filter, C11); every query here
then reads that one customer's related rows, one query per kind (no N+1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from valuecenter.consent.models import Consent
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contacts.models import Contact
from valuecenter.contracts.models import Contract
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.surveys.models import Survey


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
    amount = func.sum(OrderLine.total_cents)
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
    return contacts_repository.channel_stats(session, customer_id)


def recent_contacts(
    session: Session, customer_id: int, limit: int
) -> list[tuple[Contact, str | None, str | None, str | None, bool]]:
    """The newest contacts with agent name, agent id, case id and whether it was transferred."""
    return contacts_repository.recent_contacts(session, customer_id, limit)


def reasons_of_contacts(session: Session, contact_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(contact id, reason) of these contacts in the order given, in one query."""
    return contacts_repository.reasons_of_contacts(session, contact_ids)


def count_surveys(session: Session, customer_id: int) -> int:
    stmt = select(func.count(Survey.id)).where(Survey.customer_id == customer_id)
    return session.scalar(stmt) or 0


def recent_surveys(
    session: Session, customer_id: int, limit: int
) -> list[tuple[Survey, str | None, str | None]]:
    """The newest surveys with the external id and channel of the linked contact."""
    contact = contacts_repository.contact_refs()
    stmt = (
        select(Survey, contact.c.external_id, contact.c.channel)
        .outerjoin(contact, contact.c.id == Survey.contact_id)
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
