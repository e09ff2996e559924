"""Customer lifetime value over a horizon: BG/NBD purchases times Gamma-Gamma value, discounted.

The approach of ``lifetimes``' ``customer_lifetime_value`` (Fader, Hardie & Lee 2005, "RFM and
CLV: using iso-value curves for customer base analysis", *Journal of Marketing Research*
42(4), 415–430, section "Computing CLV", in discrete steps): the expected purchases in step k
are the difference of the cumulative conditional expectations E[Y(k s)] − E[Y((k − 1) s)]
(Fader, Hardie & Lee 2005, *Marketing Science*, eq. 10), each purchase is worth the
Gamma-Gamma expected mean value (Fader & Hardie 2013, eq. 5), and step k is discounted by
(1 + d)^k:

    CLV = Σ_{k=1}^{H} E(M) · (E[Y(k s)] − E[Y((k − 1) s)]) / (1 + d)^k.

The purchase and spend processes are assumed independent, as both models do.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.clv._checks import FloatArray, rfm_arrays
from valuecenter.analytics.clv.bgnbd import BgNbdFit, expected_purchases
from valuecenter.analytics.clv.gamma_gamma import GammaGammaFit, expected_average_value
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


def customer_lifetime_value(
    bgnbd: BgNbdFit,
    gg: GammaGammaFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the papers' T)
    monetary: npt.ArrayLike,
    horizon_periods: int,
    discount_rate_per_period: float,
    *,
    period_length: float = 1.0,
) -> FloatArray:
    """The discounted expected value of each customer's purchases over the next periods.

    Parameters
    ----------
    bgnbd, gg : BgNbdFit, GammaGammaFit
        The fitted purchase and value models.
    frequency, recency, T, monetary : array_like
        Each customer's summary (as the models were fitted on) and mean repeat-purchase value.
    horizon_periods : int
        Number of discounting periods H ≥ 1.
    discount_rate_per_period : float
        Discount rate d ≥ 0 per period, e.g. 0.01 per month.
    period_length : float, default 1
        Length s of one discounting period in the models' unit of time (e.g. 30 for months
        when the models count days).

    Returns
    -------
    numpy.ndarray
        CLV per customer, in the unit of ``monetary``.
    """
    if isinstance(horizon_periods, bool) or not isinstance(horizon_periods, int | np.integer):
        raise InputError(N_("horizon_periods: needs a whole number of periods"))
    if horizon_periods < 1:
        raise InputError(N_("horizon_periods: needs at least 1 period"))
    if not math.isfinite(discount_rate_per_period) or discount_rate_per_period < 0:
        raise InputError(N_("discount_rate_per_period: needs a rate ≥ 0"))
    if not math.isfinite(period_length) or period_length <= 0:
        raise InputError(N_("period_length: needs a length > 0"))
    x, t_x, age = rfm_arrays(frequency, recency, T)
    value = expected_average_value(gg, x, np.broadcast_to(np.asarray(monetary, float), x.shape))
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    for k in range(1, horizon_periods + 1):  # one step at a time: memory stays O(customers)
        cumulative = expected_purchases(bgnbd, k * period_length, x, t_x, age)
        clv += (cumulative - previous) / (1.0 + discount_rate_per_period) ** k
        previous = cumulative
    result: FloatArray = value * clv
    return result
