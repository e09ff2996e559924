"""``valuecenter report``: the monthly report as one self-contained HTML page or an A4 PDF
(issue 23, point 4; docs/finance.md, "The monthly report").

``report --month YYYY-MM | --latest --out FILE [--format html|pdf] [--lang nl|en]``: the P&L
of the month and the year to date, the value segments, retention, NPS and service, staffing
and the method notes (``finance/report.py``). The file is written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import typer

from valuecenter.cli import context
from valuecenter.errors import InvalidInput
from valuecenter.finance.pnl import month_bounds, month_or_latest
from valuecenter.i18n import LOCALES, N_, _, normalize, set_locale

FORMATS = ("html", "pdf")

HELP = N_(
    "Write the monthly report: the P&L of the month and the year to date, value segments,\n"
    "retention, NPS and service, staffing and the method notes, as one self-contained HTML\n"
    "page or an A4 PDF (printed by Chromium)."
)
"""The help of the command (--help)."""


def _format(fmt: str | None, out: Path) -> str:
    chosen = (fmt or ("pdf" if out.suffix.lower() == ".pdf" else "html")).strip().lower()
    if chosen not in FORMATS:
        raise InvalidInput(
            "--format",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=fmt,
                choices=", ".join(FORMATS),
            ),
        )
    return chosen


def report(
    month: str | None = typer.Option(None, "--month", help=N_("The month, YYYY-MM.")),
    latest: bool = typer.Option(False, "--latest", help=N_("The last complete month in the data.")),
    out: Path = typer.Option(..., "--out", help=N_("The file to write.")),
    fmt: str | None = typer.Option(
        None, "--format", help=N_("html or pdf (default: pdf for a .pdf file, else html).")
    ),
    lang: str | None = typer.Option(
        None, "--lang", help=N_("Language of the report: nl or en (default: the CLI's).")
    ),
) -> None:
    # Imported here: the report reads every domain (pandas and all), the other commands need
    # none of it to start.
    from valuecenter.finance import report as monthly

    if lang is not None:
        if normalize(lang) is None:
            raise InvalidInput(
                "--lang",
                _("'%(value)s' is not one of %(choices)s", value=lang, choices=", ".join(LOCALES)),
            )
        set_locale(normalize(lang))  # for the rest of the command, like the global --lang
    if (month is None) == (not latest):
        raise InvalidInput("--month", _("give either --month YYYY-MM or --latest"))
    if month is not None:
        try:
            month_bounds(month)
        except InvalidInput as error:
            raise InvalidInput("--month", error.detail) from None
    chosen_format = _format(fmt, out)
    target = monthly.check_out(out)
    if chosen_format == "pdf":
        monthly.browser()  # no Chromium: say so before reading the figures
    with context.sessions()() as session:
        chosen = month_or_latest(session, month)
        data = monthly.gather(session, chosen)
        html = monthly.render_html(data, zone=context.settings().display_zone)
    monthly.write(html, target, chosen_format)
    typer.echo(
        _(
            "Monthly report %(month)s written to %(path)s (%(format)s)",
            month=chosen,
            path=str(target),
            format=chosen_format.upper(),
        )
    )
