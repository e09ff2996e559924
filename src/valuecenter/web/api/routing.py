"""The inbound routing API (issue 22): ``POST /routing/decide`` tells the ACD where a call goes
(queue, agent, priority, self-service, with the reasons); ``PUT /routing/presence/{agent}`` is
the ACD's report that an agent is available, busy or away.

The ACD is a service user with an API token (role agent, manager or admin: ``valuecenter users
add acd --role agent`` and ``valuecenter users token acd``). An account manager's token is
refused (403): routing reads every customer, not only his pool. Every decision is logged
(``routing/decide.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials

from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.routing import decide as routing_decide
from valuecenter.routing import service
from valuecenter.routing.engine import RulesCache
from valuecenter.routing.schemas import PresenceIn, PresenceOut, RoutedOut, RouteIn
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

router = APIRouter(tags=["routing"])

ROUTING_ROLES = (Role.AGENT, Role.MANAGER, Role.ADMIN)
_ROUTING = role_check(*ROUTING_ROLES)
RoutingUser = Annotated[User, Depends(require_roles(*ROUTING_ROLES))]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    422: {"description": "A field is wrong; `detail` names it."},
}


def rules_cache(request: Request) -> RulesCache:
    """The app's compiled routing rules (one per worker), made on first use."""
    state = request.app.state
    cache: RulesCache | None = getattr(state, "routing_rules", None)
    if cache is None:
        settings: Settings = state.settings
        cache = RulesCache(settings.nba_engine_ttl_seconds)
        state.routing_rules = cache
    return cache


@router.post(
    "/routing/decide",
    response_model=RoutedOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def decide(body: RouteIn, request: Request, credentials: BearerCredentials) -> Response:
    """Where this call goes: the queue, the agent to offer it to first (his own account
    manager, when available), its priority, whether the IVR handles it itself, and every rule
    that applied, in words. An unknown caller gets the default queue, never an error."""
    return await _answer(request, body, credentials)


async def decide_fast(request: Request) -> Response:
    """``decide`` without FastAPI's per-route work (routing through every route, dependency
    solving): the app mounts it first on the same path (``web/app.py``), as the decision
    API's hot path; ``decide`` above documents it in the OpenAPI. Same checks, same errors."""
    body, credentials = await hot_path_request(request, RouteIn)
    return await _answer(request, body, credentials)


async def _answer(
    request: Request, body: RouteIn, credentials: HTTPAuthorizationCredentials | None
) -> Response:
    if body.time is not None and not EARLIEST <= body.time < LATEST:
        raise InvalidInput("time", _("must lie between the years 2000 and 2099"))
    cache = rules_cache(request)
    out = await run_in_threadpool(_decide, request, body, credentials, cache)
    return Response(
        out.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


def _decide(
    request: Request,
    body: RouteIn,
    credentials: HTTPAuthorizationCredentials | None,
    cache: RulesCache,
) -> RoutedOut:
    # Authentication, the decision and the commit in one hop into the thread pool, one
    # transaction (as the decision API, web/api/decisions.py).
    state = request.app.state
    settings: Settings = state.settings
    call = routing_decide.Call(
        customer_id=body.customer_id,
        phone=body.phone,
        intent=body.intent.strip() or None if body.intent else None,
        language=body.language,
        at=body.time,
        wait_seconds=body.waiting_seconds,
    )
    with unit_of_work(state.sessions) as session:
        user = _ROUTING(bearer_user(session, credentials))
        return routing_decide.decide(
            session, cache.get(session), call, zone=settings.display_zone, user_id=user.id
        )


@router.put(
    "/routing/presence/{agent}",
    response_model=PresenceOut,
    responses={**_ERRORS, 404: {"description": "No agent with this external id."}},
)
def presence(
    agent: Annotated[str, Path(min_length=1, max_length=64)],
    body: PresenceIn,
    session: SessionDep,
    user: RoutingUser,
) -> PresenceOut:
    """The ACD's report: the agent (his external id) is available, busy or away from now."""
    return service.set_presence(session, agent=agent, state=body.state)
