"""An experiment file's outcome and arm columns as numbers.

The outcome must say plainly which value is the good one: ``1/0``, ``true/false`` (``t/f``) or
``yes/no`` (``y/n``), any case, mixed spellings allowed; 1, true and yes are y = 1. Any other
value is an :class:`InputError` naming its file line — also a pair like ``renewed/cancelled``,
because an uplift's sign depends on which value is 1 and guessing it could turn a model that
finds persuadables into one that finds sleeping dogs. A blank cell is y = −1: the caller drops
the row and counts it (an outcome not known yet, e.g. a campaign still running).

Cells are read as :mod:`valuecenter.analytics.churn.target` reads a target (stripped text,
Parquet's 1.0 as 1, booleans as true/false).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.churn.target import _text as cell_text
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift.base import IntArray
from valuecenter.i18n import N_

ONE = frozenset({"1", "1.0", "true", "t", "yes", "y"})
ZERO = frozenset({"0", "0.0", "false", "f", "no", "n"})


def line(position: int) -> int:
    """The file line of a row position (the header is line 1)."""
    return position + 2


def folded_text(values: pd.Series) -> npt.NDArray[np.object_]:
    """Cells as stripped, lower-cased text (``""`` for a blank)."""
    return np.asarray(cell_text(values).str.lower().to_numpy(), dtype=object)


def parse_outcome(values: pd.Series, column: str, rows: npt.NDArray[np.bool_]) -> IntArray:
    """1, 0, or −1 (blank) per cell of ``values``; only the cells of ``rows`` are checked (the
    others — rows outside the compared arms — are −1 and never used)."""
    text = folded_text(values)
    one = np.isin(text, list(ONE))
    zero = np.isin(text, list(ZERO))
    blank = text == ""
    wrong = np.nonzero(rows & ~(one | zero | blank))[0]
    if len(wrong):
        at = int(wrong[0])
        shown = str(values.iloc[at]).strip()
        raise InputError(
            N_(
                "outcome_col: line %(line)s: '%(shown)s' in column '%(column)s' is not "
                "an outcome; use 1/0, true/false or yes/no (any case)"
            ),
            line=line(at),
            shown=shown,
            column=column,
        )
    out: IntArray = np.where(one, 1, np.where(zero, 0, -1)).astype(np.int64)
    out[~rows] = -1
    return out
