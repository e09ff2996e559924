"""The customer 360, assembled in one read model: everything about one customer on one screen.

It reads the customer domain (profile, visibility), the records around him (orders,
contracts, contacts, surveys), consent and the latest value scores. Assembling it here, above
those domains, keeps each of them free of the others (no customers <-> value or
customers <-> consent import cycle). A customer the viewer may not see is reported exactly like
one that does not exist (:class:`NotFound`), so ids do not leak (C11).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from valuecenter.consent.models import Consent
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customer360 import repository
from valuecenter.customer360.risk import risk_block
from valuecenter.customer360.schemas import (
    ConsentOut,
    ConsentsBlock,
    ContactOut,
    ContactsBlock,
    ContractOut,
    Customer360,
    CustomerProfile,
    LastNps,
    OrderLineOut,
    OrderOut,
    OrdersBlock,
    Summary,
    SurveyOut,
    SurveysBlock,
    TimelineEntry,
    ValueScore,
)
from valuecenter.customers import repository as customers_repository
from valuecenter.customers.models import AccountManager
from valuecenter.customers.schemas import AccountManagerRef, Money
from valuecenter.db.base import utcnow
from valuecenter.errors import NotFound
from valuecenter.users.models import User
from valuecenter.value import repository as value_repository
from valuecenter.value.describe import describe_models, risk_source
from valuecenter.value.segments import Segmentation

ORDERS_SHOWN = 50
CONTACTS_SHOWN = 100
SURVEYS_SHOWN = 50
CONSENT_EVENTS_SHOWN = 100
DEFAULT_CURRENCY = "EUR"


def _am_ref(am: AccountManager | None) -> AccountManagerRef | None:
    return AccountManagerRef(code=am.code, name=am.name) if am else None


def _orders(session: Session, customer_id: int) -> OrdersBlock:
    orders = repository.recent_orders(session, customer_id, ORDERS_SHOWN)
    lines: dict[int, list[OrderLineOut]] = defaultdict(list)
    for line, product in repository.lines_of_orders(session, [o.id for o in orders]):
        lines[line.order_id].append(
            OrderLineOut(
                line_no=line.line_no,
                product_id=product.id,
                product_external_id=product.external_id,
                product_name=product.name,
                quantity=line.quantity,
                unit_price_ten_thousandths=line.unit_price_ten_thousandths,
                total_cents=line.total_cents,
            )
        )
    items = [
        OrderOut(
            id=o.id,
            order_id=o.external_id,
            ordered_at=o.ordered_at,
            currency=o.currency,
            country=o.country,
            total_cents=sum(li.total_cents for li in lines[o.id]),
            lines=lines[o.id],
        )
        for o in orders
    ]
    total = (
        len(items) if len(items) < ORDERS_SHOWN else repository.count_orders(session, customer_id)
    )
    return OrdersBlock(items=items, total=total)


def _contacts(session: Session, customer_id: int, total: int) -> ContactsBlock:
    rows = repository.recent_contacts(session, customer_id, CONTACTS_SHOWN)
    reasons: dict[int, list[str]] = defaultdict(list)
    for contact_id, reason in repository.reasons_of_contacts(session, [r[0].id for r in rows]):
        reasons[contact_id].append(reason)
    items = [
        ContactOut(
            id=c.id,
            contact_id=c.external_id,
            channel=c.channel,
            direction=c.direction,
            started_at=c.started_at,
            queue=c.queue,
            agent=agent_name or agent_external_id,
            wait_seconds=c.wait_seconds,
            talk_seconds=c.talk_seconds,
            abandoned=c.abandoned,
            transferred=bool(transferred),
            transferred_from_id=c.transferred_from_id,
            resolved=c.resolved,
            case_id=case_external_id,
            intent=c.intent,
            reasons=reasons[c.id],
        )
        for c, agent_name, agent_external_id, case_external_id, transferred in rows
    ]
    return ContactsBlock(items=items, total=total)


def _surveys(session: Session, customer_id: int) -> SurveysBlock:
    rows = repository.recent_surveys(session, customer_id, SURVEYS_SHOWN)
    items = [
        SurveyOut(
            id=s.id,
            survey_id=s.external_id,
            answered_at=s.answered_at,
            nps=s.nps,
            comment=s.comment,
            channel=s.channel,
            contact_id=s.contact_id,
            contact_external_id=contact_external_id,
            contact_channel=contact_channel,
        )
        for s, contact_external_id, contact_channel in rows
    ]
    total = (
        len(items) if len(items) < SURVEYS_SHOWN else repository.count_surveys(session, customer_id)
    )
    return SurveysBlock(items=items, total=total)


def _consent(c: Consent) -> ConsentOut:
    return ConsentOut(
        purpose=c.purpose,
        channel=c.channel,
        granted=c.granted,
        source=c.source,
        recorded_at=c.recorded_at,
    )


def _consents(session: Session, customer_id: int) -> ConsentsBlock:
    history = repository.consent_history(session, customer_id, CONSENT_EVENTS_SHOWN)
    total = (
        len(history)
        if len(history) < CONSENT_EVENTS_SHOWN
        else repository.count_consent_events(session, customer_id)
    )
    return ConsentsBlock(
        current=[_consent(c) for c in repository.current_consents(session, customer_id)],
        history=[_consent(c) for c in history],
        history_total=total,
    )


def _contract(c: Contract) -> ContractOut:
    return ContractOut(
        id=c.id,
        contract_id=c.external_id,
        plan=c.plan,
        monthly_fee_cents=c.monthly_fee_cents,
        start_date=c.start_date,
        end_date=c.end_date,
        status=c.status,
        renewed_at=c.renewed_at,
        cancelled_at=c.cancelled_at,
        cancel_reason=c.cancel_reason,
    )


def customer_360(
    session: Session, *, viewer: User, customer_id: int, now: datetime | None = None
) -> Customer360:
    """Everything about one customer on one screen; :class:`NotFound` if not visible."""
    found = customers_repository.get_customer(session, viewer, customer_id)
    if found is None:
        # The same words whether it does not exist or is outside the viewer's pool.
        raise NotFound("no such customer")
    customer, am = found
    now = now or utcnow()

    revenue = sorted(
        (
            Money(amount_cents=cents, currency=cur)
            for cur, cents in repository.revenue_since(session, customer.id, now - timedelta(365))
        ),
        key=lambda m: -m.amount_cents,
    ) or [Money(amount_cents=0, currency=DEFAULT_CURRENCY)]
    stats = repository.contact_stats(session, customer.id)
    contacts_total = sum(n for _, n, _ in stats)
    contact_dates = [last for _, _, last in stats if last is not None]
    orders = _orders(session, customer.id)
    surveys = _surveys(session, customer.id)
    last = surveys.items[0] if surveys.items else None

    return Customer360(
        profile=CustomerProfile(
            id=customer.id,
            customer_id=customer.external_id,
            name=customer.name,
            kind=customer.kind,
            country=customer.country,
            language=customer.language,
            city=customer.city,
            email=customer.email,
            phone=customer.phone,
            segment=customer.segment,
            customer_since=customer.customer_since,
            account_manager=_am_ref(am),
        ),
        summary=Summary(
            revenue_12m=revenue,
            orders_count=orders.total,
            contacts_count=contacts_total,
            contacts_by_channel={ch: n for ch, n, _ in stats},
            last_contact_at=max(contact_dates, default=None),
            last_nps=LastNps(nps=last.nps, answered_at=last.answered_at) if last else None,
        ),
        value=_value(session, customer.id),
        orders=orders,
        contracts=[_contract(c) for c in repository.contracts_of(session, customer.id)],
        contacts=_contacts(session, customer.id, contacts_total),
        surveys=surveys,
        consents=_consents(session, customer.id),
        risk=risk_block(session, customer.id),
    )


def _value(session: Session, customer_id: int) -> ValueScore | None:
    run = value_repository.latest_run(session)
    if run is None:
        return None
    score = value_repository.score_of(session, run, customer_id)
    if score is None:
        return None
    treatment = Segmentation.model_validate(run.segments).treatment(score.segment)
    # his own model: the run's chosen one, or the next best that scores him (value/risk.py);
    # none: 1 − P(alive), not validated
    source = risk_source(run.run_id, score.risk_model, run.models)
    measured = score.risk if source.model is not None else None
    if measured is None and score.p_alive is not None:
        measured = 1.0 - score.p_alive
    return ValueScore(
        run_id=run.run_id,
        scored_at=run.finished_at,
        as_of=run.as_of,
        segment=score.segment,
        treatment=treatment,
        clv=None
        if score.clv_cents is None
        else Money(amount_cents=score.clv_cents, currency=DEFAULT_CURRENCY),
        horizon_months=run.horizon_months,
        p_alive=score.p_alive,
        risk=measured,
        risk_model=source.model,
        risk_model_name=source.name,
        risk_auc=source.auc,
        risk_horizon_days=source.horizon_days,
        expected_purchases=score.expected_purchases,
        revenue_12m=Money(amount_cents=score.revenue_12m_cents, currency=DEFAULT_CURRENCY),
        rfm=None if score.r is None else f"{score.r}{score.f}{score.m}",
        rfm_segment=score.rfm_segment,
        models=describe_models(run.models),
    )


def _day(d: date) -> datetime:
    return datetime.combine(d, time(), tzinfo=UTC)


def _seconds(n: int) -> str:
    minutes, seconds = divmod(n, 60)
    return f"{minutes}:{seconds:02d}"


def timeline(c360: Customer360) -> list[TimelineEntry]:
    """Orders, contacts, surveys, contract events and consent changes in one list, newest
    first (contract dates count as the start of that day, UTC)."""
    entries: list[TimelineEntry] = []
    for o in c360.orders.items:
        n = len(o.lines)
        entries.append(
            TimelineEntry(
                at=o.ordered_at,
                kind="order",
                title=f"Order {o.order_id}",
                detail=f"{n} line{'s' if n != 1 else ''}: "
                + ", ".join(li.product_name or li.product_external_id for li in o.lines[:3])
                + (" …" if n > 3 else ""),
                money=Money(amount_cents=o.total_cents, currency=o.currency),
                tags=["return"] if o.total_cents < 0 else [],
            )
        )
    for k in c360.contacts.items:
        tags = [k.direction.value]
        if k.abandoned:
            tags.append("abandoned")
        if k.transferred:
            tags.append("transferred")
        if k.resolved is True:
            tags.append("resolved")
        elif k.resolved is False:
            tags.append("unresolved")
        facts = [f"agent {k.agent}" if k.agent else None, f"queue {k.queue}" if k.queue else None]
        if k.talk_seconds or k.wait_seconds:
            facts.append(f"wait {_seconds(k.wait_seconds)}, talk {_seconds(k.talk_seconds)}")
        if k.case_id:
            facts.append(f"case {k.case_id}")
        entries.append(
            TimelineEntry(
                at=k.started_at,
                kind="contact",
                channel=k.channel.value,
                title=", ".join(k.reasons) if k.reasons else (k.intent or "No reason recorded"),
                detail=" · ".join(f for f in facts if f) or None,
                tags=tags,
            )
        )
    for s in c360.surveys.items:
        about = f"about {s.contact_external_id}" if s.contact_external_id else None
        entries.append(
            TimelineEntry(
                at=s.answered_at,
                kind="survey",
                title=f"NPS {s.nps}",
                detail=" · ".join(x for x in (s.comment, about) if x) or None,
                channel=s.channel,
                score=s.nps,
            )
        )
    for ct in c360.contracts:
        fee = Money(amount_cents=ct.monthly_fee_cents, currency=DEFAULT_CURRENCY)
        entries.append(
            TimelineEntry(
                at=_day(ct.start_date),
                kind="contract",
                title=f"Contract {ct.contract_id} started",
                detail=ct.plan,
                money=fee,
            )
        )
        if ct.renewed_at:
            entries.append(
                TimelineEntry(
                    at=_day(ct.renewed_at),
                    kind="contract",
                    title=f"Contract {ct.contract_id} renewed",
                    detail=ct.plan,
                )
            )
        if ct.status == ContractStatus.ENDED and ct.end_date:
            entries.append(
                TimelineEntry(
                    at=_day(ct.end_date),
                    kind="contract",
                    title=f"Contract {ct.contract_id} ended",
                    detail=ct.plan,
                )
            )
        if ct.cancelled_at:
            entries.append(
                TimelineEntry(
                    at=_day(ct.cancelled_at),
                    kind="contract",
                    title=f"Contract {ct.contract_id} cancelled",
                    detail=ct.cancel_reason,
                    tags=["cancelled"],
                )
            )
    for ev in c360.consents.history:
        verb = "granted" if ev.granted else "withdrawn"
        entries.append(
            TimelineEntry(
                at=ev.recorded_at,
                kind="consent",
                title=f"Consent {verb}: {ev.purpose.value} via {ev.channel.value}",
                detail=f"source {ev.source}" if ev.source else None,
                tags=[verb],
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
