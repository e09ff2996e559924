"""Write and read the audit log (``privacy/models.py``): ids only, never a personal value."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.privacy.models import AuditAction, AuditChannel, AuditEntry

# The ids a route may carry: a customer's id fits a signed 64-bit integer.
MAX_ID = 2**63 - 1
ROUTE_MAX = 200
HEADER = ("time_utc", "user_id", "customer_id", "action", "channel", "route")


def record(
    session: Session,
    *,
    action: AuditAction,
    channel: AuditChannel,
    route: str,
    user_id: int | None,
    customer_id: int | None,
) -> None:
    """Add one entry to the log (in the caller's transaction)."""
    if customer_id is not None and not 1 <= customer_id <= MAX_ID:
        customer_id = None
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=user_id,
            customer_id=customer_id,
            action=action,
            channel=channel,
            route=route[:ROUTE_MAX],
        )
    )


def record_command(
    session: Session, *, action: AuditAction, command: str, customer_id: int
) -> None:
    """The entry of a CLI command on one customer (the operator at the shell: no user id)."""
    record(
        session,
        action=action,
        channel=AuditChannel.CLI,
        route=command,
        user_id=None,
        customer_id=customer_id,
    )


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def _query(customer_id: int | None, user_id: int | None, action: str | None) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if customer_id is not None:
        query = query.where(AuditEntry.customer_id == customer_id)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if action:
        query = query.where(AuditEntry.action == AuditAction(action))
    return query


def entries(
    session: Session,
    *,
    customer_id: int | None = None,
    user_id: int | None = None,
    action: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """One page of the log, newest first, with the filters."""
    query = _query(customer_id, user_id, action)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return AuditPage(list(rows), total, page, pages)


def csv_rows(
    session: Session,
    *,
    customer_id: int | None = None,
    user_id: int | None = None,
    action: str | None = None,
) -> Iterator[Sequence[object]]:
    """Every entry with the filters, newest first, as CSV rows of :data:`HEADER`."""
    query = _query(customer_id, user_id, action).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()
    )
    for e in session.scalars(query.execution_options(yield_per=1000)):
        yield (_at(e.at), e.user_id, e.customer_id, e.action, e.channel, e.route)


def _at(value: datetime) -> str:
    return value.isoformat()
