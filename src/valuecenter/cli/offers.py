"""``valuecenter offers``: the next-best-action catalogue, its feature rows, its models and a
decision from the command line.

- ``import FILE``: a catalogue (actions, levers, contact policy, settings) from YAML, all or
  nothing (``docs/offers.md`` has the format);
- ``list``: the actions with their rule in words;
- ``features``: recompute every customer's feature row (the real-time path's one lookup);
- ``train``: the propensity models from the decision log;
- ``decide``: what the engine would show a customer now, with every reason and suppression.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.cli.score_spark import ENGINE_OPTION, MASTER_OPTION, SOURCE_OPTION
from valuecenter.db.uow import unit_of_work
from valuecenter.decisions.facts import MAX_WAIT_MINUTES
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_datetime, format_number

if TYPE_CHECKING:
    from valuecenter.analytics.ledger import Incremental

app = typer.Typer(
    help=N_("Next best action: the catalogue, feature rows, models and decisions."),
    no_args_is_help=True,
)


def _moment(option: str, value: str | None) -> datetime | None:
    day = parse_day(option, value)
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


@app.command(
    "import", help=N_("Check every entry of the file, then write them all (upsert by code).")
)
def import_catalogue(
    file: Path = typer.Argument(..., help=N_("A catalogue YAML file.")),
    prune: bool = typer.Option(
        False,
        "--prune",
        help=N_("Deactivate actions and delete levers/policy rules not in the file."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.offers import catalogue

    document = catalogue.read_catalogue_file(file)
    with unit_of_work(context.sessions()) as session:
        summary = catalogue.import_catalogue(session, document, prune=prune)
    if as_json:
        typer.echo(json.dumps(summary.as_json()))
        return
    c, u = summary.created, summary.updated
    typer.echo(
        _(
            "catalogue version %(version)s: actions %(actions_new)s new, %(actions_updated)s "
            "updated; levers %(levers_new)s new, %(levers_updated)s updated; contact policy "
            "%(policy_new)s new, %(policy_updated)s updated",
            version=summary.version,
            actions_new=c["actions"],
            actions_updated=u["actions"],
            levers_new=c["levers"],
            levers_updated=u["levers"],
            policy_new=c["policy"],
            policy_updated=u["policy"],
        )
        + (_("; %(n)s actions deactivated", n=summary.deactivated) if summary.deactivated else "")
        + (_("; settings changed") if summary.settings else "")
    )
    for note in summary.notes:
        typer.echo(_("note: %(note)s", note=note))


@app.command(
    "list",
    help=N_("The catalogue's actions, by code, with value, cost, channels and rule in words."),
)
def list_actions(
    all_actions: bool = typer.Option(False, "--all", help=N_("Include inactive actions.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from sqlalchemy import select

    from valuecenter.decisions.rules import describe
    from valuecenter.formatting import money_exact
    from valuecenter.offers.models import Action

    with context.sessions()() as session:
        stmt = select(Action).order_by(Action.code)
        if not all_actions:
            stmt = stmt.where(Action.active.is_(True))
        rows: list[dict[str, Any]] = [
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind.value,
                "value_cents": a.value_cents,
                "cost_cents": a.cost_cents,
                "channels": a.channels,
                "valid_from": None if a.valid_from is None else a.valid_from.isoformat(),
                "valid_until": None if a.valid_until is None else a.valid_until.isoformat(),
                "prior_accept": a.prior_accept,
                "rule": describe(a.rule),
                "active": a.active,
            }
            for a in session.scalars(stmt)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo(_("the catalogue is empty; import one with `valuecenter offers import FILE`"))
    for r in rows:
        state = "" if r["active"] else "  " + _("(inactive)")
        typer.echo(
            f"{r['code']:<24} {r['kind']:<9} "
            + _(
                "value %(value)s cost %(cost)s",
                value=f"{money_exact(r['value_cents']):>10}",
                cost=f"{money_exact(r['cost_cents']):>9}",
            )
            + f"  {r['name']}{state}\n{'':<24} "
            + _(
                "channels %(channels)s; eligible: %(rule)s",
                channels=", ".join(r["channels"]) or _("all"),
                rule=r["rule"],
            )
        )


@app.command(
    "features", help=N_("Recompute every customer's feature row from what happened before --as-of.")
)
def features(
    as_of: str | None = typer.Option(None, "--as-of", help=N_("Day (UTC midnight); default now.")),
    engine: str = ENGINE_OPTION,
    master: str | None = MASTER_OPTION,
    source: str | None = SOURCE_OPTION,
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.cli.demo import _steps
    from valuecenter.cli.score_spark import check_engine
    from valuecenter.offers.features import refresh_features

    check_engine(engine, {"--master": master, "--source": source})
    moment = _moment("--as-of", as_of)
    with _steps("offers") as steps, ExitStack() as stack:
        read = None
        if engine == "spark":
            from valuecenter.cli.score_spark import check_known_customers, spark_for
            from valuecenter.spark.score import countries
            from valuecenter.spark.statements import spark_rows

            spark = stack.enter_context(
                spark_for(master, source or "db", "valuecenter-offers", steps.step)
            )
            check_known_customers(countries(spark)[0], "offers")
            read = spark_rows(spark)
        session = stack.enter_context(unit_of_work(context.sessions()))
        steps.step(_("feature rows"))
        result = refresh_features(
            session, as_of=moment, progress=lambda text: steps.step(text), read=read
        )
    out = {
        "as_of": result.as_of.isoformat(),
        "customers": result.customers,
        "categories": result.categories,
        "products_tracked": result.products_tracked,
        "seconds": result.seconds,
    }
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(
        _(
            "feature rows of %(customers)s customers as of %(at)s UTC (%(categories)s category "
            "shares, %(products)s products tracked) in %(seconds)s s",
            customers=grouped(result.customers),
            at=format_datetime(result.as_of, fmt="short"),
            categories=len(result.categories),
            products=grouped(result.products_tracked),
            seconds=format_number(result.seconds, decimals=1),
        )
    )


@app.command(
    "train",
    help=N_("Train the propensity models from the decision log; the new ones serve at once."),
)
def train(
    learner: str = typer.Option(
        "auto", "--learner", help=N_("auto, gbm or logistic (accept models).")
    ),
    organic_learner: str = typer.Option(
        "logistic", "--organic-learner", help=N_("auto, gbm or logistic (organic purchase models).")
    ),
    until: str | None = typer.Option(
        None, "--until", help=N_("Learn from decisions before this day.")
    ),
    seed: int = typer.Option(0, "--seed", min=0),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.cli.demo import _steps
    from valuecenter.errors import InvalidInput
    from valuecenter.offers.training import train as run_train

    kinds = ("auto", "gbm", "logistic")
    for option, value in (("--learner", learner), ("--organic-learner", organic_learner)):
        if value not in kinds:
            raise InvalidInput(
                option,
                _("'%(value)s' is not one of %(choices)s", value=value, choices=", ".join(kinds)),
            )
    with _steps("offers") as steps, unit_of_work(context.sessions()) as session:
        steps.step(_("training"))
        result = run_train(
            session,
            kind=learner,  # type: ignore[arg-type]
            organic_kind=organic_learner,  # type: ignore[arg-type]
            until=_moment("--until", until),
            seed=seed,
            progress=lambda text: steps.step(text),
        )
    if as_json:
        typer.echo(json.dumps(result.as_json()))
        return
    typer.echo(
        _(
            "propensity models %(version)s: %(decisions)s decisions, %(answers)s answers, "
            "%(inputs)s inputs, %(seconds)s s",
            version=result.version,
            decisions=grouped(result.decisions),
            answers=grouped(result.responses),
            inputs=result.features,
            seconds=format_number(result.seconds, decimals=1),
        )
    )
    for code, entry in result.actions.items():
        accept = entry.get("accept") or {}
        organic = entry.get("organic") or {}
        check = accept.get("out_of_time") or {}
        auc = (
            _("out-of-time AUC %(auc)s", auc=format_number(check["auc"], decimals=2))
            if check.get("auc") is not None
            else _("no check")
        )
        typer.echo(
            f"  {code:<24} "
            + _(
                "accept: %(kind)s serves %(serves)s %(answers)s answers  %(auc)s",
                kind=f"{accept.get('kind', '–'):<8}",
                serves=f"{accept.get('serves', 'own'):<6}",
                answers=f"{grouped(accept.get('rows', 0)):>6}",
                auc=auc,
            )
            + (
                _(
                    "; organic: %(kind)s serves %(serves)s (%(bought)s bought of %(rows)s)",
                    kind=organic.get("kind"),
                    serves=organic.get("serves"),
                    bought=grouped(organic.get("positives", 0)),
                    rows=grouped(organic.get("rows", 0)),
                )
                if organic
                else ""
            )
        )


@app.command(
    "decide", help=N_("What the engine shows this customer now, and why; the decision is logged.")
)
def decide(
    customer: str = typer.Option(
        ..., "--customer", help=N_("The customer number (C0003720) or the id the API gives.")
    ),
    channel: str = typer.Option("phone", "--channel"),
    intent: str | None = typer.Option(None, "--intent"),
    outbound: bool = typer.Option(False, "--outbound", help=N_("An outbound contact.")),
    wait_minutes: int = typer.Option(
        0, "--wait", min=0, max=MAX_WAIT_MINUTES, help=N_("Minutes the customer waited.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.customers.reference import customer_id_of
    from valuecenter.formatting import money_exact
    from valuecenter.offers import decisions
    from valuecenter.offers.engine import load_engine

    settings = context.settings()
    with unit_of_work(context.sessions()) as session:
        out = decisions.decide(
            session,
            load_engine(session),
            decisions.Request(
                customer_id=customer_id_of(session, customer, field="--customer"),
                channel=channel,
                intent=intent,
                direction="outbound" if outbound else "inbound",
                wait_seconds=wait_minutes * 60,
            ),
            viewer=None,
            zone=settings.display_zone,
            source="cli",
            explain_all=True,
        )
    if as_json:
        typer.echo(out.model_dump_json())
        return
    typer.echo(
        _(
            "decision %(decision)s for customer %(customer)s (%(arm)s%(explored)s; models "
            "%(models)s; catalogue v%(catalogue)s)",
            decision=out.decision_id,
            customer=out.customer_id,
            arm=out.arm,
            explored=_(", explored") if out.explored else "",
            models=out.model_version or _("none: catalogue priors"),
            catalogue=out.catalogue_version,
        )
    )
    if out.service_first:
        typer.echo(_("service first: %(what)s", what=out.service_first))
    if not out.actions:
        typer.echo(_("nothing to show"))
    for a in out.actions:
        expected = _("expected %(money)s", money=money_exact(a.score * 100))
        typer.echo(f"{a.rank}. {a.name} [{a.kind}] {expected}")
        for reason in a.reasons:
            typer.echo(f"     - {reason}")
    for s in out.suppressed:
        held = _("held back %(code)s", code=s.code)
        typer.echo(f"   {held}: {s.rule} — {s.detail}")


def _lift(figure: Incremental, money: bool) -> str:
    """An incremental figure with its 95% interval, or "(no interval)"."""
    from valuecenter.formatting import money_short

    def show(x: float) -> str:
        if money:
            return ("+" if x >= 0 else "-") + money_short(abs(x))
        return ("+" if x >= 0 else "-") + format_number(abs(x), decimals=1)

    if figure.estimate is None:
        return _("no control customers")
    if figure.low is None or figure.high is None:
        return _("%(estimate)s (no interval)", estimate=show(figure.estimate))
    return f"{show(figure.estimate)} [{show(figure.low)}, {show(figure.high)}]"


LIFT_COLUMNS = (
    "",
    N_("treated"),
    N_("control"),
    N_("shown"),
    N_("sales (engine's arm)"),
    N_("incremental sales"),
    N_("detectable from"),
    N_("incremental purchases"),
)


@app.command(
    "lift-ledger",
    help=N_(
        "The engine's sales lift against its control group, per offer and month.\n"
        "\n"
        "For each offer and month: the customers it could have been shown to, in the engine's\n"
        "arm and in the month's control group; the sales and purchases of the offered product,\n"
        "incremental, with 95% intervals where they are credible, and the smallest incremental\n"
        "sales the control group could detect."
    ),
)
def lift_ledger_command(
    since: str | None = typer.Option(
        None, "--since", help=N_("Decisions made on or after this day.")
    ),
    until: str | None = typer.Option(None, "--until", help=N_("Decisions made before this day.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from rich.console import Console
    from rich.table import Table

    from valuecenter.analytics.message import shown
    from valuecenter.formatting import money_short
    from valuecenter.offers.lift_ledger import lift_ledger

    first, last = parse_day("--since", since), parse_day("--until", until)
    with context.sessions()() as session:
        ledger = lift_ledger(session, first, last)
    if as_json:
        typer.echo(json.dumps(ledger.as_json()))
        return
    table = Table(title=_("Next-best-action lift ledger (95%% intervals)"))
    for column in LIFT_COLUMNS:
        table.add_column(_(column) if column else "", justify="right" if column else "left")
    notes: list[str] = []
    for row in [*ledger.rows, *ledger.months, ledger.total]:
        key = _("total") if row is ledger.total else row.key
        table.add_row(
            key,
            grouped(row.sales.treated),
            grouped(row.sales.control),
            grouped(row.shown),
            money_short(row.sales_treated_cents),
            _lift(row.sales.incremental, money=True),
            "–" if row.sales.mde is None else money_short(row.sales.mde),
            _lift(row.purchases.incremental, money=False),
        )
        if row.action_code is None and row.sales.incremental.reason:
            notes.append(f"{key}: {shown(row.sales.incremental.reason)}")
    Console(width=200).print(table)
    for note in notes:
        typer.echo(note)
    months = [r.month for r in ledger.months if r.month]
    typer.echo(
        _(
            "Each offer's customers in a month: those it could have been shown to, in the "
            "engine's arm (treated) and in the month's control group (experiments %(keys)s); "
            'control share %(share)s of them (setting %(setting)s). "Detectable from": the '
            "smallest incremental sales a 5%% test would find with 80%% power.",
            keys=", ".join(f"nba-control:{m}" for m in months) or _("none"),
            share="–"
            if ledger.total.control_share is None
            else format_number(ledger.total.control_share, decimals=3),
            setting="–"
            if ledger.control_share_setting is None
            else format_number(ledger.control_share_setting),
        )
    )
    if ledger.total.maturing:
        typer.echo(_("Some windows are still open: the latest figures will still grow."))
