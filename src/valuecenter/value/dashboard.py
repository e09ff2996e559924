"""The value dashboard: concentration (seed 001: top 1% → 14%, top 10% → 61%), the Lorenz
curve, the six segments with their treatment, and the RFM grid — of the latest score run,
over the customers the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from valuecenter.analytics.concentration import concentration, lorenz
from valuecenter.customers.repository import visible_customers
from valuecenter.users.models import User
from valuecenter.value import repository
from valuecenter.value.describe import RiskSourceInfo, describe_models, risk_source
from valuecenter.value.models import ScoreRun
from valuecenter.value.segments import NOT_SCORED, Segmentation


@dataclass(frozen=True)
class SegmentRow:
    name: str
    treatment: str | None
    customers: int
    customer_share: float
    revenue_share: float
    average_clv_cents: int | None
    churn_risk: float | None  # mean risk of the run's risk model (1 − mean P(alive) before)


@dataclass(frozen=True)
class Dashboard:
    run: ScoreRun
    models: str
    risk: RiskSourceInfo  # which model the segments' risk axis and churn risk came from
    customers: int
    figures: dict[str, float | int]  # concentration of the last 12 months' revenue
    lorenz: list[dict[str, float]]
    segments: list[SegmentRow]
    rfm: list[dict[str, int]]
    net_spend_not_positive: int
    """Customers of the run whose net spend is ≤ 0: out of the Gamma-Gamma fit, CLV 0."""


def dashboard(session: Session, *, viewer: User) -> Dashboard | None:
    """The dashboard of the latest run, or None before the first run."""
    run = repository.latest_run(session)
    if run is None:
        return None
    visible = visible_customers(viewer)
    revenue = np.asarray(repository.revenue_12m(session, run, visible), dtype=np.float64)
    figures: dict[str, float | int] = concentration(revenue) if len(revenue) else {"customers": 0}
    x, y = lorenz(revenue, points=51) if revenue.sum() > 0 else (np.zeros(0), np.zeros(0))
    used = Segmentation.model_validate(run.segments)  # the definitions of this run
    names = [*used.names(), NOT_SCORED]
    rows = repository.segment_table(session, run, visible)
    present = {name for name, *_ in rows}
    # Every defined segment is listed, an empty one with zeros.
    rows += [(name, 0, 0, 0, None, None) for name in names if name not in present]
    total = sum(row[1] for row in rows) or 1
    revenue_total = sum(row[2] for row in rows) or 1
    measured = run.risk_model is not None
    order = {name: k for k, name in enumerate(names)}
    segments = [
        SegmentRow(
            name=name,
            treatment=used.treatment(name),
            customers=n,
            customer_share=n / total,
            revenue_share=rev / revenue_total,
            average_clv_cents=None if name == NOT_SCORED or n == 0 else round(clv / n),
            churn_risk=risk if measured else (None if alive is None else 1.0 - alive),
        )
        for name, n, rev, clv, alive, risk in sorted(rows, key=lambda r: order.get(r[0], 99))
    ]
    return Dashboard(
        run=run,
        models=describe_models(run.models),
        risk=risk_source(run.run_id, run.risk_model, run.models),
        customers=int(figures.get("customers", 0)),
        figures=figures,
        lorenz=[
            {"customers": round(float(a), 4), "revenue": round(float(b), 4)}
            for a, b in zip(x, y, strict=True)
        ],
        segments=segments,
        rfm=[
            {"r": r, "f": f, "customers": n}
            for r, f, n in repository.rfm_grid(session, run, visible)
        ],
        net_spend_not_positive=_net_spend_not_positive(run.models),
    )


def _net_spend_not_positive(models: dict[str, object]) -> int:
    """The run's count (runs before the rule have none: 0)."""
    gg = models.get("gamma_gamma")
    count = gg.get("net_spend_not_positive", 0) if isinstance(gg, dict) else 0
    return int(count) if isinstance(count, int) else 0
