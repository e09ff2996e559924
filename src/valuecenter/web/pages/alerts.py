"""The alerts pages (issue 6): the inbox of an account manager (a manager sees every pool, with
the market dips once at the top) and, for managers, the precision of the alerts raised.

An alert is handled from its row: the form posts with htmx (CSRF token in the
``X-CSRF-Token`` header from ``<body hx-headers>`` and in the form for the no-JS post) and the
row is swapped for the handled row. Every figure says where it comes from: the alert run, the
day of its data, the score run whose CLV priced the alerts and the run's models (C10).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.alerts import inbox, repository
from valuecenter.alerts.export import alert_header, alert_rows
from valuecenter.alerts.handling import handle_alert
from valuecenter.alerts.models import AlertKind, AlertOutcome, AlertRun, AlertStatus
from valuecenter.bounds import PageNumber, RowId
from valuecenter.customers import service as customers
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import N_, gettext, lazy_gettext
from valuecenter.users.models import Role, User
from valuecenter.value.models import ScoreRun
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

PAGE_SIZE = 25
MIN_AGES = (30, 60, 90, 180)  # the precision page's choices of "raised at least N days ago"
DIPS_SHOWN_DAYS = 365  # market dips last seen within a year of the latest run are listed
MODEL_PARAMS_SHOWN = 4

MANAGING = frozenset({Role.MANAGER, Role.ADMIN})
InboxUser = Annotated[
    User, Depends(require_page_roles(Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN))
]
ManagerUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

KIND_LABELS = {
    AlertKind.ORDER_RHYTHM.value: lazy_gettext("Order rhythm"),
    AlertKind.CHURN_MODEL.value: lazy_gettext("Churn model"),
}
OUTCOME_LABELS = {
    AlertOutcome.KEPT.value: lazy_gettext("Kept"),
    AlertOutcome.LEFT.value: lazy_gettext("Left anyway"),
    AlertOutcome.FALSE_ALARM.value: lazy_gettext("False alarm"),
    AlertOutcome.NO_CONTACT.value: lazy_gettext("No contact"),
}
STATUS_LABELS = {
    "open": lazy_gettext("Open"),
    "handled": lazy_gettext("Handled"),
    "all": lazy_gettext("All"),
}
STATUSES: dict[str, AlertStatus | None] = {
    "open": AlertStatus.OPEN,
    "handled": AlertStatus.HANDLED,
    "all": None,
}
LABELS = {"kinds": KIND_LABELS, "outcomes": OUTCOME_LABELS, "statuses": STATUS_LABELS}


# The models an alert run stores (alerts/service.py), in words.
MODEL_LABELS = {"order_rhythm": N_("order rhythm"), "churn_model": N_("churn model")}


def _number(value: object) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float):
        return f"{float(value):.3g}"
    return str(value)


def _auc(validation: object) -> float | None:
    """The out-of-time AUC the run stored under ``validation["auc"]`` (alerts/service.py)."""
    value = validation.get("auc") if isinstance(validation, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _scalars(spec: Mapping[str, object], skip: frozenset[str] = frozenset()) -> list[str]:
    """``key=value`` of a mapping's first plain values (numbers and texts)."""
    return [
        f"{key}={_number(value)}"
        for key, value in spec.items()
        if key not in skip and isinstance(value, str | int | float)
    ][:MODEL_PARAMS_SHOWN]


def describe_alert_models(
    models: Mapping[str, object] | None, *, skip: frozenset[str] = frozenset()
) -> str:
    """Words for an alert run's models, robust to what the run stored, e.g.
    ``order rhythm: gamma-Poisson (NBD) rhythm (r=0.81, a_days=23.4); churn model: gbm,
    validation AUC 0.81``. A model names its ``kind`` (or ``model``), its validation AUC and
    the numbers of its ``prior``; one without a name lists its first plain settings; one the
    run skipped says why. Keys in ``skip`` are left out (shown elsewhere on the page)."""
    parts: list[str] = []
    for name, spec in (models or {}).items():
        if name in skip:
            continue
        known = MODEL_LABELS.get(str(name))
        label = gettext(known) if known else str(name).replace("_", " ")
        if not isinstance(spec, Mapping):
            plain = isinstance(spec, str | int | float) and spec != ""
            parts.append(f"{label} {_number(spec)}" if plain else label)
            continue
        if spec.get("skipped"):
            # a reason stored as its English message id is read in the reader's language
            why = gettext(str(spec["skipped"]))
            parts.append(gettext("%(model)s skipped: %(why)s", model=label, why=why))
            continue
        kind = spec.get("kind") or spec.get("model")
        if kind:
            words = f"{label}: {kind}"
            auc = _auc(spec.get("validation"))
            if auc is not None:
                words += gettext(", validation AUC %(auc)s", auc=f"{auc:.2f}")
            prior = spec.get("prior")
            if isinstance(prior, Mapping) and (numbers := _scalars(prior)):
                words += f" ({', '.join(numbers)})"
        else:
            numbers = _scalars(spec, frozenset({"validation"}))
            words = f"{label} ({', '.join(numbers)})" if numbers else label
        parts.append(words)
    return "; ".join(parts)


def _choice(field: str, value: str | None, choices: Mapping[str, object]) -> str | None:
    """A filter value from the query string: empty means "any"; an unknown one is refused."""
    value = (value or "").strip()
    if not value:
        return None
    if value not in choices:
        raise InvalidInput(field, f"'{value}' is not one of {', '.join(choices)}")
    return value


