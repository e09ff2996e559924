"""The real-time decision API (issue 8): ``POST /decisions`` asks the engine what to do next
for a customer in a contact; ``POST /decisions/{id}/responses`` records what he did with a
shown action; ``POST /customers/{id}/consents`` records a consent event (a withdrawal takes
effect on the very next decision).

Agents, managers and admins may decide for any customer, an account manager for his own pool
(another pool's customer is 404 exactly like a missing one). Every decision is logged with
the caller, the context, what was shown and why, and what was held back by which rule.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials

from valuecenter.bounds import RowId
from valuecenter.consent import service as consent_service
from valuecenter.consent.schemas import ConsentIn, ConsentOut
from valuecenter.db.uow import unit_of_work
from valuecenter.offers import decisions
from valuecenter.offers.engine import EngineCache
from valuecenter.offers.schemas import DecisionIn, DecisionOut, ResponseIn, ResponseOut
from valuecenter.settings import Settings
from valuecenter.users.models import Role, User
from valuecenter.web.deps import (
    BearerCredentials,
    SessionDep,
    bearer_user,
    hot_path_request,
    require_roles,
    role_check,
)

router = APIRouter(tags=["decisions"])

_DECIDING_ROLES = (Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)
DecidingUser = Annotated[User, Depends(require_roles(*_DECIDING_ROLES))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    404: {
        "description": "No such customer (or decision, or action shown in it) visible to "
        "the caller."
    },
    422: {"description": "A field is wrong; `detail` names it."},
}


@router.post(
    "/decisions",
    response_model=DecisionOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def decide(body: DecisionIn, request: Request, credentials: BearerCredentials) -> Response:
    """The next best actions for this customer in this contact, best first, each with its
    reasons; and every action held back, with the rule that held it back."""
    return await _answer(request, body, credentials)


async def _answer(
    request: Request, body: DecisionIn, credentials: HTTPAuthorizationCredentials | None
) -> Response:
    # The hot path: authentication, the decision and the commit in one hop into the thread
    # pool, one transaction (FastAPI's dependencies would make a hop of each), and the answer
    # serialised once by pydantic (a returned model would be validated and encoded again).
    out = await run_in_threadpool(_decide, request, body, credentials)
    return Response(
        out.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


async def decide_fast(request: Request) -> Response:
    """``decide`` without FastAPI's per-route work (routing through every route, dependency
    solving, validation of the answer): the app mounts it first on the same path
    (``web/app.py``); ``decide`` above documents it in the OpenAPI. Same checks, same errors:
    a bad body is the usual 422, the bearer token the same."""
    body, credentials = await hot_path_request(request, DecisionIn)
    return await _answer(request, body, credentials)


_DECIDING = role_check(*_DECIDING_ROLES)


def _decide(
    request: Request, body: DecisionIn, credentials: HTTPAuthorizationCredentials | None
) -> DecisionOut:
    state = request.app.state
    settings: Settings = state.settings
    cache: EngineCache = state.nba_engine
    context = body.context
    wanted = decisions.Request(
        customer_id=body.customer_id,
        channel=body.channel.value,
        intent=body.intent,
        direction=context.direction if context else "inbound",
        wait_seconds=context.wait_seconds if context else 0,
        language=context.language if context else None,
        contact_id=context.contact_id if context else None,
    )
    with unit_of_work(state.sessions) as session:
        user = _DECIDING(bearer_user(session, credentials))
        return decisions.decide(
            session,
            cache.get(session),
            wanted,
            viewer=user,
            zone=settings.display_zone,
            source="api",
        )


@router.post(
    "/decisions/{decision_id}/responses",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 409: {"description": "The answer is recorded already."}},
)
def respond(
    decision_id: RowId, body: ResponseIn, session: SessionDep, user: DecidingUser
) -> ResponseOut:
    """Record what the customer did with one action the decision showed."""
    return decisions.record_response(
        session,
        decision_id=decision_id,
        action_id=body.action_id,
        outcome=body.outcome,
        viewer=user,
    )


@router.post(
    "/customers/{customer_id}/consents",
    response_model=ConsentOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    tags=["customers"],
)
def record_consent(
    customer_id: RowId, body: ConsentIn, session: SessionDep, user: DecidingUser
) -> ConsentOut:
    """Record an opt-in or a withdrawal (opt-out) for a purpose on a channel, with its
    source; it takes effect from now on."""
    return consent_service.record_consent(
        session,
        customer_id=customer_id,
        purpose=body.purpose,
        channel=body.channel,
        granted=body.granted,
        source=body.source,
        viewer=user,
    )
