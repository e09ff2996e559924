"""The customer use cases without HTTP: pool visibility in the queries, a bounded number of
queries for the 360 (no N+1), the timeline and the consent state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import NOW, World
from valuecenter.consent.models import Consent, ConsentChannel, Purpose
from valuecenter.contacts.models import Channel, Contact, ContactReason
from valuecenter.customer360 import repository as c360_repository
from valuecenter.customer360 import service as c360
from valuecenter.customers import repository, service
from valuecenter.customers.models import Customer
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.users.models import Role, User


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _grow_history(session: Session, customer_id: int, n: int) -> None:
    """Add ``n`` orders with two lines and ``n`` contacts with two reasons each."""
    product = session.scalars(select(Product)).first()
    assert product is not None
    for i in range(n):
        order = Order(
            external_id=f"GROW-O-{i}", customer_id=customer_id, ordered_at=NOW - timedelta(days=i)
        )
        contact = Contact(
            external_id=f"GROW-K-{i}",
            customer_id=customer_id,
            channel=Channel.SMS,
            started_at=NOW - timedelta(hours=i),
        )
        session.add_all([order, contact])
        session.flush()
        session.add_all(
            [
                OrderLine(
                    order_id=order.id,
                    line_no=no,
                    product_id=product.id,
                    quantity=1,
                    unit_price_ten_thousandths=10_000,
                    total_cents=100,
                )
                for no in (1, 2)
            ]
            + [ContactReason(contact_id=contact.id, position=p, reason=f"r{p}") for p in (1, 2)]
        )
    session.commit()


def test_customer_360_uses_a_fixed_number_of_queries(
    world: World, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    def queries() -> int:
        with sessions() as session, counting(engine) as statements:
            viewer = session.get(User, world.users["agent"].id)
            assert viewer is not None
            statements.clear()
            c360.customer_360(session, viewer=viewer, customer_id=world.own.id)
            return len(statements)

    small = queries()
    with sessions() as session:
        _grow_history(session, world.own.id, 60)
    large = queries()
    assert small <= 17  # 14 + the risk block's open alerts, latest alert run, open save case
    assert large <= small + 2  # only the "count all" queries once the lists are capped


def test_orders_and_contacts_are_capped_with_totals(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        _grow_history(session, world.own.id, 120)
        viewer = session.get(User, world.users["manager"].id)
        assert viewer is not None
        c = c360.customer_360(session, viewer=viewer, customer_id=world.own.id)
    assert (len(c.orders.items), c.orders.total) == (c360.ORDERS_SHOWN, 124)
    assert (len(c.contacts.items), c.contacts.total) == (c360.CONTACTS_SHOWN, 124)
    assert c.summary.contacts_by_channel["sms"] == 120
    grown = [o for o in c.orders.items if o.order_id.startswith("GROW")]
    assert len(grown) >= 45
    assert all(len(o.lines) == 2 for o in grown)
    grown_contacts = [k for k in c.contacts.items if k.contact_id.startswith("GROW")]
    assert len(grown_contacts) >= 95
    assert all(k.reasons == ["r1", "r2"] for k in grown_contacts)
    stamps = [k.started_at for k in c.contacts.items]
    assert stamps == sorted(stamps, reverse=True)


def test_visible_customers_per_role(world: World, session: Session) -> None:
    def visible(role: str) -> set[str]:
        viewer = session.get(User, world.users[role].id)
        assert viewer is not None
        stmt = select(Customer.external_id).where(repository.visible_customers(viewer))
        return set(session.scalars(stmt))

    everyone = {"C1001", "C1002", "C1003", "C2001", "C2002", "D9001"}
    assert visible("agent") == visible("manager") == visible("admin") == everyone
    assert visible("account_manager") == {"C1001", "C1002", "C1003"}


def test_filter_options_show_only_what_the_viewer_may_see(world: World, session: Session) -> None:
    am = session.get(User, world.users["account_manager"].id)
    admin = session.get(User, world.users["admin"].id)
    assert am is not None
    assert admin is not None
    own = service.filter_options(session, viewer=am)
    assert own.countries == ["DE", "NL"]
    assert [a.code for a in own.account_managers] == ["AM01"]
    every = service.filter_options(session, viewer=admin)
    assert every.countries == ["BE", "DE", "NL"]
    assert [a.code for a in every.account_managers] == ["AM01", "AM02"]


def test_hidden_and_missing_customers_raise_the_same_not_found(
    world: World, session: Session
) -> None:
    am = session.get(User, world.users["account_manager"].id)
    assert am is not None
    messages = []
    for customer_id in (world.other.id, 10**9):
        with pytest.raises(NotFound) as caught:
            c360.customer_360(session, viewer=am, customer_id=customer_id)
        messages.append(str(caught.value))
    assert messages == ["no such customer", "no such customer"]


def test_paging_is_validated(world: World, session: Session) -> None:
    viewer = User(id=-1, username="x", password_hash="-", role=Role.AGENT)
    filters = service.normalize_filters()
    with pytest.raises(InvalidInput, match="page: must be 1 or more"):
        service.list_customers(session, viewer=viewer, filters=filters, page=0)
    with pytest.raises(InvalidInput, match="page_size: must be between 1 and 10"):
        service.list_customers(
            session, viewer=viewer, filters=filters, page_size=11, page_size_max=10
        )


def test_normalize_filters() -> None:
    f = service.normalize_filters(q="  bak ", country="", segment=" gold", account_manager=None)
    assert (f.q, f.country, f.segment, f.account_manager) == ("bak", None, "gold", None)
    with pytest.raises(InvalidInput, match=r"^q: "):
        service.normalize_filters(q="x" * 101)


def test_current_consent_is_the_latest_event_per_purpose_and_channel(
    world: World, session: Session
) -> None:
    session.add(
        Consent(
            customer_id=world.own.id,
            purpose=Purpose.MARKETING,
            channel=ConsentChannel.EMAIL,
            granted=True,
            source="re-opt-in",
            recorded_at=NOW - timedelta(hours=1),
        )
    )
    session.commit()
    current = {
        (c.purpose, c.channel): (c.granted, c.source)
        for c in c360_repository.current_consents(session, world.own.id)
    }
    assert current == {
        (Purpose.MARKETING, ConsentChannel.EMAIL): (True, "re-opt-in"),
        (Purpose.SERVICE, ConsentChannel.PHONE): (True, "contract"),
    }


def test_timeline_merges_everything_newest_first(world: World, session: Session) -> None:
    viewer = session.get(User, world.users["agent"].id)
    assert viewer is not None
    c = c360.customer_360(session, viewer=viewer, customer_id=world.own.id)
    entries = c360.timeline(c)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    kinds = {e.kind for e in entries}
    assert kinds == {"order", "contact", "survey", "contract", "consent"}
    assert len(entries) == 4 + 4 + 2 + 1 + 3
    k1 = next(e for e in entries if e.kind == "contact" and "invoice" in e.title)
    assert k1.title == "delivery, invoice"
    assert k1.channel == "phone"
    assert "resolved" in k1.tags
    assert k1.detail is not None
    assert "case CASE-1" in k1.detail
    assert "wait 0:35" in k1.detail
    ret = next(e for e in entries if e.title == "Order O-4")
    assert ret.tags == ["return"]
    assert ret.money is not None
    assert ret.money.amount_cents == -3450
    withdrawn = next(e for e in entries if e.kind == "consent" and "withdrawn" in e.tags)
    assert withdrawn.title == "Consent withdrawn: marketing via email"
    survey = next(e for e in entries if e.kind == "survey" and e.score == 4)
    assert survey.detail == "Delivery was late again · about K-1"
    contract = next(e for e in entries if e.kind == "contract")
    assert contract.at.utcoffset() == timedelta(0)
