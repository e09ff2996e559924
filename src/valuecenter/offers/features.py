"""The compact per-customer feature rows the decision engine reads in real time.

``refresh_features`` computes, in set-based SQL over the whole customer base, what a decision
needs to know of each customer as of a moment — the facts its rules read (segment, contract
state, the products and categories he bought in the last year, an open complaint, his last
NPS, value and risk) and the numbers its propensity models read (``x``) — and replaces the
``customer_features`` rows in one transaction. A decision then costs one primary-key lookup
instead of a dozen aggregates (the issue: "the hot path reads a compact per-customer feature
row"). ``features_for`` computes one customer's row on the spot, for a customer the last
refresh did not see.

Everything is computed from what happened *before* ``as_of``, so a refresh "as of" a past
day gives exactly what the engine could have known then (the demo's history simulation and
the training rely on it: no future leaks into a decision).

Products held are tracked for the products the action catalogue refers to (its actions and
rules), so the rows stay small; a rule on a product added later sees it after the next
refresh.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    delete,
    distinct,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertStatus
from valuecenter.campaigns.models import Arm, CampaignMember
from valuecenter.consent.models import DoNotCall
from valuecenter.consent.phone import normalize
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import Customer
from valuecenter.db.base import UTCDateTime, utcnow
from valuecenter.db.bulk import Db, StageColumn
from valuecenter.db.query import Rows, database_rows
from valuecenter.decisions.facts import Facts
from valuecenter.formatting import grouped
from valuecenter.i18n import _
from valuecenter.offers import repository
from valuecenter.offers.models import (
    CustomerFeatures,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.surveys.models import Survey
from valuecenter.value.models import CustomerScore, ScoreRun

FEATURE_SET = "nba-1"
YEAR = timedelta(days=365)
COMPLAINT_REASONS = ("complaint",)
OPEN_DAYS = 30
"""A matter with no contact in this many days is no longer open (nor an open complaint)."""
MAX_CATEGORIES = 40
"""Category shares in ``x``: the most-bought categories, at most this many."""
NEVER_DAYS = 730
_CHUNK = 20_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Refresh:
    """What a refresh did."""

    as_of: datetime
    customers: int
    seconds: float
    categories: list[str]
    products_tracked: int


def tracked_products(session: Session) -> list[int]:
    """Database ids of the products the catalogue's actions and rules refer to."""
    ids: set[int] = set()
    codes: set[str] = set()
    for product_id, rule in repository.action_products_and_rules(session):
        if product_id is not None:
            ids.add(int(product_id))
        codes.update(_held_codes(rule))
    if codes:
        ids.update(repository.product_ids(session, sorted(codes)))
    return sorted(ids)


def _held_codes(rule: object) -> set[str]:
    """Product ids named by ``holds`` conditions anywhere in a canonical rule."""
    found: set[str] = set()
    if isinstance(rule, dict):
        for key, value in rule.items():
            if key == "holds" and isinstance(value, dict) and "product" in value:
                found.add(str(value["product"]))
            else:
                found |= _held_codes(value)
    elif isinstance(rule, list):
        for item in rule:
            found |= _held_codes(item)
    return found


Ids = Sequence[int] | range | None
"""Which customers: a list (small), a range of ids (a batch of the whole base) or all."""


def _ids_filter(column: Any, ids: Ids) -> Any:
    if ids is None:
        return True
    if isinstance(ids, range):
        return column.between(ids.start, ids.stop - 1)
    return column.in_(list(ids))


