"""Shared pieces of the commands that fit a model on a file (``churn``, ``uplift``): reading the
file, the ``--drop-cols`` list, the analytics errors named by option, the thread policy of
LightGBM and the lines that list what the feature encoding fixed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuecenter.cli.value import _analytics_errors, _read
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, lazy_gettext

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def option_errors(option_of: Mapping[str, str]) -> Iterator[None]:
    """Analytics errors as :class:`InvalidInput`, the analytics' argument names replaced by
    the command's options (``option_of``)."""
    try:
        with _analytics_errors():
            yield
    except InvalidInput as exc:
        raise InvalidInput(option_of.get(exc.field, exc.field), exc.detail) from None


def prepare_threads() -> None:
    """Let idle OpenMP threads sleep instead of spinning. On a machine where another process
    holds a core, LightGBM's spinning threads made one fit 40× slower here (40 s instead of
    1 s on 2,666 rows); passive waiting costs nothing measurable on an idle machine. Only
    effective before LightGBM is loaded, so it is set before the first import; a value the
    user set is kept."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def drop_list(drop_cols: str | None) -> list[str]:
    """``A, B`` → ``["A", "B"]`` (blanks ignored)."""
    return [c.strip() for c in (drop_cols or "").split(",") if c.strip()]


def load_frame(data: Path) -> pd.DataFrame:
    """The rows of the ``--data`` file (CSV, Parquet or XLSX); none is a one-line error."""
    frame = _read(data, None)
    if len(frame) == 0:
        raise InvalidInput("--data", _("%(file)s: has no rows below the header", file=data))
    return frame


# The kinds of fix the feature encoding reports (keys of its JSON), in words.
_FIX_WORDS = {
    "cells_filled_with_median": lazy_gettext("cells filled with median"),
    "not_numbers_treated_as_blank": lazy_gettext("not numbers treated as blank"),
    "blank_text_cells": lazy_gettext("blank text cells"),
    "rare_values_not_encoded": lazy_gettext("rare values not encoded"),
    "columns_dropped": lazy_gettext("columns dropped"),
}


def fixes_lines(fixes: dict[str, Any]) -> list[str]:
    """One indented line per kind of fix the feature encoding made, with its columns."""
    lines = []
    for kind, per_column in fixes.items():
        shown = ", ".join(f"{column} ({what})" for column, what in per_column.items())
        lines.append(f"  {_FIX_WORDS.get(kind, kind.replace('_', ' '))}: {shown}")
    return lines
