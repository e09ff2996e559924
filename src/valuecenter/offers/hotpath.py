"""A decision's database work on PostgreSQL: one prepared statement reads (the kernel's
``decisions.log.append`` writes).

The hot path of ``POST /api/v1/decisions`` needs, for one customer, his feature row with his
do-not-call status, his consent events, his recent answers and the contacts of his open
matters — four indexed lookups — and then writes the decision's log row. Run through the ORM
one by one they cost more CPU than the decision itself (measured with py-spy on the decision
API under load: the four reads, the ``SET LOCAL`` and the ORM insert were over 40% of a
worker's CPU, SQLAlchemy's execution layers most of it). Here the read is one statement: the
feature row with the other three as JSON aggregates of scalar subqueries, and
``set_config('synchronous_commit', 'off', true)`` (``SET LOCAL`` for this transaction only;
see ``valuecenter.decisions.log`` for why a decision's commit need not wait for the disk)
as one more column. Both statements are built from the models with SQLAlchemy Core, compiled
once for psycopg and run as prepared statements on the session's own connection, inside its
transaction, so the schema stays the models' and the commit stays at the edge.

SQLite has no need of it (no network round trip, no parse): there the queries run as they
are, and the tests check both give the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Integer, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from valuecenter.consent.models import Consent
from valuecenter.consent.state import ConsentEvent
from valuecenter.db.base import UTCDateTime
from valuecenter.decisions.facts import Facts
from valuecenter.decisions.policy import Answer
from valuecenter.offers.features import (
    OPEN_DAYS,
    facts_of,
    matters_query,
    open_of,
    rows_with_register,
)
from valuecenter.offers.models import CustomerFeatures, DecisionResponse

CONSENT_FIELDS = (
    Consent.purpose,
    Consent.channel,
    Consent.granted,
    Consent.recorded_at,
    Consent.source,
)
"""A consent event as a decision reads it (``ConsentEvent``'s fields, in order)."""
ANSWER_FIELDS = (
    DecisionResponse.action_id,
    DecisionResponse.outcome,
    DecisionResponse.recorded_at,
    DecisionResponse.channel,
    DecisionResponse.direction,
    DecisionResponse.purpose,
)
"""An answer as the contact policy reads it (``policy.Answer``'s fields, in order)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a decision reads of one customer (facts with his open matters as of now)."""

    facts: Facts
    registered: bool
    registered_on: date | None
    consents: list[ConsentEvent]
    answers: list[Answer]
    open_matter: bool | None  # None: none open; False: open, not a complaint; True: complaint


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]


@cache
def _compiled() -> _Compiled:
    cid = bindparam("cid", type_=Integer())
    consents = (
        select(func.json_agg(func.json_build_array(*CONSENT_FIELDS)))
        .where(Consent.customer_id == cid)
        .scalar_subquery()
    )
    answers = (
        select(func.json_agg(func.json_build_array(*ANSWER_FIELDS)))
        .where(
            DecisionResponse.customer_id == cid,
            DecisionResponse.recorded_at > bindparam("answers_since", type_=UTCDateTime()),
        )
        .scalar_subquery()
    )
    contacts = matters_query(lambda column: column == cid).subquery()
    matters = select(func.json_agg(func.json_build_array(*contacts.c))).scalar_subquery()
    stmt = rows_with_register(
        consents,
        answers,
        matters,
        func.set_config(literal("synchronous_commit"), literal("off"), literal(True)),
    ).where(CustomerFeatures.customer_id == cid)
    # Rendering the expanding IN of the complaint reasons needs a value for every parameter;
    # these stand-ins are replaced on every call.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    stmt = stmt.params(cid=0, answers_since=epoch, since=epoch, until=epoch)
    compiled = stmt.compile(dialect=postgresql.psycopg.dialect())  # type: ignore[no-untyped-call]
    expanded = compiled.construct_expanded_state()
    own = {"cid", "answers_since", "since", "until"}
    defaults = {k: v for k, v in expanded.parameters.items() if k not in own}
    return _Compiled(expanded.statement, defaults)


def _driver(session: Session) -> Any:
    """The psycopg connection under the session's, in its transaction."""
    return cast(Any, session.connection().connection.driver_connection)


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def read(
    session: Session,
    customer_id: int,
    *,
    now: datetime,
    answers_since: datetime,
) -> Snapshot | None:
    """The customer's snapshot, or None when he has no feature row yet (the caller computes
    it); his open matters as :func:`features.open_matters` finds them as of ``now``. Runs in,
    and sets ``synchronous_commit = off`` for, the session's transaction."""
    compiled = _compiled()
    params = {
        **compiled.defaults,
        "cid": customer_id,
        "answers_since": answers_since,
        "since": now - timedelta(days=OPEN_DAYS),
        "until": now,
    }
    row = _driver(session).execute(compiled.sql, params, prepare=True).fetchone()
    if row is None:
        return None
    facts, as_of, am, phone, dnc, dnc_on, consents, answers, matters, _set = row
    current = open_of(
        (
            (c, k, case, _stamp(at), resolved, None if closed is None else _stamp(closed), cx)
            for c, k, case, at, resolved, closed, cx in matters or ()
        ),
        now,
    )
    return Snapshot(
        facts=facts_of(
            customer_id,
            facts,
            as_of=None if as_of is None else as_of.astimezone(UTC),
            account_manager_id=am,
            phone=phone,
        ),
        registered=dnc is not None,
        registered_on=dnc_on,
        consents=[
            ConsentEvent(str(p), str(ch), bool(g), _stamp(at), src)
            for p, ch, g, at, src in consents or ()
        ],
        answers=[
            Answer(int(a), str(o), _stamp(at), str(ch), str(d), str(pu))
            for a, o, at, ch, d, pu in answers or ()
        ],
        open_matter=current.get(customer_id),
    )
