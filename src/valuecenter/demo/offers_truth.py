"""How the demo customers really answer the next-best offers (C8, C20): a stated causal model.

The company's action catalogue (``demo/catalogue/<preset>.yaml``) is what the company
*knows*: each offer's product, margin (``value``), discount (``cost``), presentation cost and
a prior guess of the take. What customers really do is this module's hidden truth, built on
the latent traits the observable data were drawn from, so a model trained on the observable
data can learn it: category affinity shows in the order history, size in revenue, offer
sensitivity a little in the campaign responses.

**The outcome** of an offer is "buys the offered product within ``conversion_days`` (30)".

**Without an offer** (``organic``) a customer buys it at the rate the order generator
(``orders.py``) gives him: his order lines of the product arrive as a Poisson stream with

    λ = order_rate × days / 30.44 × basket_lines × P(line in category k) × popularity,
    P(line in k) = 0.65 × (count of k among his three favourites) / 3 + 0.35 × w_k,

``w_k`` the catalogue's category weight (∝ 1 / √(k + 1), as ``products.catalogue``),
``popularity`` the product's share of its category's lines (``truth_products``; 1 for an
offer of a whole category); ``p_control = 1 − exp(−λ)``.

**Hearing the offer** in a neutral context (an inbound phone call without a service need, not
on a Monday morning, no wait) he takes it with

    take = appeal × (0.4 + 2.1 × offer_sensitivity) × affinity × size × type, clipped to [0, 0.9]

- ``appeal``: the offer's base appeal (``HIDDEN_OFFERS``, 0.03–0.10);
- ``0.4 + 2.1 × offer_sensitivity``: the propensity of the campaign responses
  (``treatments.channel_response``), mean 1 (sensitivity ~ Beta(2, 5));
- ``affinity``: 2.0 when the offer's category is among his three favourites, else 1.3 when one
  of its complementary categories is (``HIDDEN_OFFERS``), else 0.5;
- ``size``: ``(value_potential / 180) ^ elasticity`` clipped to [0.5, 2.0]; 180 euro a month
  is the median of the value potential by construction (``latent.value_potential``); the
  elasticity is the offer's (``HIDDEN_OFFERS``, −0.2 to 0.4: a pallet of paper suits a big
  customer, a first-aid kit a small one);
- ``type``: the response type's factor, as ``treatments.take_rate``: sure things and
  persuadables 1.0, lost causes 0.2, sleeping dogs 0.1.

**The context** of the contact multiplies the take (``context_factor``; every factor is 1 in
the neutral context):

- intent: a service need (``SERVICE_NEEDS``: wholesale complaint, delivery, return; telecom
  complaint, outage, device) × 0.25 (seed 004: customers with a service need are not always
  open to an offer); ``cancel`` × 0.3 (he wants out, not more); ``order`` × 1.2 (he is
  buying already; seed 000: a cross-sell on the normal order); any other intent, or none, 1.0;
- Monday 8:00–12:00 local × 0.6 (seed 002: the Monday 9:00 caller waited all weekend);
- wait: 1.0 up to 120 seconds, then 0.1 less per further minute, down to 0.5 (at 7 minutes);
- channel: phone and chat 1.0, email and webcare 0.6, sms, fax and post 0.5, web and
  self-service 0.4, ivr 0.3.

**With the offer** ``p_treated = p_control + (1 − p_control) × min(take × factor, 1)``: those
who would have bought anyway still do (and get the discount), the others buy with the take.
So ``p_treated ≥ p_control`` always; an offer never puts a customer off buying.

**True net value** of presenting action ``a`` (cents): ``(p_treated − p_control) × value −
p_treated × cost − contact_cost`` with the catalogue's value, cost and contact cost; 0 for no
action (``None``).

**Answers** (``draw_answer``): accepted with ``p_treated``; otherwise rejected (70%) or ignored
(30%).

**Actions that are not offers** (service, loyalty, retention) have no purchase truth: their
``net_value_cents`` is NaN (the caller decides whether to count them as 0 sales value or to
leave them out) and their answer is accepted with a constant (``NON_OFFER_ACCEPT``: service
0.6, loyalty 0.4, retention 0.25) times the channel factor — a stated simple truth, no more.

Simplifications: the truth does not look at history (a customer who just bought the product
buys it again at his usual rate); an offer does not change the customer's later rhythm; the
handsets that come with a telecom contract (``contracts.py``) and campaign conversions are not
in ``organic``; the catalogue's margins are fixed while list prices differ by seed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from valuecenter.demo.orders import FROM_FAVOURITE, MONTH_DAYS
from valuecenter.demo.timeline import FloatArray
from valuecenter.errors import InvalidInput

CATALOGUES = ("wholesale", "telecom")


@dataclass(frozen=True)
class OfferTruth:
    """The hidden part of one offer: its base ``appeal``, the categories whose buyers are also
    drawn to it (``complements``) and how its take grows with the customer's size."""

    appeal: float
    complements: tuple[str, ...]
    elasticity: float


