"""Use cases on customers: search the customers a viewer may see, and the search filters.

Every function takes the viewing user; visibility is enforced by the repository queries
(an account manager sees only his own pool, C11). The customer 360 is assembled above this
domain, in ``valuecenter.customer360``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from valuecenter.bounds import row_offset
from valuecenter.customers import repository
from valuecenter.customers.schemas import (
    AccountManagerRef,
    CustomerFilters,
    CustomerListItem,
    CustomerPage,
)
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.users.models import User

MAX_QUERY_LENGTH = 100
DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class FilterOptions:
    """The values the search filters offer to this viewer (only what he may see)."""

    countries: list[str]
    account_managers: list[AccountManagerRef]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def normalize_filters(
    *,
    q: str | None = None,
    country: str | None = None,
    segment: str | None = None,
    account_manager: str | None = None,
) -> CustomerFilters:
    """Strip the filters; empty means "any". A search text over 100 characters is refused."""
    text = _clean(q)
    if text is not None and len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            "q", _("search text is longer than %(n)s characters", n=MAX_QUERY_LENGTH)
        )
    return CustomerFilters(
        q=text,
        country=_clean(country),
        segment=_clean(segment),
        account_manager=_clean(account_manager),
    )


def list_customers(
    session: Session,
    *,
    viewer: User,
    filters: CustomerFilters,
    page: int = 1,
    page_size: int = 50,
    page_size_max: int = 200,
) -> CustomerPage:
    """One page of the customers ``viewer`` may see, ordered by name then id."""
    if page < 1:
        raise InvalidInput("page", _("must be 1 or more"))
    if not 1 <= page_size <= page_size_max:
        raise InvalidInput("page_size", _("must be between 1 and %(max)s", max=page_size_max))
    rows, total = repository.search_customers(
        session, viewer, filters, offset=row_offset(page, page_size), limit=page_size
    )
    items = [
        CustomerListItem(
            id=c.id,
            customer_id=c.external_id,
            name=c.name,
            kind=c.kind,
            country=c.country,
            language=c.language,
            segment=c.segment,
            account_manager=am_code,
        )
        for c, am_code in rows
    ]
    return CustomerPage(items=items, page=page, page_size=page_size, total=total)


def filter_options(session: Session, *, viewer: User) -> FilterOptions:
    return FilterOptions(
        countries=repository.visible_countries(session, viewer),
        account_managers=[
            AccountManagerRef(code=am.code, name=am.name)
            for am in repository.visible_account_managers(session, viewer)
        ],
    )


def pool_of(session: Session, *, viewer: User) -> AccountManagerRef | None:
    """The account manager whose pool ``viewer`` owns (account managers only)."""
    am = repository.pool_of(session, viewer)
    return AccountManagerRef(code=am.code, name=am.name) if am else None
