"""The save desk: a customer who wants to cancel becomes a save case (C13).

"A cancel call is often a cry for help: he wants a new offer." A case opens when the IVR hears
"cancel", when a contact's primary reason is a cancellation, or on a written request. At
opening the case freezes what the agent needs and what the ledger will count:

- ``value_cents``: the customer's CLV in the latest score run (``score_run_id`` kept), his
  ``monthly_fee_cents`` (the fees of his contracts that are running, i.e. ``active``: the
  latest known state, like the CLV), his ``risk`` (his latest open churn-model alert, else
  none) and the ``reasons`` in words;
- the **arm**, drawn by the experiments kernel (:func:`draw_arm`): a ``control_share``
  (setting ``save_control_share``, 0.1) of each month's cases is *control* — standard
  handling, no offer — balanced to within one case, so that the desk's effect is measured
  against a randomised control group instead of assumed;
- for a desk case, the **suggested offer**: the active offer with the highest expected net
  value ``û_o × value − keep_o × cost_o`` when that is positive (otherwise none: every offer
  costs more than it is expected to save).

The suggestion's rule is in :mod:`valuecenter.retention.desk.suggestion`; the desk's list of cases
in :mod:`valuecenter.retention.desk.listing`.

Services flush, never commit; the CLI command or the web request commits at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.alerts.models import Alert, AlertKind, AlertStatus
from valuecenter.alerts.reason_text import feature_reason
from valuecenter.alerts.reason_text import reason as phrase_reason
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import Customer
from valuecenter.customers.worklist import outcome_and_note
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.experiments.models import ExperimentKind
from valuecenter.experiments.service import assign_one, running_experiment
from valuecenter.i18n import _
from valuecenter.retention.desk.listing import visible_case
from valuecenter.retention.desk.suggestion import TERM_MONTHS, Evidence, evidence, suggest
from valuecenter.retention.models import (
    RetentionOffer,
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveSource,
    SaveStatus,
)
from valuecenter.retention.offers import offer_cost_cents
from valuecenter.users.models import User
from valuecenter.value.models import CustomerScore, ScoreRun

CONTACT_DAYS = 90
CANCEL = "cancel"
# Primary contact reasons the desk shows (counted over the 90 days before the case opens).
_CONTACT_FEATURES = {
    "cancel": "cancel_contacts_90d",
    "complaint": "complaints_90d",
    "price": "price_contacts_90d",
}


def _aware(name: str, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(name, _("needs a time zone (times are UTC)"))
    return moment.astimezone(UTC)


def _control_share(share: float) -> float:
    if not 0.0 <= share < 1.0:
        raise InvalidInput("control_share", _("%(value)s is not in [0, 1)", value=share))
    return share


def draw_arm(session: Session, customer_id: int, at: datetime, control_share: float) -> SaveArm:
    """The case's arm from the experiments kernel: the desk's experiment of the month
    (``save-desk:YYYY-MM``), treated = the desk arm, treated share ``1 − control_share``,
    one stratum per control share (a changed setting starts a balanced sequence of its own).
    The same customer in the same month keeps his arm; within a month and share the control
    count is within one case of ``control_share`` × cases (issue 19)."""
    if control_share <= 0.0:
        return SaveArm.DESK
    month = at.strftime("%Y-%m")
    experiment = running_experiment(
        session,
        f"save-desk:{month}",
        ExperimentKind.SAVE_DESK,
        name=f"Save desk {month}",
        treated_share=1.0 - control_share,
        at=at,
    )
    desk = assign_one(
        session,
        experiment,
        customer_id,
        f"control {control_share:g}",
        share=1.0 - control_share,
        at=at,
    )
    return SaveArm.DESK if desk else SaveArm.CONTROL


# --- what a case freezes at opening ---


@dataclass(frozen=True)
class _Running:
    """The customer's running (``active``) contracts: summed fee, earliest end and start."""

    fee_cents: int | None
    ends: date | None
    started: date | None


