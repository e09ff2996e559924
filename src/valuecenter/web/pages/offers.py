"""The catalogue admin pages of the next-best-action engine (C8, C10, C21): managers and admins
keep the actions, the levers, the contact policy and the engine's settings here.

- ``/offers``: every action with its rule in words (``offers/rules.describe``) and an on/off
  switch; the levers with their weights and the contact-policy limits edited inline (htmx
  swaps the row; a refusal comes back in the row); the engine's settings; and the upload of a
  catalogue file (YAML, checked whole before anything is written: all or nothing).
- ``/offers/actions/new`` and ``/offers/actions/{code}``: the form of one action with its
  eligibility rule as YAML. Saving goes through ``offers.catalogue.save_action``, which
  validates everything first; a refusal shows the form again with what the user typed and the
  one-line reason next to the field (``eligible.all[0].segment: 'gld' is not a segment …``).

Every change raises the catalogue's version, so the agents' panels decide on it within
seconds. Agents and account managers get 403 on every route here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _, format_input, format_number, lazy_gettext, parse_decimal
from valuecenter.offers import catalogue
from valuecenter.offers.facts import CHANNELS
from valuecenter.offers.features import engine_settings
from valuecenter.offers.models import (
    Action,
    ActionKind,
    ContactPolicyRule,
    EngineSettings,
    Lever,
    PolicyKind,
)
from valuecenter.offers.rules import FIELDS, describe
from valuecenter.products.models import Category, Product
from valuecenter.retention.models import RetentionOffer
from valuecenter.users.models import Role, User
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.pages.nba import CHANNEL_NAMES
from valuecenter.web.templating import templates

router = APIRouter()

ManagingUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

KIND_ORDER = {k: i for i, k in enumerate(("offer", "retention", "service", "loyalty"))}
KIND_LABELS = {
    "offer": lazy_gettext("Offer"),
    "retention": lazy_gettext("Retention"),
    "service": lazy_gettext("Service"),
    "loyalty": lazy_gettext("Loyalty"),
}
KIND_HELP = {
    "offer": lazy_gettext("a cross- or up-sell (marketing consent needed)"),
    "retention": lazy_gettext("a save offer for a customer who wants to leave"),
    "service": lazy_gettext("solve, call back, send a how-to (service comes first)"),
    "loyalty": lazy_gettext("recognise and reward: an anniversary, a gift"),
}
POLICY_KIND_LABELS = {
    "frequency": lazy_gettext("Frequency limit"),
    "rejection-pause": lazy_gettext("Pause after rejections"),
}
MAX_UPLOAD_BYTES = 2_000_000
MAX_SUGGESTIONS = 2_000
RESERVED_CODES = frozenset({"new"})
RULE_EXAMPLE = """all:
  - segment: [gold, silver]
  - not: {holds: {product: P01006}}
  - open_complaint: false"""


# --------------------------------------------------------------------------- list rows


@dataclass(frozen=True)
class ActionRow:
    """One action as the list shows it."""

    action: Action
    product: str | None
    product_name: str | None
    category: str | None
    retention_offer: str | None
    rule_words: str
    rule_broken: bool

    @property
    def validity(self) -> str:
        a = self.action
        if a.valid_from is None and a.valid_until is None:
            return "always"
        start = a.valid_from.isoformat() if a.valid_from else "…"
        end = a.valid_until.isoformat() if a.valid_until else "…"
        return f"{start} – {end}"


@dataclass(frozen=True)
class LeverRow:
    lever: Lever
    action: str | None  # the action code it narrows to

    @property
    def conditions(self) -> list[str]:
        lv = self.lever
        out = []
        if self.action:
            out.append(f"action {self.action}")
        if lv.kinds:
            out.append("kinds " + ", ".join(lv.kinds))
        if lv.intents:
            out.append("intent " + ", ".join(lv.intents))
        if lv.channels:
            out.append("on " + ", ".join(lv.channels))
        if lv.weekdays:
            out.append(", ".join(lv.weekdays))
        if lv.hour_from is not None and lv.hour_to is not None:
            out.append(f"{lv.hour_from:02d}:00–{lv.hour_to:02d}:00")
        if lv.min_wait_seconds is not None:
            out.append(f"waited ≥ {lv.min_wait_seconds // 60} min")
        return out or ["every action, every contact"]


@dataclass(frozen=True)
class PolicyRow:
    rule: ContactPolicyRule
    action: str | None

    @property
    def scope(self) -> str:
        r = self.rule
        parts = [r.purpose]
        if r.channel != "any":
            parts.append(f"on {r.channel}")
        if r.direction != "any":
            parts.append(r.direction)
        if self.action:
            parts.append(f"action {self.action}")
        return ", ".join(parts)


def _rule_words(rule: Mapping[str, Any] | None) -> tuple[str, bool]:
    try:
        return describe(rule), False
    except InvalidInput as exc:  # a hand-edited database: the engine never shows it
        return f"broken rule, never shown: {exc}", True


def action_rows(session: Session) -> list[ActionRow]:
    rows = session.execute(
        select(Action, Product.external_id, Product.name, Category.code, RetentionOffer.code)
        .outerjoin(Product, Product.id == Action.product_id)
        .outerjoin(Category, Category.id == Action.category_id)
        .outerjoin(RetentionOffer, RetentionOffer.id == Action.retention_offer_id)
    ).all()
    out = []
    for action, product, product_name, category, offer in rows:
        words, broken = _rule_words(action.rule)
        out.append(ActionRow(action, product, product_name, category, offer, words, broken))
    out.sort(key=lambda r: (KIND_ORDER.get(r.action.kind.value, 9), r.action.code))
    return out


def _action_codes(session: Session) -> dict[int, str]:
    return {int(i): str(c) for i, c in session.execute(select(Action.id, Action.code)).all()}


def lever_rows(session: Session) -> list[LeverRow]:
    codes = _action_codes(session)
    levers = session.scalars(select(Lever).order_by(Lever.code))
    return [LeverRow(lv, codes.get(lv.action_id) if lv.action_id else None) for lv in levers]


def policy_rows(session: Session) -> list[PolicyRow]:
    codes = _action_codes(session)
    rules = session.scalars(select(ContactPolicyRule).order_by(ContactPolicyRule.code))
    return [PolicyRow(r, codes.get(r.action_id) if r.action_id else None) for r in rules]


def _lever_row(session: Session, code: str) -> LeverRow:
    lever = session.scalar(select(Lever).where(Lever.code == code))
    if lever is None:
        raise NotFound(f"no lever '{code}'")
    action = session.get(Action, lever.action_id) if lever.action_id else None
    return LeverRow(lever, action.code if action else None)


def _policy_row(session: Session, code: str) -> PolicyRow:
    rule = session.scalar(select(ContactPolicyRule).where(ContactPolicyRule.code == code))
    if rule is None:
        raise NotFound(f"no contact-policy rule '{code}'")
    action = session.get(Action, rule.action_id) if rule.action_id else None
    return PolicyRow(rule, action.code if action else None)


def _action_row(session: Session, code: str) -> ActionRow:
    found = next((r for r in action_rows(session) if r.action.code == code), None)
    if found is None:
        raise NotFound(f"no action '{code}'")
    return found


# ----------------------------------------------------------------------- form values


def _number_text(text: str) -> str:
    """A number as typed in the page's locale → its plain form: nl '1.234,50' or '18,50' →
    '1234.50', '18.50'; en '1,234.50' → '1234.50' (valuecenter.i18n.parse_decimal). Text that
    is no number is returned stripped, so the catalogue names the field and the value."""
    text = text.strip()
    try:
        return str(parse_decimal(text))
    except ValueError:
        return text


def _float(text: str, field_name: str) -> float:
    try:
        return float(_number_text(text))
    except ValueError:
        raise InvalidInput(field_name, f"'{text.strip()}' is not a number") from None


def _whole(text: str, field_name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(field_name, f"'{text.strip()}' is not a whole number") from None


def _euro_text(cents: int) -> str:
    """Cents as a form field shows them in the locale: nl '18,50', en '18.50'."""
    return format_number(Decimal(int(cents)) / 100, decimals=2, grouping=False)


def _share_text(value: float) -> str:
    """A share as a form field shows it in the locale: nl '0,05', en '0.05'."""
    return format_input(value)


@dataclass(frozen=True)
class ActionForm:
    """The action form's fields as the user typed them (strings), to show again on a refusal."""

    code: str = ""
    name: str = ""
    kind: str = "offer"
    description: str = ""
    product: str = ""
    category: str = ""
    retention_offer: str = ""
    value: str = "0.00"
    cost: str = "0.00"
    contact_cost: str = "0.00"
    channels: tuple[str, ...] = ()
    valid_from: str = ""
    valid_until: str = ""
    prior_accept: str = "0.05"
    conversion_days: str = "30"
    repeat_after_days: str = "365"
    active: bool = True
    rule: str = ""

    @classmethod
    def blank(cls) -> ActionForm:
        """A new action's form, its amounts and share written in the page's locale."""
        return cls(
            value=_euro_text(0),
            cost=_euro_text(0),
            contact_cost=_euro_text(0),
            prior_accept=_share_text(0.05),
        )

    @classmethod
    def of(cls, row: ActionRow) -> ActionForm:
        a = row.action
        return cls(
            code=a.code,
            name=a.name,
            kind=a.kind.value,
            description=a.description or "",
            product=row.product or "",
            category=row.category or "",
            retention_offer=row.retention_offer or "",
            value=_euro_text(a.value_cents),
            cost=_euro_text(a.cost_cents),
            contact_cost=_euro_text(a.contact_cost_cents),
            channels=tuple(a.channels or ()),
            valid_from=a.valid_from.isoformat() if a.valid_from else "",
            valid_until=a.valid_until.isoformat() if a.valid_until else "",
            prior_accept=_share_text(a.prior_accept),
            conversion_days=str(a.conversion_days),
            repeat_after_days=str(a.repeat_after_days),
            active=a.active,
            rule=a.rule_source or "",
        )

    def entry(self) -> dict[str, Any]:
        """The catalogue entry ``save_action`` validates; numbers the form cannot read are
        refused here with the same field names."""
        e: dict[str, Any] = {"code": self.code, "name": self.name, "kind": self.kind}
        for key in ("description", "product", "category", "retention_offer"):
            text = str(getattr(self, key)).strip()
            if text:
                e[key] = text
        for key in ("value", "cost", "contact_cost"):
            text = _number_text(str(getattr(self, key)))
            if text:
                e[key] = text
        if self.channels:
            e["channels"] = list(self.channels)
        for key in ("valid_from", "valid_until"):
            text = str(getattr(self, key)).strip()
            if text:
                e[key] = text
        if self.prior_accept.strip():
            e["prior_accept"] = _float(self.prior_accept, "action.prior_accept")
        for key in ("conversion_days", "repeat_after_days"):
            text = str(getattr(self, key)).strip()
            if text:
                e[key] = _whole(text, f"action.{key}")
        e["active"] = self.active
        return e


