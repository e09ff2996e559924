"""The queries other domains run over contacts, their reasons and cases. Never commits.

The features (offers, retention, alerts, customer360) and the demo read contacts through
these named functions instead of the tables, so the contacts domain can change how it stores
them in one place. Two shapes:

- functions taking a session return rows or numbers;
- functions without a session return a statement (or an ``EXISTS``) to run or to put inside
  the caller's own query — for the reads that join another domain's table (a decision, a save
  case, a customer) or that are built once and run many times (the save desk, the offers hot
  path). They select the same SQL the callers used to build themselves.

Customers are narrowed with ``customer_filter``: a function of the contacts' customer column
giving the condition (``lambda c: c == cid``, ``lambda c: c.in_(ids)``), so the caller's
binding (a bound parameter, an expanding ``IN``, a range) stays the caller's. The importer,
which writes these tables, keeps writing the models directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    ScalarSelect,
    Select,
    Subquery,
    and_,
    bindparam,
    distinct,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from valuecenter.agents.models import Agent
from valuecenter.contacts.models import Case, Channel, Contact, ContactReason, Direction, Queue
from valuecenter.db.base import UTCDateTime
from valuecenter.errors import InvalidInput

CustomerFilter = Callable[[Any], Any]
"""The condition on the contacts' customer column (see the module doc)."""


def _int() -> Integer:
    return Integer()


# --- one contact, one customer ---


def get_contact(session: Session, contact_id: int) -> Contact | None:
    """The contact with this id, or None."""
    return session.get(Contact, contact_id)


def channel_stats(session: Session, customer_id: int) -> list[tuple[str, int, datetime | None]]:
    """(channel, number of contacts, latest start) per channel of one customer, by channel."""
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
    """One customer's newest ``limit`` contacts (newest first) with the agent's name and
    external id, the case's external id and whether a later contact was transferred from it."""
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
    """(contact id, reason) of these contacts, each contact's reasons in the order given
    (seed 002: a contact has often 3–4), in one query."""
    if not contact_ids:
        return []
    stmt = (
        select(ContactReason.contact_id, ContactReason.reason)
        .where(ContactReason.contact_id.in_(contact_ids))
        .order_by(ContactReason.contact_id, ContactReason.position)
    )
    return [(cid, reason) for cid, reason in session.execute(stmt)]


def contact_refs() -> Subquery:
    """Every contact's ``id``, ``external_id``, ``channel`` and ``agent_id``, to join another
    domain's rows that name a contact (a survey) to how the contact is shown and who took it."""
    return select(Contact.id, Contact.external_id, Contact.channel, Contact.agent_id).subquery(
        "contact_refs"
    )


def first_reason_of(contact_id: Any) -> ScalarSelect[str]:
    """The first reason (lowest position) of the contact ``contact_id`` — a column of the
    caller's query (a survey's contact) — as a correlated scalar subquery; NULL without one."""
    return (
        select(ContactReason.reason)
        .where(ContactReason.contact_id == contact_id)
        .order_by(ContactReason.position)
        .limit(1)
        .scalar_subquery()
    )


def experience_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[Any, ...]]:
    """Every contact started in [since, until) (either bound may be None), by id: (id,
    customer id or −1, started at, wait, talk and wrap seconds, case id or −1, first reason,
    resolved, whether transferred from another, abandoned, direction, channel, queue, agent
    id) — what the service-quality read model (``quality/experience.py``) builds chains of."""
    query = select(
        Contact.id,
        func.coalesce(Contact.customer_id, -1),
        Contact.started_at,
        Contact.wait_seconds,
        Contact.talk_seconds,
        Contact.wrap_seconds,
        func.coalesce(Contact.case_id, -1),
        first_reason_of(Contact.id),
        Contact.resolved,
        Contact.transferred_from_id.is_not(None),
        Contact.abandoned,
        Contact.direction,
        Contact.channel,
        Contact.queue,
        Contact.agent_id,
    )
    if since is not None:
        query = query.where(Contact.started_at >= since)
    if until is not None:
        query = query.where(Contact.started_at < until)
    return [tuple(r) for r in session.execute(query.order_by(Contact.id)).all()]


# --- reasons ---


def primary_reasons() -> Subquery:
    """``(contact_id, reason)`` of each contact's first reason (position 1): the one a
    contact is counted under when it has several (C16)."""
    return (
        select(ContactReason.contact_id, ContactReason.reason)
        .where(ContactReason.position == 1)
        .subquery()
    )


@cache
def _primary_reason_counts(reasons: tuple[str, ...]) -> Select[str, int]:
    # Built once per reason list: a save desk runs it for every case it opens, and building a
    # statement costs as much Python as running it (tests/test_demo_savedesk.py).
    return (
        select(ContactReason.reason, func.count())
        .join(Contact, Contact.id == ContactReason.contact_id)
        .where(
            Contact.customer_id == bindparam("customer_id"),
            Contact.started_at >= bindparam("since"),
            Contact.started_at < bindparam("until"),
            ContactReason.position == 1,
            ContactReason.reason.in_(reasons),
        )
        .group_by(ContactReason.reason)
    )


