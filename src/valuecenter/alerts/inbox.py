"""The inbox, market dips and precision as the API and the pages show them: a session in,
response models out (visibility through the repository; never commits)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.alerts import repository
from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus
from valuecenter.alerts.precision import alert_precision
from valuecenter.alerts.schemas import (
    AlertOut,
    AlertPage,
    AlertSource,
    InboxSummary,
    MarketDipOut,
    PrecisionOut,
)
from valuecenter.customers import worklist
from valuecenter.customers.models import Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.users.models import User


def alert_page(
    session: Session,
    viewer: User,
    *,
    status: AlertStatus | None = AlertStatus.OPEN,
    kind: AlertKind | None = None,
    page: int = 1,
    page_size: int = 50,
    page_size_max: int = 200,
) -> AlertPage:
    """One page of ``viewer``'s inbox, highest value at risk first, with the latest run."""
    paged = worklist.paging(page, page_size, page_size_max)
    rows, total = repository.inbox(
        session, viewer, status=status, kind=kind, offset=paged.offset, limit=paged.size
    )
    return AlertPage(
        items=[AlertOut.of(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        source=AlertSource.of(repository.latest_alert_run(session)),
    )


def alert_out(session: Session, alert: Alert) -> AlertOut:
    """One alert as the inbox shows it (the caller got it through the viewer's visibility,
    e.g. from ``handle_alert``)."""
    row = session.execute(repository.inbox_query(None, status=None).where(Alert.id == alert.id))
    return AlertOut.of(repository.alert_row(*worklist.split(row.one())))


def inbox_summary(session: Session, viewer: User) -> InboxSummary:
    """How many open alerts ``viewer`` may see and their summed value at risk."""
    count, cents = session.execute(
        select(func.count(Alert.id), func.coalesce(func.sum(Alert.value_at_risk_cents), 0))
        .join(Customer, Customer.id == Alert.customer_id)
        .where(visible_customers(viewer), Alert.status == AlertStatus.OPEN)
    ).one()
    return InboxSummary(open_alerts=int(count), value_at_risk_cents=int(cents))


def market_dips_out(session: Session, *, since: date | None = None) -> list[MarketDipOut]:
    """The market dips (seen on or after ``since``), most recently seen first, with the string
    ids of the runs that first and last saw them."""
    dips = repository.market_dips(session, since=since)
    ids = {d.first_run_id for d in dips} | {d.last_run_id for d in dips}
    run_ids = dict(
        session.execute(select(AlertRun.id, AlertRun.run_id).where(AlertRun.id.in_(ids))).all()
    )
    return [MarketDipOut.of(d, run_ids) for d in dips]


def precision_out(session: Session, viewer: User, *, min_age_days: int) -> PrecisionOut:
    """The precision of the alerts ``viewer`` may see, raised at least ``min_age_days`` before
    the latest alert run's as_of (the data's "today", not the wall clock)."""
    if min_age_days < 0:
        raise InvalidInput("min_age_days", _("must be 0 or more"))
    run = repository.latest_alert_run(session)
    if run is None:
        return PrecisionOut.empty(min_age_days)
    precision = alert_precision(session, viewer, reference=run.as_of, min_age_days=min_age_days)
    return PrecisionOut.of(precision, run)
