"""The monthly report (issue 23, point 4; docs/finance.md, "The monthly report"): one
self-contained HTML page — or the PDF Chromium prints of it — that a finance director reads
once a month.

:func:`gather` reads the figures, each from the module that owns it, computing none anew:

1. the P&L of the month and the year to date (:func:`valuecenter.finance.statement.statement`:
   cost and yield lines, totals, ROI, the seeds' save figure, budget, twelve-month trend);
2. the value segments of the latest score run (:func:`valuecenter.value.dashboard.dashboard`,
   the ``/value`` page's);
3. the save desk's ledger of the month (:func:`valuecenter.retention.desk.ledger.ledger`) and
   the latest renewal list's summary;
4. NPS and the service KPIs of the month (``quality/service.py`` and ``quality/kpis.py``, the
   ``/service`` page's);
5. staffing: the latest forecast run, its accuracy so far and its staffing plan, and the
   measured attrition (``workforce/service.py``, the ``/staffing`` page's);
6. the method notes: how each line was measured.

A section without data says so ("no data for this month") instead of failing the report.

:func:`render_html` lays them out with ``finance/templates/report.html`` in the current
language; every word of the page comes from here through :mod:`valuecenter.i18n` (the
template holds layout only), so the ``messages`` catalogue carries the report's Dutch. The
charts are inline SVG (``finance/report_svg.py``), the CSS is inline: the page references no
file and no URL. :func:`write_html` and :func:`write_pdf` write atomically (a temporary file
beside the target, renamed when complete), so a failed run leaves no half-written report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.ledger import Incremental
from valuecenter.errors import AppError, InvalidInput
from valuecenter.finance.costs import CostLine
from valuecenter.finance.ledger import YieldLine
from valuecenter.finance.pnl import Pnl, month_bounds
from valuecenter.finance.provenance import provenance
from valuecenter.finance.report_svg import COST, PROVEN, UNPROVEN, Series, cost_chart, trend_chart
from valuecenter.finance.statement import Statement, statement
from valuecenter.i18n import (
    _,
    current_locale,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_percent,
)
from valuecenter.quality.kpis import KpiReport, kpi_report
from valuecenter.quality.service import ChainReport, NpsReport, chain_report, nps_report
from valuecenter.retention.desk.ledger import TOTAL, LedgerRow, ledger
from valuecenter.retention.models import RenewalRun
from valuecenter.retention.renewals.repository import latest_renewal_run
from valuecenter.users.models import Role, User
from valuecenter.value.dashboard import Dashboard, dashboard
from valuecenter.value.segments import NOT_SCORED
from valuecenter.workforce import service as workforce
from valuecenter.workforce.models import ForecastRun, StaffingPlan

TEMPLATES = Path(__file__).with_name("templates")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PRINT_TIMEOUT_SECONDS = 120

T = TypeVar("T")


# ---------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Staffing:
    """The latest forecast run with its accuracy so far and its latest staffing plan."""

    run: ForecastRun
    plan: StaffingPlan | None
    peak_agents: int | None  # most agents at once on a day of the plan
    passed_intervals: int  # intervals of the horizon that have passed
    forecast_contacts: float  # the forecast over those intervals
    actual_contacts: float  # what came in them
    inside_band: float | None  # share of them inside the run's prediction interval


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows. ``missing`` holds, per section, why its figures could not
    be read (the section then shows that instead)."""

    month: str
    start: date
    end: date
    statement: Statement
    value: Dashboard | None
    desk: list[LedgerRow]  # per offer, then the total row
    renewals: RenewalRun | None
    chains: ChainReport | None
    nps: NpsReport | None
    levels: KpiReport | None
    staffing: Staffing | None
    attrition: workforce.MeasuredAttrition | None
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def read_at(self) -> datetime:
        return self.statement.read_at


def company_viewer() -> User:
    """The report's reader: the department as a whole (a manager sees every customer), never
    one account manager's pool. Not stored."""
    return User(username="monthly-report", role=Role.MANAGER)


def _read(missing: dict[str, str], section: str, read: Callable[[], T]) -> T | None:
    """``read()``, or None with the reason kept in ``missing`` when the figures cannot be read
    from the data at hand (an analytics input or a product error, never a programming error)."""
    try:
        return read()
    except InputError as error:
        missing[section] = error.translated()
    except AppError as error:
        missing[section] = str(error)
    return None


