"""The customer list as a CSV export: every customer the viewer may see with the page's
filters (search, country, segment, account manager, open alerts only) in the page's sort
(name, value segment, CLV or risk; ``listing.SORTS``), with the list's value segment, CLV and
risk columns; written by ``csv_export``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from valuecenter.csv_export import cents
from valuecenter.customer360.listing import every_scored
from valuecenter.customers.schemas import CustomerFilters
from valuecenter.i18n import _
from valuecenter.users.models import User


def customer_header() -> list[str]:
    """The export's column headers, in the current locale."""
    return [
        _("Customer number"),
        _("Customer"),
        _("Kind"),
        _("Country"),
        _("Language"),
        _("Segment"),
        _("Value segment"),
        _("CLV (EUR)"),
        _("Risk"),
        _("Open alerts"),
        _("Account manager"),
        _("Customer since"),
    ]


def customer_rows(
    session: Session,
    viewer: User,
    filters: CustomerFilters,
    *,
    sort: str | None = None,
    open_alerts_only: bool = False,
) -> Iterator[list[object]]:
    """Every customer of the list ``viewer`` sees with ``filters``, ``sort`` and the
    open-alerts filter, as export rows."""
    for customer, c in every_scored(
        session, viewer=viewer, filters=filters, sort=sort, open_alerts_only=open_alerts_only
    ):
        yield [
            c.customer_id,
            c.name,
            c.kind,
            c.country,
            c.language,
            c.segment,
            c.value_segment,
            cents(c.clv.amount_cents) if c.clv else None,
            None if c.risk is None else round(c.risk, 4),
            c.open_alerts,
            c.account_manager,
            customer.customer_since,
        ]
