"""The history a forecast model sees: the grid's rows up to a forecast origin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class History:
    """``values`` (rows × open slots, unobserved rows imputed), each row's weekday, which rows
    are *usable* as a pattern (observed and not a holiday or peak day), the rows in a week,
    which rows have data and which cells are open (their weekday has had data in that slot)."""

    values: npt.NDArray[np.float64]
    weekdays: npt.NDArray[np.int64]
    usable: npt.NDArray[np.bool_]
    period: int
    observed: npt.NDArray[np.bool_]
    open_cells: npt.NDArray[np.bool_]

    def head(self, rows: int) -> History:
        """The first ``rows`` rows (the history at an earlier origin)."""
        return History(
            self.values[:rows],
            self.weekdays[:rows],
            self.usable[:rows],
            self.period,
            self.observed[:rows],
            self.open_cells[:rows],
        )


Model = Callable[[History, npt.NDArray[np.int64]], npt.NDArray[np.float64]]
"""A model: the history and the weekdays of the rows ahead → the point forecast of those rows
(rows ahead × open slots, counts ≥ 0)."""
