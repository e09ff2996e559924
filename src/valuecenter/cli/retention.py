"""``valuecenter retention``: the offer catalogue, the save desk and its ledger.

- ``offers list`` / ``offers add``: the offers the retention team may give;
- ``desk open --since --until``: a save case for every cancel contact of the span (IVR intent
  or primary reason ``cancel``), idempotent; the arm is drawn by the experiments kernel;
- ``ledger --by month|agent|offer``: gross and incremental saves and save value — the gross
  figure is never printed without the incremental one beside it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import typer

from valuecenter.cli import context
from valuecenter.cli.progress import parse_day
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped, money_short
from valuecenter.i18n import N_, _, format_number, format_percent, lazy_gettext, ngettext

if TYPE_CHECKING:
    from valuecenter.retention.desk.schemas import Interval, LedgerOut

app = typer.Typer(
    help=N_("Retention that pays: offers, the save desk and its ledger."), no_args_is_help=True
)
offers_app = typer.Typer(help=N_("The retention offer catalogue."), no_args_is_help=True)
desk_app = typer.Typer(help=N_("The save desk: cases for customers who want to cancel."))
app.add_typer(offers_app, name="offers")
app.add_typer(desk_app, name="desk", no_args_is_help=True)


def _money(cents: float | None) -> str:
    """Whole euros in the command's locale, like every page (nl "€ 13.418", en "€13,418")."""
    return money_short(cents)