def _staffing(session: Session) -> Staffing | None:
    run = workforce.latest_run(session)
    if run is None:
        return None
    plan = workforce.latest_plan(session, run)
    days = workforce.plan_days(session, plan, run) if plan is not None else []
    points = workforce.run_points(session, run)
    actual = workforce.actuals(session, run, days_before=0)
    passed = forecast = came = 0.0
    inside: float | None = None
    if len(points) and len(actual):
        starts = pd.to_datetime(points["starts_at"], utc=True, format="mixed")
        local = pd.DatetimeIndex(starts).tz_convert(ZoneInfo(run.timezone)).tz_localize(None)
        frame = points.set_index(local)
        common = frame.index.intersection(actual.index)
        if len(common):
            seen = actual.reindex(common).to_numpy(dtype=float)
            part = frame.loc[common]
            passed = float(len(common))
            forecast = float(part["value"].sum())
            came = float(seen.sum())
            inside = float(((seen >= part["lo"]) & (seen <= part["hi"])).mean())
    return Staffing(
        run=run,
        plan=plan,
        peak_agents=max((d.peak_agents for d in days), default=None),
        passed_intervals=int(passed),
        forecast_contacts=forecast,
        actual_contacts=came,
        inside_band=inside,
    )


def gather(session: Session, month: str, *, as_of: datetime | None = None) -> ReportData:
    """The figures of ``month`` (``YYYY-MM``) as known at ``as_of`` (default now)."""
    start, end = month_bounds(month)
    figures = statement(session, month, as_of=as_of)
    since = datetime.combine(start, datetime.min.time(), UTC)
    until = datetime.combine(end, datetime.min.time(), UTC)
    missing: dict[str, str] = {}
    viewer = company_viewer()
    return ReportData(
        month=month,
        start=start,
        end=end,
        statement=figures,
        value=_read(missing, "value", lambda: dashboard(session, viewer=viewer)),
        desk=_read(missing, "retention", lambda: ledger(session, "offer", start, end)) or [],
        renewals=_read(missing, "renewals", lambda: latest_renewal_run(session)),
        chains=_read(missing, "service", lambda: chain_report(session, since, until)),
        nps=_read(missing, "nps", lambda: nps_report(session, "segment", since, until)),
        levels=_read(
            missing,
            "levels",
            lambda: kpi_report(session, by="queue", interval="all", since=since, until=until),
        ),
        staffing=_read(missing, "staffing", lambda: _staffing(session)),
        attrition=_read(
            missing,
            "attrition",
            lambda: workforce.measured_attrition(session, end - timedelta(days=1)),
        ),
        missing=missing,
    )


# ---------------------------------------------------------------------- words and numbers


def money(cents: float | None) -> str:
    return format_money(cents)


def money_short(cents: float | None) -> str:
    return format_money(cents, whole=True)


def grouped(n: float | None) -> str:
    return "–" if n is None else format_number(n)


