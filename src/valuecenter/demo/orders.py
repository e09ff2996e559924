"""Orders and order lines, vectorised over all customers.

Each customer orders in a rhythm: log-normal gaps between orders (mean ``30.4 / order_rate``
days) from a random phase, inside the months the customer is active. The gaps are as noisy
as real customers' (CDNOW, keepers: 31% of their orders come after a gap longer than 1.5 ×
their own median gap; issue 18: 30–39%). A customer who leaves has a weak lead-in, then
silence: his last three gaps lengthen gradually to about 1.3 × (CDNOW: mean log₂ gap ratio
+0.40 at the last order against +0.02 for keepers) and his last two baskets shrink (UCI Online
Retail, wholesale: 0.7–0.85 × his median basket); after his last order he orders nothing
(``docs/simulation.md``, "The lead-in to leaving"). Quantities follow the customer's value
potential, so revenue is concentrated as the latent value is.
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
    FloatArray,
    IntArray,
    LoadProfile,
    Window,
    business_day,
    local_to_utc,
    to_timestamps,
)
from valuecenter.demo.vector import cumsum_in_group, numbered, owners, position_in_group

MONTH_DAYS = 30.44
# The spread of the gaps: log-normal with this log-scale standard deviation, so that
# P(gap > 1.5 x median) = P(Z > ln 1.5 / GAP_SIGMA) = 34%, the middle of real keepers' 30-39%
# (issue 18; CDNOW 31.2%, measured by tests/test_analytics_leaving.py).
GAP_SIGMA = 1.0
# The lead-in of a leaver: the gaps ending at his third-to-last, second-to-last and last order
# grow by 2 ** LEAD_IN_LOG2, so the world's stoppers show CDNOW's mean log2 gap ratio at those
# orders (-0.06, +0.18, +0.40; keepers -0.12, -0.03, +0.02; issue 18: "about 1.3 x"). Set on the
# 20,000-customer wholesale worlds of seeds 2-4 (their mean: -0.06, +0.18, +0.43);
# tests/test_demo_leaving.py measures seed 1. The stretch is larger than the figure it gives
# because a leaver's campaign conversions (campaigns.py) fall among his last orders with no
# lead-in of their own.
LEAD_IN_LOG2 = (0.06, 0.35, 0.65)  # third-to-last, second-to-last, last order
# UCI Online Retail (wholesale, issue 18): the last two baskets of stoppers are 0.7-0.85 x their
# own median basket where the keepers' are 0.9 x; relative to the keepers, the middle is
# 0.775 / 0.9 = 0.86 (the world's keepers have no reason to shrink and stay near 1).
LEAD_IN_BASKET = 0.86
LEAD_IN_BASKETS = 2
# A leaver's last order stays this far before he leaves: a B2B order placed at a weekend or
# on a holiday is booked on the next working day (up to four days later at Easter).
_LEAD_IN_ROOM = 4 * DAY
FROM_FAVOURITE = 0.65  # share of order lines from the customer's three favourite categories


def gap_sigma(regularity: FloatArray) -> FloatArray:
    """The log-scale spread of every customer's gaps (GAP_SIGMA). Log-normal, so the gaps
    scatter around the median symmetrically in log: real keepers' gaps are noisy (CDNOW: 31% of
    their orders after a gap longer than 1.5 × their own median) while their mean log₂ ratio to
    the median stays near 0 (CDNOW −0.12 to +0.02 at the last three orders); a gamma gap noisy
    enough for the first puts the second at −0.3. ``regularity`` (the former gamma shape) no
    longer spreads it: with the spread of a gamma of that shape, customers of shape near 1 were
    so bursty (σ up to 1.9) that the rhythm warning saw a dip in every market nearly every
    week."""
    return np.full(len(regularity), GAP_SIGMA, dtype=np.float64)


def _lead_in(
    gaps: FloatArray, pos: IntArray, at: FloatArray, end: IntArray, slots: IntArray
) -> tuple[FloatArray, IntArray]:
    """For a customer who leaves: per customer his last order (the last slot at least
    ``_LEAD_IN_ROOM`` before he leaves, -1: none), and per slot how much his order moves when
    the gaps ending at his last order and at the two orders before it grow by
    ``2 ** LEAD_IN_LOG2``.

    The last order is chosen before the stretch (choosing it after would favour short last
    gaps). The stretched orders move later as far as there is room before he leaves;
    what does not fit moves his whole history earlier instead (and orders before his start are
    dropped), so the lead-in always ends before he leaves. The first slot is a phase, not a
    gap, and is never stretched."""
    stretch = np.asarray([2.0**v - 1.0 for v in LEAD_IN_LOG2[::-1]])  # last order first
    group = owners(slots)
    before = at < end - _LEAD_IN_ROOM
    last = np.full(len(slots), -1, dtype=np.int64)
    np.maximum.at(last, group[before], pos[before])
    last_rep = np.repeat(last, slots)
    back = last_rep - pos  # 0 at the last order
    own = np.where((back >= 0) & (back < len(stretch)) & (pos >= 1), gaps, 0.0)
    own *= stretch[np.clip(back, 0, len(stretch) - 1)]
    delay = cumsum_in_group(own, slots)
    total = np.bincount(group, weights=own, minlength=len(slots))
    at_last = np.zeros(len(slots))
    is_last = back == 0
    at_last[group[is_last]] = at[is_last]
    room = np.bincount(
        group, weights=np.where(is_last, end - _LEAD_IN_ROOM, 0.0), minlength=len(slots)
    )
    forward = np.clip(room - at_last, 0.0, total)
    shift = np.repeat(total - forward, slots)
    return np.where(back >= 0, delay - shift, 0.0), last


@dataclass(frozen=True)
class Orders:
    """Order lines (importer columns) and per-order arrays other generators use."""

    lines: pd.DataFrame
    customer: IntArray  # customer row of every order
    local_s: IntArray  # local time of every order
    order_ids: np.ndarray
    declining: BoolArray  # one of the last two orders of a customer who leaves (smaller basket)
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
    gap_mean = MONTH_DAYS / rate * DAY
    span = (hi - lo).astype(np.float64)
    expected = span / gap_mean
    slots = np.ceil(expected * 1.5 + 6.0 * np.sqrt(expected) + 4).astype(np.int64)
    slots[span <= 0] = 0

    who = owners(slots)
    pos = position_in_group(slots)
    sigma = np.repeat(gap_sigma(latent.column("regularity")), slots)
    mean = np.repeat(gap_mean, slots)
    gaps = mean * np.exp(sigma * rng_orders.standard_normal(len(who)) - sigma**2 / 2)
    first = pos == 0
    # The first gap is a random phase, so customers are not all in step at the window start. A
    # customer who was already one orders in his steady rhythm: the time to his next order is
    # the forward recurrence time of his gaps (uniform × a length-biased gap; for a log-normal
    # gap that is log-normal with the log-median raised by sigma²), otherwise noisy customers
    # would order in a burst at the window start and less and less after it. A new customer
    # starts within one mean gap of joining.
    steady = np.repeat(lo > latent.int_column("since_day") * DAY, slots)[first]
    biased = np.exp(
        sigma[first] * rng_orders.standard_normal(int(first.sum())) + sigma[first] ** 2 / 2
    )
    phase = rng_orders.random(int(first.sum())) * np.where(steady, biased, 1.0)
    gaps[first] = phase * mean[first]
    at = np.repeat(lo, slots) + cumsum_in_group(gaps, slots)
    end = np.repeat(hi, slots)
    leaves = np.repeat(latent.int_column("churn_day") >= 0, slots)
    lead_in, last = _lead_in(gaps, pos, at, end, slots)
    # A leaver's lead-in ends at his last order before he leaves; then silence.
    at = np.where(leaves, at + lead_in, at)
    in_lead = (pos <= np.repeat(last, slots)) & (at >= np.repeat(lo, slots))
    keep = np.where(leaves, in_lead, at < end)
    from_last = np.repeat(last, slots) - pos
    declining = leaves & (from_last >= 0) & (from_last < LEAD_IN_BASKETS)
    if shocks:
        dip = market_factor(shocks, countries[who], at.astype(np.int64), "order_factor")
        keep &= rng_orders.random(len(at)) < dip
    who, at, declining = who[keep], at[keep].astype(np.int64), declining[keep]
    none = np.zeros(0, dtype=np.int64)
    extras = extras or ExtraOrders(none, none, none, np.zeros(0, dtype=bool))
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

    basket = latent.column("basket_lines")[who]
    if preset.kind != "b2b":  # one or two units a line: a smaller basket has fewer lines
        basket = 1.0 + (basket - 1.0) * np.where(declining, LEAD_IN_BASKET, 1.0)
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
    shrink = declining[line_order] & (preset.kind == "b2b")
    target = per_line[line_who] * np.where(shrink, LEAD_IN_BASKET, 1.0)
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
