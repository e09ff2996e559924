"""Contacts on every channel, with 1–4 reasons, queues, agents, transfers, repeats and cases.

Where the volume and its shape come from:

- service contacts: each customer's ``contact_rate`` spread over the load profile of his
  channel (office hours for phone, chat and fax; around the clock for mail, webcare, SMS and
  self-service), so Monday mornings and the weeks before Valentine's Day, Mother's Day and
  Christmas are busier (seeds 002, 003); the channel is the customer's own preference or his
  country's habit (seed 000: BE/DE/AT phone and fax, NL online);
- order contacts: wholesale orders placed by phone, fax or mail (seed 000: 70% of the phone
  traffic is taking orders);
- contacts before leaving: complaints, price questions and cancellations in the weeks before
  a customer goes (the early warning of seed 000);
- telecom calls first meet the IVR, which handles 54% itself (seed 001); callers who want to
  cancel go straight to the retention team.

Customers ask several questions per contact (seed 002: often 3–4), so each contact carries
1–4 reasons. Waits grow with the load; long waits are abandoned; some contacts are
transferred (``transferred_from``) or repeated within days under the same case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.latent import CustomerLatent, active_bounds
from valuecenter.demo.presets import CHANNELS, Preset
from valuecenter.demo.timeline import (
    DAY,
    HOUR,
    IntArray,
    LoadProfile,
    Window,
    local_to_utc,
    to_timestamps,
)
from valuecenter.demo.vector import nullable, owners
from valuecenter.demo.workforce import Team, Workforce, assign_agents

PHONE, CHAT, EMAIL, WEBCARE, SMS, FAX, SELF = range(len(CHANNELS))
_OFFICE_CHANNELS = (PHONE, CHAT, FAX)
# Reasons per contact: 1, 2, 3 or 4 (mean 2.2).
_REASON_COUNTS = np.array([0.32, 0.33, 0.22, 0.13])
_TALK_MEDIAN = {PHONE: 240, CHAT: 420, EMAIL: 300, WEBCARE: 180, SMS: 90, FAX: 240, SELF: 150}
_WRAP_MEDIAN = {PHONE: 45, CHAT: 30, EMAIL: 60, WEBCARE: 40, SMS: 20, FAX: 60, SELF: 0}
_WAIT_MEAN = {PHONE: 75, CHAT: 40, EMAIL: 6 * HOUR, WEBCARE: HOUR, SMS: 20 * 60, FAX: 8 * HOUR}
_PATIENCE_MEAN = 420.0
# Share of inbound calls the IVR may serve at all: not cancellations (they go to retention),
# nor the repeats and callbacks added later; the IVR's share of all calls is then ivr_share.
_IVR_ELIGIBLE = 0.85
_TRANSFER = 0.07
_FIRST_CONTACT_FIX = 0.8
_REPEAT_WHEN_UNRESOLVED = 0.7
_CALLBACK_AFTER_ABANDON = 0.5

KIND_SERVICE, KIND_ORDER, KIND_LEAVING, KIND_OUTBOUND = range(4)


@dataclass(frozen=True)
class ContactDraw:
    """Contacts (importer columns) and per-contact arrays the survey generator uses."""

    frame: pd.DataFrame
    customer: IntArray  # customer row, one per contact row of ``frame``
    agent: IntArray  # agent row or -1
    utc_s: IntArray
    transferred: np.ndarray
    resolved: np.ndarray  # 1, 0, or -1 (unknown)


def teams_for(preset: Preset) -> list[Team]:
    languages = sorted({lang for c in preset.countries for lang, _ in c.languages})
    teams = [Team(f"service-{lang}", "service", lang) for lang in languages]
    for function in preset.functions:
        if function == "webcare":
            teams.append(Team("webcare", "webcare", None))
        else:
            teams.extend(Team(f"{function}-{lang}", function, lang) for lang in languages)
    return teams


class _Parts:
    """Contacts under construction: columns as lists of arrays, concatenated at the end."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {}

    def add(self, **cols: np.ndarray) -> None:
        for key, value in cols.items():
            self.cols.setdefault(key, []).append(value)

    def get(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


def _reasons(
    preset: Preset, rng: np.random.Generator, primary: IntArray
) -> tuple[np.ndarray, IntArray]:
    """The ';'-joined reason codes of every contact (primary first) and their count."""
    codes = np.asarray([code for code, _ in preset.reasons] + ["offer"], dtype=object)
    weights = np.array([w for _, w in preset.reasons] + [0.0])
    n = len(primary)
    count = 1 + rng.choice(4, size=n, p=_REASON_COUNTS)
    # Gumbel top-k: further reasons drawn without replacement, proportional to the weights.
    with np.errstate(divide="ignore"):
        keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))
    keys[np.arange(n), primary] = np.inf
    order = np.argsort(-keys, axis=1)[:, :4]
    text = codes[order[:, 0]]
    for j in range(1, 4):
        text = np.where(count > j, text + ";" + codes[order[:, j]], text)
    return np.asarray(text, dtype=object), count.astype(np.int64)


