"""Each entity's way into its tables: references resolved by joins, unknown ones created or
rejected, rows counted as inserted / updated / unchanged, then one upsert per table.

The pattern (the issue's "fast path"): stage the valid rows, then
``INSERT … SELECT … FROM stage JOIN <references> WHERE true ON CONFLICT (key) DO UPDATE …
WHERE <a value changed>`` — the ``WHERE true`` avoids SQLite's parse ambiguity of
``SELECT … ON CONFLICT``. Counts come from a join of the stage with the target table before
the upsert. A column absent from the input is not touched on update; on insert it gets its
default.

On PostgreSQL, a large load (``bulk.bulk_wanted``) instead updates the changed rows with one
``UPDATE … FROM`` and inserts the new ones with a plain ``INSERT … SELECT … WHERE NOT EXISTS``
inside ``bulk.rebuilt_constraints`` (foreign keys, unique constraints and secondary indexes
dropped and re-created in the same transaction; see ``bulk.py`` for the rule and the locks).
A first large import of a file's orders skips the staging of orders and lines altogether
(``orders_fresh.py``: binary ``COPY`` straight into ``orders`` and ``order_lines``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import insert as insert_stmt
from sqlalchemy import select, update

from valuecenter.contacts import queues as queue_rules
from valuecenter.db.bulk import StageColumn
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, gettext
from valuecenter.importer import bulk, orders_fresh
from valuecenter.importer.entities import Entity, Kind
from valuecenter.importer.line_totals import line_totals
from valuecenter.importer.order_refs import stage_products
from valuecenter.importer.run import UNKNOWN, UNKNOWN_THING, Counts, Run, insert
from valuecenter.importer.tables import table
from valuecenter.importer.validate import (
    FIRST_LINE,
    Validated,
    first_of_each,
    first_positions,
    mask,
    reject_duplicates,
)

STAGE_TYPE = {
    Kind.ID: "text",
    Kind.TEXT: "text",
    Kind.ENUM: "text",
    Kind.CODES: "text",
    Kind.INT: "int",
    Kind.MONEY: "int",
    Kind.PRICE: "int",
    Kind.DATE: "date",
    Kind.TIMESTAMP: "ts",
    Kind.BOOL: "bool",
}


@dataclass(frozen=True)
class Ref:
    """A column holding another table's natural key, stored as that row's id in ``fk``."""

    column: str
    table: str
    key: str
    fk: str
    label: str
    on_unknown: str  # "reject", "create" (a code table) or "customer" (create_customers)
    create_extra: tuple[tuple[str, str], ...] = ()  # (column, SQL value) when creating


@dataclass(frozen=True)
class Target:
    table: str
    conflict: tuple[str, ...]  # the target's natural key columns
    direct: tuple[tuple[str, str], ...]  # (target column, canonical column)
    refs: tuple[Ref, ...] = ()
    insert_only: tuple[tuple[str, str], ...] = ()  # (target column, SQL value)


CUSTOMER = Ref(
    "customer_id",
    "customers",
    "external_id",
    "customer_id",
    "customer",
    "customer",
    (("kind", "'b2b'"), ("created_at", ":now")),
)
AGENT = Ref("agent_id", "agents", "external_id", "agent_id", "agent", "reject")
CAMPAIGN = Ref("campaign_id", "campaigns", "external_id", "campaign_id", "campaign", "reject")


def _code_ref(column: str, table: str, fk: str, extra: tuple[tuple[str, str], ...] = ()) -> Ref:
    return Ref(column, table, "code", fk, column.replace("_", " "), "create", extra)


TARGETS: dict[str, Target] = {
    "agents": Target(
        "agents",
        ("external_id",),
        (
            ("external_id", "agent_id"),
            ("name", "name"),
            ("language", "language"),
            ("skills", "skills"),
            ("hire_date", "hire_date"),
            ("leave_date", "leave_date"),
        ),
        (_code_ref("team", "teams", "team_id"),),
    ),
    "customers": Target(
        "customers",
        ("external_id",),
        (
            ("external_id", "customer_id"),
            ("name", "name"),
            ("kind", "kind"),
            ("country", "country"),
            ("language", "language"),
            ("city", "city"),
            ("email", "email"),
            ("phone", "phone"),
            ("segment", "segment"),
            ("customer_since", "customer_since"),
        ),
        (
            _code_ref(
                "account_manager", "account_managers", "account_manager_id", (("active", ":yes"),)
            ),
        ),
        (("created_at", ":now"),),
    ),
    "products": Target(
        "products",
        ("external_id",),
        (("external_id", "product_id"), ("name", "name"), ("list_price_cents", "list_price")),
        (_code_ref("category", "categories", "category_id"),),
        (("active", ":yes"),),
    ),
    "contracts": Target(
        "contracts",
        ("external_id",),
        (
            ("external_id", "contract_id"),
            ("plan", "plan"),
            ("monthly_fee_cents", "monthly_fee"),
            ("start_date", "start_date"),
            ("end_date", "end_date"),
            ("status", "status"),
            ("renewed_at", "renewed_at"),
            ("cancelled_at", "cancelled_at"),
            ("cancel_reason", "cancel_reason"),
        ),
        (CUSTOMER,),
    ),
    "contacts": Target(
        "contacts",
        ("external_id",),
        (
            ("external_id", "contact_id"),
            ("channel", "channel"),
            ("direction", "direction"),
            ("queue", "queue"),
            ("started_at", "started_at"),
            ("wait_seconds", "wait_seconds"),
            ("talk_seconds", "talk_seconds"),
            ("wrap_seconds", "wrap_seconds"),
            ("hold_seconds", "hold_seconds"),
            ("abandoned", "abandoned"),
            ("resolved", "resolved"),
            ("intent", "intent"),
        ),
        (
            CUSTOMER,
            AGENT,
            Ref("case_id", "cases", "external_id", "case_id", "case", "case"),
        ),
    ),
    "surveys": Target(
        "surveys",
        ("external_id",),
        (
            ("external_id", "survey_id"),
            ("answered_at", "answered_at"),
            ("nps", "nps"),
            ("comment", "comment"),
            ("channel", "channel"),
        ),
        (CUSTOMER, Ref("contact_id", "contacts", "external_id", "contact_id", "contact", "reject")),
    ),
    "consents": Target(
        "consents",
        ("customer_id", "purpose", "channel", "recorded_at"),
        (
            ("purpose", "purpose"),
            ("channel", "channel"),
            ("granted", "granted"),
            ("source", "source"),
            ("recorded_at", "recorded_at"),
        ),
        (CUSTOMER,),
    ),
    "employee_surveys": Target(
        "employee_surveys",
        ("agent_id", "answered_at"),
        (("answered_at", "answered_at"), ("score", "score"), ("comment", "comment")),
        (AGENT,),
    ),
    "campaigns": Target(
        "campaigns",
        ("external_id",),
        (
            ("external_id", "campaign_id"),
            ("name", "name"),
            ("channel", "channel"),
            ("action", "action"),
            ("started_at", "started_at"),
            ("ended_at", "ended_at"),
            ("cost_per_contact_cents", "cost_per_contact"),
            ("description", "description"),
        ),
    ),
    "campaign_members": Target(
        "campaign_members",
        ("campaign_id", "customer_id"),
        (
            ("arm", "arm"),
            ("contacted_at", "contacted_at"),
            ("responded_at", "responded_at"),
            ("converted_at", "converted_at"),
            ("revenue_cents", "revenue"),
        ),
        (CAMPAIGN, CUSTOMER),
    ),
}


# ---------------------------------------------------------------- staging helpers


def _ok_positions(v: Validated) -> np.ndarray:
    return np.flatnonzero(v.rejects.ok)


def _stage_arrays(
    v: Validated, positions: np.ndarray, names: Sequence[str], *, with_line: bool = True
) -> tuple[list[StageColumn], dict[str, pa.Array]]:
    """The staging columns (``line`` first) and arrays of ``positions`` for ``names``."""
    take = pa.array(positions, type=pa.int64())
    cols: list[StageColumn] = []
    data: dict[str, pa.Array] = {}
    if with_line:
        cols.append(StageColumn("line", "int"))
        data["line"] = pa.array(positions + FIRST_LINE, type=pa.int64())
    for name in names:
        column = v.entity.column(name)
        cols.append(StageColumn(name, STAGE_TYPE[column.kind]))
        data[name] = _column_values(v, name).take(take)
    return cols, data


def _column_values(v: Validated, name: str) -> pa.Array:
    if name in v.values:
        return v.values[name]
    column = v.entity.column(name)
    arrow_type = {
        Kind.BOOL: pa.bool_(),
        Kind.INT: pa.int64(),
        Kind.MONEY: pa.int64(),
        Kind.PRICE: pa.int64(),
    }.get(column.kind, pa.string())
    return pa.array([column.default] * v.n, type=arrow_type)


def _staged_names(v: Validated) -> list[str]:
    """Columns in the input, plus absent ones that have a default (used on insert only)."""
    return [c.name for c in v.entity.columns if c.name in v.values or c.default is not None]


# ---------------------------------------------------------------- references


def _resolve_refs(
    run: Run, stage: str, refs: Sequence[Ref], staged: set[str], staged_rows: int
) -> None:
    db = run.db
    for ref in refs:
        if ref.column not in staged or ref.on_unknown == "case":
            continue
        unknown = (
            f"s.{ref.column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {ref.table} x WHERE x.{ref.key} = s.{ref.column})"
        )
        creating = ref.on_unknown == "create" or (
            ref.on_unknown == "customer" and run.create_customers
        )
        if creating:
            extra_cols = "".join(f", {c}" for c, _ in ref.create_extra)
            extra_vals = "".join(f", {val}" for _, val in ref.create_extra)
            inserted = insert(
                run,
                ref.table,
                f"INSERT INTO {ref.table} ({ref.key}{extra_cols}) "
                f"SELECT DISTINCT s.{ref.column}{extra_vals} FROM {stage} s WHERE {unknown}",
                staged_rows,
                f"SELECT count(DISTINCT s.{ref.column}) FROM {stage} s WHERE {unknown}",
            )
            run.count_created(ref.table, inserted)
            continue
        bad = db.rows(f"SELECT s.line, s.{ref.column} FROM {stage} s WHERE {unknown}")
        if bad:
            message = gettext(UNKNOWN.get(ref.label, UNKNOWN_THING))
            run.reject_lines(
                [b[0] for b in bad],
                [message % {"value": b[1], "what": ref.label} for b in bad],
            )
            db.execute(
                f"DELETE FROM {stage} WHERE {ref.column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {ref.table} x WHERE x.{ref.key} = {stage}.{ref.column})"
            )


# ---------------------------------------------------------------- the generic upsert


@dataclass
class Plan:
    """The SQL pieces of one target for one input."""

    joins: str
    insert_cols: list[str]
    insert_exprs: list[str]
    update_cols: list[str]
    match: str
    diffs: list[str]


def _plan(run: Run, target: Target, staged: set[str], present: set[str]) -> Plan:
    db = run.db
    exprs: dict[str, str] = {}
    joins: list[str] = []
    updatable: list[str] = []
    diffs: list[str] = []
    for col, name in target.direct:
        if name in staged:
            exprs[col] = f"s.{name}"
            if name in present and col not in target.conflict:
                updatable.append(col)
                diffs.append(f"t.{col} {db.differs} s.{name}")
    for i, ref in enumerate(target.refs):
        if ref.column not in staged:
            continue
        joins.append(f"LEFT JOIN {ref.table} r{i} ON r{i}.{ref.key} = s.{ref.column}")
        exprs[ref.fk] = f"r{i}.id"
        if ref.column in present and ref.fk not in target.conflict:
            updatable.append(ref.fk)
            diffs.append(f"t.{ref.fk} {db.differs} r{i}.id")
    for col, value in target.insert_only:
        exprs[col] = value
    match = " AND ".join(f"t.{col} = {exprs[col]}" for col in target.conflict)
    return Plan(" ".join(joins), list(exprs), list(exprs.values()), updatable, match, diffs)


def _count(run: Run, stage: str, table: str, plan: Plan, extra_diffs: Sequence[str]) -> Counts:
    diffs = plan.diffs + list(extra_diffs)
    changed = " OR ".join(diffs) if diffs else "1 = 0"
    total, existing, updated = run.db.rows(
        f"SELECT COUNT(*), COUNT(t.id), "
        f"COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0) "
        f"FROM {stage} s {plan.joins} LEFT JOIN {table} t ON {plan.match}"
    )[0]
    return Counts(int(total) - int(existing), int(updated), int(existing) - int(updated))


def _upsert(run: Run, stage: str, target: Target, plan: Plan) -> None:
    db = run.db
    table = target.table
    if plan.update_cols:
        sets = ", ".join(f"{c} = excluded.{c}" for c in plan.update_cols)
        changed = " OR ".join(f"{table}.{c} {db.differs} excluded.{c}" for c in plan.update_cols)
        action = f"DO UPDATE SET {sets} WHERE {changed}"
    else:
        action = "DO NOTHING"
    db.execute(
        f"INSERT INTO {table} ({', '.join(plan.insert_cols)}) "
        f"SELECT {', '.join(plan.insert_exprs)} FROM {stage} s {plan.joins} WHERE true "
        f"ON CONFLICT ({', '.join(target.conflict)}) {action}",
        run.params,
    )


def _store(run: Run, stage: str, target: Target, plan: Plan, counts: Counts) -> None:
    """Write the staged rows: the upsert, or on the bulk path an ``UPDATE`` of the changed
    rows followed by a plain ``INSERT`` of the new ones with the constraints re-built."""
    db = run.db
    if not bulk.bulk_wanted(db.conn, target.table, counts.inserted):
        _upsert(run, stage, target, plan)
        return
    table = target.table
    exprs = dict(zip(plan.insert_cols, plan.insert_exprs, strict=True))
    if counts.updated and plan.update_cols:
        sets = ", ".join(f"{c} = {exprs[c]}" for c in plan.update_cols)
        changed = " OR ".join(f"t.{c} IS DISTINCT FROM {exprs[c]}" for c in plan.update_cols)
        db.execute(
            f"UPDATE {table} t SET {sets} FROM {stage} s {plan.joins} "
            f"WHERE {plan.match} AND ({changed})",
            run.params,
        )
    with bulk.rebuilt_constraints(db.conn, table):
        db.execute(
            f"INSERT INTO {table} ({', '.join(plan.insert_cols)}) "
            f"SELECT {', '.join(plan.insert_exprs)} FROM {stage} s {plan.joins} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {plan.match})",
            run.params,
        )


def load_simple(run: Run) -> Counts:
    """Entities that map one row to one row of one table."""
    v = run.v
    reject_duplicates(v, v.entity.key)
    target = TARGETS[v.entity.name]
    stage = f"vc_stage_{target.table}"
    names = _staged_names(v)
    cols, data = _stage_arrays(v, _ok_positions(v), names)
    staged_rows = run.db.stage(stage, cols, data, progress=run.step)
    staged, present = set(names), set(v.present)
    _resolve_refs(run, stage, target.refs, staged, staged_rows)
    plan = _plan(run, target, staged, present)
    counts = _count(run, stage, target.table, plan, ())
    _store(run, stage, target, plan, counts)
    return counts


# ---------------------------------------------------------------- contacts


def load_contacts(run: Run) -> Counts:
    """Contacts: cases created on the fly, transfers within the file, and reasons."""
    v, db = run.v, run.db
    reject_duplicates(v, v.entity.key)
    target = TARGETS["contacts"]
    stage = "vc_stage_contacts"
    reasons = _split_reasons(run) if "reasons" in v.values else None
    names = [n for n in _staged_names(v) if n != "reasons"]
    positions = _ok_positions(v)
    cols, data = _stage_arrays(v, positions, names)
    if reasons is not None:
        counts_per_row = np.bincount(reasons[0], minlength=v.n)[positions]
        cols.append(StageColumn("reasons_n", "int"))
        data["reasons_n"] = pa.array(counts_per_row, type=pa.int64())
    staged_rows = db.stage(stage, cols, data, progress=run.step)
    db.execute(f"CREATE UNIQUE INDEX vc_ix_stage_contacts ON {stage} (contact_id)")
    staged, present = set(names), set(v.present)
    _resolve_refs(run, stage, target.refs, staged, staged_rows)
    if "case_id" in staged:
        _create_cases(run, stage, staged_rows)
    if "transferred_from" in staged:
        _reject_unknown_transfers(run, stage)
    extra: list[str] = []
    if "transferred_from" in present:
        extra.append(
            f"(SELECT tf.external_id FROM contacts tf WHERE tf.id = t.transferred_from_id) "
            f"{db.differs} s.transferred_from"
        )
    if reasons is not None:
        _stage_reasons(run, reasons)
        extra.append(
            "s.reasons_n <> (SELECT COUNT(*) FROM contact_reasons cr WHERE cr.contact_id = t.id)"
        )
        extra.append(
            "EXISTS (SELECT 1 FROM vc_stage_reasons sr WHERE sr.contact_id = s.contact_id "
            "AND NOT EXISTS (SELECT 1 FROM contact_reasons cr WHERE cr.contact_id = t.id "
            "AND cr.position = sr.position AND cr.reason = sr.reason))"
        )
    plan = _plan(run, target, staged, present)
    counts = _count(run, stage, "contacts", plan, extra)
    _store(run, stage, target, plan, counts)
    if "transferred_from" in present:
        db.execute(
            "UPDATE contacts SET transferred_from_id = (SELECT tf.id FROM "
            f"{stage} s JOIN contacts tf ON tf.external_id = s.transferred_from "
            "WHERE s.contact_id = contacts.external_id) "
            # Only contacts that have a transfer in the file or had one stored.
            f"WHERE external_id IN (SELECT contact_id FROM {stage} "
            "WHERE transferred_from IS NOT NULL) OR (transferred_from_id IS NOT NULL "
            f"AND external_id IN (SELECT contact_id FROM {stage}))"
        )
    if "case_id" in staged:
        _settle_cases(run, stage)
    if reasons is not None:
        db.execute(
            "DELETE FROM contact_reasons WHERE contact_id IN (SELECT c.id FROM contacts c "
            f"JOIN {stage} s ON s.contact_id = c.external_id)"
        )
        insert(
            run,
            "contact_reasons",
            "INSERT INTO contact_reasons (contact_id, position, reason) "
            "SELECT c.id, sr.position, sr.reason FROM vc_stage_reasons sr "
            f"JOIN {stage} s ON s.contact_id = sr.contact_id "
            "JOIN contacts c ON c.external_id = sr.contact_id",
            len(reasons[0]),
        )
    return counts


def _split_reasons(run: Run) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(row position, position 1..n, code) of every reason; rejects over-long codes."""
    text = run.v.values["reasons"]
    parts = pc.split_pattern_regex(text, pattern=r"[;|]")
    rows = np.asarray(pc.list_parent_indices(parts).to_numpy(), dtype=np.int64)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    keep = mask(pc.not_equal(flat, ""))
    rows, flat = rows[keep], flat.filter(pa.array(keep))
    too_long = mask(pc.greater(pc.utf8_length(flat), 64))
    if too_long.any():
        bad_rows = rows[too_long]
        shown = flat.filter(pa.array(too_long)).to_pylist()
        first = pd.Series(shown).groupby(bad_rows, sort=True).first()
        run.v.rejects.add_positions(
            first.index.to_numpy().tolist(),
            [
                _("reasons: code '%(code)s...' is longer than 64 characters", code=c[:20])
                for c in first
            ],
        )
    order = np.arange(len(rows))
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1] if len(rows) else np.zeros(0, np.int64)
    lengths = np.diff(np.r_[starts, len(rows)])
    position = order - np.repeat(starts, lengths) + 1
    return rows, position, flat