@offers_app.command("list", help=N_("The offers, by code (active ones unless --all)."))
def list_offers(
    all_offers: bool = typer.Option(False, "--all", help=N_("Include inactive offers.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    from sqlalchemy import select

    from valuecenter.retention.desk.schemas import OfferOut
    from valuecenter.retention.models import RetentionOffer

    with context.sessions()() as session:
        stmt = select(RetentionOffer).order_by(RetentionOffer.code)
        if not all_offers:
            stmt = stmt.where(RetentionOffer.active.is_(True))
        offers = [OfferOut.of(o).model_dump(mode="json") for o in session.scalars(stmt)]
    if as_json:
        typer.echo(json.dumps(offers))
        return
    if not offers:
        typer.echo(_("no offers yet; add one with `valuecenter retention offers add`"))
    no_cost = _("no cost")
    for o in offers:
        cost = []
        if o["discount_share"]:
            cost.append(_("%(share)s off the fee", share=format_percent(o["discount_share"])))
        if o["free_months"]:
            months = o["free_months"]
            cost.append(ngettext("%(num)s free month", "%(num)s free months", months))
        if o["fixed_cost_cents"]:
            cost.append(_("%(money)s once", money=_money(o["fixed_cost_cents"])))
        state = "" if o["active"] else "  " + _("(inactive)")
        uplift = ("+" if o["prior_uplift"] >= 0 else "-") + format_number(
            abs(o["prior_uplift"]), decimals=2
        )
        typer.echo(
            f"{o['code']:<20} {o['kind']:<12} {', '.join(cost) or no_cost:<32} "
            + _("prior uplift %(uplift)s", uplift=uplift)
            + f"  {o['name']}{state}"
        )


@offers_app.command("add", help=N_("Add an offer, or update the offer with this code."))
def add_offer(
    code: str = typer.Option(..., "--code", help=N_("Short code without spaces.")),
    name: str = typer.Option(..., "--name", help=N_("What the agent reads.")),
    kind: str = typer.Option(..., "--kind", help=N_("discount, free-months, handset or other.")),
    discount_share: float = typer.Option(
        0.0, "--discount-share", help=N_("Share off the monthly fee over the next term, 0–1.")
    ),
    free_months: int = typer.Option(0, "--free-months", help=N_("Months of fee not billed.")),
    fixed_cost: float = typer.Option(
        0.0, "--fixed-cost", help=N_("Paid once when taken, in euros (a handset, a gift).")
    ),
    prior_uplift: float = typer.Option(
        0.1,
        "--prior-uplift",
        help=N_("Expected rise of a cancel caller's keep rate, until measured."),
    ),
    campaign_action: str | None = typer.Option(
        None, "--campaign-action", help=N_("The campaigns' action that teaches its uplift.")
    ),
    inactive: bool = typer.Option(False, "--inactive", help=N_("Add it switched off.")),
) -> None:
    from valuecenter.retention.offers import OfferSpec, upsert_offer

    if fixed_cost < 0:
        raise InvalidInput("--fixed-cost", _("is negative"))
    spec = OfferSpec(
        code=code,
        name=name,
        kind=kind,
        discount_share=discount_share,
        free_months=free_months,
        fixed_cost_cents=round(fixed_cost * 100),
        campaign_action=campaign_action,
        prior_uplift=prior_uplift,
        active=not inactive,
    )
    with unit_of_work(context.sessions()) as session:
        offer = upsert_offer(session, spec)
        saved = offer.code
    typer.echo(_("offer %(code)s saved", code=saved))


def _moment(option: str, value: str) -> datetime:
    """Midnight UTC of the day given for ``option``."""
    day = parse_day(option, value)
    if day is None:
        raise InvalidInput(option, _("is required"))
    return datetime.combine(day, time.min, UTC)


@desk_app.command(
    "open",
    help=N_(
        "Open a save case for every cancel contact in [--since, --until) (one transaction).\n"
        "\n"
        "Contacts that already opened a case, and customers with a case still open, are skipped,\n"
        "so running it again opens nothing twice. Needs a score run (cases are priced by CLV)."
    ),
)
def desk_open(
    since: str = typer.Option(..., "--since", help=N_("First day of the contacts (inclusive).")),
    until: str = typer.Option(..., "--until", help=N_("Day after the last one (exclusive).")),
    control_share: float | None = typer.Option(
        None,
        "--control-share",
        help=N_("Share drawn into the control group (default: the save_control_share setting)."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON summary.")),
) -> None:
    from valuecenter.retention.desk.service import open_from_contacts

    start, stop = _moment("--since", since), _moment("--until", until)
    share = context.settings().save_control_share if control_share is None else control_share
    if not 0.0 <= share < 1.0:
        raise InvalidInput(
            "--control-share", _("%(value)s is not in [0, 1)", value=format_number(share))
        )
    with unit_of_work(context.sessions()) as session:
        counts = open_from_contacts(session, start, stop, share)
    if as_json:
        typer.echo(json.dumps({"control_share": share, **counts}))
        return
    typer.echo(
        _(
            "%(contacts)s cancel contacts: %(opened)s cases opened (%(desk)s desk, %(control)s "
            "control at share %(share)s); skipped %(had_case)s with a case already and "
            "%(had_open)s whose customer has one open",
            contacts=grouped(counts["contacts"]),
            opened=grouped(counts["opened"]),
            desk=grouped(counts["desk"]),
            control=grouped(counts["control"]),
            share=format_number(share),
            had_case=grouped(counts["contact_had_case"]),
            had_open=grouped(counts["customer_had_open_case"]),
        )
    )


def _interval(figure: Interval, money: bool) -> str:
    def show(x: float | None) -> str:
        if x is None:
            return "–"
        return _money(x) if money else ("+" if x >= 0 else "-") + format_number(abs(x), decimals=1)

    if figure.estimate is None:
        return _("no control cases")
    if figure.ci95_low is None:
        return _("%(estimate)s (no interval)", estimate=show(figure.estimate))
    return f"{show(figure.estimate)} [{show(figure.ci95_low)}, {show(figure.ci95_high)}]"


def _rate(x: float | None) -> str:
    return "–" if x is None else format_percent(x, decimals=1)


LEDGER_COLUMNS = (
    "",
    lazy_gettext("desk"),
    lazy_gettext("control"),
    lazy_gettext("keep desk"),
    lazy_gettext("keep control"),
    lazy_gettext("gross saves"),
    lazy_gettext("incremental saves"),
    lazy_gettext("gross value"),
    lazy_gettext("incremental value"),
    lazy_gettext("offer cost"),
    lazy_gettext("net incremental value"),
)


def _print_ledger(out: LedgerOut) -> None:
    """A Rich table; each gross column has its incremental column right beside it."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_("Save-value ledger by %(by)s (95%% intervals)", by=_by_words(out.by)))
    for column in LEDGER_COLUMNS:
        table.add_column(str(column), justify="right" if str(column) else "left")
    notes: list[str] = []
    for row in [*out.rows, out.total]:
        key = _("total") if row is out.total else row.key
        table.add_row(
            key,
            grouped(row.desk),
            grouped(row.control),
            _rate(row.keep_rate_desk),
            _rate(row.keep_rate_control),
            grouped(row.saves.gross),
            _interval(row.saves.incremental, money=False),
            _money(row.value.gross_cents),
            _interval(row.value.incremental_cents, money=True),
            _money(row.value.offer_cost_cents),
            _interval(row.value.net_incremental_cents, money=True),
        )
        if row.saves.incremental.reason:
            notes.append(f"{key}: {row.saves.incremental.reason}")
    Console(width=200).print(table)
    for note in notes:
        typer.echo(note)
    if any(not row.provenance.randomised for row in out.rows):
        typer.echo(
            _(
                "the %(by)s rows are not randomised: each compares a chosen subset of desk "
                "cases with every control case, so it mixes the effect with who was in the "
                "subset (the month rows and the total are randomised)",
                by=_by_words(out.by),
            )
        )
    runs = ", ".join(out.total.provenance.score_runs) or _("none")
    typer.echo(
        _(
            "gross = desk cases kept (most would have stayed anyway); incremental = kept beyond "
            "the control group's keep rate. Values: CLV of score run(s) %(runs)s; control share "
            "setting %(share)s.",
            runs=runs,
            share=format_number(out.control_share_setting),
        )
    )


def _by_words(by: str) -> str:
    """The ledger's grouping in words (its code in --json)."""
    words = {"month": _("month"), "agent": _("agent"), "offer": _("offer")}
    return words.get(by, by)


@app.command(
    "ledger",
    help=N_(
        "Gross and incremental saves and save value against the random control group.\n"
        "\n"
        "The gross figure (customers kept × value) is always shown with the incremental one —\n"
        "saves beyond the control group's keep rate, with its 95% interval — beside it."
    ),
)
def ledger_command(
    by: str = typer.Option("month", "--by", help=N_("month, agent or offer.")),
    since: str | None = typer.Option(
        None, "--since", help=N_("Cases closed on or after this day.")
    ),
    until: str | None = typer.Option(None, "--until", help=N_("Cases closed before this day.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON (the API's shape).")),
) -> None:
    from valuecenter.retention.desk.ledger import BY, ledger
    from valuecenter.retention.desk.schemas import LedgerOut

    grouping = next((b for b in BY if b == by), None)
    if grouping is None:
        raise InvalidInput(
            "--by", _("'%(value)s' is not one of %(choices)s", value=by, choices=", ".join(BY))
        )
    first, last = parse_day("--since", since), parse_day("--until", until)
    with context.sessions()() as session:
        rows = ledger(session, grouping, first, last)
    out = LedgerOut.of(grouping, first, last, rows, context.settings().save_control_share)
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json")))
        return
    _print_ledger(out)
