"""A routing decision: who calls, the rules, the route, the log — the hot path of
``POST /api/v1/routing/decide``.

The caller is found by his customer id or by his number (E.164, ``consent/phone.py``) in the
next-best-action engine's compact feature rows (``offers/features.py``: what the rules read —
segment, value segment, country, language, CLV, churn risk, open case …), joined with his
account manager, that manager's agent line (``agents.user_id`` = the manager's login) and its
presence: **one indexed statement**. On PostgreSQL it is compiled once for psycopg and run as a
prepared statement on the request's own connection, with ``synchronous_commit`` off for the
transaction as one more column (the kernel's ``decisions.log``: a decision's commit need not
wait for the disk); the log row is the kernel's prepared insert (``decisions.log.append``).
A customer without a feature row yet (before the first ``valuecenter offers features``) is read
from the customers table; an unknown caller — no such id, a number nobody has, a number
several customers share, none given — is routed on the call alone (intent, language, time,
wait), which ends in the default queue unless a rule on the call says otherwise. Never an
error.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.consent.phone import normalize
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import utcnow
from valuecenter.decisions import log
from valuecenter.decisions.facts import Context, Facts
from valuecenter.i18n import _
from valuecenter.offers.features import facts_of
from valuecenter.offers.models import CustomerFeatures
from valuecenter.routing.arbitration import Caller, route
from valuecenter.routing.engine import Compiled
from valuecenter.routing.models import AgentPresence, RoutingDecision
from valuecenter.routing.schemas import RoutedOut

LOG = cast(Table, RoutingDecision.__table__)
PHONE_CHANNEL = "phone"


@dataclass(frozen=True, slots=True)
class Call:
    """One inbound call to route (what the ACD knows)."""

    customer_id: int | None = None
    phone: str | None = None
    intent: str | None = None
    language: str | None = None
    at: datetime | None = None
    wait_seconds: int = 0


def _line(base: Any) -> Any:
    """``base`` (the caller's row) with his account manager, its agent and its presence."""
    return (
        base.outerjoin(AccountManager, AccountManager.id == base.selected_columns[2])
        .outerjoin(Agent, Agent.user_id == AccountManager.user_id)
        .outerjoin(AgentPresence, AgentPresence.agent_id == Agent.id)
        .add_columns(AccountManager.code, Agent.id, Agent.external_id, AgentPresence.state)
    )


def _by_features(where: Any, postgres: bool) -> Any:
    columns: list[Any] = [
        CustomerFeatures.customer_id,
        CustomerFeatures.facts,
        CustomerFeatures.account_manager_id,
    ]
    stmt = _line(select(*columns).select_from(CustomerFeatures)).where(where).limit(2)
    if postgres:
        stmt = stmt.add_columns(
            func.set_config(literal("synchronous_commit"), literal("off"), literal(True))
        )
    return stmt


_BY_ID = _by_features(CustomerFeatures.customer_id == bindparam("cid"), postgres=False)
_BY_PHONE = _by_features(CustomerFeatures.phone == bindparam("phone"), postgres=False)
_CUSTOMER = _line(
    select(
        Customer.id,
        Customer.kind,
        Customer.account_manager_id,
        Customer.segment,
        Customer.country,
        Customer.language,
    ).select_from(Customer)
).where(Customer.id == bindparam("cid"))


@cache
def _pg(by: str) -> tuple[str, dict[str, Any]]:
    """The statement for psycopg and its constant parameters (the limit, set_config's)."""
    where = (
        CustomerFeatures.customer_id == bindparam("cid")
        if by == "id"
        else CustomerFeatures.phone == bindparam("phone")
    )
    stmt = _by_features(where, postgres=True)
    compiled = stmt.compile(dialect=postgresql.psycopg.dialect())  # type: ignore[no-untyped-call]
    own = {"cid", "phone"}
    return str(compiled), {k: v for k, v in compiled.params.items() if k not in own}


def _rows(session: Session, by: str, value: object) -> list[Any]:
    connection = session.connection()
    key = "cid" if by == "id" else "phone"
    if connection.dialect.name == "postgresql":
        driver = cast(Any, connection.connection.driver_connection)
        sql, constants = _pg(by)
        rows = list(driver.execute(sql, {**constants, key: value}, prepare=True).fetchall())
        if not rows:  # the statement's set_config ran on no row
            log.log_asynchronously(session)
        return rows
    log.log_asynchronously(session)
    return list(connection.execute(_BY_ID if by == "id" else _BY_PHONE, {key: value}).all())


def _caller(row: Any) -> Caller:
    cid, facts, am, am_code, agent_id, agent, state = row[:7]
    return Caller(
        facts=facts_of(int(cid), facts or {}, as_of=None, account_manager_id=am, phone=None),
        known=True,
        am_code=am_code,
        am_agent_id=agent_id,
        am_agent=agent,
        am_presence=None if state is None else str(state),
    )


def _unknown(reason: str) -> Caller:
    return Caller(facts=Facts(customer_id=0), known=False, unknown_reason=reason)


def find_caller(session: Session, call: Call) -> tuple[Caller, str | None]:
    """The caller and his number in E.164 (when given and readable)."""
    if call.customer_id is not None:
        rows = _rows(session, "id", call.customer_id)
        if rows:
            return _caller(rows[0]), None
        found = session.execute(_CUSTOMER, {"cid": call.customer_id}).first()
        if found is None:
            return _unknown(_("unknown caller: no customer %(id)s", id=call.customer_id)), None
        cid, kind, am, segment, country, language, am_code, agent_id, agent, state = found
        facts = Facts(
            customer_id=int(cid),
            kind=None if kind is None else str(getattr(kind, "value", kind)),
            segment=segment,
            country=country,
            language=language,
            account_manager_id=am,
        )
        caller = Caller(facts, True, None, am_code, agent_id, agent, state)
        return caller, None
    if call.phone is None:
        return _unknown(_("unknown caller: no number")), None
    e164 = normalize(call.phone)
    if e164 is None:
        return _unknown(_("unknown caller: not a phone number in international form")), None
    rows = _rows(session, "phone", e164)
    if not rows:
        return _unknown(_("unknown caller: no customer has this number")), e164
    if len(rows) > 1:
        return _unknown(_("unknown caller: several customers share this number")), e164
    return _caller(rows[0]), e164


def phone_hash(key: bytes, e164: str) -> str:
    """A keyed hash of the number (HMAC-SHA-256): repeat calls match, the number is not kept."""
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def decide(
    session: Session,
    compiled: Compiled,
    call: Call,
    *,
    zone: ZoneInfo,
    user_id: int | None = None,
    now: datetime | None = None,
) -> RoutedOut:
    """Route one call and log the decision (in the caller's transaction)."""
    started = time.perf_counter_ns()
    decided_at = now or utcnow()
    at = call.at or decided_at
    caller, e164 = find_caller(session, call)
    # "nl", "NL", "nl-BE", "nl_NL" are all Dutch to the rules.
    language = (
        call.language.strip().lower().replace("_", "-").split("-")[0] if call.language else None
    )
    context = Context(
        at=at,
        local=at.astimezone(zone),
        channel=PHONE_CHANNEL,
        intent=call.intent,
        wait_seconds=call.wait_seconds,
        language=language or None,
    )
    routed = route(
        compiled.rules,
        caller,
        context,
        default_queue=compiled.default_queue,
        self_service_queue=compiled.self_service_queue,
        base_priority=compiled.base_priority,
    )
    customer_id = caller.facts.customer_id if caller.known else None
    latency = int((time.perf_counter_ns() - started) // 1000)
    decision_id = log.append(
        session,
        LOG,
        {
            "decided_at": decided_at,
            "contact_at": at,
            "customer_id": customer_id,
            "phone_hash": None if e164 is None else phone_hash(compiled.phone_key, e164),
            "intent": call.intent,
            "language": routed.language,
            "waited": call.wait_seconds,
            "queue": routed.queue,
            "agent_id": routed.agent_id,
            "priority": routed.priority,
            "self_service": routed.self_service,
            "reasons": routed.reasons,
            "rules_version": compiled.version,
            "latency_us": latency,
            "user_id": user_id,
        },
    )
    return RoutedOut(
        decision_id=decision_id,
        customer_id=customer_id,
        queue=routed.queue,
        agent_id=routed.agent_id,
        agent=routed.agent,
        priority=routed.priority,
        self_service=routed.self_service,
        reasons=routed.reasons,
        rules_version=compiled.version,
    )
