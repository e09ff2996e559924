"""``valuecenter staffing …`` on the database (issue 21): forecasts of a queue, staffing plans,
the flexible pool, the cost of attrition, the staffing settings and the peak days.

- ``forecast --queue Q [--freq 30min] [--days 7] [--model auto] [--as-of DAY] [--patience S]``:
  forecast the queue from its history (before ``--as-of``), keep the run and, for intervals of
  an hour or less, size it into a staffing plan;
- ``plan [--run ID] [--patience S]``: a new plan for a kept run (default the latest);
- ``flex [--queue Q …] [--weeks 52]``: a fixed team for the peak week against core plus flex;
- ``attrition [--agents N] [--rate P] …``: the yearly cost of attrition and the saving of ten
  points less; agents and rate default to what the agents' hire and leave dates show;
- ``settings [--shrinkage P] …`` shows or changes the staffing settings;
- ``peaks list|set|remove``: the commercial peak days the forecasts know.

``staffing erlang`` (on numbers, no database) lives in ``cli/staffing.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import typer

from valuecenter.analytics.attrition import AttritionInputs, attrition_cost
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.forecasting import PeakDay, peak_dates
from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.cli.staffing import app
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.i18n import N_, _, format_date, format_money, format_number, format_percent
from valuecenter.workforce import roster, service, skills
from valuecenter.workforce import settings as staffing_settings
from valuecenter.workforce.models import ForecastRun, StaffingPlan
from valuecenter.workforce.volume import INTRADAY

_JSON = typer.Option(False, "--json", help=N_("Print JSON."))
_PATIENCE = typer.Option(
    None,
    "--patience",
    min=1.0,
    max=86_400.0,
    help=N_("Callers' mean patience in seconds: size with Erlang A (abandonment)."),
)

peaks_app = typer.Typer(
    help=N_("The commercial peak days the forecasts know."), no_args_is_help=True
)
app.add_typer(peaks_app, name="peaks")


def _progress(as_json: bool) -> Any:
    if as_json:
        return None
    return lambda step: typer.echo(f"… {step}", err=True)


def _run_json(run: ForecastRun) -> dict[str, object]:
    return {
        "run": run.id,
        "queue": run.queue,
        "freq": run.freq,
        "model": run.model,
        "horizon": run.horizon,
        "level": run.level,
        "mase": run.mase,
        "mase_seasonal_naive": run.mase_seasonal_naive,
        "history_from": run.history_from.isoformat(),
        "history_to": run.history_to.isoformat(),
        "contacts": run.contacts,
        "aht_seconds": round(run.aht_seconds, 1),
        "filled_missing": run.filled_missing,
        "peaks": run.backtest.get("peaks", {}),
    }


def _plan_json(plan: StaffingPlan, days: list[service.PlanDay]) -> dict[str, object]:
    return {
        "plan": plan.id,
        "run": plan.run_id,
        "method": plan.method,
        "service_level_target": plan.service_level_share,
        "target_seconds": plan.service_level_seconds,
        "aht_seconds": round(plan.aht_seconds, 1),
        "patience_seconds": plan.patience_seconds,
        "shrinkage": plan.shrinkage,
        "max_occupancy": plan.max_occupancy,
        "on_phone_hours": round(plan.on_phone_hours, 2),
        "paid_hours": round(plan.paid_hours, 2),
        "cost_cents": plan.cost_cents,
        "days": [
            {
                "day": d.day.isoformat(),
                "calls": round(d.calls, 1),
                "peak_agents": d.peak_agents,
                "paid_hours": round(d.paid_hours, 2),
                "fte": round(d.fte, 2),
            }
            for d in days
        ],
    }


def _print_run(run: ForecastRun) -> None:
    mase = "–" if run.mase is None else format_number(run.mase, decimals=2)
    naive = (
        "–"
        if run.mase_seasonal_naive is None
        else format_number(run.mase_seasonal_naive, decimals=2)
    )
    typer.echo(
        _(
            "forecast run %(id)s · queue %(queue)s · %(freq)s × %(horizon)s · model %(model)s · "
            "MASE %(mase)s (best seasonal naive %(naive)s)",
            id=run.id,
            queue=run.queue,
            freq=run.freq,
            horizon=run.horizon,
            model=run.model,
            mase=mase,
            naive=naive,
        )
    )


def _print_plan(plan: StaffingPlan, days: list[service.PlanDay]) -> None:
    typer.echo(
        _(
            "staffing plan %(id)s · %(method)s · %(share)s within %(seconds)s s · AHT %(aht)s s · "
            "shrinkage %(shrinkage)s · %(hours)s paid hours · %(cost)s",
            id=plan.id,
            method=plan.method,
            share=format_percent(plan.service_level_share),
            seconds=plan.service_level_seconds,
            aht=format_number(plan.aht_seconds, decimals=0),
            shrinkage=format_percent(plan.shrinkage),
            hours=format_number(plan.paid_hours, decimals=1),
            cost=format_money(plan.cost_cents, whole=True),
        )
    )
    header = (_("day"), _("contacts"), _("peak agents"), _("paid hours"), "FTE")
    typer.echo(f"{header[0]:<14} {header[1]:>10} {header[2]:>12} {header[3]:>11} {header[4]:>7}")
    for d in days:
        typer.echo(
            f"{format_date(d.day):<14} {format_number(d.calls, decimals=0):>10} "
            f"{d.peak_agents:>12} {format_number(d.paid_hours, decimals=1):>11} "
            f"{format_number(d.fte, decimals=1):>7}"
        )


@app.command(
    "forecast", help=N_("Forecast a queue's contacts from the database and plan its staffing.")
)
def forecast_queue(
    queue: str = typer.Option(..., "--queue", help=N_("The queue's code.")),
    freq: str = typer.Option("30min", "--freq", help=N_("5min, 15min, 30min, h or D.")),
    days: int = typer.Option(7, "--days", min=1, max=366, help=N_("Days ahead.")),
    model: str = typer.Option(
        "auto", "--model", help=N_("auto (chosen by backtest) or a model's name.")
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help=N_("Forecast from the history before this day (YYYY-MM-DD).")
    ),
    plan: bool = typer.Option(True, "--plan/--no-plan", help=N_("Also size a staffing plan.")),
    patience: float | None = _PATIENCE,
    as_json: bool = _JSON,
) -> None:
    day = parse_day("--as-of", as_of)
    cutoff = None if day is None else datetime.combine(day, time(), tzinfo=UTC)
    with unit_of_work(context.sessions()) as session:
        run = service.run_forecast(
            session,
            queue_code=queue,
            freq=freq,
            days=days,
            model=model,
            as_of=cutoff,
            progress=_progress(as_json),
        )
        made = None
        if plan and run.freq in INTRADAY:
            made = service.make_plan(session, run, patience_seconds=patience)
        table = [] if made is None else service.plan_days(session, made, run)
        if as_json:
            out: dict[str, object] = _run_json(run)
            out["plan"] = None if made is None else _plan_json(made, table)
            typer.echo(json.dumps(out))
            return
        _print_run(run)
        if made is not None:
            _print_plan(made, table)


@app.command("plan", help=N_("Size a kept forecast run into a staffing plan."))
def plan_run(
    run: int | None = typer.Option(
        None, "--run", min=1, max=2**53 - 1, help=N_("The run (default the latest).")
    ),
    patience: float | None = _PATIENCE,
    as_json: bool = _JSON,
) -> None:
    with unit_of_work(context.sessions()) as session:
        chosen = service.get_run(session, run) if run is not None else service.latest_run(session)
        if chosen is None:
            raise InvalidInput(
                "--run", _("no forecast run yet: run 'valuecenter staffing forecast' first")
            )
        made = service.make_plan(session, chosen, patience_seconds=patience)
        table = service.plan_days(session, made, chosen)
        if as_json:
            typer.echo(json.dumps(_plan_json(made, table)))
            return
        _print_plan(made, table)


@app.command(
    "flex", help=N_("A fixed team for the peak week against a core team plus a flex pool.")
)
def flex(
    queue: list[str] = typer.Option(
        [], "--queue", help=N_("A queue's code (repeat; default every real-time queue).")
    ),
    weeks: int = typer.Option(52, "--weeks", min=4, max=156, help=N_("Weeks of history.")),
    as_json: bool = _JSON,
) -> None:
    with unit_of_work(context.sessions()) as session:
        report = service.flex_comparison(session, queue_codes=queue or None, weeks=weeks)
    c = report.comparison
    options = {"fixed_for_peak": c.fixed_for_peak, "core_and_flex": c.core_and_flex}
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "queues": report.queues,
                    "since": report.since.isoformat(),
                    "until": report.until.isoformat(),
                    "weeks": c.weeks,
                    "needed_hours": round(c.needed_hours, 1),
                    "peak_week_hours": round(c.peak_week_hours, 1),
                    "saving_cents": c.saving_cents,
                    **{
                        name: {
                            "core_fte": round(o.core_fte, 2),
                            "flex_agents": o.flex_agents,
                            "flex_hours": round(o.flex_hours, 1),
                            "idle_paid_hours": round(o.idle_paid_hours, 1),
                            "cost_cents": o.cost_cents,
                        }
                        for name, o in options.items()
                    },
                }
            )
        )
        return
    typer.echo(
        _(
            "%(weeks)s weeks from %(since)s · %(queues)s queues · peak week %(peak)s paid hours",
            weeks=c.weeks,
            since=format_date(report.since),
            queues=len(report.queues),
            peak=format_number(c.peak_week_hours, decimals=0),
        )
    )
    labels = {
        "fixed_for_peak": _("fixed team for the peak"),
        "core_and_flex": _("core team + flex pool"),
    }
    for name, o in options.items():
        typer.echo(
            _(
                "%(label)s: %(core)s FTE, %(flex)s flex agents for %(hours)s hours · %(cost)s",
                label=labels[name],
                core=format_number(o.core_fte, decimals=1),
                flex=o.flex_agents,
                hours=format_number(o.flex_hours, decimals=0),
                cost=format_money(o.cost_cents, whole=True),
            )
        )
    typer.echo(_("saving: %(saving)s", saving=format_money(c.saving_cents, whole=True)))


@app.command(
    "attrition", help=N_("What agent attrition costs a year, and what ten points less saves.")
)
def attrition(
    agents: int | None = typer.Option(
        None, "--agents", min=1, max=1_000_000, help=N_("Agents (default: employed now).")
    ),
    rate: float | None = typer.Option(
        None,
        "--rate",
        min=0.0,
        max=5.0,
        help=N_("Leavers a year ÷ agents, 0.3 = 30% (default: the last twelve months)."),
    ),
    training_weeks: float = typer.Option(
        3.0, "--training-weeks", min=0.0, max=52.0, help=N_("Weeks of initial training.")
    ),
    hours_per_week: float = typer.Option(
        36.0, "--hours-per-week", min=0.0, max=80.0, help=N_("Paid hours a week.")
    ),
    cost_per_hour: float = typer.Option(
        22.0, "--cost-per-hour", min=0.0, max=10_000.0, help=N_("An agent's cost per hour (euros).")
    ),
    trainer_cost_per_hour: float = typer.Option(
        40.0,
        "--trainer-cost-per-hour",
        min=0.0,
        max=10_000.0,
        help=N_("A trainer's cost per hour (euros)."),
    ),
    trainees_per_trainer: float = typer.Option(
        12.0, "--trainees-per-trainer", min=1.0, max=1_000.0, help=N_("Trainees per trainer.")
    ),
    recruitment: float = typer.Option(
        500.0,
        "--recruitment",
        min=0.0,
        max=1_000_000.0,
        help=N_("Recruitment cost per hire (euros)."),
    ),
    ramp_up_weeks: float = typer.Option(
        4.0, "--ramp-up-weeks", min=0.0, max=52.0, help=N_("Weeks on the floor below full speed.")
    ),
    ramp_up_productivity: float = typer.Option(
        0.75,
        "--ramp-up-productivity",
        min=0.0,
        max=1.0,
        help=N_("Share of full speed while ramping up."),
    ),
    as_json: bool = _JSON,
) -> None:
    with unit_of_work(context.sessions()) as session:
        basis = service.attrition_basis(session, agents, rate)
    agents, rate, source = basis.agents, basis.rate, basis.source
    try:
        result = attrition_cost(
            AttritionInputs(
                agents=agents,
                attrition_rate=rate,
                training_weeks=training_weeks,
                hours_per_week=hours_per_week,
                agent_cost_per_hour_cents=round(cost_per_hour * 100),
                trainer_cost_per_hour_cents=round(trainer_cost_per_hour * 100),
                trainees_per_trainer=trainees_per_trainer,
                recruitment_cost_cents=round(recruitment * 100),
                ramp_up_weeks=ramp_up_weeks,
                ramp_up_productivity=ramp_up_productivity,
            )
        )
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    per = result.per_replacement
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "agents": agents,
                    "attrition_rate": round(rate, 4),
                    "source": source,
                    "leavers_per_year": round(result.leavers_per_year, 1),
                    "cost_per_replacement_cents": per.total_cents,
                    "recruitment_cents": per.recruitment_cents,
                    "training_cents": per.trainee_hours_cents + per.trainer_cents,
                    "ramp_up_cents": per.ramp_up_cents,
                    "yearly_cost_cents": result.yearly_cost_cents,
                    "saving_per_10_points_cents": result.saving_per_10_points_cents,
                    "saving_per_10_percent_cents": result.saving_per_10_percent_cents,
                }
            )
        )
        return
    typer.echo(
        _(
            "%(agents)s agents · attrition %(rate)s a year (%(source)s) · %(leavers)s leavers",
            agents=format_number(agents),
            rate=format_percent(rate, decimals=1),
            source=_("measured") if source == "measured" else _("given"),
            leavers=format_number(result.leavers_per_year, decimals=1),
        )
    )
    typer.echo(
        _(
            "one replacement: %(total)s (recruitment %(rec)s, training %(train)s, "
            "ramp-up %(ramp)s)",
            total=format_money(per.total_cents, whole=True),
            rec=format_money(per.recruitment_cents, whole=True),
            train=format_money(per.trainee_hours_cents + per.trainer_cents, whole=True),
            ramp=format_money(per.ramp_up_cents, whole=True),
        )
    )
    typer.echo(
        _(
            "attrition costs %(cost)s a year",
            cost=format_money(result.yearly_cost_cents, whole=True),
        )
    )
    typer.echo(
        _(
            "ten points less attrition saves %(saving)s a year",
            saving=format_money(result.saving_per_10_points_cents, whole=True),
        )
    )


@app.command("settings", help=N_("Show or change the staffing settings."))
def settings_command(
    shrinkage: float | None = typer.Option(
        None, "--shrinkage", min=0.0, max=0.99, help=N_("Share of paid time not on contacts.")
    ),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", min=0.01, max=1.0, help=N_("Occupancy cap.")
    ),
    no_occupancy_cap: bool = typer.Option(
        False, "--no-occupancy-cap", help=N_("Size without an occupancy cap.")
    ),
    hours_per_fte_week: float | None = typer.Option(
        None, "--hours-per-fte-week", min=1.0, max=80.0, help=N_("Paid hours of one FTE a week.")
    ),
    cost_per_hour: float | None = typer.Option(
        None,
        "--cost-per-hour",
        min=0.0,
        max=1_000_000.0,
        help=N_("A fixed agent's cost per hour (euros)."),
    ),
    flex_cost_per_hour: float | None = typer.Option(
        None,
        "--flex-cost-per-hour",
        min=0.0,
        max=1_000_000.0,
        help=N_("A flex agent's cost per hour (euros)."),
    ),
    flex_fixed_cost: float | None = typer.Option(
        None,
        "--flex-fixed-cost",
        min=0.0,
        max=1_000_000.0,
        help=N_("A flex agent's fixed cost a year (euros)."),
    ),
    flex_hours: float | None = typer.Option(
        None,
        "--flex-hours-per-week",
        min=1.0,
        max=80.0,
        help=N_("Most hours a flex agent works a week."),
    ),
    as_json: bool = _JSON,
) -> None:
    def cents(euros: float | None) -> int | None:
        return None if euros is None else round(euros * 100)

    change = staffing_settings.SettingsChange(
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        no_occupancy_cap=no_occupancy_cap,
        hours_per_fte_week=hours_per_fte_week,
        cost_per_hour_cents=cents(cost_per_hour),
        flex_cost_per_hour_cents=cents(flex_cost_per_hour),
        flex_fixed_cost_per_year_cents=cents(flex_fixed_cost),
        flex_hours_per_agent_week=flex_hours,
    )
    with unit_of_work(context.sessions()) as session:
        row = (
            staffing_settings.update(session, change, user_id=None)
            if change != staffing_settings.SettingsChange()
            else staffing_settings.current(session)
        )
        values = {
            "shrinkage": row.shrinkage,
            "max_occupancy": row.max_occupancy,
            "hours_per_fte_week": row.hours_per_fte_week,
            "cost_per_hour_cents": row.cost_per_hour_cents,
            "flex_cost_per_hour_cents": row.flex_cost_per_hour_cents,
            "flex_fixed_cost_per_year_cents": row.flex_fixed_cost_per_year_cents,
            "flex_hours_per_agent_week": row.flex_hours_per_agent_week,
        }
    if as_json:
        typer.echo(json.dumps(values))
        return
    for key, value in values.items():
        typer.echo(f"{key:<32} {'–' if value is None else value}")


@peaks_app.command("list", help=N_("The peak days and the next date of each."))
def peaks_list(as_json: bool = _JSON) -> None:
    today = datetime.now(UTC).date()
    with unit_of_work(context.sessions()) as session:
        rows = [(p.code, p.name, p.rule, p.active) for p in staffing_settings.peak_days(session)]
    upcoming: dict[str, str] = {}
    for code, name, rule, _active in rows:
        dates = peak_dates(
            (PeakDay(code=code, name=name, rule=rule),), [today.year, today.year + 1]
        )
        later = sorted(d for d in dates if d >= today)
        upcoming[code] = later[0].isoformat() if later else ""
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {"code": c, "name": n, "rule": r, "active": a, "next": upcoming[c] or None}
                    for c, n, r, a in rows
                ]
            )
        )
        return
    for code, name, rule, active in rows:
        state = "" if active else _("(inactive)")
        typer.echo(f"{code:<20} {name:<24} {rule:<18} {upcoming[code]:<11} {state}")


@peaks_app.command("set", help=N_("Add a peak day or change one."))
def peaks_set(
    code: str = typer.Argument(..., help=N_("Short code, e.g. valentines-day.")),
    name: str = typer.Option(..., "--name", help=N_("Its name.")),
    rule: str = typer.Option(
        ..., "--rule", help=N_("MM-DD, 'Nth DOW MON [+/-N]' or 'easter [+/-N]'.")
    ),
    inactive: bool = typer.Option(False, "--inactive", help=N_("Keep it, but do not use it.")),
) -> None:
    with unit_of_work(context.sessions()) as session:
        row = staffing_settings.save_peak_day(
            session, code=code, name=name, rule=rule, active=not inactive
        )
        typer.echo(_("peak day %(code)s: %(rule)s", code=row.code, rule=row.rule))


@peaks_app.command("defaults", help=N_("Add back the default peak days that are missing."))
def peaks_defaults() -> None:
    with unit_of_work(context.sessions()) as session:
        added = staffing_settings.restore_default_peaks(session)
    typer.echo(_("%(n)s default peak days added", n=added))


@peaks_app.command("remove", help=N_("Remove a peak day."))
def peaks_remove(code: str = typer.Argument(..., help=N_("Its code."))) -> None:
    with unit_of_work(context.sessions()) as session:
        staffing_settings.remove_peak_day(session, code)
    typer.echo(_("peak day %(code)s removed", code=code))


@app.command("skills", help=N_("Agents employed now per skill and language."))
def skills_command(as_json: bool = _JSON) -> None:
    with unit_of_work(context.sessions()) as session:
        rows = skills.coverage(session)
    if as_json:
        typer.echo(json.dumps([{"skill": s, "language": lang, "agents": n} for s, lang, n in rows]))
        return
    for skill, language, n in rows:
        typer.echo(f"{skill:<20} {language or '–':<6} {n:>6}")


shifts_app = typer.Typer(help=N_("Shift patterns: start, length, weekdays."), no_args_is_help=True)
app.add_typer(shifts_app, name="shifts")
roster_app = typer.Typer(help=N_("The roster: who works when."), no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@shifts_app.command("set", help=N_("Add a shift pattern or change one."))
def shifts_set(
    code: str = typer.Argument(..., help=N_("Short code, e.g. early.")),
    name: str = typer.Option(..., "--name", help=N_("Its name.")),
    start: str = typer.Option(..., "--start", help=N_("Start in local time, HH:MM.")),
    minutes: int = typer.Option(..., "--minutes", min=15, max=960, help=N_("Length in minutes.")),
    weekdays: str = typer.Option(
        "1111100", "--weekdays", help=N_("Seven 0s and 1s, Monday first.")
    ),
    team: str | None = typer.Option(None, "--team", help=N_("The team's code.")),
) -> None:
    with unit_of_work(context.sessions()) as session:
        row = roster.save_shift(
            session,
            code=code,
            name=name,
            start=start,
            minutes=minutes,
            weekdays=weekdays,
            team=team,
        )
        typer.echo(_("shift %(code)s saved", code=row.code))


@shifts_app.command("list", help=N_("The shift patterns."))
def shifts_list(as_json: bool = _JSON) -> None:
    with unit_of_work(context.sessions()) as session:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "start": f"{s.start_minute // 60:02d}:{s.start_minute % 60:02d}",
                "minutes": s.minutes,
                "weekdays": s.weekdays,
            }
            for s in roster.shifts(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(
            f"{r['code']:<16} {r['name']:<24} {r['start']} {r['minutes']:>4} {r['weekdays']}"
        )


@roster_app.command("import", help=N_("Import the roster from a file (all rows or none)."))
def roster_import(
    file: Path = typer.Argument(
        ..., help=N_("CSV, Parquet or XLSX: agent_id, starts_at, ends_at[, kind, shift].")
    ),
    sep: str | None = typer.Option(None, "--sep", help=N_("CSV separator (default: sniffed).")),
    timezone: str = typer.Option(
        "Europe/Amsterdam", "--timezone", help=N_("Zone of times written without an offset.")
    ),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.importer.readers import read_file

    frame = read_file(file, sep=sep)
    first_row = 1 if file.suffix.lower() == ".parquet" else 2
    with unit_of_work(context.sessions()) as session:
        result = roster.import_roster(session, frame, timezone=timezone, first_row=first_row)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "rows": result.rows,
                    "agents": result.agents,
                    "first": None if result.first is None else result.first.isoformat(),
                    "last": None if result.last is None else result.last.isoformat(),
                }
            )
        )
        return
    typer.echo(
        _(
            "roster: %(rows)s rows for %(agents)s agents imported",
            rows=format_number(result.rows),
            agents=format_number(result.agents),
        )
    )


@roster_app.command("coverage", help=N_("The roster against a staffing plan, per day."))
def roster_coverage(
    run: int | None = typer.Option(
        None, "--run", min=1, max=2**53 - 1, help=N_("The run (default the latest).")
    ),
    as_json: bool = _JSON,
) -> None:
    with unit_of_work(context.sessions()) as session:
        chosen = service.get_run(session, run) if run is not None else service.latest_run(session)
        if chosen is None:
            raise InvalidInput(
                "--run", _("no forecast run yet: run 'valuecenter staffing forecast' first")
            )
        plan = service.latest_plan(session, chosen)
        if plan is None:
            raise InvalidInput("--run", _("the run has no staffing plan"))
        days = service.coverage_days(session, plan, chosen)
    if as_json:
        typer.echo(json.dumps([d.as_json() for d in days]))
        return
    if not days:
        typer.echo(
            _("no roster in the plan's days: import one with 'valuecenter staffing roster import'")
        )
        return
    for d in days:
        typer.echo(
            _(
                "%(day)s: %(short)s of %(n)s intervals short · lowest expected service "
                "level %(level)s",
                day=format_date(d.day),
                short=d.short_intervals,
                n=d.intervals,
                level="–"
                if d.lowest_service_level is None
                else format_percent(d.lowest_service_level),
            )
        )
