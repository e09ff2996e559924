"""The save desk page (issue 7, C13): the open save cases, most valuable (or newest) first,
each with what the agent needs before he answers — the customer's value, risk and reasons,
the arm (a control case gets standard handling and no offer) and the suggested offer with its
expected net value and why — and a one-row form to record the outcome.

The form posts with htmx (CSRF token in the ``X-CSRF-Token`` header from ``<body hx-headers>``
and in the form for the no-JS post) and the row is swapped for the closed row, with the head
line (open cases and their value) updated out of band, like the alerts inbox. The service
(``retention/desk/listing.py`` and ``retention/desk/service.py``) decides who sees which case
and what may be recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.bounds import PageNumber, RowId, query_day
from valuecenter.customers import service as customers
from valuecenter.customers.worklist import NOTE_MAX
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import _, format_date, format_percent, lazy_gettext
from valuecenter.retention.desk import listing as desk_list
from valuecenter.retention.desk import service as desk
from valuecenter.retention.desk.export import case_header, case_rows
from valuecenter.retention.desk.listing import CaseRow, Order
from valuecenter.retention.desk.schemas import CaseOut
from valuecenter.retention.models import RetentionOffer, SaveArm, SaveCase, SaveStatus
from valuecenter.retention.offers import active_offers
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, SettingsDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

PAGE_SIZE = 25
MANAGING = frozenset({Role.MANAGER, Role.ADMIN})
DeskUser = Annotated[
    User,
    Depends(require_page_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]

STATUSES: dict[str, SaveStatus | None] = {
    "open": SaveStatus.OPEN,
    "closed": SaveStatus.CLOSED,
    "all": None,
}
STATUS_LABELS = {
    "open": lazy_gettext("Open"),
    "closed": lazy_gettext("Closed"),
    "all": lazy_gettext("All"),
}
ORDERS: dict[str, Order] = {"value": "value", "newest": "newest"}
ORDER_LABELS = {
    "value": lazy_gettext("Most valuable first"),
    "newest": lazy_gettext("Newest first"),
}
SOURCE_LABELS = {
    "ivr": lazy_gettext("IVR: chose “cancel”"),
    "contact-reason": lazy_gettext("Contact reason: cancel"),
    "request": lazy_gettext("Cancellation request"),
}
OUTCOME_LABELS = {"kept": lazy_gettext("Kept"), "cancelled": lazy_gettext("Cancelled")}
LABELS = {
    "statuses": STATUS_LABELS,
    "orders": ORDER_LABELS,
    "sources": SOURCE_LABELS,
    "outcomes": OUTCOME_LABELS,
}


@dataclass(frozen=True)
class OfferFigures:
    """One offer as the suggestion weighed it (the case's ``suggestion`` JSON)."""

    code: str
    name: str
    prior: float
    desk_cases: int
    measured: float | None
    uplift: float
    keep: float
    cost_cents: int
    net_cents: int


@dataclass(frozen=True)
class Suggestion:
    """The suggestion of a desk case in words: the chosen offer (or none) and why, and every
    offer it weighed, best expected net value first."""

    chosen: OfferFigures | None
    why: str
    offers: list[OfferFigures]
    control_cases: int
    control_keep_rate: float | None


@dataclass(frozen=True)
class DeskRow:
    case: CaseOut
    suggestion: Suggestion | None  # None for a control case
    offer_name: str | None  # the offer given


@dataclass(frozen=True)
class DeskPage:
    """A page of rows in the shape ``_pager.html`` reads."""

    items: list[DeskRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Summary:
    open_cases: int
    open_value_cents: int


def _number(value: object, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _figures(item: Mapping[str, object], names: Mapping[str, str]) -> OfferFigures:
    code = str(item.get("code") or "?")
    measured = item.get("measured_uplift")
    return OfferFigures(
        code=code,
        name=names.get(code, code),
        prior=_number(item.get("prior_uplift")),
        desk_cases=int(_number(item.get("desk_cases"))),
        measured=None if measured is None else _number(measured),
        uplift=_number(item.get("uplift")),
        keep=_number(item.get("keep")),
        cost_cents=round(_number(item.get("cost_cents"))),
        net_cents=round(_number(item.get("net_cents"))),
    )


def suggestion_of(stored: Mapping[str, object] | None, names: Mapping[str, str]) -> Suggestion:
    """The stored ``suggestion`` JSON (``suggestion.suggest``) as a :class:`Suggestion`; robust to a
    missing or partial JSON (a case written by another tool shows "no suggestion recorded")."""
    stored = stored or {}
    items = stored.get("offers")
    offers = [
        _figures(item, names) for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping) and item.get("applies", True)
    ]  # fmt: skip
    offers.sort(key=lambda o: o.net_cents, reverse=True)
    chosen_code = stored.get("chosen")
    chosen = next((o for o in offers if o.code == chosen_code), None) if chosen_code else None
    rate = stored.get("control_keep_rate")
    return Suggestion(
        chosen=chosen,
        why=str(stored.get("why") or "no suggestion was recorded for this case"),
        offers=offers,
        control_cases=int(_number(stored.get("control_cases"))),
        control_keep_rate=None if rate is None else _number(rate),
    )


def control_words(share: float) -> str:
    """The control share in force, plainly: "1 in 10 cancel callers gets standard handling, no
    offer, so the desk's effect can be measured"."""
    if share <= 0:
        return _(
            "No control group is drawn (save_control_share is 0): every cancel caller goes to "
            "the desk, so the desk's effect cannot be measured"
        )
    one_in = 1.0 / share
    if abs(one_in - round(one_in)) < 0.01 * one_in:
        return _(
            "1 in %(n)s cancel callers gets standard handling, no offer, so the desk's effect "
            "can be measured",
            n=round(one_in),
        )
    return _(
        "%(share)s of cancel callers get standard handling, no offer, so the desk's effect can "
        "be measured",
        share=format_percent(share),
    )


def _names(offers: list[RetentionOffer], session: Session, rows: list[CaseRow]) -> dict[str, str]:
    """Offer code → name, for the active offers and any offer the rows name."""
    names = {o.code: o.name for o in offers}
    codes = {c for r in rows for c in (r.suggested_offer, r.offer) if c and c not in names}
    if codes:
        found = session.execute(
            select(RetentionOffer.code, RetentionOffer.name).where(RetentionOffer.code.in_(codes))
        )
        names |= {str(code): str(name) for code, name in found}
    return names


def _desk_row(row: CaseRow, names: Mapping[str, str]) -> DeskRow:
    out = CaseOut.of(row)
    control = row.case.arm == SaveArm.CONTROL
    return DeskRow(
        case=out,
        suggestion=None if control else suggestion_of(row.case.suggestion, names),
        offer_name=names.get(row.offer, row.offer) if row.offer else None,
    )


def _summary(session: Session, user: User) -> Summary:
    count, value = desk_list.open_summary(session, user)
    return Summary(open_cases=count, open_value_cents=value)


def _choice(field: str, value: str | None, choices: Mapping[str, object], default: str) -> str:
    """A filter value from the query string: empty means the default; unknown is refused."""
    value = (value or "").strip()
    if not value:
        return default
    if value not in choices:
        raise InvalidInput(field, f"'{value}' is not one of {', '.join(choices)}")
    return value


def _closed_day(field: str, value: str | None) -> datetime | None:
    """A closing day of the query string as midnight UTC (``None`` when empty)."""
    day = query_day(field, value)
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _filters(
    status: str | None, since: str | None, until: str | None
) -> tuple[str, desk_list.Closed | None]:
    """The status and the closing period (cases closed on or after ``since``, before
    ``until``: the service P&L's drill-down to the cases of its save line). A period lists
    closed cases: without a status it means ``closed``; with ``open`` it is refused."""
    first, last = _closed_day("since", since), _closed_day("until", until)
    if first is None and last is None:
        return _choice("status", status, STATUSES, "open"), None
    if first is not None and last is not None and first >= last:
        raise InvalidInput("until", _("must be after the first day"))
    chosen = _choice("status", status, STATUSES, "closed")
    if chosen == "open":
        raise InvalidInput("status", _("open cases have no closing day: choose closed or all"))
    return chosen, desk_list.Closed(first, last)


def _head(session: Session, user: User, control_share: float) -> dict[str, object]:
    """What the head line shows (also sent out of band after an outcome)."""
    return {
        "pool": customers.pool_of(session, viewer=user),
        "summary": _summary(session, user),
        "managing": user.role in MANAGING,
        "control_words": control_words(control_share),
    }


def _closed_words(closed: desk_list.Closed | None) -> str | None:
    """The closing period in words: "closed from 1 Oct 2026, before 1 Nov 2026"."""
    if closed is None:
        return None
    if closed.since is not None and closed.until is not None:
        return _(
            "closed from %(since)s, before %(until)s",
            since=format_date(closed.since.date()),
            until=format_date(closed.until.date()),
        )
    if closed.since is not None:
        return _("closed from %(since)s on", since=format_date(closed.since.date()))
    assert closed.until is not None
    return _("closed before %(until)s", until=format_date(closed.until.date()))


@router.get("/retention/desk")
@lists_customers
def desk_page(
    request: Request,
    session: SessionDep,
    user: DeskUser,
    settings: SettingsDep,
    status: str | None = None,
    order: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    status_value, closed = _filters(status, since, until)
    order_value = _choice("order", order, ORDERS, "value")
    rows, total = desk_list.case_page(
        session,
        user,
        status=STATUSES[status_value],
        order=ORDERS[order_value],
        page=page,
        page_size=PAGE_SIZE,
        page_size_max=PAGE_SIZE,
        closed=closed,
    )
    offers = active_offers(session)
    names = _names(offers, session, rows)
    result = DeskPage([_desk_row(r, names) for r in rows], total, page, PAGE_SIZE)
    return templates.TemplateResponse(
        request,
        "retention/desk.html",
        {
            "user": user,
            "result": result,
            "offers": offers,
            "filters": {"status": status_value, "order": order_value},
            "closed": closed,
            "closed_words": _closed_words(closed),
            "note_max": NOTE_MAX,
            **_head(session, user, settings.save_control_share),
            **LABELS,
        },
    )


@router.get("/retention/desk/export.csv")
@lists_customers
def desk_export(
    request: Request,
    user: DeskUser,
    status: str | None = None,
    order: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """Every case of the desk with the page's filters and order, as CSV."""
    status_value, closed = _filters(status, since, until)
    status_filter = STATUSES[status_value]
    order_value = ORDERS[_choice("order", order, ORDERS, "value")]
    return csv_download(
        request,
        user,
        name="save-desk",
        header=case_header(),
        rows=lambda session, viewer: case_rows(
            session, viewer, status=status_filter, order=order_value, closed=closed
        ),
    )


def _record(
    session: Session, user: User, case_id: int, outcome: str, offer_code: str, note: str
) -> SaveCase:
    return desk.record_outcome(
        session,
        case_id,
        outcome=outcome.strip(),
        offer_code=offer_code,
        user=user,
        note=note,
        at=utcnow(),
    )


@router.post("/retention/desk/{case_id}/outcome")
def outcome_page(
    request: Request,
    session: SessionDep,
    user: DeskUser,
    settings: SettingsDep,
    case_id: RowId,
    outcome: Annotated[str, Form(max_length=40)] = "",
    offer_code: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Record a case's outcome. With htmx: the closed row — or, when it cannot be closed, the
    row as it is with the reason in it (a wrong field, an offer for a control case, closed
    meanwhile in another tab) — and the head line with the new count. Without JavaScript:
    back to the desk (errors as error pages)."""
    if request.headers.get("HX-Request") != "true":
        _record(session, user, case_id, outcome, offer_code, note)
        return RedirectResponse("/retention/desk", status_code=303)
    message: str | None = None
    try:
        saved = _record(session, user, case_id, outcome, offer_code, note)
    except (InvalidInput, Conflict) as exc:
        found = desk_list.visible_case(session, user, case_id)
        if found is None:  # a wrong field of a case he may not see: no such case
            raise NotFound(f"save case {case_id} does not exist") from exc
        saved, message = found, str(exc)
    row = desk_list.case_row(session, saved)
    offers = active_offers(session)
    return templates.TemplateResponse(
        request,
        "retention/_case_row.html",
        {
            "user": user,
            "r": _desk_row(row, _names(offers, session, [row])),
            "message": message,
            "offers": offers,
            "note_max": NOTE_MAX,
            **_head(session, user, settings.save_control_share),
            **LABELS,
        },
    )
