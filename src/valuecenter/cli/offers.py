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
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.offers.facts import MAX_WAIT_MINUTES

app = typer.Typer(
    help="Next best action: the catalogue, feature rows, models and decisions.",
    no_args_is_help=True,
)


def _moment(option: str, value: str | None) -> datetime | None:
    day = parse_day(option, value)
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


@app.command("import")
def import_catalogue(
    file: Path = typer.Argument(..., help="A catalogue YAML file."),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate actions and delete levers/policy rules not in the file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check every entry of the file, then write them all (upsert by code)."""
    from valuecenter.offers import catalogue

    document = catalogue.read_catalogue_file(file)
    with unit_of_work(context.sessions()) as session:
        summary = catalogue.import_catalogue(session, document, prune=prune)
    if as_json:
        typer.echo(json.dumps(summary.as_json()))
        return
    c, u = summary.created, summary.updated
    typer.echo(
        f"catalogue version {summary.version}: actions {c['actions']} new, {u['actions']} "
        f"updated; levers {c['levers']} new, {u['levers']} updated; contact policy "
        f"{c['policy']} new, {u['policy']} updated"
        + (f"; {summary.deactivated} actions deactivated" if summary.deactivated else "")
        + ("; settings changed" if summary.settings else "")
    )
    for note in summary.notes:
        typer.echo(f"note: {note}")


@app.command("list")
def list_actions(
    all_actions: bool = typer.Option(False, "--all", help="Include inactive actions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The catalogue's actions, by code, with value, cost, channels and rule in words."""
    from sqlalchemy import select

    from valuecenter.formatting import money_exact
    from valuecenter.offers.models import Action
    from valuecenter.offers.rules import describe

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
        typer.echo("the catalogue is empty; import one with `valuecenter offers import FILE`")
    for r in rows:
        state = "" if r["active"] else "  (inactive)"
        typer.echo(
            f"{r['code']:<24} {r['kind']:<9} value {money_exact(r['value_cents']):>10} "
            f"cost {money_exact(r['cost_cents']):>9}  {r['name']}{state}\n"
            f"{'':<24} channels {', '.join(r['channels']) or 'all'}; eligible: {r['rule']}"
        )


@app.command("features")
def features(
    as_of: str | None = typer.Option(None, "--as-of", help="Day (UTC midnight); default now."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recompute every customer's feature row from what happened before --as-of."""
    from valuecenter.cli.demo import _steps
    from valuecenter.offers.features import refresh_features

    with _steps() as steps, unit_of_work(context.sessions()) as session:
        steps.step("feature rows")
        result = refresh_features(
            session, as_of=_moment("--as-of", as_of), progress=lambda text: steps.step(text)
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
        f"feature rows of {result.customers:,} customers as of {result.as_of:%Y-%m-%d %H:%M} "
        f"UTC ({len(result.categories)} category shares, {result.products_tracked} products "
        f"tracked) in {result.seconds:.1f} s"
    )


@app.command("train")
def train(
    learner: str = typer.Option("auto", "--learner", help="auto, gbm or logistic (accept models)."),
    organic_learner: str = typer.Option(
        "logistic", "--organic-learner", help="auto, gbm or logistic (organic purchase models)."
    ),
    until: str | None = typer.Option(None, "--until", help="Learn from decisions before this day."),
    seed: int = typer.Option(0, "--seed", min=0),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Train the propensity models from the decision log; the new ones serve at once."""
    from valuecenter.cli.demo import _steps
    from valuecenter.errors import InvalidInput
    from valuecenter.offers.training import train as run_train

    kinds = ("auto", "gbm", "logistic")
    for option, value in (("--learner", learner), ("--organic-learner", organic_learner)):
        if value not in kinds:
            raise InvalidInput(option, f"'{value}' is not one of {', '.join(kinds)}")
    with _steps() as steps, unit_of_work(context.sessions()) as session:
        steps.step("training")
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
        f"propensity models {result.version}: {result.decisions:,} decisions, "
        f"{result.responses:,} answers, {result.features} inputs, {result.seconds:.1f} s"
    )
    for code, entry in result.actions.items():
        accept = entry.get("accept") or {}
        organic = entry.get("organic") or {}
        check = accept.get("out_of_time") or {}
        auc = f"out-of-time AUC {check['auc']:.2f}" if check.get("auc") is not None else "no check"
        typer.echo(
            f"  {code:<24} accept: {accept.get('kind', '–'):<8} "
            f"serves {accept.get('serves', 'own'):<6} {accept.get('rows', 0):>6,} answers  {auc}"
            + (
                f"; organic: {organic.get('kind')} serves {organic.get('serves')}"
                f" ({organic.get('positives', 0):,} bought of {organic.get('rows', 0):,})"
                if organic
                else ""
            )
        )


@app.command("decide")
def decide(
    customer: str = typer.Option(
        ..., "--customer", help="The customer number (C0003720) or the id the API gives."
    ),
    channel: str = typer.Option("phone", "--channel"),
    intent: str | None = typer.Option(None, "--intent"),
    outbound: bool = typer.Option(False, "--outbound", help="An outbound contact."),
    wait_minutes: int = typer.Option(
        0, "--wait", min=0, max=MAX_WAIT_MINUTES, help="Minutes the customer waited."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What the engine shows this customer now, and why; the decision is logged."""
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
        f"decision {out.decision_id} for customer {out.customer_id} ({out.arm}"
        + (", explored" if out.explored else "")
        + f"; models {out.model_version or 'none: catalogue priors'}"
        + f"; catalogue v{out.catalogue_version})"
    )
    if out.service_first:
        typer.echo(f"service first: {out.service_first}")
    if not out.actions:
        typer.echo("nothing to show")
    for a in out.actions:
        typer.echo(f"{a.rank}. {a.name} [{a.kind}] expected {money_exact(a.score * 100)}")
        for reason in a.reasons:
            typer.echo(f"     - {reason}")
    for s in out.suppressed:
        typer.echo(f"   held back {s.code}: {s.rule} — {s.detail}")
