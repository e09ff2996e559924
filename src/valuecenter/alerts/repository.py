"""Queries on alerts and market dips (never commit). Every alert query goes through the
viewer's visibility condition on ``Customer`` (``customers.repository.visible_customers``):
an account manager reads only the alerts of his own pool (C11)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus, MarketDip
from valuecenter.customers import worklist
from valuecenter.customers.models import Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.customers.schemas import CustomerRef
from valuecenter.orders.models import Order
from valuecenter.users.models import User


@dataclass(frozen=True)
class AlertRow:
    """An alert with what the inbox shows of its customer and its run."""

    alert: Alert
    run_id: str
    customer: CustomerRef


def latest_alert_run(session: Session) -> AlertRun | None:
    return session.scalars(select(AlertRun).order_by(AlertRun.id.desc()).limit(1)).first()


INBOX_ORDER = (Alert.value_at_risk_cents.desc(), Alert.id)
"""The inbox's order: highest value at risk first."""


def inbox_query(
    viewer: User | None,
    *,
    status: AlertStatus | None = AlertStatus.OPEN,
    kind: AlertKind | None = None,
) -> worklist.Query:
    """The alerts ``viewer`` may see (with ``status`` and ``kind``) as a worklist query."""
    stmt = worklist.listing(
        select(Alert, AlertRun.run_id).join(AlertRun, AlertRun.id == Alert.run_id),
        Alert.customer_id,
        viewer,
    )
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    if kind is not None:
        stmt = stmt.where(Alert.kind == kind)
    return stmt


def alert_row(own: tuple[Any, ...], customer: CustomerRef) -> AlertRow:
    alert, run_id = own
    return AlertRow(alert, run_id, customer)


def inbox(
    session: Session,
    viewer: User,
    *,
    status: AlertStatus | None = AlertStatus.OPEN,
    kind: AlertKind | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AlertRow], int]:
    """One page of the alerts ``viewer`` may see, highest value at risk first, and the total."""
    rows, total = worklist.page_of(
        session,
        inbox_query(viewer, status=status, kind=kind),
        key=Alert.id,
        order_by=INBOX_ORDER,
        offset=offset,
        limit=limit,
    )
    return [alert_row(own, ref) for own, ref in rows], total


def inbox_rows(
    session: Session,
    viewer: User,
    *,
    status: AlertStatus | None = AlertStatus.OPEN,
    kind: AlertKind | None = None,
) -> Iterator[AlertRow]:
    """Every alert of :func:`inbox`'s list, in its order, read in batches (the CSV export)."""
    stmt = inbox_query(viewer, status=status, kind=kind)
    for own, ref in worklist.every_row(session, stmt, order_by=INBOX_ORDER):
        yield alert_row(own, ref)


def visible_alert(session: Session, viewer: User, alert_id: int) -> Alert | None:
    """The alert if ``viewer`` may see its customer (else None: he may not know it exists)."""
    return session.scalars(
        select(Alert)
        .join(Customer, Customer.id == Alert.customer_id)
        .where(Alert.id == alert_id, visible_customers(viewer))
    ).first()


def open_alert_customers(session: Session, kind: AlertKind) -> set[int]:
    """Customers with an open alert of this kind (a run does not raise a second one)."""
    return set(
        session.scalars(
            select(Alert.customer_id).where(Alert.kind == kind, Alert.status == AlertStatus.OPEN)
        )
    )


def market_dips(session: Session, *, since: date | None = None) -> list[MarketDip]:
    """Market dips, the most recently seen first (``since``: seen on or after that day)."""
    stmt = select(MarketDip).order_by(MarketDip.last_seen_on.desc(), MarketDip.market)
    if since is not None:
        stmt = stmt.where(MarketDip.last_seen_on >= since)
    return list(session.scalars(stmt))


def dip_of(session: Session, scope: str, market: str, seen_since: date) -> MarketDip | None:
    """The dip of this market still being reported (last seen on or after ``seen_since``)."""
    return session.scalars(
        select(MarketDip)
        .where(
            MarketDip.scope == scope,
            MarketDip.market == market,
            MarketDip.last_seen_on >= seen_since,
        )
        .order_by(MarketDip.id.desc())
        .limit(1)
    ).first()


def last_order_days(
    session: Session, *conditions: ColumnElement[bool], before: date | None = None
) -> dict[int, date]:
    """The UTC day of the last order (before ``before``) of every customer with an alert
    matching ``conditions`` (on ``Alert`` and ``Customer``), in one grouped query — what tells
    whether a customer has ordered since his alert was raised."""
    alerted = (
        select(Alert.customer_id)
        .join(Customer, Customer.id == Alert.customer_id)
        .where(*conditions)
    )
    stmt = select(Order.customer_id, func.max(Order.ordered_at)).where(
        Order.customer_id.in_(alerted.scalar_subquery())
    )
    if before is not None:
        stmt = stmt.where(Order.ordered_at < datetime.combine(before, datetime.min.time(), UTC))
    rows = session.execute(stmt.group_by(Order.customer_id)).all()
    return {int(c): _utc_day(at) for c, at in rows}


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