def primary_reason_counts(
    session: Session,
    *,
    customer_id: int,
    since: datetime,
    until: datetime,
    reasons: tuple[str, ...],
) -> dict[str, int]:
    """One customer's contacts in [since, until) per primary reason, for the codes of
    ``reasons`` that occur (a code without contacts is absent)."""
    params = {"customer_id": customer_id, "since": since, "until": until}
    rows = session.execute(_primary_reason_counts(reasons), params).all()
    return {str(reason): int(n) for reason, n in rows}


def cancel_contacts(
    session: Session, *, since: datetime, until: datetime, intent: str
) -> list[tuple[int, int | None, datetime, str | None]]:
    """(id, customer id, started at, IVR intent) of the customers' contacts in [since, until)
    whose IVR intent is ``intent`` or whose primary reason is that code, oldest first."""
    primary = primary_reasons()
    rows = session.execute(
        select(Contact.id, Contact.customer_id, Contact.started_at, Contact.intent)
        .outerjoin(primary, primary.c.contact_id == Contact.id)
        .where(
            Contact.customer_id.is_not(None),
            Contact.started_at >= since,
            Contact.started_at < until,
            (Contact.intent == intent) | (primary.c.reason == intent),
        )
        .order_by(Contact.started_at, Contact.id)
    ).all()
    return [(int(i), c, at, it) for i, c, at, it in rows]


def ids_started_between(since: datetime, until: datetime) -> Select[int]:
    """The ids of the contacts started in [since, until), as a statement (for ``IN``)."""
    return select(Contact.id).where(Contact.started_at >= since, Contact.started_at < until)


def contact_since(customer_id: Any, at: Any) -> Exists:
    """``EXISTS`` a contact of ``customer_id`` started at or after ``at`` (columns or values
    of the caller's query: a decision's customer and time)."""
    return exists().where(Contact.customer_id == customer_id, Contact.started_at >= at)


# --- the customers' contact history (offers) ---


def recent_and_complaint_counts(
    *,
    since: datetime,
    as_of: datetime,
    recent_days: int,
    complaint_reasons: Sequence[str],
    customer_filter: CustomerFilter,
) -> Select[Any, Any, Any]:
    """Per customer with a contact in [since, as_of): (customer id, contacts in the last
    ``recent_days`` before ``as_of``, contacts with a reason in ``complaint_reasons``) — the
    statement, run by the caller's engine (``db.query.Rows``)."""
    return (
        select(
            Contact.customer_id,
            func.sum(func.cast(Contact.started_at >= as_of - timedelta(days=recent_days), _int())),
            func.count(distinct(ContactReason.contact_id)),
        )
        .outerjoin(
            ContactReason,
            and_(
                ContactReason.contact_id == Contact.id,
                ContactReason.reason.in_(complaint_reasons),
            ),
        )
        .where(
            Contact.customer_id.is_not(None),
            Contact.started_at >= since,
            Contact.started_at < as_of,
            customer_filter(Contact.customer_id),
        )
        .group_by(Contact.customer_id)
    )


def matters_query(
    complaint_reasons: Sequence[str], customer_filter: CustomerFilter | None = None
) -> Any:
    """The customers' contacts started between the ``since`` and ``until`` parameters, one
    row each: (customer, contact, case id, started at, resolved, case closed at, 1 when a
    reason is in ``complaint_reasons`` else 0); anonymous contacts left out."""
    stmt = (
        select(
            Contact.customer_id,
            Contact.id,
            Contact.case_id,
            Contact.started_at,
            Contact.resolved,
            Case.closed_at,
            func.max(
                func.cast(func.coalesce(ContactReason.reason.in_(complaint_reasons), False), _int())
            ),
        )
        .outerjoin(Case, Case.id == Contact.case_id)
        .outerjoin(ContactReason, ContactReason.contact_id == Contact.id)
        .where(
            Contact.customer_id.is_not(None),
            Contact.started_at >= bindparam("since", type_=UTCDateTime()),
            Contact.started_at < bindparam("until", type_=UTCDateTime()),
        )
        .group_by(
            Contact.customer_id,
            Contact.id,
            Contact.case_id,
            Contact.started_at,
            Contact.resolved,
            Case.closed_at,
        )
    )
    return stmt if customer_filter is None else stmt.where(customer_filter(Contact.customer_id))


def answered_inbound(starts: datetime, ends: datetime, channels: Sequence[Any]) -> Subquery:
    """The inbound contacts in [starts, ends) on ``channels`` that an agent answered (not
    abandoned) and that belong to a customer: ``id``, ``customer_id``, ``started_at``,
    ``channel``, ``intent``, ``wait_seconds``; order by ``started_at`` then ``id``."""
    return (
        select(
            Contact.id,
            Contact.customer_id,
            Contact.started_at,
            Contact.channel,
            Contact.intent,
            Contact.wait_seconds,
        )
        .where(
            Contact.customer_id.is_not(None),
            Contact.started_at >= starts,
            Contact.started_at < ends,
            Contact.direction == Direction.INBOUND,
            Contact.agent_id.is_not(None),
            Contact.abandoned.is_(False),
            Contact.channel.in_(channels),
        )
        .subquery("answered")
    )


