"""Forecast runs, staffing plans, the flexible pool and the cost of attrition, from the database.

- :func:`run_forecast` forecasts one queue's offered contacts from its history up to ``as_of``
  (default: the last contact) with :func:`valuecenter.analytics.forecasting.forecast`, and keeps
  the run (model, backtest MASE beside the best seasonal-naive baseline, interval level) and its
  points, UTC.
- :func:`make_plan` sizes every interval of a run for the queue's service-level target with
  Erlang C (or Erlang A with a caller patience) under the staffing settings, and keeps the plan
  with the settings it used, so a later change of settings does not rewrite an old plan.
- :func:`flex_comparison` reads the last 52 weeks of what the queues were offered, sizes every
  half hour with Erlang C at each queue's target, and compares a fixed team for the peak week
  with the cheapest core plus flex pool (:mod:`valuecenter.analytics.staffing_plan`).
- :func:`measured_attrition` counts the agents and the leavers of the last twelve months from
  the agents' hire and leave dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.analytics.erlang import size_agents
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.forecasting import ForecastResult, forecast, normalise_freq
from valuecenter.analytics.staffing_plan import (
    FlexComparison,
    FlexCosts,
    compare_flex,
    hours_by_period,
)
from valuecenter.contacts.models import Queue
from valuecenter.contacts.repository import queue_by_code
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.workforce import roster
from valuecenter.workforce import settings as staffing_settings
from valuecenter.workforce.intervals import IntervalRow
from valuecenter.workforce.models import (
    ForecastPoint,
    ForecastRun,
    StaffingInterval,
    StaffingPlan,
)
from valuecenter.workforce.volume import INTRADAY, arrivals, interval_seconds, last_contact, to_utc

MAX_DAYS = {"5min": 14, "15min": 28, "30min": 42, "h": 62, "D": 366}
"""The longest horizon per frequency (days): a 5-minute forecast two weeks out is already
13,000 points, and nobody plans intervals further ahead than that."""
FLEX_FREQ = "30min"


def queue_of(session: Session, code: str) -> Queue:
    queue = queue_by_code(session, code)
    if queue is None:
        raise NotFound(_("no queue with code %(code)s", code=code))
    return queue


def _freq(text: str) -> str:
    try:
        return normalise_freq(text)
    except InputError as error:
        raise InvalidInput("", error.translated()) from None


def run_forecast(
    session: Session,
    *,
    queue_code: str,
    freq: str = "30min",
    days: int = 7,
    model: str = "auto",
    level: int = 80,
    as_of: datetime | None = None,
    user_id: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ForecastRun:
    """Forecast the queue ``days`` ahead from its history before ``as_of`` and keep the run."""
    queue = queue_of(session, queue_code)
    freq = _freq(freq)
    if not 1 <= days <= MAX_DAYS[freq]:
        raise InvalidInput(
            "days", _("must be from 1 to %(n)s for %(freq)s", n=MAX_DAYS[freq], freq=freq)
        )
    history = arrivals(session, queue, freq=freq, until=as_of)
    step = interval_seconds(freq)
    rules = staffing_settings.active_rules(session)
    try:
        result = forecast(
            history.counts,
            freq=freq,
            horizon=days * 86_400 // step,
            model=model,
            level=level,
            peak_days=rules,
            progress=progress,
        )
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    run = ForecastRun(
        created_at=utcnow(),
        created_by=user_id,
        queue=queue.code,
        timezone=queue.timezone,
        freq=freq,
        model=result.model,
        horizon=result.horizon,
        level=result.level,
        mase=_finite(result.mase),
        mase_seasonal_naive=_finite(result.mase_seasonal_naive),
        history_from=history.first,
        history_to=history.last,
        contacts=history.contacts,
        filled_missing=result.filled_missing,
        aht_seconds=history.aht_seconds,
        backtest=_backtest(result, {r.code: r.name for r in rules}),
    )
    session.add(run)
    session.flush()
    points = result.forecast
    starts = to_utc(points["time"], queue.timezone)
    exists = ~np.asarray(starts.isna())  # wall-clock times the spring clock change skips
    points, starts = points.loc[exists], starts[exists]
    session.execute(
        insert(ForecastPoint),
        [
            {"run_id": run.id, "starts_at": at.to_pydatetime(), "value": v, "lo": lo, "hi": hi}
            for at, v, lo, hi in zip(
                starts,
                points["value"].astype(float),
                points["lo"].astype(float),
                points["hi"].astype(float),
                strict=True,
            )
        ],
    )
    return run


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _backtest(result: ForecastResult, names: dict[str, str]) -> dict[str, object]:
    """What the run keeps of its selection: every candidate's backtest MASE, the model ``auto``
    picked per evaluation window, and the peak days (their names) and public holidays in the
    horizon."""
    table = result.backtest
    mase = {
        str(m): _finite(float(v))
        for m, v in zip(table["model"].tolist(), table["mase"].tolist(), strict=True)
    }
    marked = {day.isoformat(): names.get(code, code) for day, code in result.peaks.items()}
    marked.update({day.isoformat(): name for day, name in result.holidays.items()})
    return {
        "mase": mase,
        "selected": list(result.selected),
        "peaks": dict(sorted(marked.items())),
        "closed_intervals": int(result.closed_intervals),
    }


def latest_run(session: Session, queue_code: str | None = None) -> ForecastRun | None:
    query = select(ForecastRun).order_by(ForecastRun.created_at.desc(), ForecastRun.id.desc())
    if queue_code:
        query = query.where(ForecastRun.queue == queue_code)
    return session.scalars(query.limit(1)).first()


def get_run(session: Session, run_id: int) -> ForecastRun:
    run = session.get(ForecastRun, run_id)
    if run is None:
        raise NotFound(_("no forecast run %(id)s", id=run_id))
    return run


def runs(session: Session, limit: int = 20) -> list[ForecastRun]:
    query = select(ForecastRun).order_by(ForecastRun.created_at.desc(), ForecastRun.id.desc())
    return list(session.scalars(query.limit(limit)))


def run_points(session: Session, run: ForecastRun) -> pd.DataFrame:
    """The run's points (UTC starts, value, lo, hi), in time order."""
    rows = session.execute(
        select(ForecastPoint.starts_at, ForecastPoint.value, ForecastPoint.lo, ForecastPoint.hi)
        .where(ForecastPoint.run_id == run.id)
        .order_by(ForecastPoint.starts_at)
    ).all()
    return pd.DataFrame(rows, columns=["starts_at", "value", "lo", "hi"])


