"""The inbound routing page (issue 22), for managers and admins: the routing rules in words and
as the YAML a manager edits (checked whole on save with the decision kernel's language, a
refusal shown with its path and nothing written), the agents' presence as the ACD last reported
it, and the latest routing decisions with their reasons; both lists export to CSV.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.routing import repository, ruleset, service
from valuecenter.users.models import Role, User
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

ManagingUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]
RulesText = Annotated[str, Form(max_length=200_000)]
RECENT = 50


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    text: str | None = None,
    problem: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    current = service.current(session)
    settings = repository.settings(session)
    return templates.TemplateResponse(
        request,
        "routing/page.html",
        {
            "user": user,
            "nav": "routing",
            "current": current,
            "rules_version": None if settings is None else settings.version,
            "updated_at": None if settings is None else settings.updated_at,
            "rules": service.rule_views(session),
            "text": text if text is not None else service.export_text(session),
            "problem": problem,
            "notice": notice,
            "presence": list(repository.presence_rows(session)),
            "decisions": list(repository.recent_decisions(session, RECENT)),
            "recent": RECENT,
        },
        status_code=status_code,
    )


@router.get("/routing")
def routing_page(
    request: Request, session: SessionDep, user: ManagingUser, saved: int | None = None
) -> Response:
    notice = (
        _(
            "Saved the routing rules: version %(version)s. Every worker routes with them "
            "within seconds.",
            version=saved,
        )
        if saved is not None
        else None
    )
    return _page(request, session, user, notice=notice)


@router.post("/routing/rules")
def save_rules(
    request: Request, session: SessionDep, user: ManagingUser, rules: RulesText = ""
) -> Response:
    """Check the YAML whole and replace the rule set; a refusal shows the text again with the
    one-line reason and writes nothing."""
    try:
        with session.begin_nested():
            loaded = service.load_rules(session, document=ruleset.parse_text(rules, _("the rules")))
    except InvalidInput as exc:
        return _page(request, session, user, text=rules, problem=str(exc), status_code=422)
    return RedirectResponse(f"/routing?saved={loaded.version}", status_code=303)


PRESENCE_HEADER = ("agent", "name", "team", "state", "since")
DECISION_HEADER = (
    "id",
    "decided_at",
    "customer",
    "intent",
    "language",
    "waited_seconds",
    "queue",
    "agent",
    "priority",
    "self_service",
    "rules_version",
    "latency_us",
    "reasons",
)


@router.get("/routing/presence.csv")
def presence_export(request: Request, user: ManagingUser) -> Response:
    """Every agent's presence as the ACD last reported it."""
    return csv_download(
        request,
        user,
        name="routing-presence",
        header=PRESENCE_HEADER,
        rows=lambda session, _viewer: (
            (ext, name, team, state, since.isoformat())
            for ext, name, team, state, since in repository.presence_rows(session)
        ),
    )


@router.get("/routing/decisions.csv")
def decisions_export(request: Request, user: ManagingUser) -> Response:
    """Every routing decision, newest first, with its reasons."""
    return csv_download(
        request,
        user,
        name="routing-decisions",
        header=DECISION_HEADER,
        rows=lambda session, _viewer: (
            (
                d["id"],
                d["decided_at"].isoformat(),
                d["customer"],
                d["intent"],
                d["language"],
                d["waited"],
                d["queue"],
                d["agent"],
                d["priority"],
                d["self_service"],
                d["rules_version"],
                d["latency_us"],
                " | ".join(d["reasons"]),
            )
            for d in repository.recent_decisions(session, None)
        ),
    )
