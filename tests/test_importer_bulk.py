"""PostgreSQL's bulk-load path (``importer/bulk.py``): constraints and indexes dropped and
re-built in the import's transaction, forced here on small tables by lowering the threshold."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.customers.models import Customer
from valuecenter.db.bulk import Db
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import Conflict
from valuecenter.importer import bulk
from valuecenter.importer.service import ImportOptions, import_file
from valuecenter.orders.models import OrderLine

from .test_importer_atomic import SMALL, table_counts

BULK_TABLES = ("order_lines", "orders", "customers", "contacts", "contact_reasons", "cases")


def schema_of(engine: Engine, tables: tuple[str, ...] = BULK_TABLES) -> dict[str, object]:
    """Every constraint and index of ``tables``, by name, as the database reports them."""
    inspector = inspect(engine)
    found: dict[str, object] = {}
    for table in tables:
        found[table] = {
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(inspector.get_foreign_keys(table), key=lambda f: str(f["name"])),
            "uniques": sorted(
                inspector.get_unique_constraints(table), key=lambda u: str(u["name"])
            ),
            "indexes": sorted(inspector.get_indexes(table), key=lambda i: str(i["name"])),
        }
    return found


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the bulk-load path is PostgreSQL's")
    return engine


@pytest.fixture
def bulk_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables loaded through ``rebuilt_constraints``."""
    calls: list[str] = []
    real = bulk.rebuilt_constraints

    def spy(conn: Connection, table: str, *, analyze: bool = True) -> AbstractContextManager[None]:
        calls.append(table)
        return real(conn, table, analyze=analyze)

    monkeypatch.setattr(bulk, "rebuilt_constraints", spy)
    return calls


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def test_forced_bulk_path_loads_and_rebuilds_the_same_constraints(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk_calls: list[str],
) -> None:
    before = schema_of(pg)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    with unit_of_work(sessions) as s:
        result = import_file(
            s,
            "orders",
            write(tmp_path, "o.csv", SMALL),
            options=ImportOptions(create_customers=True),
        )
    assert (result.inserted, result.rejected) == (3, 0)
    assert bulk_calls == ["customers", "order_lines", "orders"]  # lines' rebuild around orders'
    with sessions() as s:
        lines = s.execute(
            select(
                OrderLine.line_no,
                OrderLine.quantity,
                OrderLine.unit_price_ten_thousandths,
                OrderLine.total_cents,
            ).order_by(OrderLine.order_id, OrderLine.line_no)
        ).all()
    assert [tuple(r) for r in lines] == [(1, 1, 10000, 100), (2, 2, 20000, 400), (1, 3, 10000, 300)]
    assert schema_of(pg) == before
    # The re-added foreign keys are real: a line of a missing order is refused.
    with pytest.raises(IntegrityError, match="fk_order_lines_order_id_orders"), pg.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO order_lines (order_id, line_no, product_id, quantity, "
                "unit_price_ten_thousandths, total_cents) "
                "SELECT 999999, 1, id, 1, 100, 1 FROM products LIMIT 1"
            )
        )


def test_fresh_bulk_load_leaves_both_tables_to_autovacuum(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Neither ``orders`` nor ``order_lines`` is analysed inside a fresh load (nothing joins
    against them but the foreign-key checks), yet their row counts are known: the index
    builds set them."""
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    statements: list[str] = []

    def seen(_conn: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(pg, "before_cursor_execute", seen)
    try:
        with unit_of_work(sessions) as s:
            result = import_file(
                s,
                "orders",
                write(tmp_path, "o.csv", SMALL),
                options=ImportOptions(create_customers=True),
            )
    finally:
        event.remove(pg, "before_cursor_execute", seen)
    assert (result.inserted, result.rejected) == (3, 0)
    assert "ANALYZE orders" not in statements
    assert "ANALYZE order_lines" not in statements
    with pg.connect() as conn:
        reltuples = dict(
            conn.execute(
                text(
                    "SELECT relname, reltuples FROM pg_class "
                    "WHERE relname IN ('orders', 'order_lines')"
                )
            ).all()
        )
    assert reltuples == {"orders": 2, "order_lines": 3}


def test_bulk_path_updates_changed_rows_and_inserts_new_ones(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk_calls: list[str],
) -> None:
    header = "customer_id,name,country\n"
    with unit_of_work(sessions) as s:
        import_file(s, "customers", write(tmp_path, "a.csv", header + "C1,One,NL\nC2,Two,BE\n"))
    assert bulk_calls == []  # two rows: the normal path
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    again = header + "C1,One,NL\nC2,Two renamed,BE\nC3,Three,DE\nC4,Four,FR\n"
    with unit_of_work(sessions) as s:
        result = import_file(s, "customers", write(tmp_path, "b.csv", again))
    assert bulk_calls == ["customers"]  # 2 new rows >= the 2 held
    assert (result.inserted, result.updated, result.unchanged) == (2, 1, 1)
    with sessions() as s:
        rows = s.execute(select(Customer.external_id, Customer.name).order_by(Customer.id)).all()
    assert [tuple(r) for r in rows] == [
        ("C1", "One"),
        ("C2", "Two renamed"),
        ("C3", "Three"),
        ("C4", "Four"),
    ]
    # Fewer new rows than the table holds: the normal path even above the threshold.
    with unit_of_work(sessions) as s:
        result = import_file(s, "customers", write(tmp_path, "c.csv", header + "C5,Five,NL\n"))
    assert result.inserted == 1
    assert bulk_calls == ["customers"]


def test_unique_constraints_other_tables_refer_to_are_kept_even_outside_the_importer(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk_calls: list[str],
) -> None:
    """The foreign keys pointing at the loaded table are read from the database, not from the
    importer's models: a table the importer does not know (here one made for the test, in a
    real database any feature's) that refers to ``customers.external_id`` keeps its key."""
    with pg.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE side_refs (ref text CONSTRAINT fk_side_refs_ref"
                " REFERENCES customers (external_id))"
            )
        )
    try:
        monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
        header = "customer_id,name,country\n"
        with unit_of_work(sessions) as s:
            result = import_file(s, "customers", write(tmp_path, "a.csv", header + "C1,One,NL\n"))
        assert (result.inserted, bulk_calls) == (1, ["customers"])
        with pg.begin() as conn:
            conn.execute(text("INSERT INTO side_refs VALUES ('C1')"))
        with pytest.raises(IntegrityError, match="fk_side_refs_ref"), pg.begin() as conn:
            conn.execute(text("INSERT INTO side_refs VALUES ('C2')"))
    finally:
        with pg.begin() as conn:
            conn.execute(text("DROP TABLE side_refs"))