def _stage_reasons(run: Run, reasons: tuple[np.ndarray, np.ndarray, pa.Array]) -> None:
    rows, position, flat = reasons
    ok = run.v.rejects.ok[rows] if len(rows) else np.zeros(0, dtype=bool)
    contact = run.v.values["contact_id"].take(pa.array(rows[ok], type=pa.int64()))
    run.db.stage(
        "vc_stage_reasons",
        [
            StageColumn("contact_id", "text"),
            StageColumn("position", "int"),
            StageColumn("reason", "text"),
        ],
        {
            "contact_id": contact,
            "position": pa.array(position[ok], type=pa.int64()),
            "reason": flat.filter(pa.array(ok)),
        },
    )
    # Contacts rejected in SQL (unknown agent, transfer) leave their reasons unused: the
    # final INSERT joins the reasons to the staged contacts.


def _create_cases(run: Run, stage: str, staged_rows: int) -> None:
    """Unknown case ids become cases of the contact's customer, opened at the first contact."""
    customer = "c.id" if "customer_id" in run.v.values else "NULL"
    customer_join = (
        "LEFT JOIN customers c ON c.external_id = x.customer_id"
        if "customer_id" in run.v.values
        else ""
    )
    customer_col = ", s.customer_id" if "customer_id" in run.v.values else ""
    new_cases = (
        f"SELECT count(DISTINCT s.case_id) FROM {stage} s WHERE s.case_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.external_id = s.case_id)"
    )
    inserted = insert(
        run,
        "cases",
        "INSERT INTO cases (external_id, customer_id, opened_at, status) "
        f"SELECT x.case_id, {customer}, x.opened_at, 'open' FROM ("
        f"SELECT s.case_id{customer_col}, "
        "MIN(s.started_at) OVER (PARTITION BY s.case_id) AS opened_at, "
        "ROW_NUMBER() OVER (PARTITION BY s.case_id ORDER BY s.started_at, s.line) AS rn "
        f"FROM {stage} s WHERE s.case_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM cases k WHERE k.external_id = s.case_id)"
        f") x {customer_join} WHERE x.rn = 1",
        staged_rows,
        new_cases,
    )
    run.count_created("cases", inserted)


