"""The renewal list as a CSV export: every candidate of the run the viewer may see, with the
page's group filter, in the list's order (call order, then net value); written by
``csv_export``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from valuecenter.csv_export import cents
from valuecenter.errors import NotFound
from valuecenter.i18n import _
from valuecenter.retention.models import RenewalGroup, RenewalRun
from valuecenter.retention.renewals import repository
from valuecenter.retention.renewals.repository import CandidateRow
from valuecenter.users.models import User


def candidate_header() -> list[str]:
    """The export's column headers, in the current locale."""
    return [
        _("Call order"),
        _("Customer number"),
        _("Customer"),
        _("Country"),
        _("Account manager"),
        _("Plan"),
        _("Monthly fee (EUR)"),
        _("Contract ends on"),
        _("Group"),
        _("Offer"),
        _("Chance of renewing"),
        _("Chance of renewing with the offer"),
        _("Uplift"),
        _("Renewal value (EUR)"),
        _("Expected cost (EUR)"),
        _("Net value (EUR)"),
        _("Renewal run"),
    ]


def candidate_values(row: CandidateRow, run: RenewalRun) -> list[object]:
    c, customer = row.candidate, row.customer
    return [
        c.rank,
        customer.external_id,
        customer.name,
        customer.country,
        customer.account_manager,
        row.plan,
        cents(row.monthly_fee_cents),
        c.ends_on,
        c.group,
        row.offer_code,
        round(c.p_renew, 4),
        round(c.p_renew_offer, 4),
        round(c.uplift, 4),
        cents(c.value_cents),
        cents(c.cost_cents),
        cents(c.net_cents),
        run.run_id,
    ]


def export_run(session: Session, run_id: str | None) -> str | None:
    """The run an export reads: ``run_id`` (:class:`NotFound` if there is none such), else
    the latest run; None when no renewal list has been made yet (the export is empty)."""
    if run_id is None:
        latest = repository.latest_renewal_run(session)
        return latest.run_id if latest else None
    if repository.renewal_run(session, run_id) is None:
        raise NotFound(f"renewal run '{run_id}' does not exist")
    return run_id


def candidate_rows(
    session: Session, viewer: User, run_id: str | None, *, group: RenewalGroup | None
) -> Iterator[list[object]]:
    """Every candidate of the run ``run_id`` (from :func:`export_run`) in ``group`` (None:
    all) that ``viewer`` may see."""
    run = repository.renewal_run(session, run_id) if run_id is not None else None
    if run is None:
        return
    for row in repository.every_candidate(session, viewer, run, group=group):
        yield candidate_values(row, run)
