"""Order lines: headers, line numbers, products made on the fly, customers, re-imports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.customers.models import Customer
from valuecenter.db.uow import unit_of_work
from valuecenter.importer.service import ImportOptions, ImportResult, import_frame
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product


def load(
    sessions: sessionmaker[Session], rows: list[dict[str, Any]], **options: Any
) -> tuple[ImportResult, pd.DataFrame]:
    with unit_of_work(sessions) as session:
        return import_frame(
            session, "orders", pd.DataFrame(rows, dtype=object), options=ImportOptions(**options)
        )


def counts(result: ImportResult) -> tuple[int, int, int, int]:
    return result.inserted, result.updated, result.unchanged, result.rejected


def line(
    order: str, customer: str, product: str, qty: str, price: str, **kw: str
) -> dict[str, str]:
    return {
        "order_id": order,
        "customer_id": customer,
        "ordered_at": kw.pop("at", "2024-01-15 10:00:00"),
        "product_id": product,
        "quantity": qty,
        "unit_price": price,
        **kw,
    }


def stored_lines(s: Session) -> list[tuple[str, int, str, int, int, int]]:
    """(order, line, product, quantity, unit price in ten-thousandths, total in cents)."""
    rows = s.execute(
        select(Order.external_id, OrderLine.line_no, Product.external_id, OrderLine.quantity,
               OrderLine.unit_price_ten_thousandths, OrderLine.total_cents)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .order_by(Order.external_id, OrderLine.line_no)
    ).all()  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


ROWS = [
    line("O1", "C1", "P1", "2", "2.55", product_name="Brood", country="NL"),
    line("O2", "C2", "P2", "1", "10", product_name="Taart", country="BE"),
    line("O1", "C1", "P2", "-1", "9.99", product_name="Taart (2)", country="NL"),
    line("O1", "C1", "P1", "3", "2.55", product_name="", country="NL"),
]


def test_lines_are_numbered_per_order_and_products_made_on_the_fly(
    sessions: sessionmaker[Session],
) -> None:
    result, rejected = load(sessions, ROWS, create_customers=True)
    assert counts(result) == (4, 0, 0, 0)
    assert result.created == {"customers": 2, "products": 2}
    assert rejected.empty
    with sessions() as s:
        assert stored_lines(s) == [
            ("O1", 1, "P1", 2, 25500, 510),
            ("O1", 2, "P2", -1, 99900, -999),
            ("O1", 3, "P1", 3, 25500, 765),
            ("O2", 1, "P2", 1, 100000, 1000),
        ]
        names = dict(s.execute(select(Product.external_id, Product.name)).all())
        assert names == {"P1": "Brood", "P2": "Taart"}  # the first line's name
        order = s.scalars(select(Order).where(Order.external_id == "O1")).one()
        assert (order.currency, order.country) == ("EUR", "NL")
        assert order.ordered_at == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
        customer = s.scalars(select(Customer).where(Customer.external_id == "C2")).one()
        assert (customer.country, customer.name) == ("BE", None)


def test_reimport_is_unchanged_and_changes_are_counted_per_line(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, ROWS, create_customers=True)
    again, _ = load(sessions, ROWS, create_customers=True)
    assert counts(again) == (0, 0, 4, 0)
    assert again.created == {}
    changed = [dict(r) for r in ROWS]
    changed[2]["quantity"] = "-2"  # one line of O1
    changed[1]["ordered_at"] = "2024-01-16 08:00:00"  # the header of O2 (one line)
    changed.append(line("O2", "C2", "P1", "5", "2.55"))  # a new line of O2
    third, _ = load(sessions, changed, create_customers=True)
    assert counts(third) == (1, 2, 2, 0)
    with sessions() as s:
        assert ("O1", 2, "P2", -2, 99900, -1998) in stored_lines(s)
        assert s.scalar(select(func.count()).select_from(OrderLine)) == 5
        stamp = s.scalar(select(Order.ordered_at).where(Order.external_id == "O2"))
        assert stamp == datetime(2024, 1, 16, 8, 0, tzinfo=UTC)


def test_unknown_customer_rejects_every_line_of_its_order(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        s.add(Customer(external_id="C1"))
    result, rejected = load(sessions, ROWS)
    assert counts(result) == (3, 0, 0, 1)
    assert rejected[["line", "reason"]].values.tolist() == [[3, "unknown customer 'C2'"]]
    assert result.created == {"products": 2}


def test_an_order_naming_two_customers_rejects_the_other_lines(
    sessions: sessionmaker[Session],
) -> None:
    rows = [
        line("O1", "", "P1", "1", "1.00"),
        line("O1", "C1", "P1", "1", "1.00"),
        line("O1", "C2", "P2", "1", "1.00"),
        line("O1", "C1", "P3", "1", "1.00"),
    ]
    result, rejected = load(sessions, rows, create_customers=True)
    assert counts(result) == (2, 0, 0, 2)
    assert rejected[["line", "reason"]].values.tolist() == [
        [2, "customer_id is missing"],
        [4, "order 'O1' belongs to customer 'C1' (line 3), not 'C2'"],
    ]
    with sessions() as s:
        # Line numbers count every line of the file, so fixing line 2 later keeps the others.
        assert [r[1] for r in stored_lines(s)] == [2, 4]


def test_explicit_line_numbers_and_duplicates(sessions: sessionmaker[Session]) -> None:
    rows = [
        line("O1", "C1", "P1", "1", "1.00", line_no="10"),
        line("O1", "C1", "P2", "1", "1.00", line_no="20"),
        line("O1", "C1", "P3", "1", "1.00", line_no="10"),
        line("O1", "C1", "P3", "1.5", "1.00", line_no="0"),
    ]
    result, rejected = load(sessions, rows, create_customers=True)
    assert counts(result) == (2, 0, 0, 2)
    assert rejected["reason"].tolist() == [
        "duplicate key, first seen on line 2",
        "quantity: cannot read '1.5' as a whole number; line_no 0 is out of range (1–2147483647)",
    ]


def test_typed_frame_from_code(sessions: sessionmaker[Session]) -> None:
    """What the demo generator passes: typed columns, tz-aware and naive timestamps."""
    frame = pd.DataFrame(
        {
            "order_id": ["O1", "O1"],
            "customer_id": [17850.0, 17850.0],
            "ordered_at": pd.to_datetime(["2024-07-01 12:00", "2024-07-01 12:00"]),
            "product_id": ["P1", "P2"],
            "quantity": [1, 2],
            "unit_price": [2.55, 1.0],
            "currency": ["usd", "usd"],
        }
    )
    with unit_of_work(sessions) as s:
        result, _ = import_frame(
            s,
            "orders",
            frame,
            options=ImportOptions(create_customers=True, timezone="Europe/Amsterdam"),
        )
    assert counts(result) == (2, 0, 0, 0)
    with sessions() as s:
        order = s.scalars(select(Order)).one()
        assert order.ordered_at == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
        assert order.currency == "USD"
        assert s.scalar(select(Customer.external_id)) == "17850"
        assert s.scalar(select(func.sum(OrderLine.unit_price_ten_thousandths))) == 35500
