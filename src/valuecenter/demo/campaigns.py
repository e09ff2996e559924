"""The campaigns in the demo's history, each with a random control group (C9).

- The preset's campaigns (``CampaignSpec``): one message on one channel to a share of the
  customers active at that moment — for e-mail, SMS and phone only those whose marketing
  consent for that channel stands (seed 004, the telemarketing code) — with a random hold-out.
  A treated member responds with his channel's chance (seed 001: direct mail 3–5%, SMS about
  50%); he converts (buys from the campaign's category within 30 days) on his own with the
  organic chance, or because he responded and takes the offer. Control members convert only on
  their own. A conversion is a real order (``orders.py`` adds it), so revenue adds up.
- The renewal campaign (``RENEW-<year>Q<quarter>``): the outbound calls of the contract
  decisions in ``contracts.py`` (treated customers got a discount; a tenth held out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.latent import CustomerLatent, active_bounds
from valuecenter.demo.presets import CampaignSpec, Preset
from valuecenter.demo.timeline import (
    DAY,
    HOUR,
    IntArray,
    Window,
    add_months,
    days_since_epoch,
    local_to_utc,
    to_timestamps,
)
from valuecenter.demo.treatments import channel_response, organic_purchase, take_rate

_CONSENT_CHANNEL = {"email": "email", "sms": "sms", "phone": "phone"}
_RESPONSE_DELAY = {"direct-mail": 4 * DAY, "email": DAY, "sms": 3 * HOUR, "phone": 0}
RENEWAL_COST_CENTS = 450  # an outbound retention call


def _quarters(days: IntArray) -> np.ndarray:
    """``RENEW-<year>Q<quarter>`` of every day, vectorised."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    year = (months // 12 + 1970).astype(str)
    quarter = (months % 12 // 3 + 1).astype(str)
    return np.asarray(
        np.char.add(np.char.add(np.char.add("RENEW-", year), "Q"), quarter), dtype=object
    )


def campaign_frame(preset: Preset, window: Window) -> pd.DataFrame:
    """The campaigns (importer columns), the renewal quarters included."""
    rows: list[dict[str, object]] = []
    for spec in preset.campaigns:
        start = _send_local(spec, window)
        rows.append(
            {
                "campaign_id": spec.code,
                "name": spec.name,
                "channel": spec.channel,
                "action": spec.action,
                "_start": start,
                "_end": start + 30 * DAY,
                "cost_per_contact": spec.cost_cents / 100,
                "description": f"{spec.share:.0%} of the eligible customers, "
                f"{spec.control_share:.0%} held out as a random control group",
            }
        )
    if preset.renewal_campaign:
        first = pd.Timestamp(window.start)
        quarter = pd.Timestamp(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
        while quarter.date() < window.end:
            q_start = days_since_epoch(max(quarter.date(), window.start))
            q_end = days_since_epoch(min((quarter + pd.DateOffset(months=3)).date(), window.end))
            code = str(_quarters(np.array([q_start], dtype=np.int64))[0])
            rows.append(
                {
                    "campaign_id": code,
                    "name": f"Contract renewal calls {code.removeprefix('RENEW-')}",
                    "channel": "phone",
                    "action": "renewal-offer",
                    "_start": (q_start - 45) * DAY + 9 * HOUR,
                    "_end": q_end * DAY,
                    "cost_per_contact": RENEWAL_COST_CENTS / 100,
                    "description": "10% discount on the next term to customers whose contract "
                    "ends this quarter, selected by the retention team; a tenth held out",
                }
            )
            quarter = quarter + pd.DateOffset(months=3)
    frame = pd.DataFrame(rows)
    frame["started_at"] = to_timestamps(local_to_utc(frame["_start"].to_numpy(dtype=np.int64)))
    frame["ended_at"] = to_timestamps(local_to_utc(frame["_end"].to_numpy(dtype=np.int64)))
    return frame[
        [
            "campaign_id",
            "name",
            "channel",
            "action",
            "started_at",
            "ended_at",
            "cost_per_contact",
            "description",
        ]
    ]


def _send_local(spec: CampaignSpec, window: Window) -> int:
    day = days_since_epoch(add_months(window.start, spec.month))
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    day += (7 - weekday) % 7 + 1  # the Tuesday after
    return day * DAY + 10 * HOUR


@dataclass(frozen=True)
class Conversions:
    """Orders the campaigns caused: customer row, local time, category index; ``member`` is
    the row of the members frame each belongs to (its revenue is filled in from the order)."""

    customer: IntArray
    local_s: IntArray
    category: IntArray
    member: IntArray


def consent_at(
    consents: pd.DataFrame, customer_ids: pd.Series, channel: str, at_utc: int
) -> np.ndarray:
    """Per customer (in ``customer_ids`` order): does his latest marketing consent event for
    ``channel`` at ``at_utc`` grant it?"""
    c = consents[(consents["purpose"] == "marketing") & (consents["channel"] == channel)]
    c = c[c["recorded_at"] <= pd.Timestamp(at_utc, unit="s", tz="UTC")]
    latest = c.sort_values("recorded_at", kind="stable").drop_duplicates("customer_id", keep="last")
    granted = set(latest.loc[latest["granted"].astype(bool), "customer_id"])
    return np.asarray(customer_ids.isin(granted).to_numpy(), dtype=bool)


def members(
    preset: Preset,
    window: Window,
    latent: CustomerLatent,
    customer_ids: pd.Series,
    consents: pd.DataFrame,
    renewals: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, Conversions]:
    """Campaign members (importer columns; ``revenue`` of cross-sell conversions still 0) and
    the conversions for the order generator."""
    lo, hi = active_bounds(latent, window)
    sens = latent.column("offer_sensitivity")
    kind = latent.int_column("response_type")
    organic = organic_purchase(latent.column("order_rate"))
    codes = [code for code, _, _ in preset.categories]
    ids = customer_ids.to_numpy()
    parts: list[pd.DataFrame] = []
    conv_c: list[IntArray] = []
    conv_t: list[IntArray] = []
    conv_k: list[IntArray] = []
    conv_m: list[IntArray] = []
    offset = 0
    for spec in preset.campaigns:
        sent = _send_local(spec, window)
        if sent >= window.end_s:
            continue
        eligible = (lo <= sent) & (hi > sent)
        if spec.channel in _CONSENT_CHANNEL:
            sent_utc = int(local_to_utc(np.array([sent], dtype=np.int64))[0])
            eligible &= consent_at(consents, customer_ids, _CONSENT_CHANNEL[spec.channel], sent_utc)
        who = np.flatnonzero(eligible & (rng.random(len(ids)) < spec.share))
        control = rng.random(len(who)) < spec.control_share
        p_resp = channel_response(spec.channel, sens[who])
        responded = ~control & (rng.random(len(who)) < p_resp)
        takes = responded & (rng.random(len(who)) < take_rate(sens[who], kind[who]))
        converted = takes | (rng.random(len(who)) < organic[who])
        delay = _RESPONSE_DELAY[spec.channel]
        resp_at = sent + (delay * rng.exponential(1.0, len(who))).astype(np.int64) + 600
        conv_at = np.where(
            takes,
            resp_at + rng.integers(0, 3 * DAY, len(who)),
            sent + rng.integers(HOUR, 30 * DAY, len(who)),
        )
        conv_at = np.minimum(conv_at, window.end_s - HOUR)
        # Nobody responds or buys after he has left.
        responded &= resp_at < hi[who]
        converted &= conv_at < hi[who]
        parts.append(
            pd.DataFrame(
                {
                    "campaign_id": spec.code,
                    "customer_id": ids[who],
                    "arm": np.where(control, "control", "treatment"),
                    "_contacted": np.where(control, -1, sent),
                    "_responded": np.where(responded, np.minimum(resp_at, window.end_s - HOUR), -1),
                    "_converted": np.where(converted, conv_at, -1),
                    "revenue": 0.0,
                }
            )
        )
        if spec.category in codes:
            conv_c.append(who[converted])
            conv_t.append(conv_at[converted])
            conv_k.append(np.full(int(converted.sum()), codes.index(spec.category)))
            conv_m.append(offset + np.flatnonzero(converted))
        offset += len(who)
    if len(renewals):
        parts.append(_renewal_members(renewals, ids, window))
    if not parts:
        frame = pd.DataFrame(
            columns=["campaign_id", "customer_id", "arm", "_contacted", "_responded", "_converted"]
        )
        frame["revenue"] = []
    else:
        frame = pd.concat(parts, ignore_index=True)
    for column, target in (
        ("_contacted", "contacted_at"),
        ("_responded", "responded_at"),
        ("_converted", "converted_at"),
    ):
        local = frame[column].to_numpy(dtype=np.int64)
        stamps = to_timestamps(local_to_utc(np.maximum(local, 0)))
        frame[target] = stamps.mask(local < 0)
    conversions = Conversions(
        customer=np.concatenate(conv_c).astype(np.int64) if conv_c else np.zeros(0, np.int64),
        local_s=np.concatenate(conv_t).astype(np.int64) if conv_t else np.zeros(0, np.int64),
        category=np.concatenate(conv_k).astype(np.int64) if conv_k else np.zeros(0, np.int64),
        member=np.concatenate(conv_m).astype(np.int64) if conv_m else np.zeros(0, np.int64),
    )
    return frame[
        [
            "campaign_id",
            "customer_id",
            "arm",
            "contacted_at",
            "responded_at",
            "converted_at",
            "revenue",
        ]
    ], conversions


def _renewal_members(renewals: pd.DataFrame, ids: np.ndarray, window: Window) -> pd.DataFrame:
    end = renewals["_end"].to_numpy(dtype=np.int64)
    treated = renewals["_treated"].to_numpy(dtype=bool)
    stays = renewals["_stays"].to_numpy(dtype=bool)
    contacted = (end - 45) * DAY + 11 * HOUR
    converted = np.minimum((end - 10) * DAY + 12 * HOUR, window.end_s - HOUR)
    frame = pd.DataFrame(
        {
            "campaign_id": _quarters(end),
            "customer_id": ids[renewals["_cust"].to_numpy(dtype=np.int64)],
            "arm": np.where(treated, "treatment", "control"),
            "_contacted": np.where(treated, np.maximum(contacted, window.start_s), -1),
            "_responded": np.where(
                treated & stays, np.maximum(contacted, window.start_s) + DAY, -1
            ),
            "_converted": np.where(stays, converted, -1),
            "revenue": np.where(
                stays,
                renewals["_fee"].to_numpy(dtype=np.int64) * renewals["_months"].to_numpy() / 100,
                0.0,
            ),
        }
    )
    # A customer may decide twice in one quarter only on consecutive short terms: keep the first.
    return frame.drop_duplicates(["campaign_id", "customer_id"], keep="first")


def fill_revenue(frame: pd.DataFrame, conversions: Conversions, revenue_cents: IntArray) -> None:
    """Write the revenue of each conversion order onto its member row."""
    if len(conversions.member):
        revenue = frame["revenue"].to_numpy(dtype=np.float64, copy=True)
        revenue[conversions.member] = revenue_cents / 100
        frame["revenue"] = revenue
