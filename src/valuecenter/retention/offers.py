"""The retention offer catalogue and what an offer costs for one customer.

An offer costs the company only when the customer takes it and stays: a discount is
``discount_share`` of the monthly fee over the next term, free months are months of fee not
billed, and ``fixed_cost_cents`` is paid once (a handset, a gift). The cost of *making* the
offer (the call) is the caller's concern: a renewal run adds its call cost, the save desk's
call happens anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.retention.models import OfferKind, RetentionOffer

MAX_FREE_MONTHS = 24


@dataclass(frozen=True)
class OfferSpec:
    """An offer as entered (CLI, API, demo); validated by :func:`upsert_offer`."""

    code: str
    name: str
    kind: str
    discount_share: float = 0.0
    free_months: int = 0
    fixed_cost_cents: int = 0
    campaign_action: str | None = None
    prior_uplift: float = 0.1
    active: bool = True
    description: str | None = None


def offer_cost_cents(offer: RetentionOffer, monthly_fee_cents: int, term_months: int) -> int:
    """What ``offer`` costs when a customer paying ``monthly_fee_cents`` takes it for a next
    term of ``term_months`` months."""
    discount = offer.discount_share * monthly_fee_cents * term_months
    free = min(offer.free_months, term_months) * monthly_fee_cents
    return round(discount + free) + offer.fixed_cost_cents


def check_offer(spec: OfferSpec) -> OfferSpec:
    """The spec, or :class:`InvalidInput` naming its wrong field."""
    code = spec.code.strip()
    if not code or len(code) > 64 or any(ch.isspace() for ch in code):
        raise InvalidInput("code", _("needs 1–64 characters without spaces"))
    if not spec.name.strip():
        raise InvalidInput("name", _("is empty"))
    if spec.kind not in {k.value for k in OfferKind}:
        kinds = ", ".join(k.value for k in OfferKind)
        raise InvalidInput(
            "kind", _("'%(value)s' is not one of %(choices)s", value=spec.kind, choices=kinds)
        )
    if not 0.0 <= spec.discount_share < 1.0:
        raise InvalidInput(
            "discount_share", _("%(value)s is not in [0, 1)", value=spec.discount_share)
        )
    if not 0 <= spec.free_months <= MAX_FREE_MONTHS:
        raise InvalidInput(
            "free_months",
            _("%(value)s is not in 0–%(max)s", value=spec.free_months, max=MAX_FREE_MONTHS),
        )
    if not -1.0 < spec.prior_uplift < 1.0:
        raise InvalidInput(
            "prior_uplift", _("%(value)s is not in (-1, 1)", value=spec.prior_uplift)
        )
    if spec.fixed_cost_cents < 0:
        raise InvalidInput("fixed_cost_cents", _("is negative"))
    return spec


def upsert_offer(session: Session, spec: OfferSpec) -> RetentionOffer:
    """Create the offer ``spec.code`` or update it in place."""
    spec = check_offer(spec)
    offer = session.scalar(select(RetentionOffer).where(RetentionOffer.code == spec.code.strip()))
    if offer is None:
        offer = RetentionOffer(code=spec.code.strip())
        session.add(offer)
    offer.name = spec.name.strip()
    offer.kind = OfferKind(spec.kind)
    offer.discount_share = spec.discount_share
    offer.free_months = spec.free_months
    offer.fixed_cost_cents = spec.fixed_cost_cents
    offer.campaign_action = spec.campaign_action
    offer.prior_uplift = spec.prior_uplift
    offer.active = spec.active
    offer.description = spec.description
    session.flush()
    return offer


def active_offers(session: Session) -> list[RetentionOffer]:
    """The offers an agent may give, by code."""
    return list(
        session.scalars(
            select(RetentionOffer)
            .where(RetentionOffer.active.is_(True))
            .order_by(RetentionOffer.code)
        )
    )


def offer_by_code(session: Session, code: str) -> RetentionOffer:
    offer = session.scalar(select(RetentionOffer).where(RetentionOffer.code == code))
    if offer is None:
        raise NotFound(_("offer '%(code)s' does not exist", code=code))
    return offer