# The hidden parameters of every demo offer, per preset (the YAML holds what the company knows).
HIDDEN_OFFERS: dict[str, dict[str, OfferTruth]] = {
    "wholesale": {
        "copy-paper-bulk": OfferTruth(0.10, ("ink",), 0.30),
        "toner-multipack": OfferTruth(0.09, ("paper",), 0.15),
        "chair-pro": OfferTruth(0.05, ("desk", "it"), 0.25),
        "monitor-arm-pro": OfferTruth(0.05, ("it", "desk"), 0.20),
        "headset-pro": OfferTruth(0.06, ("desk",), 0.10),
        "webcam-pro": OfferTruth(0.06, ("furniture",), 0.05),
        "coffee-corner-kit": OfferTruth(0.08, ("cleaning",), 0.10),
        "cleaning-eco": OfferTruth(0.07, ("catering",), 0.0),
        "first-aid-kit": OfferTruth(0.05, ("cleaning",), -0.10),
        "shipping-boxes": OfferTruth(0.07, ("paper",), 0.15),
    },
    "telecom": {
        "earbuds-plus": OfferTruth(0.07, ("handsets",), 0.10),
        "screen-protector": OfferTruth(0.09, ("handsets",), 0.0),
        "power-bank": OfferTruth(0.06, ("handsets",), 0.0),
        "smartphone-pro-upgrade": OfferTruth(0.05, ("accessories",), 0.30),
        "foldable-phone-pro": OfferTruth(0.03, ("accessories",), 0.40),
        "refurbished-phone-pro": OfferTruth(0.04, ("sim",), -0.20),
        "sim-only-upgrade": OfferTruth(0.10, (), 0.20),
    },
}
# The intents that really are a service need (the catalogues' settings say the same).
SERVICE_NEEDS: dict[str, tuple[str, ...]] = {
    "wholesale": ("complaint", "delivery", "return"),
    "telecom": ("complaint", "outage", "device"),
}

MEDIAN_VALUE = 180.0  # euro a month: the median of latent.value_potential by construction
TAKE_MAX = 0.9
PROPENSITY_BASE, PROPENSITY_SLOPE = 0.4, 2.1
AFFINITY_FAVOURITE, AFFINITY_COMPLEMENT, AFFINITY_NONE = 2.0, 1.3, 0.5
SIZE_CLIP = (0.5, 2.0)
TYPE_FACTOR = {"sure-thing": 1.0, "persuadable": 1.0, "lost-cause": 0.2, "sleeping-dog": 0.1}
SERVICE_NEED_FACTOR = 0.25
INTENT_FACTOR = {"cancel": 0.3, "order": 1.2}
MONDAY_MORNING_FACTOR = 0.6
MONDAY_MORNING_HOURS = (8, 12)  # local, [from, to)
WAIT_FREE_SECONDS = 120.0
WAIT_LOSS_PER_MINUTE = 0.1
WAIT_FLOOR = 0.5
CHANNEL_FACTOR = {
    "phone": 1.0,
    "chat": 1.0,
    "email": 0.6,
    "webcare": 0.6,
    "sms": 0.5,
    "fax": 0.5,
    "post": 0.5,
    "web": 0.4,
    "self-service": 0.4,
    "ivr": 0.3,
}
REJECT_SHARE = 0.7  # of the answers that are not an acceptance; the rest are ignored
NON_OFFER_ACCEPT = {"service": 0.6, "loyalty": 0.4, "retention": 0.25}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ROW_COLUMNS = ("customer_id", "action", "intent", "channel", "local_weekday", "local_hour")


