"""What the commands on files share: a named column of the file that was read, or a one-line
error naming the option and listing the columns the file has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

if TYPE_CHECKING:
    import pandas as pd


def column(frame: pd.DataFrame, name: str, option: str) -> pd.Series:
    """The column ``name`` of ``frame`` (the file given with ``option``)."""
    if name not in frame.columns:
        columns = ", ".join(str(c) for c in frame.columns)
        raise InvalidInput(
            option,
            _(
                "no column '%(name)s' in the file (columns: %(columns)s)",
                name=name,
                columns=columns,
            ),
        )
    found: pd.Series = frame[name]
    return found
