"""The demo company as a Parquet data lake (``valuecenter demo --out parquet:DIR``): the tables
the Spark jobs read (``spark.features.LAKE_COLUMNS``), with the integer ids a load into an
empty database gives them, so a benchmark can make worlds of millions of customers without a
database (issue 24, point 3).

The ids follow the importer: customers numbered in file order from 1, orders in the order of
their first line, lines, contracts, contacts, their reasons and surveys in file order; a
line's total is the importer's (quantity × unit price in ten-thousandths, rounded to the cent
half away from zero, ``importer.line_totals``) and a fee is rounded to the cent the same way.
Written block by block (memory stays at one block) beside the target and renamed into place
when complete.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from valuecenter.db.parquet import written_whole
from valuecenter.demo.world import Plan, generate_blocks
from valuecenter.i18n import _
from valuecenter.importer.line_totals import line_totals

TABLES = (
    "customers", "orders", "order_lines", "contracts", "contacts", "contact_reasons", "surveys",
)  # fmt: skip
_SCHEMAS = {
    "customers": pa.schema([("id", pa.int64()), ("country", pa.string())]),
    "orders": pa.schema(
        [("id", pa.int64()), ("customer_id", pa.int64()), ("ordered_at", pa.timestamp("us", "UTC"))]
    ),
    "order_lines": pa.schema(
        [("id", pa.int64()), ("order_id", pa.int64()), ("total_cents", pa.int64())]
    ),
    "contracts": pa.schema(
        [
            ("id", pa.int64()),
            ("customer_id", pa.int64()),
            ("monthly_fee_cents", pa.int64()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("cancelled_at", pa.date32()),
            ("renewed_at", pa.date32()),
            ("status", pa.string()),
        ]
    ),
    "contacts": pa.schema(
        [
            ("id", pa.int64()),
            ("customer_id", pa.int64()),
            ("started_at", pa.timestamp("us", "UTC")),
            ("abandoned", pa.bool_()),
        ]
    ),
    "contact_reasons": pa.schema(
        [
            ("id", pa.int64()),
            ("contact_id", pa.int64()),
            ("position", pa.int64()),
            ("reason", pa.string()),
        ]
    ),
    "surveys": pa.schema(
        [
            ("id", pa.int64()),
            ("customer_id", pa.int64()),
            ("answered_at", pa.timestamp("us", "UTC")),
            ("nps", pa.int64()),
        ]
    ),
}


def schema_of(table: str) -> pa.Schema:
    """The columns and types the demo's lake writes of ``table`` (a subset of the export's)."""
    return _SCHEMAS[table]


def _units(amounts: pd.Series, scale: int) -> np.ndarray:
    """Amounts in integer units of 1/``scale`` as the importer reads a number
    (``importer.convert``: the product rounded; the demo writes no finer amounts)."""
    return np.round(amounts.to_numpy(np.float64) * scale).astype(np.int64)


def _days(values: pd.Series) -> pa.Array:
    stamps = pd.to_datetime(values, errors="coerce")
    return pa.array([None if pd.isna(t) else t.date() for t in stamps], type=pa.date32())


def write_plan_parquet(
    plan: Plan, out: Path, step: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write the planned world's lake tables under ``out`` (new or empty); rows per table."""
    rows = dict.fromkeys(TABLES, 0)
    with written_whole(out) as partial:
        for name in TABLES:
            (partial / name).mkdir(parents=True)
        customers = plan.frames["customers"]
        index = pd.Index(customers["customer_id"])
        pq.write_table(
            pa.table(
                {
                    "id": pa.array(np.arange(1, len(customers) + 1), type=pa.int64()),
                    "country": pa.array(customers["country"].tolist(), type=pa.string()),
                },
                schema=_SCHEMAS["customers"],
            ),
            partial / "customers" / "part-00000.parquet",
        )
        rows["customers"] = len(customers)
        for block in generate_blocks(plan):
            if step is not None:
                step(_("block %(i)s/%(n)s", i=block.index + 1, n=plan.blocks))
            part = f"part-{block.index:05d}.parquet"
            lines = block.frames["orders"]
            codes, _uniques = pd.factorize(lines["order_id"], sort=False)
            order_ids = codes.astype(np.int64) + rows["orders"] + 1
            # Each order's first line, in the order of the orders (factorize numbers them by
            # first appearance, so the first positions ascend with the codes).
            first = np.unique(codes, return_index=True)[1]
            heads = lines.iloc[first]
            pq.write_table(
                pa.table(
                    {
                        "id": pa.array(order_ids[first], type=pa.int64()),
                        "customer_id": pa.array(
                            index.get_indexer(heads["customer_id"]) + 1, type=pa.int64()
                        ),
                        "ordered_at": pa.array(heads["ordered_at"], type=pa.timestamp("us", "UTC")),
                    },
                    schema=_SCHEMAS["orders"],
                ),
                partial / "orders" / part,
            )
            totals, _too_large = line_totals(
                lines["quantity"].to_numpy(np.int64), _units(lines["unit_price"], 10_000)
            )
            pq.write_table(
                pa.table(
                    {
                        "id": pa.array(
                            np.arange(len(lines)) + rows["order_lines"] + 1, type=pa.int64()
                        ),
                        "order_id": pa.array(order_ids, type=pa.int64()),
                        "total_cents": pa.array(totals, type=pa.int64()),
                    },
                    schema=_SCHEMAS["order_lines"],
                ),
                partial / "order_lines" / part,
            )
            contracts = block.frames["contracts"]
            pq.write_table(
                pa.table(
                    {
                        "id": pa.array(
                            np.arange(len(contracts)) + rows["contracts"] + 1, type=pa.int64()
                        ),
                        "customer_id": pa.array(
                            index.get_indexer(contracts["customer_id"]) + 1, type=pa.int64()
                        ),
                        "monthly_fee_cents": pa.array(
                            _units(contracts["monthly_fee"], 100), type=pa.int64()
                        ),
                        "start_date": _days(contracts["start_date"]),
                        "end_date": _days(contracts["end_date"]),
                        "cancelled_at": _days(contracts["cancelled_at"]),
                        "renewed_at": _days(contracts["renewed_at"]),
                        "status": pa.array(contracts["status"].tolist(), type=pa.string()),
                    },
                    schema=_SCHEMAS["contracts"],
                ),
                partial / "contracts" / part,
            )
            rows["orders"] += len(first)
            rows["order_lines"] += len(lines)
            rows["contracts"] += len(contracts)
            _write_service(block.frames, index, rows, partial, part)
    return rows


