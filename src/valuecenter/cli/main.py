"""The ``valuecenter`` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
import typer.rich_utils
from typer._click.exceptions import ClickException
from typer.core import TyperCommand, TyperGroup, TyperOption

from valuecenter import __version__
from valuecenter.cli import alerts as alerts_cli
from valuecenter.cli import bonus as bonus_cli
from valuecenter.cli import campaign as campaign_cli
from valuecenter.cli import churn as churn_cli
from valuecenter.cli import consent as consent_cli
from valuecenter.cli import db, demo, nps, score, serve, users
from valuecenter.cli import experiment as experiment_cli
from valuecenter.cli import export as export_cli
from valuecenter.cli import finance as finance_cli
from valuecenter.cli import forecast as forecast_cli
from valuecenter.cli import gdpr as gdpr_cli
from valuecenter.cli import importer as importer_cli
from valuecenter.cli import offers as offers_cli
from valuecenter.cli import pools as pools_cli
from valuecenter.cli import renewals as renewals_cli
from valuecenter.cli import report as report_cli
from valuecenter.cli import retention as retention_cli
from valuecenter.cli import rhythm as rhythm_cli
from valuecenter.cli import routing as routing_cli
from valuecenter.cli import service as service_cli
from valuecenter.cli import service_followups as _service_followups  # noqa: F401
from valuecenter.cli import service_reasons as _service_reasons  # noqa: F401 - registers its commands
from valuecenter.cli import staffing as staffing_cli
from valuecenter.cli import staffing_plans as _staffing_plans  # noqa: F401 - registers its commands
from valuecenter.cli import uplift as uplift_cli
from valuecenter.cli import value as value_cli
from valuecenter.cli.errors import fail, run_guarded, wants_json
from valuecenter.cli.help_text import language_of, localize
from valuecenter.cli.language import cli_language
from valuecenter.cli.usage_errors import localized
from valuecenter.errors import InvalidInput
from valuecenter.i18n import LOCALES, N_, _, normalize, set_locale, use_locale

app = typer.Typer(
    help=N_("valuecenter: the customer-service department as a profit center."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(finance_cli.app, name="finance")
app.command("serve", help=serve.HELP)(serve.serve)
app.add_typer(demo.app, name="demo")
app.command("bootstrap", help=demo.BOOTSTRAP_HELP)(demo.bootstrap)
app.command("import", help=importer_cli.HELP)(importer_cli.import_command)
app.command("score", help=score.HELP)(score.score)
app.command("report", help=report_cli.HELP)(report_cli.report)
app.add_typer(export_cli.app, name="export")
app.command("nps", help=nps.HELP)(nps.nps)
app.command("forecast", help=forecast_cli.HELP)(forecast_cli.forecast)
app.add_typer(value_cli.clv_app, name="clv")
app.add_typer(value_cli.value_app, name="value")
app.add_typer(churn_cli.app, name="churn")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(rhythm_cli.app, name="rhythm")
app.add_typer(uplift_cli.app, name="uplift")
retention_cli.app.command("renewals", help=renewals_cli.HELP)(renewals_cli.renewals)
app.add_typer(retention_cli.app, name="retention")
app.add_typer(offers_cli.app, name="offers")
app.add_typer(pools_cli.app, name="pools")
app.add_typer(bonus_cli.app, name="bonus")
app.add_typer(consent_cli.app, name="consent")
app.add_typer(gdpr_cli.app, name="gdpr")
app.add_typer(experiment_cli.app, name="experiment")
app.add_typer(campaign_cli.app, name="campaign")
app.add_typer(service_cli.app, name="service")
app.add_typer(staffing_cli.app, name="staffing")
app.add_typer(routing_cli.app, name="routing")


@app.callback()
def choose_language(
    lang: str | None = typer.Option(
        None,
        "--lang",
        help=N_("Language of the output: nl or en (default: VALUECENTER_LANGUAGE, else LANG)."),
    ),
) -> None:
    """The language of the command (its help is the app's)."""
    if lang is not None and normalize(lang) is None:
        raise InvalidInput(
            "--lang",
            _("'%(value)s' is not one of %(choices)s", value=lang, choices=", ".join(LOCALES)),
        )
    # Set for the rest of the command; run_guarded restores the caller's locale afterwards,
    # after it has printed any error in this language.
    set_locale(cli_language(lang))


@app.command(help=N_("Print the version."))
def version() -> None:
    typer.echo(__version__)


def _flags_without_type(command: object) -> None:
    """Show on/off options as bare flags in ``--help`` (``--json``, not ``--json <bool>``):
    they take no value, and Typer's help would otherwise print a type for them."""
    params = list(getattr(command, "params", ()))
    if isinstance(command, TyperCommand | TyperGroup):
        params.append(command.get_help_option(typer.Context(command)))  # made once, then kept
    for param in params:
        if isinstance(param, TyperOption) and param.is_bool_flag:
            param.metavar = ""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _flags_without_type(sub)


def command(args: Sequence[str] = ()) -> TyperGroup:
    """The ``valuecenter`` command as it runs for the command line ``args``: its help in the
    language the command speaks (``--lang`` in ``args``, else the setting, else the shell's
    locale), its on/off options shown as flags."""
    built = typer.main.get_command(app)
    assert isinstance(built, TyperGroup)  # the app has sub-commands
    with use_locale(cli_language(normalize(language_of(args)))):
        localize(built)
    _flags_without_type(built)
    return built


def _run(args: list[str], json_errors: bool) -> None:
    # The language of everything printed before the --lang callback runs (--help, usage
    # errors); the callback sets the same one.
    set_locale(cli_language(normalize(language_of(args))))
    cli = command(args)
    try:
        code = cli.main(args=args, prog_name="valuecenter", standalone_mode=False)
    except typer.Abort:
        if json_errors:
            fail(_("interrupted"), 130, error="interrupted")
        typer.rich_utils.rich_abort_error()
        raise SystemExit(1) from None
    except typer.TyperException as exc:  # Click's usage errors, in the command's language
        shown = localized(exc) if isinstance(exc, ClickException) else exc
        if json_errors:
            # Under --json a usage error is the same JSON error object as any other.
            fail(
                shown.format_message() if isinstance(shown, ClickException) else str(shown),
                getattr(shown, "exit_code", 2),
                error="usage",
            )
        if not isinstance(shown, ClickException):
            raise
        typer.rich_utils.rich_format_error(shown)
        raise SystemExit(shown.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    json_errors = wants_json(args)
    run_guarded(lambda: _run(args, json_errors), json_errors=json_errors)
