"""``valuecenter campaign``: the campaign manager on the command line (issue 19) — a saved
selection, a campaign from draft to launch, its export for the dialer or the mail tool, its
responses, and its results with the pre-registered decision. Each command is one
transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from valuecenter.cli import context
from valuecenter.cli.datafile import read_text
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.formatting import grouped, money_short
from valuecenter.i18n import N_, _, format_percent

app = typer.Typer(
    help=N_("Campaigns as experiments: selection, goal, launch, export, results."),
    no_args_is_help=True,
)
selection_app = typer.Typer(
    help=N_("Saved selections of customers, counted live."), no_args_is_help=True
)
app.add_typer(selection_app, name="selection")

M = TypeVar("M", bound=BaseModel)
_JSON = typer.Option(False, "--json", help=N_("Print JSON."))


def _checked(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; the first wrong field as one line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        raise InvalidInput(where, str(first["msg"])) from None


def _spec(text: str) -> Any:
    from valuecenter.marketing.schemas import SelectionSpec

    source = Path(text) if not text.lstrip().startswith("{") else None
    raw = source.read_text(encoding="utf-8") if source is not None and source.is_file() else text
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput("--spec", _("not JSON: %(why)s", why=error.msg)) from None
    if not isinstance(data, dict):
        raise InvalidInput("--spec", _("must be a JSON object"))
    return _checked(SelectionSpec, data)


def _campaign(session: Any, ref: str) -> Any:
    from sqlalchemy import select

    from valuecenter.campaigns.models import Campaign
    from valuecenter.marketing.service import get_campaign

    found = session.scalar(select(Campaign).where(Campaign.external_id == ref))
    if found is not None and found.experiment_id is not None:
        return found
    if ref.isdigit() and len(ref) < 16:
        return get_campaign(session, int(ref))
    raise NotFound(_("campaign %(id)s does not exist", id=ref))


@selection_app.command("save", help=N_("Save a selection (a JSON filter, or a file holding one)."))
def selection_save(
    name: str = typer.Argument(..., help=N_("The selection's name.")),
    spec: str = typer.Option(..., "--spec", help=N_("The filter as JSON, or a JSON file.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.selection import count, save_selection

    checked = _spec(spec)
    if len(name) > 200 or not name.strip():
        raise InvalidInput("name", _("must be 1–200 characters"))
    with unit_of_work(context.sessions()) as session:
        saved = save_selection(session, name.strip(), checked)
        n = count(session, checked)
        out = {"id": saved.id, "name": saved.name, "count": n}
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(
        _("selection %(id)s %(name)s: %(n)s customers", id=out["id"], name=name, n=grouped(n))
    )


@selection_app.command("count", help=N_("Count a selection now, per value segment."))
def selection_count(
    spec: str = typer.Option(..., "--spec", help=N_("The filter as JSON, or a JSON file.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.selection import count_by_segment

    checked = _spec(spec)
    with unit_of_work(context.sessions()) as session:
        per = count_by_segment(session, checked)
    if as_json:
        typer.echo(json.dumps({"count": sum(per.values()), "by_segment": per}))
        return
    for segment, n in sorted(per.items()):
        typer.echo(f"{segment:<24} {grouped(n):>10}")
    total = _("total")
    typer.echo(f"{total:<24} {grouped(sum(per.values())):>10}")


@app.command("create", help=N_("Create a campaign in draft."))
def create(
    code: str = typer.Option(..., "--code", help=N_("A short unique code, e.g. TONER-2026-12.")),
    name: str = typer.Option(..., "--name", help=N_("The campaign's name.")),
    selection: int = typer.Option(
        ..., "--selection", min=1, max=2**53 - 1, help=N_("The saved selection's id.")
    ),
    action: str = typer.Option(
        ..., "--action", help=N_("The proposition: an action code of the catalogue.")
    ),
    channel: str = typer.Option(
        ..., "--channel", help=N_("direct-mail, email, sms, phone or in-contact.")
    ),
    start: str = typer.Option(..., "--start", help=N_("First day (YYYY-MM-DD).")),
    runtime_days: int = typer.Option(30, "--runtime-days", help=N_("Runtime in days.")),
    budget: float | None = typer.Option(None, "--budget", help=N_("Budget in euros.")),
    fixed_cost: float = typer.Option(0.0, "--fixed-cost", help=N_("Fixed cost in euros.")),
    cost_per_contact: float = typer.Option(
        0.0, "--cost-per-contact", help=N_("Cost per contact in euros.")
    ),
    cost_per_voucher: float = typer.Option(
        0.0, "--cost-per-voucher", help=N_("Cost per redeemed voucher in euros.")
    ),
    margin_share: float | None = typer.Option(
        None, "--margin-share", help=N_("Margin as a share of revenue (for the ROI).")
    ),
    vouchers: bool = typer.Option(
        False, "--vouchers", help=N_("Give every treated member a unique voucher code.")
    ),
    landing_title: str | None = typer.Option(
        None, "--landing-title", help=N_("A landing page's title.")
    ),
    landing_body: str | None = typer.Option(
        None, "--landing-body", help=N_("A landing page's text.")
    ),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.schemas import CampaignDraft
    from valuecenter.marketing.service import create_campaign

    draft = _checked(
        CampaignDraft,
        {
            "code": code,
            "name": name,
            "selection_id": selection,
            "action": action,
            "channel": channel,
            "start": start,
            "runtime_days": runtime_days,
            "budget_euro": budget,
            "fixed_cost_euro": fixed_cost,
            "cost_per_contact_euro": cost_per_contact,
            "cost_per_voucher_euro": cost_per_voucher,
            "margin_share": margin_share,
            "vouchers": vouchers,
            "landing_title": landing_title,
            "landing_body": landing_body,
        },
    )
    with unit_of_work(context.sessions()) as session:
        made = create_campaign(session, draft)
        out = {
            "id": made.id,
            "code": made.external_id,
            "status": "draft",
            "landing_slug": made.landing_slug,
        }
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(_("campaign %(code)s created (draft, id %(id)s)", code=code, id=out["id"]))


@app.command("goal", help=N_("Pre-register the goal: shows the members needed per arm."))
def goal(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    metric: str = typer.Option(
        "conversion", "--metric", help=N_("conversion, retention or revenue.")
    ),
    baseline: float = typer.Option(
        ..., "--baseline", help=N_("The control group's expected rate (revenue: euros per member).")
    ),
    mde: float = typer.Option(
        ..., "--mde", help=N_("Minimum detectable effect in the metric's unit.")
    ),
    sd: float | None = typer.Option(
        None, "--sd", help=N_("Revenue only: standard deviation per member in euros.")
    ),
    alpha: float = typer.Option(0.05, "--alpha", help=N_("Significance level (two-sided).")),
    power: float = typer.Option(0.8, "--power", help=N_("Power: the chance to detect the effect.")),
    treated_share: float = typer.Option(
        0.5, "--treated-share", help=N_("Share of the members in the treatment arm.")
    ),
    min_roi: float = typer.Option(0.0, "--min-roi", help=N_("The least ROI to scale.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.schemas import Goal
    from valuecenter.marketing.service import set_goal

    checked = _checked(
        Goal,
        {
            "metric": metric,
            "baseline": baseline,
            "mde": mde,
            "sd_euro": sd,
            "alpha": alpha,
            "power": power,
            "treated_share": treated_share,
            "min_roi": min_roi,
        },
    )
    with unit_of_work(context.sessions()) as session:
        planned = set_goal(session, _campaign(session, campaign), checked)
    out = {"treated": planned.treated, "control": planned.control, "total": planned.total}
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(
        _(
            "members needed: %(t)s treated, %(c)s control",
            t=grouped(planned.treated),
            c=grouped(planned.control),
        )
    )


@app.command(
    "launch",
    help=N_("Launch: eligibility, control group, members, vouchers. The goal is then fixed."),
)
def launch(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    underpowered: bool = typer.Option(
        False,
        "--underpowered",
        help=N_("Launch even with fewer eligible customers than the goal needs."),
    ),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.service import launch as launch_campaign

    with unit_of_work(context.sessions()) as session:
        counts = launch_campaign(session, _campaign(session, campaign), underpowered=underpowered)
    if as_json:
        typer.echo(json.dumps(counts))
        return
    for key, n in counts.items():
        typer.echo(f"{key.replace('_', ' '):<28} {grouped(n):>10}")


@app.command(
    "export", help=N_("Write the contact list (CSV): only those allowed now; removals counted.")
)
def export(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    out: Path = typer.Option(..., "--out", help=N_("The CSV file to write.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.csv_export import csv_text
    from valuecenter.marketing.service import export_members

    target = out.resolve()
    if not target.parent.is_dir():
        raise InvalidInput(
            "--out", _("the folder %(path)s does not exist", path=str(target.parent))
        )
    with unit_of_work(context.sessions()) as session:
        made = export_members(session, _campaign(session, campaign))
        temporary = target.with_name(target.name + ".part")
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            for chunk in csv_text(made.header, made.rows):
                handle.write(chunk)
    temporary.replace(target)  # the file appears only once the list is committed as exported
    figures = {"exported": len(made.rows), "removed": made.removed, "file": str(target)}
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(
        _("%(n)s customers written to %(file)s", n=grouped(len(made.rows)), file=str(target))
    )
    for rule, n in made.removed.items():
        typer.echo(_("  removed by %(rule)s: %(n)s", rule=rule, n=grouped(n)))


@app.command(
    "responses",
    help=N_(
        "Import responses and conversions (CSV: customer, responded_at, converted_at, revenue)."
    ),
)
def responses(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    file: Path = typer.Argument(..., help=N_("The CSV file.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.responses import import_responses

    text = read_text(file)
    with unit_of_work(context.sessions()) as session:
        done = import_responses(session, _campaign(session, campaign), text)
    _imported(done, as_json)


@app.command(
    "redemptions",
    help=N_("Import voucher redemptions (CSV: code, redeemed_at, order_ref, revenue)."),
)
def redemptions(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    file: Path = typer.Argument(..., help=N_("The CSV file.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.responses import import_redemptions

    text = read_text(file)
    with unit_of_work(context.sessions()) as session:
        done = import_redemptions(session, _campaign(session, campaign), text)
    _imported(done, as_json)


@app.command("observe", help=N_("Take the conversions from the orders (both arms alike)."))
def observe(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.responses import observe_orders

    with unit_of_work(context.sessions()) as session:
        done = observe_orders(session, _campaign(session, campaign))
    _imported(done, as_json)


def _imported(done: Any, as_json: bool) -> None:
    out = {"rows": done.rows, "members": done.members, "not_members": done.unknown}
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(
        _(
            "%(rows)s rows: %(members)s members updated, %(unknown)s not members",
            rows=grouped(done.rows),
            members=grouped(done.members),
            unknown=grouped(done.unknown),
        )
    )


@app.command(
    "results", help=N_("Results against the control group: lift, revenue, cost, ROI, decision.")
)
def results(
    campaign: str = typer.Argument(..., help=N_("The campaign's code or id.")),
    as_json: bool = _JSON,
) -> None:
    from valuecenter.marketing.results import campaign_results, results_json

    with unit_of_work(context.sessions()) as session:
        found = _campaign(session, campaign)
        figures = results_json(campaign_results(session, found))
    if as_json:
        figures.pop("looks")
        typer.echo(json.dumps(figures))
        return
    t, c = figures["treated"], figures["control"]
    typer.echo(
        _(
            "treated: %(n)s members, %(rate)s converted",
            n=grouped(t["members"]),
            rate=format_percent(t["rate"] or 0, decimals=1),
        )
    )
    typer.echo(
        _(
            "control: %(n)s members, %(rate)s converted",
            n=grouped(c["members"]),
            rate=format_percent(c["rate"] or 0, decimals=1),
        )
    )
    if figures["lift"] is not None:
        low, high = figures["lift_ci95"]
        typer.echo(
            _(
                "lift: %(lift)s (95%%: %(low)s … %(high)s)",
                lift=format_percent(figures["lift"], decimals=1),
                low=format_percent(low, decimals=1),
                high=format_percent(high, decimals=1),
            )
        )
    typer.echo(_("cost: %(cost)s", cost=money_short(figures["cost_euro"] * 100)))
    if figures["roi"] is not None:
        typer.echo(_("ROI: %(roi)s", roi=format_percent(figures["roi"], decimals=0)))
    typer.echo(
        _("decision: %(decision)s — %(why)s", decision=_(figures["decision"]), why=figures["why"])
    )


@app.command("channels", help=N_("Response rates per channel across all campaigns."))
def channels(as_json: bool = _JSON) -> None:
    from valuecenter.marketing.results import channel_rates

    with unit_of_work(context.sessions()) as session:
        rates = channel_rates(session)
    rows = [
        {
            "channel": r.channel,
            "campaigns": r.campaigns,
            "contacted": r.contacted,
            "responded": r.responded,
            "rate": r.rate,
            "ci95": [r.low, r.high],
        }
        for r in rates
    ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rates:
        rate = format_percent(r.rate or 0, decimals=1)
        typer.echo(f"{r.channel:<12} {grouped(r.contacted):>10} {rate:>8}")
