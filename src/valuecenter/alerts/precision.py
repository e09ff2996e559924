"""Alert precision: of the alerts raised at least N days ago, how many customers left, how many
were kept, and how many were false alarms (C10: a warning is only worth the AM's time if it
is right often enough; the manager sees the figure per kind and per month).

What happened is read from the observable data only:

- **left** — an order-rhythm alert: the customer has not ordered since the day it was raised;
  a churn-model alert: a contract of his was cancelled or ended without renewal since then
  and no contract of his is active.
- **kept** — he did not leave and the account manager recorded the outcome *kept*.
- **false alarm** — he did not leave and nobody recorded a save (unhandled, or handled as a
  false alarm / no contact): the alert cost time without a known result.

Precision = (left + kept) / alerts: the share of alerts that pointed at a real risk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertKind, AlertOutcome
from valuecenter.alerts.repository import last_order_days
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.users.models import User


@dataclass(frozen=True)
class PrecisionRow:
    kind: str
    month: str  # YYYY-MM the alerts were raised
    alerts: int
    left: int
    kept: int
    false_alarms: int

    @property
    def precision(self) -> float | None:
        return (self.left + self.kept) / self.alerts if self.alerts else None


@dataclass(frozen=True)
class Precision:
    reference: date  # "today" of the data: alerts raised up to reference − min_age count
    min_age_days: int
    rows: list[PrecisionRow]
    total: PrecisionRow


def alert_precision(
    session: Session, viewer: User, *, reference: date, min_age_days: int = 90
) -> Precision:
    """The outcome of every alert ``viewer`` may see raised on or before reference − age."""
    cutoff = reference - timedelta(days=min_age_days)
    raised_at = Alert.raised_on
    contract_gone = exists().where(
        Contract.customer_id == Alert.customer_id,
        or_(
            and_(Contract.status == ContractStatus.CANCELLED, Contract.cancelled_at >= raised_at),
            and_(Contract.status == ContractStatus.ENDED, Contract.end_date >= raised_at),
        ),
    )
    contract_active = exists().where(
        Contract.customer_id == Alert.customer_id, Contract.status == ContractStatus.ACTIVE
    )
    counted = (visible_customers(viewer), Alert.raised_on <= cutoff)
    rows = session.execute(
        select(
            Alert.kind,
            Alert.raised_on,
            Alert.outcome,
            Alert.customer_id,
            contract_gone,
            contract_active,
        )
        .join(Customer, Customer.id == Alert.customer_id)
        .where(*counted)
    ).all()
    last_order = last_order_days(session, *counted)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, raised_on, outcome, customer_id, gone, active in rows:
        if kind == AlertKind.CHURN_MODEL:
            left = bool(gone) and not bool(active)
        else:
            last = last_order.get(customer_id)
            left = last is None or last < raised_on
        cell = counts[(str(kind), f"{raised_on:%Y-%m}")]
        cell[0] += 1
        if left:
            cell[1] += 1
        elif outcome == AlertOutcome.KEPT:
            cell[2] += 1
        else:
            cell[3] += 1
    table = [
        PrecisionRow(kind, month, *cell)
        for (kind, month), cell in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    sums = [sum(r.alerts for r in table), sum(r.left for r in table)]
    sums += [sum(r.kept for r in table), sum(r.false_alarms for r in table)]
    return Precision(reference, min_age_days, table, PrecisionRow("all", "all", *sums))
