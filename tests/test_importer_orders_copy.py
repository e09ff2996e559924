"""The fresh orders path (``importer/orders_fresh.py``): on PostgreSQL a first, large import
of a file's orders ``COPY``s the orders and the lines straight into their tables in binary
format, ids reserved from the sequences. Forced here on small files by lowering the bulk
threshold; the same files go through the normal path on SQLite, with the same results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.customers.models import Customer
from valuecenter.db.bulk import Db, binary_copy
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import Conflict
from valuecenter.importer import bulk, orders_fresh
from valuecenter.importer.service import ImportOptions, ImportResult, import_file
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

from .test_importer_atomic import table_counts
from .test_importer_bulk import schema_of

HEADER = "order_id,customer_id,ordered_at,product_id,quantity,unit_price,currency,country\n"
FILE = HEADER + (
    "Ø-1,C1,2024-01-02 10:00:00,P1,2,0.001,eur,NL\n"
    "Ø-1,C1,2024-01-02 10:00:00,P2,-1,2.5,eur,NL\n"
    "B2,C2,1999-12-31T23:59:59.5+01:00,P1,5,1,,\n"
    "C3,C1,2024-03-01 00:00,P3,1,10,USD,BE\n"
)
"""Three orders (a multi-byte id, a timestamp before PostgreSQL's epoch with an offset, a
blank currency and country), two customers, three products."""


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the fresh COPY path is PostgreSQL's")
    return engine


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables written by ``Db.copy_into``, with the bulk threshold lowered to 1 row."""
    copied: list[str] = []
    real = Db.copy_into

    def spy(self: Db, table: str, *args: Any, **kwargs: Any) -> int:
        copied.append(table)
        return real(self, table, *args, **kwargs)

    monkeypatch.setattr(Db, "copy_into", spy)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    return copied


def load(
    sessions: sessionmaker[Session], tmp_path: Path, content: str, name: str = "o.csv"
) -> ImportResult:
    path = tmp_path / name
    path.write_text(content)
    with unit_of_work(sessions) as s:
        return import_file(s, "orders", path, options=ImportOptions(create_customers=True))


def stored_lines(engine: Engine) -> list[tuple[Any, ...]]:
    """Every line with its order's and references' natural keys (typed by the models)."""
    query = (
        select(
            Order.external_id,
            Customer.external_id,
            Order.ordered_at,
            Order.currency,
            Order.country,
            OrderLine.line_no,
            Product.external_id,
            OrderLine.quantity,
            OrderLine.unit_price_ten_thousandths,
            OrderLine.total_cents,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .order_by(Order.external_id, OrderLine.line_no)
    )
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(query).all()]


JAN_2 = datetime(2024, 1, 2, 10, tzinfo=UTC)
EXPECTED = [
    (
        "B2",
        "C2",
        datetime(1999, 12, 31, 22, 59, 59, 500_000, tzinfo=UTC),
        "EUR",
        None,
        1,
        "P1",
        5,
        10_000,
        500,
    ),
    ("C3", "C1", datetime(2024, 3, 1, tzinfo=UTC), "USD", "BE", 1, "P3", 1, 100_000, 1000),
    ("Ø-1", "C1", JAN_2, "EUR", "NL", 1, "P1", 2, 10, 0),
    ("Ø-1", "C1", JAN_2, "EUR", "NL", 2, "P2", -1, 25_000, -250),
]


def test_the_fresh_path_stores_what_the_normal_path_stores_and_a_reimport_changes_nothing(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path, copies: list[str]
) -> None:
    """Both backends end with the same rows (SQLite by the normal path); importing the same
    file again — now the staged path, which compares — finds every line unchanged."""
    result = load(sessions, tmp_path, FILE)
    assert (result.inserted, result.rejected, result.created) == (
        4,
        0,
        {"customers": 2, "products": 3},
    )
    fresh = engine.dialect.name == "postgresql"
    assert copies == (["orders", "order_lines"] if fresh else [])
    rows = stored_lines(engine)
    assert rows == EXPECTED
    counts = table_counts(engine)

    again = load(sessions, tmp_path, FILE, "again.csv")
    assert (again.inserted, again.updated, again.unchanged, again.created) == (0, 0, 4, {})
    assert copies == (["orders", "order_lines"] if fresh else [])  # not fresh: staged
    assert stored_lines(engine) == rows
    assert table_counts(engine) == counts


def test_ids_come_from_the_sequences_in_file_order_and_later_inserts_go_on_after_them(
    pg: Engine, sessions: sessionmaker[Session], tmp_path: Path, copies: list[str]
) -> None:
    first = HEADER + "A0,C1,2024-01-01 10:00,P1,1,1,,\n"
    assert load(sessions, tmp_path, first, "first.csv").inserted == 1
    assert copies == ["orders", "order_lines"]  # fresh, and the tables were empty
    assert load(sessions, tmp_path, FILE).inserted == 4
    assert copies == ["orders", "order_lines"] * 2  # none of FILE's orders stored: fresh
    with pg.connect() as conn:
        orders = conn.execute(text("SELECT external_id, id FROM orders ORDER BY id")).all()
        lines = conn.execute(text("SELECT id FROM order_lines ORDER BY id")).scalars().all()
        order_seq = conn.scalar(text("SELECT last_value FROM orders_id_seq"))
        line_seq = conn.scalar(text("SELECT last_value FROM order_lines_id_seq"))
    assert [tuple(r) for r in orders] == [("A0", 1), ("Ø-1", 2), ("B2", 3), ("C3", 4)]
    assert list(lines) == [1, 2, 3, 4, 5]
    assert (order_seq, line_seq) == (4, 5)
    # A plain insert (the ORM, the sequences' defaults) gets the next ids.
    with unit_of_work(sessions) as s:
        customer_id = s.execute(text("SELECT id FROM customers LIMIT 1")).scalar_one()
        product_id = s.execute(text("SELECT id FROM products LIMIT 1")).scalar_one()
        order = Order(
            external_id="D4",
            customer_id=customer_id,
            ordered_at=datetime(2024, 5, 1, tzinfo=UTC),
            currency="EUR",
        )
        s.add(order)
        s.flush()
        line = OrderLine(
            order_id=order.id,
            line_no=1,
            product_id=product_id,
            quantity=1,
            unit_price_ten_thousandths=10_000,
            total_cents=100,
        )
        s.add(line)
        s.flush()
        assert (order.id, line.id) == (5, 6)


