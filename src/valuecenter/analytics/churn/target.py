"""The churn target: a column of two classes turned into 0/1.

Files spell the two classes in many ways (``1/0``, ``true/false``, ``T/F``, ``yes/no``,
``Attrited Customer/Existing Customer`` …). Which one means churn is taken from ``positive``
when given, else inferred from the common spellings below; a third value, a blank (unless the
caller allows blanks: rows to score only) or an undecidable pair is an :class:`InputError` that
names the value and the file line (row index + 2: the header is line 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

# Lower-cased spellings of "this customer churned" and "this customer stayed".
CHURN_WORDS = frozenset(
    {
        "1", "true", "t", "yes", "y", "churn", "churned", "churner", "left", "lost", "gone",
        "cancelled", "canceled", "attrited", "attrited customer", "exited", "closed",
    }
)  # fmt: skip
STAY_WORDS = frozenset(
    {
        "0", "false", "f", "no", "n", "stayed", "stay", "retained", "active", "existing",
        "existing customer", "no churn", "not churned", "current", "open",
    }
)  # fmt: skip
MIN_CLASS_ROWS = 10
"""Rows each class needs before a model is fitted: fewer churners than this carry no signal
that cross-validation could measure."""


@dataclass(frozen=True)
class Target:
    """The parsed target: ``y`` is 1 for churn, 0 for stay, -1 for a blank (rows to score only,
    when blanks are allowed); ``positive`` and ``negative`` are the file's own spellings."""

    y: npt.NDArray[np.int8]
    positive: str
    negative: str

    @property
    def labelled(self) -> npt.NDArray[np.bool_]:
        """Rows with a class (not blank)."""
        mask: npt.NDArray[np.bool_] = self.y >= 0
        return mask


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text; whole floats lose their ``.0`` (Parquet's 1.0 is the CSV's 1);
    blanks become ``""``. Each distinct value is converted once."""

    def one(value: object) -> str:
        if isinstance(value, bool | np.bool_):
            return "true" if value else "false"
        if isinstance(value, float | np.floating):
            number = float(value)
            if not np.isfinite(number):
                return ""
            return str(int(number)) if number.is_integer() else str(number)
        return str(value).strip()

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = np.array([one(v) for v in uniques] + [""], dtype=object)
    return pd.Series(names[codes], dtype=object)


def _line(position: int) -> int:
    return position + 2


def _shown(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def parse_target(
    values: pd.Series, column: str, positive: str | None = None, *, allow_blank: bool = False
) -> Target:
    """0/1 per row of ``values`` (the target column named ``column``).

    ``positive`` is the value that means churn (matched case-insensitively); without it the
    pair must contain one spelling of :data:`CHURN_WORDS` or of :data:`STAY_WORDS`.
    """
    text = _text(values)
    blank = (text == "").to_numpy()
    if blank.any() and not allow_blank:
        raise InputError(
            N_("target: line %(line)s: column '%(column)s' is blank; every row needs its class"),
            line=_line(int(blank.nonzero()[0][0])),
            column=column,
        )
    folded = text.str.lower()
    seen: list[str] = []  # distinct non-blank values, in order of appearance (folded)
    spelling: dict[str, str] = {}
    for position, key in enumerate(folded):
        if not key or key in spelling:
            continue
        if len(seen) == 2:
            raise InputError(
                N_(
                    "target: line %(line)s: '%(found)s' is a third value in column "
                    "'%(column)s' (the first two: %(first_two)s); a churn target has two classes"
                ),
                line=_line(position),
                found=text.iloc[position],
                column=column,
                first_two=_shown([spelling[k] for k in seen]),
            )
        seen.append(key)
        spelling[key] = str(text.iloc[position])
    if positive is not None:
        wanted = positive.strip().lower()
        if wanted not in spelling:
            raise InputError(
                N_(
                    "positive: '%(positive)s' does not occur in column '%(column)s' (values: "
                    "%(values)s)"
                ),
                positive=positive,
                column=column,
                values=_shown(list(spelling.values())),
            )
        churn_key = wanted
    else:
        churn_key = _infer_positive(seen, spelling, column)
    others = [k for k in seen if k != churn_key]
    if not others:
        raise InputError(
            N_(
                "target: column '%(column)s' has only the value '%(spelling)s'; a churn "
                "model needs rows of both classes"
            ),
            column=column,
            spelling=spelling[churn_key],
        )
    y = np.where(blank, -1, np.where(folded.to_numpy() == churn_key, 1, 0)).astype(np.int8)
    return Target(y=y, positive=spelling[churn_key], negative=spelling[others[0]])


def _infer_positive(seen: list[str], spelling: dict[str, str], column: str) -> str:
    if not seen:
        raise InputError(N_("target: column '%(column)s' is blank on every row"), column=column)
    if len(seen) == 1:
        raise InputError(
            N_(
                "target: column '%(column)s' has only the value '%(spelling)s'; a churn "
                "model needs rows of both classes"
            ),
            column=column,
            spelling=spelling[seen[0]],
        )
    churn = [k for k in seen if k in CHURN_WORDS]
    stay = [k for k in seen if k in STAY_WORDS]
    if len(churn) == 1 and len(stay) != 2:
        return churn[0]
    if len(stay) == 1 and not churn:
        return next(k for k in seen if k not in STAY_WORDS)
    raise InputError(
        N_(
            "positive: cannot tell which of %(values)s in column '%(column)s' means "
            "churn; give --positive"
        ),
        values=_shown([spelling[k] for k in seen]),
        column=column,
    )


def check_classes(target: Target, column: str, minimum: int = MIN_CLASS_ROWS) -> None:
    """Each class needs ``minimum`` labelled rows; else an :class:`InputError` naming the class."""
    labelled = target.y[target.y >= 0]
    for value, name in ((1, target.positive), (0, target.negative)):
        count = int((labelled == value).sum())
        if count < minimum:
            raise InputError(
                N_(
                    "target: column '%(column)s' has %(count)s row(s) of class '%(name)s'; a "
                    "churn model needs at least %(minimum)s of each class"
                ),
                column=column,
                count=count,
                name=name,
                minimum=minimum,
            )
