"""The customer list with what a manager sorts by (issue 16, part 2): each visible customer's
value segment and CLV of the latest score run and his churn risk (the highest among his
open alerts), sortable by each, and filterable to the customers with an open alert.

The search itself (text, country, imported segment, account manager, who may see whom) is
the customers domain's query (``customers/repository.customers_select``); this read model
adds the columns of ``value`` and ``alerts`` to it, so ``customers`` imports neither.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, get_args

from pydantic import Field
from sqlalchemy import Select, and_, func, literal, select
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertStatus
from valuecenter.bounds import row_offset
from valuecenter.customers import repository
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.schemas import CustomerFilters, CustomerListItem, CustomerPage, Money
from valuecenter.errors import InvalidInput
from valuecenter.i18n import gettext as _
from valuecenter.users.models import User
from valuecenter.value import repository as value_repository
from valuecenter.value.models import CustomerScore, ScoreRun

SortKey = Literal["name", "value-segment", "clv", "risk"]
SORTS: tuple[str, ...] = get_args(SortKey)
"""name A–Z; value segment A–Z; CLV and risk highest first (unscored and alert-free last)."""
CURRENCY = "EUR"


class ScoredCustomer(CustomerListItem):
    value_segment: str | None = Field(description="Value segment of the latest score run.")
    clv: Money | None = Field(description="CLV of the latest score run.")
    risk: float | None = Field(description="Highest churn risk among his open alerts.")
    open_alerts: int


class ScoredCustomerPage(CustomerPage):
    items: list[ScoredCustomer]  # type: ignore[assignment]
    sort: str
    open_alerts_only: bool
    score_run_id: str | None = Field(description="The score run of the value columns.")


def check_sort(sort: str | None) -> str:
    """The sort key; :class:`InvalidInput` naming the ones there are."""
    key = (sort or "name").strip() or "name"
    if key not in SORTS:
        raise InvalidInput(
            "sort", _("'%(sort)s' is not one of %(sorts)s", sort=key, sorts=", ".join(SORTS))
        )
    return key


def _scored_select(
    session: Session, viewer: User, filters: CustomerFilters, key: str, open_alerts_only: bool
) -> tuple[Select[Any], tuple[Any, ...], ScoreRun | None]:
    """The list's query (customers ``viewer`` may see with ``filters``, their value of the
    latest score run and their open alerts), its order for the sort ``key``, and the run."""
    run = value_repository.latest_run(session)
    alerts = (
        select(
            Alert.customer_id.label("customer_id"),
            func.max(Alert.risk).label("risk"),
            func.count().label("n"),
        )
        .where(Alert.status == AlertStatus.OPEN)
        .group_by(Alert.customer_id)
        .subquery()
    )
    columns: list[Any] = [
        Customer,
        AccountManager.code,
        CustomerScore.segment,
        CustomerScore.clv_cents,
        alerts.c.risk,
        alerts.c.n,
    ]
    stmt = (
        repository.customers_select(viewer, filters, *columns)
        .outerjoin(
            CustomerScore,
            and_(
                CustomerScore.customer_id == Customer.id,
                CustomerScore.run_id == (run.id if run else literal(-1)),
            ),
        )
        .outerjoin(alerts, alerts.c.customer_id == Customer.id)
    )
    if open_alerts_only:
        stmt = stmt.where(alerts.c.risk.is_not(None))
    tail = (Customer.name.is_(None), Customer.name, Customer.id)
    order = {
        "name": tail,
        "value-segment": (CustomerScore.segment.is_(None), CustomerScore.segment, *tail),
        "clv": (CustomerScore.clv_cents.is_(None), CustomerScore.clv_cents.desc(), *tail),
        "risk": (alerts.c.risk.is_(None), alerts.c.risk.desc(), *tail),
    }[key]
    return stmt, order, run


def _item(row: Sequence[Any]) -> ScoredCustomer:
    """A row of :func:`_scored_select` as a list item."""
    c, am_code, segment, clv, risk, n = row
    return ScoredCustomer(
        id=c.id,
        customer_id=c.external_id,
        name=c.name,
        kind=c.kind,
        country=c.country,
        language=c.language,
        segment=c.segment,
        account_manager=am_code,
        value_segment=segment,
        clv=None if clv is None else Money(amount_cents=int(clv), currency=CURRENCY),
        risk=None if risk is None else float(risk),
        open_alerts=int(n or 0),
    )


def list_scored(
    session: Session,
    *,
    viewer: User,
    filters: CustomerFilters,
    sort: str | None = None,
    open_alerts_only: bool = False,
    page: int = 1,
    page_size: int = 50,
    page_size_max: int = 200,
) -> ScoredCustomerPage:
    """One page of the customers ``viewer`` may see with their value and risk, sorted."""
    key = check_sort(sort)
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= page_size <= page_size_max:
        raise InvalidInput("page_size", f"must be between 1 and {page_size_max}")
    stmt, order, run = _scored_select(session, viewer, filters, key, open_alerts_only)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(*order).offset(row_offset(page, page_size)).limit(page_size)
    ).all()
    return ScoredCustomerPage(
        items=[_item(row) for row in rows],
        page=page,
        page_size=page_size,
        total=int(total),
        sort=key,
        open_alerts_only=open_alerts_only,
        score_run_id=run.run_id if run else None,
    )


def every_scored(
    session: Session,
    *,
    viewer: User,
    filters: CustomerFilters,
    sort: str | None = None,
    open_alerts_only: bool = False,
    batch: int = 1000,
) -> Iterator[tuple[Customer, ScoredCustomer]]:
    """Every customer of :func:`list_scored`'s list with the same filters, sort and
    open-alerts filter, in its order, with his list item, read ``batch`` rows at a time (a
    server-side cursor on PostgreSQL): the CSV export of the page."""
    key = check_sort(sort)
    stmt, order, _run = _scored_select(session, viewer, filters, key, open_alerts_only)
    for row in session.execute(stmt.order_by(*order).execution_options(yield_per=batch)):
        yield row[0], _item(row)
