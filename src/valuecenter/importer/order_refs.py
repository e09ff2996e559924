"""An order file's products (and, on the fresh path, customers and orders) as small integer
keys — the dictionary codes of their external ids — with the database id of each key."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from valuecenter.db.bulk import Db, StageColumn
from valuecenter.importer.run import Run
from valuecenter.importer.validate import first_positions


def stage_products(
    run: Run, positions: np.ndarray, product_codes: np.ndarray, *, resolve: bool = True
) -> None:
    """Stage the products of the lines at ``positions`` (key ``k`` = product code), creating
    the unknown ones with the name of their first line; with ``resolve``, set each staged
    product's database id (``pid``) for the joins of the staged path."""
    v = run.v
    rows = first_positions(product_codes, positions)
    take = pa.array(rows, type=pa.int64())
    names = v.values.get("product_name")
    run.db.stage(
        "vc_stage_products",
        [
            StageColumn("k", "key"),
            StageColumn("product_id", "text"),
            StageColumn("name", "text"),
            StageColumn("pid", "int"),
        ],
        {
            "k": pa.array(product_codes[rows], type=pa.int64()),
            "product_id": v.values["product_id"].take(take),
            "name": names.take(take) if names is not None else pa.nulls(len(take), pa.string()),
            "pid": pa.nulls(len(take), pa.int64()),
        },
    )
    inserted = run.db.rowcount(
        "INSERT INTO products (external_id, name, active) "
        "SELECT sp.product_id, sp.name, :yes FROM vc_stage_products sp "
        "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.external_id = sp.product_id)",
        run.params,
    )
    run.count_created("products", inserted)
    if resolve:
        run.db.execute(
            "UPDATE vc_stage_products SET pid = "
            "(SELECT p.id FROM products p WHERE p.external_id = vc_stage_products.product_id)"
        )


def ids_by_key(db: Db, sql: str, size: int) -> np.ndarray:
    """``sql`` returns (small integer key, database id) pairs: an array id[key] of ``size``
    entries (−1 where none)."""
    raw: Any = db.conn.connection.driver_connection
    with raw.cursor() as cur:
        pairs = np.array(cur.execute(sql).fetchall(), dtype=np.int64).reshape(-1, 2)
    ids = np.full(size, -1, dtype=np.int64)
    ids[pairs[:, 0]] = pairs[:, 1]
    return ids