# The reads of one case, built once with the customer (and the moment) as bound parameters:
# a case runs them all, and building a statement costs as much Python as running it (a 100-
# month save desk opens 24,000 cases; tests/test_demo_savedesk.py). The SQL is the same.
_CUSTOMER: BindParameter[int] = bindparam("customer_id")
_RUNNING = select(
    func.sum(Contract.monthly_fee_cents),
    func.min(Contract.end_date),
    func.min(Contract.start_date),
).where(Contract.customer_id == _CUSTOMER, Contract.status == ContractStatus.ACTIVE)
_LATEST_SCORE = (
    select(ScoreRun, CustomerScore)
    .outerjoin(
        CustomerScore,
        (CustomerScore.run_id == ScoreRun.id) & (CustomerScore.customer_id == _CUSTOMER),
    )
    .order_by(ScoreRun.id.desc())
    .limit(1)
)
_OPEN_CHURN_ALERT = (
    select(Alert)
    .where(
        Alert.customer_id == _CUSTOMER,
        Alert.kind == AlertKind.CHURN_MODEL,
        Alert.status == AlertStatus.OPEN,
    )
    .order_by(Alert.raised_on.desc(), Alert.id.desc())
    .limit(1)
)
_OPEN_CASE_OF = select(SaveCase).where(
    SaveCase.customer_id == _CUSTOMER, SaveCase.status == SaveStatus.OPEN
)


def _running(session: Session, customer_id: int) -> _Running:
    fee, ends, started = session.execute(_RUNNING, {"customer_id": customer_id}).one()
    return _Running(None if fee is None else int(fee), ends, started)


def _latest_score(session: Session, customer_id: int) -> tuple[ScoreRun, CustomerScore | None]:
    """The latest score run and the customer's row in it, in one query."""
    found = session.execute(_LATEST_SCORE, {"customer_id": customer_id}).first()
    if found is None:
        raise InvalidInput("score", _("no score run yet; run `valuecenter score` first"))
    return found[0], found[1]


def _open_churn_alert(session: Session, customer_id: int) -> Alert | None:
    return session.scalars(_OPEN_CHURN_ALERT, {"customer_id": customer_id}).first()


def _contact_counts(session: Session, customer_id: int, at: datetime) -> dict[str, int]:
    since = at - timedelta(days=CONTACT_DAYS)
    return contacts_repository.primary_reason_counts(
        session,
        customer_id=customer_id,
        since=since,
        until=at,
        reasons=tuple(_CONTACT_FEATURES),
    )


def _reasons(
    session: Session,
    customer: Customer,
    at: datetime,
    score: CustomerScore | None,
    running: _Running,
    alert: Alert | None,
) -> list[dict[str, object]]:
    """What the agent reads before he answers, in words (the alerts' FEATURE_TEXT wording),
    stored as codes with their figures and shown in the reader's language."""
    reasons: list[dict[str, object]] = []
    if running.ends is not None:
        reasons.append(feature_reason("days_to_end", (running.ends - at.date()).days))
    counts = _contact_counts(session, customer.id, at)
    for reason, feature in _CONTACT_FEATURES.items():
        if counts.get(reason):
            reasons.append(feature_reason(feature, counts[reason]))
    since = customer.customer_since or running.started
    if since is not None and since <= at.date():
        reasons.append(feature_reason("tenure_days", (at.date() - since).days))
    if running.fee_cents is not None:
        reasons.append(feature_reason("monthly_fee_eur", running.fee_cents / 100))
    if score is not None:
        reasons.append(
            phrase_reason(
                "segment", {"segment": str(score.segment), "clv_cents": score.clv_cents or 0}
            )
        )
    if alert is not None:
        reasons.append(
            phrase_reason(
                "churn-risk",
                {"risk_share": round(alert.risk, 4), "raised_day": alert.raised_on.isoformat()},
            )
        )
    return reasons


# --- opening and closing cases ---


def _check_contact(session: Session, contact_id: int, customer: Customer) -> None:
    contact = contacts_repository.get_contact(session, contact_id)
    if contact is None or contact.customer_id != customer.id:
        raise InvalidInput(
            "contact_id",
            _(
                "contact %(contact)s is not a contact of customer %(customer)s",
                contact=contact_id,
                customer=customer.external_id,
            ),
        )
    taken = session.scalar(select(SaveCase.id).where(SaveCase.contact_id == contact_id))
    if taken is not None:
        raise Conflict(
            _(
                "contact %(contact)s already opened save case %(case)s",
                contact=contact_id,
                case=taken,
            )
        )


