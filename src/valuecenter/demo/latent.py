"""The hidden per-customer processes the observable company is generated from.

Each process draws from its own ``numpy.random.Generator`` spawned from the seed
(``SeedSequence(seed).spawn``), so changing one process leaves the draws of the others as
they were. The latent frame is returned next to the observable frames; a later issue stores
it as the hidden truth of a causal simulation.

Value potential follows the concentration of seed 001 (a data warehouse showed the top 1% of
customers bring 14% of revenue and the top 10% bring 61%): a lognormal whose upper tail is
flattened above the 97th percentile, because a pure lognormal with a 61% top decile gives the
top 1% about 22%.

Response types (seed 001: "you don't want to give those discounts to customers who renew
silently anyway"): every customer is a *sure thing* (stays with or without an offer), a
*persuadable* (stays only with an offer), a *lost cause* (leaves either way) or a *sleeping
dog* (an offer reminds him to shop around). The type sets the hazard of leaving — lost causes
and persuadables leave more often — and how an offer changes it (``treatments.py``), so risk
and uplift are related but not the same: targeting by risk wastes offers on lost causes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.presets import CHANNELS, Preset
from valuecenter.demo.scenarios import Shock
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
    "persuasion",
)

# Value potential: log-normal (sigma) with the tail above z = _TAIL_Z growing at _TAIL_SIGMA.
_VALUE_SIGMA = 1.76
_TAIL_Z = 1.88
_TAIL_SIGMA = 0.5

RESPONSE_TYPES = ("sure-thing", "persuadable", "lost-cause", "sleeping-dog")
SURE_THING, PERSUADABLE, LOST_CAUSE, SLEEPING_DOG = range(len(RESPONSE_TYPES))
# Hazard of leaving relative to the preset's annual churn, per response type.
_TYPE_HAZARD = np.array([0.35, 1.6, 3.0, 0.6])
CHURN_CAUSES = ("attrition", "contract-end", "mid-term-cancel", "recession")

# Persuadability's observable footprint (issue 18, Hillstrom's MineThatData e-mail test:
# customers who had bought the offer's category before gained +7.3 points, the others +1.1).
# In a world whose plans come with and without a handset (telecom), a customer *buys on
# price* or *buys the bundle*: the price-minded take SIM-only plans (``contracts.py``) and are
# MATCH_RATIO times as often persuadable by a price offer (the renewal discount) as the
# others. The ratio of the *uplift* is what Hillstrom shows (7.3 / 1.1 = 6.6): sleeping dogs
# (5% in both groups) lose about 0.7 points of renewal everywhere and a persuadable gains
# about 15, so s_match·15 − 0.7 = 6.6·(s_other·15 − 0.7) at an unchanged 30% of
# persuadables (63% price-minded) gives s_match ≈ 42%, s_other ≈ 10%: a ratio of 4.
MATCH_UPLIFT = 7.3 / 1.1
MATCH_RATIO = 4.0
# A minor driver (Hillstrom: newness; the issue gives no figure): customers of less than two
# years are a quarter more often persuadable.
_NEW_FACTOR = 1.25
_NEW_YEARS = 2.0


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
    (0–1, the response to an offer); ``response_type`` (index into RESPONSE_TYPES);
    ``hazard`` (annual hazard of leaving); ``price_minded`` (1 when he buys on price — a
    SIM-only plan — in a world with handset and SIM-only plans, else 0; see MATCH_RATIO);
    ``churn_cause`` (index into CHURN_CAUSES, -1
    when staying); ``channel_pref`` (index into CHANNELS); ``contact_rate`` (service
    contacts per month); ``satisfaction`` (baseline NPS 0–10).
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


def price_minded_share(preset: Preset) -> float:
    """The share of customers who buy on price: the weight of the plans without a handset,
    when the preset has plans with and without one (else 0: no plan shows it)."""
    handset = [p.weight for p in preset.plans if p.handset]
    sim_only = [p.weight for p in preset.plans if not p.handset]
    if not handset or not sim_only:
        return 0.0
    return float(sum(sim_only) / (sum(sim_only) + sum(handset)))


def persuasion_factor(price_minded: np.ndarray, new: np.ndarray) -> FloatArray:
    """How much more often than average each customer is persuadable: MATCH_RATIO between
    the price-minded and the others, _NEW_FACTOR for new customers, mean 1 over everyone
    (so the share of persuadables stays as it was)."""
    factor = np.where(price_minded, MATCH_RATIO, 1.0) * np.where(new, _NEW_FACTOR, 1.0)
    return np.asarray(factor / factor.mean(), dtype=np.float64)


def response_types(
    rng: np.random.Generator, sensitivity: FloatArray, factor: FloatArray | None = None
) -> IntArray:
    """Sensitive customers are more often persuadable and less often lost causes;
    ``factor`` (default 1) multiplies the chance of being persuadable (persuasion_factor)."""
    u = rng.random(len(sensitivity))
    persuadable = 0.1 + 0.7 * sensitivity
    if factor is not None:
        persuadable = np.minimum(persuadable * factor, 0.95)
    sleeping = np.full(len(sensitivity), 0.05)
    lost = 0.2 * (1.0 - sensitivity)
    edges = np.cumsum(np.stack([persuadable, sleeping, lost]), axis=0)
    kind = np.select(
        [u < edges[0], u < edges[1], u < edges[2]],
        [PERSUADABLE, SLEEPING_DOG, LOST_CAUSE],
        SURE_THING,
    )
    return np.asarray(kind, dtype=np.int64)


def _recession_churn(
    rng: np.random.Generator,
    shocks: tuple[Shock, ...],
    countries: np.ndarray,
    hazard: FloatArray,
    begin: IntArray,
    churn_at: IntArray,
) -> tuple[IntArray, np.ndarray]:
    """A competing risk: the extra hazard of a recession, inside its months only."""
    hit = np.zeros(len(hazard), dtype=bool)
    churn_at = churn_at.copy()
    for shock in shocks:
        if shock.scenario != "recession" or shock.churn_factor <= 1.0:
            continue
        lo = days_since_epoch(shock.starts)
        hi = days_since_epoch(shock.ends)
        extra = hazard * (shock.churn_factor - 1.0)
        start = np.maximum(begin, lo)
        when = start + rng.exponential(365.0 / np.maximum(extra, 1e-9)).astype(np.int64)
        now = (countries == shock.country) & (when < hi) & (when < churn_at) & (start < hi)
        churn_at = np.where(now, when, churn_at)
        hit |= now
    return churn_at, hit


def draw_latent(
    preset: Preset,
    customer_ids: pd.Series,
    country_index: IntArray,
    window: Window,
    rng: dict[str, np.random.Generator],
    shocks: tuple[Shock, ...] = (),
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
    offer_sensitivity = rng["offer"].beta(2.0, 5.0, n)
    share = price_minded_share(preset)
    price_minded = rng["persuasion"].random(n) < share
    new = ~joined_before | (tenure_years < _NEW_YEARS)
    factor = persuasion_factor(price_minded, new) if share > 0 else None
    kind = response_types(rng["offer"], offer_sensitivity, factor)

    # Smaller customers and new customers leave more often (annual hazard); lost causes and
    # persuadables far more often than sure things. Scaled so the average is the preset's.
    type_hazard = _TYPE_HAZARD[kind] / float(_TYPE_HAZARD[kind].mean())
    hazard = preset.annual_churn * type_hazard * rel**-0.25 * np.where(tenure_years < 1.0, 1.6, 1.0)
    hazard = np.clip(hazard, 0.005, 0.9)
    life_days = c.exponential(365.0 / hazard)
    begin = np.maximum(since_day, start_day)
    churn_at = begin + life_days.astype(np.int64)
    countries = np.asarray([k.code for k in preset.countries], dtype=object)[country_index]
    churn_at, recession = _recession_churn(c, shocks, countries, hazard, begin, churn_at)
    churn_day = np.where(churn_at < end_day, churn_at, -1).astype(np.int64)
    cause = np.where(recession, CHURN_CAUSES.index("recession"), 0)
    churn_cause = np.where(churn_day >= 0, cause, -1).astype(np.int64)
    decline_days = c.integers(45, 150, n)

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
            "response_type": kind,
            "hazard": hazard,
            "price_minded": price_minded.astype(np.int64),
            "churn_cause": churn_cause,
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
