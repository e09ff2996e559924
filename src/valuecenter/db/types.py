"""Small helpers for declaring columns the same way in every domain."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Enum


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A VARCHAR column with a CHECK constraint listing the enum's values (no native type,
    so SQLite and PostgreSQL store it the same and adding a value is a plain migration)."""
    kwargs: dict[str, Any] = {
        "native_enum": False,
        "create_constraint": True,
        "name": name,
        "length": max(len(m.value) for m in enum_cls),
        "values_callable": lambda cls: [m.value for m in cls],
        "validate_strings": True,
    }
    return Enum(enum_cls, **kwargs)


def str_choice(values: Sequence[str], name: str, *, length: int | None = None) -> Enum:
    """A VARCHAR column with a CHECK constraint listing ``values`` — a vocabulary subset kept as
    plain strings (no enum class) — refused before the database with the value and the choices
    when the ORM writes an unknown one. ``length``: the column's width (default: the longest
    value), so a constraint can be added to an existing column without changing its type."""
    return Enum(
        *values,
        native_enum=False,
        create_constraint=True,
        name=name,
        length=length or max(len(v) for v in values),
        validate_strings=True,
    )
