"""Benchmark of the account managers' bonus (issue 22, point 3): ``valuecenter bonus compute``'s
work (:func:`valuecenter.bonus.service.compute_bonus`) at 150 AMs × 100,000 B2B customers.

A synthetic world (not a company's data) in a fresh SQLite file (or ``--url``): six markets
(NL, BE-nl, BE-fr, DE, FR, ES; 45, 12, 9, 39, 26 and 19 AMs), customers dealt over the AMs of
their market; in September and October 2026 each customer orders with probability 0.7 a
month, one to three lines of lognormal amounts; in October 60% of the customers have one or
two next-best-action decisions, 5% of them (drawn per customer) in the control arm, and the
treated ones buy 10% more; 10% answer an NPS survey. Timed: the whole computation (the per-AM
metrics of ``pools/metrics.py`` and the sales units and credits) under the documented example
plan, and its share that is the control-adjusted sales credit. Writes the "Bonus plan" section
of docs/benchmarks.md.

    .venv/bin/python bench/bonus_bench.py [--customers 100000] [--seed 0] [--url URL]
        [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchdoc import publish
from valuecenter.bonus import service
from valuecenter.bonus.plan_file import load_plan
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.db.base import Base
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.offers.models import Decision, DecisionArm
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.surveys.models import Survey

HEADING = "## Bonus plan"
PLAN = Path(__file__).resolve().parents[1] / "docs" / "bonus-plan.example.yaml"
MARKETS = ["NL", "BE-nl", "BE-fr", "DE", "FR", "ES"]
SHARE = np.array([0.3, 0.08, 0.06, 0.26, 0.17, 0.13])
AMS_PER_MARKET = [45, 12, 9, 39, 26, 19]
CHUNK = 20_000


def _chunks(session: Session, table: type[Base], rows: list[dict[str, object]]) -> None:
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i : i + CHUNK])


def build(url: str, n: int, rng: np.random.Generator) -> float:
    started = time.perf_counter()
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        am_ids: dict[str, list[int]] = {}
        for market, k in zip(MARKETS, AMS_PER_MARKET, strict=True):
            for j in range(k):
                am = AccountManager(code=f"{market}-{j:03d}", country=market)
                session.add(am)
                session.flush()
                am_ids.setdefault(market, []).append(am.id)
        product = Product(external_id="BB-P", name="P")
        session.add(product)
        session.flush()
        markets = rng.choice(len(MARKETS), size=n, p=SHARE)
        dealt = dict.fromkeys(MARKETS, 0)
        rows: list[dict[str, object]] = []
        for i, m in enumerate(markets):
            market = MARKETS[int(m)]
            ams = am_ids[market]
            rows.append(
                {
                    "id": i + 1,
                    "external_id": f"BB{i}",
                    "kind": CustomerKind.B2B,
                    "country": market,
                    "account_manager_id": ams[dealt[market] % len(ams)],
                }
            )
            dealt[market] += 1
        _chunks(session, Customer, rows)
        decided = rng.random(n) < 0.6
        control = rng.random(n) < 0.05
        decisions: list[dict[str, object]] = []
        for i in np.flatnonzero(decided):
            for d in range(int(rng.integers(1, 3))):
                decisions.append(
                    {
                        "customer_id": int(i) + 1,
                        "decided_at": datetime(2026, 10, 2 + 10 * d, 9, tzinfo=UTC),
                        "channel": "phone",
                        "direction": "inbound",
                        "intent": None,
                        "context": {},
                        "arm": DecisionArm.CONTROL if control[i] else DecisionArm.NBA,
                        "explored": False,
                        "source": "batch",
                        "catalogue_version": 1,
                        "features": {},
                        "actions": [],
                        "suppressed": [],
                    }
                )
        _chunks(session, Decision, decisions)
        orders: list[dict[str, object]] = []
        lines: list[dict[str, object]] = []
        order_id = 0
        for month in (9, 10):
            buys = np.flatnonzero(rng.random(n) < 0.7)
            for i in buys:
                order_id += 1
                day = int(rng.integers(1, 29))
                orders.append(
                    {
                        "id": order_id,
                        "external_id": f"BO{order_id}",
                        "customer_id": int(i) + 1,
                        "ordered_at": datetime(2026, month, day, 14, tzinfo=UTC),
                    }
                )
                lift = 1.1 if month == 10 and decided[i] and not control[i] else 1.0
                for line_no in range(1, int(rng.integers(2, 5))):
                    cents = int(rng.lognormal(9.0, 1.0) * lift)
                    lines.append(
                        {
                            "order_id": order_id,
                            "line_no": line_no,
                            "product_id": product.id,
                            "quantity": 1,
                            "unit_price_ten_thousandths": cents * 100,
                            "total_cents": cents,
                        }
                    )
        _chunks(session, Order, orders)
        _chunks(session, OrderLine, lines)
        answers = np.flatnonzero(rng.random(n) < 0.1)
        _chunks(
            session,
            Survey,
            [
                {
                    "external_id": f"BS{i}",
                    "customer_id": int(i) + 1,
                    "answered_at": datetime(2026, 10, 15, tzinfo=UTC) + timedelta(minutes=int(i)),
                    "nps": int(rng.integers(0, 11)),
                }
                for i in answers
            ],
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{folder}/bonus-bench.db"
    upgrade(url)
    rng = np.random.default_rng(args.seed)
    built = build(url, args.customers, rng)
    plan = load_plan(PLAN)
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as session:
        started = time.perf_counter()
        run = service.compute_bonus(session, plan, "2026-10")
        seconds = time.perf_counter() - started
        credit_started = time.perf_counter()
        pools = service._pools(session)
        for _name, start, end in service.months_of(run.period):
            service._month(session, pools, start, end)
        units_seconds = time.perf_counter() - credit_started
    lines = [b.result.lines[1].sales for b in run.bonuses]
    adjusted = sum(1 for c in lines if c is not None and c.adjusted)
    markets = sorted({g.market or "" for g in run.controls if g.market})
    controls = {g.market: g.customers for g in run.controls}
    section = "\n".join(
        [
            HEADING,
            "",
            f"`bench/bonus_bench.py` (seed {args.seed}; {platform.python_implementation()} "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, "
            f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}): "
            f"{len(run.bonuses)} AMs × {args.customers:,} customers in {len(markets)} markets, "
            f"October 2026 against September, the example plan "
            f"(`docs/bonus-plan.example.yaml`). The world took {built:.1f} s to write.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| `compute_bonus` (metrics, sales units, every AM's credit and lines) | "
            f"{seconds:.2f} s |",
            f"| of which reading the sales units (arms and sales of the month) | "
            f"{units_seconds:.2f} s |",
            f"| AMs whose sales credit is control-adjusted | {adjusted} of {len(run.bonuses)} |",
            "| control customers per market (5% of those decided for) | "
            + ", ".join(f"{m} {controls.get(m, 0):,}" for m in markets)
            + " |",
            f"| total bonus | €{run.total_cents / 100:,.2f} |",
            "",
        ]
    )
    publish(HEADING, section, no_write=args.no_write)


if __name__ == "__main__":
    main()
