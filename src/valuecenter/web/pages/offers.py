"""The catalogue admin pages of the next-best-action engine (C8, C10, C21): managers and admins
keep the actions, the levers, the contact policy and the engine's settings here.

- ``/offers``: every action with its rule in words (``decisions/rules.describe``) and an on/off
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from valuecenter.decisions.facts import CHANNELS
from valuecenter.decisions.rules import FIELDS
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, lazy_gettext
from valuecenter.offers import catalogue, repository
from valuecenter.offers.models import ActionKind, PolicyKind
from valuecenter.users.models import Role, User
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.pages import offers_forms as forms
from valuecenter.web.pages import offers_rows as rows
from valuecenter.web.pages.nba import CHANNEL_NAMES
from valuecenter.web.pages.offers_forms import Short, Text
from valuecenter.web.templating import templates

router = APIRouter()

ManagingUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

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
RESERVED_CODES = frozenset({"new"})
RULE_EXAMPLE = """all:
  - segment: [gold, silver]
  - not: {holds: {product: P01006}}
  - open_complaint: false"""


# ---------------------------------------------------------------------- page contexts


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
    settings = repository.engine_settings(session)
    actions = rows.action_rows(session)
    context: dict[str, object] = {
        "user": user,
        "actions": actions,
        "active_count": sum(1 for r in actions if r.action.active),
        "levers": rows.lever_rows(session),
        "policies": rows.policy_rows(session),
        "settings": settings,
        "settings_form": state.settings_form or forms.settings_form(settings),
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
    form: forms.ActionForm,
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
            **rows.vocab_lists(session),
        },
        status_code=status_code,
    )


@router.get("/offers/actions/new")
def new_action_page(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _form_page(request, session, user, forms.ActionForm.blank(), creating=True)


@router.get("/offers/actions/{code}")
def edit_action_page(
    request: Request, session: SessionDep, user: ManagingUser, code: str
) -> Response:
    return _form_page(
        request, session, user, forms.ActionForm.of(rows.action_row(session, code)), creating=False
    )


def _save(
    request: Request, session: Session, user: User, form: forms.ActionForm, *, creating: bool
) -> Response:
    try:
        if creating:
            if form.code in RESERVED_CODES:
                raise InvalidInput("action.code", f"'{form.code}' is reserved; choose another")
            if repository.action_exists(session, form.code):
                raise InvalidInput(
                    "action.code",
                    f"an action '{form.code}' exists already; edit it on /offers/actions/"
                    f"{quote(form.code)}",
                )
        saved = catalogue.save_action(session, form.entry(), rule_text=form.rule)
    except InvalidInput as exc:
        key, message = forms.field_of(exc, "action")
        errors = {key if key in forms.FORM_FIELDS else "": message}
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
    request: Request, session: SessionDep, user: ManagingUser, form: forms.PostedAction
) -> Response:
    return _save(request, session, user, form, creating=True)


@router.post("/offers/actions/{code}")
def update_action(
    request: Request, session: SessionDep, user: ManagingUser, code: str, form: forms.PostedAction
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
            "one_action": rows.action_row(session, code),
            "kind_labels": KIND_LABELS,
            "channel_names": CHANNEL_NAMES,
        },
    )


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
    row = rows.lever_row(session, code)
    message = None
    try:
        entry = {
            **forms.lever_entry(row),
            "weight": forms.parse_float(weight, "lever.weight"),
            "active": active in ("on", "true", "1"),
        }
        catalogue.save_lever(session, entry)
    except InvalidInput as exc:
        if not _is_htmx(request):
            raise
        message = forms.field_of(exc, "lever")[1]
    if not _is_htmx(request):
        return RedirectResponse("/offers#levers", status_code=303)
    return templates.TemplateResponse(
        request,
        "offers/_rows.html",
        {
            "user": user,
            "one_lever": rows.lever_row(session, code),
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
    row = rows.policy_row(session, code)
    message = None
    try:
        entry = {
            **forms.policy_entry(row),
            "max": forms.parse_whole(max_count, "policy.max"),
            "days": forms.parse_whole(days, "policy.days"),
            "active": active in ("on", "true", "1"),
        }
        if row.rule.kind == PolicyKind.REJECTION_PAUSE:
            entry["pause_days"] = forms.parse_whole(pause_days, "policy.pause_days")
        catalogue.save_policy(session, entry)
    except InvalidInput as exc:
        if not _is_htmx(request):
            raise
        message = forms.field_of(exc, "policy")[1]
    if not _is_htmx(request):
        return RedirectResponse("/offers#policy", status_code=303)
    return templates.TemplateResponse(
        request,
        "offers/_rows.html",
        {
            "user": user,
            "one_policy": rows.policy_row(session, code),
            "message": message,
            "policy_kind_labels": POLICY_KIND_LABELS,
        },
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
        entry = forms.settings_entry(typed)
        catalogue.save_settings(session, entry)
    except InvalidInput as exc:
        key, message = forms.field_of(exc, "settings")
        state = ListState(settings_form=typed, problem=Problem("settings", key, message))
        return _list_page(request, session, user, state, status_code=422)
    return _to_list("settings")


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
    name = forms.upload_name(file)
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