# --- the catalogue ---------------------------------------------------------------------------


@lru_cache(maxsize=len(CATALOGUES))
def _parsed(preset_name: str) -> dict[str, Any]:
    if preset_name not in CATALOGUES:
        raise InvalidInput(
            "preset", f"'{preset_name}' has no demo catalogue; use one of {', '.join(CATALOGUES)}"
        )
    source = resources.files("valuecenter.demo") / "catalogue" / f"{preset_name}.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput("catalogue", f"{preset_name}.yaml is not a mapping")
    return data


def load_demo_catalogue(preset_name: str) -> dict[str, Any]:
    """The demo company's action catalogue of ``preset_name`` (the parsed YAML; a copy)."""
    return copy.deepcopy(_parsed(preset_name))


def _actions(catalogue: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(a["code"]): dict(a) for a in catalogue.get("actions") or []}


def _hidden(preset_name: str, code: str) -> OfferTruth:
    try:
        return HIDDEN_OFFERS[preset_name][code]
    except KeyError:
        raise InvalidInput("action", f"'{code}' is not a {preset_name} demo offer") from None


# --- organic purchases -----------------------------------------------------------------------


def category_weights(truth_products: pd.DataFrame) -> pd.Series:
    """Each category's weight (as ``products.catalogue``: ∝ 1 / √(k + 1) in catalogue order),
    indexed by category code. The order is that of the product ids (``P<k+1><j+1>``)."""
    ordered = truth_products.sort_values("product_id", kind="stable")
    codes = list(dict.fromkeys(ordered["category"].astype(str)))
    weights = 1.0 / np.sqrt(np.arange(len(codes)) + 1.0)
    return pd.Series(weights / weights.sum(), index=pd.Index(codes, name="category"))


def favourite_counts(truth_customers: pd.DataFrame, categories: Sequence[str]) -> np.ndarray:
    """(customers × categories) how often each category is among the three favourites."""
    # Few distinct triples (at most K³): split those, then index.
    which, uniques = pd.factorize(truth_customers["favourites"].astype(str))
    parts = pd.Series(uniques).str.split(";", expand=True)
    counts = np.zeros((len(uniques), len(categories)), dtype=np.int64)
    rows = np.arange(len(uniques))
    for column in parts.columns:
        k = np.asarray(pd.Categorical(parts[column], categories=list(categories)).codes)
        if (k < 0).any():
            bad = parts[column].iloc[int(np.flatnonzero(k < 0)[0])]
            raise InvalidInput("favourites", f"'{bad}' is not a category of the catalogue")
        np.add.at(counts, (rows, k.astype(np.int64)), 1)
    return np.asarray(counts[which], dtype=np.int64)


def line_shares(truth_customers: pd.DataFrame, truth_products: pd.DataFrame) -> pd.DataFrame:
    """P(an order line of the customer is in category k), one column per category."""
    weights = category_weights(truth_products)
    counts = favourite_counts(truth_customers, list(weights.index))
    share = FROM_FAVOURITE * counts / 3.0 + (1.0 - FROM_FAVOURITE) * weights.to_numpy()
    return pd.DataFrame(share, columns=weights.index, index=truth_customers.index)


def _target(
    truth_products: pd.DataFrame, product: str | None, category: str | None
) -> tuple[str, float]:
    """The category and the within-category popularity of an offer's product (or category)."""
    if product is not None:
        hit = truth_products.loc[truth_products["product_id"] == product]
        if hit.empty:
            raise InvalidInput("product", f"'{product}' is not a product of the catalogue")
        return str(hit["category"].iloc[0]), float(hit["popularity"].iloc[0])
    if category is None or category not in set(truth_products["category"]):
        raise InvalidInput("category", f"'{category}' is not a category of the catalogue")
    return category, 1.0


