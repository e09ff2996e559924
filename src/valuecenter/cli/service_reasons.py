"""``valuecenter service reasons | avoidable | cost-to-serve``: contact reasons, avoidable
contacts and cost-to-serve (issue 20, C16). Registered on the ``service`` app of
``cli/service.py``; ``cli/main.py`` imports this module so the commands exist."""

from __future__ import annotations

import json

import typer

from valuecenter.cli import context
from valuecenter.cli.service import _JSON, _SINCE, _UNTIL, _moment, app
from valuecenter.db.uow import unit_of_work
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_money, format_number, format_percent


def _share(value: float | None) -> str:
    return "–" if value is None else format_percent(value, decimals=1)


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@app.command(
    "reasons",
    help=N_(
        "Contact reasons: their Pareto (every reason of every contact, and the primary\n"
        "reasons), and the reason mix on peak days against normal days with the difference\n"
        "and its 95% interval. A peak day has more contacts than the --peak-quantile of the\n"
        "period's days."
    ),
)
def reasons(
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    peak_quantile: float = typer.Option(
        0.9, "--peak-quantile", help=N_("A day above this quantile of daily volumes is a peak.")
    ),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.quality.reasons import reasons_report

    start, end = _moment("--since", since), _moment("--until", until)
    with unit_of_work(context.sessions()) as session:
        report = reasons_report(session, start, end, peak_quantile)

    def rows(items: list) -> list[dict[str, object]]:  # type: ignore[type-arg]
        return [
            {
                "reason": r.reason,
                "count": r.count,
                "share": _r(r.share),
                "cumulative": _r(r.cumulative),
            }
            for r in items
        ]

    if as_json:
        typer.echo(
            json.dumps(
                {
                    "provenance": report.provenance.as_json(),
                    "reasons_per_contact": _r(report.reasons_per_contact),
                    "vital_few": report.vital_few_all,
                    "pareto": rows(report.pareto_all),
                    "pareto_primary": rows(report.pareto_primary),
                    "peaks": {
                        "quantile": report.peak_quantile,
                        "threshold": report.peak_threshold,
                        "days": report.days,
                        "peak_days": report.peak_days,
                        "peak_contacts": report.peak_contacts,
                        "normal_contacts": report.normal_contacts,
                        "mix": [
                            {
                                "reason": m.reason,
                                "peak_contacts": m.peak_contacts,
                                "peak_share": _r(m.peak_share),
                                "normal_contacts": m.normal_contacts,
                                "normal_share": _r(m.normal_share),
                                "difference": _r(m.difference),
                                "ci95": None if m.low is None else [_r(m.low), _r(m.high)],
                            }
                            for m in report.mix
                        ],
                    },
                }
            )
        )
        return
    p = report.provenance
    typer.echo(
        _(
            "%(contacts)s contacts, %(reasons)s reasons (%(per)s per contact with a reason)",
            contacts=grouped(p.contacts),
            reasons=grouped(p.reasons),
            per=format_number(report.reasons_per_contact or 0.0, decimals=1),
        )
    )
    head = (_("reason"), _("count"), _("share"), _("cumulative"))
    typer.echo(f"{head[0]:<22} {head[1]:>10} {head[2]:>10} {head[3]:>12}")
    for r in report.pareto_all:
        typer.echo(
            f"{r.reason:<22} {grouped(r.count):>10} {_share(r.share):>10} "
            f"{_share(r.cumulative):>12}"
        )
    typer.echo(
        _(
            "%(peaks)s peak days of %(days)s (more than %(threshold)s contacts a day)",
            peaks=len(report.peak_days),
            days=report.days,
            threshold=format_number(report.peak_threshold, decimals=1),
        )
    )
    head = (_("reason"), _("peak"), _("normal"), _("difference (95%)"))
    typer.echo(f"{head[0]:<22} {head[1]:>8} {head[2]:>8} {head[3]:>28}")
    for m in report.mix:
        diff = "–"
        if m.difference is not None and m.low is not None and m.high is not None:
            diff = (
                f"{format_number(100 * m.difference, decimals=1)} "
                f"[{format_number(100 * m.low, decimals=1)}, "
                f"{format_number(100 * m.high, decimals=1)}]"
            )
        typer.echo(
            f"{m.reason:<22} {_share(m.peak_share):>8} {_share(m.normal_share):>8} {diff:>28}"
        )


def _rules_and_costs() -> tuple[tuple, dict[str, int]]:  # type: ignore[type-arg]
    from valuecenter.quality.reasons import load_rules

    settings = context.settings()
    return load_rules(settings.avoidable_rules_file), dict(settings.channel_minute_cost_cents)


@app.command(
    "avoidable",
    help=N_(
        "Avoidable contacts by the rules (an order through an agent that could have gone\n"
        "online, 'where is my order', repeat contacts; or VALUECENTER_AVOIDABLE_RULES_FILE):\n"
        "their count, share and cost, in total and per rule. Cost = handle minutes × the\n"
        "channel's cost per minute (VALUECENTER_CHANNEL_MINUTE_COST_CENTS)."
    ),
)
def avoidable(
    since: str | None = _SINCE, until: str | None = _UNTIL, as_json: bool = _JSON
) -> None:
    from valuecenter.quality.reasons import avoidable_report

    start, end = _moment("--since", since), _moment("--until", until)
    rules, costs = _rules_and_costs()
    with unit_of_work(context.sessions()) as session:
        report = avoidable_report(session, rules, costs, start, end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "provenance": report.provenance.as_json(),
                    "contacts": report.contacts,
                    "avoidable": report.avoidable,
                    "share": _r(report.share),
                    "cost_cents": report.cost_cents,
                    "avoidable_cost_cents": report.avoidable_cost_cents,
                    "cost_share": _r(report.cost_share),
                    "by_rule": [
                        {
                            **row.rule.as_json(),
                            "contacts": row.contacts,
                            "matches": row.matches,
                            "share": _r(row.share),
                            "cost_cents": row.cost_cents,
                        }
                        for row in report.by_rule
                    ],
                }
            )
        )
        return
    typer.echo(
        _(
            "%(avoidable)s of %(contacts)s contacts avoidable (%(share)s), costing %(cost)s of "
            "%(total)s (%(cost_share)s)",
            avoidable=grouped(report.avoidable),
            contacts=grouped(report.contacts),
            share=_share(report.share),
            cost=format_money(report.avoidable_cost_cents),
            total=format_money(report.cost_cents),
            cost_share=_share(report.cost_share),
        )
    )
    for row in report.by_rule:
        label = _(row.rule.label)
        typer.echo(
            f"{row.rule.name:<24} {grouped(row.contacts):>10} {_share(row.share):>8} "
            f"{format_money(row.cost_cents):>14}  {label}"
        )


