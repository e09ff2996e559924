"""A table of customer attributes → a numeric matrix, with the same encoding at scoring time.

:func:`fit_encoder` learns, from the training rows only, what each column is and how to encode
it; :meth:`Encoder.transform` applies exactly that encoding to any rows (the fold's test part,
or the customers to score), so nothing of the test rows leaks into the encoding.

Rules, applied per column in the order of the file:

* **numbers** (a numeric dtype, or text of which at least 95% of the non-blank cells read as
  numbers): kept as they are. Blanks — and the few cells that are not numbers, or are ±inf —
  are filled with the training median (the usual simple imputation; Little & Rubin 2019,
  ch. 3) and, when the training rows had any, a 0/1 column ``<col> is missing`` is added so
  the models can still tell a filled cell from a real median (the "missing-indicator" method,
  which tree ensembles and linear models both use well; Van Buuren 2018, sec. 1.3.4).
  Filled cells are counted per column in :class:`Fixes`.
* **text with few distinct values**: one-hot encoded, one 0/1 column ``<col> = <value>`` per
  value seen in training (at most the 100 most frequent; rarer ones are counted). A blank,
  rare or unseen value encodes as all zeros. One-hot rather than LightGBM's native
  categoricals because the same matrix feeds the logistic regression, the gradient boosting
  and their blend, and because the reason codes merge the one-hot columns of one source
  column back into that column; LightGBM's own docs advise one-hot for low-cardinality
  features, and its native categorical splits overfit small files.
* **text with many distinct values** (more than half of the non-blank rows distinct: phone
  numbers, names, free text): dropped and reported — it identifies rows, it does not describe
  them.
* **constant** columns (one value on every row, or blank on every row) and **dates**: dropped
  and reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api import types as ptypes

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatMatrix = npt.NDArray[np.float64]
Role = Literal["value", "missing", "level"]

NUMERIC_SHARE = 0.95
"""A text column is numeric when at least this share of its non-blank cells are numbers."""
ID_SHARE = 0.5
"""A text column with more distinct values than this share of its non-blank rows is an id."""
MAX_LEVELS = 100
"""One-hot columns per text column at most (the most frequent values)."""


@dataclass(frozen=True)
class NumericColumn:
    """A numeric source column: the fill value and whether a missing indicator follows it."""

    name: str
    median: float
    indicator: bool


@dataclass(frozen=True)
class TextColumn:
    """A one-hot encoded source column and the values that get a column, in matrix order."""

    name: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Fixes:
    """What the encoder changed in the data, counted so a user can see and check it."""

    filled: dict[str, int] = field(default_factory=dict)
    not_numbers: dict[str, int] = field(default_factory=dict)
    text_blanks: dict[str, int] = field(default_factory=dict)
    rare_values: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The fixes as JSON-ready dicts (empty kinds left out)."""
        kinds: dict[str, dict[str, int] | dict[str, str]] = {
            "cells_filled_with_median": self.filled,
            "not_numbers_treated_as_blank": self.not_numbers,
            "blank_text_cells": self.text_blanks,
            "rare_values_not_encoded": self.rare_values,
            "columns_dropped": self.dropped,
        }
        return {kind: counts.copy() for kind, counts in kinds.items() if counts}


@dataclass(frozen=True)
class FeatureLayout:
    """What each matrix column is: its name, its source column, its role and (one-hot) value,
    plus the training median of every numeric source (the "typical" value of a reason)."""

    names: tuple[str, ...]
    sources: tuple[str, ...]
    roles: tuple[Role, ...]
    levels: tuple[str | None, ...]
    typical: dict[str, float]

    @staticmethod
    def plain(names: Iterable[str]) -> FeatureLayout:
        """A layout of plain numeric columns, each its own source (no medians known)."""
        names = tuple(names)
        return FeatureLayout(
            names=names,
            sources=names,
            roles=tuple("value" for _ in names),
            levels=tuple(None for _ in names),
            typical={},
        )

    @property
    def source_names(self) -> tuple[str, ...]:
        """The source columns, in matrix order, each once."""
        return tuple(dict.fromkeys(self.sources))

    def source_matrix(self) -> FloatMatrix:
        """(matrix columns × sources) 0/1: summing a row's column contributions over a source."""
        index = {s: i for i, s in enumerate(self.source_names)}
        merge = np.zeros((len(self.names), len(index)))
        merge[np.arange(len(self.names)), [index[s] for s in self.sources]] = 1.0
        return merge

    def source_index(self) -> npt.NDArray[np.int64]:
        """Per matrix column the index of its source column (in :attr:`source_names`)."""
        index = {s: i for i, s in enumerate(self.source_names)}
        return np.array([index[s] for s in self.sources], dtype=np.int64)


@dataclass(frozen=True)
class Encoder:
    """The encoding learned by :func:`fit_encoder`; :meth:`transform` applies it to any rows."""

    columns: tuple[NumericColumn | TextColumn, ...]
    layout: FeatureLayout
    fixes: Fixes

    def transform(self, frame: pd.DataFrame) -> FloatMatrix:
        """The matrix of ``frame`` (same columns, in :attr:`layout` order, as at fit time)."""
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise InputError(
                N_("data: column '%(missing)s' of the trained model is not in the data"),
                missing=missing[0],
            )
        n = len(frame)
        out = np.zeros((n, len(self.layout.names)))
        at = 0
        for column in self.columns:
            if isinstance(column, NumericColumn):
                values, _blank, _bad = _numbers(frame[column.name])
                absent = np.isnan(values)
                out[:, at] = np.where(absent, column.median, values)
                at += 1
                if column.indicator:
                    out[:, at] = absent
                    at += 1
            else:
                text, _blank = _stripped(frame[column.name])
                codes = pd.Categorical(text, categories=list(column.levels)).codes
                hit = codes >= 0
                out[np.nonzero(hit)[0], at + codes[hit]] = 1.0
                at += len(column.levels)
        return out


