"""Orders and order lines, vectorised over all customers.

Each customer orders in a rhythm: gamma-distributed gaps (mean ``30.4 / order_rate`` days,
shape ``regularity``) from a random phase, inside the months the customer is active. Before a
customer leaves, orders thin out and baskets shrink (seed 000: "does a customer place fewer
orders than usual?"). Quantities follow the customer's value potential, so revenue is
concentrated as the latent value is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.latent import CustomerLatent, active_bounds
from valuecenter.demo.presets import Preset
from valuecenter.demo.products import Catalogue, draw_products
from valuecenter.demo.scenarios import Shock, market_factor
from valuecenter.demo.timeline import (
    DAY,
    BoolArray,
    IntArray,
    LoadProfile,
    Window,
    business_day,
    local_to_utc,
    to_timestamps,
)
from valuecenter.demo.vector import cumsum_in_group, numbered, owners, position_in_group

MONTH_DAYS = 30.44
_DECLINE_KEEP = 0.45  # share of orders still placed in the months before leaving
_DECLINE_BASKET = 0.6
FROM_FAVOURITE = 0.65  # share of order lines from the customer's three favourite categories


@dataclass(frozen=True)
class Orders:
    """Order lines (importer columns) and per-order arrays other generators use."""

    lines: pd.DataFrame
    customer: IntArray  # customer row of every order
    local_s: IntArray  # local time of every order
    order_ids: np.ndarray
    declining: BoolArray  # placed in the decline before the customer left
    revenue_cents: IntArray  # revenue of every customer over the window
    extra_revenue_cents: IntArray  # revenue of each extra order, in the order given
    favourites: IntArray  # (customers × 3) favourite category indices (hidden truth)


@dataclass(frozen=True)
class ExtraOrders:
    """One-line orders placed for a known reason: a handset that comes with a contract (sold
    below list price) or a campaign conversion (a product of the campaign's category)."""

    customer: IntArray
    local_s: IntArray  # the day (local seconds); the time of day comes from the profile
    category: IntArray
    subsidised: BoolArray

    @staticmethod
    def combine(*parts: ExtraOrders) -> ExtraOrders:
        return ExtraOrders(
            customer=np.concatenate([p.customer for p in parts]).astype(np.int64),
            local_s=np.concatenate([p.local_s for p in parts]).astype(np.int64),
            category=np.concatenate([p.category for p in parts]).astype(np.int64),
            subsidised=np.concatenate([p.subsidised for p in parts]).astype(bool),
        )


def generate_orders(
    preset: Preset,
    latent: CustomerLatent,
    customer_ids: pd.Series,
    countries: np.ndarray,
    window: Window,
    cat: Catalogue,
    rng_orders: np.random.Generator,
    rng_lines: np.random.Generator,
    profile: LoadProfile,
    extras: ExtraOrders | None = None,
    shocks: tuple[Shock, ...] = (),
    first_order_no: int = 1,
) -> Orders:
    """Orders of every customer, plus the one-line ``extras``; a recession thins the orders
    of its market in its months (``scenarios.py``)."""
    n = len(customer_ids)
    lo, hi = active_bounds(latent, window)
    rate = latent.column("order_rate")
    shape = latent.column("regularity")
    gap_mean = MONTH_DAYS / rate * DAY
    span = (hi - lo).astype(np.float64)
    expected = span / gap_mean
    slots = np.ceil(expected * 1.5 + 4.0 * np.sqrt(expected) + 3).astype(np.int64)
    slots[span <= 0] = 0

    who = owners(slots)
    gaps = rng_orders.gamma(np.repeat(shape, slots), 1.0, len(who)) / np.repeat(shape, slots)
    gaps *= np.repeat(gap_mean, slots)
    first = position_in_group(slots) == 0
    # The first gap is a random phase, so customers are not all in step at the window start.
    gaps[first] = rng_orders.random(int(first.sum())) * np.repeat(gap_mean, slots)[first]
    at = np.repeat(lo, slots) + cumsum_in_group(gaps, slots)
    keep = at < np.repeat(hi, slots)

    churn = latent.int_column("churn_day")
    decline_from = np.where(
        churn >= 0, (churn - latent.int_column("decline_days")) * DAY, np.iinfo(np.int64).max
    )
    declining = at >= np.repeat(decline_from, slots)
    u = rng_orders.random(len(at))
    keep &= ~declining | (u < _DECLINE_KEEP)
    if shocks:
        dip = market_factor(shocks, countries[who], at.astype(np.int64), "order_factor")
        keep &= rng_orders.random(len(at)) < dip
    who, at, declining = who[keep], at[keep].astype(np.int64), declining[keep]
    extras = extras or ExtraOrders.combine()
    n_base = len(who)
    extra_of = np.full(n_base + len(extras.customer), -1, dtype=np.int64)
    extra_of[n_base:] = np.arange(len(extras.customer))
    who = np.concatenate([who, extras.customer])
    at = np.concatenate([at, (extras.local_s // DAY) * DAY])
    declining = np.concatenate([declining, np.zeros(len(extras.customer), dtype=bool)])
    handset = np.concatenate([np.zeros(n_base, dtype=bool), extras.subsidised])
    forced = np.concatenate([np.full(n_base, -1, dtype=np.int64), extras.category])

    # The time of day comes from the load profile of the day the order falls on.
    day = np.asarray((at // DAY) * DAY, dtype=np.int64)
    if preset.kind == "b2b":
        day = business_day(day)
    local = profile.sample(rng_orders, day, day + DAY)
    local = np.minimum(local, window.end_s - 60)
    order = np.lexsort((who, local))
    who, local, declining, handset = who[order], local[order], declining[order], handset[order]
    forced, extra_of = forced[order], extra_of[order]
    n_orders = len(who)
    order_ids = numbered("O", first_order_no, n_orders, 8)

    basket = latent.column("basket_lines")[who] * np.where(declining, _DECLINE_BASKET, 1.0)
    n_lines = 1 + rng_lines.poisson(np.maximum(basket - 1.0, 0.0))
    n_lines[forced >= 0] = 1
    line_order = owners(n_lines)
    line_no = position_in_group(n_lines) + 1
    line_who = who[line_order]

    # Product: mostly from the customer's three favourite categories.
    n_cat = len(cat.category_weight)
    favourites = rng_lines.choice(n_cat, size=(n, 3), p=cat.category_weight)
    from_favourite = rng_lines.random(len(line_who)) < FROM_FAVOURITE
    category = np.where(
        from_favourite,
        favourites[line_who, rng_lines.integers(0, 3, len(line_who))],
        rng_lines.choice(n_cat, size=len(line_who), p=cat.category_weight),
    )
    line_handset = handset[line_order]
    line_forced = forced[line_order]
    category = np.where(line_forced >= 0, line_forced, category)
    product = draw_products(cat, rng_lines, category.astype(np.int64))

    value = latent.column("value_potential")
    rel = value / np.median(value)
    discount = np.clip(0.04 * np.log(np.maximum(rel, 1.0)), 0.0, 0.18)
    list_cents = cat.price_cents[product]
    unit_cents = np.maximum(np.round(list_cents * (1.0 - discount[line_who])), 1).astype(np.int64)
    per_line = value / (latent.column("order_rate") * latent.column("basket_lines"))
    target = per_line[line_who] * np.where(declining[line_order], _DECLINE_BASKET, 1.0)
    noise = rng_lines.gamma(2.0, 0.5, len(line_who))
    if preset.kind == "b2b":
        drawn = np.clip(np.round(target * 100 / unit_cents * noise), 1, 50_000)
    else:
        drawn = np.where(noise > 2.5, 2.0, 1.0)
    quantity = np.where(line_handset, 1, drawn).astype(np.int64)
    subsidised = np.round(list_cents * rng_lines.uniform(0.05, 0.4, len(line_who)) / 100) * 100 - 1
    unit_cents = np.where(line_handset, np.maximum(subsidised, 99), unit_cents).astype(np.int64)

    amount = quantity * unit_cents
    revenue = np.bincount(line_who, weights=amount, minlength=n)
    # Extras are one-line orders, so the line's amount is the order's.
    line_extra = extra_of[line_order]
    extra_revenue = np.zeros(len(extras.customer), dtype=np.int64)
    extra_revenue[line_extra[line_extra >= 0]] = amount[line_extra >= 0]
    utc = local_to_utc(local)
    lines = pd.DataFrame(
        {
            "order_id": order_ids[line_order],
            "customer_id": customer_ids.to_numpy()[line_who],
            "ordered_at": to_timestamps(utc[line_order]),
            "product_id": cat.frame["product_id"].to_numpy()[product],
            "quantity": quantity,
            "unit_price": unit_cents / 100,
            "line_no": line_no,
            "currency": "EUR",
            "country": countries[line_who],
        }
    )
    return Orders(
        lines=lines,
        customer=who,
        local_s=local,
        order_ids=order_ids,
        declining=declining,
        revenue_cents=np.round(revenue).astype(np.int64),
        extra_revenue_cents=extra_revenue,
        favourites=favourites.astype(np.int64),
    )
