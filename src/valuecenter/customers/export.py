"""The customer list as a CSV export: every customer the viewer may see with the search's
filters, in the list's order (name, then id); written by ``csv_export``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from valuecenter.customers.repository import every_customer
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
        _("Account manager"),
        _("Customer since"),
    ]


def customer_rows(
    session: Session, viewer: User, filters: CustomerFilters
) -> Iterator[list[object]]:
    """Every customer of the search ``viewer`` sees with ``filters``, as export rows."""
    for c, am_code in every_customer(session, viewer, filters):
        yield [
            c.external_id,
            c.name,
            c.kind,
            c.country,
            c.language,
            c.segment,
            am_code,
            c.customer_since,
        ]
