"""What the commands on files share: a named column of the file that was read, or a one-line
error naming the option and listing the columns the file has."""

from __future__ import annotations

from pathlib import Path
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


def read_text(path: Path, limit_mb: int = 200) -> str:
    """The UTF-8 text of ``path``, or a one-line error naming the file."""
    if not path.is_file():
        raise InvalidInput("file", _("%(path)s is not a file", path=str(path)))
    if path.stat().st_size > limit_mb * 1024 * 1024:
        raise InvalidInput("file", _("larger than %(mb)s MB", mb=limit_mb))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("file", _("not UTF-8 text")) from None
