"""Customer lifetime value models, one per module (as pymc-marketing's ``clv``).

* :mod:`.summary` — transactions to per-customer frequency, recency, T and monetary value;
* :mod:`.bgnbd` — the BG/NBD purchase model (Fader, Hardie & Lee 2005);
* :mod:`.gamma_gamma` — the Gamma-Gamma spend model (Fader & Hardie 2013);
* :mod:`.sbg` — the shifted-beta-geometric contract model (Fader & Hardie 2007, 2010);
* :mod:`.value` — CLV over a horizon from the BG/NBD and the Gamma-Gamma.
"""

from valuecenter.analytics.clv.bgnbd import (
    BgNbdFit,
    expected_purchases,
    fit_bgnbd,
    log_likelihood,
    p_alive,
    p_purchases,
)
from valuecenter.analytics.clv.gamma_gamma import (
    GammaGammaFit,
    expected_average_value,
    fit_gamma_gamma,
)
from valuecenter.analytics.clv.gamma_gamma import log_likelihood as gamma_gamma_log_likelihood
from valuecenter.analytics.clv.sbg import (
    SbgFit,
    derl,
    discounted_expected_lifetime,
    expected_lifetime,
    fit_sbg,
    retention_curve,
    survival,
)
from valuecenter.analytics.clv.summary import (
    calibration_and_holdout,
    period_index,
    transaction_summary,
)
from valuecenter.analytics.clv.value import customer_lifetime_value

__all__ = [
    "BgNbdFit",
    "GammaGammaFit",
    "SbgFit",
    "calibration_and_holdout",
    "customer_lifetime_value",
    "derl",
    "discounted_expected_lifetime",
    "expected_average_value",
    "expected_lifetime",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_sbg",
    "gamma_gamma_log_likelihood",
    "log_likelihood",
    "p_alive",
    "p_purchases",
    "period_index",
    "retention_curve",
    "survival",
    "transaction_summary",
]