def _settle_cases(run: Run, stage: str) -> None:
    """The status of every case the file touched follows its latest contact: closed (at that
    contact's start) when it resolved the matter, open otherwise. A contacts file carries no
    case status, its contacts do; without this every imported case stayed open for ever (and
    held its customer in his account manager's pool, docs/pools.md)."""

    def latest(column: str) -> str:
        return (
            f"(SELECT c.{column} FROM contacts c WHERE c.case_id = cases.id "
            "ORDER BY c.started_at DESC, c.id DESC LIMIT 1)"
        )

    touched = f"external_id IN (SELECT case_id FROM {stage} WHERE case_id IS NOT NULL)"
    run.db.execute(
        f"UPDATE cases SET status = 'closed', closed_at = {latest('started_at')} "
        f"WHERE {touched} AND {latest('resolved')} = TRUE"
    )
    run.db.execute(
        "UPDATE cases SET status = 'open', closed_at = NULL "
        f"WHERE {touched} AND ({latest('resolved')} IS NULL OR {latest('resolved')} = FALSE)"
    )


def _reject_unknown_transfers(run: Run, stage: str) -> None:
    unknown = (
        "s.transferred_from IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {stage} o WHERE o.contact_id = s.transferred_from) "
        "AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.external_id = s.transferred_from)"
    )
    # Repeat: rejecting a contact can orphan a transfer that pointed at it.
    while True:
        bad = run.db.rows(f"SELECT s.line, s.transferred_from FROM {stage} s WHERE {unknown}")
        if not bad:
            return
        run.reject_lines(
            [b[0] for b in bad],
            [
                _(
                    "transferred_from: unknown contact '%(contact)s' (not in the file, not stored)",
                    contact=b[1],
                )
                for b in bad
            ],
        )
        lines = ", ".join(str(int(b[0])) for b in bad)
        run.db.execute(f"DELETE FROM {stage} WHERE line IN ({lines})")


