"""The ``valuecenter`` command."""

from __future__ import annotations

import typer

from valuecenter import __version__
from valuecenter.cli import alerts as alerts_cli
from valuecenter.cli import churn as churn_cli
from valuecenter.cli import consent as consent_cli
from valuecenter.cli import db, demo, score, serve, users
from valuecenter.cli import importer as importer_cli
from valuecenter.cli import offers as offers_cli
from valuecenter.cli import renewals as renewals_cli
from valuecenter.cli import retention as retention_cli
from valuecenter.cli import uplift as uplift_cli
from valuecenter.cli import value as value_cli
from valuecenter.cli.errors import run_guarded

app = typer.Typer(
    help="valuecenter: the customer-service department as a profit center.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.command("serve")(serve.serve)
app.add_typer(demo.app, name="demo")
app.command("bootstrap")(demo.bootstrap)
app.command("import")(importer_cli.import_command)
app.command("score")(score.score)
app.add_typer(value_cli.clv_app, name="clv")
app.add_typer(value_cli.value_app, name="value")
app.add_typer(churn_cli.app, name="churn")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(uplift_cli.app, name="uplift")
retention_cli.app.command("renewals")(renewals_cli.renewals)
app.add_typer(retention_cli.app, name="retention")
app.add_typer(offers_cli.app, name="offers")
app.add_typer(consent_cli.app, name="consent")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    run_guarded(lambda: app(standalone_mode=True))
