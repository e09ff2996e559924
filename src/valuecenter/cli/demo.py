"""``valuecenter demo`` (a generated company into the database or CSV files) and
``valuecenter bootstrap`` (migrate, load the demo into an empty database, create the admin)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.message import shown as shown_in_language
from valuecenter.cli import context
from valuecenter.cli.progress import StepLines, interactive
from valuecenter.csv_export import neutralised_frame
from valuecenter.db import migrate
from valuecenter.db.parquet import check_new_folder
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.lake import write_plan_parquet
from valuecenter.demo.presets import get_preset
from valuecenter.demo.truth_models import TruthWorld
from valuecenter.errors import AppError, InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import (
    N_,
    _,
    format_date,
    format_money,
    format_number,
    format_percent,
    lazy_gettext,
    ngettext,
)
from valuecenter.users.models import Role, User
from valuecenter.users.security import new_password
from valuecenter.users.service import create_user

if TYPE_CHECKING:
    from valuecenter.demo.world import Plan
    from valuecenter.workforce.models import ForecastRun, StaffingPlan

# The generator and the importer (numpy, pandas, pyarrow) are imported when a command here
# runs, so that every other command starts fast.


class _Steps:
    """Rich progress on stderr when it is a terminal, lines with counts and elapsed time
    otherwise (``cli/progress.py``). Three bars at most, whatever the size: the plan, the
    blocks (``block k/n``), and the entity being loaded."""

    def __init__(self, progress: Progress | None, lines: StepLines | None = None) -> None:
        self.progress = progress
        self.lines = lines
        self.plan: TaskID | None = None
        self.blocks: TaskID | None = None
        self.load: TaskID | None = None
        self.label = ""

    def step(self, name: str) -> None:
        if self.progress is None:
            if self.lines is not None:
                self.lines.step(name)
            return
        self._done(self.plan)
        if not name.startswith("block "):
            self.plan = self.progress.add_task(_("generate %(what)s", what=name), total=1, rows="")
            return
        k, n = (int(part) for part in name.split()[1].split("/"))
        if self.blocks is None:
            self.blocks = self.progress.add_task(_("blocks"), total=n, rows="")
        self.progress.update(
            self.blocks,
            completed=k - 1,
            description=_("block %(k)s of %(n)s", k=k, n=n),
            rows=ngettext("%(num)s block", "%(num)s blocks", n, num=grouped(n)),
        )

    def rows(self, label: str, done: int, total: int) -> None:
        if self.progress is None:
            if self.lines is not None:
                self.lines.rows(label, done, total)
            return
        if self.load is None:
            self.load = self.progress.add_task(_("load"), total=1, rows="")
        if label != self.label:
            self.label = label
            self.progress.reset(
                self.load, total=max(total, 1), description=_("load %(what)s", what=label)
            )
            self.progress.update(
                self.load, rows=ngettext("%(num)s row", "%(num)s rows", total, num=grouped(total))
            )
        self.progress.update(self.load, completed=done)

    def _done(self, task: TaskID | None) -> None:
        if self.progress is not None and task is not None:
            total = self.progress.tasks[task].total or 1
            self.progress.update(task, total=total, completed=total)

    def finish(self) -> None:
        for task in (self.plan, self.blocks, self.load):
            self._done(task)


@contextmanager
def _steps(job: str = "demo") -> Iterator[_Steps]:
    if not interactive():
        lines = StepLines(job)
        yield _Steps(None, lines)
        lines.step(_("done"))
        return
    progress = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:>16}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        steps = _Steps(progress)
        yield steps
        steps.finish()


def _lake(out: Path | None) -> Path | None:
    """The folder of ``--out parquet:DIR`` (new or empty), None for a CSV folder or none."""
    text = str(out) if out is not None else ""
    if not text.startswith("parquet:"):
        return None
    folder = Path(text.removeprefix("parquet:"))
    if not str(folder) or folder == Path("."):
        raise InvalidInput("--out", _("use parquet:DIR"))
    check_new_folder("--out", folder)
    return folder


def _parse_start(start: str | None) -> date | None:
    if start is None:
        return None
    try:
        return date.fromisoformat(start)
    except ValueError:
        raise InvalidInput(
            "--start",
            _("'%(value)s' is not a date like %(example)s", value=start, example="2024-11-01"),
        ) from None


def _plan(
    preset: str,
    customers: int,
    seed: int,
    start: str | None,
    months: int | None,
    scenario: list[str] | None,
) -> Plan:
    from valuecenter.demo.scenarios import parse_scenarios
    from valuecenter.demo.world import default_window, plan_world

    window = default_window(_parse_start(start), months)
    return plan_world(get_preset(preset), customers, seed, window, parse_scenarios(scenario))


def _summary(plan: Plan, rows: dict[str, int], seconds: dict[str, float]) -> dict[str, object]:
    return {
        "preset": plan.preset.name,
        "customers": plan.customers,
        "seed": plan.seed,
        "scenarios": list(plan.scenarios),
        "start": plan.window.start.isoformat(),
        "end": plan.window.last_day.isoformat(),
        "rows": rows,
        "account_managers": len(plan.account_managers),
        "seconds": round(sum(seconds.values()), 2),
        "step_seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


# What one row of each import entity is, in words a user reads.
_ROW_NAMES = {
    "customers": lazy_gettext("customers"),
    "products": lazy_gettext("products"),
    "orders": lazy_gettext("order lines"),
    "contracts": lazy_gettext("contracts"),
    "agents": lazy_gettext("agents"),
    "contacts": lazy_gettext("contacts"),
    "surveys": lazy_gettext("surveys"),
    "employee_surveys": lazy_gettext("employee surveys"),
    "campaigns": lazy_gettext("campaigns"),
    "campaign_members": lazy_gettext("campaign members"),
    "consents": lazy_gettext("consent events"),
}


_LAKE_NAMES = _ROW_NAMES | {
    "orders": lazy_gettext("orders"),
    "order_lines": lazy_gettext("order lines"),
}


def _print_rows(rows: dict[str, int], verb: str, names: Mapping[str, object] = _ROW_NAMES) -> None:
    """One line per entity: "loaded      5,000 customers" (``verb`` already translated)."""
    for entity, count in rows.items():
        what = names.get(entity, entity)
        typer.echo(f"{verb} {grouped(count):>10} {what}")


IN_MEMORY_MAX = 300_000
_PRESET = typer.Option("wholesale", "--preset", help=N_("wholesale (B2B) or telecom (B2C)."))
_SCENARIO = typer.Option(
    None,
    "--scenario",
    help=N_("recession and/or peak-season (repeat the option or separate with commas)."),
)

app = typer.Typer(
    help=N_(
        "Generate a simulated company with its hidden truth (into an empty database, or "
        "--out DIR as CSV); 'stats' shows its figures next to the seeds', 'respond' re-simulates a "
        "treatment on its truth. The same seed always gives the same company."
    ),
    no_args_is_help=False,
    invoke_without_command=True,
)


@app.callback(
    help=N_(
        "Generate a deterministic simulated company (into an empty database, or --out DIR).\n"
        "\n"
        "The company is loaded through the importer in one transaction, block by block, with its\n"
        "hidden truth in the truth_* tables; the same seed always gives the same company.\n"
        "Subcommands: stats (its figures next to the seeds'), respond (re-simulate a treatment)."
    )
)
def demo(
    ctx: typer.Context,
    preset: str = _PRESET,
    customers: int = typer.Option(5000, "--customers", min=1, help=N_("Number of customers.")),
    seed: int = typer.Option(1, "--seed", min=0, help=N_("Same seed, same company.")),
    out: Path | None = typer.Option(
        None,
        "--out",
        help=N_(
            "Write <entity>.csv files (and truth/) here instead of the database; parquet:DIR "
            "writes the tables the Spark jobs read as Parquet."
        ),
    ),
    start: str | None = typer.Option(
        None, "--start", help=N_("First day of the history (default: 24 months to 2026-10-31).")
    ),
    months: int | None = typer.Option(None, "--months", help=N_("Months of history (default 24).")),
    scenario: list[str] | None = _SCENARIO,
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from valuecenter.demo import load as demo_load

    get_preset(preset)
    seconds: dict[str, float] = {}
    entity_seconds: dict[str, float] = {}
    lake = _lake(out)
    with _steps() as steps:
        if lake is not None:
            began = time.perf_counter()
            plan = _plan(preset, customers, seed, start, months, scenario)
            seconds["plan"] = time.perf_counter() - began
            began = time.perf_counter()
            rows = write_plan_parquet(plan, lake, step=steps.step)
            seconds["generate_and_write"] = time.perf_counter() - began
        elif out is not None:
            began = time.perf_counter()
            plan = _plan(preset, customers, seed, start, months, scenario)
            seconds["plan"] = time.perf_counter() - began
            began = time.perf_counter()
            files = demo_load.write_plan_csv(plan, out, step=steps.step)
            seconds["generate_and_write"] = time.perf_counter() - began
            rows = {entity: _lines(path) for entity, path in files.items()}
        else:
            factory = context.sessions()
            with factory() as probe:
                demo_load.ensure_empty(probe)
            began = time.perf_counter()
            plan = _plan(preset, customers, seed, start, months, scenario)
            seconds["plan"] = time.perf_counter() - began
            began = time.perf_counter()
            with unit_of_work(factory) as session:
                results = demo_load.load_plan(session, plan, progress=steps.rows, step=steps.step)
            seconds["generate_and_load"] = time.perf_counter() - began
            rows = {entity: r.inserted for entity, r in results.items()}
            entity_seconds = {entity: r.seconds for entity, r in results.items()}
    summary = _summary(plan, rows, seconds)
    if entity_seconds:
        summary["load_seconds"] = {k: round(v, 2) for k, v in entity_seconds.items()}
    if as_json:
        summary["out"] = str(out) if out is not None else None
        typer.echo(json.dumps(summary))
        return
    if lake is not None:
        _print_rows(rows, _("wrote"), _LAKE_NAMES)
        typer.echo(_("Parquet tables in %(dir)s", dir=lake))
    elif out is not None:
        _print_rows(rows, _("wrote"))
        typer.echo(
            _("files in %(dir)s (%(n)s CSV files, truth/ and README.txt)", dir=out, n=len(files))
        )
    else:
        _print_rows(rows, _("loaded"))
    typer.echo(
        ngettext(
            "demo company '%(preset)s', seed %(seed)s: %(num)s customer, %(start)s to %(end)s, "
            "%(seconds)s s",
            "demo company '%(preset)s', seed %(seed)s: %(num)s customers, %(start)s to %(end)s, "
            "%(seconds)s s",
            plan.customers,
            num=grouped(plan.customers),
            preset=plan.preset.name,
            seed=seed,
            start=format_date(plan.window.start),
            end=format_date(plan.window.last_day),
            seconds=format_number(float(sum(seconds.values())), decimals=1),
        )
    )


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


@app.command(
    "stats",
    help=N_(
        "The company's observable figures next to the seeds' figures.\n"
        "\n"
        "Computed from the observable tables (never the truth): of the database, or of a company\n"
        "generated in memory with --preset. Shares are fractions 0–1."
    ),
)
def stats(
    preset: str | None = typer.Option(
        None, "--preset", help=N_("Generate this preset in memory instead of reading the database.")
    ),
    customers: int = typer.Option(100_000, "--customers", min=1, help=N_("With --preset.")),
    seed: int = typer.Option(1, "--seed", min=0, help=N_("With --preset.")),
    scenario: list[str] | None = _SCENARIO,
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.demo import stats as demo_stats

    if preset is not None:
        from valuecenter.demo.scenarios import parse_scenarios
        from valuecenter.demo.world import build_world

        if customers > IN_MEMORY_MAX:
            raise InvalidInput(
                "--customers",
                _(
                    "--preset builds the company in memory, up to %(max)s customers; load a "
                    "larger one with `valuecenter demo` and run `valuecenter demo stats` on "
                    "the database",
                    max=grouped(IN_MEMORY_MAX),
                ),
            )

        with _steps() as steps:
            world = build_world(
                get_preset(preset),
                customers,
                seed,
                progress=steps.step,
                scenarios=parse_scenarios(scenario),
            )
        figures = demo_stats.world_stats(world.frames)
        figures["source"] = {
            "generated": world.preset.name,
            "seed": seed,
            "scenarios": list(world.scenarios),
        }
    else:
        with context.sessions()() as session:
            figures = demo_stats.database_stats(session)
        figures["source"] = {"database": _redacted(context.settings().database_url)}
    if as_json:
        typer.echo(json.dumps(figures))
        return
    _print_stats(figures)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# Words for the keys of ``demo stats`` and ``demo respond`` in the human output (the JSON keeps
# the keys, which scripts read).
_LABELS: dict[str, str] = {
    "customers": N_("customers"),
    "top1_share": N_("top 1% revenue share"),
    "top10_share": N_("top 10% revenue share"),
    "reasons_per_contact": N_("reasons per contact"),
    "ivr_share": N_("IVR share"),
    "response_by_channel": N_("response by channel"),
    "monday_peak_factor": N_("Monday peak factor"),
    "yearly_churn": N_("yearly churn"),
    "action": N_("action"),
    "treated": N_("treated"),
    "control": N_("control"),
    "treated_rate": N_("treated rate"),
    "control_rate": N_("control rate"),
    "true_uplift": N_("true uplift"),
    "true_uplift_treated": N_("true uplift (treated)"),
    "true_incremental_outcomes": N_("true incremental outcomes"),
    "observed_effect": N_("observed effect"),
    "covers_true_uplift": N_("interval covers true uplift"),
    "estimate": N_("estimate"),
    "std_error": N_("standard error"),
    "ci95_low": N_("95% interval low"),
    "ci95_high": N_("95% interval high"),
    "treated_mean": N_("treated mean"),
    "control_mean": N_("control mean"),
    "treated_n": N_("treated n"),
    "control_n": N_("control n"),
}


def _label(key: str) -> str:
    """The words for a figure's key in the current language; an unknown key as it is."""
    return _(_LABELS[key]) if key in _LABELS else key


