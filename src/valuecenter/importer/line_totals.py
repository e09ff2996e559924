"""An order line's total in cents from its quantity and its unit price in ten-thousandths.

Rule (docs/data-format.md, "Orders"): total = quantity × unit price, rounded to the cent half
away from zero — 3 × 0.0015 = 0.0045 → 0.00; 5 × 0.001 = 0.005 → 0.01; −5 × 0.001 → −0.01 — so a
return line mirrors its sale exactly. Computed in exact integer arithmetic (no floats): the
price is split into whole cents and the remaining hundredths of a cent, so nothing overflows
64 bits unless the total itself does (such a line is refused). When every quantity times
every price fits (the largest |quantity| × the largest |price| ≤ :data:`MAX_TOTAL_CENTS`,
checked in Python integers: every real file), the product is taken directly — the same
result in a third of the passes over the lines (docs/benchmarks.md, "Import").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
MAX_TOTAL_CENTS = 9_000_000_000_000_000
"""The largest line total stored (|total| in cents; fits a signed 64-bit integer)."""
PER_CENT = 100
"""Ten-thousandths of the currency unit in one cent."""


def line_totals(quantity: IntArray, price: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Per line its total in cents and whether it is out of range (then its total is 0)."""
    quantity = quantity.astype(np.int64, copy=False)
    price = price.astype(np.int64, copy=False)
    if _largest(quantity) * _largest(price) <= MAX_TOTAL_CENTS:
        product = quantity * price  # |product| ≤ MAX_TOTAL_CENTS < 2**63: no overflow
        magnitude = (np.abs(product) + PER_CENT // 2) // PER_CENT
        small: IntArray = np.where(product < 0, -magnitude, magnitude)
        return small, np.zeros(len(small), dtype=bool)
    q = np.abs(quantity.astype(np.int64))
    p = np.abs(price.astype(np.int64))
    sign = np.sign(quantity).astype(np.int64) * np.sign(price).astype(np.int64)
    whole, part = np.divmod(p, PER_CENT)
    # q × whole overflows only when it exceeds the limit: test by division first.
    limit = np.where(q > 0, MAX_TOTAL_CENTS // np.maximum(q, 1), MAX_TOTAL_CENTS)
    too_large = whole > limit
    safe_whole = np.where(too_large, 0, whole)
    magnitude = q * safe_whole + (q * part + PER_CENT // 2) // PER_CENT
    too_large |= magnitude > MAX_TOTAL_CENTS
    totals: IntArray = np.where(too_large, 0, sign * magnitude).astype(np.int64)
    return totals, too_large


def _largest(values: IntArray) -> int:
    """The largest absolute value, as a Python integer (``abs`` of int64's minimum would
    overflow in numpy)."""
    if not len(values):
        return 0
    return max(abs(int(values.max())), abs(int(values.min())))
