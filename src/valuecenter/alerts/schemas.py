"""Request and response models of the alerts inbox, the market dips and the alert precision
(assembled from the session by ``alerts/inbox.py``).

Money is integer cents (the CLV of the score run that priced the alert, and risk × CLV);
``run_id`` is always a run's string id (``alerts-…``), the one a manager can look up, never
a row number. Every list says which alert run it comes from (``source``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.alerts.models import (
    AlertKind,
    AlertOutcome,
    AlertRun,
    AlertStatus,
    MarketDip,
)
from valuecenter.alerts.precision import Precision, PrecisionRow
from valuecenter.alerts.reason_text import reason_text
from valuecenter.alerts.repository import AlertRow
from valuecenter.customers.schemas import CustomerRef


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Reason(_Out):
    code: str = Field(description="Machine-readable reason, e.g. the rule that fired.")
    text: str = Field(description="The reason in words, for the account manager.")


def reasons_of(stored: list[dict[str, object]] | None) -> list[Reason]:
    """The stored ``[{"code", "params", "text"}, …]`` as reasons in the current locale
    (alerts/reason_text.py); a reason without figures shows its stored text, else its code."""
    out: list[Reason] = []
    for item in stored or []:
        if not isinstance(item, Mapping):
            continue
        code = str(item.get("code") or "")
        text = reason_text(item)
        if text:
            out.append(Reason(code=code, text=text))
    return out


class AlertOut(_Out):
    id: int
    customer: CustomerRef
    kind: AlertKind
    raised_on: date
    risk: float = Field(
        description="Churn model: calibrated P(leaving); order rhythm: the share of his "
        "usual revenue missing in the window; 0 to 1."
    )
    clv_cents: int = Field(description="His CLV in the score run the alert run used.")
    value_at_risk_cents: int = Field(description="risk × CLV: the inbox is ordered by it.")
    reasons: list[Reason]
    action: str = Field(description="The suggested next step.")
    status: AlertStatus
    outcome: AlertOutcome | None
    note: str | None
    handled_at: datetime | None
    run_id: str = Field(description="The alert run that raised it.")

    @classmethod
    def of(cls, row: AlertRow) -> AlertOut:
        a = row.alert
        return cls(
            id=a.id,
            customer=row.customer,
            kind=a.kind,
            raised_on=a.raised_on,
            risk=a.risk,
            clv_cents=a.clv_cents,
            value_at_risk_cents=a.value_at_risk_cents,
            reasons=reasons_of(a.reasons),
            action=a.action,
            status=a.status,
            outcome=a.outcome,
            note=a.note,
            handled_at=a.handled_at,
            run_id=row.run_id,
        )


class AlertSource(_Out):
    """The latest alert run: what the inbox's figures come from."""

    run_id: str
    as_of: date = Field(description="The day of the data the run looked at.")
    finished_at: datetime

    @classmethod
    def of(cls, run: AlertRun | None) -> AlertSource | None:
        if run is None:
            return None
        return cls(run_id=run.run_id, as_of=run.as_of, finished_at=run.finished_at)


class AlertPage(_Out):
    items: list[AlertOut] = Field(description="Highest value at risk first.")
    total: int
    page: int
    page_size: int
    source: AlertSource | None = Field(description="The latest alert run; null before the first.")

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class HandleIn(BaseModel):
    """What the account manager found when he acted on the alert."""

    outcome: AlertOutcome
    note: str | None = Field(default=None, description="Optional; at most 2,000 characters.")


class MarketDipOut(_Out):
    id: int
    scope: str = Field(description='What the market is: "country".')
    market: str
    first_seen_on: date
    last_seen_on: date
    customers: int = Field(description="Customers in the market with an order rhythm.")
    expected_orders: float = Field(description="Orders their own rhythms predicted.")
    observed_orders: int
    ratio: float = Field(description="observed / expected orders.")
    below_rhythm: int = Field(description="Customers below their rhythm that the dip explains.")
    first_run_id: str
    last_run_id: str

    @classmethod
    def of(cls, dip: MarketDip, run_ids: Mapping[int, str]) -> MarketDipOut:
        return cls(
            id=dip.id,
            scope=dip.scope,
            market=dip.market,
            first_seen_on=dip.first_seen_on,
            last_seen_on=dip.last_seen_on,
            customers=dip.customers,
            expected_orders=dip.expected_orders,
            observed_orders=dip.observed_orders,
            ratio=dip.ratio,
            below_rhythm=dip.below_rhythm,
            first_run_id=run_ids.get(dip.first_run_id, ""),
            last_run_id=run_ids.get(dip.last_run_id, ""),
        )


class PrecisionRowOut(_Out):
    kind: str = Field(description='An alert kind, or "all" in the total.')
    month: str = Field(description='YYYY-MM the alerts were raised, or "all" in the total.')
    alerts: int
    left: int
    kept: int
    false_alarms: int
    precision: float | None = Field(description="(left + kept) / alerts; null without alerts.")

    @classmethod
    def of(cls, row: PrecisionRow) -> PrecisionRowOut:
        return cls(
            kind=row.kind,
            month=row.month,
            alerts=row.alerts,
            left=row.left,
            kept=row.kept,
            false_alarms=row.false_alarms,
            precision=row.precision,
        )


class PrecisionOut(_Out):
    """Of the alerts raised at least ``min_age_days`` before ``reference``: who left, who was
    kept, and the false alarms (definitions: ``valuecenter.alerts.precision``)."""

    reference: date | None = Field(description="The latest alert run's as_of; null before one.")
    min_age_days: int
    run_id: str | None = Field(description="The alert run whose as_of is the reference day.")
    rows: list[PrecisionRowOut] = Field(description="Per alert kind and month raised.")
    total: PrecisionRowOut

    @classmethod
    def of(cls, precision: Precision, run: AlertRun) -> PrecisionOut:
        return cls(
            reference=precision.reference,
            min_age_days=precision.min_age_days,
            run_id=run.run_id,
            rows=[PrecisionRowOut.of(r) for r in precision.rows],
            total=PrecisionRowOut.of(precision.total),
        )

    @classmethod
    def empty(cls, min_age_days: int) -> PrecisionOut:
        """Before the first alert run there is nothing to count."""
        return cls(
            reference=None,
            min_age_days=min_age_days,
            run_id=None,
            rows=[],
            total=PrecisionRowOut.of(PrecisionRow("all", "all", 0, 0, 0, 0)),
        )


class InboxSummary(_Out):
    """The head of an inbox: the open alerts the viewer may see and their value at risk."""

    open_alerts: int
    value_at_risk_cents: int
