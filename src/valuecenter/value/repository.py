"""Queries on score runs and scores (never commit). Aggregates take the viewer's visibility
condition on ``Customer`` (``customers.repository.visible_customers``), so an account
manager's figures cover only his own pool."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from valuecenter.customers.models import Customer
from valuecenter.value.models import CustomerScore, ScoreRun


def latest_run(session: Session) -> ScoreRun | None:
    return session.scalars(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1)).first()


def score_of(session: Session, run: ScoreRun, customer_id: int) -> CustomerScore | None:
    return session.scalars(
        select(CustomerScore).where(
            CustomerScore.run_id == run.id, CustomerScore.customer_id == customer_id
        )
    ).first()


def segment_table(
    session: Session, run: ScoreRun, visible: ColumnElement[bool]
) -> list[tuple[str, int, int, int, float | None, float | None]]:
    """Per segment: customers, revenue of the last 12 months (cents), Σ CLV (cents), mean
    P(alive) and mean risk (the run's risk model), in one grouped query."""
    s = CustomerScore
    rows = session.execute(
        select(
            s.segment,
            func.count(),
            func.coalesce(func.sum(s.revenue_12m_cents), 0),
            func.coalesce(func.sum(s.clv_cents), 0),
            func.avg(s.p_alive),
            func.avg(s.risk),
        )
        .join(Customer, Customer.id == s.customer_id)
        .where(s.run_id == run.id, visible)
        .group_by(s.segment)
    ).all()
    return [
        (
            str(seg),
            int(n),
            int(rev),
            int(clv),
            None if alive is None else float(alive),
            None if risk is None else float(risk),
        )
        for seg, n, rev, clv, alive, risk in rows
    ]


def revenue_12m(session: Session, run: ScoreRun, visible: ColumnElement[bool]) -> list[int]:
    """Every visible customer's revenue of the last 12 months (cents)."""
    values = session.scalars(
        select(CustomerScore.revenue_12m_cents)
        .join(Customer, Customer.id == CustomerScore.customer_id)
        .where(CustomerScore.run_id == run.id, visible)
    )
    return [int(v or 0) for v in values]


def rfm_grid(
    session: Session, run: ScoreRun, visible: ColumnElement[bool]
) -> list[tuple[int, int, int]]:
    """(r, f, customers) for every scored cell."""
    s = CustomerScore
    rows = session.execute(
        select(s.r, s.f, func.count())
        .join(Customer, Customer.id == s.customer_id)
        .where(s.run_id == run.id, s.r.is_not(None), visible)
        .group_by(s.r, s.f)
    ).all()
    return [(int(r or 0), int(f or 0), int(n)) for r, f, n in rows]
