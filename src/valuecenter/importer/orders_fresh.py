"""A first, large import of a file's orders on PostgreSQL: orders and lines ``COPY``'d
straight into their tables in binary format, with no staging table of orders or lines.

Taken when none of the file's orders is stored yet and both ``orders`` and ``order_lines``
meet the bulk rule (``bulk.bulk_wanted``); anything else — a re-import, new lines for stored
orders, SQLite, a small file — takes the staged path of ``loaders.load_orders``, which must
compare and update. What the staged path does in SQL is done here in numpy, on the
dictionary codes of the external ids (docs/benchmarks.md, "Import"):

- customers: only the file's distinct customers are staged (a few thousand rows), unknown
  ones created (``--create-customers``) or their orders' lines rejected, and their ids fetched
  into an array indexed by customer code;
- products: staged and created as on the staged path, their ids fetched into an array;
- orders: their ids are reserved from ``orders``' sequence under the table lock
  (``Db.reserve_ids``), assigned in file order, and the orders (ids, external ids, customer
  ids, timestamps, currency, country) ``COPY``'d in binary into ``orders``; each line's order
  id is then an array look-up;
- lines: ids reserved the same way, ``COPY``'d in binary into ``order_lines``.

Both ``COPY``s run inside ``bulk.rebuilt_constraints`` of both tables, ``order_lines``'
outside ``orders``': once ``order_lines``' foreign key to ``orders`` is dropped, nothing refers
to ``orders``' primary key, so both tables' primary keys, unique constraints, indexes and
foreign keys are built once after their ``COPY`` instead of row by row.

Integrity is the re-built constraints' job, as on every bulk path: every primary key, unique
constraint and foreign key is re-created and checks every row; a violation (say an order
another session stored meanwhile) fails the whole import with one line and the rollback
leaves everything as it was. Neither table is analysed inside the load: the index builds set
their row and page counts, which is what the foreign-key checks are planned by, and
autovacuum analyses both after the commit.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from valuecenter.db.bulk import StageColumn
from valuecenter.i18n import gettext
from valuecenter.importer import bulk
from valuecenter.importer.order_refs import ids_by_key, stage_products
from valuecenter.importer.run import UNKNOWN, Counts, Run, insert
from valuecenter.importer.validate import first_positions, mask

ORDER_KINDS = {
    "id": "int",
    "external_id": "text",
    "customer_id": "int",
    "ordered_at": "ts",
    "currency": "text",
    "country": "text",
}


def wanted(run: Run, headers: np.ndarray, lines: int) -> bool:
    """Whether this load takes the fresh path: PostgreSQL, the bulk rule met by the orders
    (the rows at ``headers``) and by the ``lines``, and none of the orders stored yet."""
    db = run.db
    if not db.pg:
        return False
    if not bulk.bulk_wanted(db.conn, "orders", len(headers)):
        return False
    if not bulk.bulk_wanted(db.conn, "order_lines", lines):
        return False
    # The bulk rule bounded the stored orders by the file's: fetch their keys (if any).
    stored = db.rows("SELECT external_id FROM orders LIMIT :n", {"n": len(headers) + 1})
    if not stored:
        return True
    ours = run.v.values["order_id"].take(pa.array(headers, type=pa.int64()))
    found = pc.is_in(ours, value_set=pa.array([r[0] for r in stored], type=pa.string()))
    return not bool(mask(found).any())


def load(run: Run, headers: np.ndarray, order_codes: np.ndarray, totals: np.ndarray) -> Counts:
    """Load the valid lines (``run.v.rejects.ok``) and their orders (first lines at
    ``headers``); every line is new."""
    v, db = run.v, run.db
    valid = int(v.rejects.ok.sum())
    customer_codes = v.codes("customer_id")
    customer_ids = _customers(run, headers, customer_codes)
    positions = np.flatnonzero(v.rejects.ok)
    if not len(positions):
        return Counts()
    if len(positions) != valid:  # lines of unknown customers rejected: fewer orders
        headers = first_positions(order_codes, positions)
    product_codes = v.codes("product_id")
    stage_products(run, positions, product_codes, resolve=False)
    product_ids = ids_by_key(
        db,
        "SELECT sp.k, p.id FROM vc_stage_products sp "
        "JOIN products p ON p.external_id = sp.product_id",
        int(product_codes.max()) + 1,
    )
    # orders before order_lines, as the staged path locks them (no deadlock between the two).
    db.execute("LOCK TABLE orders, order_lines IN ACCESS EXCLUSIVE MODE")
    # order_lines' constraints first: with its foreign key to orders gone, nothing refers to
    # orders' primary key either, so it too is built after the COPY instead of row by row.
    with bulk.rebuilt_constraints(db.conn, "order_lines", analyze=False):
        order_ids = np.full(int(order_codes.max()) + 1, -1, dtype=np.int64)
        order_ids[order_codes[headers]] = _copy_orders(
            run, headers, customer_ids[customer_codes[headers]]
        )
        take = pa.array(positions, type=pa.int64())
        _copy_lines(
            run,
            {
                "order_id": pa.array(order_ids[order_codes[positions]], type=pa.int64()),
                "line_no": v.values["line_no"].take(take),
                "product_id": pa.array(product_ids[product_codes[positions]], type=pa.int64()),
                "quantity": v.values["quantity"].take(take),
                "unit_price_ten_thousandths": v.values["unit_price"].take(take),
                "total_cents": pa.array(totals[positions], type=pa.int64()),
            },
        )
    return Counts(inserted=len(positions))


def _customers(run: Run, headers: np.ndarray, customer_codes: np.ndarray) -> np.ndarray:
    """Each customer's database id by customer code (−1 for none). Unknown customers are
    created (``create_customers``: kind b2b, the country of their first order) or their
    orders' lines rejected, as on the staged path."""
    v, db = run.v, run.db
    rows = first_positions(customer_codes, headers)
    take = pa.array(rows, type=pa.int64())
    with_country = "country" in v.values
    columns = [StageColumn("k", "key"), StageColumn("customer_id", "text")]
    data = {
        "k": pa.array(customer_codes[rows], type=pa.int64()),
        "customer_id": v.values["customer_id"].take(take),
    }
    if with_country:
        columns.append(StageColumn("country", "text"))
        data["country"] = v.values["country"].take(take)
    db.stage("vc_stage_customers", columns, data, analyze=False)
    unknown = "NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = sc.customer_id)"
    if run.create_customers:
        country = ", country" if with_country else ""
        sc_country = ", sc.country" if with_country else ""
        inserted = insert(
            run,
            "customers",
            f"INSERT INTO customers (external_id, kind, created_at{country}) "
            f"SELECT sc.customer_id, 'b2b', :now{sc_country} FROM vc_stage_customers sc "
            f"WHERE {unknown}",
            len(rows),
            f"SELECT count(*) FROM vc_stage_customers sc WHERE {unknown}",
        )
        run.count_created("customers", inserted)
    else:
        bad = db.rows(f"SELECT sc.k FROM vc_stage_customers sc WHERE {unknown}")
        if bad:
            lost = np.isin(customer_codes, [b[0] for b in bad]) & v.rejects.ok
            shown = v.values["customer_id"].filter(pa.array(lost)).to_pylist()
            message = gettext(UNKNOWN["customer"])
            v.rejects.add(lost, [message % {"value": c} for c in shown])
    return ids_by_key(
        db,
        "SELECT sc.k, c.id FROM vc_stage_customers sc "
        "JOIN customers c ON c.external_id = sc.customer_id",
        int(customer_codes.max()) + 1,
    )


