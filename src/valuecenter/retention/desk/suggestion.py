"""The save desk's offer suggestion: which retention offer is worth making to a cancel caller.

**The suggestion's rule.** ``û_o``, the offer's incremental keep rate, is measured on the
desk's closed history before the case opens — keep rate of the desk cases closed with offer
``o`` minus that of the control cases — and shrunk towards the catalogue's ``prior_uplift``
by precision weighting, the prior worth ``PRIOR_CASES`` cases:
``û_o = (n_eff·measured + N0·prior) / (n_eff + N0)`` with ``n_eff = 1 / (1/n_o + 1/n_c)``
(the measured difference's variance is ``σ²/n_eff`` for a per-case variance ``σ²``; this is
the normal–normal posterior mean, Gelman et al., *Bayesian Data Analysis*, 3rd ed., §2.5).
Without control history it is the prior. The keep rate with the offer is the control keep
rate (shrunk the same way towards ``BASE_KEEP_PRIOR``, worth ``BASE_PRIOR_CASES`` cases) plus
``û_o``; ``cost_o`` is :func:`~valuecenter.retention.offers.offer_cost_cents` for the
customer's fee and a ``TERM_MONTHS``-month term, paid only when he stays. The ``suggestion``
JSON records every offer's figures.

Limits, stated. Offers are not randomised *among* desk cases, so ``û_o`` carries the selection
of who was given ``o`` (the ledger's desk-versus-control figures do not). The rule is greedy:
an offer whose measured uplift falls below its cost is no longer suggested, so it gathers no
new evidence until its catalogue entry (prior) is revised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from valuecenter.formatting import money_short
from valuecenter.i18n import _
from valuecenter.retention.models import (
    RetentionOffer,
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveStatus,
)
from valuecenter.retention.offers import active_offers, offer_cost_cents

TERM_MONTHS = 12  # an offer's cost is counted over a next term of this many months
# A prior weighs as much as σ²/τ² cases (σ² ≈ 0.2: the variance of one 0/1 outcome at a keep
# rate near 0.7–0.8; τ: how far off the prior may be, one standard deviation). An offer's
# ``prior_uplift`` good to ±0.05 is worth 80 cases; the base keep rate of 0.5, a guess good
# to ±0.2, is worth 5.
PRIOR_CASES = 80
BASE_KEEP_PRIOR = 0.5  # a cancel caller's keep rate before the control group has measured it
BASE_PRIOR_CASES = 5


@dataclass(frozen=True)
class Evidence:
    """What a suggestion learns from, as of a moment: the active offers, and the desk's
    closed cases counted as (cases, kept) per offer (desk cases given it) and for the
    control arm."""

    offers: list[RetentionOffer]
    by_offer: dict[int, tuple[int, int]]
    control: tuple[int, int]


def evidence(session: Session, before: datetime) -> Evidence:
    """The active offers and the cases closed up to ``before`` (one grouped query)."""
    kept = func.sum(case((SaveCase.outcome == SaveOutcome.KEPT, 1), else_=0))
    rows = session.execute(
        select(SaveCase.arm, SaveCase.offer_id, func.count(), kept)
        .where(SaveCase.status == SaveStatus.CLOSED, SaveCase.closed_at <= before)
        .group_by(SaveCase.arm, SaveCase.offer_id)
    ).all()
    by_offer: dict[int, tuple[int, int]] = {}
    control = (0, 0)
    for arm, offer_id, n, k in rows:
        if arm == SaveArm.CONTROL:
            control = (control[0] + int(n), control[1] + int(k or 0))
        elif offer_id is not None:
            by_offer[int(offer_id)] = (int(n), int(k or 0))
    return Evidence(active_offers(session), by_offer, control)


def shrunk(measured: float | None, n_eff: float, prior: float, weight: float) -> float:
    """Precision-weighted mean of a measurement worth ``n_eff`` cases and a prior worth
    ``weight`` cases (the module docstring's rule)."""
    if measured is None or n_eff <= 0:
        return prior
    return (n_eff * measured + weight * prior) / (n_eff + weight)


def suggest(
    known: Evidence, value_cents: int, fee_cents: int | None
) -> tuple[RetentionOffer | None, dict[str, object]]:
    """The offer with the best positive expected net value, and how it was chosen."""
    n_c, kept_c = known.control
    control_rate = kept_c / n_c if n_c else None
    base = shrunk(control_rate, float(n_c), BASE_KEEP_PRIOR, BASE_PRIOR_CASES)
    rows: list[dict[str, object]] = []
    best: tuple[int, RetentionOffer] | None = None
    for offer in known.offers:
        n_o, kept_o = known.by_offer.get(offer.id, (0, 0))
        measured = kept_o / n_o - control_rate if n_o and control_rate is not None else None
        n_eff = 1.0 / (1.0 / n_o + 1.0 / n_c) if n_o and n_c else 0.0
        uplift = shrunk(measured, n_eff, offer.prior_uplift, PRIOR_CASES)
        keep = min(max(base + uplift, 0.0), 1.0)
        if not fee_cents and (offer.discount_share > 0 or offer.free_months > 0):
            # A discount or free months of a fee he does not pay: nothing to offer him.
            rows.append({"code": offer.code, "applies": False, "why": _("no running contract")})
            continue
        cost = offer_cost_cents(offer, fee_cents or 0, TERM_MONTHS)
        net = round(uplift * value_cents - keep * cost)
        rows.append(
            {
                "code": offer.code,
                "prior_uplift": offer.prior_uplift,
                "desk_cases": n_o,
                "measured_uplift": None if measured is None else round(measured, 4),
                "uplift": round(uplift, 4),
                "keep": round(keep, 4),
                "cost_cents": cost,
                "net_cents": net,
            }
        )
        if net > 0 and (best is None or net > best[0]):
            best = (net, offer)
    chosen = best[1] if best else None
    return chosen, {
        "rule": "net = uplift × value − keep × cost; uplift = (n_eff·measured + "
        f"{PRIOR_CASES}·prior) / (n_eff + {PRIOR_CASES}), n_eff = 1/(1/n_offer + 1/n_control)",
        "value_cents": value_cents,
        "monthly_fee_cents": fee_cents,
        "term_months": TERM_MONTHS,
        "control_cases": n_c,
        "control_keep_rate": None if control_rate is None else round(control_rate, 4),
        "base_keep": round(base, 4),
        "offers": rows,
        "chosen": chosen.code if chosen else None,
        "why": _("highest expected net value (%(net)s)", net=money_short(best[0]))
        if best
        else _("no offer is expected to save more than it costs"),
    }
