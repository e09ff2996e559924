"""Errors of the analytics core.

The core raises them in English and never looks at a language: the message is an English
message id marked with ``N_()`` (the Babel extraction puts it in the ``messages`` catalogue),
its ``%(name)s`` placeholders filled from the parameters. ``str(error)`` is the English line;
the front doors show :meth:`InputError.translated`, the same line in the user's language.
"""

from __future__ import annotations

from valuecenter.i18n import gettext


class InputError(ValueError):
    """Input data an analytics function cannot work with; the message names the column or the
    argument first ("monetary: needs values > 0 for every repeat buyer")."""

    def __init__(self, message: str, /, **params: object) -> None:
        self.message_id = message
        self.params = params
        super().__init__(message % params if params else message)

    @property
    def field(self) -> str:
        """The column or argument the message names first ("monetary"); empty when it names
        none. Translations keep it (a test checks), so it also starts :meth:`translated`."""
        head, sep, _rest = str(self).partition(": ")
        return head if sep and head and " " not in head else ""

    def translated(self) -> str:
        """The message in the current language (:func:`valuecenter.i18n.gettext`)."""
        return gettext(self.message_id, **self.params)
