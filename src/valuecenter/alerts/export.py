"""The alert inbox as a CSV export: every alert the viewer may see with the inbox's filters, in
the inbox's order (highest value at risk first), written by ``csv_export``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from valuecenter.alerts import repository
from valuecenter.alerts.models import AlertKind, AlertStatus
from valuecenter.alerts.repository import AlertRow
from valuecenter.alerts.schemas import reasons_of
from valuecenter.csv_export import cents
from valuecenter.i18n import _
from valuecenter.users.models import User


def alert_header() -> list[str]:
    """The export's column headers, in the current locale."""
    return [
        _("Alert"),
        _("Customer number"),
        _("Customer"),
        _("Country"),
        _("Account manager"),
        _("Kind"),
        _("Raised on"),
        _("Risk"),
        _("CLV (EUR)"),
        _("Value at risk (EUR)"),
        _("Reasons"),
        _("Suggested action"),
        _("Status"),
        _("Outcome"),
        _("Handled at"),
        _("Note"),
        _("Alert run"),
    ]


def alert_values(row: AlertRow) -> list[object]:
    a, c = row.alert, row.customer
    return [
        a.id,
        c.external_id,
        c.name,
        c.country,
        c.account_manager,
        a.kind,
        a.raised_on,
        round(a.risk, 4),
        cents(a.clv_cents),
        cents(a.value_at_risk_cents),
        "; ".join(r.text for r in reasons_of(a.reasons)),
        a.action,
        a.status,
        a.outcome,
        a.handled_at,
        a.note,
        row.run_id,
    ]


def alert_rows(
    session: Session, viewer: User, *, status: AlertStatus | None, kind: AlertKind | None
) -> Iterator[list[object]]:
    """Every alert of the inbox ``viewer`` sees with these filters, as export rows."""
    for row in repository.inbox_rows(session, viewer, status=status, kind=kind):
        yield alert_values(row)