def open_case_of(session: Session, customer_id: int) -> SaveCase | None:
    """The customer's open save case, if any."""
    return session.scalars(_OPEN_CASE_OF, {"customer_id": customer_id}).first()


def open_case(
    session: Session,
    customer_id: int,
    source: SaveSource | str,
    *,
    at: datetime,
    contact_id: int | None = None,
    control_share: float,
    arm: SaveArm | None = None,
    known: Evidence | None = None,
) -> SaveCase:
    """Open a save case for the customer (database id) at ``at``: freeze his value, fee, risk
    and reasons, draw the arm, and suggest an offer to a desk case. A customer has at most
    one open case (:class:`Conflict` otherwise); a contact opens at most one case.

    ``arm``: by default drawn by the experiments kernel (:func:`draw_arm`); given, it is an
    arm decided elsewhere (a case imported from another system with its arm).

    ``known``: the evidence the suggestion learns from; by default :func:`evidence` as of
    ``at``. A batch opening many cases may read it once and pass it (one grouped query
    instead of one per case); it is then as of the moment the batch read it."""
    try:
        origin = SaveSource(source)
    except ValueError:
        choices = ", ".join(s.value for s in SaveSource)
        raise InvalidInput(
            "source", _("'%(value)s' is not one of %(choices)s", value=source, choices=choices)
        ) from None
    at = _aware("at", at)
    share = _control_share(control_share)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("customer %(customer)s does not exist", customer=customer_id))
    existing = open_case_of(session, customer.id)
    if existing is not None:
        raise Conflict(
            _(
                "customer %(customer)s already has an open save case (%(case)s)",
                customer=customer.external_id,
                case=existing.id,
            )
        )
    if contact_id is not None:
        _check_contact(session, contact_id, customer)
    run, score = _latest_score(session, customer.id)
    value = int(score.clv_cents or 0) if score is not None else 0
    running = _running(session, customer.id)
    fee = running.fee_cents
    alert = _open_churn_alert(session, customer.id)
    if arm is None:
        arm = draw_arm(session, customer.id, at, share)
    offer: RetentionOffer | None = None
    if arm == SaveArm.DESK:
        offer, suggestion = suggest(known or evidence(session, at), value, fee)
    else:
        suggestion = {"control": True, "why": _("control group: standard handling, no offer")}
    saved = SaveCase(
        customer_id=customer.id,
        contact_id=contact_id,
        source=origin,
        opened_at=at,
        arm=arm,
        status=SaveStatus.OPEN,
        value_cents=value,
        monthly_fee_cents=fee,
        risk=alert.risk if alert is not None else None,
        reasons=_reasons(session, customer, at, score, running, alert),
        score_run_id=run.id,
        suggested_offer_id=offer.id if offer is not None else None,
        suggestion=suggestion,
        offer_cost_cents=0,
    )
    try:
        with session.begin_nested():
            session.add(saved)
            session.flush()
    except IntegrityError as exc:  # another request opened one meanwhile (unique index)
        raise Conflict(
            _(
                "customer %(customer)s already has an open save case",
                customer=customer.external_id,
            )
        ) from exc
    return saved


