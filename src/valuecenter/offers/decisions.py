"""Decisions and responses: the real-time use cases of the engine, and their log.

:func:`decide` is the hot path of ``POST /api/v1/decisions`` and of the agent desktop. It reads
the customer's feature row (joined with the do-not-call register) by primary key, his consent
events and his recent answers — three indexed queries, whatever the size of the catalogue —
arbitrates on the compiled engine (``offers/arbitration.py``), and writes one ``decisions``
row: who asked, for whom, in which context, what was shown with its reasons, what was held
back by which rule, the model and catalogue versions and the features used (so training
learns from exactly what the engine saw). :func:`decide_batch` does the same for many
contacts at once (outbound lists, the demo's history), with one query per kind for all.

:func:`record_response` stores what the customer did with a shown action; the next decision
reads it at once (the contact policy and the "accepted: not offered again" rule).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from valuecenter.analytics.propensity import ActionModel
from valuecenter.consent.models import Consent
from valuecenter.consent.state import ConsentEvent
from valuecenter.db.base import UTCDateTime, utcnow
from valuecenter.decisions import log
from valuecenter.decisions.facts import CHANNELS, Context, Facts
from valuecenter.decisions.policy import Answer
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.experiments.models import Experiment, ExperimentAssignment, ExperimentKind
from valuecenter.experiments.service import assign_many, assign_one, running_experiment
from valuecenter.offers import arbitration, hotpath, repository
from valuecenter.offers.engine import PURPOSE_OF_KIND, Engine
from valuecenter.offers.features import (
    compute_features,
    facts_of,
    open_matters,
    rows_with_register,
    write_features,
)
from valuecenter.offers.models import (
    ActionKind,
    CustomerFeatures,
    Decision,
    DecisionArm,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.offers.reasons import feature_label
from valuecenter.offers.schemas import DecisionOut, ResponseOut, ShownAction, SuppressedAction
from valuecenter.retention.models import SaveCase, SaveStatus
from valuecenter.users.models import Role, User

DECISIONS = cast(Table, Decision.__table__)

_RNG = random.SystemRandom()
EXPLAIN_FEATURES = 2


@dataclass(frozen=True, slots=True)
class Request:
    """One contact to decide for."""

    customer_id: int
    channel: str
    intent: str | None = None
    direction: str = "inbound"
    wait_seconds: int = 0
    language: str | None = None
    contact_id: str | None = None
    open_case_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Row:
    facts: Facts
    registered: bool
    registered_on: date | None


def check_request(request: Request) -> None:
    if request.channel not in CHANNELS:
        raise InvalidInput("channel", f"'{request.channel}' is not one of {', '.join(CHANNELS)}")
    if request.direction not in ("inbound", "outbound"):
        raise InvalidInput("direction", f"'{request.direction}' is not inbound or outbound")
    if request.intent is not None and len(request.intent) > 64:
        raise InvalidInput("intent", "is longer than 64 characters")


def pool_of(session: Session, viewer: User | None) -> int | None:
    """The account manager id whose pool ``viewer`` may see (None: he sees everyone)."""
    if viewer is None or viewer.role != Role.ACCOUNT_MANAGER:
        return None
    am = repository.pool_id_of(session, viewer.id)
    return -1 if am is None else am


# The hot path's statements, built once (SQLAlchemy caches their SQL; building a select per
# call costs more than running it), run on the session's connection with expanding ids.
_IDS: Any = bindparam("ids", expanding=True)
_FEATURES = rows_with_register(CustomerFeatures.customer_id).where(
    CustomerFeatures.customer_id.in_(_IDS)
)
_CONSENTS = select(Consent.customer_id, *hotpath.CONSENT_FIELDS).where(
    Consent.customer_id.in_(_IDS)
)
_ANSWERS = select(DecisionResponse.customer_id, *hotpath.ANSWER_FIELDS).where(
    DecisionResponse.customer_id.in_(_IDS),
    DecisionResponse.recorded_at > bindparam("since", type_=UTCDateTime()),
)


def _load(session: Session, ids: Sequence[int]) -> dict[int, _Row]:
    """Feature rows with their do-not-call status, by primary key."""
    out: dict[int, _Row] = {}
    conn = session.connection()
    for chunk in _chunks(ids):
        for facts, as_of, am, phone, dnc, dnc_on, cid in conn.execute(_FEATURES, {"ids": chunk}):
            out[int(cid)] = _Row(
                facts_of(int(cid), facts, as_of=as_of, account_manager_id=am, phone=phone),
                registered=dnc is not None,
                registered_on=dnc_on,
            )
    return out


def _rows(session: Session, ids: Sequence[int], now: datetime) -> dict[int, _Row]:
    """The customers' rows; a customer the last refresh did not see gets his row now."""
    out = _load(session, ids)
    missing = [i for i in ids if i not in out]
    if missing:
        known = repository.existing_customer_ids(session, missing)
        if known:
            write_features(
                session, compute_features(session, as_of=now, customer_ids=known), as_of=now
            )
            out.update(_load(session, known))
    return _with_new_complaints(session, out, now)


