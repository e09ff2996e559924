"""The hidden per-customer processes the observable company is generated from.

Each process draws from its own ``numpy.random.Generator`` spawned from the seed
(``SeedSequence(seed).spawn``), so changing one process leaves the draws of the others as
they were. The latent frame is returned next to the observable frames; a later issue stores
it as the hidden truth of a causal simulation.

Value potential follows the concentration of seed 001 (a data warehouse showed the top 1% of
customers bring 14% of revenue and the top 10% bring 61%): a lognormal whose upper tail is
flattened above the 97th percentile, because a pure lognormal with a 61% top decile gives the
top 1% about 22%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.presets import CHANNELS, Preset
from valuecenter.demo.timeline import DAY, FloatArray, IntArray, Window, days_since_epoch

PROCESSES = (
    "customers",
    "value",
    "rhythm",
    "churn",
    "offer",
    "channel",
    "products",
    "orders",
    "lines",
    "contracts",
    "contacts",
    "reasons",
    "handling",
    "agents",
    "surveys",
    "employee",
    "consents",
    "names",
)

# Value potential: log-normal (sigma) with the tail above z = _TAIL_Z growing at _TAIL_SIGMA.
_VALUE_SIGMA = 1.76
_TAIL_Z = 1.88
_TAIL_SIGMA = 0.5


def streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per process, all derived from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(PROCESSES))
    return {
        name: np.random.default_rng(child) for name, child in zip(PROCESSES, children, strict=True)
    }


@dataclass(frozen=True)
class CustomerLatent:
    """Hidden traits, one row per customer (index aligned with the customers frame).

    Columns: ``customer_id``; ``value_potential`` (expected revenue per active month, euro);
    ``order_rate`` (orders per month); ``regularity`` (gamma shape of the gaps between
    orders: higher is more regular); ``basket_lines`` (mean lines per order); ``since_day``
    and ``churn_day`` (days since 1970-01-01; churn ``-1`` when the customer stays);
    ``decline_days`` (how long before churning orders thin out); ``offer_sensitivity``
    (0–1, the response to an offer); ``channel_pref`` (index into CHANNELS);
    ``contact_rate`` (service contacts per month); ``satisfaction`` (baseline NPS 0–10).
    """

    frame: pd.DataFrame

    def column(self, name: str) -> FloatArray:
        return np.asarray(self.frame[name].to_numpy(), dtype=np.float64)

    def int_column(self, name: str) -> IntArray:
        return np.asarray(self.frame[name].to_numpy(), dtype=np.int64)


def value_potential(rng: np.random.Generator, n: int) -> FloatArray:
    """Monthly revenue potential (euro) with the seed-001 concentration."""
    z = rng.standard_normal(n)
    log_v = np.where(
        z < _TAIL_Z, _VALUE_SIGMA * z, _VALUE_SIGMA * _TAIL_Z + _TAIL_SIGMA * (z - _TAIL_Z)
    )
    return np.asarray(180.0 * np.exp(log_v), dtype=np.float64)


def draw_latent(
    preset: Preset,
    customer_ids: pd.Series,
    country_index: IntArray,
    window: Window,
    rng: dict[str, np.random.Generator],
) -> CustomerLatent:
    """Draw every hidden trait of ``len(customer_ids)`` customers."""
    n = len(customer_ids)
    start_day = days_since_epoch(window.start)
    end_day = start_day + window.days

    value = value_potential(rng["value"], n)
    rel = value / np.median(value)

    r = rng["rhythm"]
    order_rate = preset.order_rate_per_month * rel**0.3 * np.exp(0.35 * r.standard_normal(n))
    order_rate = np.clip(order_rate, 0.02, 12.0) / np.exp(0.35**2 / 2)
    regularity = r.uniform(1.0, 4.0, n)
    basket_lines = 1.0 + (preset.lines_per_order - 1.0) * rel**0.12 * r.gamma(4.0, 0.25, n)

    c = rng["churn"]
    # Most customers were already customers when the window starts; some join during it.
    joined_before = c.random(n) < 0.82
    tenure_years = c.gamma(2.0, 2.5, n)
    since_day = np.where(
        joined_before,
        start_day - 1 - (tenure_years * 365).astype(np.int64),
        start_day + (c.random(n) * (window.days - 30)).astype(np.int64),
    )
    # Smaller customers and new customers leave more often (annual hazard).
    hazard = preset.annual_churn * rel**-0.25 * np.where(tenure_years < 1.0, 1.6, 1.0)
    hazard = np.clip(hazard, 0.01, 0.8)
    life_days = c.exponential(365.0 / hazard)
    begin = np.maximum(since_day, start_day)
    churn_at = begin + life_days.astype(np.int64)
    churn_day = np.where(churn_at < end_day, churn_at, -1).astype(np.int64)
    decline_days = c.integers(45, 150, n)

    offer_sensitivity = rng["offer"].beta(2.0, 5.0, n)

    ch = rng["channel"]
    pref = np.empty(n, dtype=np.int64)
    for k, country in enumerate(preset.countries):
        mask = country_index == k
        mix = np.asarray(country.channel_mix) / sum(country.channel_mix)
        pref[mask] = ch.choice(len(CHANNELS), size=int(mask.sum()), p=mix)
    contact_rate = preset.contacts_per_month * rel**0.25 * ch.gamma(2.0, 0.5, n)
    satisfaction = np.clip(ch.normal(8.3, 1.2, n), 0.0, 10.0)

    frame = pd.DataFrame(
        {
            "customer_id": customer_ids.to_numpy(),
            "value_potential": value.round(2),
            "order_rate": order_rate,
            "regularity": regularity,
            "basket_lines": basket_lines,
            "since_day": since_day.astype(np.int64),
            "churn_day": churn_day,
            "decline_days": decline_days.astype(np.int64),
            "offer_sensitivity": offer_sensitivity,
            "channel_pref": pref,
            "contact_rate": contact_rate,
            "satisfaction": satisfaction,
        }
    )
    return CustomerLatent(frame)


def active_bounds(latent: CustomerLatent, window: Window) -> tuple[IntArray, IntArray]:
    """Local-time seconds between which each customer is active inside the window."""
    since = latent.int_column("since_day") * DAY
    churn = latent.int_column("churn_day")
    lo = np.maximum(since, window.start_s)
    hi = np.where(churn >= 0, churn * DAY, window.end_s)
    return lo.astype(np.int64), np.maximum(hi, lo).astype(np.int64)
