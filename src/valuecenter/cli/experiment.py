"""``valuecenter experiment``: the design arithmetic of the experiments kernel on the command
line, without a database (issue 19).

- ``sample-size``: units per arm of a two-sided two-proportion test for a baseline rate, a
  minimum detectable effect, α, power and an allocation
  (:func:`valuecenter.analytics.experiments.design.two_proportion_sample_size`);
- ``simulate``: simulated campaigns with a known true lift, to show the always-valid interval's
  coverage and its false-positive rate when the results are looked at every day
  (:mod:`valuecenter.analytics.experiments.simulate`).
"""

from __future__ import annotations

import json

import typer

from valuecenter.cli.modelfiles import option_errors
from valuecenter.cli.progress import StepLines, counting_bar, interactive
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_percent

app = typer.Typer(
    help=N_("Experiments: sample sizes and simulated campaigns (no database needed)."),
    no_args_is_help=True,
)

_OPTION_OF = {
    "baseline": "--baseline",
    "mde": "--mde",
    "alpha": "--alpha",
    "power": "--power",
    "allocation": "--control-per-treated",
    "runs": "--runs",
    "scenario": "--scenario",
}


@app.command(
    "sample-size",
    help=N_(
        "Units per arm to detect a change of a rate (two-sided two-proportion test).\n"
        "\n"
        "Fleiss, Levin & Paik (2003), without continuity correction: for 5% → 6%, alpha 0.05\n"
        "and 80% power, 8,158 per arm."
    ),
)
def sample_size(
    baseline: float = typer.Option(
        ..., "--baseline", help=N_("The control group's rate, e.g. 0.05 for 5%.")
    ),
    mde: float = typer.Option(
        ...,
        "--mde",
        help=N_("Minimum detectable effect in rate points, e.g. 0.01 for 5% → 6%."),
    ),
    alpha: float = typer.Option(0.05, "--alpha", help=N_("Significance level (two-sided).")),
    power: float = typer.Option(0.8, "--power", help=N_("Power: the chance to detect the effect.")),
    control_per_treated: float = typer.Option(
        1.0,
        "--control-per-treated",
        help=N_("Control units per treated unit (1 = equal arms; 0.25 = a 20% control group)."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.analytics.experiments.design import two_proportion_sample_size

    with option_errors(_OPTION_OF):
        size = two_proportion_sample_size(
            baseline, mde, alpha=alpha, power=power, control_per_treated=control_per_treated
        )
    figures = {
        "per_arm": max(size.treated, size.control),
        "treated": size.treated,
        "control": size.control,
        "total": size.total,
    }
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(_("treated arm: %(n)s", n=grouped(size.treated)))
    typer.echo(_("control arm: %(n)s", n=grouped(size.control)))
    typer.echo(_("total: %(n)s", n=grouped(size.total)))


@app.command(
    "simulate",
    help=N_(
        "Simulate campaigns with a known true lift and check the intervals.\n"
        "\n"
        "Each campaign is designed for its minimum detectable effect, then run twice on the\n"
        "same draws: with its true lift (coverage) and with none, looked at every day\n"
        "(false positives). Shows the always-valid interval next to the fixed one read daily."
    ),
)
def simulate(
    runs: int = typer.Option(400, "--runs", min=1, max=100_000, help=N_("Campaigns to simulate.")),
    seed: int = typer.Option(1, "--seed", min=0, max=2**63 - 1, help=N_("Seed of the draws.")),
    scenario: str = typer.Option(
        "arrivals",
        "--scenario",
        help=N_(
            "arrivals: units arrive over the runtime; campaign: all members at launch, "
            "their conversions arriving (the campaign manager's daily readout)."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.analytics.experiments.simulate import simulate_campaigns

    with option_errors(_OPTION_OF):
        if interactive():
            with counting_bar(_("simulating campaigns"), _("campaigns")) as update:
                result = simulate_campaigns(runs, seed, progress=update, scenario=scenario)
        else:
            lines = StepLines("experiment simulate")
            step = max(runs // 10, 1)

            def report(done: int, total: int) -> None:
                if done % step == 0 or done == total:
                    lines.step(_("%(done)s of %(total)s campaigns", done=done, total=total))

            result = simulate_campaigns(runs, seed, progress=report, scenario=scenario)
    if as_json:
        typer.echo(json.dumps(result.as_json()))
        return
    rows = (
        (_("campaigns"), grouped(result.runs)),
        (
            _("coverage, always-valid interval (every day)"),
            format_percent(result.coverage, decimals=1),
        ),
        (
            _("coverage, fixed interval (at the end)"),
            format_percent(result.coverage_fixed_horizon, decimals=1),
        ),
        (
            _("false positives, always-valid interval (daily looks)"),
            format_percent(result.false_positive_rate_peeking, decimals=1),
        ),
        (
            _("false positives, fixed interval (daily looks)"),
            format_percent(result.false_positive_rate_peeking_fixed, decimals=1),
        ),
    )
    for label, value in rows:
        typer.echo(f"{label:<56} {value}")