def _score_run_id(session: Session, run: AlertRun | None) -> str | None:
    if run is None or run.score_run_id is None:
        return None
    score_run = session.get(ScoreRun, run.score_run_id)
    return score_run.run_id if score_run else None


@router.get("/alerts")
@lists_customers
def inbox_page(
    request: Request,
    session: SessionDep,
    user: InboxUser,
    kind: str | None = None,
    status: str | None = None,
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    kind_value = _choice("kind", kind, KIND_LABELS)
    status_value = _choice("status", status, STATUSES) or "open"
    result = inbox.alert_page(
        session,
        user,
        status=STATUSES[status_value],
        kind=AlertKind(kind_value) if kind_value else None,
        page=page,
        page_size=PAGE_SIZE,
    )
    run = repository.latest_alert_run(session)
    score_run_id = _score_run_id(session, run)
    shown = frozenset({"score_run"}) if score_run_id else frozenset()  # it has its own words
    managing = user.role in MANAGING
    dips = (
        inbox.market_dips_out(session, since=run.as_of - timedelta(days=DIPS_SHOWN_DAYS))
        if managing and run is not None
        else []
    )
    return templates.TemplateResponse(
        request,
        "alerts/inbox.html",
        {
            "user": user,
            "pool": customers.pool_of(session, viewer=user),
            "summary": inbox.inbox_summary(session, user),
            "result": result,
            "filters": {"kind": kind_value, "status": status_value},
            "run": run,
            "score_run_id": score_run_id,
            "models": describe_alert_models(run.models, skip=shown) if run else "",
            "managing": managing,
            "dips": dips,
            **LABELS,
        },
    )


def _listed(session: Session, user: User, shown_at: str | None) -> dict[str, object] | None:
    """The count and filters of the inbox list the user handles from (its address, from
    htmx's ``HX-Current-URL``), so its caption says the count after the handle; None when
    that is not an inbox list or its filters are not valid."""
    if not shown_at:
        return None
    address = urlsplit(shown_at)
    if address.path != "/alerts":
        return None
    query = dict(parse_qsl(address.query))
    try:
        kind_value = _choice("kind", query.get("kind") or None, KIND_LABELS)
        status_value = _choice("status", query.get("status") or None, STATUSES) or "open"
    except InvalidInput:
        return None
    counted = inbox.alert_page(
        session,
        user,
        status=STATUSES[status_value],
        kind=AlertKind(kind_value) if kind_value else None,
        page=1,
        page_size=1,
    )
    return {"total": counted.total, "filters": {"kind": kind_value, "status": status_value}}


@router.get("/alerts/export.csv")
@lists_customers
def inbox_export(
    request: Request, user: InboxUser, kind: str | None = None, status: str | None = None
) -> Response:
    """The whole inbox with the page's filters, as CSV (the page's "CSV" link)."""
    kind_value = _choice("kind", kind, KIND_LABELS)
    status_value = STATUSES[_choice("status", status, STATUSES) or "open"]
    kind_filter = AlertKind(kind_value) if kind_value else None
    return csv_download(
        request,
        user,
        name="alerts",
        header=alert_header(),
        rows=lambda session, viewer: alert_rows(
            session, viewer, status=status_value, kind=kind_filter
        ),
    )


@router.post("/alerts/{alert_id}/handle")
def handle_page(
    request: Request,
    session: SessionDep,
    user: InboxUser,
    alert_id: RowId,
    outcome: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Handle an alert. With htmx: the row, handled — or, when it cannot be, the row as it is
    with the reason in it (a wrong field, or handled meanwhile, e.g. in another tab) — and the
    inbox's head line with the new count. Without JavaScript: back to the inbox (errors as
    error pages)."""
    if request.headers.get("HX-Request") != "true":
        handle_alert(session, user, alert_id, outcome, note)
        return RedirectResponse("/alerts", status_code=303)
    message: str | None = None
    try:
        alert = handle_alert(session, user, alert_id, outcome, note)
    except (InvalidInput, Conflict) as exc:
        found = repository.visible_alert(session, user, alert_id)
        if found is None:  # a wrong field of an alert he may not see: no such alert
            raise NotFound(f"alert {alert_id} does not exist") from exc
        alert, message = found, str(exc)
    return templates.TemplateResponse(
        request,
        "alerts/_row.html",
        {
            "user": user,
            "a": inbox.alert_out(session, alert),
            "message": message,
            # the list's caption with its new count, out of band
            "listed": _listed(session, user, request.headers.get("HX-Current-URL")),
            # the head line of the inbox, updated out of band
            "pool": customers.pool_of(session, viewer=user),
            "summary": inbox.inbox_summary(session, user),
            "managing": user.role in MANAGING,
            **LABELS,
        },
    )


@router.get("/alerts/precision")
def precision_page(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    min_age_days: Annotated[int, Query(ge=0, le=3650)] = 90,
) -> Response:
    report = inbox.precision_out(session, user, min_age_days=min_age_days)
    run = repository.latest_alert_run(session)
    cutoff = report.reference - timedelta(days=min_age_days) if report.reference else None
    return templates.TemplateResponse(
        request,
        "alerts/precision.html",
        {
            "user": user,
            "report": report,
            "run": run,
            "cutoff": cutoff,
            "ages": sorted({*MIN_AGES, min_age_days}),
            **LABELS,
        },
    )
