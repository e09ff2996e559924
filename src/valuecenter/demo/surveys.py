"""NPS surveys after contacts and the consent log.

NPS (seed 002, 003): a survey goes out when a case is closed (after its last contact). The
answer follows a stated causal model (``NPS_DRIVERS``, stored as ``truth_nps_drivers``): it
starts from the customer's hidden satisfaction and drops with every transfer in the case and
with the end-to-end time of the case (the Customer Speed Index of seed 003), a little with the
wait, and before a departure; engaged agents lift it (employees' and customers' NPS correlate,
seed 002). Whether the agent ticked "resolved" (first-contact fix) has no effect at all —
seed 003's puzzle: FCF rose while NPS did not. NPS = % promoters (9–10) − % detractors (0–6).

Consents (seed 004: right of withdrawal, opt-in and opt-out, the telemarketing code): service
contact for every customer; marketing by e-mail, phone and SMS and profiling for some; a share
of the marketing consents is withdrawn later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecenter.demo.contacts import ContactDraw
from valuecenter.demo.latent import CustomerLatent, active_bounds
from valuecenter.demo.presets import Preset
from valuecenter.demo.timeline import DAY, HOUR, Window, local_to_utc, to_timestamps
from valuecenter.demo.vector import numbered
from valuecenter.demo.workforce import Workforce

_SURVEYED = 0.2
# (driver, effect on the 0–10 answer per unit, unit, note): the true causal model.
NPS_DRIVERS = (
    ("baseline", 0.0, "customer", "each customer's hidden satisfaction, normal(8.3, 1.2)"),
    ("transfers", -1.5, "per transfer in the case", "seed 003: number of transfers"),
    ("end_to_end_days", -0.5, "per day, up to 8", "seed 003: Customer Speed Index"),
    ("wait_minutes", -0.15, "per minute on phone or chat, up to 10", "queue time"),
    ("first_contact_fix", 0.0, "tick box ticked", "seed 003: FCF rose, NPS did not"),
    ("agent_engagement", 0.5, "per standard deviation", "seed 002: eNPS ~ NPS"),
    ("leaving_within_90_days", -1.5, "customer leaves soon", "seed 000: early warning"),
    ("noise", 1.3, "standard deviation", "normal noise"),
)
_EFFECT = {name: effect for name, effect, _unit, _note in NPS_DRIVERS}
_COMMENTS = {
    "nl": (
        ("Drie keer doorverbonden voor één vraag.", "Lang gewacht, niemand belde terug."),
        ("Prima geholpen, maar het duurde lang.", "Redelijk, vraag half opgelost."),
        ("Snel en vriendelijk geholpen!", "Top service, meteen opgelost."),
    ),
    "fr": (
        ("Transféré trois fois pour une question.", "Longue attente, aucun rappel."),
        ("Bien aidé, mais c'était long.", "Correct, question à moitié résolue."),
        ("Rapide et aimable !", "Service parfait, résolu tout de suite."),
    ),
    "de": (
        ("Dreimal weiterverbunden für eine Frage.", "Lange gewartet, kein Rückruf."),
        ("Gut geholfen, aber es dauerte lange.", "In Ordnung, Frage halb gelöst."),
        ("Schnell und freundlich geholfen!", "Super Service, sofort gelöst."),
    ),
}


def nps_surveys(
    contacts: ContactDraw,
    latent: CustomerLatent,
    workforce: Workforce,
    languages: np.ndarray,
    window: Window,
    rng: np.random.Generator,
    first_survey_no: int = 1,
) -> pd.DataFrame:
    f = contacts.frame
    handled = (contacts.agent >= 0) & ~f["abandoned"].to_numpy(dtype=bool)
    pick = np.flatnonzero(handled & contacts.case_last & (rng.random(len(f)) < _SURVEYED))
    cust = contacts.customer[pick]
    wait = f["wait_seconds"].to_numpy()[pick]
    live = np.isin(f["channel"].to_numpy()[pick], ["phone", "chat"])
    churn = latent.int_column("churn_day")[cust]
    end_of_contact = contacts.utc_s[pick] + f["talk_seconds"].to_numpy()[pick]
    leaving = (churn >= 0) & (churn * DAY - end_of_contact < 90 * DAY)
    e2e_days = contacts.e2e_seconds[pick] / DAY
    score = (
        latent.column("satisfaction")[cust]
        + _EFFECT["transfers"] * contacts.case_transfers[pick]
        + _EFFECT["end_to_end_days"] * np.minimum(e2e_days, 8.0)
        + _EFFECT["wait_minutes"] * np.where(live, np.minimum(wait / 60.0, 10.0), 0.0)
        + _EFFECT["first_contact_fix"] * (contacts.resolved[pick] == 1)
        + _EFFECT["leaving_within_90_days"] * leaving
        + _EFFECT["agent_engagement"] * workforce.engagement[contacts.agent[pick]]
        + rng.normal(0.0, _EFFECT["noise"], len(pick))
    )
    nps = np.clip(np.round(score), 0, 10).astype(np.int64)
    answered = end_of_contact + 600 + rng.exponential(20 * HOUR, len(pick)).astype(np.int64)
    keep = answered < window.end_s
    pick, cust, nps, answered = pick[keep], cust[keep], nps[keep], answered[keep]
    order = np.argsort(answered, kind="stable")
    pick, cust, nps, answered = pick[order], cust[order], nps[order], answered[order]

    band = np.where(nps <= 6, 0, np.where(nps <= 8, 1, 2))
    with_comment = rng.random(len(pick)) < 0.2
    which = rng.integers(0, 2, len(pick))
    comment = np.full(len(pick), None, dtype=object)
    lang = languages[cust]
    for code, bands in _COMMENTS.items():
        for b in range(3):
            for w in range(2):
                mask = with_comment & (lang == code) & (band == b) & (which == w)
                comment[mask] = bands[b][w]
    return pd.DataFrame(
        {
            "survey_id": numbered("S", first_survey_no, len(pick), 7),
            "customer_id": f["customer_id"].to_numpy()[pick],
            "answered_at": to_timestamps(answered),
            "nps": nps,
            "comment": comment,
            "contact_id": f["contact_id"].to_numpy()[pick],
            "channel": f["channel"].to_numpy()[pick],
        }
    )


def consents(
    preset: Preset,
    latent: CustomerLatent,
    customer_ids: pd.Series,
    window: Window,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(customer_ids)
    since = latent.int_column("since_day") * DAY
    lo, hi = active_bounds(latent, window)
    b2b = preset.kind == "b2b"
    grants = (
        ("service", "any", 1.0, "contract"),
        ("marketing", "email", 0.55 if b2b else 0.45, "webshop"),
        ("marketing", "phone", 0.35 if b2b else 0.2, "account manager" if b2b else "shop"),
        ("marketing", "sms", 0.1 if b2b else 0.4, "app"),
        ("profiling", "any", 0.4, "privacy settings"),
    )
    ids = customer_ids.to_numpy()
    parts: list[pd.DataFrame] = []
    for purpose, channel, share, source in grants:
        who = np.flatnonzero(rng.random(n) < share)
        granted_at = since[who] + 9 * HOUR + rng.integers(0, 30 * DAY, len(who))
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids[who],
                    "purpose": purpose,
                    "channel": channel,
                    "granted": True,
                    "source": source,
                    "_at": granted_at,
                }
            )
        )
        if purpose == "service":
            continue
        # Withdrawals (opt-out), somewhere in the customer's active months after the grant.
        a = np.maximum(granted_at + DAY, lo[who])
        b = hi[who]
        out = (rng.random(len(who)) < 0.12) & (b > a)
        when = a[out] + (rng.random(int(out.sum())) * (b[out] - a[out])).astype(np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids[who[out]],
                    "purpose": purpose,
                    "channel": channel,
                    "granted": False,
                    "source": np.where(rng.random(len(when)) < 0.6, "unsubscribe link", "service"),
                    "_at": when,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["_at", "customer_id"], kind="stable").reset_index(drop=True)
    frame["recorded_at"] = to_timestamps(local_to_utc(frame["_at"].to_numpy(dtype=np.int64)))
    return frame.drop(columns="_at")
