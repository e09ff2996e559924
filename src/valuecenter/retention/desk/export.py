"""The save desk and the save-value ledger as CSV exports: every case the viewer may see with
the desk's filters in the desk's order, and the ledger's rows with its grouping and period;
written by ``csv_export``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.orm import Session

from valuecenter.analytics.ledger import Incremental
from valuecenter.csv_export import cents
from valuecenter.i18n import _
from valuecenter.retention.desk.ledger import By, LedgerRow, ledger
from valuecenter.retention.desk.listing import CaseRow, Closed, Order, every_case
from valuecenter.retention.models import SaveStatus
from valuecenter.users.models import User


def case_header() -> list[str]:
    """The desk export's column headers, in the current locale."""
    return [
        _("Case"),
        _("Customer number"),
        _("Customer"),
        _("Country"),
        _("Account manager"),
        _("Source"),
        _("Opened at"),
        _("Arm"),
        _("Status"),
        _("Value (EUR)"),
        _("Monthly fee (EUR)"),
        _("Risk"),
        _("Suggested offer"),
        _("Offer given"),
        _("Offer cost (EUR)"),
        _("Outcome"),
        _("Closed at"),
        _("Agent"),
        _("Score run"),
    ]


def case_values(row: CaseRow) -> list[object]:
    c, customer = row.case, row.customer
    return [
        c.id,
        customer.external_id,
        customer.name,
        customer.country,
        customer.account_manager,
        c.source,
        c.opened_at,
        c.arm,
        c.status,
        cents(c.value_cents),
        cents(c.monthly_fee_cents),
        None if c.risk is None else round(c.risk, 4),
        row.suggested_offer,
        row.offer,
        cents(c.offer_cost_cents),
        c.outcome,
        c.closed_at,
        row.agent,
        row.score_run,
    ]


def case_rows(
    session: Session,
    viewer: User,
    *,
    status: SaveStatus | None,
    order: Order,
    closed: Closed | None = None,
) -> Iterator[list[object]]:
    """Every case of the desk ``viewer`` sees with these filters, as export rows."""
    for row in every_case(session, viewer, status=status, order=order, closed=closed):
        yield case_values(row)


def ledger_header() -> list[str]:
    """The ledger export's column headers, in the current locale (incremental figures with
    their 95% interval; empty where the ledger gives none)."""
    header = [
        _("Row"),
        _("Label"),
        _("Cases"),
        _("Desk cases"),
        _("Control cases"),
        _("Kept (desk)"),
        _("Kept (control)"),
        _("Keep rate (desk)"),
        _("Keep rate (control)"),
        _("Gross saves"),
        _("Gross save value (EUR)"),
        _("Offer cost (EUR)"),
    ]
    for figure in (
        _("Incremental saves"),
        _("Incremental save value (EUR)"),
        _("Net incremental value (EUR)"),
    ):
        header += [figure, _("%(figure)s, 95%% low", figure=figure)]
        header += [_("%(figure)s, 95%% high", figure=figure)]
    return [*header, _("Randomised"), _("Score runs")]


def _figure(value: Incremental, *, money: bool) -> list[object]:
    figures = (value.estimate, value.low, value.high)
    if money:
        return [None if f is None else cents(round(f)) for f in figures]
    return [None if f is None else round(f, 2) for f in figures]


def ledger_values(row: LedgerRow) -> list[object]:
    return [
        row.key,
        row.label,
        row.cases,
        row.desk,
        row.control,
        row.kept_desk,
        row.kept_control,
        None if row.keep_rate_desk is None else round(row.keep_rate_desk, 4),
        None if row.keep_rate_control is None else round(row.keep_rate_control, 4),
        row.gross_saves,
        cents(row.gross_value_cents),
        cents(row.offer_cost_cents),
        *_figure(row.incremental_saves, money=False),
        *_figure(row.incremental_value_cents, money=True),
        *_figure(row.net_incremental_value_cents, money=True),
        row.randomised,
        " ".join(row.score_runs),
    ]


def ledger_rows(
    session: Session, by: By, since: date | None, until: date | None
) -> Iterator[list[object]]:
    """The ledger's rows and its total row (key ``total``) as export rows."""
    for row in ledger(session, by, since, until):
        yield ledger_values(row)
