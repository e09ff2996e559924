"""Benchmark of ``pools assign`` on the demo world (issue 22, first Done-when point): the
wholesale company (seed 000: B2B in NL, BE, DE, CH and AT, an AM per ≈650 customers) with
97,500 customers — 152 AMs — loaded into a fresh database by the real loader, scored by
``valuecenter score`` (the pools' value is the run's CLV), then, through the service
(``pools/service.py``: read + solve + write + commit, one unit of work, in-process):

1. ``pools assign`` on the freshly loaded demo (a rebalance of the demo's own pools, which
   are even in size but blind to value);
2. 3 AMs leave (one each in NL, DE and BE, made inactive) and 5% new customers arrive
   through the importer (drawn by the same generator with the next seed; no orders yet, so
   no CLV), then ``pools assign`` again: its moves against the theoretical minimum;
3. a fresh assignment: every customer's AM cleared, then ``pools assign`` (the worst case
   for the write: every customer changes).

Each run's figures are read back from the database: every customer's AM active and of his
country, the worst pool-size deviation from the market's mean, the worst per-market CV of
pool value. Comparator: the synthetic world of bench/pools_bench.py (150 AMs × 100,000
customers, lognormal CLV), its fresh solve and its rebalance timed in the same process
(ratio = the demo's end-to-end seconds ÷ the synthetic solve). Target (issue 22): ≤ 60 s at
150 AMs × ~100,000 customers; sizes within ±5%, value CV ≤ 5%, rebalance moves ≤ 1.5 × the
minimum. The demo load and the score run are timed too but are not the target.

    .venv/bin/python bench/pools_demo_bench.py [--customers 97500] [--seed 1]
        [--database postgresql+psycopg://…] [--no-write]

SQLite always (a fresh file); PostgreSQL too when ``--database`` (or
VALUECENTER_TEST_DATABASE_URL) names one — it must be migrated-or-empty with no customers
(the demo refuses a database that has customers).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import valuecenter.models  # noqa: F401  (every domain's tables, for the ORM's foreign keys)
from benchdoc import publish
from measure import measured
from pools_bench import AMS_PER_MARKET, MARKETS, world
from valuecenter.analytics.pools import AccountManagers, Customers, assign_pools
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.presets import get_preset
from valuecenter.demo.world import plan_world
from valuecenter.importer.service import ImportOptions, import_frame
from valuecenter.pools import service
from valuecenter.value.models import CustomerScore
from valuecenter.value.repository import latest_run

CLI = str(Path(sys.executable).with_name("valuecenter"))
HEADING = "## Account-manager pools on the demo world"
TARGET_S = 60.0
LEAVING_MARKETS = ("NL", "DE", "BE")


@dataclass(frozen=True)
class Figures:
    """One ``pools assign`` run: end-to-end and solver seconds, what it reports and what the
    database holds afterwards."""

    label: str
    seconds: float
    solve_seconds: float
    ams: int
    customers: int
    moved: int
    min_moves: int
    placed: int
    locked_moved: int
    size_spread: float
    value_cv: float
    country_ok: bool


@dataclass(frozen=True)
class Backend:
    database: str
    load_s: float
    score_s: float
    arrive_s: float
    new_customers: int
    locked_share: float
    before: tuple[float, float, bool]  # the demo's own pools: size spread, value CV, countries
    runs: list[Figures]


def _check(session: Session) -> tuple[float, float, bool]:
    """Worst pool-size deviation from the market mean, worst per-market CV of pool value
    (the latest score run's CLV), and whether every B2B customer has an active AM of his
    country — from the database."""
    run = latest_run(session)
    clv: dict[int, float] = {}
    if run is not None:
        clv = {
            c: float(v or 0)
            for c, v in session.execute(
                select(CustomerScore.customer_id, CustomerScore.clv_cents).where(
                    CustomerScore.run_id == run.id
                )
            ).all()
        }
    active = {
        a.id: a.country
        for a in session.scalars(select(AccountManager).where(AccountManager.active.is_(True)))
    }
    size: dict[int, int] = dict.fromkeys(active, 0)
    value: dict[int, float] = dict.fromkeys(active, 0.0)
    ok = True
    for cid, country, am in session.execute(
        select(Customer.id, Customer.country, Customer.account_manager_id).where(
            Customer.kind == CustomerKind.B2B
        )
    ).all():
        if am not in active or active[am] != country:
            ok = False
            continue
        size[am] += 1
        value[am] += max(clv.get(cid, 0.0), 0.0)
    spread, cv = 0.0, 0.0
    for market in set(active.values()):
        team = [a for a, c in active.items() if c == market]
        sizes = np.array([size[a] for a in team], dtype=np.float64)
        values = np.array([value[a] for a in team])
        spread = max(spread, float(np.abs(sizes - sizes.mean()).max() / sizes.mean()))
        if values.mean() > 0:
            cv = max(cv, float(values.std() / values.mean()))
    return spread, cv, ok


def _assign(label: str, sessions: Callable[[], Session]) -> Figures:
    began = time.perf_counter()
    with unit_of_work(sessions) as session:
        run = service.assign(session)
    took = time.perf_counter() - began
    with sessions() as session:
        spread, cv, ok = _check(session)
    a = run.assignment
    figures = Figures(
        label,
        took,
        a.seconds,
        run.ams,
        run.customers,
        a.moved,
        a.min_moves,
        run.changed - a.moved,
        a.locked_moved,
        spread,
        cv,
        ok,
    )
    print(
        f"  {label}: {took:.2f} s end to end (solve {a.seconds:.2f} s); {run.ams} AMs, "
        f"{run.customers:,} customers; moved {a.moved:,} (minimum {a.min_moves:,}), placed "
        f"{figures.placed:,}, locked moved {a.locked_moved}; size spread {spread:.2%}, value CV "
        f"{cv:.2%}, countries {'ok' if ok else 'WRONG'}",
        flush=True,
    )
    return figures


def _backend(url: str, customers: int, seed: int) -> Backend:
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{database}:", flush=True)
    env = {**os.environ, "VALUECENTER_DATABASE_URL": url}
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = [CLI, "demo", "--preset", "wholesale", "--customers", str(customers)]
    load_s, _peak, _summary = measured(
        [*demo, "--seed", str(seed), "--json"], env=env, what="demo load"
    )
    print(f"  demo load: {load_s:.1f} s", flush=True)
    score_s, _peak, _summary = measured([CLI, "score", "--json"], env=env, what="score")
    print(f"  score run: {score_s:.1f} s", flush=True)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        ids = list(
            session.scalars(
                select(Customer.id).where(Customer.kind == CustomerKind.B2B).order_by(Customer.id)
            )
        )
        since = service.utcnow() - timedelta(days=service.RECENT_DAYS)
        locked = service._locked(session, ids, since)
        before = _check(session)
    print(
        f"  the demo's own pools: size spread {before[0]:.2%}, value CV {before[1]:.2%}",
        flush=True,
    )
    runs = [_assign("first", sessions)]

    new = plan_world(get_preset("wholesale"), customers // 20, seed + 1).frames["customers"]
    new = new.drop(columns=["account_manager"]).assign(customer_id="N" + new["customer_id"])
    began = time.perf_counter()
    with unit_of_work(sessions) as session:
        for market in LEAVING_MARKETS:
            am = session.scalars(
                select(AccountManager)
                .where(AccountManager.country == market, AccountManager.active.is_(True))
                .order_by(AccountManager.code)
                .limit(1)
            ).one()
            am.active = False
        _result, rejected = import_frame(
            session, "customers", new, options=ImportOptions(create_customers=False)
        )
        if not rejected.empty:
            raise SystemExit(f"new customers rejected: {rejected.iloc[0].to_dict()}")
    arrive_s = time.perf_counter() - began
    runs.append(_assign("rebalance", sessions))

    with unit_of_work(sessions) as session:
        session.execute(update(Customer).values(account_manager_id=None))
    runs.append(_assign("fresh", sessions))
    engine.dispose()
    return Backend(
        database, load_s, score_s, arrive_s, len(new), float(locked.mean()), before, runs
    )


def _synthetic(n: int) -> tuple[float, float]:
    """bench/pools_bench.py's world: the fresh solve and the rebalance (5% new, 3 leave, 20%
    locked), seconds of the solver alone."""
    rng = np.random.default_rng(0)
    customers = world(n, rng)
    am_market = np.repeat(MARKETS, AMS_PER_MARKET)
    ams = AccountManagers(np.arange(1000, 1000 + len(am_market), dtype=np.int64), am_market)
    began = time.perf_counter()
    fresh = assign_pools(customers, ams)
    fresh_s = time.perf_counter() - began
    new = world(n // 20, rng, first_id=n)
    grown = Customers(
        np.concatenate([customers.ids, new.ids]),
        np.concatenate([np.asarray(customers.market), np.asarray(new.market)]),
        np.concatenate([customers.value, new.value]),
        np.concatenate([customers.workload, new.workload]),
    )
    stay = np.setdiff1d(np.arange(len(ams.ids)), rng.choice(len(ams.ids), 3, replace=False))
    current = np.concatenate([fresh.am, np.full(len(new.ids), -1, dtype=np.int64)])
    began = time.perf_counter()
    assign_pools(
        grown,
        AccountManagers(ams.ids[stay], am_market[stay]),
        current=current,
        locked=rng.random(len(grown.ids)) < 0.2,
    )
    return fresh_s, time.perf_counter() - began


def _section(
    opts: argparse.Namespace,
    backends: list[Backend],
    synth: tuple[float, float],
    load: tuple[float, float],
) -> str:
    fresh_s, rebalance_s = synth
    first = backends[0].runs[0]
    lines = [
        HEADING,
        "",
        f"`bench/pools_demo_bench.py --customers {opts.customers} --seed {opts.seed}`, run "
        f"{time.strftime('%Y-%m-%d %H:%M')} UTC on {os.cpu_count()} cores, shared with other work "
        f"(1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end), Python "
        f"{platform.python_version()}. The wholesale demo company (the wholesaler of seed "
        f"article 000: B2B in NL, BE, DE, CH and AT) with {opts.customers:,} customers and "
        f"{first.ams} AMs, loaded into a fresh database by `valuecenter demo`, scored by "
        "`valuecenter score` (value = the run's CLV), then `pools assign` through the "
        "service in-process: read + solve + write + commit, one unit of work (*end to "
        "end*); *solve* is `assign_pools` alone. "
        "*first*: the freshly loaded demo (its own pools: even in size, blind to value); "
        "*rebalance*: then 3 AMs leave (one each in NL, DE, BE) and 5% new customers arrive "
        "through the importer (no orders yet, so no CLV); *fresh*: every AM cleared, all "
        "customers placed and written. Size spread, value CV and countries are read back "
        "from the database. Comparator: the synthetic world of `bench/pools_bench.py` "
        f"(150 AMs × 100,000 customers, lognormal CLV), solved in the same process: fresh "
        f"{fresh_s:.2f} s, rebalance {rebalance_s:.2f} s; ratio = end to end ÷ the synthetic "
        "solve of the same kind (fresh for *first* and *fresh*, rebalance for *rebalance*).",
        "",
        "| database | run | AMs | customers | end to end (s) | ÷ 60 s | solve (s) | ÷ synthetic "
        "| worst size spread | worst value CV | moved | minimum | placed | locked moved "
        "| countries |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for b in backends:
        lines.append(
            f"| {b.database} | the demo's own pools (before) | {b.runs[0].ams} | "
            f"{b.runs[0].customers:,} | – | – | – | – | {b.before[0]:.2%} | {b.before[1]:.2%} "
            f"| – | – | – | – | {'own country' if b.before[2] else 'WRONG'} |"
        )
        for r in b.runs:
            synthetic = rebalance_s if r.label == "rebalance" else fresh_s
            lines.append(
                f"| {b.database} | {r.label} | {r.ams} | {r.customers:,} | {r.seconds:.2f} | "
                f"{r.seconds / TARGET_S:.3f} | {r.solve_seconds:.2f} | "
                f"{r.seconds / synthetic:.1f} | {r.size_spread:.2%} | {r.value_cv:.2%} | "
                f"{r.moved:,} | {r.min_moves:,} | {r.placed:,} | {r.locked_moved} | "
                f"{'own country' if r.country_ok else 'WRONG'} |"
            )
    lines += ["", "Not the target (the set-up): "]
    lines[-1] += (
        "; ".join(
            f"{b.database}: demo load {b.load_s:.1f} s, score run {b.score_s:.1f} s, 3 AMs out "
            f"and {b.new_customers:,} customers imported {b.arrive_s:.1f} s, locked customers "
            f"{b.locked_share:.0%} (every imported case is open)"
            for b in backends
        )
        + "."
    )
    runs = [r for b in backends for r in b.runs]
    worst = max(r.seconds for r in runs)
    bands = all(r.size_spread <= 0.05 and r.value_cv <= 0.05 and r.country_ok for r in runs)
    moves = all(r.moved <= 1.5 * r.min_moves for b in backends for r in b.runs[1:2])
    lines += [
        "",
        f"Target ≤ {TARGET_S:.0f} s end to end: {'met' if worst <= TARGET_S else '**not met**'} "
        f"(slowest {worst:.2f} s). Every customer with an AM of his country, sizes within ±5% "
        f"and value CV ≤ 5%: {'met' if bands else '**not met**'}. Rebalance moves ≤ 1.5 × "
        f"the minimum: {'met' if moves else '**not met**'}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=97_500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database",
        action="append",
        help="A PostgreSQL URL (empty or migrated, no customers); repeatable.",
    )
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    opts = parser.parse_args()
    extra = opts.database or (
        [os.environ["VALUECENTER_TEST_DATABASE_URL"]]
        if os.environ.get("VALUECENTER_TEST_DATABASE_URL")
        else []
    )
    load = os.getloadavg()[0]
    synth = _synthetic(100_000)
    print(f"synthetic world: fresh {synth[0]:.2f} s, rebalance {synth[1]:.2f} s", flush=True)
    backends = []
    with tempfile.TemporaryDirectory() as tmp:
        for url in [f"sqlite:///{Path(tmp) / 'pools.db'}", *extra]:
            backends.append(_backend(url, opts.customers, opts.seed))
    section = _section(opts, backends, synth, (load, os.getloadavg()[0]))
    publish(HEADING, section, no_write=opts.no_write)


if __name__ == "__main__":
    main()
