"""The value models of the score run: BG/NBD (Fader, Hardie & Lee 2005) on frequency / recency
/ T in weeks and Gamma-Gamma (Fader & Hardie 2013) on the repeat buyers' mean repeat-day value,
fitted on every buyer (:func:`fit_value_models`, on one machine or on a cluster's driver); then
each customer's P(alive), expected purchases and CLV (:func:`value_figures`), which depend on
his own features and the fitted parameters only, so any set of customers (a cluster's
partition) gets the same figures as the run on all of them.

CLV = discounted expected purchases per month × expected average value (monthly discounting of
the yearly rate). Returns and credit notes are normal: a customer whose net spend is ≤ 0 — over
all his purchases, or per repeat purchase — is left out of the Gamma-Gamma fit (the model needs
a positive spend) and counted; he keeps P(alive) and expected purchases, and his CLV is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from valuecenter.analytics.clv.bgnbd import BgNbdFit, expected_purchases, fit_bgnbd, p_alive
from valuecenter.analytics.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma
from valuecenter.analytics.clv.sbg import SbgFit, fit_sbg_individual, next_renewal
from valuecenter.analytics.clv.value import customer_lifetime_value
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.purchases import ContractSummary, PurchaseSummary
from valuecenter.analytics.rfm import RfmCuts, quantile_cuts, rfm_at
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

WEEK_DAYS = 7.0
WEEKS_PER_MONTH = 365.25 / 12 / WEEK_DAYS


@dataclass(frozen=True)
class ValueModels:
    bg: BgNbdFit
    gg: GammaGammaFit
    params: dict[str, object]  # what the run stores (score_runs.models)


@dataclass(frozen=True)
class _Inputs:
    x: npt.NDArray[np.float64]
    t_x: npt.NDArray[np.float64]
    age: npt.NDArray[np.float64]
    monetary: npt.NDArray[np.float64]  # euro
    no_spend: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, f: PurchaseSummary) -> _Inputs:
        return cls(
            x=f.frequency.astype(np.float64),
            t_x=f.recency / WEEK_DAYS,
            age=f.age / WEEK_DAYS,
            monetary=f.repeat_value / 100.0,
            no_spend=net_spend_not_positive(f),
        )


def net_spend_not_positive(f: PurchaseSummary) -> npt.NDArray[np.bool_]:
    """Customers whose returns and credit notes cancel their spend: net spend ≤ 0 over all
    their purchases, or (repeat buyers) a mean repeat-purchase value ≤ 0. They are left out of
    the Gamma-Gamma fit and their CLV is 0 (module docstring)."""
    repeat = f.frequency > 0
    result: npt.NDArray[np.bool_] = (f.total_cents <= 0) | (repeat & (f.repeat_value <= 0))
    return result


def fit_value_models(f: PurchaseSummary) -> ValueModels:
    """BG/NBD on every buyer, Gamma-Gamma on the repeat buyers with a positive net spend."""
    i = _Inputs.of(f)
    fitted = (i.x > 0) & ~i.no_spend
    try:
        bg = fit_bgnbd(i.x, i.t_x, i.age)
        gg = fit_gamma_gamma(i.x[fitted], i.monetary[fitted])
    except InputError as exc:
        raise InvalidInput(
            "orders", _("the value models cannot be fitted: %(reason)s", reason=exc.translated())
        ) from None
    params: dict[str, object] = {
        "bgnbd": {
            "r": bg.r,
            "alpha": bg.alpha,
            "a": bg.a if np.isfinite(bg.a) else None,
            "b": bg.b if np.isfinite(bg.b) else None,
            "log_likelihood": bg.log_likelihood,
            "customers": bg.customers,
            "degenerate": bg.degenerate,
            "unit": "week",
        },
        "gamma_gamma": {
            "p": gg.p,
            "q": gg.q,
            "v": gg.v,
            "customers": gg.customers,
            "log_likelihood": gg.log_likelihood,
            "currency": "EUR",
            "net_spend_not_positive": int(i.no_spend.sum()),
        },
    }
    return ValueModels(bg, gg, params)


def value_figures(
    models: ValueModels, f: PurchaseSummary, horizon_months: int, discount_rate: float
) -> pd.DataFrame:
    """P(alive), expected purchases over the horizon and CLV in cents of each customer of
    ``f`` (in its order)."""
    i = _Inputs.of(f)
    bg, gg = models.bg, models.gg
    horizon = horizon_months * WEEKS_PER_MONTH
    monthly = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
    clv = customer_lifetime_value(
        bg,
        gg,
        i.x,
        i.t_x,
        i.age,
        np.where(i.no_spend, 0.0, i.monetary),
        horizon_months,
        monthly,
        period_length=WEEKS_PER_MONTH,
    )
    return pd.DataFrame(
        {
            "p_alive": p_alive(bg, i.x, i.t_x, i.age),
            "expected_purchases": expected_purchases(bg, horizon, i.x, i.t_x, i.age),
            "clv_cents": np.where(i.no_spend, 0.0, np.round(np.asarray(clv) * 100.0)),
        }
    )


def fit_renewal_model(contracts: ContractSummary) -> SbgFit | None:
    """The sBG of every contract customer's renewals (Fader & Hardie 2007), when some have
    cancelled and some have not (None: nothing to learn, every renewal counts as certain)."""
    cancelled = ~contracts.running
    if not (cancelled.any() and (~cancelled).any()):
        return None
    return fit_sbg_individual(np.round(contracts.renewals), cancelled)


def renewal_params(fit: SbgFit) -> dict[str, object]:
    return {
        "gamma": fit.gamma,
        "delta": fit.delta,
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "unit": "contract term",
    }


def contract_values(
    fit: SbgFit | None, contracts: ContractSummary, horizon_months: int, discount_rate: float
) -> pd.DataFrame:
    """Contract customers' value over the horizon: the running fees until the next contract
    end, then the same fees times the chance he renews there, r = (δ + k) / (γ + δ + k) of the
    sBG (Fader & Hardie 2007, eq. 8), discounted monthly. A horizon longer than one term counts
    the renewed fees to its end (one more decision inside the horizon is not modelled)."""
    columns = ["customer_id", "contract_clv_cents", "contract_p_alive", "contract_running"]
    if len(contracts.customer_id) == 0:
        return pd.DataFrame(columns=[*columns, "contract_12m_cents"])
    renew = np.ones(len(contracts.customer_id))
    if fit is not None:
        renew = next_renewal(fit, np.round(contracts.renewals))
    months = np.arange(1, horizon_months + 1, dtype=np.float64)
    monthly = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
    discount = (1.0 + monthly) ** -months
    to_end = contracts.days_to_end / (365.25 / 12)
    before = months[None, :] <= to_end[:, None]
    weight = np.where(before, 1.0, renew[:, None]) @ discount
    decides = to_end < horizon_months
    return pd.DataFrame(
        {
            "customer_id": contracts.customer_id,
            "contract_clv_cents": np.where(
                contracts.running, np.round(contracts.open_fee_cents * weight), 0.0
            ),
            "contract_p_alive": np.where(decides, renew, 1.0),
            "contract_running": contracts.running,
            "contract_12m_cents": contracts.fees_12m_cents,
        }
    )


def _rfm_measures(
    f: PurchaseSummary,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """RFM's recency (days since the last purchase day), frequency (purchase days) and
    monetary value (mean value of a purchase day, in cents)."""
    return f.end_day - f.last_day, f.periods, f.total_cents / f.periods


def rfm_cuts(f: PurchaseSummary) -> RfmCuts:
    """The quintile cuts of every buyer's R, F and M (``analytics.rfm``)."""
    recency, frequency, monetary = _rfm_measures(f)
    return RfmCuts(quantile_cuts(-recency), quantile_cuts(frequency), quantile_cuts(monetary))