def _with_new_complaints(session: Session, rows: dict[int, _Row], now: datetime) -> dict[int, _Row]:
    """Open matters as of now, not as of the feature row: a complaint logged an hour ago
    holds back sales offers at once (one indexed query over the customers' contacts of the
    last ``OPEN_DAYS``, the same rule as the nightly refresh)."""
    if not rows:
        return rows
    current = open_matters(session, now, sorted(rows))
    for cid, row in rows.items():
        rows[cid] = _with_matter(row, current.get(cid))
    return rows


def _with_matter(row: _Row, complaint: bool | None) -> _Row:
    """The row with its open matter as of now (None: none; True: an open complaint)."""
    has_case = complaint is not None
    if has_case == row.facts.open_case and bool(complaint) == row.facts.open_complaint:
        return row
    facts = dataclasses.replace(row.facts, open_case=has_case, open_complaint=bool(complaint))
    return dataclasses.replace(row, facts=facts)


def _chunks(ids: Sequence[int], size: int = 5_000) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def consent_events(session: Session, ids: Sequence[int]) -> dict[int, list[ConsentEvent]]:
    """Every consent event of each customer of ``ids`` (customers without any are absent):
    what the consent engine judges a decision or a campaign contact on."""
    out: dict[int, list[ConsentEvent]] = {}
    conn = session.connection()
    for chunk in _chunks(ids):
        for cid, purpose, channel, granted, at, source in conn.execute(_CONSENTS, {"ids": chunk}):
            out.setdefault(int(cid), []).append(
                ConsentEvent(str(purpose), str(channel), bool(granted), at, source)
            )
    return out


def _answers(session: Session, ids: Sequence[int], since: datetime) -> dict[int, list[Answer]]:
    out: dict[int, list[Answer]] = {}
    conn = session.connection()
    for chunk in _chunks(ids):
        for cid, action, outcome, at, channel, direction, purpose in conn.execute(
            _ANSWERS, {"ids": chunk, "since": since}
        ):
            out.setdefault(int(cid), []).append(
                Answer(int(action), str(outcome), at, str(channel), str(direction), str(purpose))
            )
    return out


def _explainer(engine: Engine, full: bool) -> arbitration.Explain | None:
    """Reasons from the model's own contributions: always for logistic models (a product of
    two short vectors), for trees only when ``full`` (TreeSHAP costs about 2 ms a row)."""
    models = engine.models
    if models is None:
        return None
    names = models.feature_names
    labels = engine.labels

    def explain(model: ActionModel, vector: np.ndarray) -> list[str]:
        if model.kind == "prior" or (model.kind != "logistic" and not full):
            return []
        contributions = model.contributions_one(vector)
        top = np.argsort(-contributions)[:EXPLAIN_FEATURES]
        return [
            feature_label(names[j], float(vector[j]), labels)
            for j in top
            if contributions[j] > 0.05
        ]

    return explain


def _context(request: Request, at: datetime, zone: ZoneInfo) -> Context:
    return Context(
        at=at,
        local=at.astimezone(zone),
        channel=request.channel,
        direction=request.direction,
        intent=request.intent,
        wait_seconds=request.wait_seconds,
        language=request.language,
        open_case_since=request.open_case_since,
    )


