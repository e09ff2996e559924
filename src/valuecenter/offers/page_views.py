"""One decision per contact on the agent desktop, not one per page view (issue 16, part 2).

The customer 360 loads its next-best-action panel on every view. Logging a fresh decision
each time would fill the decision log with rows no customer ever heard: a reload, a second
look at the page, a colleague opening it. So :func:`decide_for_page` shows the decision the
same user made for the same customer in the same contact context (channel, intent, wait)
within ``CONTACT_MINUTES`` again, and logs a new one only when there is none, or when
something the decision depends on has changed since:

- an answer was recorded for the customer (the next decision must reflect it),
- a contact of the customer was logged (a new complaint, a cancel call),
- the catalogue or the propensity models changed (another version decides).

An answer the agent records always goes to the decision that was shown, and the panel that
follows it is decided afresh (``web/pages/nba.py``), so what the log holds is what agents
showed — the offer statistics and the training read exactly that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from valuecenter.contacts import repository as contacts_repository
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.offers import decisions
from valuecenter.offers.engine import Engine
from valuecenter.offers.models import Decision, DecisionResponse
from valuecenter.offers.schemas import DecisionOut, ShownAction, SuppressedAction
from valuecenter.users.models import User

CONTACT_MINUTES = 15
"""How long one contact lasts on the page: within it a reload shows the same decision."""
SOURCE = "page"
CANDIDATES = 20  # the viewer's latest decisions of this contact looked at (the wait is JSON)


def _shown_again(
    session: Session,
    engine: Engine,
    request: decisions.Request,
    viewer: User,
    now: datetime,
) -> DecisionOut | None:
    """The viewer's decision for this contact, if it still holds (see the module doc)."""
    since = now - timedelta(minutes=CONTACT_MINUTES)
    model_id = None if engine.models is None else engine.models.id
    same_model = Decision.model_id.is_(None) if model_id is None else Decision.model_id == model_id
    newer_answer = exists().where(
        DecisionResponse.customer_id == Decision.customer_id,
        DecisionResponse.recorded_at >= Decision.decided_at,
    )
    newer_contact = contacts_repository.contact_since(Decision.customer_id, Decision.decided_at)
    stmt = (
        select(Decision)
        .where(
            Decision.customer_id == request.customer_id,
            Decision.user_id == viewer.id,
            Decision.source == SOURCE,
            Decision.decided_at >= since,
            Decision.decided_at <= now,
            Decision.channel == request.channel,
            Decision.direction == request.direction,
            (Decision.intent == request.intent)
            if request.intent is not None
            else Decision.intent.is_(None),
            Decision.catalogue_version == engine.version,
            same_model,
            ~newer_answer,
            ~newer_contact,
        )
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(CANDIDATES)
    )
    found = next(
        (
            d
            for d in session.scalars(stmt)
            if d.context.get("wait_seconds", 0) == request.wait_seconds
        ),
        None,
    )
    if found is None or not _visible(session, viewer, found.customer_id):
        return None
    service_first = found.context.get("service_first")
    return DecisionOut(
        decision_id=found.id,
        customer_id=found.customer_id,
        decided_at=found.decided_at,
        channel=found.channel,
        direction=found.direction,
        intent=found.intent,
        arm=found.arm.value,
        explored=found.explored,
        service_first=service_first if isinstance(service_first, str) else None,
        model_version=None if engine.models is None else engine.models.version,
        catalogue_version=found.catalogue_version,
        features_as_of=found.features_as_of,
        actions=[ShownAction.model_validate(a) for a in found.actions],
        suppressed=[SuppressedAction.model_validate(s) for s in found.suppressed],
    )


def _visible(session: Session, viewer: User, customer_id: int) -> bool:
    """The viewer may still see the customer (an account manager: his own pool only)."""
    pool = decisions.pool_of(session, viewer)
    if pool is None:
        return True
    owner = session.scalar(select(Customer.account_manager_id).where(Customer.id == customer_id))
    return owner == pool


def decide_for_page(
    session: Session,
    engine: Engine,
    request: decisions.Request,
    *,
    viewer: User,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> DecisionOut:
    """The decision of this contact: the one already shown to this user (a reload) or a new
    one, logged with source ``page`` and every reason explained."""
    at = now or utcnow()
    decisions.check_request(request)  # a wrong channel is refused before it is looked up
    request = decisions.with_open_case(session, request)
    again = _shown_again(session, engine, request, viewer, at)
    if again is not None:
        return again
    return decisions.decide(
        session,
        engine,
        request,
        viewer=viewer,
        zone=zone,
        source=SOURCE,
        now=at,
        explain_all=True,
    )