# ---------------------------------------------------------------- orders


def load_orders(run: Run) -> Counts:
    """Order lines: headers from each order's first valid line, products created on the fly.

    The lines are staged with integer keys into two small stages (orders, products) whose
    rows carry the resolved database ids, so the big insert joins on integers only.
    """
    v, db = run.v, run.db
    _number_lines(v)
    reject_duplicates(v, ("order_id", "line_no"))
    order_codes = v.codes("order_id")
    _reject_mixed_customers(v, order_codes)
    totals = _line_totals(v)

    positions = _ok_positions(v)
    headers = first_positions(order_codes, positions)
    if orders_fresh.wanted(run, headers, len(positions)):
        return orders_fresh.load(run, headers, order_codes, totals)
    header_names = [
        n for n in ("order_id", "customer_id", "ordered_at", "currency", "country") if n in v.values
    ]
    cols, data = _stage_arrays(v, headers, header_names)
    cols.insert(0, StageColumn("k", "key"))
    data["k"] = pa.array(order_codes[headers], type=pa.int64())
    if "currency" not in v.values:
        cols.append(StageColumn("currency", "text"))
        data["currency"] = pa.array(["EUR"] * len(headers), type=pa.string())
    else:
        data["currency"] = pc.fill_null(data["currency"], "EUR")
    cols.append(StageColumn("oid", "int"))
    data["oid"] = pa.nulls(len(headers), pa.int64())
    db.stage("vc_stage_orders", cols, data)
    db.execute("CREATE UNIQUE INDEX vc_ix_stage_orders ON vc_stage_orders (order_id)")
    _order_customers(run, "country" in v.values, len(headers))

    positions = _ok_positions(v)
    product_codes = v.codes("product_id")
    stage_products(run, positions, product_codes)
    existing = db.rowcount(
        "UPDATE vc_stage_orders SET oid = "
        "(SELECT o.id FROM orders o WHERE o.external_id = vc_stage_orders.order_id)"
        " WHERE EXISTS (SELECT 1 FROM orders o WHERE o.external_id = vc_stage_orders.order_id)"
    )
    # A first import of these orders: every line is new, so skip comparing a million lines
    # and the ON CONFLICT machinery (no stored line can belong to an order not yet stored).
    fresh = existing == 0
    # No line column: nothing is rejected after this point, so no line is needed.
    cols, data = _stage_arrays(v, positions, ["line_no", "quantity", "unit_price"], with_line=False)
    cols += [
        StageColumn("total", "int"),
        StageColumn("order_k", "int"),
        StageColumn("product_k", "int"),
    ]
    data["total"] = pa.array(totals[positions], type=pa.int64())
    data["order_k"] = pa.array(order_codes[positions], type=pa.int64())
    data["product_k"] = pa.array(product_codes[positions], type=pa.int64())
    db.stage("vc_stage_lines", cols, data, progress=run.step)
    counts = Counts(inserted=len(positions)) if fresh else _count_order_lines(run)
    _upsert_orders(run, fresh)
    if db.pg:  # one hash join instead of an index look-up per order (7 s for 915k orders)
        db.execute(
            "UPDATE vc_stage_orders so SET oid = o.id FROM orders o "
            "WHERE o.external_id = so.order_id AND so.oid IS NULL"
        )
    else:
        db.execute(
            "UPDATE vc_stage_orders SET oid = "
            "(SELECT o.id FROM orders o WHERE o.external_id = vc_stage_orders.order_id) "
            "WHERE oid IS NULL"
        )
    _store_lines(run, fresh, counts)
    return counts


