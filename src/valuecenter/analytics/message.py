"""Lines of text the analytics core hands to a person (why a figure has no interval), in
English, that the front doors show in the user's language.

:class:`Message` is a ``str``: its value is the English line, so JSON, logs and comparisons
see what they always saw; it also keeps its ``N_()``-marked message id and parameters, and
:func:`shown` gives the line in the current language where it is shown. Like
:class:`~valuecenter.analytics.errors.InputError`, the core never looks at a language.
"""

from __future__ import annotations

from valuecenter.i18n import gettext


class Message(str):
    """An English line with its message id and parameters (which may be messages too)."""

    message_id: str
    params: dict[str, object]

    def __new__(cls, message_id: str, /, **params: object) -> Message:
        text = message_id % params if params else message_id
        self = super().__new__(cls, text)
        self.message_id = message_id
        self.params = params
        return self

    def translated(self) -> str:
        """The line in the current language (:func:`valuecenter.i18n.gettext`)."""
        params = {k: shown(v) if isinstance(v, str) else v for k, v in self.params.items()}
        return gettext(self.message_id, **params) if params else gettext(self.message_id)


def shown(text: str | None) -> str | None:
    """``text`` in the current language when it is a :class:`Message`; as it is otherwise."""
    return text.translated() if isinstance(text, Message) else text
