"""The agent desktop's next-best-action panel on the customer 360 (C1, C8, C10, C20).

``GET /customers/{id}/nba`` decides for the contact the agent is in (channel, intent, how long
the customer waited) — a reload within the contact shows the decision already logged, not a
new one (``offers/page_views.py``) — and returns the panel as partial HTML, which the 360 page
loads with htmx: the shown actions best first with their expected value, P(accept), reasons
and one-click answers; a banner when service comes first; the actions held back with the rule
that held each back; and where the decision came from (decision id, models, catalogue version,
features).

``POST /customers/{id}/nba/{decision_id}/responses`` records the customer's answer to one shown
action (CSRF-checked like every page form: the ``X-CSRF-Token`` header from ``<body
hx-headers>``, or the form field for the no-JS post) and returns a freshly decided panel, so
the next decision already reflects the answer (an accepted action is not offered again).

The service (``offers/decisions.py``) decides who may see which customer: an account manager
only his pool (another pool's customer is 404). With htmx, an error of an answer (a double
click is a Conflict, a wrong field an InvalidInput, a decision that is gone a NotFound) comes
back as a message inside the panel, because htmx does not swap error responses; without
JavaScript errors are the usual error pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.bounds import RowId
from valuecenter.decisions.facts import CHANNELS, MAX_WAIT_MINUTES
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import _, lazy_gettext
from valuecenter.offers import decisions, page_views
from valuecenter.offers.engine import Engine, EngineCache
from valuecenter.offers.models import Decision
from valuecenter.offers.schemas import DecisionOut
from valuecenter.settings import Settings
from valuecenter.users.models import User
from valuecenter.web.deps import PageUser, SessionDep, SettingsDep
from valuecenter.web.templating import templates

router = APIRouter()

DEFAULT_CHANNEL = "phone"
INTENTS = {
    "": lazy_gettext("Not known yet"),
    "order": lazy_gettext("Order"),
    "complaint": lazy_gettext("Complaint"),
    "how-to": lazy_gettext("How-to question"),
    "cancel": lazy_gettext("Cancel"),
    "delivery": lazy_gettext("Delivery"),
    "invoice": lazy_gettext("Invoice"),
    "other": lazy_gettext("Other"),
}
CHANNEL_NAMES = {
    "ivr": lazy_gettext("IVR"),
    "web": lazy_gettext("Web site"),
    "post": lazy_gettext("Post"),
    "sms": lazy_gettext("SMS"),
}
"""Names of the decision channels the contact channels' labels (``channel_label``) lack."""
OUTCOMES = {
    "accepted": lazy_gettext("Accepted"),
    "rejected": lazy_gettext("Not interested"),
    "ignored": lazy_gettext("Not now"),
}
KIND_LABELS = {
    "offer": lazy_gettext("Offer"),
    "service": lazy_gettext("Service"),
    "retention": lazy_gettext("Retention"),
    "loyalty": lazy_gettext("Loyalty"),
}
RULE_LABELS = {
    "rule-broken": lazy_gettext("rule broken"),
    "validity": lazy_gettext("not valid now"),
    "channel": lazy_gettext("channel"),
    "consent": lazy_gettext("consent"),
    "do-not-call": lazy_gettext("do-not-call"),
    "eligibility": lazy_gettext("not eligible"),
    "repeat": lazy_gettext("accepted recently"),
    "frequency": lazy_gettext("contact limit"),
    "rejection-pause": lazy_gettext("paused after rejections"),
    "service-first": lazy_gettext("service first"),
    "control-group": lazy_gettext("control group"),
    "not-worth": lazy_gettext("not worth it"),
    "ranked-lower": lazy_gettext("ranked lower"),
}
VISIBLE_REASONS = 3
LABELS = {
    "intents": INTENTS,
    "outcomes": OUTCOMES,
    "kind_labels": KIND_LABELS,
    "rule_labels": RULE_LABELS,
    "channels": CHANNELS,
    "channel_names": CHANNEL_NAMES,
    "visible_reasons": VISIBLE_REASONS,
}


@dataclass(frozen=True)
class Contact:
    """The contact the agent decides for, as the context form holds it."""

    channel: str = DEFAULT_CHANNEL
    intent: str = ""
    wait_minutes: int = 0

    @classmethod
    def of(cls, channel: str | None, intent: str | None, wait: str | None) -> Contact:
        """From the form's text fields; a wrong wait is refused with its field name (a wrong
        channel or intent is the service's to refuse)."""
        text = (wait or "").strip()
        minutes = 0
        if text:
            try:
                minutes = int(text)
            except ValueError:
                raise InvalidInput("wait", f"'{text}' is not a whole number of minutes") from None
            if not 0 <= minutes <= MAX_WAIT_MINUTES:
                raise InvalidInput("wait", f"{minutes} is outside 0–{MAX_WAIT_MINUTES} minutes")
        return cls(
            channel=(channel or "").strip() or DEFAULT_CHANNEL,
            intent=(intent or "").strip(),
            wait_minutes=minutes,
        )

    def request(self, customer_id: int) -> decisions.Request:
        return decisions.Request(
            customer_id=customer_id,
            channel=self.channel,
            intent=self.intent or None,
            direction="inbound",
            wait_seconds=self.wait_minutes * 60,
        )