def test_an_order_stored_meanwhile_fails_the_import_with_one_line_and_changes_nothing(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    copies: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another session stores one of the file's orders between the freshness check and the
    COPY (simulated: the check is made to answer "fresh"): the re-built unique constraint of
    ``orders.external_id`` refuses the load; the rollback restores everything."""
    load(sessions, tmp_path, HEADER + "B2,C2,2024-01-01 10:00,P1,1,1,,\n", "first.csv")
    counts, schema, rows = table_counts(pg), schema_of(pg), stored_lines(pg)
    monkeypatch.setattr(orders_fresh, "wanted", lambda *_args: True)
    with pytest.raises(Conflict) as caught:
        load(sessions, tmp_path, FILE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("bulk load into orders: ")
    assert "uq_orders_external_id" in message
    assert (table_counts(pg), schema_of(pg), stored_lines(pg)) == (counts, schema, rows)


@pytest.mark.parametrize(
    ("sequence", "table", "constraint"),
    [
        ("orders_id_seq", "orders", "pk_orders"),
        ("order_lines_id_seq", "order_lines", "pk_order_lines"),
    ],
)
def test_reserved_ids_that_are_taken_fail_the_import_with_one_line_and_change_nothing(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    copies: list[str],
    sequence: str,
    table: str,
    constraint: str,
) -> None:
    """A sequence set back below the stored ids (by hand, a restore): the reserved ids clash,
    and the re-built primary key refuses the load with one line; nothing changed."""
    load(sessions, tmp_path, HEADER + "A0,C1,2024-01-01 10:00,P1,1,1,,\n", "first.csv")
    with pg.begin() as conn:
        conn.execute(text(f"SELECT setval('{sequence}', 1, false)"))
    counts, schema, rows = table_counts(pg), schema_of(pg), stored_lines(pg)
    with pytest.raises(Conflict) as caught:
        load(sessions, tmp_path, FILE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"bulk load into {table}: ")
    assert constraint in message
    assert (table_counts(pg), schema_of(pg), stored_lines(pg)) == (counts, schema, rows)


def test_unknown_customers_reject_their_orders_lines_on_the_fresh_path(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path, copies: list[str]
) -> None:
    """Without ``--create-customers`` the lines of an unknown customer's orders are rejected
    with the same message on both paths; the other orders load."""
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,name\nC1,One\n")
    with unit_of_work(sessions) as s:
        import_file(s, "customers", customers)
    path = tmp_path / "o.csv"
    path.write_text(FILE)
    with unit_of_work(sessions) as s:
        result = import_file(s, "orders", path)
    assert (result.inserted, result.rejected) == (3, 1)
    rejected = (tmp_path / "o.rejected.csv").read_text()
    assert "unknown customer 'C2'" in rejected
    assert [r[0] for r in stored_lines(engine)] == ["C3", "Ø-1", "Ø-1"]
    assert copies == (["orders", "order_lines"] if engine.dialect.name == "postgresql" else [])


def test_binary_copy_writes_what_postgresql_reads(pg: Engine) -> None:
    """Integers of each width, text (empty, multi-byte, from a sliced array), NULLs and
    timestamps on both sides of 2000-01-01 round-trip through ``COPY … (FORMAT binary)``."""
    stamps = [
        datetime(2024, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC),
        None,
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
    ]
    columns = [
        pa.array([1, -2, 3, 2**62]),
        pa.array(["skip", "a", "", "héllo €", "x"]).slice(1, 4),
        pa.array(stamps, pa.timestamp("us", "UTC")),
        pa.array(["t", None, "", None]),
        pa.array([None, 5, -7, None], pa.int64()),
        pa.array([1, 2, -3, 4]),
    ]
    types = [
        "bigint",
        "character varying",
        "timestamp with time zone",
        "text",
        "integer",
        "smallint",
    ]
    with pg.connect() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE t (a bigint, b varchar(10), c timestamptz, d text, "
                "e integer, f smallint)"
            )
        )
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY t FROM STDIN (FORMAT binary)") as cp:
            cp.write(binary_copy(columns, types))
        rows = [tuple(r) for r in conn.execute(text("SELECT * FROM t")).all()]
    assert rows == [
        (1, "a", stamps[0], "t", None, 1),
        (-2, "", None, None, 5, 2),
        (3, "héllo €", stamps[2], "", -7, -3),
        (2**62, "x", stamps[3], None, None, 4),
    ]
