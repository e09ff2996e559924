"""The planning page (issue 21, point 6): ``/staffing``.

- the latest forecast of the chosen queue against what actually came (the week before the
  forecast's origin and, where it has passed, the horizon itself), with its interval band and
  the peak days and public holidays marked; where the figures come from (run, model, backtest
  MASE beside the best seasonal-naive baseline, the history it learnt from);
- the staffing plan of that run per day (contacts, most agents at once, paid hours, FTE) and
  its cost;
- the flexible pool: a fixed team for the peak week against core plus flex, over the last 52
  weeks of every real-time queue;
- the cost of attrition, from the agents' hire and leave dates, with the assumptions editable;
- forms: make a forecast (and its plan), change the staffing settings, edit the peak days.
- CSV: ``/staffing/plan/export.csv`` (per interval), ``/staffing/days/export.csv``,
  ``/staffing/flex/export.csv`` (paid hours per week), ``/staffing/peaks/export.csv``.

Managers and admins only, like the other manager pages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.analytics.attrition import (
    SEED_CASE,
    AttritionCost,
    AttritionInputs,
    attrition_cost,
)
from valuecenter.analytics.errors import InputError
from valuecenter.bounds import query_day
from valuecenter.errors import Conflict, InvalidInput
from valuecenter.i18n import _
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import chart_config, templates
from valuecenter.workforce import service
from valuecenter.workforce import settings as staffing_settings
from valuecenter.workforce.models import ForecastRun, StaffingPlan
from valuecenter.workforce.volume import busiest

router = APIRouter()
PATH = "/staffing"
ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]
FREQS = ("15min", "30min", "h", "D")
MAX_FORM_DAYS = service.MAX_DAYS["30min"]  # the page plans 30-minute intervals


def _queue_code(session: Session, value: str | None) -> str | None:
    """The chosen queue, else the one with the latest run, else the busiest real-time queue."""
    text = (value or "").strip()
    if text:
        service.queue_of(session, text)
        return text
    latest = service.latest_run(session)
    if latest is not None:
        return latest.queue
    return busiest(session, [q.code for q in service.realtime_queues(session)])


def _local(stamps: Iterable[datetime], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [
        (s if s.tzinfo else s.replace(tzinfo=UTC)).astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")
        for s in stamps
    ]


def marked_days(run: ForecastRun) -> dict[str, str]:
    """The peak days and public holidays in the run's horizon (ISO day → name in the user's
    language: a default peak day's name is an English message id, a holiday's is Dutch)."""
    marked = run.backtest.get("peaks", {})
    return {str(day): _(str(name)) for day, name in sorted(marked.items())}


def forecast_chart(run: ForecastRun, points: pd.DataFrame, actual: pd.Series) -> dict[str, object]:
    """Vega-Lite: the actual contacts, the forecast with its band and the peak days, in the
    queue's local time (shown as UTC so the browser's own zone does not shift it)."""
    when, contacts = str(_("Time")), str(_("Contacts"))
    forecast_label, actual_label = str(_("Forecast")), str(_("Actual"))
    times = _local(points["starts_at"], run.timezone)
    band = [
        {"time": t, "lo": float(lo), "hi": float(hi)}
        for t, lo, hi in zip(times, points["lo"], points["hi"], strict=True)
    ]
    lines = [
        {"time": t, "series": forecast_label, "value": float(v)}
        for t, v in zip(times, points["value"], strict=True)
    ] + [
        {"time": t.strftime("%Y-%m-%dT%H:%M:%S"), "series": actual_label, "value": float(v)}
        for t, v in zip(pd.DatetimeIndex(actual.index), actual.to_numpy(), strict=True)
    ]
    peaks = [{"time": f"{day}T00:00:00", "name": name} for day, name in marked_days(run).items()]
    x = {
        "field": "time",
        "type": "temporal",
        "title": when,
        "scale": {"type": "utc"},
        # One label a day, in the user's language (config.locale.time): "ma 26 okt".
        "axis": {
            "format": "%a %d %b" if run.freq != "D" else "%d %b",
            "formatType": "utc",
            "tickCount": {"interval": "day", "step": 1},
            "labelOverlap": True,
        },
    }
    layers: list[dict[str, object]] = [
        {
            "data": {"values": band},
            "mark": {
                "type": "area",
                "opacity": 0.18,
                "color": "#1c5d8c",
                "interpolate": "step-after",
            },
            "encoding": {
                "x": x,
                "y": {"field": "lo", "type": "quantitative", "title": contacts},
                "y2": {"field": "hi"},
            },
        },
        {
            "data": {"values": lines},
            # Counts per interval: a step, not a slope between intervals.
            "mark": {
                "type": "line",
                "strokeWidth": 1.5,
                "interpolate": "step-after",
                "tooltip": True,
            },
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": [actual_label, forecast_label],
                        "range": ["#555", "#1c5d8c"],
                    },
                    "legend": {"orient": "top"},
                },
                "tooltip": [
                    {
                        "field": "time",
                        "type": "temporal",
                        "title": when,
                        "format": "%a %d %b %H:%M",
                        "formatType": "utc",
                    },
                    {"field": "series", "title": str(_("Series"))},
                    {"field": "value", "format": ".1f", "title": contacts},
                ],
            },
        },
    ]
    if peaks:
        layers.append(
            {
                "data": {"values": peaks},
                "mark": {"type": "rule", "color": "#c2571a", "strokeDash": [4, 3], "tooltip": True},
                "encoding": {
                    "x": x,
                    "tooltip": [{"field": "name", "title": str(_("Peak day or holiday"))}],
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": str(_("Forecast contacts against actual contacts, with the peak days")),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "layer": layers,
    }


@dataclasses.dataclass(frozen=True)
class AttritionView:
    measured: service.MeasuredAttrition
    result: AttritionCost | None
    error: str | None


def _attrition(session: Session, params: dict[str, str]) -> AttritionView:
    measured = service.measured_attrition(session)
    base = dataclasses.replace(
        SEED_CASE,
        agents=measured.agents or SEED_CASE.agents,
        attrition_rate=measured.rate if measured.rate is not None else SEED_CASE.attrition_rate,
    )
    fields = {
        "agents": int,
        "attrition_rate": float,
        "training_weeks": float,
        "hours_per_week": float,
        "ramp_up_weeks": float,
        "ramp_up_productivity": float,
        "trainees_per_trainer": float,
    }
    changes: dict[str, Any] = {}
    try:
        for name, kind in fields.items():
            text = params.get(name, "").strip().replace(",", ".")
            if text:
                changes[name] = kind(float(text)) if kind is int else float(text)
        for name in ("agent_cost_per_hour", "trainer_cost_per_hour", "recruitment_cost"):
            text = params.get(name, "").strip().replace(",", ".")
            if text:
                changes[name + "_cents"] = round(float(text) * 100)
        inputs: AttritionInputs = dataclasses.replace(base, **changes)
        return AttritionView(measured, attrition_cost(inputs), None)
    except (ValueError, OverflowError):
        return AttritionView(measured, None, str(_("every field must be a number")))
    except InputError as error:
        return AttritionView(measured, None, error.translated())


@router.get(PATH)
def staffing_page(
    request: Request, session: SessionDep, user: ManagerUser, queue: str | None = None
) -> Response:
    code = _queue_code(session, queue)
    run = service.latest_run(session, code) if code else None
    plan: StaffingPlan | None = None
    days: list[service.PlanDay] = []
    covered: list[service.CoverageDay] = []
    charts: dict[str, object] = {}
    if run is not None:
        points = service.run_points(session, run)
        charts["forecast"] = forecast_chart(run, points, service.actuals(session, run))
        plan = service.latest_plan(session, run)
        if plan is not None:
            days = service.plan_days(session, plan, run)
            covered = service.coverage_days(session, plan, run)
    try:
        flex: service.FlexReport | None = service.flex_comparison(session)
        flex_error = None
    except (InvalidInput, Conflict) as error:
        flex, flex_error = None, str(error)
    params = {k: v for k, v in request.query_params.items() if len(v) <= 40}
    return templates.TemplateResponse(
        request,
        "staffing/index.html",
        {
            "user": user,
            "queues": service.realtime_queues(session),
            "queue": code,
            "run": run,
            "marked": marked_days(run) if run is not None else {},
            "plan": plan,
            "days": days,
            "covered": covered,
            "charts": charts,
            "flex": flex,
            "flex_error": flex_error,
            "attrition": _attrition(session, params),
            "params": params,
            "settings": staffing_settings.current(session),
            # A default peak day's name is an English message id: shown in the user's language.
            "peaks": [(p, _(p.name)) for p in staffing_settings.peak_days(session)],
            "freqs": FREQS,
            "max_days": MAX_FORM_DAYS,
        },
    )


def _as_of(value: str) -> datetime | None:
    day = query_day("as_of", value)
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


@router.post(PATH + "/forecast")
def make_forecast(
    session: SessionDep,
    user: ManagerUser,
    queue: Annotated[str, Form(max_length=64)] = "",
    freq: Annotated[str, Form(max_length=8)] = "30min",
    days: Annotated[int, Form(ge=1, le=MAX_FORM_DAYS)] = 7,
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Forecast the queue (and plan it for intervals of an hour or less), then show it."""
    run = service.run_forecast(
        session, queue_code=queue, freq=freq, days=days, as_of=_as_of(as_of), user_id=user.id
    )
    if run.freq != "D":
        service.make_plan(session, run, user_id=user.id)
    return RedirectResponse(f"{PATH}?queue={run.queue}", status_code=303)


