"""The catalogue admin pages' forms (``pages/offers.py``): the action form as typed and the
catalogue entry it makes, the lever and contact-policy entries a row's save replaces, the
engine settings' fields, numbers as people type them ("18,50"), and the form field an error
names. Parsing only: saving and its rules are ``offers/catalogue.py``'s."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, UploadFile

from valuecenter.errors import InvalidInput
from valuecenter.i18n import format_input, format_number, parse_decimal
from valuecenter.offers.models import EngineSettings
from valuecenter.web.pages.offers_rows import ActionRow, LeverRow, PolicyRow


def _number_text(text: str) -> str:
    """A number as typed in the page's locale → its plain form: nl '1.234,50' or '18,50' →
    '1234.50', '18.50'; en '1,234.50' → '1234.50' (valuecenter.i18n.parse_decimal). Text that
    is no number is returned stripped, so the catalogue names the field and the value."""
    text = text.strip()
    try:
        return str(parse_decimal(text))
    except ValueError:
        return text


def parse_float(text: str, field_name: str) -> float:
    try:
        return float(_number_text(text))
    except ValueError:
        raise InvalidInput(field_name, f"'{text.strip()}' is not a number") from None


def parse_whole(text: str, field_name: str) -> int:
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
            e["prior_accept"] = parse_float(self.prior_accept, "action.prior_accept")
        for key in ("conversion_days", "repeat_after_days"):
            text = str(getattr(self, key)).strip()
            if text:
                e[key] = parse_whole(text, f"action.{key}")
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
"""The action form as posted, as a route parameter."""


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


SETTINGS_FIELDS = (
    ("exploration_share", float),
    ("control_share", float),
    ("max_actions", int),
    ("detractor_max_nps", int),
    ("detractor_days", int),
    ("ending_within_days", int),
)


def settings_entry(typed: dict[str, str]) -> dict[str, Any]:
    """The engine settings' entry from the form as typed (every number required)."""
    entry: dict[str, Any] = {}
    for key, kind in SETTINGS_FIELDS:
        text = typed[key]
        if not text.strip():
            raise InvalidInput(f"settings.{key}", "is required")
        entry[key] = (
            parse_float(text, f"settings.{key}")
            if kind is float
            else parse_whole(text, f"settings.{key}")
        )
    entry["service_intents"] = [
        part.strip()
        for part in typed["service_intents"].replace(";", ",").split(",")
        if part.strip()
    ]
    return entry


def settings_form(settings: EngineSettings) -> dict[str, str]:
    return {
        "exploration_share": _share_text(settings.exploration_share),
        "control_share": _share_text(settings.control_share),
        "max_actions": str(settings.max_actions),
        "service_intents": ", ".join(settings.service_intents or ()),
        "detractor_max_nps": str(settings.detractor_max_nps),
        "detractor_days": str(settings.detractor_days),
        "ending_within_days": str(settings.ending_within_days),
    }


def upload_name(upload: UploadFile | None) -> str:
    name = Path((upload.filename if upload else None) or "catalogue.yaml").name
    return "".join(ch for ch in name if ch.isalnum() or ch in "._-")[:80] or "catalogue.yaml"