def actuals(session: Session, run: ForecastRun, *, days_before: int = 7) -> pd.Series:
    """What the queue was offered per interval from ``days_before`` days before the run's
    history ended to the end of its horizon or of the contact history, whichever is first
    (naive local starts; an interval nobody contacted counts 0, but no zeros are drawn past
    the last contact the database knows)."""
    queue = queue_of(session, run.queue)
    step = interval_seconds(run.freq)
    since = run.history_to - timedelta(days=days_before)
    until = run.history_to + timedelta(seconds=step * (run.horizon + 1))
    last = last_contact(session)
    if last is not None:
        until = min(until, last + timedelta(seconds=1))
    try:
        counts = arrivals(session, queue, freq=run.freq, since=since, until=until).counts
    except InvalidInput:
        return pd.Series(dtype=np.float64)
    zone = ZoneInfo(run.timezone)
    unit = "D" if run.freq == "D" else run.freq
    first = pd.Timestamp(since.astimezone(zone).replace(tzinfo=None)).floor(unit)
    end = pd.Timestamp(until.astimezone(zone).replace(tzinfo=None))
    grid = pd.date_range(first, end, freq=pd.Timedelta(seconds=step), inclusive="left")
    return counts.reindex(grid, fill_value=0.0)


# ---------------------------------------------------------------------- plans


@dataclass(frozen=True)
class PlanDay:
    day: date
    calls: float
    peak_agents: int
    on_phone_hours: float
    paid_hours: float
    fte: float