def _copy_orders(run: Run, headers: np.ndarray, customer_ids: np.ndarray) -> np.ndarray:
    """``COPY`` the orders (one per header line) into ``orders``; their ids, in file order."""
    v, db = run.v, run.db
    take = pa.array(headers, type=pa.int64())
    currency = (
        pc.fill_null(v.values["currency"].take(take), "EUR")
        if "currency" in v.values
        else pa.array(["EUR"] * len(headers), type=pa.string())
    )
    data = {
        "external_id": v.values["order_id"].take(take),
        "customer_id": pa.array(customer_ids, type=pa.int64()),
        "ordered_at": v.values["ordered_at"].take(take),
        "currency": currency,
    }
    if "country" in v.values:
        data["country"] = v.values["country"].take(take)
    with bulk.rebuilt_constraints(db.conn, "orders", analyze=False):
        ids = db.reserve_ids("orders", len(headers)) + np.arange(len(headers), dtype=np.int64)
        data = {"id": pa.array(ids, type=pa.int64()), **data}
        db.copy_into("orders", [StageColumn(name, ORDER_KINDS[name]) for name in data], data)
    return ids


def _copy_lines(run: Run, data: dict[str, pa.Array]) -> None:
    """``COPY`` the lines into ``order_lines`` (its constraints dropped by the caller) with
    ids reserved from its sequence: cheaper than a ``nextval`` per row."""
    db = run.db
    n = len(data["order_id"])
    ids = db.reserve_ids("order_lines", n) + np.arange(n, dtype=np.int64)
    data = {"id": pa.array(ids, type=pa.int64()), **data}
    db.copy_into(
        "order_lines", [StageColumn(name, "int") for name in data], data, progress=run.step
    )
