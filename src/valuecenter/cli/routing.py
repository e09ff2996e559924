"""``valuecenter routing``: inbound routing's rule set, the agents' presence and a decision.

- ``rules show``: the rule set as YAML (the file ``load`` reads), or in words with ``--words``;
- ``rules check FILE``: check a rule set against what exists, write nothing;
- ``rules load FILE``: check it whole, then replace the rule set (all or nothing);
- ``presence AGENT STATE``: what the ACD reports (available, busy, away);
- ``decide``: route a call now, logged as the API logs it (``docs/routing.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.db.uow import unit_of_work
from valuecenter.i18n import N_, _

app = typer.Typer(
    help=N_("Inbound routing: the rules, the agents' presence and a decision."),
    no_args_is_help=True,
)
rules_app = typer.Typer(
    help=N_("The routing rules: show, check or load a YAML file."), no_args_is_help=True
)
app.add_typer(rules_app, name="rules")


@rules_app.command("show", help=N_("The rule set as YAML (what `load` reads), or in words."))
def show(
    words: bool = typer.Option(False, "--words", help=N_("Each rule in words.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.routing import ruleset, service

    with context.sessions()() as session:
        if as_json:
            checked = service.current(session)
            typer.echo(json.dumps(None if checked is None else ruleset.as_document(checked)))
            return
        if not words:
            typer.echo(service.export_text(session), nl=False)
            return
        views = service.rule_views(session)
        checked = service.current(session)
    if checked is None:
        typer.echo(_("no routing rules yet: load a file with `valuecenter routing rules load`"))
        return
    typer.echo(
        _(
            "default queue %(queue)s, base priority %(base)s",
            queue=checked.default_queue,
            base=checked.base_priority,
        )
    )
    for v in views:
        off = "" if v.enabled else " " + _("(off)")
        typer.echo(f"{v.position:>3}. {v.name}{off}: {v.when} → {v.then}")


@rules_app.command("check", help=N_("Check a rule set file against what exists; write nothing."))
def check(
    file: Path = typer.Argument(..., help=N_("A routing rules YAML file.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.routing import ruleset, service

    document = ruleset.read_file(file)
    with context.sessions()() as session:
        checked = service.check_document(session, document)
    if as_json:
        typer.echo(json.dumps({"ok": True, "rules": len(checked.rules)}))
        return
    typer.echo(_("%(file)s: %(n)s rules, all valid", file=file, n=len(checked.rules)))


@rules_app.command("load", help=N_("Check a rule set file whole, then replace the rule set."))
def load(
    file: Path = typer.Argument(..., help=N_("A routing rules YAML file.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.routing import ruleset, service

    document = ruleset.read_file(file)
    with unit_of_work(context.sessions()) as session:
        loaded = service.load_rules(session, document=document)
    if as_json:
        typer.echo(json.dumps(loaded.as_json()))
        return
    typer.echo(
        _(
            "routing rules version %(version)s: %(n)s rules (%(on)s on)",
            version=loaded.version,
            n=loaded.rules,
            on=loaded.enabled,
        )
    )


@app.command(
    "presence", help=N_("Set an agent's presence as the ACD would: available, busy, away.")
)
def presence(
    agent: str = typer.Argument(..., help=N_("The agent's external id.")),
    state: str = typer.Argument(..., help=N_("available, busy or away.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from valuecenter.routing import service

    with unit_of_work(context.sessions()) as session:
        out = service.set_presence(session, agent=agent, state=state)
    if as_json:
        typer.echo(out.model_dump_json())
        return
    typer.echo(_("agent %(agent)s is %(state)s", agent=out.agent, state=out.state))


@app.command("decide", help=N_("Route a call now (logged like the API's decisions)."))
def decide(
    customer: str | None = typer.Option(
        None, "--customer", help=N_("The customer number people see (C0000042) or the id.")
    ),
    phone: str | None = typer.Option(None, "--phone", help=N_("The caller's number.")),
    intent: str | None = typer.Option(None, "--intent", help=N_("What the IVR heard.")),
    language: str | None = typer.Option(None, "--language", help=N_("The call's language.")),
    wait: int = typer.Option(0, "--wait", min=0, max=86_400, help=N_("Seconds waited so far.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from sqlalchemy import select

    from valuecenter.customers.models import Customer
    from valuecenter.routing import decide as routing_decide
    from valuecenter.routing.engine import RulesCache

    settings = context.settings()
    with unit_of_work(context.sessions()) as session:
        customer_id: int | None = None
        if customer is not None:
            found = session.scalar(select(Customer.id).where(Customer.external_id == customer))
            customer_id = (
                found if found is not None else (int(customer) if customer.isdigit() else 0)
            )
        out = routing_decide.decide(
            session,
            RulesCache().get(session),
            routing_decide.Call(
                customer_id=customer_id,
                phone=phone,
                intent=intent,
                language=language,
                wait_seconds=wait,
            ),
            zone=settings.display_zone,
        )
    if as_json:
        typer.echo(out.model_dump_json())
        return
    typer.echo(_("queue %(queue)s, priority %(priority)s", queue=out.queue, priority=out.priority))
    if out.agent is not None:
        typer.echo(_("first offered to agent %(agent)s", agent=out.agent))
    if out.self_service:
        typer.echo(_("the IVR handles it itself"))
    for reason in out.reasons:
        typer.echo(f"- {reason}")