def make_plan(
    session: Session,
    run: ForecastRun,
    *,
    patience_seconds: float | None = None,
    aht_seconds: float | None = None,
    user_id: int | None = None,
) -> StaffingPlan:
    """Agents per interval of the run for its queue's service-level target (module text)."""
    if run.freq not in INTRADAY:
        raise InvalidInput("freq", _("a staffing plan needs intervals of 5, 15, 30 or 60 minutes"))
    queue = queue_of(session, run.queue)
    config = staffing_settings.current(session)
    aht = run.aht_seconds if aht_seconds is None else aht_seconds
    if not (np.isfinite(aht) and 1 <= aht <= 86_400):
        raise InvalidInput("aht_seconds", _("must be from 1 to 86,400 seconds"))
    points = run_points(session, run)
    calls = points["value"].to_numpy(np.float64)
    try:
        sized = size_agents(
            calls,
            interval_seconds=INTRADAY[run.freq],
            aht_seconds=aht,
            target_seconds=float(queue.service_level_seconds),
            service_level=float(queue.service_level_share),
            max_occupancy=config.max_occupancy,
            shrinkage=config.shrinkage,
            patience_seconds=patience_seconds,
        )
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    on_phone = float(sized.agents.sum()) * INTRADAY[run.freq] / 3600.0
    paid = on_phone / (1 - config.shrinkage)
    plan = StaffingPlan(
        run_id=run.id,
        created_at=utcnow(),
        created_by=user_id,
        method="erlang-a" if patience_seconds is not None else "erlang-c",
        service_level_share=queue.service_level_share,
        service_level_seconds=queue.service_level_seconds,
        aht_seconds=aht,
        patience_seconds=patience_seconds,
        shrinkage=config.shrinkage,
        max_occupancy=config.max_occupancy,
        hours_per_fte_week=config.hours_per_fte_week,
        cost_per_hour_cents=config.cost_per_hour_cents,
        on_phone_hours=on_phone,
        paid_hours=paid,
        cost_cents=round(paid * config.cost_per_hour_cents),
    )
    session.add(plan)
    session.flush()
    abandon = sized.abandon_rate
    session.execute(
        insert(StaffingInterval),
        [
            {
                "plan_id": plan.id,
                "starts_at": at,
                "calls": float(calls[i]),
                "agents": int(sized.agents[i]),
                "agents_with_shrinkage": int(sized.agents_with_shrinkage[i]),
                "service_level": _level(sized.service_level[i]),
                "occupancy": _level(sized.occupancy[i]),
                "abandon_rate": None if abandon is None else _level(abandon[i]),
            }
            for i, at in enumerate(points["starts_at"])
        ],
    )
    return plan


def _level(value: float) -> float:
    """A share for the database: an interval without calls has no service level; 1 is kept."""
    return float(value) if np.isfinite(value) else 1.0