FORM_FIELDS = frozenset(f.name for f in fields(ActionForm)) | {"eligible"}


def field_of(exc: InvalidInput, prefix: str) -> tuple[str, str]:
    """(the form field an error names, its one-line message without the entry's prefix):
    ``action.eligible.all[0].segment: …`` → ("rule", "eligible.all[0].segment: …")."""
    name = exc.field
    if name.startswith(prefix + "."):
        name = name[len(prefix) + 1 :]
    key = name.split(".", 1)[0].split("[", 1)[0]
    message = f"{name}: {exc.detail}" if name else exc.detail
    if key == "eligible":
        key = "rule"
    return key, message


# ---------------------------------------------------------------------- page contexts


def _vocab_lists(session: Session) -> dict[str, object]:
    products = session.execute(
        select(Product.external_id, Product.name)
        .order_by(Product.external_id)
        .limit(MAX_SUGGESTIONS)
    ).all()
    categories = session.execute(
        select(Category.code, Category.name).order_by(Category.code).limit(MAX_SUGGESTIONS)
    ).all()
    offers = session.execute(
        select(RetentionOffer.code, RetentionOffer.name).order_by(RetentionOffer.code)
    ).all()
    return {
        "products": [(str(c), n) for c, n in products],
        "categories": [(str(c), n) for c, n in categories],
        "retention_offers": [(str(c), str(n)) for c, n in offers],
    }