def _record(
    engine: Engine,
    request: Request,
    row: _Row,
    outcome: arbitration.Outcome,
    *,
    at: datetime,
    user_id: int | None,
    source: str,
    latency_us: int,
) -> dict[str, object]:
    context: dict[str, object] = {
        "direction": request.direction,
        "wait_seconds": request.wait_seconds,
    }
    if request.language:
        context["language"] = request.language
    if request.contact_id:
        context["contact_id"] = request.contact_id
    if request.open_case_since is not None:
        context["open_case_since"] = request.open_case_since.isoformat()
    if outcome.service_first:
        context["service_first"] = outcome.service_first
    return {
        "customer_id": row.facts.customer_id,
        "decided_at": at,
        "channel": request.channel,
        "direction": request.direction,
        "intent": request.intent,
        "context": context,
        "arm": DecisionArm(outcome.arm),
        "explored": outcome.explored,
        "source": source,
        "user_id": user_id,
        "model_id": None if engine.models is None else engine.models.id,
        "catalogue_version": engine.version,
        "features_as_of": row.facts.as_of,
        # Zeros are left out (most inputs are one-hot zeros): training reads a missing input
        # as 0, and the log row stays small.
        "features": {k: round(v, 6) for k, v in outcome.features.items() if v},
        "actions": [s.as_json() for s in outcome.shown],
        "suppressed": [h.as_json() for h in outcome.held],
        "latency_us": latency_us,
    }


def _out(
    decision_id: int,
    request: Request,
    at: datetime,
    row: _Row,
    outcome: arbitration.Outcome,
    engine: Engine,
) -> DecisionOut:
    return DecisionOut(
        decision_id=decision_id,
        customer_id=row.facts.customer_id,
        decided_at=at,
        channel=request.channel,
        direction=request.direction,
        intent=request.intent,
        arm=outcome.arm,
        explored=outcome.explored,
        service_first=outcome.service_first,
        model_version=None if engine.models is None else engine.models.version,
        catalogue_version=engine.version,
        features_as_of=row.facts.as_of,
        actions=[ShownAction.model_validate(s.as_json()) for s in outcome.shown],
        suppressed=[SuppressedAction.model_validate(h.as_json()) for h in outcome.held],
    )


_OPEN_CASE = (
    select(SaveCase.opened_at)
    .where(SaveCase.customer_id == bindparam("cid"), SaveCase.status == SaveStatus.OPEN)
    .order_by(SaveCase.opened_at.desc())
    .limit(1)
)


def with_open_case(session: Session, request: Request) -> Request:
    """The request as the engine should see it: a customer with an open save case has told
    us he wants to cancel, so a contact whose intent the agent has not set is a cancel
    contact (the retention action first, issue 16); an intent the agent set stands."""
    if request.intent or request.open_case_since is not None:
        return request
    opened = session.execute(_OPEN_CASE, {"cid": request.customer_id}).scalar()
    if opened is None:
        return request
    return dataclasses.replace(request, intent="cancel", open_case_since=opened)


_STORED_ARM = (
    select(ExperimentAssignment.treated)
    .join(Experiment, Experiment.id == ExperimentAssignment.experiment_id)
    .where(Experiment.key == bindparam("key"), ExperimentAssignment.customer_id == bindparam("cid"))
)


def _control_experiment(session: Session, month: str, share: float, at: datetime) -> Experiment:
    return running_experiment(
        session,
        f"nba-control:{month}",
        ExperimentKind.NBA_CONTROL,
        name=f"Next best action {month}",
        treated_share=1.0 - share,
        at=at,
    )


def control_arm(session: Session, share: float, customer_id: int, at: datetime) -> bool:
    """Whether the customer is in the control group of ``at``'s month: drawn once per month
    by the experiments kernel (experiment ``nba-control:YYYY-MM``, treated = gets the next
    best action, treated share ``1 − share``, one stratum per control share) and stored; a
    customer already drawn this month costs one indexed read."""
    if share <= 0.0:
        return False
    month = at.strftime("%Y-%m")
    stored = session.execute(_STORED_ARM, {"key": f"nba-control:{month}", "cid": customer_id})
    treated = stored.scalar()
    if treated is None:
        experiment = _control_experiment(session, month, share, at)
        treated = assign_one(
            session, experiment, customer_id, f"control {share:g}", share=1.0 - share, at=at
        )
    return not treated


def control_arms(
    session: Session, share: float, contacts: Sequence[tuple[int, datetime]]
) -> dict[tuple[int, str], bool]:
    """:func:`control_arm` for many (customer, moment) pairs at once: per month, the
    customers not drawn yet are drawn in one batch (hash order, continuing the counts)."""
    if share <= 0.0:
        return {}
    by_month: dict[str, tuple[datetime, list[int]]] = {}
    for cid, at in contacts:
        month = at.strftime("%Y-%m")
        first, ids = by_month.setdefault(month, (at, []))
        ids.append(cid)
    out: dict[tuple[int, str], bool] = {}
    for month, (first, ids) in by_month.items():
        unique = sorted(set(ids))
        experiment = _control_experiment(session, month, share, first)
        arms = assign_many(
            session, experiment, unique, [f"control {share:g}"] * len(unique), at=first
        )
        out.update({(cid, month): not treated for cid, treated in arms.items()})
    return out