def latest_plan(session: Session, run: ForecastRun) -> StaffingPlan | None:
    query = (
        select(StaffingPlan)
        .where(StaffingPlan.run_id == run.id)
        .order_by(StaffingPlan.created_at.desc(), StaffingPlan.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def plan_intervals(session: Session, plan: StaffingPlan) -> list[IntervalRow]:
    """The plan's intervals in time order."""
    rows = session.execute(
        select(
            StaffingInterval.starts_at,
            StaffingInterval.calls,
            StaffingInterval.agents,
            StaffingInterval.agents_with_shrinkage,
            StaffingInterval.service_level,
            StaffingInterval.occupancy,
            StaffingInterval.abandon_rate,
        )
        .where(StaffingInterval.plan_id == plan.id)
        .order_by(StaffingInterval.starts_at)
    ).all()
    return [IntervalRow(*row) for row in rows]


def plan_days(session: Session, plan: StaffingPlan, run: ForecastRun) -> list[PlanDay]:
    """The plan per local day: offered contacts, most agents at once, hours and FTE."""
    intervals = plan_intervals(session, plan)
    if not intervals:
        return []
    local = (
        pd.DatetimeIndex(pd.to_datetime([r.starts_at for r in intervals], utc=True))
        .tz_convert(ZoneInfo(run.timezone))
        .tz_localize(None)
    )
    table = hours_by_period(
        local,
        np.array([r.agents for r in intervals], dtype=np.float64),
        interval_seconds=INTRADAY[run.freq],
        shrinkage=plan.shrinkage,
        hours_per_fte_week=plan.hours_per_fte_week,
        period="D",
    )
    calls = (
        pd.Series([r.calls for r in intervals], index=local, dtype=np.float64)
        .groupby(local.normalize())
        .sum()
    )
    days = pd.DatetimeIndex(table["period"])
    return [
        PlanDay(
            day=days[i].date(),
            calls=float(calls.get(days[i], 0.0)),
            peak_agents=int(peak),
            on_phone_hours=float(on_phone),
            paid_hours=float(paid),
            fte=float(fte),
        )
        for i, (peak, on_phone, paid, fte) in enumerate(
            zip(
                table["peak_agents"].to_numpy(),
                table["on_phone_hours"].to_numpy(),
                table["paid_hours"].to_numpy(),
                table["fte"].to_numpy(),
                strict=True,
            )
        )
    ]


@dataclass(frozen=True)
class CoverageDay:
    """The roster against the plan on one local day."""

    day: date
    intervals: int  # intervals with calls or agents needed
    short_intervals: int  # of them with fewer agents on the phones than needed
    needed_hours: float  # on-phone hours the plan needs
    rostered_hours: float  # on-phone hours the roster gives (after shrinkage)
    lowest_service_level: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "intervals": self.intervals,
            "short_intervals": self.short_intervals,
            "needed_hours": round(self.needed_hours, 2),
            "rostered_hours": round(self.rostered_hours, 2),
            "lowest_service_level": None
            if self.lowest_service_level is None
            else round(self.lowest_service_level, 4),
        }


def coverage_days(session: Session, plan: StaffingPlan, run: ForecastRun) -> list[CoverageDay]:
    """:func:`valuecenter.workforce.roster.coverage` per local day of the queue."""
    queue = queue_of(session, run.queue)
    rows = roster.coverage(session, plan, run, plan_intervals(session, plan), queue.channel)
    zone = ZoneInfo(run.timezone)
    hours = interval_seconds(run.freq) / 3600.0
    days: dict[date, list[roster.CoverageRow]] = {}
    for row in rows:
        days.setdefault(row.starts_at.astimezone(zone).date(), []).append(row)
    out = []
    for day, items in sorted(days.items()):
        busy = [r for r in items if r.needed > 0 or r.service_level is not None]
        levels = [r.service_level for r in busy if r.service_level is not None]
        out.append(
            CoverageDay(
                day=day,
                intervals=len(busy),
                short_intervals=sum(r.on_phones < r.needed for r in busy),
                needed_hours=sum(r.needed for r in items) * hours,
                rostered_hours=sum(r.on_phones for r in items) * hours,
                lowest_service_level=min(levels) if levels else None,
            )
        )
    return out


# ---------------------------------------------------------------------- flex pool


@dataclass(frozen=True)
class FlexReport:
    comparison: FlexComparison
    queues: list[str]
    since: date
    until: date
    weekly: pd.DataFrame  # week, paid_hours


def realtime_queues(session: Session) -> list[Queue]:
    """Active queues answered while the customer waits (targets under an hour: phone, chat)."""
    query = select(Queue).where(Queue.active.is_(True), Queue.service_level_seconds < 3600)
    return list(session.scalars(query.order_by(Queue.code)))


def flex_comparison(
    session: Session,
    *,
    queue_codes: list[str] | None = None,
    weeks: int = 52,
    until: datetime | None = None,
) -> FlexReport:
    """Fixed team for the peak against core plus flex pool, over the ``weeks`` weeks before
    ``until`` (default: the end of the contact history, so a history imported a while ago is
    read up to its last day, not up to today)."""
    if not 4 <= weeks <= 156:
        raise InvalidInput("weeks", _("must be from 4 to 156"))
    chosen = (
        [queue_of(session, code) for code in queue_codes]
        if queue_codes
        else realtime_queues(session)
    )
    if not chosen:
        raise Conflict(_("no active queue answered in real time"))
    config = staffing_settings.current(session)
    end = until or _history_end(session)
    start = end - timedelta(weeks=weeks)
    step = INTRADAY[FLEX_FREQ]
    weekly: pd.Series | None = None
    used: list[str] = []
    for queue in chosen:
        try:
            history = arrivals(session, queue, freq=FLEX_FREQ, since=start, until=end)
        except InvalidInput:
            continue
        sized = size_agents(
            history.counts.to_numpy(np.float64),
            interval_seconds=step,
            aht_seconds=max(history.aht_seconds, 1.0),
            target_seconds=float(queue.service_level_seconds),
            service_level=float(queue.service_level_share),
            max_occupancy=config.max_occupancy,
        )
        table = hours_by_period(
            pd.DatetimeIndex(history.counts.index),
            sized.agents.astype(np.float64),
            interval_seconds=step,
            shrinkage=config.shrinkage,
            hours_per_fte_week=config.hours_per_fte_week,
            period="W",
        ).set_index("period")["paid_hours"]
        weekly = table if weekly is None else weekly.add(table, fill_value=0.0)
        used.append(queue.code)
    if weekly is None:
        raise Conflict(_("no contacts in the last %(n)s weeks", n=weeks))
    first_monday = start.date() + timedelta(days=(7 - start.weekday()) % 7)
    weekly = weekly[weekly.index >= pd.Timestamp(first_monday)]
    last_week = pd.Timestamp(end.date() - timedelta(days=end.weekday()))
    weekly = weekly[weekly.index < last_week]  # whole weeks only
    if weekly.empty:
        raise Conflict(_("no whole week of contacts in the period"))
    costs = FlexCosts(
        fixed_cost_per_hour_cents=config.cost_per_hour_cents,
        flex_cost_per_hour_cents=config.flex_cost_per_hour_cents,
        flex_fixed_cost_per_year_cents=config.flex_fixed_cost_per_year_cents,
        hours_per_fte_week=config.hours_per_fte_week,
        flex_hours_per_agent_week=config.flex_hours_per_agent_week,
    )
    comparison = compare_flex(weekly.to_numpy(np.float64), costs)
    frame = pd.DataFrame(
        {"week": pd.DatetimeIndex(weekly.index).date, "paid_hours": weekly.to_numpy()}
    )
    return FlexReport(
        comparison=comparison,
        queues=used,
        since=frame["week"].iloc[0],
        until=frame["week"].iloc[-1] + timedelta(days=7),
        weekly=frame,
    )


# ---------------------------------------------------------------------- attrition


def _history_end(session: Session) -> datetime:
    last = last_contact(session)
    return utcnow() if last is None else min(last + timedelta(days=1), utcnow())


@dataclass(frozen=True)
class MeasuredAttrition:
    agents: int  # employed on the day
    leavers: int  # left in the twelve months before
    rate: float | None  # leavers ÷ the average of the headcount a year ago and now


def measured_attrition(session: Session, on: date | None = None) -> MeasuredAttrition:
    """Agents employed ``on`` (default: the end of the contact history) and the leavers of the
    twelve months before."""
    day = on or _history_end(session).date()
    year_ago = day - timedelta(days=365)

    def employed(at: date) -> int:
        return int(
            session.scalar(
                select(func.count(Agent.id)).where(
                    (Agent.hire_date.is_(None)) | (Agent.hire_date <= at),
                    (Agent.leave_date.is_(None)) | (Agent.leave_date > at),
                )
            )
            or 0
        )

    now, before = employed(day), employed(year_ago)
    leavers = int(
        session.scalar(
            select(func.count(Agent.id)).where(Agent.leave_date > year_ago, Agent.leave_date <= day)
        )
        or 0
    )
    average = (now + before) / 2
    return MeasuredAttrition(
        agents=now, leavers=leavers, rate=leavers / average if average else None
    )


@dataclass(frozen=True)
class AttritionBasis:
    agents: int
    rate: float
    source: str  # "measured" when either figure was measured, else "given"


def attrition_basis(session: Session, agents: int | None, rate: float | None) -> AttritionBasis:
    """The headcount and yearly attrition rate to cost: those given, the others measured from
    the agents' hire and leave dates (:func:`measured_attrition`); :class:`Conflict` when a
    figure is missing and there is nothing to measure it from."""
    if agents is not None and rate is not None:
        return AttritionBasis(agents, rate, "given")
    measured = measured_attrition(session)
    if rate is None:
        if measured.rate is None:
            raise Conflict(_("no agents with hire and leave dates: give the attrition rate"))
        rate = measured.rate
    agents = measured.agents if agents is None else agents
    if agents < 1:
        raise Conflict(_("no agents employed: give the number of agents"))
    return AttritionBasis(agents, rate, "measured")


def forget_runs(session: Session, queue_code: str) -> int:
    """Delete a queue's forecast runs and their plans (the points and intervals cascade)."""
    ids = list(session.scalars(select(ForecastRun.id).where(ForecastRun.queue == queue_code)))
    if ids:
        plan_ids = select(StaffingPlan.id).where(StaffingPlan.run_id.in_(ids))
        session.execute(delete(StaffingInterval).where(StaffingInterval.plan_id.in_(plan_ids)))
        session.execute(delete(StaffingPlan).where(StaffingPlan.run_id.in_(ids)))
        session.execute(delete(ForecastPoint).where(ForecastPoint.run_id.in_(ids)))
        session.execute(delete(ForecastRun).where(ForecastRun.id.in_(ids)))
    return len(ids)
