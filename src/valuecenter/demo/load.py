"""The demo company into a directory of CSV files or through the importer into the database.

The database load goes through ``importer.service.import_frame``, so the demo exercises the
same path as a real company's data, one entity after the other in the importer's order,
inside the caller's unit of work (never commits). Account-manager names cannot be set
through the customers import (only codes), so they are set afterwards by code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from valuecenter.customers.models import AccountManager, Customer
from valuecenter.demo.world import DemoWorld
from valuecenter.errors import AppError, Conflict
from valuecenter.importer.service import ImportOptions, ImportResult, import_frame
from valuecenter.users.models import Role
from valuecenter.users.security import new_password
from valuecenter.users.service import create_user

RowProgress = Callable[[str, int, int], None]


def customer_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def ensure_empty(session: Session) -> None:
    """Refuse a database that has customers: the demo only fills an empty one."""
    count = customer_count(session)
    if count:
        raise Conflict(
            f"the database already has {count:,} customers; demo loads only into an empty database"
        )


def load_world(
    session: Session, world: DemoWorld, progress: RowProgress | None = None
) -> dict[str, ImportResult]:
    """Import every frame (in the importer's order); return the importer's result per entity.

    A rejected row means the generator and the importer disagree: that is a bug, and the
    load stops with the first reason (the caller's unit of work rolls everything back).
    """
    ensure_empty(session)
    results: dict[str, ImportResult] = {}
    for entity, frame in world.frames.items():

        def report(done: int, total: int, entity: str = entity) -> None:
            if progress is not None:
                progress(entity, done, total)

        result, rejected = import_frame(
            session, entity, frame, options=ImportOptions(create_customers=False), progress=report
        )
        if result.rejected:
            first = rejected.iloc[0]
            raise AppError(
                f"demo {entity}: the importer rejected {result.rejected} rows "
                f"(line {first['line']}: {first['reason']})"
            )
        results[entity] = result
    _name_account_managers(session, world.account_managers)
    return results


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
    return created


def write_csv(world: DemoWorld, out: Path) -> dict[str, Path]:
    """Write ``<entity>.csv`` per frame (UTC timestamps as ISO 8601 with ``+00:00``) and a
    README line; return the files in load order."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for entity, frame in world.frames.items():
        path = out / f"{entity}.csv"
        _for_csv(frame).to_csv(path, index=False)
        files[entity] = path
    order = " ".join(files)
    (out / "README.txt").write_text(
        f"valuecenter demo company '{world.preset.name}' ({len(world.frames['customers']):,} "
        f"customers, seed {world.seed}, {world.window.start} to {world.window.last_day}); "
        f"load with `valuecenter import ENTITY FILE` in this order: {order}\n",
        encoding="utf-8",
    )
    return files


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            seconds = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
            text = np.datetime_as_string(seconds, unit="s")
            out[name] = pd.Series(text, index=out.index, dtype=object) + "+00:00"
    return out