LINES_FROM = (
    "FROM vc_stage_lines sl JOIN vc_stage_orders so ON so.k = sl.order_k "
    "JOIN vc_stage_products sp ON sp.k = sl.product_k"
)
LINES_INSERT = (
    "INSERT INTO order_lines "
    "(order_id, line_no, product_id, quantity, unit_price_ten_thousandths, total_cents) "
    f"SELECT so.oid, sl.line_no, sp.pid, sl.quantity, sl.unit_price, sl.total {LINES_FROM}"
)


def _store_lines(run: Run, fresh: bool, counts: Counts) -> None:
    db = run.db
    d = db.differs
    if bulk.bulk_wanted(db.conn, "order_lines", counts.inserted):
        if counts.updated:
            db.execute(
                "UPDATE order_lines ol SET product_id = sp.pid, quantity = sl.quantity, "
                f"unit_price_ten_thousandths = sl.unit_price, total_cents = sl.total {LINES_FROM} "
                "WHERE ol.order_id = so.oid AND ol.line_no = sl.line_no AND ("
                f"ol.product_id {d} sp.pid OR ol.quantity {d} sl.quantity "
                f"OR ol.unit_price_ten_thousandths {d} sl.unit_price)"
            )
        new_only = (
            ""
            if fresh
            else " WHERE NOT EXISTS (SELECT 1 FROM order_lines ol "
            "WHERE ol.order_id = so.oid AND ol.line_no = sl.line_no)"
        )
        with bulk.rebuilt_constraints(db.conn, "order_lines", analyze=False):
            db.execute(LINES_INSERT + new_only)
        return
    conflict = (
        ""
        if fresh
        else "ON CONFLICT (order_id, line_no) DO UPDATE SET product_id = excluded.product_id, "
        "quantity = excluded.quantity, "
        "unit_price_ten_thousandths = excluded.unit_price_ten_thousandths, "
        "total_cents = excluded.total_cents "
        f"WHERE order_lines.product_id {d} excluded.product_id "
        f"OR order_lines.quantity {d} excluded.quantity "
        "OR order_lines.unit_price_ten_thousandths "
        f"{d} excluded.unit_price_ten_thousandths"
    )
    db.execute(f"{LINES_INSERT} WHERE true {conflict}")