def decimal(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else format_number(value, decimals=decimals)


def percent(share: float | None, decimals: int = 0) -> str:
    return "–" if share is None else format_percent(share, decimals=decimals)


def interval(bounds: tuple[float, float] | None, short: bool = False) -> str:
    """A 95% interval of money: '[€-1,200.00, €3,400.00]'; none → '–'."""
    if bounds is None:
        return "–"
    show = money_short if short else money
    return f"[{show(bounds[0])}, {show(bounds[1])}]"


def incremental_interval(value: Incremental) -> str:
    if value.low is None or value.high is None:
        return "–"
    return interval((value.low, value.high), short=True)


def nps_points(value: float | None) -> str:
    """An NPS (−1 … 1) in points with one decimal: '−4.2'."""
    return "–" if value is None else format_number(100 * value, decimals=1)


def labels() -> dict[str, str]:
    """Every fixed word of the page, in the current language."""
    return {
        "title": _("Monthly report of the service department"),
        "read_at": _("Figures as known at"),
        "contents": _("Contents"),
        "s_pnl": _("Profit and loss"),
        "s_value": _("Value segments"),
        "s_retention": _("Retention"),
        "s_service": _("NPS and service"),
        "s_staffing": _("Staffing"),
        "s_method": _("Method notes"),
        "month": _("Month"),
        "ytd": _("Year to date"),
        "cost": _("Cost"),
        "costs": _("Costs"),
        "total_cost": _("Total cost"),
        "yields": _("Yield"),
        "line": _("Line"),
        "gross": _("Gross (the usual count)"),
        "incremental": _("Incremental (against control)"),
        "ci95": _("95% interval"),
        "status": _("Proven?"),
        "proven": _("proven"),
        "unproven": _("not proven"),
        "records": _("Records"),
        "provenance": _("Provenance"),
        "how": _("How measured"),
        "proven_yield": _("Proven yield"),
        "unproven_gross": _("Unproven gross (shown, never summed)"),
        "net": _("Net (proven yield − cost)"),
        "roi": _("ROI"),
        "roi_note": _("(proven yield − cost) ÷ cost"),
        "totals": _("Totals"),
        "yield_month": _("Yield lines of the month"),
        "yield_ytd": _("Yield lines of the year to date"),
        "cost_chart": _("Cost lines of the month"),
        "trend": _("Twelve months: cost, proven yield and unproven gross"),
        "seeds": _("Saves: the usual count beside the incremental one"),
        "kept": _("Customers kept by the desk"),
        "seeds_gross": _("Their value (the usual save value)"),
        "seeds_incremental": _("Incremental value against control"),
        "budget": _("Budget against actual"),
        "kind": _("Kind"),
        "kind_cost": _("cost"),
        "kind_yield": _("yield target"),
        "year_budget": _("Year budget"),
        "month_budget": _("Month budget"),
        "month_actual": _("Month actual"),
        "ytd_budget": _("Budget to date"),
        "ytd_actual": _("Actual to date"),
        "projection": _("Year-end projection"),
        "no_data": _("No data for this month."),
        "segment": _("Segment"),
        "treatment": _("Treatment"),
        "customers": _("Customers"),
        "share": _("Share"),
        "revenue_share": _("Revenue share"),
        "average_clv": _("Average CLV"),
        "churn_risk": _("Churn risk"),
        "desk": _("Save desk: the ledger of the month"),
        "offer": _("Offer"),
        "cases": _("Cases (desk / control)"),
        "keep_rate": _("Kept (desk / control)"),
        "gross_value": _("Gross value"),
        "incremental_value": _("Incremental value"),
        "offer_cost": _("Offer cost"),
        "net_incremental": _("Net incremental value"),
        "all_cases": _("All cases (randomised)"),
        "renewals": _("Renewal list"),
        "nps": _("NPS"),
        "answers": _("Answers"),
        "nps_segment": _("NPS per value segment"),
        "fcr": _("FCR measured from contact chains"),
        "fcr_tick": _("FCR by the tick box"),
        "repeat_rate": _("Repeat rate"),
        "transfers": _("Transfers per contact"),
        "speed": _("Customer Speed Index (median)"),
        "contacts": _("Contacts"),
        "levels": _("Service levels per queue"),
        "queue": _("Queue"),
        "offered": _("Offered"),
        "answered": _("Answered"),
        "service_level": _("Service level"),
        "target": _("Target"),
        "asa": _("Average speed of answer"),
        "abandon": _("Abandon rate"),
        "aht": _("Average handling time"),
        "forecast": _("Latest forecast"),
        "accuracy": _("Forecast accuracy"),
        "plan": _("Staffing plan"),
        "paid_hours": _("Paid hours"),
        "on_phone_hours": _("Hours on contacts"),
        "peak_agents": _("Most agents at once"),
        "plan_cost": _("Cost of the plan"),
        "attrition": _("Attrition"),
        "cost_methods": _("Cost lines"),
        "yield_methods": _("Yield lines"),
        "general": _("How to read the figures"),
        "not_summed": _(
            "An unproven line shows its gross figure and is never summed into the proven "
            "yield, the net figure or the ROI: only lines measured against a randomised control "
            "group, with units in both arms and a 95% interval, count."
        ),
        "independent": _(
            "The proven yield's interval treats the proven lines as independent experiments "
            "(each has its own random control group): the square root of the sum of their "
            "squared standard errors."
        ),
        "roi_method": _(
            "ROI is (proven yield − cost) ÷ cost: what a euro of the department returned "
            "beyond itself, counting only what is proven."
        ),
        "budget_method": _(
            "Budget: the month against a twelfth of the year, the year to date against the "
            "months elapsed, and a year-end projection at the run rate of the months so far "
            "(year to date ÷ months × 12). A yield line's actual is its proven incremental "
            "figure."
        ),
        "sections_method": _(
            "Value segments come from the latest score run; NPS intervals are 95% intervals "
            "of the score method; FCR is measured from contact chains (a 7-day repeat window) "
            "beside the agents' tick box; service levels are judged against each queue's own "
            "target."
        ),
    }


@dataclass(frozen=True)
class YieldRow:
    line: YieldLine
    why: str | None  # why the line is not proven
    records: str
    provenance: list[tuple[str, str]]


def yield_rows(lines: Sequence[YieldLine]) -> list[YieldRow]:
    out = []
    for line in lines:
        why = (
            None
            if line.proven
            else line.reason
            or _("not measured against a randomised control group with units in both arms")
        )
        records = _(
            "%(count)s %(what)s (%(where)s)",
            count=format_number(line.records.count),
            what=line.records.what,
            where=line.records.url(),
        )
        out.append(
            YieldRow(line, why, records, [(f.label, f.value) for f in provenance(line.provenance)])
        )
    return out


def _cost_rows(period: Pnl, ytd: Pnl) -> list[tuple[CostLine, int]]:
    year = {line.key: line.cents for line in ytd.costs}
    return [(line, year.get(line.key, 0)) for line in period.costs]


def sentences(data: ReportData) -> dict[str, str]:
    """The page's sentences that carry figures."""
    s = data.statement
    out = {
        "month": format_date(data.start, fmt="LLLL y"),
        "period": _(
            "%(month)s (%(first)s to %(last)s) and the year to date from %(january)s",
            month=format_date(data.start, fmt="LLLL y"),
            first=format_date(data.start),
            last=format_date(data.end - timedelta(days=1)),
            january=format_date(data.start.replace(month=1)),
        ),
        "no_budget": _(
            "No budget loaded for %(year)s (valuecenter finance budget load FILE).",
            year=data.start.year,
        ),
        "seeds_kept": grouped(s.seeds.kept),
    }
    if data.value is not None:
        score = data.value.run
        out["value_source"] = _(
            "Score run %(run)s of %(day)s (order history before %(as_of)s): %(scored)s of "
            "%(customers)s customers scored; risk from %(model)s.",
            run=score.run_id,
            day=format_date(score.finished_at),
            as_of=format_date(score.as_of),
            scored=grouped(score.scored),
            customers=grouped(score.customers),
            model=_(data.value.risk.name),
        )
        figures = data.value.figures
        if "top1_share" in figures:
            out["concentration"] = _(
                "The top 1%% of customers bring %(top1)s of the last 12 months' revenue, the "
                "top 10%% %(top10)s (seed 001: 14%% and 61%%).",
                top1=percent(float(figures["top1_share"]), 1),
                top10=percent(float(figures["top10_share"]), 1),
            )
    else:
        out["value_none"] = _("No score run yet (valuecenter score).")
    total = next((row for row in data.desk if row.key == TOTAL), None)
    if total is None or total.cases == 0:
        out["desk_none"] = _("No save-desk case was closed this month.")
    else:
        out["desk_source"] = _(
            "Cases closed this month: %(desk)s at the desk, %(control)s drawn to standard "
            "handling. The total row is a randomised comparison; the offer rows compare each "
            "offer's cases with every control case and are not randomised (an offer goes to "
            "the customers its suggestion picked).",
            desk=grouped(total.desk),
            control=grouped(total.control),
        )
    if data.renewals is None:
        out["renewals_none"] = _("No renewal list yet (valuecenter retention renewals).")
    else:
        run_ = data.renewals
        totals = run_.totals
        out["renewals"] = _(
            "Renewal run %(run)s of %(day)s: %(candidates)s contracts end within %(days)s "
            "days, %(listed)s customers are worth a call.",
            run=run_.run_id,
            day=format_date(run_.as_of),
            candidates=grouped(run_.candidates),
            days=run_.horizon_days,
            listed=grouped(run_.listed),
        )
        if totals:
            out["renewals_expected"] = _(
                "Expected for the listed customers: %(renewals)s extra renewals, incremental "
                "value %(value)s, offer cost %(cost)s, net %(net)s.",
                renewals=decimal(_float(totals.get("expected_extra_renewals"))),
                value=money_short(_float(totals.get("expected_incremental_value_cents"))),
                cost=money_short(_float(totals.get("expected_cost_cents"))),
                net=money_short(_float(totals.get("expected_net_cents"))),
            )
    if data.nps is not None and data.nps.overall is not None:
        e = data.nps.overall
        out["nps"] = _(
            "NPS %(nps)s (95%% interval %(low)s to %(high)s) from %(n)s answers: %(promoters)s "
            "promoters, %(passives)s passives, %(detractors)s detractors.",
            nps=nps_points(e.nps),
            low=nps_points(e.ci[0]),
            high=nps_points(e.ci[1]),
            n=grouped(e.counts.n),
            promoters=grouped(e.counts.promoters),
            passives=grouped(e.counts.passives),
            detractors=grouped(e.counts.detractors),
        )
    else:
        out["nps_none"] = _("No NPS answers this month.")
    if data.staffing is not None:
        run = data.staffing.run
        out["forecast"] = _(
            "Run %(id)s of %(day)s for queue %(queue)s: model %(model)s, %(horizon)s intervals "
            "of %(freq)s from %(start)s, learnt from %(contacts)s contacts.",
            id=run.id,
            day=format_date(run.created_at),
            queue=run.queue,
            model=run.model,
            horizon=grouped(run.horizon),
            freq=run.freq,
            start=format_date(run.history_to),
            contacts=grouped(run.contacts),
        )
        if run.mase is not None and run.mase_seasonal_naive is not None:
            out["backtest"] = _(
                "Backtest error (MASE) %(mase)s against %(naive)s for the better seasonal-naive "
                "forecast (below 1: better than repeating the past).",
                mase=decimal(run.mase, 2),
                naive=decimal(run.mase_seasonal_naive, 2),
            )
        st = data.staffing
        if st.passed_intervals:
            off = (
                (st.actual_contacts - st.forecast_contacts) / st.forecast_contacts
                if st.forecast_contacts
                else None
            )
            out["accuracy"] = _(
                "Over the %(n)s intervals of the horizon that have passed, %(actual)s contacts "
                "came against %(forecast)s forecast (%(off)s); %(inside)s of the intervals fell "
                "inside the %(level)s%% prediction band.",
                n=grouped(st.passed_intervals),
                actual=decimal(st.actual_contacts, 0),
                forecast=decimal(st.forecast_contacts, 0),
                off="–" if off is None else ("+" if off > 0 else "") + percent(off, 1),
                inside=percent(st.inside_band),
                level=run.level,
            )
        else:
            out["accuracy"] = _("None of the forecast's horizon has passed yet.")
        if st.plan is not None:
            plan = st.plan
            out["plan"] = _(
                "Plan %(id)s (%(method)s): %(share)s of the contacts answered within "
                "%(seconds)s seconds, average handling time %(aht)s s, shrinkage %(shrinkage)s, "
                "%(rate)s an hour.",
                id=plan.id,
                method=plan.method,
                share=percent(plan.service_level_share),
                seconds=plan.service_level_seconds,
                aht=decimal(plan.aht_seconds, 0),
                shrinkage=percent(plan.shrinkage),
                rate=money(plan.cost_per_hour_cents),
            )
        else:
            out["plan_none"] = _("The forecast has no staffing plan.")
    else:
        out["staffing_none"] = _("No forecast run yet (valuecenter staffing forecast).")
    if data.attrition is not None:
        a = data.attrition
        out["attrition"] = _(
            "%(agents)s agents employed at the end of the month, %(leavers)s left in the "
            "twelve months before: attrition %(rate)s a year.",
            agents=grouped(a.agents),
            leavers=grouped(a.leavers),
            rate=percent(a.rate, 1),
        )
    return out


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def charts(data: ReportData) -> dict[str, Markup]:
    s = data.statement
    months = [format_date(date.fromisoformat(m.month + "-01"), fmt="LLL yy") for m in s.trend]
    out = {
        "costs": Markup(
            cost_chart(
                [(line.label, line.cents) for line in s.period.costs],
                title=_("Cost lines of the month"),
                money=money_short,
            )
        )
    }
    if s.trend:
        out["trend"] = Markup(
            trend_chart(
                months,
                [
                    Series(_("Cost"), [m.cost_cents for m in s.trend], COST),
                    Series(_("Proven yield"), [m.proven_cents for m in s.trend], PROVEN),
                    Series(
                        _("Unproven gross (not summed)"),
                        [m.unproven_gross_cents for m in s.trend],
                        UNPROVEN,
                        hatched=True,
                    ),
                ],
                title=_("Twelve months: cost, proven yield and unproven gross"),
                money=money_short,
            )
        )
    return out


# ---------------------------------------------------------------------- the page


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        money_short=money_short,
        grouped=grouped,
        decimal=decimal,
        percent=percent,
        interval=interval,
        nps=nps_points,
        incremental_interval=incremental_interval,
    )
    return env