def open_from_contacts(
    session: Session,
    since: datetime,
    until: datetime,
    control_share: float,
) -> dict[str, int]:
    """One case per contact in [since, until) whose IVR intent is ``cancel`` (source ``ivr``)
    or whose primary reason is ``cancel`` (``contact-reason``), oldest first. Idempotent: a
    contact that opened a case is skipped, and so is a customer with a case still open."""
    since, until = _aware("since", since), _aware("until", until)
    if until <= since:
        raise InvalidInput("until", _("must be after since"))
    _control_share(control_share)
    rows = contacts_repository.cancel_contacts(session, since=since, until=until, intent=CANCEL)
    taken = set(
        session.scalars(
            select(SaveCase.contact_id).where(
                SaveCase.contact_id.in_(contacts_repository.ids_started_between(since, until))
            )
        )
    )
    busy = set(
        session.scalars(select(SaveCase.customer_id).where(SaveCase.status == SaveStatus.OPEN))
    )
    counts = {"contacts": len(rows), "opened": 0, "desk": 0, "control": 0}
    counts |= {"contact_had_case": 0, "customer_had_open_case": 0}
    for contact_id, customer_id, started_at, intent in rows:
        if customer_id is None:  # excluded by the query; narrows the type
            continue
        if contact_id in taken:
            counts["contact_had_case"] += 1
            continue
        if customer_id in busy:
            counts["customer_had_open_case"] += 1
            continue
        source = SaveSource.IVR if intent == CANCEL else SaveSource.CONTACT_REASON
        made = open_case(
            session,
            int(customer_id),
            source,
            at=started_at,
            contact_id=int(contact_id),
            control_share=control_share,
        )
        busy.add(customer_id)
        counts["opened"] += 1
        counts[made.arm.value] += 1
    return counts


def _offer_to_give(session: Session, code: str) -> RetentionOffer:
    offer = session.scalar(select(RetentionOffer).where(RetentionOffer.code == code))
    if offer is None:
        raise InvalidInput("offer_code", _("'%(code)s' is not an offer", code=code))
    if not offer.active:
        raise InvalidInput("offer_code", _("'%(code)s' is no longer active", code=code))
    return offer


def _agent_of(session: Session, user: User | None, agent_id: int | None) -> int | None:
    if agent_id is not None:
        if session.get(Agent, agent_id) is None:
            raise InvalidInput("agent_id", _("agent %(agent)s does not exist", agent=agent_id))
        return agent_id
    if user is None:
        return None
    return session.scalar(select(Agent.id).where(Agent.user_id == user.id))


def record_outcome(
    session: Session,
    case_id: int,
    *,
    outcome: SaveOutcome | str,
    offer_code: str | None = None,
    user: User | None = None,
    agent_id: int | None = None,
    note: str | None = None,
    at: datetime,
) -> SaveCase:
    """Close a case with its outcome and the offer the agent gave. With ``user`` the case
    must be his to see (an account manager: his pool), else :class:`NotFound`. A control
    case gets no offer, and a closed case is not closed again (:class:`Conflict`). The
    offer's cost is counted only when the customer stays with it."""
    result, text = outcome_and_note(SaveOutcome, outcome, note)
    at = _aware("at", at)
    saved = (
        visible_case(session, user, case_id) if user is not None else session.get(SaveCase, case_id)
    )
    if saved is None:
        raise NotFound(_("save case %(case)s does not exist", case=case_id))
    if saved.status == SaveStatus.CLOSED:
        when = f"{saved.closed_at:%Y-%m-%d %H:%M} UTC" if saved.closed_at else _("earlier")
        raise Conflict(
            _(
                "save case %(case)s was already closed (%(outcome)s) on %(when)s",
                case=case_id,
                outcome=saved.outcome,
                when=when,
            )
        )
    code = (offer_code or "").strip() or None
    if code is not None and saved.arm == SaveArm.CONTROL:
        raise Conflict(
            _(
                "save case %(case)s is in the control group: it gets standard handling, no offer",
                case=case_id,
            )
        )
    if at < saved.opened_at:
        raise InvalidInput("at", _("%(at)s is before the case opened", at=f"{at:%Y-%m-%d %H:%M}"))
    offer = _offer_to_give(session, code) if code is not None else None
    saved.agent_id = _agent_of(session, user, agent_id)
    saved.offer_id = offer.id if offer is not None else None
    saved.offer_cost_cents = (
        offer_cost_cents(offer, saved.monthly_fee_cents or 0, TERM_MONTHS)
        if offer is not None and result == SaveOutcome.KEPT
        else 0
    )
    saved.outcome = result
    saved.status = SaveStatus.CLOSED
    saved.closed_at = at
    saved.handled_by = user.id if user is not None else None
    saved.note = text
    session.flush()
    return saved