@app.command(
    "cost-to-serve",
    help=N_(
        "Cost-to-serve per customer (the --top most costly), value segment, product type\n"
        "(the category a customer spent most on, else his contract's plan) or B2B client:\n"
        "contacts, handle minutes, cost, avoidable cost and cost per contact."
    ),
)
def cost_to_serve(
    by: str = typer.Option("customer", "--by", help=N_("customer, segment, product or client.")),
    top: int = typer.Option(20, "--top", help=N_("Rows of the most costly customers or clients.")),
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    as_json: bool = _JSON,
) -> None:
    from valuecenter.quality.reasons import cost_report

    start, end = _moment("--since", since), _moment("--until", until)
    rules, costs = _rules_and_costs()
    with unit_of_work(context.sessions()) as session:
        report = cost_report(session, by, rules, costs, start, end, top)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "provenance": report.provenance.as_json(),
                    "by": report.by,
                    "cost_cents": report.cost_cents,
                    "groups": report.groups,
                    "top": report.top,
                    "rows": [
                        {
                            "key": r.key,
                            "name": r.label,
                            "contacts": r.contacts,
                            "handle_minutes": round(r.handle_minutes, 2),
                            "cost_cents": r.cost_cents,
                            "avoidable_cost_cents": r.avoidable_cost_cents,
                            "cost_per_contact_cents": r.cost_per_contact_cents,
                            "top_reason": r.top_reason,
                        }
                        for r in report.rows
                    ],
                }
            )
        )
        return
    typer.echo(
        _(
            "cost of all %(contacts)s contacts: %(cost)s",
            contacts=grouped(report.provenance.contacts),
            cost=format_money(report.cost_cents),
        )
    )
    head = (report.by, _("contacts"), _("cost"), _("avoidable"), _("per contact"))
    typer.echo(f"{head[0]:<24} {head[1]:>10} {head[2]:>14} {head[3]:>14} {head[4]:>12}")
    none = _("(none)")
    for r in report.rows:
        typer.echo(
            f"{r.key or none:<24} {grouped(r.contacts):>10} "
            f"{format_money(r.cost_cents):>14} "
            f"{format_money(r.avoidable_cost_cents):>14} "
            f"{format_money(r.cost_per_contact_cents):>12}"
        )
