"""Contracts: chains of fixed-term contracts per subscription line (seed 001: one- or
two-year contracts, renewed at the end or cancelled; renewals of customers who would have
renewed silently anyway are the discounts you do not want to give).

A chain starts with the contract running when the window opens (or when the customer joins)
and steps term by term: a customer who leaves mid-term cancels (``cancelled``), one who
leaves around the term end lets it end (``ended``); otherwise the contract is renewed
(``renewed``, the next one starts at its end) or rolls on month to month (``active``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.latent import CHURN_CAUSES, CustomerLatent
from valuecenter.demo.presets import Preset
from valuecenter.demo.timeline import FloatArray, IntArray, Window, days_since_epoch, to_dates
from valuecenter.demo.treatments import AT_CONTRACT_END, stay_with_offer
from valuecenter.demo.vector import nullable, numbered, owners, position_in_group

_CANCEL_REASONS = {
    "b2b": ("price", "no longer needed", "service", "switch to competitor", "business closed"),
    "b2c": ("price", "competitor offer", "coverage", "service", "moving abroad", "not needed"),
}
_RENEW = 0.62  # further lines: renewed rather than rolling on month to month
# The company's historical renewal policy: it offers a discount more often to customers it
# thinks are sensitive (so naive comparisons of offered and not offered are confounded), and
# holds a random tenth of the selected out as a control.
_POLICY_BASE = 0.15
_CONTROL_SHARE = 0.1
_RENEWAL_DISCOUNT = 0.1  # on the next term's fee
_NO_OFFERS = pd.DataFrame(
    {
        "_cust": np.zeros(0, dtype=np.int64),
        "_end": np.zeros(0, dtype=np.int64),
        "_treated": np.zeros(0, dtype=bool),
        "_stays": np.zeros(0, dtype=bool),
        "_fee": np.zeros(0, dtype=np.int64),
        "_months": np.zeros(0, dtype=np.int64),
    }
)
_LEAVE_AT_END_BEFORE = 45  # days: a customer leaving this close to the end lets it run out
_LEAVE_AT_END_AFTER = 90


@dataclass(frozen=True)
class Contracts:
    frame: pd.DataFrame
    handset_customer: IntArray  # customer row of contracts with a handset started in window
    handset_day: IntArray
    revenue_cents: IntArray  # fees each customer paid inside the window
    churn_day: IntArray  # per customer: the decisions at contract ends folded in (-1: stays)
    churn_cause: IntArray  # per customer, index into CHURN_CAUSES (-1: stays)
    open_term_years: FloatArray  # per customer: term of the contract open at the end, or NaN
    renewals: pd.DataFrame  # the renewal campaign's members (see renewal_members)


def _term_days(months: IntArray) -> IntArray:
    return np.round(months * 365.25 / 12).astype(np.int64)


def generate_contracts(
    preset: Preset,
    latent: CustomerLatent,
    customer_ids: pd.Series,
    window: Window,
    rng: np.random.Generator,
    first_contract_no: int = 1,
) -> Contracts:
    """Contract chains. The customer decides at each end of his first line's contract (seed
    001): he stays with chance ``exp(-0.75 · hazard · term)``, or — when the renewal campaign
    offered him a discount — with the chance his response type gives (``treatments``). The
    other quarter of his hazard are mid-term cancellations. Further lines follow him."""
    n = len(customer_ids)
    value = latent.column("value_potential")
    rel = value / np.median(value)
    if preset.contract_share >= 1.0:
        has = np.ones(n, dtype=bool)
    else:
        p = rel**0.5
        has = rng.random(n) < np.clip(p * preset.contract_share / p.mean(), 0.0, 0.9)
    holders = np.flatnonzero(has)
    lines = 1 + rng.poisson(preset.extra_lines * np.minimum(rel[holders], 4.0) ** 0.3)
    cust = holders[owners(lines)]
    primary = position_in_group(lines) == 0
    m = len(cust)

    start_day = days_since_epoch(window.start)
    end_day = start_day + window.days
    since = latent.int_column("since_day")
    hazard = latent.column("hazard")
    kind = latent.int_column("response_type")
    sens_c = latent.column("offer_sensitivity")

    # Churn of contract customers: mid-term (a quarter of the hazard, or a recession) here;
    # the contract-end decisions in the loop below.
    churn = latent.int_column("churn_day").copy()
    cause = latent.int_column("churn_cause").copy()
    begin_active = np.maximum(since, start_day)
    mid = begin_active + rng.exponential(
        365.0 / np.maximum((1.0 - AT_CONTRACT_END) * hazard, 1e-9)
    ).astype(np.int64)
    recession = cause == CHURN_CAUSES.index("recession")
    mid = np.where(recession, churn, mid)
    churn[has] = np.where(mid[has] < end_day, mid[has], -1)
    cause[has] = np.where(
        churn[has] < 0,
        -1,
        np.where(recession[has], cause[has], CHURN_CAUSES.index("mid-term-cancel")),
    )

    fees = np.array([p.monthly_fee_cents for p in preset.plans])
    z_value = np.log(rel[cust]) / 1.76
    # The price-minded buy SIM-only plans, the others a handset bundle (latent.MATCH_RATIO;
    # every plan is open to everyone when the preset has one family only).
    handset = np.array([p.handset for p in preset.plans])
    has_minded = "price_minded" in latent.frame
    minded = latent.int_column("price_minded")[cust] == 1 if has_minded else None
    split = minded is not None and minded.any() and handset.any() and not handset.all()

    def family(allowed: np.ndarray) -> tuple[IntArray, FloatArray]:
        order = np.argsort(np.where(allowed, fees, np.iinfo(np.int64).max), kind="stable")
        order = order[: int(allowed.sum())]
        weights = np.array([p.weight for p in preset.plans])[order]
        return order.astype(np.int64), np.cumsum(weights) / weights.sum()

    families = [family(handset), family(~handset)] if split else [family(np.ones(len(fees), bool))]

    def pick_plan() -> IntArray:
        # Richer customers take dearer plans: a latent index correlated with value.
        u = 1.0 / (1.0 + np.exp(-1.702 * (0.6 * z_value + 0.8 * rng.standard_normal(m))))
        out = np.empty(m, dtype=np.int64)
        group = minded.astype(np.int64) if split and minded is not None else np.zeros(m, np.int64)
        for g, (by_fee, cum) in enumerate(families):
            at = group == g
            out[at] = by_fee[np.minimum(np.searchsorted(cum, u[at]), len(cum) - 1)]
        return out

    def pick_term(plan: IntArray) -> IntArray:
        out = np.empty(m, dtype=np.int64)
        for k, p in enumerate(preset.plans):
            mask = plan == k
            out[mask] = np.asarray(p.term_months)[rng.integers(0, len(p.term_months), mask.sum())]
        return out

    plan = pick_plan()
    term = pick_term(plan)
    first = np.where(
        since[cust] >= start_day,
        since[cust],
        np.maximum(since[cust], start_day - rng.integers(1, 730, m)),
    )
    begin = first.astype(np.int64)
    alive = np.ones(m, dtype=bool)
    discount = np.zeros(m)
    rows: list[pd.DataFrame] = []
    offers: list[pd.DataFrame] = []
    reasons = np.asarray(_CANCEL_REASONS[preset.kind], dtype=object)
    handset_c: list[IntArray] = []
    handset_d: list[IntArray] = []
    open_term = np.full(n, np.nan)
    while alive.any():
        idx = np.flatnonzero(alive)
        b = begin[idx]
        e = b + _term_days(term[idx])
        who = cust[idx]
        first_line = primary[idx]
        # The decision at the end of the first line's term (the other lines follow it).
        decide = first_line & (e >= start_day) & (e < end_day)
        decide &= (churn[who] < 0) | (churn[who] >= e)
        p_stay = np.exp(-AT_CONTRACT_END * hazard[who] * term[idx] / 12.0)
        offered = decide & (rng.random(len(idx)) < _POLICY_BASE + 0.5 * sens_c[who])
        offered &= preset.renewal_campaign
        control = offered & (rng.random(len(idx)) < _CONTROL_SHARE)
        treated = offered & ~control
        p = np.where(treated, stay_with_offer(p_stay, kind[who]), p_stay)
        leaves_at_end = decide & (rng.random(len(idx)) >= p)
        churn[who[leaves_at_end]] = e[leaves_at_end]
        cause[who[leaves_at_end]] = CHURN_CAUSES.index("contract-end")
        if offered.any():
            offers.append(
                pd.DataFrame(
                    {
                        "_cust": who[offered],
                        "_end": e[offered],
                        "_treated": treated[offered],
                        "_stays": ~leaves_at_end[offered],
                        "_fee": np.round(
                            fees[plan[idx[offered]]]
                            * (1.0 - np.where(treated[offered], _RENEWAL_DISCOUNT, 0.0))
                        ).astype(np.int64),
                        "_months": term[idx[offered]],
                    }
                )
            )
        ch = churn[who]
        leaves = ch >= 0
        near_end = (ch >= e - _LEAVE_AT_END_BEFORE) & (ch < e + _LEAVE_AT_END_AFTER)
        ends_with_leave = leaves & near_end & (e <= end_day)
        cancels = leaves & ~ends_with_leave & (ch < e)
        open_end = ~cancels & ~ends_with_leave & (e >= end_day)
        rest = ~cancels & ~ends_with_leave & ~open_end
        renew = rest & (first_line | (rng.random(len(idx)) < _RENEW))
        rollover = rest & ~renew
        # A rolled-over contract is cancelled when the customer leaves later.
        roll_cancel = rollover & leaves
        status = np.select(
            [cancels | roll_cancel, ends_with_leave, renew],
            ["cancelled", "ended", "renewed"],
            default="active",
        )
        cancelled_at = np.where(cancels | roll_cancel, ch, -1)
        end_date = np.where(cancels, np.minimum(ch + 30, e), e)
        end_date = np.where(roll_cancel, ch + 30, end_date)
        renewed_at = np.where(renew, e - rng.integers(0, 60, len(idx)), -1)
        fee = np.round(fees[plan[idx]] * (1.0 - discount[idx])).astype(np.int64)
        rows.append(
            pd.DataFrame(
                {
                    "_begin": b,
                    "_cust": who,
                    "plan": np.asarray([p.code for p in preset.plans], dtype=object)[plan[idx]],
                    "monthly_fee": fee / 100,
                    "_start": b,
                    "_end": end_date,
                    "status": status,
                    "_renewed": renewed_at,
                    "_cancelled": cancelled_at,
                    "cancel_reason": nullable(
                        reasons[rng.integers(0, len(reasons), len(idx))], cancelled_at >= 0
                    ),
                }
            )
        )
        still_open = first_line & open_end
        open_term[who[still_open]] = term[idx[still_open]] / 12.0
        handset = np.array([p.handset for p in preset.plans])[plan[idx]]
        in_window = handset & (b >= start_day) & (b < end_day)
        handset_c.append(who[in_window])
        handset_d.append(b[in_window])
        # Next step: only renewed contracts continue, possibly on another plan; a renewal the
        # campaign bought carries its discount.
        begin[idx] = e
        was_treated = np.zeros(m, dtype=bool)
        was_treated[idx] = treated
        alive[idx] = renew & (e < end_day)
        switch = rng.random(m) < 0.2
        new_plan = pick_plan()
        plan = np.where(switch & alive, new_plan, plan)
        term = np.where(alive, pick_term(plan), term)
        discount = np.where(alive & was_treated, _RENEWAL_DISCOUNT, 0.0)

    frame = pd.concat(rows, ignore_index=True) if rows else _NO_CONTRACTS.copy()
    running_to = np.where(
        frame["status"].to_numpy() == "active", end_day, frame["_end"].to_numpy(dtype=np.int64)
    )
    overlap = np.clip(
        np.minimum(running_to, end_day) - np.maximum(frame["_start"].to_numpy(), start_day),
        0,
        None,
    )
    fee_cents = np.round(frame["monthly_fee"].to_numpy(dtype=np.float64) * 100)
    paid = np.bincount(
        frame["_cust"].to_numpy(), weights=overlap * fee_cents * 12 / 365.25, minlength=n
    )
    frame = frame.sort_values(["_begin", "_cust"], kind="stable").reset_index(drop=True)
    frame.insert(0, "contract_id", numbered("CT", first_contract_no, len(frame), 7))
    frame.insert(1, "customer_id", customer_ids.to_numpy()[frame["_cust"].to_numpy()])
    frame["start_date"] = to_dates(frame["_start"].to_numpy())
    frame["end_date"] = to_dates(frame["_end"].to_numpy())
    frame["renewed_at"] = _optional_dates(frame["_renewed"].to_numpy())
    frame["cancelled_at"] = _optional_dates(frame["_cancelled"].to_numpy())
    columns = [
        "contract_id",
        "customer_id",
        "plan",
        "monthly_fee",
        "start_date",
        "end_date",
        "status",
        "renewed_at",
        "cancelled_at",
        "cancel_reason",
    ]
    return Contracts(
        frame=frame[columns],
        handset_customer=np.concatenate([*handset_c, _NO_DAYS]).astype(np.int64),
        handset_day=np.concatenate([*handset_d, _NO_DAYS]).astype(np.int64),
        revenue_cents=np.round(paid).astype(np.int64),
        churn_day=churn.astype(np.int64),
        churn_cause=cause.astype(np.int64),
        open_term_years=open_term,
        renewals=pd.concat(offers, ignore_index=True) if offers else _NO_OFFERS.copy(),
    )


_NO_CONTRACTS = pd.DataFrame(
    {
        "_begin": np.zeros(0, np.int64),
        "_cust": np.zeros(0, np.int64),
        "plan": np.zeros(0, object),
        "monthly_fee": np.zeros(0, np.float64),
        "_start": np.zeros(0, np.int64),
        "_end": np.zeros(0, np.int64),
        "status": np.zeros(0, object),
        "_renewed": np.zeros(0, np.int64),
        "_cancelled": np.zeros(0, np.int64),
        "cancel_reason": np.zeros(0, object),
    }
)
"""A world so small that no customer holds a contract (``demo --customers 3``)."""
_NO_DAYS = np.zeros(0, np.int64)


def _optional_dates(days: IntArray) -> pd.Series:
    return pd.Series(nullable(to_dates(np.maximum(days, 0)).to_numpy(), days >= 0))
