"""The demo company into a directory of CSV files or through the importer into the database.

The database load goes through ``importer.service.import_frame``, so the demo exercises the
same path as a real company's data: first the shared entities (agents, customers, products,
employee surveys, campaigns), then block by block the rest in the importer's order, inside
the caller's unit of work (never commits) — memory stays at one block. The hidden truth goes
into the ``truth_*`` tables, created for the world in the same transaction (their own
metadata, not the product's schema), with the bulk staging of ``db/bulk.py`` (COPY on
PostgreSQL). Account-
manager names cannot be set through the customers import (only codes), so they are set
afterwards by code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from valuecenter.csv_export import neutralised_frame
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import utcnow
from valuecenter.db.bulk import insert_frame
from valuecenter.demo.truth_models import TRUTH_METADATA, create_truth_tables
from valuecenter.demo.vector import nullable
from valuecenter.demo.world import (
    BLOCK_ENTITIES,
    ENTITY_ORDER,
    GLOBAL_ENTITIES,
    TRUTH_TABLES,
    DemoWorld,
    Plan,
    generate_blocks,
)
from valuecenter.errors import AppError, Conflict, InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import _
from valuecenter.importer.service import ImportOptions, ImportResult, import_frame
from valuecenter.quality.followups import DEFAULT_MAX_AGE_DAYS, assign_owners, create_missing
from valuecenter.routing.service import load_rules
from valuecenter.users.models import Role
from valuecenter.users.security import new_password
from valuecenter.users.service import create_user
from valuecenter.workforce.settings import restore_default_peaks
from valuecenter.workforce.skills import sync_from_agents

RowProgress = Callable[[str, int, int], None]
StepProgress = Callable[[str], None]


def customer_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def ensure_empty(session: Session) -> None:
    """Refuse a database that has customers: the demo only fills an empty one."""
    count = customer_count(session)
    if count:
        raise Conflict(
            _(
                "the database already has %(n)s customers; demo loads only into an empty database",
                n=grouped(count),
            )
        )


def _import(
    session: Session,
    entity: str,
    frame: pd.DataFrame,
    progress: RowProgress | None,
    label: str | None = None,
) -> ImportResult:
    """One frame through the importer; a rejected row means the generator and the importer
    disagree: that is a bug, and the load stops with the first reason (the caller's unit of
    work rolls everything back)."""

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(label or entity, done, total)

    result, rejected = import_frame(
        session, entity, frame, options=ImportOptions(create_customers=False), progress=report
    )
    if result.rejected:
        first = rejected.iloc[0]
        raise AppError(
            f"demo {entity}: the importer rejected {result.rejected} rows "
            f"(line {first['line']}: {first['reason']})"
        )
    return result


def _add(total: dict[str, ImportResult], result: ImportResult) -> None:
    before = total.get(result.entity)
    if before is None:
        total[result.entity] = result
        return
    total[result.entity] = dataclasses.replace(
        before,
        read=before.read + result.read,
        inserted=before.inserted + result.inserted,
        updated=before.updated + result.updated,
        unchanged=before.unchanged + result.unchanged,
        seconds=before.seconds + result.seconds,
    )


def load_plan(
    session: Session,
    plan: Plan,
    progress: RowProgress | None = None,
    step: StepProgress | None = None,
) -> dict[str, ImportResult]:
    """Load a planned world block by block (generating each block only when it is loaded);
    return the importer's result per entity, in the importer's order."""
    ensure_empty(session)
    create_truth_tables(session)
    results: dict[str, ImportResult] = {}
    for entity in GLOBAL_ENTITIES:
        _add(results, _import(session, entity, plan.frames[entity], progress))
    _name_account_managers(session, plan.account_managers)
    insert_truth(session, plan.truth)
    for block in generate_blocks(plan):
        if step is not None:
            step(_("block %(i)s/%(n)s", i=block.index + 1, n=plan.blocks))
        label = f"{block.index + 1}/{plan.blocks}"
        for entity in BLOCK_ENTITIES:
            _add(
                results,
                _import(session, entity, block.frames[entity], progress, f"{entity} {label}"),
            )
        insert_truth(session, block.truth)
    # The detractors' call-back tasks, in the load's transaction like an import of surveys
    # (quality/followups.py): only the last weeks' answers are still to call.
    create_missing(session, now=utcnow(), max_age_days=DEFAULT_MAX_AGE_DAYS)
    # The agents' skills as rows, as after an import of agents (workforce/skills.py).
    sync_from_agents(session)
    restore_default_peaks(session)
    # The preset's inbound routing rules (demo/routing/<preset>.yaml, docs/routing.md).
    load_rules(session, document=demo_routing_rules(plan.preset.name))
    return {entity: results[entity] for entity in ENTITY_ORDER}


def demo_routing_rules(preset_name: str) -> object:
    """The demo company's routing rule set of ``preset_name`` (the parsed YAML)."""
    source = resources.files("valuecenter.demo") / "routing" / f"{preset_name}.yaml"
    if not source.is_file():
        raise InvalidInput("preset", f"'{preset_name}' has no demo routing rules")
    return yaml.safe_load(source.read_text(encoding="utf-8"))