def _number(field: str, text: str) -> float | None:
    """A number typed in a form ("12,5" or "12.5", a trailing "%" allowed); empty → None."""
    value = text.strip().replace(",", ".").removesuffix("%").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(field, _("'%(value)s' is not a number", value=text)) from None


def _percent(field: str, text: str) -> float | None:
    number = _number(field, text)
    return None if number is None else number / 100


def _euros(field: str, text: str) -> int | None:
    amount = _number(field, text)
    if amount is None:
        return None
    if not 0 <= amount <= 1_000_000:
        raise InvalidInput(field, _("must be from 0 to 1,000,000 euros"))
    return round(amount * 100)


@router.post(PATH + "/settings")
def save_settings(
    session: SessionDep,
    user: ManagerUser,
    shrinkage: Annotated[str, Form(max_length=20)] = "",
    max_occupancy: Annotated[str, Form(max_length=20)] = "",
    hours_per_fte_week: Annotated[str, Form(max_length=20)] = "",
    cost_per_hour: Annotated[str, Form(max_length=20)] = "",
    flex_cost_per_hour: Annotated[str, Form(max_length=20)] = "",
    flex_fixed_cost: Annotated[str, Form(max_length=20)] = "",
    flex_hours_per_week: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Change the staffing settings (percentages for shares, euros for money); an empty
    occupancy cap means none."""
    occupancy = _percent("max_occupancy", max_occupancy)
    change = staffing_settings.SettingsChange(
        shrinkage=_percent("shrinkage", shrinkage),
        max_occupancy=occupancy,
        no_occupancy_cap=occupancy is None,
        hours_per_fte_week=_number("hours_per_fte_week", hours_per_fte_week),
        cost_per_hour_cents=_euros("cost_per_hour", cost_per_hour),
        flex_cost_per_hour_cents=_euros("flex_cost_per_hour", flex_cost_per_hour),
        flex_fixed_cost_per_year_cents=_euros("flex_fixed_cost", flex_fixed_cost),
        flex_hours_per_agent_week=_number("flex_hours_per_week", flex_hours_per_week),
    )
    staffing_settings.update(session, change, user_id=user.id)
    return RedirectResponse(PATH + "#settings", status_code=303)


@router.post(PATH + "/peaks")
def save_peak(
    session: SessionDep,
    user: ManagerUser,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    rule: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    staffing_settings.save_peak_day(session, code=code, name=name, rule=rule, active=bool(active))
    return RedirectResponse(PATH + "#peaks", status_code=303)


@router.post(PATH + "/peaks/{code}/remove")
def remove_peak(session: SessionDep, user: ManagerUser, code: str) -> Response:
    if len(code) > 64:
        raise InvalidInput("code", _("must be 1 to 64 characters"))
    staffing_settings.remove_peak_day(session, code)
    return RedirectResponse(PATH + "#peaks", status_code=303)


# ---------------------------------------------------------------------- CSV


def _latest(session: Session, queue: str | None) -> tuple[ForecastRun, StaffingPlan] | None:
    code = _queue_code(session, queue)
    run = service.latest_run(session, code) if code else None
    plan = service.latest_plan(session, run) if run is not None else None
    return None if run is None or plan is None else (run, plan)


@router.get(PATH + "/plan/export.csv")
def plan_export(request: Request, user: ManagerUser, queue: str | None = None) -> Response:
    header = [
        "queue", "run", "plan", "model", "start_utc", "start_local", "forecast_contacts",
        "agents", "agents_with_shrinkage", "service_level", "occupancy", "abandon_rate",
    ]  # fmt: skip

    def rows(session: Session, _viewer: User | None) -> Iterable[Sequence[object]]:
        found = _latest(session, queue)
        if found is None:
            return
        run, plan = found
        table = service.plan_intervals(session, plan)
        local = _local([r.starts_at for r in table], run.timezone)
        for i, r in enumerate(table):
            yield (
                run.queue, run.id, plan.id, run.model, r.starts_at.isoformat(), local[i],
                round(r.calls, 2), r.agents, r.agents_with_shrinkage,
                round(r.service_level, 4), round(r.occupancy, 4),
                None if r.abandon_rate is None else round(r.abandon_rate, 4),
            )  # fmt: skip

    return csv_download(request, user, name="staffing-plan", header=header, rows=rows)


@router.get(PATH + "/days/export.csv")
def days_export(request: Request, user: ManagerUser, queue: str | None = None) -> Response:
    header = [
        "queue",
        "run",
        "plan",
        "day",
        "contacts",
        "peak_agents",
        "on_phone_hours",
        "paid_hours",
        "fte",
    ]

    def rows(session: Session, _viewer: User | None) -> Iterable[Sequence[object]]:
        found = _latest(session, queue)
        if found is None:
            return
        run, plan = found
        for d in service.plan_days(session, plan, run):
            yield (
                run.queue, run.id, plan.id, d.day.isoformat(), round(d.calls, 1), d.peak_agents,
                round(d.on_phone_hours, 2), round(d.paid_hours, 2), round(d.fte, 2),
            )  # fmt: skip

    return csv_download(request, user, name="staffing-days", header=header, rows=rows)


@router.get(PATH + "/flex/export.csv")
def flex_export(request: Request, user: ManagerUser) -> Response:
    header = ["week", "paid_hours", "queues"]

    def rows(session: Session, _viewer: User | None) -> Iterable[Sequence[object]]:
        try:
            report = service.flex_comparison(session)
        except (InvalidInput, Conflict):
            return
        queues = " ".join(report.queues)
        for week, hours in zip(report.weekly["week"], report.weekly["paid_hours"], strict=True):
            yield (week.isoformat(), round(float(hours), 2), queues)

    return csv_download(request, user, name="staffing-flex", header=header, rows=rows)


@router.get(PATH + "/peaks/export.csv")
def peaks_export(request: Request, user: ManagerUser) -> Response:
    def rows(session: Session, _viewer: User | None) -> Iterable[Sequence[object]]:
        for p in staffing_settings.peak_days(session):
            yield (p.code, p.name, p.rule, p.active)

    return csv_download(
        request, user, name="peak-days", header=["code", "name", "rule", "active"], rows=rows
    )