# --- the whole table (demo statistics) ---


def period(session: Session) -> tuple[datetime | None, datetime | None]:
    """The first and the last contact's start (None, None without contacts)."""
    first, last = session.execute(
        select(func.min(Contact.started_at), func.max(Contact.started_at))
    ).one()
    return first, last


def reason_totals(session: Session) -> tuple[int, int]:
    """(reasons stored, contacts with at least one reason)."""
    reasons, with_reasons = session.execute(
        select(func.count(), func.count(distinct(ContactReason.contact_id)))
    ).one()
    return int(reasons), int(with_reasons)


def count_in_queue(session: Session, queue: str) -> int:
    """The contacts in queue ``queue``."""
    return _count(session, Contact.queue == queue)


def count_first_inbound_calls(session: Session, *, outside_queue: str) -> int:
    """Inbound phone contacts that were not transferred from another and are not in
    ``outside_queue`` (or in no queue): the calls as first offered to the desk."""
    return _count(
        session,
        Contact.direction == Direction.INBOUND,
        Contact.channel == Channel.PHONE,
        Contact.transferred_from_id.is_(None),
        or_(Contact.queue.is_(None), Contact.queue != outside_queue),
    )


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(Contact).where(*where)) or 0)


def _utc_hour(session: Session) -> ColumnElement[Any]:
    """``started_at`` as the text ``YYYY-MM-DD HH`` of its UTC hour, per dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # stored as naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff"
        return func.substr(Contact.started_at, 1, 13)
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", Contact.started_at), "YYYY-MM-DD HH24")
    raise InvalidInput("database", f"'{dialect}' is not supported (SQLite or PostgreSQL)")


def inbound_per_utc_hour(session: Session) -> list[tuple[str, int]]:
    """(``YYYY-MM-DD HH`` of a UTC hour, inbound contacts started in it), hours with any."""
    hour = _utc_hour(session).label("hour")
    rows = session.execute(
        select(hour, func.count()).where(Contact.direction == Direction.INBOUND).group_by(hour)
    ).all()
    return [(str(h), int(n)) for h, n in rows]


# --- queues ---


def queues(session: Session, *, active_only: bool = False) -> list[Queue]:
    """The queues by code (only the active ones if ``active_only``)."""
    stmt = select(Queue).order_by(Queue.code)
    if active_only:
        stmt = stmt.where(Queue.active.is_(True))
    return list(session.scalars(stmt))


def queue_by_code(session: Session, code: str) -> Queue | None:
    """The queue whose code is ``code`` (the contacts' ``queue``), or None."""
    return session.scalars(select(Queue).where(Queue.code == code)).first()


def queue_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[Any, ...]]:
    """Every inbound contact that reached a queue, started in [since, until): (started at,
    queue code, channel, wait, talk, hold and wrap seconds, abandoned) — what the operational
    KPIs (``quality/kpis.py``) are computed from."""
    query = select(
        Contact.started_at,
        Contact.queue,
        Contact.channel,
        Contact.wait_seconds,
        Contact.talk_seconds,
        Contact.hold_seconds,
        Contact.wrap_seconds,
        Contact.abandoned,
    ).where(Contact.queue.is_not(None), Contact.direction == Direction.INBOUND)
    if since is not None:
        query = query.where(Contact.started_at >= since)
    if until is not None:
        query = query.where(Contact.started_at < until)
    return [tuple(r) for r in session.execute(query).all()]


def reason_contact_rows(
    session: Session, since: datetime | None, until: datetime
) -> list[tuple[Any, ...]]:
    """Every contact started in [since, until), by id: (id, external id, customer id or −1,
    started at, channel, direction, intent, talk, hold and wrap seconds, abandoned, case id or
    −1) — what the contact-reason and cost-to-serve read model (``quality/reasons_data.py``)
    starts from."""
    query = select(
        Contact.id,
        Contact.external_id,
        func.coalesce(Contact.customer_id, -1),
        Contact.started_at,
        Contact.channel,
        Contact.direction,
        Contact.intent,
        Contact.talk_seconds,
        Contact.hold_seconds,
        Contact.wrap_seconds,
        Contact.abandoned,
        func.coalesce(Contact.case_id, -1),
    ).where(Contact.started_at < until)
    if since is not None:
        query = query.where(Contact.started_at >= since)
    return [tuple(row) for row in session.execute(query.order_by(Contact.id)).all()]


def reason_rows(session: Session, since: datetime | None, until: datetime) -> list[tuple[Any, ...]]:
    """Every reason of the contacts started in [since, until): (contact id, position, reason)."""
    query = (
        select(ContactReason.contact_id, ContactReason.position, ContactReason.reason)
        .join(Contact, Contact.id == ContactReason.contact_id)
        .where(Contact.started_at < until)
    )
    if since is not None:
        query = query.where(Contact.started_at >= since)
    return [tuple(row) for row in session.execute(query).all()]