def organic(
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    product_id: str | None,
    days: float = 30.0,
    category: str | None = None,
) -> FloatArray:
    """The chance each customer buys ``product_id`` (or, with ``product_id=None``, any product
    of ``category``) within ``days`` without an offer: ``1 − exp(−λ)`` with the order
    generator's rate of his lines of it (see the module docstring)."""
    cat, popularity = _target(truth_products, product_id, category)
    share = line_shares(truth_customers, truth_products)[cat].to_numpy(dtype=np.float64)
    rate = truth_customers["order_rate"].to_numpy(dtype=np.float64)
    lines = truth_customers["basket_lines"].to_numpy(dtype=np.float64)
    lam = rate * days / MONTH_DAYS * lines * share * popularity
    return np.asarray(1.0 - np.exp(-lam), dtype=np.float64)


# --- the take --------------------------------------------------------------------------------


def affinity(
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    category: str,
    complements: Sequence[str] = (),
) -> FloatArray:
    """2.0 when ``category`` is among the favourites, 1.3 when a complement is, else 0.5."""
    weights = category_weights(truth_products)
    codes = list(weights.index)
    counts = favourite_counts(truth_customers, codes)
    own = counts[:, codes.index(category)] > 0
    near = np.zeros(len(truth_customers), dtype=bool)
    for c in complements:
        if c not in codes:
            raise InvalidInput("complements", f"'{c}' is not a category of the catalogue")
        near |= counts[:, codes.index(c)] > 0
    out = np.where(own, AFFINITY_FAVOURITE, np.where(near, AFFINITY_COMPLEMENT, AFFINITY_NONE))
    return np.asarray(out, dtype=np.float64)


def take_of(
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    category: str,
    hidden: OfferTruth,
) -> FloatArray:
    """The neutral-context take of an offer of ``category`` with the hidden ``hidden``."""
    sensitivity = truth_customers["offer_sensitivity"].to_numpy(dtype=np.float64)
    propensity = PROPENSITY_BASE + PROPENSITY_SLOPE * sensitivity
    value = truth_customers["value_potential"].to_numpy(dtype=np.float64)
    size = np.clip(
        (np.maximum(value, 1e-9) / MEDIAN_VALUE) ** hidden.elasticity, SIZE_CLIP[0], SIZE_CLIP[1]
    )
    kinds = truth_customers["response_type"].astype(str)
    unknown = ~kinds.isin(list(TYPE_FACTOR))
    if unknown.any():
        raise InvalidInput("response_type", f"'{kinds[unknown].iloc[0]}' is not a response type")
    kind = kinds.map(TYPE_FACTOR).to_numpy(dtype=np.float64)
    near = affinity(truth_customers, truth_products, category, hidden.complements)
    take = hidden.appeal * propensity * near * size * kind
    return np.asarray(np.clip(take, 0.0, TAKE_MAX), dtype=np.float64)


def take(
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    code: str,
    preset_name: str = "wholesale",
) -> FloatArray:
    """The chance each customer who hears offer ``code`` of ``preset_name``'s catalogue in a
    neutral context takes it (see the module docstring)."""
    action = _actions(_parsed(preset_name)).get(code)
    if action is None or action.get("kind") != "offer":
        raise InvalidInput("action", f"'{code}' is not an offer of the {preset_name} catalogue")
    category, _popularity = _target(truth_products, action.get("product"), action.get("category"))
    return take_of(truth_customers, truth_products, category, _hidden(preset_name, code))


# --- the context -----------------------------------------------------------------------------


