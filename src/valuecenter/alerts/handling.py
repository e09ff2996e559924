"""The account manager marks an alert handled, with what he found (C10). Flushes, never
commits: the request or the CLI command commits at the edge."""

from __future__ import annotations

from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertOutcome, AlertStatus
from valuecenter.alerts.repository import visible_alert
from valuecenter.customers.worklist import outcome_and_note
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, NotFound
from valuecenter.i18n import _
from valuecenter.users.models import User


def handle_alert(
    session: Session, viewer: User, alert_id: int, outcome: str, note: str | None = None
) -> Alert:
    """Record ``outcome`` (kept, left, false-alarm, no-contact) on an open alert ``viewer`` may
    see. An alert is handled once; a second attempt is a conflict naming when it was."""
    result, text = outcome_and_note(AlertOutcome, outcome, note)
    alert = visible_alert(session, viewer, alert_id)
    if alert is None:
        raise NotFound(_("alert %(id)s does not exist", id=alert_id))
    if alert.status == AlertStatus.HANDLED:
        when = f"{alert.handled_at:%Y-%m-%d %H:%M} UTC" if alert.handled_at else _("earlier")
        raise Conflict(
            _(
                "alert %(id)s was already handled (%(outcome)s) on %(when)s",
                id=alert_id,
                outcome=alert.outcome,
                when=when,
            )
        )
    alert.status = AlertStatus.HANDLED
    alert.outcome = result
    alert.note = text
    alert.handled_at = utcnow()
    alert.handled_by = viewer.id
    session.flush()
    return alert
