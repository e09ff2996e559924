"""Click's usage errors in the command's language.

Click (vendored by Typer) writes its usage errors in English without a translation hook:
"No such option: --x (Possible options: …)", "Missing option '--data'.", "Invalid value for
'--folds': Input should be greater than or equal to 2" (the inner part from pydantic). Each
known phrase is matched by a pattern and replaced by its translation, outer phrases and inner
ones alike, so a message whose phrases are all known reads wholly in the language; an unknown
phrase stays English rather than being lost.
"""

from __future__ import annotations

import re
from functools import partial

from typer._click.exceptions import ClickException, UsageError

from valuecenter.i18n import N_, gettext

PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"No such option: (?P<option>\S+)", N_("No such option: %(option)s")),
        (r"\(Possible options: (?P<options>[^)]*)\)", N_("(Possible options: %(options)s)")),
        (r"No such command (?P<command>'[^']*')\.", N_("No such command %(command)s.")),
        (r"Did you mean (?P<suggestion>.+)\?", N_("Did you mean %(suggestion)s?")),
        (r"Missing option (?P<option>'[^']*')\.", N_("Missing option %(option)s.")),
        (r"Missing argument (?P<argument>'[^']*')\.", N_("Missing argument %(argument)s.")),
        (r"Missing parameter: (?P<name>\S+)", N_("Missing parameter: %(name)s")),
        (
            r"Got unexpected extra argument\(s\) \((?P<arguments>[^)]*)\)",
            N_("Got unexpected extra argument(s) (%(arguments)s)"),
        ),
        (r"Invalid value for (?P<param>'[^']*'):", N_("Invalid value for %(param)s:")),
        (
            r"Input should be a valid integer, unable to parse string as an integer",
            N_("Input should be a valid integer, unable to parse string as an integer"),
        ),
        (
            r"Input should be a valid number, unable to parse string as a number",
            N_("Input should be a valid number, unable to parse string as a number"),
        ),
        (
            r"Input should be greater than or equal to (?P<limit>\S+)",
            N_("Input should be greater than or equal to %(limit)s"),
        ),
        (
            r"Input should be less than or equal to (?P<limit>\S+)",
            N_("Input should be less than or equal to %(limit)s"),
        ),
    )
)
"""Click's and pydantic's English phrases with the message id of each."""


def translated(message: str) -> str:
    """``message`` with every known phrase in the current language."""
    for pattern, message_id in PHRASES:
        message = pattern.sub(partial(_phrase, message_id), message)
    return message


def _phrase(message_id: str, match: re.Match[str]) -> str:
    params = match.groupdict()
    return gettext(message_id, **params) if params else gettext(message_id)


class TranslatedUsageError(UsageError):
    """A usage error shown with its message translated; the context (for the usage line and
    the "try --help" hint) and the exit code stay those of the original."""

    def __init__(self, original: ClickException) -> None:
        super().__init__(translated(original.format_message()), getattr(original, "ctx", None))
        self.exit_code = original.exit_code

    def format_message(self) -> str:
        return self.message


def localized(error: ClickException) -> ClickException:
    """``error`` in the current language when it is one of Click's usage errors; any other
    error (and the "no arguments: show the help" one, which prints no message) unchanged."""
    if not isinstance(error, UsageError) or type(error).__name__ == "NoArgsIsHelpError":
        return error
    return TranslatedUsageError(error)