def _weekday_index(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "iuf":
        return values.astype(np.int64)
    out = np.empty(values.shape, dtype=np.int64)
    for i, v in np.ndenumerate(values):
        if isinstance(v, int | np.integer):
            out[i] = int(v)
        elif isinstance(v, str) and v.lower()[:3] in WEEKDAYS:
            out[i] = WEEKDAYS.index(v.lower()[:3])
        else:
            raise InvalidInput("local_weekday", f"'{v}' is not a weekday (0 = Monday, or mon…sun)")
    return out


def context_factor(
    intent: Any,
    channel: Any,
    local_weekday: Any,
    local_hour: Any,
    wait_seconds: Any = 0,
    service_intents: Sequence[str] = SERVICE_NEEDS["wholesale"],
) -> FloatArray:
    """The factor the contact's context puts on an offer's take, vectorised (arguments are
    scalars or arrays that broadcast). ``intent`` may be None (no intent); ``local_weekday``
    is 0 = Monday … 6 = Sunday or ``mon`` … ``sun``; ``local_hour`` 0–23 (fractions allowed).
    Every number is in the module docstring."""
    arrays = np.broadcast_arrays(
        np.asarray(intent, dtype=object),
        np.asarray(channel, dtype=object),
        np.asarray(local_weekday),
        np.asarray(local_hour, dtype=np.float64),
        np.asarray(wait_seconds, dtype=np.float64),
    )
    intents, channels, weekdays, hours, waits = arrays
    needs = set(service_intents)
    by_intent = np.fromiter(
        (
            SERVICE_NEED_FACTOR
            if isinstance(i, str) and i in needs
            else INTENT_FACTOR.get(i, 1.0)
            if isinstance(i, str)
            else 1.0
            for i in intents.ravel()
        ),
        dtype=np.float64,
        count=intents.size,
    ).reshape(intents.shape)
    unknown = [c for c in set(channels.ravel().tolist()) if c not in CHANNEL_FACTOR]
    if unknown:
        raise InvalidInput(
            "channel", f"'{unknown[0]}' is not a channel; use one of {', '.join(CHANNEL_FACTOR)}"
        )
    by_channel = np.fromiter(
        (CHANNEL_FACTOR[c] for c in channels.ravel()), dtype=np.float64, count=channels.size
    ).reshape(channels.shape)
    day = _weekday_index(weekdays)
    lo, hi = MONDAY_MORNING_HOURS
    monday = (day == 0) & (hours >= lo) & (hours < hi)
    by_time = np.where(monday, MONDAY_MORNING_FACTOR, 1.0)
    waits = np.nan_to_num(waits, nan=0.0)
    extra_minutes = np.maximum(waits - WAIT_FREE_SECONDS, 0.0) / 60.0
    by_wait = np.maximum(1.0 - WAIT_LOSS_PER_MINUTE * extra_minutes, WAIT_FLOOR)
    return np.asarray(by_intent * by_channel * by_time * by_wait, dtype=np.float64)


def treated(p_control: npt.ArrayLike, take: npt.ArrayLike, factor: npt.ArrayLike) -> FloatArray:
    """``p_control + (1 − p_control) × min(take × factor, 1)``: the chance to buy when offered."""
    p0 = np.asarray(p_control, dtype=np.float64)
    moved = np.clip(np.asarray(take, dtype=np.float64) * np.asarray(factor, dtype=np.float64), 0, 1)
    return np.asarray(p0 + (1.0 - p0) * moved, dtype=np.float64)


# --- rows of decisions -----------------------------------------------------------------------


def _objects(values: pd.Series) -> np.ndarray:
    """The values as an object array with None where missing."""
    out = values.to_numpy(dtype=object).copy()
    out[pd.isna(out)] = None
    return out


def _customer_rows(truth_customers: pd.DataFrame, customer_ids: pd.Series) -> np.ndarray:
    position = pd.Index(truth_customers["customer_id"]).get_indexer(customer_ids)
    if (position < 0).any():
        missing = customer_ids.iloc[int(np.flatnonzero(position < 0)[0])]
        raise InvalidInput("customer_id", f"{missing} is not a customer of the world")
    return np.asarray(position, dtype=np.int64)


def evaluate(
    rows: pd.DataFrame,
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    preset_name: str = "wholesale",
) -> pd.DataFrame:
    """The truth of every row (one presentation): ``customer_id``, ``action`` (a code of the
    preset's catalogue, or None for no action), ``intent`` (or None), ``channel``,
    ``local_weekday`` (0 = Monday or mon…sun), ``local_hour`` and ``wait_seconds`` (optional,
    0). Returns, aligned with ``rows``: ``kind``, ``p_control``, ``take`` (neutral),
    ``factor`` (context), ``p_accept`` (``p_treated`` for an offer) and ``net_value_cents``
    (NaN for actions that are not offers, 0 for no action)."""
    missing = [c for c in ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise InvalidInput("rows", f"needs the column {missing[0]}")
    n = len(rows)
    actions = _actions(_parsed(preset_name))
    needs = SERVICE_NEEDS[preset_name]
    who = _customer_rows(truth_customers, rows["customer_id"].reset_index(drop=True))
    wait = rows["wait_seconds"].to_numpy(dtype=np.float64) if "wait_seconds" in rows else 0.0
    channels = rows["channel"].to_numpy(dtype=object)
    factor = context_factor(
        _objects(rows["intent"]),
        channels,
        rows["local_weekday"].to_numpy(),
        rows["local_hour"].to_numpy(dtype=np.float64),
        wait,
        needs,
    )
    channel_only = context_factor(None, channels, 2, 15, 0, needs)
    codes = _objects(rows["action"])
    kinds = np.full(n, None, dtype=object)
    p_control = np.full(n, np.nan)
    p_take = np.full(n, np.nan)
    p_accept = np.zeros(n)
    net = np.zeros(n)
    for code in dict.fromkeys(c for c in codes.tolist() if c is not None):
        action = actions.get(str(code))
        if action is None:
            raise InvalidInput(
                "action", f"'{code}' is not an action of the {preset_name} catalogue"
            )
        at = np.flatnonzero(codes == code)
        kind = str(action["kind"])
        kinds[at] = kind
        if kind != "offer":
            p_accept[at] = NON_OFFER_ACCEPT[kind] * channel_only[at]
            net[at] = np.nan
            continue
        customers = truth_customers.iloc[who[at]]
        product, category = action.get("product"), action.get("category")
        target, _popularity = _target(truth_products, product, category)
        days = float(action.get("conversion_days", 30))
        p0 = organic(customers, truth_products, product, days, category=category)
        t = take_of(customers, truth_products, target, _hidden(preset_name, str(code)))
        p1 = treated(p0, t, factor[at])
        value, cost, contact = (
            round(float(action.get(key) or 0) * 100) for key in ("value", "cost", "contact_cost")
        )
        p_control[at], p_take[at], p_accept[at] = p0, t, p1
        net[at] = (p1 - p0) * value - p1 * cost - contact
    return pd.DataFrame(
        {
            "kind": kinds,
            "p_control": p_control,
            "take": p_take,
            "factor": factor,
            "p_accept": p_accept,
            "net_value_cents": net,
        },
        index=rows.index,
    )


def true_net_value(
    rows: pd.DataFrame,
    truth_customers: pd.DataFrame,
    truth_products: pd.DataFrame,
    preset_name: str = "wholesale",
) -> FloatArray:
    """The true expected incremental value (cents) of each row's presentation:
    ``(p_treated − p_control) × value − p_treated × cost − contact_cost``; 0 for no action,
    NaN for an action that is not an offer (no purchase truth). Rows as ``evaluate``."""
    values = evaluate(rows, truth_customers, truth_products, preset_name)["net_value_cents"]
    return np.asarray(values.to_numpy(dtype=np.float64), dtype=np.float64)


def draw_answer(rng: np.random.Generator, p_treated: npt.ArrayLike) -> np.ndarray:
    """``accepted`` with ``p_treated``; otherwise ``rejected`` (70%) or ``ignored`` (30%)."""
    p = np.asarray(p_treated, dtype=np.float64)
    accepted = rng.random(p.shape) < p
    rejected = rng.random(p.shape) < REJECT_SHARE
    return np.asarray(
        np.where(accepted, "accepted", np.where(rejected, "rejected", "ignored")), dtype=object
    )
