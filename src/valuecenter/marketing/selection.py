"""Selections: a saved filter over customer attributes and scores, counted live (C9; seed 004:
"for each campaign a selection of customers").

A selection is a :class:`~valuecenter.marketing.schemas.SelectionSpec` turned into one SQL
query over the customers (never erased ones), their scores in the latest score run, their
orders (bought a category within so many days of the run's day) and their contracts (an
active contract ending in a window). The count a manager sees while building it is that
query's ``COUNT``; a campaign launched on it takes the same query's ids, so what was counted
is what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from valuecenter.campaigns.models import CampaignSelection
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, NotFound
from valuecenter.i18n import _
from valuecenter.marketing.schemas import SelectionSpec
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.value.repository import latest_run

UNSCORED = "unscored"


@dataclass(frozen=True)
class Matches:
    """The customers a selection holds: ids and their value segment (the stratum of a
    campaign's assignment), in id order."""

    ids: list[int]
    segments: list[str]
    run_id: str | None  # the score run the scores came from


def _query(session: Session, spec: SelectionSpec, run: ScoreRun | None) -> Any:
    score = CustomerScore
    query: Any
    if run is not None:
        query = select(Customer.id, func.coalesce(score.segment, UNSCORED)).outerjoin(
            score, and_(score.customer_id == Customer.id, score.run_id == run.id)
        )
    else:
        query = select(Customer.id, literal(UNSCORED))
    query = query.where(Customer.erased_at.is_(None))
    if spec.needs_scores():
        if run is None:
            return query.where(false())
        query = query.where(score.id.is_not(None))
    if spec.segments:
        query = query.where(score.segment.in_(spec.segments))
    if spec.rfm_segments:
        query = query.where(score.rfm_segment.in_(spec.rfm_segments))
    if spec.clv_min_euro is not None:
        query = query.where(score.clv_cents >= round(spec.clv_min_euro * 100))
    if spec.clv_max_euro is not None:
        query = query.where(score.clv_cents <= round(spec.clv_max_euro * 100))
    if spec.risk_min is not None:
        query = query.where(score.risk >= spec.risk_min)
    if spec.risk_max is not None:
        query = query.where(score.risk <= spec.risk_max)
    if spec.countries:
        query = query.where(Customer.country.in_(spec.countries))
    if spec.kinds:
        query = query.where(Customer.kind.in_(spec.kinds))
    if spec.categories:
        as_of = run.as_of if run is not None else utcnow().date()
        until = datetime.combine(as_of, time(), tzinfo=UTC) + timedelta(days=1)
        since = until - timedelta(days=spec.bought_within_days)
        bought = (
            select(Order.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(
                Order.customer_id == Customer.id,
                Order.ordered_at >= since,
                Order.ordered_at < until,
                Category.code.in_(spec.categories),
            )
        )
        query = query.where(exists(bought))
    if spec.contract_end_from is not None or spec.contract_end_to is not None:
        ending = select(Contract.id).where(
            Contract.customer_id == Customer.id, Contract.status == ContractStatus.ACTIVE
        )
        if spec.contract_end_from is not None:
            ending = ending.where(Contract.end_date >= spec.contract_end_from)
        if spec.contract_end_to is not None:
            ending = ending.where(Contract.end_date <= spec.contract_end_to)
        query = query.where(exists(ending))
    return query


def count(session: Session, spec: SelectionSpec) -> int:
    """How many customers the selection holds now (the live count)."""
    query = _query(session, spec, latest_run(session)).order_by(None)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def count_by_segment(session: Session, spec: SelectionSpec) -> dict[str, int]:
    """The live count per value segment (the strata a campaign will balance its arms in)."""
    sub = _query(session, spec, latest_run(session)).subquery()
    segment = sub.c[1]
    rows = session.execute(select(segment, func.count()).group_by(segment))
    return {str(s): int(n) for s, n in rows}


def matches(session: Session, spec: SelectionSpec) -> Matches:
    """The customers the selection holds now, with their value segments."""
    run = latest_run(session)
    rows = session.execute(_query(session, spec, run).order_by(Customer.id)).all()
    return Matches(
        ids=[int(r[0]) for r in rows],
        segments=[str(r[1]) for r in rows],
        run_id=None if run is None else run.run_id,
    )


def save_selection(
    session: Session, name: str, spec: SelectionSpec, user_id: int | None = None
) -> CampaignSelection:
    """Save ``spec`` under ``name`` (a new selection, or the named one updated)."""
    now = utcnow()
    found = session.scalar(select(CampaignSelection).where(CampaignSelection.name == name))
    if found is not None:
        found.spec = spec.model_dump(mode="json")
        found.updated_at = now
        session.flush()
        return found
    made = CampaignSelection(
        name=name,
        spec=spec.model_dump(mode="json"),
        created_by=user_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(made)
            session.flush()
    except IntegrityError as error:
        raise Conflict(_("a selection named %(name)s was saved meanwhile", name=name)) from error
    return made


def get_selection(session: Session, selection_id: int) -> CampaignSelection:
    found = session.get(CampaignSelection, selection_id)
    if found is None:
        raise NotFound(_("selection %(id)s does not exist", id=selection_id))
    return found


def spec_of(selection: CampaignSelection) -> SelectionSpec:
    return SelectionSpec.model_validate(selection.spec)


def list_selections(session: Session) -> Sequence[CampaignSelection]:
    return session.scalars(select(CampaignSelection).order_by(CampaignSelection.name)).all()