def _engine(request: Request, session: Session) -> Engine:
    cache: EngineCache = request.app.state.nba_engine
    return cache.get(session)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _names(engine: Engine) -> dict[int, str]:
    return {a.id: a.name for a in engine.actions}


def _panel(
    request: Request,
    *,
    customer_id: RowId,
    contact: Contact,
    user: User,
    engine: Engine | None,
    decision: DecisionOut | None,
    message: str | None = None,
    notice: str | None = None,
) -> Response:
    return templates.TemplateResponse(
        request,
        "customers/_nba.html",
        {
            "user": user,
            "customer_id": customer_id,
            "contact": contact,
            "d": decision,
            "names": _names(engine) if engine is not None else {},
            "catalogue_empty": engine is not None and not engine.actions,
            "message": message,
            "notice": notice,
            **LABELS,
        },
    )


def _decide(
    session: Session,
    user: User,
    settings: Settings,
    engine: Engine,
    customer_id: RowId,
    contact: Contact,
) -> DecisionOut:
    return page_views.decide_for_page(
        session, engine, contact.request(customer_id), viewer=user, zone=settings.display_zone
    )


@router.get("/customers/{customer_id}/nba")
def nba_panel(
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    customer_id: RowId,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    intent: Annotated[str | None, Query(max_length=200)] = None,
    wait: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The panel, freshly decided for this contact. A customer the user may not see is 404
    (the 360 page is 404 too); a wrong context comes back in the panel with htmx."""
    engine = _engine(request, session)
    try:
        contact = Contact.of(channel, intent, wait)
        decision = _decide(session, user, settings, engine, customer_id, contact)
    except InvalidInput as exc:
        if not _is_htmx(request):
            raise
        fallback = Contact(
            channel=channel if channel in CHANNELS else DEFAULT_CHANNEL,
            intent=(intent or "").strip()[:64],
        )
        return _panel(
            request,
            customer_id=customer_id,
            contact=fallback,
            user=user,
            engine=engine,
            decision=None,
            message=str(exc),
        )
    return _panel(
        request,
        customer_id=customer_id,
        contact=contact,
        user=user,
        engine=engine,
        decision=decision,
    )


def _action_id(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput("action_id", f"'{text}' is not an action id") from None


def _check_decision(session: Session, decision_id: int, customer_id: int) -> None:
    """The decision must be this customer's (the service checks who may see it)."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.customer_id != customer_id:
        raise NotFound(f"no decision {decision_id} for this customer")


@router.post("/customers/{customer_id}/nba/{decision_id}/responses")
def nba_response(
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    customer_id: RowId,
    decision_id: RowId,
    action_id: Annotated[str, Form(max_length=20)] = "",
    outcome: Annotated[str, Form(max_length=40)] = "",
    channel: Annotated[str, Form(max_length=200)] = DEFAULT_CHANNEL,
    intent: Annotated[str, Form(max_length=200)] = "",
    wait: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record the answer and return a freshly decided panel (with htmx), the answer's error in
    it when it could not be recorded; without JavaScript: back to the 360."""
    htmx = _is_htmx(request)
    engine = _engine(request, session)
    message = notice = None
    try:
        answered = _action_id(action_id)
        _check_decision(session, decision_id, customer_id)
        saved = decisions.record_response(
            session,
            decision_id=decision_id,
            action_id=answered,
            outcome=outcome.strip(),
            viewer=user,
        )
        name = _names(engine).get(answered) or _("action %(id)s", id=answered)
        notice = _(
            "Recorded “%(name)s”: %(outcome)s.",
            name=name,
            outcome=str(OUTCOMES[saved.outcome.value]).lower(),
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        if not htmx:
            raise
        message = str(exc)
    if not htmx:
        return RedirectResponse(f"/customers/{customer_id}", status_code=303)
    try:
        contact = Contact.of(channel, intent, wait)
    except InvalidInput as exc:
        contact, message = Contact(), message or str(exc)
    decision: DecisionOut | None = None
    try:
        decision = _decide(session, user, settings, engine, customer_id, contact)
    except (InvalidInput, NotFound) as exc:
        message = message or str(exc)
    return _panel(
        request,
        customer_id=customer_id,
        contact=contact,
        user=user,
        engine=engine,
        decision=decision,
        message=message,
        notice=notice,
    )
