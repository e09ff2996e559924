"""Is the customer leaving: the 360's risk block (issue 16, part 2).

Three things an agent must see together before he offers anything: the customer's risk with
the alert run (and so the model) it came from, his open alerts, and his open save case — a
customer who said he wants to cancel. The risk is the highest among his open alerts (the
inbox's figure, ``alerts/``); without an open alert the block names the latest alert run, so
"no risk shown" reads as "the latest run raised none", not as "never looked at".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertRun, AlertStatus
from valuecenter.customer360.schemas import OpenAlert, OpenSaveCase, RiskBlock
from valuecenter.customers.schemas import Money
from valuecenter.retention.models import RetentionOffer, SaveCase, SaveStatus

REASONS_SHOWN = 3
CURRENCY = "EUR"


def risk_block(session: Session, customer_id: int) -> RiskBlock:
    """The customer's risk, open alerts and open save case (three indexed reads)."""
    rows = session.execute(
        select(Alert, AlertRun)
        .join(AlertRun, AlertRun.id == Alert.run_id)
        .where(Alert.customer_id == customer_id, Alert.status == AlertStatus.OPEN)
        .order_by(Alert.risk.desc(), Alert.id.desc())
    ).all()
    alerts = [
        OpenAlert(
            id=a.id,
            kind=a.kind.value,
            raised_on=a.raised_on,
            risk=float(a.risk),
            value_at_risk=Money(amount_cents=int(a.value_at_risk_cents), currency=CURRENCY),
            reasons=[str(r.get("text", "")) for r in a.reasons[:REASONS_SHOWN]],
            action=a.action,
        )
        for a, _run in rows
    ]
    run = rows[0][1] if rows else _latest_run(session)
    case_row = session.execute(
        select(SaveCase, RetentionOffer.name)
        .outerjoin(RetentionOffer, RetentionOffer.id == SaveCase.suggested_offer_id)
        .where(SaveCase.customer_id == customer_id, SaveCase.status == SaveStatus.OPEN)
        .order_by(SaveCase.opened_at.desc())
        .limit(1)
    ).first()
    case = None
    if case_row is not None:
        saved, offer = case_row
        case = OpenSaveCase(
            id=saved.id,
            opened_at=saved.opened_at,
            source=saved.source.value,
            arm=saved.arm.value,
            suggested_offer=offer,
        )
    return RiskBlock(
        risk=alerts[0].risk if alerts else None,
        alert_run_id=run.run_id if run else None,
        alert_run_as_of=run.as_of if run else None,
        alert_models=dict(run.models) if run else {},
        alerts=alerts,
        save_case=case,
    )


def _latest_run(session: Session) -> AlertRun | None:
    return session.scalar(
        select(AlertRun).order_by(AlertRun.as_of.desc(), AlertRun.id.desc()).limit(1)
    )