def decide(
    session: Session,
    engine: Engine,
    request: Request,
    *,
    viewer: User | None,
    zone: ZoneInfo,
    source: str = "api",
    now: datetime | None = None,
    rng: random.Random | None = None,
    explain_all: bool = False,
) -> DecisionOut:
    """Decide for one contact and log the decision (in the caller's transaction)."""
    started = time.perf_counter_ns()
    check_request(request)
    request = with_open_case(session, request)
    at = now or utcnow()
    cid = request.customer_id
    since = at - timedelta(days=engine.history_days)
    snap = (
        hotpath.read(session, cid, now=at, answers_since=since)
        if session.get_bind().dialect.name == "postgresql"
        else None
    )
    if snap is not None:
        row: _Row | None = _with_matter(
            _Row(snap.facts, snap.registered, snap.registered_on), snap.open_matter
        )
        consents, answers = snap.consents, snap.answers
    else:
        row = _rows(session, [cid], at).get(cid)
        consents = consent_events(session, [cid]).get(cid, [])
        answers = _answers(session, [cid], since).get(cid, [])
        log.log_asynchronously(session)
    pool = pool_of(session, viewer)
    if row is None or (pool is not None and row.facts.account_manager_id != pool):
        raise NotFound(f"no customer {cid}")
    ctx = _context(request, at, zone)
    verdicts = arbitration.Verdicts(
        consents, ctx, on_register=row.registered, registered_on=row.registered_on
    )
    outcome = arbitration.decide(
        engine,
        row.facts,
        ctx,
        verdicts,
        answers,
        rng or _RNG,
        control=control_arm(session, engine.config.control_share, cid, at),
        explain=_explainer(engine, explain_all),
    )
    latency = (time.perf_counter_ns() - started) // 1000
    values = _record(
        engine,
        request,
        row,
        outcome,
        at=at,
        user_id=None if viewer is None else viewer.id,
        source=source,
        latency_us=int(latency),
    )
    decision_id = log.append(session, DECISIONS, values)
    return _out(int(decision_id), request, at, row, outcome, engine)


@dataclass(frozen=True, slots=True)
class Timed:
    """A contact of a batch, with the moment it is decided at."""

    request: Request
    at: datetime


def decide_batch(
    session: Session,
    engine: Engine,
    contacts: Sequence[Timed],
    *,
    zone: ZoneInfo,
    source: str = "batch",
    rng: random.Random | None = None,
    user_id: int | None = None,
) -> list[tuple[int, DecisionOut]]:
    """Decide for many contacts at once (each at its own moment, in the given order) and log
    them; returns (index into ``contacts``, decision) for the customers that exist. Answers
    recorded between the contacts of one batch are not seen by its later contacts: record
    them in the next batch."""
    if not contacts:
        return []
    for timed in contacts:
        check_request(timed.request)
    ids = sorted({t.request.customer_id for t in contacts})
    latest = max(t.at for t in contacts)
    rows = _rows(session, ids, latest)
    consents = consent_events(session, ids)
    earliest = min(t.at for t in contacts)
    answers = _answers(session, ids, earliest - timedelta(days=engine.history_days))
    explain = _explainer(engine, False)
    rng = rng or _RNG
    controls = control_arms(
        session,
        engine.config.control_share,
        [(t.request.customer_id, t.at) for t in contacts if t.request.customer_id in rows],
    )
    out: list[tuple[int, DecisionOut]] = []
    batch: list[dict[str, object]] = []
    meta: list[tuple[int, Timed, _Row, arbitration.Outcome]] = []
    for i, timed in enumerate(contacts):
        row = rows.get(timed.request.customer_id)
        if row is None:
            continue
        ctx = _context(timed.request, timed.at, zone)
        verdicts = arbitration.Verdicts(
            consents.get(row.facts.customer_id, []),
            ctx,
            on_register=row.registered,
            registered_on=row.registered_on,
        )
        mine = [a for a in answers.get(row.facts.customer_id, []) if a.at <= timed.at]
        control = controls.get((row.facts.customer_id, timed.at.strftime("%Y-%m")), False)
        outcome = arbitration.decide(
            engine, row.facts, ctx, verdicts, mine, rng, control=control, explain=explain
        )
        batch.append(
            _record(
                engine,
                timed.request,
                row,
                outcome,
                at=timed.at,
                user_id=user_id,
                source=source,
                latency_us=0,
            )
        )
        meta.append((i, timed, row, outcome))
    ids_out = (
        session.execute(
            insert(Decision).returning(Decision.id, sort_by_parameter_order=True), batch
        )
        .scalars()
        .all()
    )
    for (i, timed, row, outcome), decision_id in zip(meta, ids_out, strict=True):
        out.append((i, _out(int(decision_id), timed.request, timed.at, row, outcome, engine)))
    return out


