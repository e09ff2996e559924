"""Account-manager pools from the database (issue 22, point 1): ``valuecenter pools assign``.

Every active B2B customer goes to one active account manager of his country (seed 000: a Dutch
AM has a Dutch pool, a Swiss AM a Swiss one); pools are balanced in size (±5% of the market's
mean), value (the customer's CLV of the latest score run, else his revenue of the last twelve
months, else nothing) and workload (his contacts of the last twelve months), and **sticky**: a
rebalance keeps every customer whose AM is still active and moves as few as the bounds need,
never one with an open case or a contact with his AM in the last ``recent_days`` unless his
AM left. The assignment itself is :func:`valuecenter.analytics.pools.assign_pools`
(docs/pools.md); this module reads its inputs and writes the customers' new AMs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.pools import AccountManagers, Customers, PoolAssignment, assign_pools
from valuecenter.contacts.models import Case, CaseStatus, Contact
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput
from valuecenter.i18n import _
from valuecenter.value.models import CustomerScore
from valuecenter.value.repository import latest_run

RECENT_DAYS = 30
"""A customer his AM spoke to within this many days keeps his AM."""


@dataclass(frozen=True)
class PoolRun:
    assignment: PoolAssignment
    ams: int
    customers: int
    changed: int  # customers whose AM changed (moves plus the placed new and orphaned ones)
    value_source: str  # "clv" (score run N), "revenue_12m" or "none"
    written: bool
    seconds: float  # read + solve + write (flushed, before the caller's commit)

    def as_json(self) -> dict[str, object]:
        a = self.assignment
        return {
            "ams": self.ams,
            "customers": self.customers,
            "size_spread_pct": round(100 * a.size_spread, 2),
            "value_cv": round(a.value_cv_worst, 4),
            "moved": a.moved,
            "min_moves": a.min_moves,
            "placed": self.changed - a.moved,
            "locked_moved": a.locked_moved,
            "value_source": self.value_source,
            "written": self.written,
            "seconds": round(self.seconds, 3),
            "solve_seconds": round(a.seconds, 3),
        }


def _value(session: Session, ids: list[int]) -> tuple[np.ndarray, str]:
    run = latest_run(session)
    value = np.zeros(len(ids))
    if run is None:
        return value, "none"
    position = {cid: i for i, cid in enumerate(ids)}
    rows = session.execute(
        select(
            CustomerScore.customer_id, CustomerScore.clv_cents, CustomerScore.revenue_12m_cents
        ).where(CustomerScore.run_id == run.id)
    ).all()
    clv = [(position[c], v) for c, v, _r in rows if c in position and v is not None]
    if clv:
        for i, v in clv:
            value[i] = max(float(v), 0.0)
        return value, f"clv (score run {run.id})"
    for c, _v, revenue in rows:
        if c in position:
            value[position[c]] = max(float(revenue), 0.0)
    return value, f"revenue_12m (score run {run.id})"


def _counts(session: Session, ids: list[int], since: datetime) -> np.ndarray:
    position = {cid: i for i, cid in enumerate(ids)}
    workload = np.zeros(len(ids))
    rows = session.execute(
        select(Contact.customer_id, func.count(Contact.id))
        .where(Contact.started_at >= since, Contact.customer_id.is_not(None))
        .group_by(Contact.customer_id)
    ).all()
    for customer_id, n in rows:
        if customer_id in position:
            workload[position[customer_id]] = float(n)
    return workload


def _locked(session: Session, ids: list[int], since: datetime) -> np.ndarray:
    """Customers with an open case or a contact with their own AM since ``since``."""
    position = {cid: i for i, cid in enumerate(ids)}
    locked = np.zeros(len(ids), dtype=bool)
    open_cases = session.scalars(
        select(Case.customer_id).where(
            Case.status == CaseStatus.OPEN, Case.customer_id.is_not(None)
        )
    )
    own_am = session.scalars(
        select(Contact.customer_id)
        .join(Customer, Customer.id == Contact.customer_id)
        .join(AccountManager, AccountManager.id == Customer.account_manager_id)
        .join(Agent, Agent.id == Contact.agent_id)
        .where(
            Contact.started_at >= since,
            AccountManager.user_id.is_not(None),
            Agent.user_id == AccountManager.user_id,
        )
    )
    for customer_id in [*open_cases, *own_am]:
        if customer_id in position:
            locked[position[customer_id]] = True
    return locked


def assign(
    session: Session,
    *,
    write: bool = True,
    recent_days: int = RECENT_DAYS,
    now: datetime | None = None,
) -> PoolRun:
    """Assign (or rebalance) every B2B customer's AM; write the changes unless ``write`` is off."""
    if not 0 <= recent_days <= 3650:
        raise InvalidInput("recent_days", _("must be from 0 to 3650"))
    began = time.perf_counter()
    at = now or utcnow()
    customers = session.execute(
        select(Customer.id, Customer.country, Customer.account_manager_id)
        .where(Customer.kind == CustomerKind.B2B)
        .order_by(Customer.id)
    ).all()
    ams = session.execute(
        select(AccountManager.id, AccountManager.country)
        .where(AccountManager.active.is_(True))
        .order_by(AccountManager.id)
    ).all()
    if not customers:
        raise Conflict(_("no B2B customers to assign"))
    if not ams:
        raise Conflict(_("no active account managers"))
    ids = [c.id for c in customers]
    value, source = _value(session, ids)
    workload = _counts(session, ids, at - timedelta(days=365))
    current = np.array(
        [-1 if c.account_manager_id is None else c.account_manager_id for c in customers]
    )
    locked = _locked(session, ids, at - timedelta(days=recent_days))
    try:
        result = assign_pools(
            Customers(
                ids=np.array(ids, dtype=np.int64),
                market=[(c.country or "").upper() for c in customers],
                value=value,
                workload=workload,
            ),
            AccountManagers(
                ids=np.array([a.id for a in ams], dtype=np.int64),
                market=[(a.country or "").upper() for a in ams],
            ),
            current=current.astype(np.int64),
            locked=locked,
        )
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    changed = np.flatnonzero(result.am != current)
    if write and changed.size:
        # The changed customers grouped by their new AM (one sort, not a pass per AM).
        new_am = result.am[changed]
        order = np.argsort(new_am, kind="stable")
        am_ids, starts = np.unique(new_am[order], return_index=True)
        groups = np.split(np.asarray(ids, dtype=np.int64)[changed][order], starts[1:])
        for am_id, group in zip(am_ids.tolist(), groups, strict=True):
            chosen = group.tolist()
            for start in range(0, len(chosen), 5_000):
                session.execute(
                    update(Customer)
                    .where(Customer.id.in_(chosen[start : start + 5_000]))
                    .values(account_manager_id=int(am_id))
                )
        session.flush()
    return PoolRun(
        assignment=result,
        ams=len(ams),
        customers=len(customers),
        changed=int(changed.size),
        value_source=source,
        written=write,
        seconds=time.perf_counter() - began,
    )