def _customer_ids(index: pd.Index, external: pd.Series) -> pa.Array:
    """Database ids of external customer ids (null for an anonymous contact)."""
    at = index.get_indexer(pd.Index(external))
    return pa.array(at + 1, type=pa.int64(), mask=at < 0)


def _write_service(
    frames: dict[str, pd.DataFrame], index: pd.Index, rows: dict[str, int], out: Path, part: str
) -> None:
    """A block's contacts (ids in file order, as the importer numbers them), their reasons
    (the ``reasons`` column split on ``;`` or ``|``, positions from 1) and surveys."""
    contacts = frames["contacts"]
    ids = np.arange(len(contacts), dtype=np.int64) + rows["contacts"] + 1
    pq.write_table(
        pa.table(
            {
                "id": pa.array(ids, type=pa.int64()),
                "customer_id": _customer_ids(index, contacts["customer_id"]),
                "started_at": pa.array(contacts["started_at"], type=pa.timestamp("us", "UTC")),
                "abandoned": pa.array(contacts["abandoned"].to_numpy(bool), type=pa.bool_()),
            },
            schema=_SCHEMAS["contacts"],
        ),
        out / "contacts" / part,
    )
    codes = contacts["reasons"].fillna("").astype(str).str.split(r"[;|]", regex=True)
    per = codes.explode().str.strip()
    keep = per.notna() & per.ne("")
    owner = ids[per.index.to_numpy()[keep.to_numpy()]] if len(per) else ids[:0]
    kept = per[keep]
    position = kept.groupby(level=0).cumcount().to_numpy(np.int64) + 1
    reason_ids = np.arange(len(kept), dtype=np.int64) + rows["contact_reasons"] + 1
    pq.write_table(
        pa.table(
            {
                "id": pa.array(reason_ids, type=pa.int64()),
                "contact_id": pa.array(owner, type=pa.int64()),
                "position": pa.array(position, type=pa.int64()),
                "reason": pa.array(kept.tolist(), type=pa.string()),
            },
            schema=_SCHEMAS["contact_reasons"],
        ),
        out / "contact_reasons" / part,
    )
    surveys = frames["surveys"]
    pq.write_table(
        pa.table(
            {
                "id": pa.array(
                    np.arange(len(surveys), dtype=np.int64) + rows["surveys"] + 1, type=pa.int64()
                ),
                "customer_id": _customer_ids(index, surveys["customer_id"]),
                "answered_at": pa.array(surveys["answered_at"], type=pa.timestamp("us", "UTC")),
                "nps": pa.array(surveys["nps"].to_numpy(np.int64), type=pa.int64()),
            },
            schema=_SCHEMAS["surveys"],
        ),
        out / "surveys" / part,
    )
    rows["contacts"] += len(contacts)
    rows["contact_reasons"] += len(kept)
    rows["surveys"] += len(surveys)