def record_response(
    session: Session,
    *,
    decision_id: int,
    action_id: int,
    outcome: ResponseOutcome | str,
    viewer: User | None,
    now: datetime | None = None,
) -> ResponseOut:
    """Store the customer's answer to an action the decision showed."""
    try:
        answer = ResponseOutcome(outcome)
    except ValueError:
        allowed = ", ".join(o.value for o in ResponseOutcome)
        raise InvalidInput("outcome", f"'{outcome}' is not one of {allowed}") from None
    decision = session.get(Decision, decision_id)
    pool = pool_of(session, viewer)
    if decision is None:
        raise NotFound(f"no decision {decision_id}")
    if pool is not None and repository.account_manager_id_of(session, decision.customer_id) != pool:
        raise NotFound(f"no decision {decision_id}")
    shown = next((a for a in decision.actions if a.get("action_id") == action_id), None)
    if shown is None:
        raise NotFound(f"action {action_id} was not shown in decision {decision_id}")
    at = now or utcnow()
    if at < decision.decided_at:
        raise InvalidInput("recorded_at", "an answer cannot come before its decision")
    purpose = PURPOSE_OF_KIND[ActionKind(str(shown.get("kind")))]
    try:
        with session.begin_nested():
            session.execute(
                insert(DecisionResponse).values(
                    decision_id=decision_id,
                    action_id=action_id,
                    customer_id=decision.customer_id,
                    outcome=answer,
                    recorded_at=at,
                    user_id=None if viewer is None else viewer.id,
                    channel=decision.channel,
                    direction=decision.direction,
                    purpose=purpose,
                )
            )
    except IntegrityError:
        existing = repository.response_to(session, decision_id, action_id)
        detail = (
            f" ({existing.outcome.value} at {existing.recorded_at:%Y-%m-%d %H:%M} UTC)"
            if existing
            else ""
        )
        raise Conflict(
            f"the answer to action {action_id} of decision {decision_id} "
            f"is recorded already{detail}"
        ) from None
    return ResponseOut(decision_id=decision_id, action_id=action_id, outcome=answer, recorded_at=at)


@dataclass(frozen=True, slots=True)
class Answered:
    """One answer of a batch: to which decision's action, what, when."""

    decision: DecisionOut
    action_id: int
    outcome: str
    at: datetime


def record_batch(
    session: Session, answers: Sequence[Answered], *, user_id: int | None = None
) -> int:
    """Store many answers at once (outbound lists, the demo's history); each must answer an
    action its decision showed, once, after the decision."""
    rows: list[dict[str, object]] = []
    seen: set[tuple[int, int]] = set()
    for a in answers:
        shown = next((s for s in a.decision.actions if s.action_id == a.action_id), None)
        if shown is None:
            raise InvalidInput(
                "action_id",
                f"action {a.action_id} was not shown in decision {a.decision.decision_id}",
            )
        key = (a.decision.decision_id, a.action_id)
        if key in seen:
            raise Conflict(f"two answers to action {a.action_id} of decision {key[0]}")
        if a.at < a.decision.decided_at:
            raise InvalidInput("recorded_at", "an answer cannot come before its decision")
        seen.add(key)
        rows.append(
            {
                "decision_id": a.decision.decision_id,
                "action_id": a.action_id,
                "customer_id": a.decision.customer_id,
                "outcome": ResponseOutcome(a.outcome),
                "recorded_at": a.at,
                "user_id": user_id,
                "channel": a.decision.channel,
                "direction": a.decision.direction,
                "purpose": PURPOSE_OF_KIND[ActionKind(shown.kind)],
            }
        )
    if rows:
        session.execute(insert(DecisionResponse), rows)
    return len(rows)
