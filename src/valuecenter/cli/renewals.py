"""``valuecenter retention renewals``: build the renewal list (C7) in one transaction."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import money_short

LEARNERS = ("auto", "t", "x", "dr", "ct")


def _euros(totals: dict[str, object], key: str) -> str:
    """A money figure of the run's ``totals`` (cents), in whole euros."""
    value = totals.get(key)
    return money_short(value if isinstance(value, int | float) else 0)


def renewals(
    as_of: str | None = typer.Option(
        None, "--as-of", help="The list's day (default: the latest score run's day)."
    ),
    horizon_days: int = typer.Option(
        90, "--horizon-days", help="Contracts ending within this many days after --as-of."
    ),
    budget_calls: int | None = typer.Option(
        None, "--budget-calls", help="Call at most this many customers."
    ),
    budget_eur: float | None = typer.Option(
        None, "--budget-eur", help="Spend at most this (calls + expected offer costs)."
    ),
    call_cost_eur: float = typer.Option(4.50, "--call-cost-eur", help="Cost of one call."),
    learner: str = typer.Option("auto", "--learner", help="Uplift learner: auto, t, x, dr, ct."),
    seed: int = typer.Option(0, "--seed", help="Seed of the uplift model."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary."),
) -> None:
    """Build the renewal list: contracts ending soon, by expected net value of a call.

    Ranks by uplift × value − costs with the best offer each; silent renewers and lost
    causes are left out and counted. Learns from the renewal campaigns' treatment and
    control groups, and acts on individual uplift only where the newest campaigns confirm it.
    """
    from valuecenter.retention.renewals.service import RenewalOptions, run_renewals

    if learner not in LEARNERS:
        raise InvalidInput("--learner", f"'{learner}' is not one of {', '.join(LEARNERS)}")
    if budget_eur is not None and budget_eur < 0:
        raise InvalidInput("--budget-eur", "is negative")
    if call_cost_eur < 0:
        raise InvalidInput("--call-cost-eur", "is negative")
    options = RenewalOptions(
        as_of=parse_day("--as-of", as_of),
        horizon_days=horizon_days,
        budget_calls=budget_calls,
        budget_cents=None if budget_eur is None else round(budget_eur * 100),
        call_cost_cents=round(call_cost_eur * 100),
        learner=learner,  # type: ignore[arg-type]
        seed=seed,
    )
    with unit_of_work(context.sessions()) as session:
        run = run_renewals(session, options)
        summary = {
            "run_id": run.run_id,
            "as_of": run.as_of.isoformat(),
            "horizon_days": run.horizon_days,
            "candidates": run.candidates,
            "listed": run.listed,
            "counts": run.counts,
            "totals": run.totals,
            "model": run.model,
            "seconds": run.seconds,
        }
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    counts = run.counts
    totals = run.totals
    typer.echo(
        f"run {run.run_id}: {run.candidates:,} contracts end in the {run.horizon_days} days "
        f"after {summary['as_of']}; {run.listed:,} to call"
    )
    typer.echo(
        "left out: "
        + ", ".join(f"{counts.get(g, 0):,} {g.replace('-', ' ')}" for g in counts if g != "listed")
    )
    typer.echo(
        f"expected: {totals.get('expected_extra_renewals', 0)} extra renewals worth "
        f"{_euros(totals, 'expected_incremental_value_cents')}, costs "
        f"{_euros(totals, 'expected_cost_cents')}, net {_euros(totals, 'expected_net_cents')}"
    )
    uplift = run.model.get("uplift", {})
    learner = uplift.get("learner", "?") if isinstance(uplift, dict) else "?"
    validation = run.model.get("validation", {})
    if isinstance(validation, dict) and "test_campaigns" in validation:
        typer.echo(
            f"uplift model: {learner}; checked out of time on "
            f"{', '.join(map(str, validation['test_campaigns']))} "
            f"({validation.get('test_rows', 0):,} members)"
        )
    elif isinstance(validation, dict):
        typer.echo(f"uplift model: {learner}; not checked: {validation.get('skipped', '?')}")
    targeting = run.model.get("targeting", {})
    for code, how in targeting.items() if isinstance(targeting, dict) else []:
        effect = how.get("average_effect", {})
        measured = (
            f"measured effect {100 * effect['estimate']:+.1f} points "
            f"(95% CI {100 * effect['ci95_low']:+.1f} to {100 * effect['ci95_high']:+.1f}; "
            f"{effect['treated_n']:,} treated, {effect['control_n']:,} control)"
        )
        if how.get("targeting") == "individual":
            typer.echo(f"{code}: individual uplift (BLP loading {how['loading']}); {measured}")
        else:
            typer.echo(f"{code}: the average effect for everyone, as {how.get('why')}; {measured}")