def _print_stats(figures: dict[str, object]) -> None:
    seeds = figures.get("seeds")
    seed_figures = seeds if isinstance(seeds, dict) else {}
    for key, value in figures.items():
        if key in ("seeds", "source"):
            continue
        ref = seed_figures.get(key)
        note = ""
        if isinstance(ref, dict) and "value" in ref and ref["value"] is not None:
            note = "   " + _("(seeds: %(value)s)", value=_figure(ref["value"]))
        elif isinstance(ref, dict) and "low" in ref:
            shown = f"{_figure(ref['low'])}–{_figure(ref['high'])}"
            note = "   " + _("(seeds: %(value)s)", value=shown)
        typer.echo(f"{_label(key):<26} {_figure(value)}{note}")
    source = _("source")
    typer.echo(f"{source:<26} {json.dumps(figures.get('source'))}")


def _figure(value: object) -> str:
    """A figure of ``demo stats`` in the locale: 5,000 / 5.000 and 0.123 / 0,123; a list or a
    mapping item by item; anything else as JSON."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return grouped(value)
    if isinstance(value, float):
        return format_number(round(value, 4))
    if isinstance(value, list):
        return "[" + ", ".join(_figure(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_label(str(k))}: {_figure(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@app.command(
    "respond",
    help=N_(
        "Re-simulate a treatment on the simulated company in the database, on its truth.\n"
        "\n"
        "Every listed customer gets his outcome from his true probabilities (truth_responses);\n"
        "the summary shows the observed effect with its 95% interval next to the true uplift."
    ),
)
def respond(
    action: str = typer.Option(
        ...,
        "--action",
        help=N_("renewal-offer, retention-offer, cross-sell, direct-mail, sms, email or phone."),
    ),
    file: Path | None = typer.Option(
        None, "--file", help=N_("CSV with customer_id and treated (true/false) columns.")
    ),
    random_share: float | None = typer.Option(
        None,
        "--random",
        min=0.0,
        max=1.0,
        help=N_(
            "Instead of --file: a random experiment, this share treated, over every customer "
            "with truth for the action."
        ),
    ),
    seed: int = typer.Option(1, "--seed", min=0, help=N_("Seed of the --random assignment.")),
    out: Path | None = typer.Option(None, "--out", help=N_("Write each customer's outcome here.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.demo import truth as demo_truth
    from valuecenter.demo.treatments import ACTIONS

    if action not in ACTIONS:
        raise InvalidInput(
            "--action",
            _(
                "'%(value)s' is not an action; use one of %(choices)s",
                value=action,
                choices=", ".join(ACTIONS),
            ),
        )
    if (file is None) == (random_share is None):
        raise InvalidInput("--file", _("give either --file or --random SHARE"))
    with context.sessions()() as session:
        truth = demo_truth.responses(session, action)
    if file is not None:
        ids, treated = demo_truth.read_assignment(file)
    else:
        ids, treated = demo_truth.random_assignment(truth, float(random_share or 0.0), seed)
    result = demo_truth.experiment(truth, action, ids, treated)
    if out is not None:
        neutralised_frame(result.outcome.frame).to_csv(out, index=False)
    summary = result.as_json()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    for key, value in summary.items():
        typer.echo(f"{_label(key):<30} {_figure(value)}")


@app.command(
    "savedesk",
    help=N_(
        "Simulate months of the save desk on the demo world, through the product's own desk.\n"
        "\n"
        "Cancel callers and their answers come from the world's truth (action retention-offer);\n"
        "the desk draws the arms and suggests the offers; the cases are closed and committed.\n"
        "Prints each month's ledger estimate next to the true incremental saves and value.\n"
        "Needs a loaded demo company, a score run and no save cases yet."
    ),
)
def savedesk(
    months: int = typer.Option(12, "--months", min=1, help=N_("Months of the desk to simulate.")),
    control_share: float = typer.Option(
        0.1, "--control-share", help=N_("Share of cases drawn into the control group, [0, 1).")
    ),
    seed: int = typer.Option(1, "--seed", min=0, help=N_("Same seed, same months.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.demo import savedesk as sim

    with unit_of_work(context.sessions()) as session:
        with _steps() as steps:
            plan = steps.progress
            task = plan.add_task(_("simulate months"), total=months, rows="") if plan else None

            def advance(done: int, total: int) -> None:
                if plan is not None and task is not None:
                    plan.update(
                        task,
                        completed=done,
                        rows=_("%(done)s/%(total)s months", done=done, total=total),
                    )
                elif steps.lines is not None:
                    steps.lines.step(
                        _("month %(done)s of %(total)s simulated", done=done, total=total)
                    )

            run = sim.simulate_savedesk(
                session, months, control_share=control_share, seed=seed, progress=advance
            )
        checks = sim.compare(session, run)
    summary = {
        "months": [c.as_json() for c in checks],
        "coverage": sim.coverage(checks),
        "control_share": run.control_share,
        "seed": run.seed,
        "pool": run.pool,
        "retention_agents": run.agents,
        "offers": run.offers,
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    month, cases, desk, ctrl = _("month"), _("cases"), _("desk"), _("ctrl")
    saves, value_eur = _("true saves"), _("true value €")
    ci = _("ledger incremental saves [95% CI]")
    typer.echo(
        f"{month:<8} {cases:>5} {desk:>5} {ctrl:>5} {saves:>10} {value_eur:>11}  {ci:<36} "
        + _("covered")
    )
    yes, no = _("yes"), _("no")
    for c in checks:
        m, inc = c.month, c.row.incremental_saves
        shown = (
            f"{_signed(inc.estimate, 1)} [{_signed(inc.low, 1)}, {_signed(inc.high, 1)}]"
            if inc.estimate is not None and inc.low is not None and inc.high is not None
            else f"{shown_in_language(inc.reason)}"
        )
        value = _signed(m.true_incremental_value_cents / 100, 0)
        typer.echo(
            f"{m.month:<8} {m.cases:>5} {m.desk:>5} {m.control:>5} "
            f"{_signed(m.true_incremental_saves, 2):>10} {value:>11}  "
            f"{shown:<36} {yes if c.saves_covered else no}"
        )
    cover = sim.coverage(checks)
    typer.echo(
        _(
            "the 95%% interval covered the true incremental saves in %(saves)s and the true "
            "incremental value in %(value)s of %(months)s months (%(interval)s months had an "
            "interval); see `valuecenter retention ledger`",
            saves=cover["saves_covered"],
            value=cover["value_covered"],
            months=cover["months"],
            interval=cover["with_interval"],
        )
    )


def _signed(value: float, decimals: int) -> str:
    """A signed figure in the locale: +1.5 / -0.3 (nl +1,5 / -0,3)."""
    return ("+" if value >= 0 else "-") + format_number(abs(value), decimals=decimals)


@app.command(
    "nba",
    help=N_(
        "Simulate months of next-best-action decisions on the demo world, through the product's\n"
        "own engine: every agent contact is decided at its moment, its answer comes from the\n"
        "world's truth, and the propensity models are trained on the log afterwards."
    ),
)
def nba_history(
    months: int = typer.Option(6, "--months", min=1, help=N_("Months of decisions to simulate.")),
    until: str | None = typer.Option(
        None, "--until", help=N_("The day the history ends (default: the world's end).")
    ),
    explore: float = typer.Option(
        0.5, "--explore", help=N_("Share of decisions that show a random offer (the pilot), ≤ 0.5.")
    ),
    catalogue: bool = typer.Option(
        True, "--catalogue/--no-catalogue", help=N_("Import the demo's catalogue first.")
    ),
    train: bool = typer.Option(True, "--train/--no-train", help=N_("Train the models afterwards.")),
    seed: int = typer.Option(1, "--seed", min=0, help=N_("Same seed, same months.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.demo import nba
    from valuecenter.demo.offers_truth import load_demo_catalogue
    from valuecenter.offers import catalogue as offers_catalogue
    from valuecenter.offers.training import train as run_train

    ends = None
    if until is not None:
        day = date.fromisoformat(until) if _is_day(until) else None
        if day is None:
            raise InvalidInput(
                "--until",
                _("'%(value)s' is not a date like %(example)s", value=until, example="2026-10-01"),
            )
        ends = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    out: dict[str, object] = {}
    with _steps() as steps, unit_of_work(context.sessions()) as session:
        if catalogue:
            preset, _customers, _products = nba.truth_frames(session)
            steps.step(_("catalogue"))
            document = load_demo_catalogue(preset)
            out["catalogue"] = offers_catalogue.import_catalogue(session, document).as_json()
        steps.step(_("decisions"))
        history = nba.simulate(
            session,
            months=months,
            ends=ends,
            explore=explore,
            seed=seed,
            zone=context.settings().display_zone,
            progress=lambda text: steps.step(text),
        )
        out["history"] = history.as_json()
        if train:
            steps.step(_("training"))
            out["training"] = run_train(
                session, until=history.ends, progress=lambda text: steps.step(text)
            ).as_json()
    if as_json:
        typer.echo(json.dumps(out, default=str))
        return
    typer.echo(
        _(
            "%(decisions)s decisions from %(start)s to %(end)s (%(explored)s explored, "
            "%(control)s in the control group); %(answered)s answers, %(accepted)s accepted, "
            "%(orders)s orders",
            decisions=grouped(history.decisions),
            start=format_date(history.starts),
            end=format_date(history.ends),
            explored=grouped(history.explored),
            control=grouped(history.control),
            answered=grouped(history.answered),
            accepted=grouped(history.accepted),
            orders=grouped(history.orders),
        )
    )
    training = out.get("training")
    if isinstance(training, dict):
        typer.echo(
            _(
                "propensity models %(version)s trained on %(n)s answers; see "
                "`valuecenter offers decide --customer ID`",
                version=training["version"],
                n=grouped(training["responses"]),
            )
        )


@app.command(
    "nba-compare",
    help=N_(
        "Score the engine's offers on the world's truth: decide every agent contact of the span\n"
        "(no exploration, no control group) and put their true incremental value beside offering\n"
        "everyone the best-selling product, the best single offer and the oracle. Writes nothing."
    ),
)
def nba_compare(
    since: str = typer.Option(..., "--since", help=N_("First day of the contacts to decide.")),
    until: str = typer.Option(..., "--until", help=N_("Day after the last one.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.demo import nba

    days = []
    for option, value in (("--since", since), ("--until", until)):
        if not _is_day(value):
            raise InvalidInput(
                option,
                _("'%(value)s' is not a date like %(example)s", value=value, example="2026-10-01"),
            )
        days.append(datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC))
    with _steps() as steps, context.sessions()() as session:
        steps.step(_("comparison"))
        result = nba.compare(
            session,
            starts=days[0],
            ends=days[1],
            zone=context.settings().display_zone,
            progress=lambda text: steps.step(text),
        )
        session.rollback()
    if as_json:
        typer.echo(json.dumps(result.as_json()))
        return
    values = result.as_json()["true_value_euro"]
    assert isinstance(values, dict)
    typer.echo(
        _(
            "%(n)s contacts from %(since)s to %(until)s; true incremental value:",
            n=grouped(result.contacts),
            since=format_date(days[0]),
            until=format_date(days[1]),
        )
    )
    for label, euro in values.items():
        typer.echo(f"  {label:<44} {format_money(round(euro * 100)):>14}")
    ratio = "∞" if result.ratio == float("inf") else format_number(result.ratio, decimals=2)
    typer.echo(
        _(
            "the engine ÷ the best seller (%(seller)s) to everyone: %(ratio)s",
            seller=result.best_seller,
            ratio=ratio,
        )
    )


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


BACKFILL_MONTHS = 6  # the demo's alert history, so alert precision has something to show
NBA_MONTHS = 4  # next-best-action decisions the models learn from
DESK_MONTHS = 6  # the save desk's history, so the ledger has months to show
OPEN_DAYS = 14  # cancel contacts of the last days open the desk's current cases


def _bootstrap_desk(session: Session, seed: int) -> str:
    """Six months of the save desk on the demo world (the ledger's history), then a case for
    every cancel contact of the world's last two weeks (the desk's open cases)."""

    from valuecenter.demo.savedesk import simulate_savedesk
    from valuecenter.retention.desk.service import open_from_contacts

    share = context.settings().save_control_share
    try:
        with session.begin_nested():
            run = simulate_savedesk(session, DESK_MONTHS, control_share=share, seed=seed)
            end = session.scalar(select(func.max(TruthWorld.ends)))
            assert end is not None  # simulate_savedesk needs the world
            until = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
            opened = open_from_contacts(session, until - timedelta(days=OPEN_DAYS), until, share)
    except AppError as exc:
        return _("save desk not simulated: %(reason)s", reason=exc)
    cases = sum(m.cases for m in run.months)
    still_open = opened.get("opened", 0)
    return ngettext(
        "save desk: %(months)s months simulated (%(cases)s closed cases, %(share)s standard "
        "handling as the control group), %(num)s case open from the last two weeks' cancel "
        "calls; see /retention/desk and /retention/ledger",
        "save desk: %(months)s months simulated (%(cases)s closed cases, %(share)s standard "
        "handling as the control group), %(num)s cases open from the last two weeks' cancel "
        "calls; see /retention/desk and /retention/ledger",
        still_open,
        num=grouped(still_open),
        months=DESK_MONTHS,
        cases=grouped(cases),
        share=format_percent(share),
    )


def _bootstrap_nba(session: Session, seed: int) -> str:
    """The demo's action catalogue, months of decisions through the engine (a pilot with
    exploration), the propensity models trained on them, and fresh feature rows."""
    from valuecenter.demo import nba
    from valuecenter.demo.offers_truth import load_demo_catalogue
    from valuecenter.offers.catalogue import import_catalogue
    from valuecenter.offers.features import refresh_features
    from valuecenter.offers.training import train

    try:
        with session.begin_nested():
            preset, _customers, _products = nba.truth_frames(session)
            import_catalogue(session, load_demo_catalogue(preset))
            history = nba.simulate(
                session, months=NBA_MONTHS, seed=seed, zone=context.settings().display_zone
            )
            models = train(session, until=history.ends)
            refresh_features(session, as_of=history.ends)
    except AppError as exc:
        return _("next best action not set up: %(reason)s", reason=exc)
    return _(
        "next best action: %(decisions)s decisions over %(months)s months, %(accepted)s offers "
        "accepted; models %(version)s; see a customer's page and /offers",
        decisions=grouped(history.decisions),
        months=NBA_MONTHS,
        accepted=grouped(history.accepted),
        version=models.version,
    )


def _bootstrap_staffing(session: Session) -> str:
    """A forecast of the busiest real-time queue for the history's last week, made from the
    weeks before it (so /staffing reads it against what came), its staffing plan and a roster
    to hold against it."""
    from valuecenter.workforce import service as workforce
    from valuecenter.workforce.volume import busiest, last_contact

    queue = busiest(session, [q.code for q in workforce.realtime_queues(session)])
    last = last_contact(session)
    if queue is None or last is None:
        return _("staffing not planned: no contacts of a real-time queue")
    as_of = datetime.combine(last.date() - timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    try:
        with session.begin_nested():
            # The demo company's queues take a handful of contacts a day: there the median
            # profiles `auto` prefers by MASE forecast most half hours at 0, and Erlang needs the
            # expected rate (docs/staffing.md, "Small queues").
            run = workforce.run_forecast(
                session, queue_code=queue, freq="30min", days=7, as_of=as_of, model="profile_mean"
            )
            plan = workforce.make_plan(session, run)
            _bootstrap_roster(session, run, plan)
    except AppError as exc:
        return _("staffing not planned: %(reason)s", reason=exc)
    return _(
        "staffing: forecast of queue %(queue)s for the history's last week (run %(run)s, model "
        "%(model)s) and its staffing plan; see /staffing",
        queue=queue,
        run=run.id,
        model=run.model,
    )


def _bootstrap_books(session: Session) -> str:
    """The demo company's entered costs per month and its last year's budget (demo/finance.py)."""
    from valuecenter.demo.finance import load_demo_books

    costs, planned = load_demo_books(session)
    return _(
        "service P&L: %(costs)s cost entries (overhead, IT and telephony, training) and "
        "%(budget)s budget lines; see /pnl",
        costs=grouped(costs),
        budget=grouped(planned),
    )


def _bootstrap_roster(session: Session, run: ForecastRun, plan: StaffingPlan) -> None:
    """Two shifts and a week's roster of the agents who can take the queue's channel."""
    from zoneinfo import ZoneInfo

    from valuecenter.agents.models import Agent
    from valuecenter.demo.roster import SHIFTS, roster_frame
    from valuecenter.workforce import roster
    from valuecenter.workforce.models import AgentSkill
    from valuecenter.workforce.service import plan_intervals, queue_of

    channel = queue_of(session, run.queue).channel
    agents = list(
        session.scalars(
            select(Agent.external_id)
            .join(AgentSkill, AgentSkill.agent_id == Agent.id)
            .where(AgentSkill.skill == channel, Agent.leave_date.is_(None))
            .order_by(Agent.external_id)
        )
    )
    zone = ZoneInfo(run.timezone)
    days = sorted({r.starts_at.astimezone(zone).date() for r in plan_intervals(session, plan)})
    if not agents or not days:
        return
    for code, name, start, minutes in SHIFTS:
        roster.save_shift(session, code=code, name=name, start=start, minutes=minutes)
    roster.import_roster(session, roster_frame(agents, days), timezone=run.timezone)


def _bootstrap_renewals(session: Session) -> str:
    """The renewal discount in the catalogue and the renewal list of the next 90 days."""
    from valuecenter.demo.savedesk import RENEWAL_OFFER
    from valuecenter.retention.offers import upsert_offer
    from valuecenter.retention.renewals.service import run_renewals

    # The renewal discount belongs in the catalogue even when its campaigns cannot teach the
    # list yet: the renewal page then names exactly what is missing (retention/renewals/service.py).
    upsert_offer(session, RENEWAL_OFFER)
    try:
        with session.begin_nested():
            run = run_renewals(session)
    except AppError as exc:
        return _("renewal list not made: %(reason)s", reason=exc)
    return _(
        "renewal list: %(n)s contracts end in the next %(days)s days, %(listed)s worth a call; "
        "see /retention/renewals",
        n=grouped(run.candidates),
        days=run.horizon_days,
        listed=grouped(run.listed),
    )


BOOTSTRAP_HELP = N_(
    "Make the database ready: migrate, load the demo when empty, create the admin user.\n"
    "\n"
    "The demo company is loaded only when the database has no customers; the ``admin`` user\n"
    "is created (its password shown once) only when there is no admin. Safe to run again."
)
"""The help of the command (--help)."""


def bootstrap(
    preset: str = typer.Option(
        "wholesale", "--preset", help=N_("wholesale (B2B) or telecom (B2C).")
    ),
    customers: int = typer.Option(5000, "--customers", min=1, help=N_("Number of demo customers.")),
    seed: int = typer.Option(1, "--seed", min=0),
) -> None:
    from valuecenter.demo import load as demo_load

    get_preset(preset)
    migrate.upgrade(context.settings().database_url)
    factory = context.sessions()
    with factory() as probe:
        has_customers = demo_load.customer_count(probe) > 0
        has_admin = probe.scalar(
            select(User.username).where(User.role == Role.ADMIN).order_by(User.id).limit(1)
        )
    if has_customers and has_admin is not None:
        typer.echo(_("database is ready (schema current, customers and an admin present)"))
        typer.echo(
            _(
                "lost the password of %(user)s? set a new one (shown once) with "
                "`valuecenter users password %(user)s`",
                user=has_admin,
            )
        )
        return
    from valuecenter.alerts.risk_source import FEATURE_SOURCES
    from valuecenter.alerts.service import backfill
    from valuecenter.value.segments import load_segmentation
    from valuecenter.value.service import run_score

    password: str | None = None
    run_id: str | None = None
    alerts_run: tuple[int, int, int] | None = None
    retention: list[str] = []
    logins: list[str] = []
    rows: dict[str, int] = {}
    with _steps("bootstrap") as steps:
        plan = None if has_customers else _plan(preset, customers, seed, None, None, None)
        with unit_of_work(factory) as session:
            if plan is not None:
                results = demo_load.load_plan(session, plan, progress=steps.rows, step=steps.step)
                rows = {entity: r.inserted for entity, r in results.items()}
                logins = demo_load.account_manager_logins(session)
                steps.step(_("score run"))
                run_id = run_score(
                    session,
                    load_segmentation(context.settings().segments_file),
                    risk_sources=FEATURE_SOURCES,
                ).run_id
                steps.step(_("alert run"))
                lines = steps.lines.step if steps.lines is not None else None
                replayed = backfill(session, BACKFILL_MONTHS, progress=lines)
                alerts_run = (
                    len(replayed),
                    sum(r.raised for r in replayed),
                    sum(r.market_dips for r in replayed),
                )
                steps.step(_("save desk"))
                retention = [_bootstrap_desk(session, seed)]
                steps.step(_("renewal list"))
                retention.append(_bootstrap_renewals(session))
                steps.step(_("next best action"))
                retention.append(_bootstrap_nba(session, seed))
                steps.step(_("staffing plan"))
                retention.append(_bootstrap_staffing(session))
                steps.step(_("service P&L"))
                retention.append(_bootstrap_books(session))
            if has_admin is None:
                password = new_password()
                create_user(
                    session,
                    username="admin",
                    password=password,
                    role=Role.ADMIN,
                    full_name="Administrator",
                )
    if plan is not None:
        _print_rows(rows, _("loaded"))
        typer.echo(
            _(
                "demo company '%(preset)s' (seed %(seed)s) loaded; %(n)s account-manager logins "
                "(am-…) without a password: set one with `valuecenter users password am-…`",
                preset=plan.preset.name,
                seed=seed,
                n=len(logins),
            )
        )
    if run_id is not None:
        typer.echo(_("scored every customer (score run %(run)s); see /value", run=run_id))
    if alerts_run is not None:
        typer.echo(
            _(
                "%(runs)s alert runs over the last %(months)s months: %(raised)s alerts raised, "
                "market dips seen %(dips)s times; see /alerts",
                runs=alerts_run[0],
                months=BACKFILL_MONTHS,
                raised=grouped(alerts_run[1]),
                dips=alerts_run[2],
            )
        )
    for line in retention:
        typer.echo(line)
    if password is not None:
        typer.echo(_("created user %(name)s (%(role)s)", name="admin", role="admin"))
        typer.echo(_("password (shown once): %(password)s", password=password))
    typer.echo(_("database is ready"))