def purchase_columns(
    models: ValueModels,
    cuts: RfmCuts,
    f: PurchaseSummary,
    horizon_months: int,
    discount_rate: float,
) -> pd.DataFrame:
    """The score row's purchase columns of each buyer of ``f``: revenue, purchases, recency,
    RFM against the cuts of all buyers, P(alive), expected purchases and CLV."""
    recency, frequency, monetary = _rfm_measures(f)
    rfm = rfm_at(cuts, recency, frequency, monetary)
    figures = value_figures(models, f, horizon_months, discount_rate)
    return pd.DataFrame(
        {
            "customer_id": f.customer_id,
            "revenue_12m_cents": f.recent_cents,
            "revenue_cents": f.total_cents,
            "purchases": f.periods,
            "recency_days": recency,
            "r": rfm["r"].to_numpy(),
            "f": rfm["f"].to_numpy(),
            "m": rfm["m"].to_numpy(),
            "rfm_segment": rfm["segment"].to_numpy(),
            "p_alive": figures["p_alive"].to_numpy(),
            "expected_purchases": figures["expected_purchases"].to_numpy(),
            "clv_cents": figures["clv_cents"].to_numpy(),
        }
    )


def combine(frame: pd.DataFrame) -> pd.DataFrame:
    """Customers (rows) with their purchase columns and contract columns, either missing for
    a customer without purchases or contracts: the run's value columns. Revenue counts both;
    CLV adds both (none for a customer with neither); a running contract defines whether he
    is still a customer, else his buying does."""
    frame = frame.copy()
    for column in ("revenue_12m_cents", "revenue_cents", "purchases", "contract_12m_cents"):
        frame[column] = frame[column].fillna(0).astype(np.int64)
    frame["revenue_12m_cents"] += frame["contract_12m_cents"]
    has_contract = frame["contract_clv_cents"].notna()
    frame["clv_cents"] = frame["clv_cents"].fillna(0) + frame["contract_clv_cents"].fillna(0)
    frame["clv_cents"] = frame["clv_cents"].where(frame["purchases"].gt(0) | has_contract)
    frame["p_alive"] = frame["contract_p_alive"].where(
        frame["contract_running"].eq(True), frame["p_alive"]
    )
    frame["p_alive"] = frame["p_alive"].where(frame["p_alive"].notna() | ~has_contract, 0.0)
    return frame