def _settings_form(settings: EngineSettings) -> dict[str, str]:
    return {
        "exploration_share": _share_text(settings.exploration_share),
        "control_share": _share_text(settings.control_share),
        "max_actions": str(settings.max_actions),
        "service_intents": ", ".join(settings.service_intents or ()),
        "detractor_max_nps": str(settings.detractor_max_nps),
        "detractor_days": str(settings.detractor_days),
        "ending_within_days": str(settings.ending_within_days),
    }


@dataclass(frozen=True)
class Problem:
    """A refusal to show next to its field (``where``: settings or import)."""

    where: str
    field: str
    message: str


@dataclass
class ListState:
    settings_form: dict[str, str] | None = None
    problem: Problem | None = None
    import_name: str = ""
    notice: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _list_page(
    request: Request, session: Session, user: User, state: ListState, status_code: int = 200
) -> Response:
    settings = engine_settings(session)
    actions = action_rows(session)
    context: dict[str, object] = {
        "user": user,
        "actions": actions,
        "active_count": sum(1 for r in actions if r.action.active),
        "levers": lever_rows(session),
        "policies": policy_rows(session),
        "settings": settings,
        "settings_form": state.settings_form or _settings_form(settings),
        "problem": state.problem,
        "import_name": state.import_name,
        "notice": state.notice,
        "kind_labels": KIND_LABELS,
        "policy_kind_labels": POLICY_KIND_LABELS,
        "channel_names": CHANNEL_NAMES,
        **state.extra,
    }
    return templates.TemplateResponse(request, "offers/list.html", context, status_code=status_code)


