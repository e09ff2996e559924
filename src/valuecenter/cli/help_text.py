"""``--help`` in the command's language.

The help texts are English message ids marked with ``N_()`` where the commands are declared
(``typer.Typer(help=N_(…))``, ``@app.command(help=N_(…))``, ``typer.Option(help=N_(…))``); Typer
copies them into the Click command tree when it builds it. :func:`localize` then walks that
tree once, in the language the command will speak, and replaces every text by its translation:
the help of each group, command, argument and option (``--help``'s own included), the usage
line's prefix and the labels Typer's Rich help prints around them ("Options", "[required]",
"[default: …]"). Typer reads those labels from module constants of ``typer.rich_utils`` when it
renders, so they are set there; the Rich formatting itself is untouched.

The language has to be known before the help is printed, and ``--help`` is handled while the
command line is parsed, before any callback: :func:`language_of` reads ``--lang`` from the raw
arguments, and the rest of the rule (``VALUECENTER_LANGUAGE``, the shell's locale) is the one
of ``cli/language.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer.rich_utils
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from valuecenter.i18n import N_, gettext
from valuecenter.importer.entities import ENTITIES

HELP_VALUES: dict[str, str] = {"entities": ", ".join(ENTITIES)}
"""The values of the ``%(name)s`` placeholders of help texts (lists that the code knows)."""

RICH_LABELS: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
"""The labels Typer's Rich help and error panels print, by their constant in ``rich_utils``."""

USAGE_PREFIX = N_("Usage: ")
HELP_OPTION = N_("Show this message and exit.")


def translated(text: str | None) -> str | None:
    """A help text in the current language; its ``%(name)s`` placeholders filled from
    :data:`HELP_VALUES`. Text that is no message id stays as it is."""
    if not text:
        return text
    return gettext(text, **HELP_VALUES) if "%(" in text else gettext(text)


class LocalizedFormatter(HelpFormatter):
    """Click's help formatter with the usage line's prefix in the command's language (set by
    :func:`localize`: the root's ``--help`` is printed before the language callback runs)."""

    usage_prefix = USAGE_PREFIX

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, self.usage_prefix if prefix is None else prefix)


class LocalizedContext(Context):
    """Click's context, with :class:`LocalizedFormatter` for the help."""

    formatter_class = LocalizedFormatter


def language_of(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` in the raw arguments (``--lang nl`` or ``--lang=nl``), None
    when absent; options end at ``--``."""
    options = list(args)
    for position, arg in enumerate(options):
        if arg == "--":
            return None
        if arg == "--lang" and position + 1 < len(options):
            return options[position + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def localize(command: Any) -> None:
    """Translate the help of ``command`` and of all its sub-commands in place, in the current
    language, and set Typer's Rich labels to it."""
    for constant, label in RICH_LABELS.items():
        setattr(typer.rich_utils, constant, gettext(label))
    LocalizedFormatter.usage_prefix = gettext(USAGE_PREFIX)
    _localize(command)


def _localize(command: Any) -> None:
    command.help = translated(command.help)
    command.short_help = translated(command.short_help)
    command.epilog = translated(command.epilog)
    if isinstance(command, TyperCommand | TyperGroup):
        help_option = command.get_help_option(typer.Context(command))  # made once, then kept
        if help_option is not None:
            help_option.help = gettext(HELP_OPTION)
        command.context_class = LocalizedContext
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None):
            param.help = translated(param.help)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _localize(sub)