def test_a_broken_foreign_key_fails_the_bulk_load_and_changes_nothing(
    pg: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with unit_of_work(sessions) as s:
        import_file(
            s,
            "orders",
            write(tmp_path, "o.csv", SMALL),
            options=ImportOptions(create_customers=True),
        )
    counts, schema = table_counts(pg), schema_of(pg)

    # Past the importer's own checks: straight into the helper, with a line of no order.
    def load_a_line_of_no_order() -> None:
        with unit_of_work(sessions) as s:
            conn = s.connection()
            with bulk.rebuilt_constraints(conn, "order_lines"):
                conn.execute(
                    text(
                        "INSERT INTO order_lines (order_id, line_no, product_id, quantity, "
                        "unit_price_ten_thousandths, total_cents) "
                        "SELECT o.id, 9, (SELECT MIN(id) FROM products), 1, 100, 1 FROM orders o "
                        "UNION ALL SELECT 999999, 1, MIN(id), 1, 100, 1 FROM products"
                    )
                )

    with pytest.raises(Conflict) as caught:
        load_a_line_of_no_order()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("bulk load into order_lines: ")
    assert "fk_order_lines_order_id_orders" in message
    assert table_counts(pg) == counts
    assert schema_of(pg) == schema


def test_small_loads_take_the_normal_path(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path, bulk_calls: list[str]
) -> None:
    with unit_of_work(sessions) as s:
        result = import_file(
            s,
            "orders",
            write(tmp_path, "o.csv", SMALL),
            options=ImportOptions(create_customers=True),
        )
    assert result.inserted == 3
    assert bulk_calls == []
    with engine.connect() as conn:
        assert not bulk.bulk_wanted(conn, "order_lines", 3)
        # On SQLite never; on PostgreSQL from the threshold on, into a table this small.
        wanted = bulk.bulk_wanted(conn, "order_lines", bulk.BULK_MIN_ROWS)
    assert wanted is (engine.dialect.name == "postgresql")


def test_the_helper_refuses_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")

    with (
        engine.connect() as conn,
        pytest.raises(ValueError, match="PostgreSQL only"),
        bulk.rebuilt_constraints(conn, "orders"),
    ):
        pass


def test_a_fresh_bulk_load_copies_the_lines_straight_into_order_lines(
    pg: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk_calls: list[str],
) -> None:
    """Issue 16: on a fresh bulk load the orders and the lines skip the staging tables (ids
    reserved from the sequences and looked up in numpy, one binary COPY into orders, one into
    order_lines); a re-import with new lines takes the staged path."""
    copied: list[str] = []
    real = Db.copy_into

    def spy(self: Db, table: str, *args: Any, **kwargs: Any) -> int:
        copied.append(table)
        return real(self, table, *args, **kwargs)

    monkeypatch.setattr(Db, "copy_into", spy)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    header = "order_id,customer_id,ordered_at,product_id,quantity,unit_price\n"
    first = header + (
        "A1,C1,2024-01-02 10:00,P1,2,0.001\n"
        "A1,C1,2024-01-02 10:00,P2,-1,2.5\n"
        "A2,C2,2024-01-03 11:00,P1,5,0.001\n"
    )
    with unit_of_work(sessions) as s:
        result = import_file(
            s,
            "orders",
            write(tmp_path, "a.csv", first),
            options=ImportOptions(create_customers=True),
        )
    assert (result.inserted, result.rejected) == (3, 0)
    assert copied == ["orders", "order_lines"]
    assert bulk_calls == ["customers", "order_lines", "orders"]  # lines' rebuild around orders'
    with sessions() as s:
        rows = s.execute(
            text(
                "SELECT o.external_id, l.line_no, p.external_id, l.quantity, "
                "l.unit_price_ten_thousandths, l.total_cents FROM order_lines l "
                "JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id "
                "ORDER BY o.external_id, l.line_no"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("A1", 1, "P1", 2, 10, 0),
        ("A1", 2, "P2", -1, 25_000, -250),
        ("A2", 1, "P1", 5, 10, 1),
    ]
    more = header + "A2,C2,2024-01-03 11:00,P3,1,1\nA3,C1,2024-01-04 09:00,P3,1,1\n"
    with unit_of_work(sessions) as s:
        result = import_file(
            s,
            "orders",
            write(tmp_path, "b.csv", more),
            options=ImportOptions(create_customers=True),
        )
    assert (result.inserted, result.updated) == (1, 1)  # A3 new; A2's line 1 now P3
    assert copied == ["orders", "order_lines"]  # A2 exists: not a fresh load, the staged path