def _number_lines(v: Validated) -> None:
    """Without a line_no column, lines are numbered 1.. in file order within each order
    (counting every line of the file, so the numbers stay put when a bad line is fixed)."""
    if "line_no" in v.values:
        return
    order_ids = v.values["order_id"]
    order_codes = v.codes("order_id")
    if not len(order_codes) or bool((np.diff(order_codes) >= 0).all()):
        # Each order's lines together (codes number the orders in order of appearance):
        # a line's number is its distance from its order's first line, the last position
        # where the code changed. O(n), no grouping.
        everything = np.arange(len(order_codes), dtype=np.int64)
        first = np.where(_starts_of_runs(order_codes), everything, 0)
        np.maximum.accumulate(first, out=first)
        numbers: np.ndarray = everything - first + 1
    else:
        numbers = pd.Series(order_codes).groupby(order_codes, sort=False).cumcount().to_numpy() + 1
    missing = ~mask(pc.is_valid(order_ids)) if order_ids.null_count else None
    v.values["line_no"] = pa.array(numbers, type=pa.int64(), mask=missing)


def _starts_of_runs(codes: np.ndarray) -> np.ndarray:
    """Whether each position starts a run of equal codes (the first always does)."""
    starts = np.ones(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=starts[1:])
    return starts


def _line_totals(v: Validated) -> np.ndarray:
    """Each line's total in cents (``line_totals``); a line whose total is out of range is
    rejected. Lines already rejected get 0 (they are never staged)."""
    ok = v.rejects.ok
    quantity = np.asarray(
        pc.fill_null(v.values["quantity"], 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    price = np.asarray(
        pc.fill_null(v.values["unit_price"], 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    if not ok.all():
        quantity, price = np.where(ok, quantity, 0), np.where(ok, price, 0)
    totals, too_large = line_totals(quantity, price)
    if too_large.any():
        v.rejects.add(too_large, _("quantity × unit_price is out of range"))
    return totals


def _reject_mixed_customers(v: Validated, order_codes: np.ndarray) -> None:
    positions = _ok_positions(v)
    if not len(positions):
        return
    customer_codes = v.codes("customer_id")
    # Each line's order's first line (the header), by an O(n) look-up instead of a sort.
    header = first_of_each(order_codes, positions)[order_codes[positions]]
    mixed = customer_codes[positions] != customer_codes[header]
    if not mixed.any():
        return
    rows = positions[mixed]
    first_rows = header[mixed]
    customers = v.values["customer_id"]
    orders = v.values["order_id"]
    take = pa.array(rows, type=pa.int64())
    take_first = pa.array(first_rows, type=pa.int64())
    message = _(
        "order '%(order)s' belongs to customer '%(first)s' (line %(line)s), not '%(customer)s'"
    )
    messages = [
        message % {"order": o, "first": c0, "line": f + FIRST_LINE, "customer": c}
        for o, c, c0, f in zip(
            orders.take(take).to_pylist(),
            customers.take(take).to_pylist(),
            customers.take(take_first).to_pylist(),
            first_rows.tolist(),
            strict=True,
        )
    ]
    v.rejects.add_positions(rows.tolist(), messages)


def _order_customers(run: Run, with_country: bool, staged_orders: int) -> None:
    """Create the orders' unknown customers (``create_customers``) or reject their lines."""
    db, v = run.db, run.v
    unknown = "NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = {alias}.customer_id)"
    if run.create_customers:
        country = ", country" if with_country else ""
        x_country = ", x.country" if with_country else ""
        so_country = ", so.country" if with_country else ""
        # Each new customer once, with the country of its first line in the file.
        inserted = insert(
            run,
            "customers",
            f"INSERT INTO customers (external_id, kind, created_at{country}) "
            f"SELECT x.customer_id, 'b2b', :now{x_country} FROM ("
            f"SELECT so.customer_id{so_country}, ROW_NUMBER() OVER "
            "(PARTITION BY so.customer_id ORDER BY so.line) AS rn FROM vc_stage_orders so "
            f"WHERE {unknown.format(alias='so')}) x WHERE x.rn = 1",
            staged_orders,
            "SELECT count(DISTINCT so.customer_id) FROM vc_stage_orders so "
            f"WHERE {unknown.format(alias='so')}",
        )
        run.count_created("customers", inserted)
        return
    bad = db.rows(f"SELECT so.order_id FROM vc_stage_orders so WHERE {unknown.format(alias='so')}")
    if not bad:
        return
    lost = mask(pc.is_in(v.values["order_id"], value_set=pa.array([b[0] for b in bad])))
    lost &= v.rejects.ok
    shown = v.values["customer_id"].filter(pa.array(lost)).to_pylist()
    message = gettext(UNKNOWN["customer"])
    v.rejects.add(lost, [message % {"value": c} for c in shown])
    db.execute(f"DELETE FROM vc_stage_orders WHERE {unknown.format(alias='vc_stage_orders')}")


def _header_diffs(run: Run) -> list[str]:
    d = run.db.differs
    diffs = [f"c.external_id {d} so.customer_id", f"o.ordered_at {d} so.ordered_at"]
    if "currency" in run.v.present:
        diffs.append(f"o.currency {d} so.currency")
    if "country" in run.v.present:
        diffs.append(f"o.country {d} so.country")
    return diffs


def _count_order_lines(run: Run) -> Counts:
    """Compare every staged line (and its order's header) with the stored one."""
    d = run.db.differs
    changed = " OR ".join(
        [
            *_header_diffs(run),
            f"ol.product_id {d} sp.pid",
            f"ol.quantity {d} sl.quantity",
            f"ol.unit_price_ten_thousandths {d} sl.unit_price",
        ]
    )
    total, found, updated = run.db.rows(
        "SELECT COUNT(*), COUNT(ol.id), "
        f"COALESCE(SUM(CASE WHEN ol.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0) "
        "FROM vc_stage_lines sl JOIN vc_stage_orders so ON so.k = sl.order_k "
        "JOIN vc_stage_products sp ON sp.k = sl.product_k "
        "LEFT JOIN orders o ON o.id = so.oid "
        "LEFT JOIN customers c ON c.id = o.customer_id "
        "LEFT JOIN order_lines ol ON ol.order_id = so.oid AND ol.line_no = sl.line_no"
    )[0]
    return Counts(int(total) - int(found), int(updated), int(found) - int(updated))


def _upsert_orders(run: Run, fresh: bool) -> None:
    d = run.db.differs
    updates = ["customer_id", "ordered_at"]
    if "currency" in run.v.present:
        updates.append("currency")
    if "country" in run.v.present:
        updates.append("country")
    country = ", country" if "country" in run.v.values else ""
    so_country = ", so.country" if "country" in run.v.values else ""
    insert = (
        f"INSERT INTO orders (external_id, customer_id, ordered_at, currency{country}) "
        f"SELECT so.order_id, c.id, so.ordered_at, so.currency{so_country} "
        f"FROM vc_stage_orders so JOIN customers c ON c.external_id = so.customer_id WHERE "
    )
    db = run.db
    new_orders = int(db.scalar("SELECT count(*) FROM vc_stage_orders WHERE oid IS NULL"))
    if bulk.bulk_wanted(db.conn, "orders", new_orders):
        if not fresh:
            values = {
                "customer_id": "c.id",
                "ordered_at": "so.ordered_at",
                "currency": "so.currency",
                "country": "so.country",
            }
            sets = ", ".join(f"{c} = {values[c]}" for c in updates)
            changed = " OR ".join(f"o.{c} {d} {values[c]}" for c in updates)
            db.execute(
                f"UPDATE orders o SET {sets} FROM vc_stage_orders so "
                "JOIN customers c ON c.external_id = so.customer_id "
                f"WHERE o.id = so.oid AND ({changed})"
            )
        with bulk.rebuilt_constraints(db.conn, "orders"):
            db.execute(insert + "so.oid IS NULL")
        return
    sets = ", ".join(f"{c} = excluded.{c}" for c in updates)
    changed = " OR ".join(f"orders.{c} {d} excluded.{c}" for c in updates)
    conflict = "" if fresh else f"ON CONFLICT (external_id) DO UPDATE SET {sets} WHERE {changed}"
    db.execute(insert + f"true {conflict}")


# ---------------------------------------------------------------- queues


def _queue_row(values: dict[str, object], present: set[str]) -> dict[str, object]:
    """The ``queues`` row of one valid line: the columns in the file with a value (the loader
    adds the defaults on insert); raises InvalidInput on opening hours or a timezone that
    cannot be read."""
    row: dict[str, object] = {"code": values["queue"]}
    for name in ("name", "department", "channel", "service_level_seconds", "active"):
        if name in present:
            row[name] = values[name]
    if "service_level_percent" in present:
        row["service_level_share"] = int(str(values["service_level_percent"])) / 100
    # A blank cell is "no value" as in every column: a new queue is then open around the
    # clock, a stored one keeps its hours; "{}" is closed all week.
    if "opening_hours" in present and values["opening_hours"] is not None:
        row["opening_hours"] = queue_rules.opening_hours(str(values["opening_hours"]))
    if "timezone" in present and values["timezone"] is not None:
        queue_rules.timezone(str(values["timezone"]))
        row["timezone"] = values["timezone"]
    return row


def load_queues(run: Run) -> Counts:
    """Queues (a few dozen rows at most): each line checked in Python — the opening hours as
    ``contacts/queues.py`` reads them, the timezone by name — then inserted or updated by its
    code; a line that cannot be read is rejected with the reason."""
    v, conn = run.v, run.db.conn
    reject_duplicates(v, v.entity.key)
    present = set(v.present)
    queues = table("queues")
    stored = {r.code: r for r in conn.execute(select(queues)).all()}
    counts = Counts()
    positions = _ok_positions(v)
    columns = {name: v.values[name].to_pylist() for name in v.values}
    bad_lines: list[int] = []
    reasons: list[str] = []
    for position in positions.tolist():
        values = {name: column[position] for name, column in columns.items()}
        try:
            row = _queue_row(values, present)
        except InvalidInput as problem:
            bad_lines.append(position + FIRST_LINE)
            reasons.append(str(problem))
            continue
        old = stored.get(row["code"])
        if old is None:
            defaults = {
                "opening_hours": queue_rules.ALWAYS_OPEN,
                "timezone": DEFAULT_QUEUE_TIMEZONE,
                "active": True,
            }
            conn.execute(insert_stmt(queues).values(**(defaults | row)))
            counts.inserted += 1
            continue
        changed = {k: val for k, val in row.items() if getattr(old, k) != val}
        if not changed:
            counts.unchanged += 1
            continue
        conn.execute(update(queues).where(queues.c.id == old.id).values(**changed))
        counts.updated += 1
    if bad_lines:
        run.reject_lines(bad_lines, reasons)
    return counts


DEFAULT_QUEUE_TIMEZONE = "Europe/Amsterdam"


LOADERS: dict[str, Callable[[Run], Counts]] = {
    "orders": load_orders,
    "contacts": load_contacts,
    "queues": load_queues,
}


def load(run: Run, entity: Entity) -> Counts:
    return LOADERS.get(entity.name, load_simple)(run)