def generate_contacts(
    preset: Preset,
    latent: CustomerLatent,
    customer_ids: pd.Series,
    country_index: IntArray,
    languages: np.ndarray,
    window: Window,
    order_customer: IntArray,
    order_local_s: IntArray,
    office: LoadProfile,
    digital: LoadProfile,
    rng: np.random.Generator,
    reason_rng: np.random.Generator,
    handling_rng: np.random.Generator,
    build_agents: Callable[[list[Team], IntArray], Workforce],
) -> tuple[ContactDraw, Workforce]:
    """All contacts; ``build_agents(teams, handled_per_team)`` returns the workforce."""
    n = len(customer_ids)
    lo, hi = active_bounds(latent, window)
    reason_codes = [code for code, _ in preset.reasons]
    reason_w = np.array([w for _, w in preset.reasons])
    reason_p = reason_w / reason_w.sum()
    r_index = {code: i for i, code in enumerate(reason_codes)}
    offer_reason = len(reason_codes)
    mixes = np.array([np.asarray(c.channel_mix) / sum(c.channel_mix) for c in preset.countries])
    pref = latent.int_column("channel_pref")
    parts = _Parts()

    def channel_for(who: IntArray) -> IntArray:
        own = rng.random(len(who)) < 0.6
        cum = np.cumsum(mixes[country_index[who]], axis=1)
        habit = np.minimum((rng.random(len(who))[:, None] > cum).sum(axis=1), len(CHANNELS) - 1)
        return np.where(own, pref[who], habit).astype(np.int64)

    def timed(who: IntArray, channel: IntArray, a: IntArray, b: IntArray) -> IntArray:
        at = np.empty(len(who), dtype=np.int64)
        live = np.isin(channel, _OFFICE_CHANNELS)
        at[live] = office.sample(rng, a[live], b[live])
        at[~live] = digital.sample(rng, a[~live], b[~live])
        return at

    # Service contacts, proportional to the load the customer's active months carry.
    mass = 0.5 * (office.mass(lo, hi) + digital.mass(lo, hi))
    count = rng.poisson(latent.column("contact_rate") * window.months * mass)
    who = owners(count)
    channel = channel_for(who)
    at = timed(who, channel, lo[who], hi[who])
    primary = rng.choice(len(reason_codes), size=len(who), p=reason_p)
    parts.add(
        who=who, channel=channel, at=at, primary=primary, kind=np.full(len(who), KIND_SERVICE)
    )

    # Orders placed through the contact centre.
    assisted = np.array([c.assisted_orders for c in preset.countries])[
        country_index[order_customer]
    ]
    placed = rng.random(len(order_customer)) < assisted
    o_who = order_customer[placed]
    fax_market = mixes[country_index[o_who], FAX] > 0.05
    u = rng.random(len(o_who))
    o_channel = np.select([u < 0.72, u < 0.86, fax_market], [PHONE, EMAIL, FAX], PHONE)
    o_at = order_local_s[placed] - rng.integers(60, 600, len(o_who))
    if "order" in r_index:
        parts.add(
            who=o_who,
            channel=o_channel.astype(np.int64),
            at=o_at,
            primary=np.full(len(o_who), r_index["order"]),
            kind=np.full(len(o_who), KIND_ORDER),
        )

    # Contacts in the weeks before a customer leaves.
    churn = latent.int_column("churn_day")
    leaving = np.flatnonzero((churn >= 0) & (rng.random(n) < 0.6))
    k = 1 + (rng.random(len(leaving)) < 0.4)
    l_who = np.repeat(leaving, k)
    l_hi = churn[l_who] * DAY
    l_lo = np.maximum(l_hi - 60 * DAY, lo[l_who])
    room = l_hi - l_lo >= DAY
    l_who, l_hi, l_lo = l_who[room], l_hi[room], l_lo[room]
    l_channel = channel_for(l_who)
    l_at = timed(l_who, l_channel, l_lo, np.maximum(l_hi, l_lo))
    leave_reasons = [r_index[c] for c in ("complaint", "cancel", "price") if c in r_index]
    l_primary = np.asarray(leave_reasons, dtype=np.int64)[
        rng.integers(0, len(leave_reasons), len(l_who))
    ]
    parts.add(
        who=l_who,
        channel=l_channel,
        at=l_at,
        primary=l_primary,
        kind=np.full(len(l_who), KIND_LEAVING),
    )

    # Proactive outbound calls (offers, renewals).
    out_count = rng.poisson(0.02 * latent.column("offer_sensitivity") * window.months * mass)
    x_who = owners(out_count)
    x_at = office.sample(rng, lo[x_who], hi[x_who])
    parts.add(
        who=x_who,
        channel=np.full(len(x_who), PHONE),
        at=x_at,
        primary=np.full(len(x_who), offer_reason),
        kind=np.full(len(x_who), KIND_OUTBOUND),
    )

    base = parts.get()
    who, channel, at, primary, kind = (
        base["who"],
        base["channel"],
        base["at"],
        base["primary"].astype(np.int64),
        base["kind"],
    )
    m = len(who)
    lang = languages[who]

    # The IVR (telecom): it serves most calls itself, never a caller who wants to cancel.
    cancel = primary == r_index.get("cancel", -1)
    ivr = (channel == PHONE) & (kind != KIND_OUTBOUND) & ~cancel
    ivr &= handling_rng.random(m) < min(1.0, preset.ivr_share / _IVR_ELIGIBLE)
    queue = np.empty(m, dtype=object)
    teams = teams_for(preset)
    team_index = {t.code: i for i, t in enumerate(teams)}
    team = np.full(m, -1, dtype=np.int64)
    channel_names = np.asarray(CHANNELS, dtype=object)

    def route(mask: np.ndarray, team_code_prefix: str | None, queue_name: np.ndarray) -> None:
        queue[mask] = queue_name[mask] if queue_name.shape else queue_name
        if team_code_prefix is None:
            return
        codes = np.where(
            team_code_prefix == "webcare", "webcare", team_code_prefix + "-" + lang[mask]
        )
        team[mask] = [team_index[c] for c in codes]

    service_queue = channel_names[channel] + "-" + lang
    route(np.ones(m, dtype=bool), "service", service_queue)
    outbound = kind == KIND_OUTBOUND
    route(outbound, "service", "outbound-" + lang)
    if "orderdesk" in preset.functions:
        route(kind == KIND_ORDER, "orderdesk", "orders-" + lang)
    if "retention" in preset.functions:
        route(cancel & (channel != SELF), "retention", "retention-" + lang)
    route(channel == WEBCARE, "webcare", np.full(m, "webcare", dtype=object))
    self_service = (channel == SELF) | ivr
    queue[channel == SELF] = "self-service"
    queue[ivr] = "ivr"
    team[self_service] = -1
    channel = np.where(ivr, SELF, channel)

    # Waiting grows with the load of the hour (Monday morning, peak weeks).
    load = office.weights[np.clip((at - window.start_s) // HOUR, 0, len(office.weights) - 1)]
    load = load / max(float(office.weights[office.weights > 0].mean()), 1e-9)
    wait_mean = np.array([_WAIT_MEAN.get(c, 0) for c in range(len(CHANNELS))])[channel]
    wait = (
        handling_rng.exponential(1.0, m)
        * wait_mean
        * np.where(np.isin(channel, (PHONE, CHAT)), np.clip(load, 0.3, 3.0) ** 1.5, 1.0)
    )
    wait[outbound | self_service] = 0
    patience = handling_rng.exponential(_PATIENCE_MEAN, m)
    abandoned = np.isin(channel, (PHONE, CHAT)) & ~outbound & (wait > patience)
    wait = np.where(abandoned, patience, wait)
    reasons, n_reasons = _reasons(preset, reason_rng, primary)
    talk_median = np.array([_TALK_MEDIAN[c] for c in range(len(CHANNELS))])[channel]
    talk = talk_median * (1 + 0.3 * (n_reasons - 1)) * handling_rng.lognormal(0.0, 0.5, m)
    wrap_median = np.array([_WRAP_MEDIAN[c] for c in range(len(CHANNELS))])[channel]
    wrap = wrap_median * handling_rng.lognormal(0.0, 0.4, m)
    talk[abandoned] = 0
    wrap[abandoned] = 0
    resolved = np.where(handling_rng.random(m) < _FIRST_CONTACT_FIX, 1, 0)
    resolved[abandoned] = -1
    resolved[self_service] = np.where(handling_rng.random(int(self_service.sum())) < 0.75, 1, 0)
    handled = ~abandoned & ~self_service

    # Transfers: the original ends unresolved; the follow-up goes to another team.
    transfer = handled & np.isin(channel, (PHONE, CHAT)) & (handling_rng.random(m) < _TRANSFER)
    t_idx = np.flatnonzero(transfer)
    resolved[t_idx] = 0
    second = [t for t in teams if t.function != "service" and t.function != "webcare"]
    t_team = team[t_idx].copy()
    t_queue = queue[t_idx].copy()
    for j, i in enumerate(t_idx):
        if teams[team[i]].function == "service" and second:
            target = f"{second[0].function}-{lang[i]}"
            t_team[j] = team_index[target]
            t_queue[j] = ("orders-" if second[0].function == "orderdesk" else "retention-") + str(
                lang[i]
            )
        else:
            t_team[j] = team_index[f"service-{lang[i]}"]
            t_queue[j] = f"{CHANNELS[channel[i]]}-{lang[i]}"

    # Repeats: an unresolved question comes back within days, under the same case.
    unresolved = handled & (resolved == 0) & ~transfer
    r_idx = np.flatnonzero(unresolved & (handling_rng.random(m) < _REPEAT_WHEN_UNRESOLVED))
    # Callbacks after an abandoned call start a new case.
    c_idx = np.flatnonzero(abandoned & (handling_rng.random(m) < _CALLBACK_AFTER_ABANDON))

    f_parent = np.concatenate([t_idx, r_idx, c_idx]).astype(np.int64)
    f_kind = np.concatenate(
        [np.full(len(t_idx), 1), np.full(len(r_idx), 2), np.full(len(c_idx), 3)]
    )
    f = len(f_parent)
    f_at = np.concatenate(
        [
            at[t_idx] + wait[t_idx].astype(np.int64) + talk[t_idx].astype(np.int64) + 5,
            at[r_idx] + handling_rng.integers(DAY // 2, 10 * DAY, len(r_idx)),
            at[c_idx]
            + wait[c_idx].astype(np.int64)
            + handling_rng.integers(300, 2 * HOUR, len(c_idx)),
        ]
    )
    f_channel = channel[f_parent].copy()
    f_team = np.concatenate([t_team, team[r_idx], team[c_idx]])
    f_queue = np.concatenate([t_queue, queue[r_idx], queue[c_idx]])
    f_wait = handling_rng.exponential(1.0, f) * np.where(f_kind == 1, 20.0, wait_mean[f_parent])
    f_talk = talk_median[f_parent] * handling_rng.lognormal(0.0, 0.5, f)
    f_wrap = wrap_median[f_parent] * handling_rng.lognormal(0.0, 0.4, f)
    f_resolved = np.where(handling_rng.random(f) < 0.82, 1, 0)

    all_who = np.concatenate([who, who[f_parent]])
    all_at = np.concatenate([at, f_at]).astype(np.int64)
    keep = (all_at >= window.start_s) & (all_at < window.end_s - 60)
    all_channel = np.concatenate([channel, f_channel])
    all_team = np.concatenate([team, f_team])
    all_queue = np.concatenate([queue, f_queue])
    all_wait = np.concatenate([wait, f_wait]).astype(np.int64)
    all_talk = np.concatenate([talk, f_talk]).astype(np.int64)
    all_wrap = np.concatenate([wrap, f_wrap]).astype(np.int64)
    all_abandoned = np.concatenate([abandoned, np.zeros(f, dtype=bool)])
    all_resolved = np.concatenate([resolved, f_resolved])
    all_reasons = np.concatenate([reasons, reasons[f_parent]])
    all_primary = np.concatenate([primary, primary[f_parent]])
    all_outbound = np.concatenate([outbound, outbound[f_parent]])
    parent = np.concatenate([np.full(m, -1), np.where(f_kind == 1, f_parent, -1)])
    # Case: handled contacts open one; transfers and repeats join the parent's case.
    case_root = np.concatenate(
        [np.where(handled, np.arange(m), -1), np.where(f_kind == 3, m + np.arange(f), f_parent)]
    )
    case_root = np.where(case_root >= 0, case_root, -1)

    handled_team = all_team[keep & ~all_abandoned & (all_team >= 0)]
    workforce = build_agents(teams, np.bincount(handled_team, minlength=len(teams)))
    agent = assign_agents(workforce, np.where(all_abandoned, -1, all_team), all_at, handling_rng)

    # Chronological contact ids; a transfer always starts after its parent.
    sel = np.flatnonzero(keep)
    order = sel[np.argsort(all_at[sel], kind="stable")]
    total = len(all_at)
    new_pos = np.full(total, -1, dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    width = max(8, len(str(len(order))))
    ids = np.asarray([f"K{i:0{width}d}" for i in range(1, len(order) + 1)], dtype=object)

    def id_of(index: IntArray) -> np.ndarray:
        pos = np.where(index >= 0, new_pos[np.maximum(index, 0)], -1)
        return nullable(ids[np.maximum(pos, 0)], pos >= 0)

    # Case numbers in order of the case's first contact.
    roots = case_root[order]
    first_seen = pd.unique(roots[roots >= 0])
    case_no = np.full(total, -1, dtype=np.int64)
    case_no[first_seen] = np.arange(len(first_seen))
    case_of = np.where(roots >= 0, case_no[np.maximum(roots, 0)], -1)
    cwidth = max(7, len(str(len(first_seen))))
    case_ids = np.asarray([f"CS{i + 1:0{cwidth}d}" for i in range(len(first_seen))], dtype=object)
    case_text = nullable(np.append(case_ids, "")[case_of], case_of >= 0)

    utc = local_to_utc(all_at[order])
    res = all_resolved[order]
    agent_ids = workforce.agents["agent_id"].to_numpy()
    ag = agent[order]
    intent_codes = np.asarray([*reason_codes, "offer"], dtype=object)
    frame = pd.DataFrame(
        {
            "contact_id": ids,
            "customer_id": customer_ids.to_numpy()[all_who[order]],
            "channel": channel_names[all_channel[order]],
            "direction": np.where(all_outbound[order], "outbound", "inbound"),
            "queue": all_queue[order],
            "agent_id": nullable(agent_ids[np.maximum(ag, 0)], ag >= 0),
            "started_at": to_timestamps(utc),
            "wait_seconds": all_wait[order],
            "talk_seconds": all_talk[order],
            "wrap_seconds": all_wrap[order],
            "abandoned": all_abandoned[order],
            "transferred_from": id_of(parent[order]),
            "reasons": all_reasons[order],
            "case_id": case_text,
            "resolved": nullable(res == 1, res >= 0),
            "intent": intent_codes[all_primary[order]],
        }
    )
    transferred = np.isin(np.arange(total), parent[parent >= 0])[order]
    draw = ContactDraw(
        frame=frame,
        customer=all_who[order],
        agent=ag,
        utc_s=utc,
        transferred=transferred,
        resolved=res,
    )
    return draw, workforce
