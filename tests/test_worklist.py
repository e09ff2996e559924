"""The one worklist helper (``customers/worklist.py``) on every backend: the customer refs it
appends (with and without an account manager), pool visibility for account managers, paging
with totals, the whole list in batches in the page order, and the paging errors. The three
lists built on it (alert inbox, save desk, renewal list) are tested in their own files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.web_fixtures import NOW, World
from valuecenter.customers import worklist
from valuecenter.customers.schemas import CustomerRef
from valuecenter.errors import InvalidInput
from valuecenter.orders.models import Order
from valuecenter.users.models import User

ORDER = (Order.ordered_at.desc(), Order.id.desc())


def _viewer(session: Session, world: World, role: str) -> User:
    viewer = session.get(User, world.users[role].id)
    assert viewer is not None
    return viewer


def _orders(session: Session, world: World) -> None:
    """Three orders for every customer of the world, one day apart."""
    for ext, customer in world.customers.items():
        for i in range(3):
            session.add(
                Order(
                    external_id=f"WL-{ext}-{i}",
                    customer_id=customer.id,
                    ordered_at=NOW - timedelta(days=i, minutes=customer.id),
                )
            )
    session.flush()


def _query(viewer: User | None) -> worklist.Query:
    own = select(Order.external_id).where(Order.external_id.like("WL-%"))
    return worklist.listing(own, Order.customer_id, viewer)


def test_rows_carry_the_customer_ref_and_respect_the_pool(world: World, session: Session) -> None:
    _orders(session, world)
    manager, am = _viewer(session, world, "manager"), _viewer(session, world, "account_manager")

    rows, total = worklist.page_of(
        session, _query(manager), key=Order.id, order_by=ORDER, offset=0, limit=100
    )
    assert total == 3 * len(world.customers) == len(rows)
    refs = {ref.external_id: ref for _, ref in rows}
    assert refs["C1001"] == CustomerRef(
        id=world.own.id,
        external_id="C1001",
        name="Bakkerij de Vries",
        country="NL",
        account_manager="AM01",
    )
    assert refs["C2001"].account_manager == "AM02"
    assert refs["D9001"].account_manager is None  # no pool: outer join, still listed
    for (order_ext,), ref in rows:
        assert order_ext.startswith(f"WL-{ref.external_id}-")

    pool_rows, pool_total = worklist.page_of(
        session, _query(am), key=Order.id, order_by=ORDER, offset=0, limit=100
    )
    assert pool_total == 9
    assert {ref.external_id for _, ref in pool_rows} == {"C1001", "C1002", "C1003"}


def test_pages_and_the_whole_list_agree(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _orders(session, world)
    manager = _viewer(session, world, "manager")
    stmt = _query(manager)
    pages = []
    for offset in range(0, 18, 5):
        rows, total = worklist.page_of(
            session, stmt, key=Order.id, order_by=ORDER, offset=offset, limit=5
        )
        assert total == 18
        pages.extend(rows)
    assert len(pages) == 18
    monkeypatch.setattr(worklist, "BATCH", 4)  # several fetches
    assert list(worklist.every_row(session, stmt, order_by=ORDER)) == pages
    am = _viewer(session, world, "account_manager")
    assert len(list(worklist.every_row(session, _query(am), order_by=ORDER))) == 9
    # None: the caller has checked visibility (one row he just changed)
    assert worklist.count_of(session, _query(None), Order.id) == 18


def test_paging_is_checked_with_one_line_errors() -> None:
    assert worklist.paging(3, 20, 200).offset == 40
    with pytest.raises(InvalidInput, match="must be 1 or more") as page:
        worklist.paging(0, 20, 200)
    assert page.value.field == "page"
    with pytest.raises(InvalidInput, match="between 1 and 200") as size:
        worklist.paging(1, 201, 200)
    assert size.value.field == "page_size"