def _notice(params: Mapping[str, str]) -> str | None:
    kind = params.get("notice")
    if kind == "saved":
        return _(
            "Saved action “%(code)s”. Agents see it on their next decision.",
            code=params.get("code", ""),
        )
    if kind == "settings":
        return _("Saved the engine's settings.")
    if kind == "imported":
        return _(
            "Imported the catalogue file: %(created)s created, %(updated)s updated, "
            "%(deactivated)s deactivated; catalogue version %(version)s.",
            created=params.get("created", "0"),
            updated=params.get("updated", "0"),
            deactivated=params.get("deactivated", "0"),
            version=params.get("version", "?"),
        ) + (
            " "
            + _(
                "Feature rows track the products the catalogue names: run "
                "`valuecenter offers features` so rules and models see who holds them."
            )
            if params.get("refresh") == "1"
            else ""
        )
    return None


def _to_list(notice: str, **params: object) -> RedirectResponse:
    query = urlencode({"notice": notice, **{k: str(v) for k, v in params.items()}})
    return RedirectResponse(f"/offers?{query}", status_code=303)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


# ------------------------------------------------------------------------------- routes


@router.get("/offers")
def offers_page(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _list_page(request, session, user, ListState(notice=_notice(request.query_params)))


def _form_page(
    request: Request,
    session: Session,
    user: User,
    form: ActionForm,
    *,
    creating: bool,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "offers/action_form.html",
        {
            "user": user,
            "form": form,
            "creating": creating,
            "errors": errors or {},
            "message": message,
            "kinds": [k.value for k in ActionKind],
            "kind_labels": KIND_LABELS,
            "kind_help": KIND_HELP,
            "all_channels": CHANNELS,
            "channel_names": CHANNEL_NAMES,
            "rule_example": RULE_EXAMPLE,
            "rule_fields": FIELDS,
            "vocab": catalogue.vocabulary(session),
            **_vocab_lists(session),
        },
        status_code=status_code,
    )


@router.get("/offers/actions/new")
def new_action_page(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _form_page(request, session, user, ActionForm.blank(), creating=True)


@router.get("/offers/actions/{code}")
def edit_action_page(
    request: Request, session: SessionDep, user: ManagingUser, code: str
) -> Response:
    return _form_page(
        request, session, user, ActionForm.of(_action_row(session, code)), creating=False
    )


Text = Annotated[str, Form(max_length=10_000)]
Short = Annotated[str, Form(max_length=300)]


def posted_action(
    form_code: Annotated[str, Form(max_length=300, alias="code")] = "",
    name: Short = "",
    kind: Short = "",
    description: Text = "",
    product: Short = "",
    category: Short = "",
    retention_offer: Short = "",
    value: Short = "",
    cost: Short = "",
    contact_cost: Short = "",
    channels: Annotated[list[str] | None, Form()] = None,
    valid_from: Short = "",
    valid_until: Short = "",
    prior_accept: Short = "",
    conversion_days: Short = "",
    repeat_after_days: Short = "",
    active: Short = "",
    rule: Annotated[str, Form(max_length=50_000)] = "",
) -> ActionForm:
    """The action form as posted (every field as typed, to show again on a refusal)."""
    return ActionForm(
        code=form_code.strip(),
        name=name,
        kind=kind,
        description=description,
        product=product,
        category=category,
        retention_offer=retention_offer,
        value=value,
        cost=cost,
        contact_cost=contact_cost,
        channels=tuple(c for c in channels or () if c),
        valid_from=valid_from,
        valid_until=valid_until,
        prior_accept=prior_accept,
        conversion_days=conversion_days,
        repeat_after_days=repeat_after_days,
        active=active in ("on", "true", "1"),
        rule=rule,
    )


PostedAction = Annotated[ActionForm, Depends(posted_action)]


def _save(
    request: Request, session: Session, user: User, form: ActionForm, *, creating: bool
) -> Response:
    try:
        if creating:
            if form.code in RESERVED_CODES:
                raise InvalidInput("action.code", f"'{form.code}' is reserved; choose another")
            exists = session.scalar(select(func.count()).where(Action.code == form.code))
            if exists:
                raise InvalidInput(
                    "action.code",
                    f"an action '{form.code}' exists already; edit it on /offers/actions/"
                    f"{quote(form.code)}",
                )
        saved = catalogue.save_action(session, form.entry(), rule_text=form.rule)
    except InvalidInput as exc:
        key, message = field_of(exc, "action")
        errors = {key if key in FORM_FIELDS else "": message}
        return _form_page(
            request,
            session,
            user,
            form,
            creating=creating,
            errors=errors,
            message=message,
            status_code=422,
        )
    return _to_list("saved", code=saved.code)


@router.post("/offers/actions/new")
def create_action(
    request: Request, session: SessionDep, user: ManagingUser, form: PostedAction
) -> Response:
    return _save(request, session, user, form, creating=True)


@router.post("/offers/actions/{code}")
def update_action(
    request: Request, session: SessionDep, user: ManagingUser, code: str, form: PostedAction
) -> Response:
    """Save an existing action (its code stays: a new code is a new action)."""
    catalogue.action_by_code(session, code)  # 404 for an unknown code
    return _save(request, session, user, replace(form, code=code), creating=False)


@router.post("/offers/actions/{code}/active")
def toggle_action(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    code: str,
    active: Short = "",
) -> Response:
    """Switch an action on or off; with htmx the row comes back, else the list."""
    value = active.strip().lower()
    if value not in ("on", "off"):
        raise InvalidInput("active", f"'{active}' is not on or off")
    catalogue.set_active(session, code, value == "on")
    if not _is_htmx(request):
        return RedirectResponse("/offers#actions", status_code=303)
    return templates.TemplateResponse(
        request,
        "offers/_rows.html",
        {
            "user": user,
            "one_action": _action_row(session, code),
            "kind_labels": KIND_LABELS,
            "channel_names": CHANNEL_NAMES,
        },
    )


def lever_entry(row: LeverRow) -> dict[str, Any]:
    """The whole lever as ``save_lever`` reads it (a save replaces every field)."""
    lv = row.lever
    entry: dict[str, Any] = {
        "code": lv.code,
        "name": lv.name,
        "weight": float(lv.weight),
        "kinds": list(lv.kinds or ()),
        "intents": list(lv.intents or ()),
        "channels": list(lv.channels or ()),
        "weekdays": list(lv.weekdays or ()),
        "active": bool(lv.active),
    }
    if row.action:
        entry["action"] = row.action
    if lv.hour_from is not None and lv.hour_to is not None:
        entry["hours"] = [lv.hour_from, lv.hour_to]
    if lv.min_wait_seconds is not None:
        entry["min_wait_seconds"] = lv.min_wait_seconds
    if lv.note:
        entry["note"] = lv.note
    return entry


def policy_entry(row: PolicyRow) -> dict[str, Any]:
    """The whole contact-policy rule as ``save_policy`` reads it."""
    r = row.rule
    entry: dict[str, Any] = {
        "code": r.code,
        "name": r.name,
        "kind": r.kind.value,
        "purpose": r.purpose,
        "channel": r.channel,
        "direction": r.direction,
        "max": r.max_count,
        "days": r.window_days,
        "active": bool(r.active),
    }
    if r.pause_days is not None:
        entry["pause_days"] = r.pause_days
    if row.action:
        entry["action"] = row.action
    if r.note:
        entry["note"] = r.note
    return entry


@router.post("/offers/levers/{code}")
def update_lever(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    code: str,
    weight: Short = "",
    active: Short = "",
) -> Response:
    """A lever's weight and switch; with htmx the row comes back (a refusal in it)."""
    row = _lever_row(session, code)
    message = None
    try:
        entry = {
            **lever_entry(row),
            "weight": _float(weight, "lever.weight"),
            "active": active in ("on", "true", "1"),
        }
        catalogue.save_lever(session, entry)
    except InvalidInput as exc:
        if not _is_htmx(request):
            raise
        message = field_of(exc, "lever")[1]
    if not _is_htmx(request):
        return RedirectResponse("/offers#levers", status_code=303)
    return templates.TemplateResponse(
        request,
        "offers/_rows.html",
        {
            "user": user,
            "one_lever": _lever_row(session, code),
            "message": message,
            "typed": weight if message else None,
        },
    )


@router.post("/offers/policy/{code}")
def update_policy(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    code: str,
    max_count: Short = "",
    days: Short = "",
    pause_days: Short = "",
    active: Short = "",
) -> Response:
    """A contact-policy rule's limits and switch; with htmx the row comes back."""
    row = _policy_row(session, code)
    message = None
    try:
        entry = {
            **policy_entry(row),
            "max": _whole(max_count, "policy.max"),
            "days": _whole(days, "policy.days"),
            "active": active in ("on", "true", "1"),
        }
        if row.rule.kind == PolicyKind.REJECTION_PAUSE:
            entry["pause_days"] = _whole(pause_days, "policy.pause_days")
        catalogue.save_policy(session, entry)
    except InvalidInput as exc:
        if not _is_htmx(request):
            raise
        message = field_of(exc, "policy")[1]
    if not _is_htmx(request):
        return RedirectResponse("/offers#policy", status_code=303)
    return templates.TemplateResponse(
        request,
        "offers/_rows.html",
        {
            "user": user,
            "one_policy": _policy_row(session, code),
            "message": message,
            "policy_kind_labels": POLICY_KIND_LABELS,
        },
    )


SETTINGS_FIELDS = (
    ("exploration_share", float),
    ("control_share", float),
    ("max_actions", int),
    ("detractor_max_nps", int),
    ("detractor_days", int),
    ("ending_within_days", int),
)


@router.post("/offers/settings")
def update_settings(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    exploration_share: Short = "",
    control_share: Short = "",
    max_actions: Short = "",
    service_intents: Text = "",
    detractor_max_nps: Short = "",
    detractor_days: Short = "",
    ending_within_days: Short = "",
) -> Response:
    typed = {
        "exploration_share": exploration_share,
        "control_share": control_share,
        "max_actions": max_actions,
        "service_intents": service_intents,
        "detractor_max_nps": detractor_max_nps,
        "detractor_days": detractor_days,
        "ending_within_days": ending_within_days,
    }
    try:
        entry: dict[str, Any] = {}
        for key, kind in SETTINGS_FIELDS:
            text = typed[key]
            if not text.strip():
                raise InvalidInput(f"settings.{key}", "is required")
            entry[key] = (
                _float(text, f"settings.{key}")
                if kind is float
                else _whole(text, f"settings.{key}")
            )
        entry["service_intents"] = [
            part.strip() for part in service_intents.replace(";", ",").split(",") if part.strip()
        ]
        catalogue.save_settings(session, entry)
    except InvalidInput as exc:
        key, message = field_of(exc, "settings")
        state = ListState(settings_form=typed, problem=Problem("settings", key, message))
        return _list_page(request, session, user, state, status_code=422)
    return _to_list("settings")


def _upload_name(upload: UploadFile | None) -> str:
    name = Path((upload.filename if upload else None) or "catalogue.yaml").name
    return "".join(ch for ch in name if ch.isalnum() or ch in "._-")[:80] or "catalogue.yaml"


@router.post("/offers/import")
def import_file(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    file: Annotated[UploadFile | None, File()] = None,
    prune: Short = "",
) -> Response:
    """Import a catalogue file (YAML): checked whole, then written; refused whole with the
    line naming the problem."""
    name = _upload_name(file)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file", "choose a catalogue file (YAML) to import")
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput("file", f"{name} is larger than {MAX_UPLOAD_BYTES:,} bytes")
        with tempfile.TemporaryDirectory(prefix="vc-catalogue-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                document = catalogue.read_catalogue_file(path)
            except InvalidInput as exc:  # the message names the temporary path: name the file
                raise InvalidInput(exc.field, exc.detail.replace(str(path), name)) from None
        summary = catalogue.import_catalogue(session, document, prune=prune in ("on", "1"))
    except InvalidInput as exc:
        state = ListState(problem=Problem("import", "file", str(exc)), import_name=name)
        return _list_page(request, session, user, state, status_code=422)
    return _to_list(
        "imported",
        created=sum(summary.created.values()),
        updated=sum(summary.updated.values()),
        deactivated=summary.deactivated,
        version=summary.version,
        refresh=1 if summary.notes else 0,
    )
