"""The mark every text column carries: does it hold personal data (GDPR art. 4(1))?

Each ``String``, ``Text``, ``JSON`` and binary column of the model says so once, where it is
declared: ``mapped_column(String(200), info=PERSONAL)`` or ``info=NOT_PERSONAL``. Closed
vocabularies (``str_enum``, ``str_choice``) cannot hold a personal value and need no mark.
``privacy/`` reads the marks to export and erase one customer's data, and a test refuses a
column without one, so a new domain decides for each of its columns before it can merge.

A personal column is erased by its kind (``privacy/erasure.py``): a unique identifier gets an
anonymous one, a nullable value becomes NULL, any other text or JSON has the customer's own
values cut out of it (his name in a reason, his number in a note).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Enum, LargeBinary, String, Text

PERSONAL: dict[str, object] = {"personal": True}
NOT_PERSONAL: dict[str, object] = {"personal": False}

MARKED_TYPES = (String, Text, JSON, LargeBinary)


def needs_mark(column: Column[object]) -> bool:
    """Whether ``column`` can hold free text or data and so must say if it is personal."""
    return isinstance(column.type, MARKED_TYPES) and not isinstance(column.type, Enum)


def is_personal(column: Column[object]) -> bool:
    """Whether ``column`` is marked as holding personal data."""
    return bool(column.info.get("personal", False))


def is_marked(column: Column[object]) -> bool:
    return isinstance(column.info.get("personal"), bool)
