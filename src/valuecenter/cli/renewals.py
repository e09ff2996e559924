"""``valuecenter retention renewals``: build the renewal list (C7) in one transaction."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped, money_short
from valuecenter.i18n import N_, _, format_date, format_number, ngettext

LEARNERS = ("auto", "t", "x", "dr", "ct")


def _euros(totals: dict[str, object], key: str) -> str:
    """A money figure of the run's ``totals`` (cents), in whole euros."""
    value = totals.get(key)
    return money_short(value if isinstance(value, int | float) else 0)


def _points(share: float) -> str:
    """A share as signed percentage points with one decimal: +1.5 (nl +1,5)."""
    sign = "+" if share >= 0 else "-"
    return sign + format_number(abs(100 * share), decimals=1)


def _group_words(group: str) -> str:
    """A left-out group of the renewal list in words (its code in --json)."""
    words = {
        "over-budget": _("over budget"),
        "silent-renewer": _("silent renewers"),
        "lost-cause": _("lost causes"),
        "not-worth": _("not worth an offer"),
    }
    return words.get(group, group.replace("-", " "))


HELP = N_(
    "Build the renewal list: contracts ending soon, by expected net value of a call.\n"
    "\n"
    "Ranks by uplift × value − costs with the best offer each; silent renewers and lost\n"
    "causes are left out and counted. Learns from the renewal campaigns' treatment and\n"
    "control groups, and acts on individual uplift only where the newest campaigns confirm it."
)
"""The help of the command (--help)."""


def renewals(
    as_of: str | None = typer.Option(
        None, "--as-of", help=N_("The list's day (default: the latest score run's day).")
    ),
    horizon_days: int = typer.Option(
        90, "--horizon-days", help=N_("Contracts ending within this many days after --as-of.")
    ),
    budget_calls: int | None = typer.Option(
        None, "--budget-calls", help=N_("Call at most this many customers.")
    ),
    budget_eur: float | None = typer.Option(
        None, "--budget-eur", help=N_("Spend at most this (calls + expected offer costs).")
    ),
    call_cost_eur: float = typer.Option(4.50, "--call-cost-eur", help=N_("Cost of one call.")),
    learner: str = typer.Option(
        "auto", "--learner", help=N_("Uplift learner: auto, t, x, dr, ct.")
    ),
    seed: int = typer.Option(0, "--seed", help=N_("Seed of the uplift model.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.retention.renewals.service import RenewalOptions, run_renewals

    if learner not in LEARNERS:
        raise InvalidInput(
            "--learner",
            _("'%(value)s' is not one of %(choices)s", value=learner, choices=", ".join(LEARNERS)),
        )
    if budget_eur is not None and budget_eur < 0:
        raise InvalidInput("--budget-eur", _("is negative"))
    if call_cost_eur < 0:
        raise InvalidInput("--call-cost-eur", _("is negative"))
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
        ngettext(
            "run %(run)s: %(num)s contract ends in the %(days)s days after %(day)s; "
            "%(listed)s to call",
            "run %(run)s: %(num)s contracts end in the %(days)s days after %(day)s; "
            "%(listed)s to call",
            run.candidates,
            num=grouped(run.candidates),
            run=run.run_id,
            days=run.horizon_days,
            day=format_date(run.as_of),
            listed=grouped(run.listed),
        )
    )
    groups = ", ".join(
        f"{grouped(n if isinstance(n, int) else 0)} {_group_words(g)}"
        for g, n in counts.items()
        if g != "listed"
    )
    typer.echo(_("left out: %(groups)s", groups=groups))
    extra = totals.get("expected_extra_renewals", 0)
    typer.echo(
        _(
            "expected: %(extra)s extra renewals worth %(value)s, costs %(cost)s, net %(net)s",
            extra=format_number(extra) if isinstance(extra, int | float) else extra,
            value=_euros(totals, "expected_incremental_value_cents"),
            cost=_euros(totals, "expected_cost_cents"),
            net=_euros(totals, "expected_net_cents"),
        )
    )
    uplift = run.model.get("uplift", {})
    learner = uplift.get("learner", "?") if isinstance(uplift, dict) else "?"
    validation = run.model.get("validation", {})
    if isinstance(validation, dict) and "test_campaigns" in validation:
        typer.echo(
            _(
                "uplift model: %(learner)s; checked out of time on %(campaigns)s "
                "(%(rows)s members)",
                learner=learner,
                campaigns=", ".join(map(str, validation["test_campaigns"])),
                rows=grouped(validation.get("test_rows", 0)),
            )
        )
    elif isinstance(validation, dict):
        typer.echo(
            _(
                "uplift model: %(learner)s; not checked: %(reason)s",
                learner=learner,
                reason=validation.get("skipped", "?"),
            )
        )
    targeting = run.model.get("targeting", {})
    for code, how in targeting.items() if isinstance(targeting, dict) else []:
        effect = how.get("average_effect", {})
        measured = _(
            "measured effect %(estimate)s points (95%% CI %(low)s to %(high)s; "
            "%(treated)s treated, %(control)s control)",
            estimate=_points(effect["estimate"]),
            low=_points(effect["ci95_low"]),
            high=_points(effect["ci95_high"]),
            treated=grouped(effect["treated_n"]),
            control=grouped(effect["control_n"]),
        )
        if how.get("targeting") == "individual":
            typer.echo(
                _(
                    "%(code)s: individual uplift (BLP loading %(loading)s); %(measured)s",
                    code=code,
                    loading=format_number(how["loading"]),
                    measured=measured,
                )
            )
        else:
            typer.echo(
                _(
                    "%(code)s: the average effect for everyone, as %(why)s; %(measured)s",
                    code=code,
                    why=how.get("why"),
                    measured=measured,
                )
            )