def _stripped(series: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Text cells stripped, blanks as NA, and the blank mask."""
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    return text.mask(blank), blank


def _numbers(
    series: pd.Series,
) -> tuple[FloatMatrix, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Float values (NaN where absent), the blank mask and the mask of cells that are not
    numbers (text that does not parse, or ±inf)."""
    values: FloatMatrix
    blank: npt.NDArray[np.bool_]
    if ptypes.is_bool_dtype(series.dtype) or ptypes.is_numeric_dtype(series.dtype):
        values = np.asarray(
            series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64
        )
        blank = np.isnan(values)
    else:
        text, blank = _stripped(series)
        values = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=np.float64)
    finite = np.isfinite(values)
    bad: npt.NDArray[np.bool_] = ~finite & ~blank
    return np.where(finite, values, np.nan), blank, bad


def _is_date(series: pd.Series) -> bool:
    dtype = series.dtype
    if ptypes.is_datetime64_any_dtype(dtype):
        return True
    return isinstance(dtype, pd.ArrowDtype) and dtype.kind in "mM"


def fit_encoder(frame: pd.DataFrame) -> Encoder:
    """Learn the encoding of every column of ``frame`` (the feature columns only: no target,
    no id) by the rules of this module."""
    columns: list[NumericColumn | TextColumn] = []
    names: list[str] = []
    sources: list[str] = []
    roles: list[Role] = []
    levels: list[str | None] = []
    typical: dict[str, float] = {}
    fixes = Fixes()
    for name in (str(c) for c in frame.columns):
        series = frame[name]
        if _is_date(series):
            fixes.dropped[name] = "a date column (dates are not used as features)"
            continue
        numeric = _as_numeric(series)
        if numeric is not None:
            values, _blank, bad = numeric
            absent = np.isnan(values)
            if absent.all():
                fixes.dropped[name] = "blank on every row"
                continue
            present = values[~absent]
            if not absent.any() and (present == present[0]).all():
                fixes.dropped[name] = f"constant ({_number_text(present[0])} on every row)"
                continue
            median = float(np.median(present))
            columns.append(NumericColumn(name, median, indicator=bool(absent.any())))
            typical[name] = median
            names.append(name)
            sources.append(name)
            roles.append("value")
            levels.append(None)
            if absent.any():
                names.append(f"{name} is missing")
                sources.append(name)
                roles.append("missing")
                levels.append(None)
            if absent.any():
                fixes.filled[name] = int(absent.sum())
            if bad.any():
                fixes.not_numbers[name] = int(bad.sum())
            continue
        text, blank = _stripped(series)
        counts = text.value_counts(dropna=True)
        present_rows = int((~blank).sum())
        if len(counts) > ID_SHARE * present_rows and len(counts) > 2:
            fixes.dropped[name] = (
                f"text with {len(counts):,} distinct values in {present_rows:,} rows "
                "(an id or free text, not a trait)"
            )
            continue
        if len(counts) <= 1 and not blank.any():
            shown = f"'{counts.index[0]}'" if len(counts) else "blank"
            fixes.dropped[name] = f"constant ({shown} on every row)"
            continue
        if len(counts) == 0:
            fixes.dropped[name] = "blank on every row"
            continue
        kept = tuple(str(v) for v in counts.index[:MAX_LEVELS])
        if len(counts) > MAX_LEVELS:
            fixes.rare_values[name] = len(counts) - MAX_LEVELS
        if blank.any():
            fixes.text_blanks[name] = int(blank.sum())
        columns.append(TextColumn(name, kept))
        for level in kept:
            names.append(f"{name} = {level}")
            sources.append(name)
            roles.append("level")
            levels.append(level)
    if not columns:
        dropped = "; ".join(f"{k}: {v}" for k, v in fixes.dropped.items())
        if dropped:
            raise InputError(N_("data: no usable feature column (%(dropped)s)"), dropped=dropped)
        raise InputError(N_("data: no usable feature column in the data"))
    layout = FeatureLayout(tuple(names), tuple(sources), tuple(roles), tuple(levels), typical)
    return Encoder(columns=tuple(columns), layout=layout, fixes=fixes)


def _as_numeric(
    series: pd.Series,
) -> tuple[FloatMatrix, npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None:
    """The column as numbers if it is numeric by the rules of this module, else ``None``."""
    values, blank, bad = _numbers(series)
    if ptypes.is_numeric_dtype(series.dtype) or ptypes.is_bool_dtype(series.dtype):
        return values, blank, bad
    present = int((~blank).sum())
    if present == 0:
        return None
    numbers = present - int(bad.sum())
    if numbers >= NUMERIC_SHARE * present and numbers > 0:
        return values, blank, bad
    return None


def _number_text(value: float) -> str:
    return f"{round(float(value), 2):.10g}"


def number_texts(values: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """Numbers as short readable text: at most two decimals, no trailing zeros (``5``,
    ``265.1``, ``45.07``)."""
    rounded = np.round(np.asarray(values, dtype=np.float64), 2) + 0.0  # + 0.0: no "-0"
    texts: npt.NDArray[np.str_] = np.char.mod("%.10g", rounded)
    return texts
