"""Input checks shared by the CLV models: one :class:`InputError` line naming the field."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError

FloatArray = npt.NDArray[np.float64]


def as_float_array(values: npt.ArrayLike, field: str) -> FloatArray:
    """``values`` as a 1-D float64 array without missing or infinite values."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1:
        raise InputError(f"{field}: needs a one-dimensional list of numbers")
    if not np.isfinite(array).all():
        raise InputError(f"{field}: has missing or infinite values")
    return array


def rfm_arrays(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Frequency, recency and age checked for the conventions of the BG/NBD and its kin.

    ``frequency`` is a whole number ≥ 0 of repeat purchases, ``0 ≤ recency ≤ T``, and a
    customer without repeat purchases has recency 0 (Fader, Hardie & Lee 2005, section 2).
    Scalars broadcast against arrays.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    age = as_float_array(T, "T")
    try:
        x, t_x, age = np.broadcast_arrays(x, t_x, age)
    except ValueError:
        raise InputError("frequency: frequency, recency and T differ in length") from None
    if (x < 0).any() or (np.floor(x) != x).any():
        raise InputError("frequency: needs whole numbers ≥ 0 (repeat purchases)")
    if (t_x < 0).any():
        raise InputError("recency: needs values ≥ 0")
    if (age < 0).any():
        raise InputError("T: needs values ≥ 0 (time since the first purchase)")
    if (t_x > age * (1 + 1e-12)).any():
        raise InputError("recency: is larger than T for some customers")
    if ((x == 0) & (t_x != 0)).any():
        raise InputError("recency: must be 0 for customers without repeat purchases")
    return x, t_x, age


def weights_array(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    """Non-negative weights (counts of identical customers); ones when ``None``."""
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = as_float_array(weights, "weights")
    if w.shape != (n,):
        raise InputError("weights: needs one weight per customer")
    if (w < 0).any() or w.sum() <= 0:
        raise InputError("weights: needs values ≥ 0 with a positive sum")
    return w
