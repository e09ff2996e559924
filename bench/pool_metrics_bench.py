"""Benchmark of the per-AM metrics behind the cockpit and the bonus plan (issue 22): 150 AMs ×
100,000 customers on PostgreSQL.

A synthetic world written with ``generate_series`` into an **empty** database (refused
otherwise; every table it fills is emptied again at the end): 150 AMs over six markets, each
customer in the pool of AM ``id mod 150``; 500 products; from August 2025 to October 2026 an
order per customer-month with probability 0.6, of one or two lines (about 900,000
orders, 1.35 million lines); an inbound
contact per customer-month with probability 0.2 in September and October 2026; 30,000
next-best-action decisions in October 2026 (5% control, a tenth of the treated ones with an
accepted offer); 10,000 survey answers; 5,000 open alerts and 2,000 open follow-up tasks.
Timed: :func:`valuecenter.pools.metrics.am_metrics` for October 2026 (every AM),
:func:`valuecenter.pools.cockpit.control_comparison` for every AM, and one AM's cockpit
(his figures plus every peer's, as the page computes it). Writes the "AM cockpit metrics"
section of docs/benchmarks.md.

    .venv/bin/python bench/pool_metrics_bench.py --database-url postgresql+psycopg://… \
        [--customers 100000] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select, text

from benchdoc import publish
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.pools.cockpit import cockpit, control_comparison
from valuecenter.pools.metrics import Period, am_metrics
from valuecenter.users.models import Role, User

HEADING = "## AM cockpit metrics"
TARGET_S = 10.0
T = TypeVar("T")

TABLES = (
    "followup_tasks",
    "surveys",
    "alerts",
    "alert_runs",
    "decision_responses",
    "decisions",
    "actions",
    "contacts",
    "order_lines",
    "orders",
    "products",
    "customers",
    "account_managers",
)

WORLD = [
    """INSERT INTO account_managers (id, code, name, country, active)
       SELECT g, 'AM-' || g, 'AM ' || g,
              (ARRAY['NL','BE','DE','FR','ES','CH'])[1 + g % 6], true
       FROM generate_series(1, 150) g""",
    """INSERT INTO customers (id, external_id, name, kind, country, account_manager_id,
                             created_at)
       SELECT g, 'C' || g, 'Customer ' || g, 'b2b',
              (ARRAY['NL','BE','DE','FR','ES','CH'])[1 + (1 + g % 150) % 6], 1 + g % 150,
              now()
       FROM generate_series(1, :customers) g""",
    """INSERT INTO products (id, external_id, name, active)
       SELECT g, 'P' || g, 'Product ' || g, true FROM generate_series(1, 500) g""",
    """INSERT INTO orders (id, external_id, customer_id, ordered_at, currency)
       SELECT row_number() OVER (), 'O' || c || '-' || m, c,
              timestamptz '2025-08-01 00:00+00' + (m || ' months')::interval
                + random() * 27 * interval '1 day', 'EUR'
       FROM generate_series(1, :customers) c, generate_series(0, 14) m
       WHERE random() < 0.6""",
    """INSERT INTO order_lines (order_id, line_no, product_id, quantity,
                               unit_price_ten_thousandths, total_cents)
       SELECT o.id, l, 1 + floor(random() * 500)::int, 1, 0,
              (500 + random() * 40000)::bigint
       FROM orders o, generate_series(1, 1 + o.id % 2) l""",
    """INSERT INTO contacts (external_id, customer_id, channel, direction, started_at,
                            wait_seconds, talk_seconds, wrap_seconds, hold_seconds, abandoned)
       SELECT 'K' || c || '-' || m, c, 'phone', 'inbound',
              timestamptz '2026-09-01 00:00+00' + (m || ' months')::interval
                + random() * 29 * interval '1 day', 0, 0, 0, 0, false
       FROM generate_series(1, :customers) c, generate_series(0, 1) m
       WHERE random() < 0.2""",
    """INSERT INTO actions (id, code, name, kind, value_cents, cost_cents, contact_cost_cents,
                           channels, prior_accept, conversion_days, repeat_after_days, active,
                           updated_at)
       SELECT g, 'offer-' || g, 'Offer ' || g, 'offer', 1000 * g, 0, 0, '[]', 0.05, 30, 365,
              true, now()
       FROM generate_series(1, 5) g""",
    """INSERT INTO decisions (id, customer_id, decided_at, channel, direction, context, arm,
                             explored, source, catalogue_version, features, actions,
                             suppressed, latency_us)
       SELECT g, 1 + floor(random() * :customers)::int,
              timestamptz '2026-10-01 00:00+00' + random() * 30 * interval '1 day',
              'phone', 'inbound', '{}', CASE WHEN random() < 0.05 THEN 'control' ELSE 'nba' END,
              false, 'api', 1, '{}', '[{"action_id": 1, "kind": "offer"}]', '[]', 0
       FROM generate_series(1, 30000) g""",
    """INSERT INTO decision_responses (decision_id, action_id, customer_id, outcome,
                                      recorded_at, channel, direction, purpose)
       SELECT id, 1 + id % 5, customer_id,
              CASE WHEN random() < 0.1 THEN 'accepted' ELSE 'rejected' END, decided_at,
              'phone', 'inbound', 'marketing'
       FROM decisions WHERE arm = 'nba'""",
    """INSERT INTO surveys (id, external_id, customer_id, answered_at, nps)
       SELECT g, 'S' || g, 1 + floor(random() * :customers)::int,
              timestamptz '2026-10-01 00:00+00' + random() * 30 * interval '1 day',
              floor(random() * 11)::int
       FROM generate_series(1, 10000) g""",
    """INSERT INTO alert_runs (id, run_id, started_at, finished_at, as_of, customers, raised,
                              still_open, market_dips, models, seconds)
       VALUES (1, 'bench', now(), now(), date '2026-10-31', 0, 0, 0, 0, '{}', 0)""",
    """INSERT INTO alerts (run_id, customer_id, kind, raised_on, risk, clv_cents,
                          value_at_risk_cents, reasons, action, status)
       SELECT 1, 1 + floor(random() * :customers)::int, 'order-rhythm', date '2026-10-20',
              0.5, 100000, 50000, '[]', 'call', 'open'
       FROM generate_series(1, 5000) g""",
    """INSERT INTO followup_tasks (survey_id, customer_id, created_at, due_at, status)
       SELECT id, customer_id, answered_at, answered_at + interval '2 days', 'open'
       FROM surveys WHERE id <= 2000""",
]


def timed(label: str, call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = call()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("VALUECENTER_DATABASE_URL"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    url = opts.database_url or ""
    if not url.startswith("postgresql"):
        parser.error("--database-url: a PostgreSQL database is needed")
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            parser.error("--database-url: the database has customers; give an empty one")
    try:
        with sessions.begin() as session:
            start = time.perf_counter()
            for statement in WORLD:
                session.execute(text(statement), {"customers": opts.customers})
            session.execute(text("ANALYZE"))
            build_s = time.perf_counter() - start
        with sessions() as session:
            counts = {
                t: int(session.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
                for t in ("orders", "order_lines", "contacts", "decisions", "surveys")
            }
        print(f"world built in {build_s:.1f} s: {counts}")
        october = Period.month("2026-10")
        with sessions() as session:
            rows, metrics_s = timed("am_metrics", lambda: am_metrics(session, october))
        with sessions() as session:
            ids = [r.account_manager_id for r in rows]
            control, control_s = timed(
                "control_comparison", lambda: control_comparison(session, october, ids)
            )
        with sessions() as session:
            viewer = User(id=0, username="bench", password_hash="-", role=Role.MANAGER)
            one = session.scalar(select(AccountManager.id).order_by(AccountManager.id))
            assert one is not None
            _page, cockpit_s = timed("one cockpit", lambda: cockpit(session, viewer, october, one))
        worst = max(metrics_s, control_s, cockpit_s)
        retention = sorted(r.top_retention for r in rows if r.top_retention is not None)
        section = "\n".join(
            [
                HEADING,
                "",
                f"`bench/pool_metrics_bench.py` on PostgreSQL: {len(rows)} AMs × "
                f"{opts.customers:,} customers; a synthetic world of {counts['orders']:,} "
                f"orders ({counts['order_lines']:,} lines) over 15 months, "
                f"{counts['contacts']:,} inbound contacts, {counts['decisions']:,} decisions "
                f"and {counts['surveys']:,} survey answers (built in {build_s:.0f} s). "
                f"Target: each call ≤ {TARGET_S:.0f} s — "
                f"{'met' if worst <= TARGET_S else '**not met**'}.",
                "",
                "| Call | Seconds |",
                "|---|---|",
                f"| `am_metrics` (every AM, October 2026) | {metrics_s:.2f} |",
                f"| `control_comparison` (every AM) | {control_s:.2f} |",
                f"| one AM's cockpit (his figures and every peer's) | {cockpit_s:.2f} |",
                "",
                f"{len(control)} AMs with a control comparison; best-customer retention from "
                f"{retention[0]:.0%} to {retention[-1]:.0%} (random orders: the measure has "
                "no story to tell here, only the time). "
                f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
                f"{platform.python_version()}.",
            ]
        )
        publish(HEADING, section, no_write=opts.no_write)
    finally:
        with sessions.begin() as session:
            session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    main()
