"""Treatments and their true effect on each customer: the potential outcomes of the world.

An action has, for every customer, a true probability of its outcome without treatment
(``p_control``) and with it (``p_treated``), and a uniform draw ``u``: the outcome is
``u < p`` for the arm the customer is in. Because ``u`` is fixed per customer and action,
re-simulating two policies on the same world compares them on common random numbers, and
``p_treated − p_control`` is each customer's true uplift (seed 001's "silent renewers" have
none; persuadables have a lot; sleeping dogs a negative one).

The actions and their outcomes (over the horizon after the window end):

- ``renewal-offer`` (contract customers): renews at the next contract end;
- ``retention-offer``: still a customer 12 months later;
- ``cross-sell`` (an offer during a service contact, C8): buys within 30 days;
- ``direct-mail``, ``sms``, ``email``, ``phone``: responds to a campaign message on that
  channel (seed 001: direct mail 3–5%, SMS about 50%); nobody responds to a message he did
  not get, so ``p_control`` is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.latent import LOST_CAUSE, PERSUADABLE, SLEEPING_DOG, CustomerLatent
from valuecenter.demo.presets import CHANNEL_RESPONSE
from valuecenter.demo.timeline import FloatArray, IntArray
from valuecenter.errors import InvalidInput

ACTIONS = (
    "renewal-offer",
    "retention-offer",
    "cross-sell",
    "direct-mail",
    "sms",
    "email",
    "phone",
)
# Share of a contract customer's hazard that is decided at the contract end (the rest are
# mid-term cancellations: moving abroad, a business closing).
AT_CONTRACT_END = 0.75
# What an offer does to the chance of leaving of a persuadable, and to a sleeping dog's
# chance of staying.
_PERSUADED = 0.3
_WOKEN = 0.8


def stay_with_offer(p_stay: FloatArray, kind: IntArray) -> FloatArray:
    """The chance of staying with an offer, from the chance without one."""
    treated = np.where(kind == PERSUADABLE, 1.0 - (1.0 - p_stay) * _PERSUADED, p_stay)
    return np.asarray(np.where(kind == SLEEPING_DOG, p_stay * _WOKEN, treated), dtype=np.float64)


def take_rate(sensitivity: FloatArray, kind: IntArray) -> FloatArray:
    """The chance a customer who hears a cross-sell offer takes it."""
    base = np.clip(0.15 + 0.8 * sensitivity, 0.0, 0.9)
    base = np.where(kind == LOST_CAUSE, 0.2 * base, base)
    return np.asarray(np.where(kind == SLEEPING_DOG, 0.0, base), dtype=np.float64)


def organic_purchase(order_rate: FloatArray) -> FloatArray:
    """The chance of buying the offered product within 30 days without an offer."""
    return np.asarray(np.clip(0.02 * np.sqrt(order_rate / 0.4), 0.002, 0.2), dtype=np.float64)


def channel_response(channel: str, sensitivity: FloatArray) -> FloatArray:
    """The chance of responding to a message on ``channel`` (mean 1 propensity × base)."""
    propensity = 0.4 + 2.1 * sensitivity
    return np.asarray(np.clip(CHANNEL_RESPONSE[channel] * propensity, 0.0, 0.95))


def response_truth(
    latent: CustomerLatent,
    alive: np.ndarray,
    renewal_term_years: FloatArray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """``truth_responses`` rows for the customers still active at the window end.

    ``renewal_term_years``: the term of each customer's open contract (NaN without one).
    """
    who = np.flatnonzero(alive)
    kind = latent.int_column("response_type")[who]
    sens = latent.column("offer_sensitivity")[who]
    hazard = latent.column("hazard")[who]
    ids = latent.frame["customer_id"].to_numpy()[who]
    parts: list[pd.DataFrame] = []

    def add(action: str, rows: np.ndarray, p0: FloatArray, p1: FloatArray) -> None:
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids[rows],
                    "action": action,
                    "p_control": np.round(p0, 6),
                    "p_treated": np.round(p1, 6),
                    "u": np.round(rng.random(len(rows)), 6),
                }
            )
        )

    everyone = np.arange(len(who))
    term = renewal_term_years[who]
    holders = np.flatnonzero(~np.isnan(term))
    p_renew = np.exp(-AT_CONTRACT_END * hazard[holders] * term[holders])
    add("renewal-offer", holders, p_renew, stay_with_offer(p_renew, kind[holders]))
    p_stay = np.exp(-hazard)
    add("retention-offer", everyone, p_stay, stay_with_offer(p_stay, kind))
    organic = organic_purchase(latent.column("order_rate")[who])
    add("cross-sell", everyone, organic, organic + (1.0 - organic) * take_rate(sens, kind))
    for channel in ("direct-mail", "sms", "email", "phone"):
        add(channel, everyone, np.zeros(len(who)), channel_response(channel, sens))
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["customer_id", "action"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Outcome:
    """What a policy did, on truth: per customer his arm and outcome, and the true effect."""

    frame: pd.DataFrame  # customer_id, treated, outcome, p_control, p_treated
    action: str

    @property
    def true_uplift(self) -> float:
        """The mean true uplift of the customers in the experiment (the sample ATE)."""
        f = self.frame
        return float((f["p_treated"] - f["p_control"]).mean())

    @property
    def true_effect_of_policy(self) -> float:
        """Expected outcomes caused by the treatments given (Σ uplift over the treated)."""
        f = self.frame[self.frame["treated"]]
        return float((f["p_treated"] - f["p_control"]).sum())

    def summary(self) -> dict[str, object]:
        f = self.frame
        treated = f[f["treated"]]
        control = f[~f["treated"]]
        return {
            "action": self.action,
            "customers": len(f),
            "treated": len(treated),
            "control": len(control),
            "treated_rate": round(float(treated["outcome"].mean()), 6) if len(treated) else None,
            "control_rate": round(float(control["outcome"].mean()), 6) if len(control) else None,
            "true_uplift": round(self.true_uplift, 6),
            "true_uplift_treated": round(
                float((treated["p_treated"] - treated["p_control"]).mean()), 6
            )
            if len(treated)
            else None,
            "true_incremental_outcomes": round(self.true_effect_of_policy, 3),
        }


def respond(
    truth: pd.DataFrame, action: str, customer_ids: Sequence[str], treated: Sequence[bool]
) -> Outcome:
    """Re-simulate ``action`` on the world whose ``truth_responses`` are ``truth``: each listed
    customer gets the treatment where ``treated`` is true; the outcome is ``u < p`` of his arm.

    Customers without a truth row for the action (left before the window end, or no contract
    for ``renewal-offer``) are an :class:`InvalidInput` naming the first of them.
    """
    if action not in ACTIONS:
        raise InvalidInput(
            "action", f"'{action}' is not an action; use one of {', '.join(ACTIONS)}"
        )
    if len(customer_ids) != len(treated):
        raise InvalidInput("treated", "needs one value per customer")
    rows = truth[truth["action"] == action].set_index("customer_id")
    asked = pd.Index(customer_ids)
    if asked.has_duplicates:
        raise InvalidInput("customer_id", f"{asked[asked.duplicated()][0]} is listed twice")
    missing = asked.difference(rows.index)
    if len(missing):
        raise InvalidInput(
            "customer_id",
            f"{missing[0]} has no truth for {action} (not a customer at the window end"
            + (" or no open contract)" if action == "renewal-offer" else ")"),
        )
    picked = rows.loc[asked]
    arm = np.asarray(treated, dtype=bool)
    p = np.where(arm, picked["p_treated"].to_numpy(), picked["p_control"].to_numpy())
    frame = pd.DataFrame(
        {
            "customer_id": asked.to_numpy(),
            "treated": arm,
            "outcome": picked["u"].to_numpy() < p,
            "p_control": picked["p_control"].to_numpy(),
            "p_treated": picked["p_treated"].to_numpy(),
        }
    )
    return Outcome(frame=frame, action=action)