def render_html(data: ReportData, *, zone: tzinfo = UTC) -> str:
    """The report of ``data`` as one self-contained HTML page in the current language;
    ``zone``: where the reading moment is shown."""
    s = data.statement
    read_at = s.read_at if s.read_at.tzinfo else s.read_at.replace(tzinfo=UTC)
    template = _environment().get_template("report.html")
    return template.render(
        lang=current_locale(),
        t=labels(),
        say=sentences(data),
        data=data,
        s=s,
        read_at=format_datetime(read_at.astimezone(zone), fmt="medium"),
        cost_rows=_cost_rows(s.period, s.year_to_date),
        month_yields=yield_rows(s.period.yields),
        ytd_yields=yield_rows(s.year_to_date.yields),
        charts=charts(data),
        desk_rows=sorted(data.desk, key=lambda row: row.key != TOTAL),
        TOTAL=TOTAL,
        renewal_groups=_renewal_groups(data.renewals),
        segment_name=_segment_name,
    )


def _segment_name(name: str | None) -> str:
    return _("not scored") if name in (None, NOT_SCORED) else str(name)


def _renewal_groups(run: RenewalRun | None) -> list[tuple[str, str]]:
    if run is None:
        return []
    names = {
        "listed": _("To call"),
        "over-budget": _("Over budget"),
        "silent-renewer": _("Silent renewers"),
        "lost-cause": _("Lost causes"),
        "not-worth": _("Not worth an offer"),
    }
    counts = run.counts or {}
    return [
        (label, grouped(_float(counts.get(key)) or 0))
        for key, label in names.items()
        if key in counts
    ]


