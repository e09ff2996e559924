"""``valuecenter demo`` (a generated company into the database or CSV files) and
``valuecenter bootstrap`` (migrate, load the demo into an empty database, create the admin)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from valuecenter.cli import context
from valuecenter.db import migrate
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.presets import get_preset
from valuecenter.errors import InvalidInput
from valuecenter.users.models import Role, User
from valuecenter.users.security import new_password
from valuecenter.users.service import create_user

if TYPE_CHECKING:
    from valuecenter.demo.world import DemoWorld

# The generator and the importer (numpy, pandas, pyarrow) are imported when a command here
# runs, so that every other command starts fast.


class _Steps:
    """Rich progress on stderr when it is a terminal; silent otherwise."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.name = ""

    def step(self, name: str) -> None:
        if self.progress is None:
            return
        self._finish()
        self.name = name
        self.task = self.progress.add_task(f"generate {name}", total=1, rows="")

    def rows(self, entity: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        if entity != self.name:
            self._finish()
            self.name = entity
            self.task = self.progress.add_task(
                f"load {entity}", total=max(total, 1), rows=f"{total:,} rows"
            )
        if self.task is not None:
            self.progress.update(self.task, completed=done)

    def _finish(self) -> None:
        if self.progress is not None and self.task is not None:
            total = self.progress.tasks[self.task].total or 1
            self.progress.update(self.task, total=total, completed=total)


@contextmanager
def _steps() -> Iterator[_Steps]:
    if not sys.stderr.isatty():
        yield _Steps(None)
        return
    progress = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:>16}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        steps = _Steps(progress)
        yield steps
        steps._finish()


def _parse_start(start: str | None) -> date | None:
    if start is None:
        return None
    try:
        return date.fromisoformat(start)
    except ValueError:
        raise InvalidInput("--start", f"'{start}' is not a date like 2024-11-01") from None


def _generate(
    preset: str, customers: int, seed: int, start: str | None, months: int | None, steps: _Steps
) -> DemoWorld:
    from valuecenter.demo.world import build_world, default_window

    window = default_window(_parse_start(start), months)
    return build_world(get_preset(preset), customers, seed, window, progress=steps.step)


def _summary(
    world: DemoWorld, rows: dict[str, int], seconds: dict[str, float]
) -> dict[str, object]:
    return {
        "preset": world.preset.name,
        "customers": len(world.frames["customers"]),
        "seed": world.seed,
        "start": world.window.start.isoformat(),
        "end": world.window.last_day.isoformat(),
        "rows": rows,
        "account_managers": len(world.account_managers),
        "seconds": round(sum(seconds.values()), 2),
        "step_seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


# What one row of each import entity is, in words a user reads.
_ROW_NAMES = {"orders": "order lines", "employee_surveys": "employee surveys"}


def _print_rows(rows: dict[str, int], verb: str) -> None:
    for entity, count in rows.items():
        typer.echo(f"{verb} {count:>10,} {_ROW_NAMES.get(entity, entity)}")


def demo(
    preset: str = typer.Option("wholesale", "--preset", help="wholesale (B2B) or telecom (B2C)."),
    customers: int = typer.Option(5000, "--customers", min=1, help="Number of customers."),
    seed: int = typer.Option(1, "--seed", min=0, help="Same seed, same company."),
    out: Path | None = typer.Option(
        None, "--out", help="Write <entity>.csv files here instead of loading the database."
    ),
    start: str | None = typer.Option(
        None, "--start", help="First day of the history (default: 24 months to 2026-10-31)."
    ),
    months: int | None = typer.Option(None, "--months", help="Months of history (default 24)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary."),
) -> None:
    """Generate a deterministic demo company (into an empty database, or --out DIR as CSV).

    The company is loaded through the importer in one transaction; the same seed always
    gives the same company.
    """
    from valuecenter.demo import load as demo_load

    get_preset(preset)
    seconds: dict[str, float] = {}
    entity_seconds: dict[str, float] = {}
    with _steps() as steps:
        if out is not None:
            began = time.perf_counter()
            world = _generate(preset, customers, seed, start, months, steps)
            seconds["generate"] = time.perf_counter() - began
            began = time.perf_counter()
            files = demo_load.write_csv(world, out)
            seconds["write"] = time.perf_counter() - began
            rows = world.rows()
        else:
            factory = context.sessions()
            with factory() as probe:
                demo_load.ensure_empty(probe)
            began = time.perf_counter()
            world = _generate(preset, customers, seed, start, months, steps)
            seconds["generate"] = time.perf_counter() - began
            began = time.perf_counter()
            with unit_of_work(factory) as session:
                results = demo_load.load_world(session, world, progress=steps.rows)
            seconds["load"] = time.perf_counter() - began
            rows = {entity: r.inserted for entity, r in results.items()}
            entity_seconds = {entity: r.seconds for entity, r in results.items()}
    summary = _summary(world, rows, seconds)
    if entity_seconds:
        summary["load_seconds"] = {k: round(v, 2) for k, v in entity_seconds.items()}
    if as_json:
        summary["out"] = str(out) if out is not None else None
        typer.echo(json.dumps(summary))
        return
    if out is not None:
        _print_rows(rows, "wrote")
        typer.echo(f"files in {out} ({len(files)} CSV files and README.txt)")
    else:
        _print_rows(rows, "loaded")
    typer.echo(
        f"demo company '{world.preset.name}', seed {seed}: {len(world.frames['customers']):,} "
        f"customers, {world.window.start} to {world.window.last_day}, {summary['seconds']} s"
    )


def bootstrap(
    preset: str = typer.Option("wholesale", "--preset", help="wholesale (B2B) or telecom (B2C)."),
    customers: int = typer.Option(5000, "--customers", min=1, help="Number of demo customers."),
    seed: int = typer.Option(1, "--seed", min=0),
) -> None:
    """Make the database ready: migrate, load the demo when empty, create the admin user.

    The demo company is loaded only when the database has no customers; the ``admin`` user
    is created (its password shown once) only when there is no admin. Safe to run again.
    """
    from valuecenter.demo import load as demo_load

    get_preset(preset)
    migrate.upgrade(context.settings().database_url)
    factory = context.sessions()
    with factory() as probe:
        has_customers = demo_load.customer_count(probe) > 0
        has_admin = probe.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1))
    if has_customers and has_admin is not None:
        typer.echo("database is ready (schema current, customers and an admin present)")
        return
    password: str | None = None
    logins: list[str] = []
    rows: dict[str, int] = {}
    with _steps() as steps:
        world = None if has_customers else _generate(preset, customers, seed, None, None, steps)
        with unit_of_work(factory) as session:
            if world is not None:
                results = demo_load.load_world(session, world, progress=steps.rows)
                rows = {entity: r.inserted for entity, r in results.items()}
                logins = demo_load.account_manager_logins(session)
            if has_admin is None:
                password = new_password()
                create_user(
                    session,
                    username="admin",
                    password=password,
                    role=Role.ADMIN,
                    full_name="Administrator",
                )
    if world is not None:
        _print_rows(rows, "loaded")
        typer.echo(
            f"demo company '{world.preset.name}' (seed {seed}) loaded; "
            f"{len(logins)} account-manager logins (am-…) without a password: "
            "set one with `valuecenter users password am-…`"
        )
    if password is not None:
        typer.echo("created user admin (admin)")
        typer.echo(f"password (shown once): {password}")
    typer.echo("database is ready")