def insert_truth(session: Session, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Append ``truth_*`` frames to their tables (the bulk staging path of ``db/bulk.py``);
    the tables exist (:func:`load_plan` creates them)."""
    counts: dict[str, int] = {}
    for name, frame in frames.items():
        if name not in TRUTH_TABLES:
            raise AppError(f"demo: {name} is not a truth table")
        counts[name] = insert_frame(session, TRUTH_METADATA.tables[name], frame)
    return counts


def _name_account_managers(session: Session, managers: pd.DataFrame) -> None:
    if managers.empty:
        return
    stmt = (
        update(AccountManager.__table__)  # type: ignore[arg-type]
        .where(AccountManager.__table__.c.code == bindparam("am_code"))
        .values(name=bindparam("am_name"), country=bindparam("am_country"))
    )
    params = [
        {"am_code": row.code, "am_name": row.name, "am_country": row.country}
        for row in managers.itertuples(index=False)
    ]
    session.execute(stmt, params)


def account_manager_logins(session: Session) -> list[str]:
    """A login ``am-<code>`` (role account_manager, random password not shown) for every
    account manager without one; an admin sets a password with ``valuecenter users password``.
    """
    created: list[str] = []
    managers = session.scalars(
        select(AccountManager).where(AccountManager.user_id.is_(None)).order_by(AccountManager.code)
    ).all()
    for am in managers:
        username = f"am-{am.code.lower()}"
        user = create_user(
            session,
            username=username,
            password=new_password(),
            role=Role.ACCOUNT_MANAGER,
            full_name=am.name,
        )
        am.user_id = user.id
        created.append(username)
    session.flush()
    assign_owners(session)  # the pools' open follow-up tasks now have an owner
    return created


def write_csv(world: DemoWorld, out: Path) -> dict[str, Path]:
    """Write an in-memory world: ``<entity>.csv`` per frame and ``truth/<table>.csv``."""
    return _write_files(
        out,
        world.preset.name,
        world.seed,
        f"{world.window.start} to {world.window.last_day}",
        len(world.frames["customers"]),
        iter([(dict(world.frames), dict(world.truth))]),
    )


def write_plan_csv(plan: Plan, out: Path, step: StepProgress | None = None) -> dict[str, Path]:
    """Write a planned world block by block (memory stays at one block)."""

    def parts() -> Iterator[tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]]:
        yield dict(plan.frames), dict(plan.truth)
        for block in generate_blocks(plan):
            if step is not None:
                step(_("block %(i)s/%(n)s", i=block.index + 1, n=plan.blocks))
            yield block.frames, block.truth

    return _write_files(
        out,
        plan.preset.name,
        plan.seed,
        f"{plan.window.start} to {plan.window.last_day}",
        plan.customers,
        parts(),
    )


def _write_files(
    out: Path,
    preset: str,
    seed: int,
    period: str,
    customers: int,
    parts: Iterator[tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]],
) -> dict[str, Path]:
    """Append every part's frames to their files, headers once; return the entity files in
    load order. Files are written under temporary names and renamed at the end, so an
    interrupted run leaves no file that looks complete."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    started: set[Path] = set()
    paths = {name: out / f"{name}.csv" for name in ENTITY_ORDER}
    paths |= {name: out / "truth" / f"{name}.csv" for name in TRUTH_TABLES}
    for frames, truth in parts:
        for name, frame in (frames | truth).items():
            path = paths[name].with_suffix(".csv.part")
            first = path not in started
            started.add(path)
            _for_csv(frame).to_csv(path, index=False, header=first, mode="w" if first else "a")
    for path in paths.values():
        path.with_suffix(".csv.part").replace(path)
    order = " ".join(ENTITY_ORDER)
    (out / "README.txt").write_text(
        f"valuecenter demo company '{preset}' ({customers:,} customers, seed {seed}, "
        f"{period}); load with `valuecenter import ENTITY FILE` in this order: {order}; "
        "truth/ holds the simulation's hidden truth (never imported)\n",
        encoding="utf-8",
    )
    return {name: paths[name] for name in ENTITY_ORDER}


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = neutralised_frame(frame)  # the importer reads it back as it was (csv_export.py)
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            seconds = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
            text = np.char.add(np.datetime_as_string(seconds, unit="s"), "+00:00")
            out[name] = pd.Series(nullable(text, column.notna().to_numpy()), index=out.index)
    return out
