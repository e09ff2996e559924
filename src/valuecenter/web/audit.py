"""Every read and change of a customer's data through the web writes an audit entry
(``privacy/models.py``): one hook, called by the two dependencies that authenticate a page
(``page_user``) and an API call (``api_user``), so no route can forget it.

The route says which customer by its path parameters: ``customer_id`` itself, or the id of a
row that belongs to one customer (an alert, a save case, a decision), whose customer is looked
up. A route that lists customers is marked ``@lists_customers`` and writes one ``list`` entry
(no customer id: the list's filters are not logged, they may hold a name). A GET is a read,
any other method a change. The entry is written in the request's transaction: a request that
fails (a customer the user may not see: 404) leaves none, as it showed nothing.

The decision API's hot path (``POST /api/v1/decisions``) authenticates by itself and writes no
entry here: every decision is logged already with the user, the customer and the time
(``decisions``), which is the audit record of that read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert
from valuecenter.offers.models import Decision
from valuecenter.privacy import audit
from valuecenter.privacy.models import AuditAction, AuditChannel
from valuecenter.quality.models import FollowupTask
from valuecenter.retention.models import SaveCase
from valuecenter.users.models import User

CUSTOMER_PARAM = "customer_id"
# Path parameters naming one row of one customer's: the table whose customer_id says whose.
ROW_PARAMS: dict[str, Any] = {
    "alert_id": Alert,
    "case_id": SaveCase,
    "decision_id": Decision,
    "followup_id": FollowupTask,
}
LIST_MARK = "__lists_customers__"
SELF_MARK = "__audits_itself__"

F = TypeVar("F", bound=Callable[..., Any])


def lists_customers(endpoint: F) -> F:
    """Mark a route whose answer lists customers (it writes a ``list`` entry)."""
    setattr(endpoint, LIST_MARK, True)
    return endpoint


def audits_itself(endpoint: F) -> F:
    """Mark a route that writes its own, more telling entry (an export, an erasure)."""
    setattr(endpoint, SELF_MARK, True)
    return endpoint


def _id(text: object) -> int | None:
    try:
        value = int(str(text))
    except ValueError:
        return None
    return value if 1 <= value <= audit.MAX_ID else None


def customer_of(session: Session, params: dict[str, Any]) -> int | None:
    """The customer the path parameters name, if any."""
    if CUSTOMER_PARAM in params:
        return _id(params[CUSTOMER_PARAM])
    for name, model in ROW_PARAMS.items():
        if name in params and (row_id := _id(params[name])) is not None:
            found = session.scalar(select(model.customer_id).where(model.id == row_id))
            return None if found is None else int(found)
    return None


def route_template(path: str, route_path: str) -> str:
    """The route's full template (``/api/v1/customers/{customer_id}``) from the request's path
    and the route's own (``/{customer_id}``, without the prefixes of the routers it is in, which
    hold no parameters): the path's leading segments, then the route's."""
    segments = path.rstrip("/").split("/")
    own = [s for s in route_path.split("/") if s]
    prefix = segments[: len(segments) - len(own)] if own else segments
    return "/".join([*prefix, *own]) or "/"


def audit_request(request: Request, session: Session, user: User, channel: AuditChannel) -> None:
    """Write the request's audit entry when it reads or changes customer data."""
    route = request.scope.get("route")
    if route is None or getattr(getattr(route, "endpoint", None), SELF_MARK, False):
        return
    template = f"{request.method} {route_template(request.url.path, getattr(route, 'path', ''))}"
    params = request.path_params
    if CUSTOMER_PARAM in params or any(name in params for name in ROW_PARAMS):
        customer_id = customer_of(session, params)
        if customer_id is None:
            return
        action = AuditAction.READ if request.method in ("GET", "HEAD") else AuditAction.CHANGE
        audit.record(
            session,
            action=action,
            channel=channel,
            route=template,
            user_id=user.id,
            customer_id=customer_id,
        )
    elif getattr(getattr(route, "endpoint", None), LIST_MARK, False):
        audit.record(
            session,
            action=AuditAction.LIST,
            channel=channel,
            route=template,
            user_id=user.id,
            customer_id=None,
        )
