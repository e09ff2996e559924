"""The language of the CLI's output, chosen once per command.

The rule, first match wins: the ``--lang`` option; ``VALUECENTER_LANGUAGE`` (the setting);
the shell's locale as POSIX reads it for messages — the first of ``LC_ALL``, ``LC_MESSAGES``,
``LANG`` that is set decides, so ``LANG=nl_NL.UTF-8`` gives Dutch and ``LC_ALL=C`` English;
else English. A locale the product does not speak (``C``, ``de_DE``) means English. ``--json``
output is language-neutral whatever the language: its keys and codes never change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import ValidationError

from valuecenter.i18n import DEFAULT_LOCALE, normalize
from valuecenter.settings import get_settings

SHELL_VARIABLES: tuple[str, ...] = ("LC_ALL", "LC_MESSAGES", "LANG")


def shell_language(environ: Mapping[str, str]) -> str | None:
    """The language of the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set (POSIX
    precedence), when the product speaks it; None otherwise."""
    for variable in SHELL_VARIABLES:
        value = environ.get(variable)
        if value:
            return normalize(value)
    return None


def configured_language() -> str | None:
    """``VALUECENTER_LANGUAGE`` through the settings; None when unset. Settings that do not
    validate are reported by the command that reads them, so here they only mean "unset"
    (with the raw variable still honoured)."""
    try:
        return get_settings().language
    except ValidationError:
        return normalize(os.environ.get("VALUECENTER_LANGUAGE"))


def cli_language(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language a command speaks: ``--lang``, the setting, the shell's locale, English."""
    return (
        normalize(option)
        or configured_language()
        or shell_language(os.environ if environ is None else environ)
        or DEFAULT_LOCALE
    )