def compute_features(
    session: Session,
    *,
    as_of: datetime,
    customer_ids: Ids = None,
    products: Sequence[int] | None = None,
    ending_within_days: int = 90,
    read: Rows | None = None,
) -> pd.DataFrame:
    """One row per customer (``customer_id``, ``account_manager_id``, ``phone``, ``facts``)
    from what happened before ``as_of``. ``customer_ids`` narrows to those customers.

    The company's tables are read by ``read`` (default: the session's database; on Spark,
    the same statements compiled to Spark SQL: ``spark.statements``); the action catalogue
    and the phone numbers (personal data, not in a lake) always from the session."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    run = database_rows(session) if read is None else read
    since = as_of - YEAR
    day = as_of.astimezone(UTC).date()
    tracked = tracked_products(session) if products is None else list(products)

    customers = pd.DataFrame(
        run(
            select(
                Customer.id,
                Customer.kind,
                Customer.segment,
                Customer.country,
                Customer.language,
                Customer.customer_since,
                Customer.account_manager_id,
            ).where(_ids_filter(Customer.id, customer_ids)),
            None,
        ),
        columns=["id", "kind", "segment", "country", "language", "since", "am"],
    )
    phones: dict[int, str | None] = {
        int(c): p
        for c, p in session.execute(
            select(Customer.id, Customer.phone).where(
                Customer.phone.is_not(None), _ids_filter(Customer.id, customer_ids)
            )
        ).all()
    }
    if customers.empty:
        return pd.DataFrame(columns=["customer_id", "account_manager_id", "phone", "facts"])
    ids: Ids = (
        customer_ids
        if customer_ids is None or isinstance(customer_ids, range)
        else [int(i) for i in customers["id"]]
    )

    recent = and_(Order.ordered_at >= since, Order.ordered_at < as_of)
    orders = {
        int(c): (int(n), int(v or 0))
        for c, n, v in run(
            select(
                Order.customer_id,
                func.count(distinct(Order.id)),
                func.sum(OrderLine.total_cents),
            )
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(recent, _ids_filter(Order.customer_id, ids))
            .group_by(Order.customer_id),
            None,
        )
    }
    last_order = {
        int(c): t
        for c, t in run(
            select(Order.customer_id, func.max(Order.ordered_at))
            .where(Order.ordered_at < as_of, _ids_filter(Order.customer_id, ids))
            .group_by(Order.customer_id),
            None,
        )
    }
    # One expression object in SELECT and GROUP BY (PostgreSQL compares them as written).
    category = func.coalesce(Category.code, literal_column("'other'"))
    cat_rows = run(
        select(Order.customer_id, category, func.count())
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(recent, _ids_filter(Order.customer_id, ids))
        .group_by(Order.customer_id, category),
        None,
    )
    lines: dict[int, dict[str, int]] = {}
    cat_totals: dict[str, int] = {}
    for c, code, n in cat_rows:
        lines.setdefault(int(c), {})[str(code)] = int(n)
        cat_totals[str(code)] = cat_totals.get(str(code), 0) + int(n)
    categories = _category_columns(session, cat_totals)
    held: dict[int, set[str]] = {}
    if tracked:
        for c, code in run(
            select(Order.customer_id, Product.external_id)
            .distinct()
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(recent, OrderLine.product_id.in_(tracked), _ids_filter(Order.customer_id, ids))
            .group_by(Order.customer_id, Product.external_id),
            None,
        ):
            held.setdefault(int(c), set()).add(str(code))

    contracts: dict[int, list[tuple[str, date | None]]] = {}
    for c, plan, end in run(
        select(Contract.customer_id, Contract.plan, Contract.end_date)
        .where(
            Contract.start_date <= day,
            or_(Contract.end_date.is_(None), Contract.end_date >= day),
            or_(Contract.cancelled_at.is_(None), Contract.cancelled_at > day),
            _ids_filter(Contract.customer_id, ids),
        )
        .order_by(Contract.id),
        None,
    ):
        contracts.setdefault(int(c), []).append((str(plan), _as_date(end)))

    open_cases = open_matters(session if read is None else read, as_of, ids)

    ranked = (
        select(
            Survey.customer_id.label("c"),
            Survey.nps.label("nps"),
            Survey.answered_at.label("at"),
            func.row_number()
            .over(partition_by=Survey.customer_id, order_by=Survey.answered_at.desc())
            .label("k"),
        )
        .where(Survey.answered_at < as_of, _ids_filter(Survey.customer_id, ids))
        .subquery()
    )
    nps = {
        int(c): (int(v), _aware(t))
        for c, v, t in run(
            select(ranked.c.c, ranked.c.nps, ranked.c.at).where(ranked.c.k == 1), None
        )
    }

    contact_counts = {
        int(c): (int(n90), int(nc))
        for c, n90, nc in run(
            contacts_repository.recent_and_complaint_counts(
                since=since,
                as_of=as_of,
                recent_days=90,
                complaint_reasons=COMPLAINT_REASONS,
                customer_filter=lambda column: _ids_filter(column, ids),
            ),
            None,
        )
    }

    campaigns = {
        int(c): (int(n), int(r or 0))
        for c, n, r in run(
            select(
                CampaignMember.customer_id,
                func.count(),
                func.sum(
                    func.cast(
                        and_(
                            CampaignMember.responded_at.is_not(None),
                            CampaignMember.responded_at < as_of,
                        ),
                        _int(),
                    )
                ),
            )
            .where(
                CampaignMember.arm == Arm.TREATMENT,
                CampaignMember.contacted_at.is_not(None),
                CampaignMember.contacted_at < as_of,
                _ids_filter(CampaignMember.customer_id, ids),
            )
            .group_by(CampaignMember.customer_id),
            None,
        )
    }

    answers: dict[int, tuple[int, int]] = {}
    for c, outcome, n in run(
        select(DecisionResponse.customer_id, DecisionResponse.outcome, func.count())
        .where(
            DecisionResponse.recorded_at >= since,
            DecisionResponse.recorded_at < as_of,
            _ids_filter(DecisionResponse.customer_id, ids),
        )
        .group_by(DecisionResponse.customer_id, DecisionResponse.outcome),
        None,
    ):
        acc, rej = answers.get(int(c), (0, 0))
        if outcome == ResponseOutcome.ACCEPTED:
            acc += int(n)
        elif outcome == ResponseOutcome.REJECTED:
            rej += int(n)
        answers[int(c)] = (acc, rej)

    scores = _scores(run, day, ids)
    risks = {
        int(c): float(r)
        for c, r in run(
            select(Alert.customer_id, func.max(Alert.risk))
            .where(
                Alert.status == AlertStatus.OPEN,
                Alert.raised_on <= day,
                _ids_filter(Alert.customer_id, ids),
            )
            .group_by(Alert.customer_id),
            None,
        )
    }

    segments = sorted({str(s) for s in customers["segment"].dropna()})
    countries = sorted({str(s) for s in customers["country"].dropna()})
    # The one-hot and share columns' names, made once instead of once per customer (the loop
    # below runs for every customer at every refresh: 20,000 × 14 in tests/test_nba_truth.py).
    share_keys = [(code, f"share:{code}") for code in categories]
    segment_keys = [(label, f"segment={label}") for label in segments]
    country_keys = [(code, f"country={code}") for code in countries]
    rows: list[dict[str, Any]] = []
    for cid, kind, segment, country, language, since_day, am in customers.itertuples(
        index=False, name=None
    ):
        cid = int(cid)
        phone = phones.get(cid)
        n_orders, revenue = orders.get(cid, (0, 0))
        last = last_order.get(cid)
        days_since = None if last is None else max(0, (as_of - _aware(last)).days)
        mine = contracts.get(cid, [])
        ends = [e for _p, e in mine if e is not None]
        nearest = min(ends) if ends else None
        state = "none"
        if mine:
            ending = nearest is not None and (nearest - day).days <= ending_within_days
            state = "ending" if ending else "active"
        per_cat = lines.get(cid, {})
        total_lines = sum(per_cat.values())
        last_nps = nps.get(cid)
        n90, complaints = contact_counts.get(cid, (0, 0))
        sent, responded = campaigns.get(cid, (0, 0))
        accepts, rejects = answers.get(cid, (0, 0))
        clv, p_alive, value_segment = scores.get(cid, (None, None, None))
        since_value = _as_date(since_day)
        tenure = None if since_value is None else (day - since_value).days
        has_case = cid in open_cases
        x: dict[str, float] = {
            "b2b": 1.0 if str(kind) == "b2b" else 0.0,
            "tenure_years": round((tenure or 0) / 365.25, 4),
            "log_revenue_12m": round(math.log1p(max(revenue, 0) / 100), 4),
            "orders_12m": float(n_orders),
            "days_since_order": float(
                NEVER_DAYS if days_since is None else min(days_since, NEVER_DAYS)
            ),
            "contract_active": 1.0 if state != "none" else 0.0,
            "contract_ending": 1.0 if state == "ending" else 0.0,
            "open_case": 1.0 if has_case else 0.0,
            "open_complaint": 1.0 if open_cases.get(cid, False) else 0.0,
            "nps_known": 0.0 if last_nps is None else 1.0,
            "nps": 0.0 if last_nps is None else float(last_nps[0]),
            "contacts_90d": float(n90),
            "complaints_365d": float(complaints),
            "campaigns_received": float(sent),
            "campaign_response_rate": round(responded / sent, 4) if sent else 0.0,
            "nba_accepts_365d": float(accepts),
            "nba_rejects_365d": float(rejects),
            "log_clv": 0.0 if clv is None else round(math.log1p(max(clv, 0) / 100), 4),
            "p_alive": -1.0 if p_alive is None else round(float(p_alive), 4),
        }
        for product in sorted(held.get(cid, ())):  # a set: its order differs per process
            x[f"held:{product}"] = 1.0
        for code, key in share_keys:
            x[key] = round(per_cat.get(code, 0) / total_lines, 4) if total_lines else 0.0
        for label, key in segment_keys:
            x[key] = 1.0 if segment == label else 0.0
        for code, key in country_keys:
            x[key] = 1.0 if country == code else 0.0
        facts = {
            "kind": None if kind is None else str(kind),
            "segment": segment,
            "value_segment": value_segment,
            "country": country,
            "language": language,
            "customer_since": None if since_value is None else since_value.isoformat(),
            "contract": state,
            "contract_ends": None if nearest is None else nearest.isoformat(),
            "plans": sorted({p for p, _e in mine}),
            "products": sorted(held.get(cid, set())),
            "categories": sorted(per_cat),
            "open_case": has_case,
            "open_complaint": open_cases.get(cid, False),
            "last_nps": None if last_nps is None else last_nps[0],
            "last_nps_at": None if last_nps is None else last_nps[1].isoformat(),
            "clv_cents": clv,
            "revenue_12m_cents": revenue,
            "orders_12m": n_orders,
            "days_since_order": days_since,
            "churn_risk": risks.get(cid),
            "x": x,
        }
        rows.append(
            {
                "customer_id": cid,
                "account_manager_id": None if pd.isna(am) else int(am),
                "phone": normalize(phone, country) if isinstance(phone, str) else None,
                "facts": facts,
            }
        )
    return pd.DataFrame(rows)


def matters_query(customer_filter: contacts_repository.CustomerFilter | None = None) -> Any:
    """The contacts of the last days with their case and complaint flag (:data:`MatterRow`),
    between the ``since`` and ``until`` parameters, of the customers ``customer_filter``
    keeps (see ``contacts/repository.py``; None: all)."""
    return contacts_repository.matters_query(COMPLAINT_REASONS, customer_filter)


def _matters_statement(ids: Ids) -> Any:
    if isinstance(ids, list):
        return matters_query(lambda column: column.in_(bindparam("ids", expanding=True)))
    return matters_query(lambda column: _ids_filter(column, ids))


def open_matters(reader: Session | Rows, as_of: datetime, ids: Ids) -> dict[int, bool]:
    """Customers with an open matter as of ``as_of``, and whether it is a complaint.

    A matter is a case (the contacts sharing a case id) or a contact without a case, with a
    contact in the :data:`OPEN_DAYS` before ``as_of``; it is open when its latest contact is
    not ticked "resolved" and its case, if any, was not closed by then. The importer's cases
    carry no closing time of their own (they open at their first contact), so the tick box
    of the latest contact is the best signal the data has (seed 003: the tick box is not
    always right; the demo's ticks 45% of unsolved questions as solved).
    """
    params: dict[str, Any] = {"since": as_of - timedelta(days=OPEN_DAYS), "until": as_of}
    if ids is None or isinstance(ids, range):
        stmt = _matters_statement(ids)
    else:
        stmt = _MATTERS_OF
        params["ids"] = list(ids)
        if not params["ids"]:
            return {}
    if isinstance(reader, Session):
        return open_of(reader.connection().execute(stmt, params), as_of)
    return open_of(reader(stmt, params), as_of)


MatterRow = tuple[Any, Any, Any, Any, Any, Any, Any]
"""(customer, contact, case id, started at, resolved, case closed at, complaint) of a contact
of the last :data:`OPEN_DAYS`, as :func:`matters_query` selects them."""


def open_of(rows: Iterable[MatterRow], as_of: datetime) -> dict[int, bool]:
    """:func:`open_matters` of the contacts' rows (in any order)."""
    # matter -> (latest contact's (time, id), customer, resolved, closed, any complaint)
    latest: dict[tuple[str, int], tuple[tuple[datetime, int], int, object, object, bool]] = {}
    for customer, contact, case_id, at, resolved, closed, complaint in rows:
        key = ("c", int(case_id)) if case_id is not None else ("k", int(contact))
        seen = latest.get(key)
        stamp = (_aware(at), int(contact))
        is_complaint = bool(complaint) or (seen is not None and seen[4])
        if seen is None or stamp > seen[0]:
            latest[key] = (stamp, int(customer), resolved, closed, is_complaint)
        else:
            latest[key] = (*seen[:4], is_complaint)
    out: dict[int, bool] = {}
    for _stamp, customer, resolved, closed, complaint in latest.values():
        if resolved is True:
            continue
        if isinstance(closed, datetime) and _aware(closed) <= as_of:
            continue
        out[customer] = out.get(customer, False) or complaint
    return out


def _int() -> Integer:
    return Integer()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _as_date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    return None


def _category_columns(session: Session, totals: dict[str, int]) -> list[str]:
    """The categories whose shares go into ``x``: the most-bought ones plus every category
    an action offers (so the offer's own category is always a feature)."""
    ranked = [code for code, _n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    offered = repository.offered_categories(session)
    chosen = ranked[:MAX_CATEGORIES]
    return sorted(set(chosen) | offered)


def _scores(
    read: Rows, day: date, ids: Ids
) -> dict[int, tuple[int | None, float | None, str | None]]:
    """CLV, P(alive) and value segment of the latest score run made as of ``day`` or before."""
    latest = read(
        select(ScoreRun.id)
        .where(ScoreRun.as_of <= day)
        .order_by(ScoreRun.as_of.desc(), ScoreRun.id.desc())
        .limit(1),
        None,
    )
    if not latest:
        return {}
    run = int(latest[0][0])
    return {
        int(c): (None if clv is None else int(clv), p, seg)
        for c, clv, p, seg in read(
            select(
                CustomerScore.customer_id,
                CustomerScore.clv_cents,
                CustomerScore.p_alive,
                CustomerScore.segment,
            ).where(CustomerScore.run_id == run, _ids_filter(CustomerScore.customer_id, ids)),
            None,
        )
    }


def write_features(session: Session, frame: pd.DataFrame, *, as_of: datetime) -> int:
    """Replace the feature rows of the customers in ``frame`` (bulk staging path)."""
    if frame.empty:
        return 0
    ids = frame["customer_id"].astype(np.int64).tolist()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(delete(CustomerFeatures).where(CustomerFeatures.customer_id.in_(chunk)))
    db = Db(session)
    columns = [
        StageColumn("customer_id", "int"),
        StageColumn("account_manager_id", "int"),
        StageColumn("phone", "text"),
        StageColumn("facts", "text"),
    ]
    data = {
        "customer_id": pa.array(frame["customer_id"].astype(np.int64).to_numpy()),
        "account_manager_id": pa.array(
            frame["account_manager_id"]
            .astype("Float64")
            .to_numpy(dtype=np.float64, na_value=np.nan),
            from_pandas=True,
        ).cast(pa.int64()),
        "phone": pa.array(
            frame["phone"].to_numpy(dtype=object), type=pa.string(), from_pandas=True
        ),
        "facts": pa.array(
            [json.dumps(f, separators=(",", ":")) for f in frame["facts"]], type=pa.string()
        ),
    }
    now = utcnow()
    try:
        db.tune()
        db.stage("vc_stage_features", columns, data)
        facts = "CAST(facts AS JSON)" if db.pg else "facts"
        db.conn.execute(
            CustomerFeatures.__table__.insert().from_select(  # type: ignore[attr-defined]
                [
                    "customer_id",
                    "account_manager_id",
                    "phone",
                    "facts",
                    "as_of",
                    "refreshed_at",
                    "feature_set",
                ],
                select(
                    literal_column("customer_id"),
                    literal_column("account_manager_id"),
                    literal_column("phone"),
                    literal_column(facts),
                    _bind(as_of),
                    _bind(now),
                    _bind(FEATURE_SET),
                ).select_from(table("vc_stage_features")),
            )
        )
        db.finish()
    except Exception:
        db.abandon()
        raise
    return len(frame)


def _bind(value: object) -> Any:
    if isinstance(value, datetime):
        return bindparam(None, value, type_=UTCDateTime())
    return bindparam(None, value)


def refresh_features(
    session: Session,
    *,
    as_of: datetime | None = None,
    progress: Progress | None = None,
    read: Rows | None = None,
) -> Refresh:
    """Recompute every customer's feature row as of ``as_of`` (default now) in the caller's
    transaction, in batches of customers; the company's tables read by ``read`` (default the
    session's database; ``offers features --engine spark``: Spark)."""
    started = time.perf_counter()
    as_of = as_of or utcnow()
    settings = repository.engine_settings(session)
    products = tracked_products(session)
    all_ids = [int(i) for i in session.scalars(select(Customer.id).order_by(Customer.id))]
    session.execute(delete(CustomerFeatures))
    done = 0
    categories: list[str] = []
    batch = max(_CHUNK, len(all_ids) // 8 or 1) if len(all_ids) > 200_000 else len(all_ids) or 1
    for start in range(0, len(all_ids), batch):
        ids = all_ids[start : start + batch]
        frame = compute_features(
            session,
            as_of=as_of,
            customer_ids=None if len(ids) == len(all_ids) else range(ids[0], ids[-1] + 1),
            products=products,
            ending_within_days=settings.ending_within_days,
            read=read,
        )
        write_features(session, frame, as_of=as_of)
        done += len(frame)
        if not frame.empty and not categories:
            categories = sorted(
                k.split(":", 1)[1] for k in frame["facts"].iloc[0]["x"] if k.startswith("share:")
            )
        if progress is not None:
            progress(
                _(
                    "%(done)s of %(total)s customers",
                    done=grouped(done),
                    total=grouped(len(all_ids)),
                )
            )
    return Refresh(
        as_of=as_of,
        customers=done,
        seconds=round(time.perf_counter() - started, 3),
        categories=categories,
        products_tracked=len(products),
    )


def add_missing_features(session: Session, *, as_of: datetime | None = None) -> int:
    """Feature rows for the customers that have none — the ones imported since the last
    :func:`refresh_features` — as of ``as_of`` (default now), in the caller's transaction;
    how many were written.

    The import runs it (``cli/importer.py``), so a customer imported between two nightly
    refreshes has his row before his first decision: a decision then never computes one on
    the spot (about 0.5 s of a worker on PostgreSQL, with every request queued behind it
    waiting — issue 17). Before the first refresh there is nothing to keep up to date (and
    the first load of a million customers should not pay for a refresh): it does nothing.
    """
    if session.scalar(select(CustomerFeatures.customer_id).limit(1)) is None:
        return 0
    missing = [
        int(i)
        for i in session.scalars(
            select(Customer.id)
            .outerjoin(CustomerFeatures, CustomerFeatures.customer_id == Customer.id)
            .where(CustomerFeatures.customer_id.is_(None))
            .order_by(Customer.id)
        )
    ]
    if not missing:
        return 0
    as_of = as_of or utcnow()
    settings = repository.engine_settings(session)
    products = tracked_products(session)
    written = 0
    for start in range(0, len(missing), _CHUNK):
        frame = compute_features(
            session,
            as_of=as_of,
            customer_ids=missing[start : start + _CHUNK],
            products=products,
            ending_within_days=settings.ending_within_days,
        )
        written += write_features(session, frame, as_of=as_of)
    return written


def rows_with_register(*more: Any) -> Any:
    """The feature rows joined with the do-not-call register: (facts, as_of, account manager,
    phone, register entry id, registered on, *more) — filter them yourself."""
    return select(
        CustomerFeatures.facts,
        CustomerFeatures.as_of,
        CustomerFeatures.account_manager_id,
        CustomerFeatures.phone,
        DoNotCall.id,
        DoNotCall.registered_on,
        *more,
    ).outerjoin(
        DoNotCall,
        and_(DoNotCall.number == CustomerFeatures.phone, DoNotCall.removed_at.is_(None)),
    )


def facts_of(
    customer_id: int,
    facts: dict[str, Any],
    *,
    as_of: datetime | None,
    account_manager_id: int | None,
    phone: str | None,
) -> Facts:
    """A stored feature row as :class:`Facts`."""

    def day(key: str) -> date | None:
        value = facts.get(key)
        return date.fromisoformat(value) if isinstance(value, str) else None

    nps_at = facts.get("last_nps_at")
    return Facts(
        customer_id=customer_id,
        as_of=as_of,
        kind=facts.get("kind"),
        segment=facts.get("segment"),
        value_segment=facts.get("value_segment"),
        country=facts.get("country"),
        language=facts.get("language"),
        customer_since=day("customer_since"),
        contract=str(facts.get("contract") or "none"),
        contract_ends=day("contract_ends"),
        plans=frozenset(facts.get("plans") or ()),
        products=frozenset(facts.get("products") or ()),
        categories=frozenset(facts.get("categories") or ()),
        open_case=bool(facts.get("open_case")),
        open_complaint=bool(facts.get("open_complaint")),
        last_nps=facts.get("last_nps"),
        last_nps_at=datetime.fromisoformat(nps_at) if isinstance(nps_at, str) else None,
        clv_cents=facts.get("clv_cents"),
        revenue_12m_cents=int(facts.get("revenue_12m_cents") or 0),
        orders_12m=int(facts.get("orders_12m") or 0),
        days_since_order=facts.get("days_since_order"),
        churn_risk=facts.get("churn_risk"),
        account_manager_id=account_manager_id,
        phone=phone,
        x={str(k): float(v) for k, v in (facts.get("x") or {}).items()},
    )


_MATTERS_OF = _matters_statement([])
"""The statement for a list of customers (the decisions' hot path), built once."""
