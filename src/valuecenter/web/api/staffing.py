"""Staffing (issue 21): ``POST /staffing/erlang`` (a sizing, no database), ``GET
/staffing/runs`` and ``GET /staffing/runs/{run_id}`` (kept forecasts with their latest plan),
``GET /staffing/flex`` (fixed team for the peak against core plus flex) and ``GET
/staffing/attrition`` (the yearly cost of attrition). Managers and admins."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query

from valuecenter.analytics.attrition import SEED_CASE, attrition_cost
from valuecenter.analytics.erlang import size_agents
from valuecenter.analytics.errors import InputError
from valuecenter.bounds import RowId
from valuecenter.errors import InvalidInput
from valuecenter.users.models import Role, User
from valuecenter.web.deps import SessionDep, require_roles
from valuecenter.workforce import service
from valuecenter.workforce.models import ForecastRun
from valuecenter.workforce.schemas import (
    AttritionOut,
    ErlangIn,
    ErlangOut,
    FlexOptionOut,
    FlexOut,
    PlanIntervalOut,
    PlanOut,
    PointOut,
    RunDetailOut,
    RunOut,
)

router = APIRouter(prefix="/staffing", tags=["staffing"])
ManagerUser = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}


@router.post("/erlang", response_model=ErlangOut, responses=_ERRORS)
def erlang(body: ErlangIn, user: ManagerUser) -> ErlangOut:
    """Agents needed for one interval: Erlang C, or Erlang A with a mean patience."""
    try:
        sized = size_agents(
            np.array([body.calls]),
            interval_seconds=body.interval_seconds,
            aht_seconds=body.aht_seconds,
            target_seconds=body.target_seconds,
            service_level=body.service_level,
            max_occupancy=body.max_occupancy,
            shrinkage=body.shrinkage,
            patience_seconds=body.patience_seconds,
        )
    except InputError as error:
        raise InvalidInput("", error.translated()) from None

    def first(values: Any) -> float:
        value = float(np.asarray(values).reshape(-1)[0])
        return value if np.isfinite(value) else 0.0

    return ErlangOut(
        traffic_erlangs=first(sized.traffic_erlangs),
        agents=int(np.asarray(sized.agents).reshape(-1)[0]),
        service_level=first(sized.service_level),
        p_wait=first(sized.p_wait),
        asa_seconds=first(sized.asa_seconds),
        occupancy=first(sized.occupancy),
        agents_with_shrinkage=int(np.asarray(sized.agents_with_shrinkage).reshape(-1)[0]),
        abandon_rate=None if sized.abandon_rate is None else first(sized.abandon_rate),
    )


def _run_out(run: ForecastRun) -> RunOut:
    return RunOut(
        id=run.id,
        queue=run.queue,
        freq=run.freq,
        model=run.model,
        horizon=run.horizon,
        level=run.level,
        mase=run.mase,
        mase_seasonal_naive=run.mase_seasonal_naive,
        created_at=run.created_at,
        history_from=run.history_from,
        history_to=run.history_to,
        contacts=run.contacts,
        aht_seconds=run.aht_seconds,
    )


@router.get("/runs", response_model=list[RunOut], responses=_ERRORS)
def list_runs(
    session: SessionDep,
    user: ManagerUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[RunOut]:
    """The latest forecast runs, newest first."""
    return [_run_out(run) for run in service.runs(session, limit)]


@router.get(
    "/runs/{run_id}",
    response_model=RunDetailOut,
    responses={**_ERRORS, 404: {"description": "No such run."}},
)
def get_run(session: SessionDep, user: ManagerUser, run_id: RowId) -> RunDetailOut:
    """A forecast run: its points and its latest staffing plan (if any)."""
    run = service.get_run(session, run_id)
    points = service.run_points(session, run)
    plan = service.latest_plan(session, run)
    plan_out = None
    if plan is not None:
        intervals = service.plan_intervals(session, plan)
        plan_out = PlanOut(
            id=plan.id,
            method=plan.method,
            service_level_share=plan.service_level_share,
            service_level_seconds=plan.service_level_seconds,
            aht_seconds=plan.aht_seconds,
            shrinkage=plan.shrinkage,
            max_occupancy=plan.max_occupancy,
            paid_hours=plan.paid_hours,
            cost_cents=plan.cost_cents,
            intervals=[PlanIntervalOut(**dataclasses.asdict(r)) for r in intervals],
        )
    return RunDetailOut(
        run=_run_out(run),
        points=[
            PointOut(starts_at=at, value=v, lo=lo, hi=hi)
            for at, v, lo, hi in zip(
                points["starts_at"].tolist(),
                points["value"].tolist(),
                points["lo"].tolist(),
                points["hi"].tolist(),
                strict=True,
            )
        ],
        plan=plan_out,
    )


@router.get(
    "/flex",
    response_model=FlexOut,
    responses={**_ERRORS, 409: {"description": "No contacts of a real-time queue to size."}},
)
def flex(
    session: SessionDep,
    user: ManagerUser,
    weeks: Annotated[int, Query(ge=4, le=156)] = 52,
) -> FlexOut:
    """A fixed team for the peak week against core plus flex pool, over the last weeks of every
    real-time queue."""
    report = service.flex_comparison(session, weeks=weeks)
    c = report.comparison

    def option(o: Any) -> FlexOptionOut:
        return FlexOptionOut(
            core_fte=o.core_fte,
            flex_agents=o.flex_agents,
            flex_hours=o.flex_hours,
            idle_paid_hours=o.idle_paid_hours,
            cost_cents=o.cost_cents,
        )

    return FlexOut(
        queues=report.queues,
        since=report.since,
        until=report.until,
        weeks=c.weeks,
        peak_week_hours=c.peak_week_hours,
        fixed_for_peak=option(c.fixed_for_peak),
        core_and_flex=option(c.core_and_flex),
        saving_cents=c.saving_cents,
    )


@router.get(
    "/attrition",
    response_model=AttritionOut,
    responses={**_ERRORS, 409: {"description": "No agents to measure: give both figures."}},
)
def attrition(
    session: SessionDep,
    user: ManagerUser,
    agents: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    attrition_rate: Annotated[float | None, Query(ge=0, le=5)] = None,
    training_weeks: Annotated[float, Query(ge=0, le=52)] = SEED_CASE.training_weeks,
    agent_cost_per_hour_cents: Annotated[
        int, Query(ge=0, le=100_000_000)
    ] = SEED_CASE.agent_cost_per_hour_cents,
    recruitment_cost_cents: Annotated[
        int, Query(ge=0, le=100_000_000)
    ] = SEED_CASE.recruitment_cost_cents,
) -> AttritionOut:
    """The yearly cost of attrition and the saving of less of it; agents and rate default to
    the agents' hire and leave dates (the last twelve months)."""
    basis = service.attrition_basis(session, agents, attrition_rate)
    agents, attrition_rate, source = basis.agents, basis.rate, basis.source
    inputs = dataclasses.replace(
        SEED_CASE,
        agents=agents,
        attrition_rate=attrition_rate,
        training_weeks=training_weeks,
        agent_cost_per_hour_cents=agent_cost_per_hour_cents,
        recruitment_cost_cents=recruitment_cost_cents,
    )
    try:
        result = attrition_cost(inputs)
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    return AttritionOut(
        agents=agents,
        attrition_rate=attrition_rate,
        source=source,
        leavers_per_year=result.leavers_per_year,
        cost_per_replacement_cents=result.per_replacement.total_cents,
        yearly_cost_cents=result.yearly_cost_cents,
        saving_per_10_points_cents=result.saving_per_10_points_cents,
        saving_per_10_percent_cents=result.saving_per_10_percent_cents,
    )