# ---------------------------------------------------------------------- files


def check_out(out: Path) -> Path:
    """``--out`` as a file we may write: its folder exists and is writable, it is no folder."""
    target = out.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InvalidInput("--out", _("%(path)s is a folder, not a file", path=str(out)))
    if not folder.is_dir():
        raise InvalidInput("--out", _("the folder %(path)s does not exist", path=str(folder)))
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise InvalidInput("--out", _("%(path)s cannot be written", path=str(out)))
    return target


@contextlib.contextmanager
def _atomic(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``: renamed to ``out`` when the block ends well, removed
    when it fails."""
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)
        os.replace(temp, out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_html(html: str, out: Path) -> None:
    """``html`` into ``out``, atomically."""
    try:
        with _atomic(out) as temp:
            temp.write_text(html, encoding="utf-8")
    except OSError as error:
        raise AppError(
            _("--out: cannot write %(path)s: %(reason)s", path=str(out), reason=error.strerror)
        ) from None


def browser() -> str:
    """The Chromium that prints the PDF; :class:`AppError` when there is none."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise AppError(
        _(
            "chromium is not installed: the PDF is printed by Chromium (install the chromium "
            "package), or write --format html"
        )
    )


def write_pdf(html: str, out: Path, *, timeout: float = PRINT_TIMEOUT_SECONDS) -> None:
    """``html`` printed to A4 PDF by headless Chromium into ``out``, atomically."""
    chromium = browser()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="valuecenter-report-") as work,
            _atomic(out) as temp,
        ):
            page = Path(work) / "report.html"
            page.write_text(html, encoding="utf-8")
            command = [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                f"--user-data-dir={Path(work) / 'profile'}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={temp}",
                page.as_uri(),
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, timeout=timeout, check=False, cwd=work
                )
            except subprocess.TimeoutExpired:
                raise AppError(
                    _(
                        "chromium did not print the PDF within %(seconds)s seconds",
                        seconds=int(timeout),
                    )
                ) from None
            with temp.open("rb") as printed:
                ok = printed.read(5) == b"%PDF-"
            if done.returncode != 0 or not ok:
                lines = done.stderr.decode(errors="replace").strip().splitlines()
                raise AppError(
                    _(
                        "chromium could not print the PDF (exit %(code)s): %(reason)s",
                        code=done.returncode,
                        reason=lines[-1][:200] if lines else "–",
                    )
                )
    except OSError as error:
        raise AppError(
            _("--out: cannot write %(path)s: %(reason)s", path=str(out), reason=error.strerror)
        ) from None


def write(html: str, out: Path, fmt: str) -> None:
    """The report in ``fmt`` (html or pdf) into ``out``."""
    if fmt == "pdf":
        write_pdf(html, out)
    else:
        write_html(html, out)
