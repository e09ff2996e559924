"""The action catalogue, the levers, the contact policy and the engine's settings: validated
on save, from the admin page, the CLI or a YAML file (``docs/offers.md`` has the format).

Every save checks the whole entry first — its fields, its channels, its product and category,
and its eligibility rule against what exists (``decisions/rules.py``) — and refuses it with one
line naming the field (``actions[3].eligible.all[1].segment: 'gld' is not a segment …``);
nothing is written then. A file is checked completely before any of it is written, so an
import is all or nothing. Every change raises the catalogue's version, which tells each
process's compiled engine to reload.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.decisions.facts import CHANNELS, WEEKDAYS
from valuecenter.decisions.rules import CONSENT_CHANNELS, PURPOSES, Vocabulary, parse
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.offers import repository
from valuecenter.offers.models import (
    Action,
    ActionKind,
    ContactPolicyRule,
    EngineSettings,
    Lever,
    PolicyKind,
)
from valuecenter.retention.offers import OfferSpec, check_offer, upsert_offer

MAX_EURO = Decimal("10000000")
ACTION_KEYS = frozenset(
    {
        "code",
        "name",
        "kind",
        "description",
        "product",
        "category",
        "retention_offer",
        "value",
        "cost",
        "contact_cost",
        "channels",
        "valid_from",
        "valid_until",
        "prior_accept",
        "conversion_days",
        "repeat_after_days",
        "eligible",
        "active",
    }
)
LEVER_KEYS = frozenset(
    {
        "code",
        "name",
        "weight",
        "action",
        "kinds",
        "intents",
        "channels",
        "weekdays",
        "hours",
        "min_wait_seconds",
        "active",
        "note",
    }
)
POLICY_KEYS = frozenset(
    {
        "code",
        "name",
        "kind",
        "purpose",
        "channel",
        "direction",
        "action",
        "max",
        "days",
        "pause_days",
        "active",
        "note",
    }
)
SETTINGS_KEYS = frozenset(
    {
        "exploration_share",
        "control_share",
        "max_actions",
        "service_intents",
        "detractor_max_nps",
        "detractor_days",
        "ending_within_days",
    }
)
FILE_KEYS = frozenset({"settings", "retention_offers", "actions", "levers", "contact_policy"})
OFFER_KEYS = frozenset(
    {
        "code",
        "name",
        "kind",
        "discount_share",
        "free_months",
        "fixed_cost",
        "campaign_action",
        "prior_uplift",
        "active",
        "description",
    }
)


@dataclass
class ImportSummary:
    created: dict[str, int] = field(
        default_factory=lambda: {"actions": 0, "levers": 0, "policy": 0}
    )
    updated: dict[str, int] = field(
        default_factory=lambda: {"actions": 0, "levers": 0, "policy": 0}
    )
    deactivated: int = 0
    retention_offers: int = 0  # written (created or updated) from the file
    settings: bool = False
    version: int = 0
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "retention_offers": self.retention_offers,
            "settings_changed": self.settings,
            "version": self.version,
            "notes": self.notes,
        }


# ------------------------------------------------------------------------- field readers


def _keys(entry: object, allowed: frozenset[str], path: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise InvalidInput(path, _("expects a mapping of fields"))
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise InvalidInput(
            f"{path}.{unknown[0]}",
            _("unknown field; use %(fields)s", fields=", ".join(sorted(allowed))),
        )
    return entry


def _text(
    entry: Mapping[str, Any], key: str, path: str, *, required: bool = False, max_len: int = 200
) -> str | None:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{path}.{key}", _("is required"))
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidInput(f"{path}.{key}", _("expects text, got %(value)s", value=repr(value)))
    text = str(value).strip()
    if len(text) > max_len:
        raise InvalidInput(f"{path}.{key}", _("is longer than %(n)s characters", n=max_len))
    return text


def _code(entry: Mapping[str, Any], path: str) -> str:
    code = _text(entry, "code", path, required=True, max_len=64)
    assert code is not None
    if any(ch.isspace() for ch in code):
        raise InvalidInput(f"{path}.code", _("must not contain spaces"))
    return code


def _euro_cents(entry: Mapping[str, Any], key: str, path: str) -> int:
    value = entry.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidInput(
            f"{path}.{key}", _("expects an amount in euro, got %(value)s", value=repr(value))
        )
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(
            f"{path}.{key}", _("'%(value)s' is not an amount in euro", value=value)
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_EURO:
        raise InvalidInput(
            f"{path}.{key}",
            _("%(value)s is not an amount between 0 and %(max)s", value=value, max=MAX_EURO),
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{path}.{key}", _("%(value)s has more than two decimals", value=value))
    return int(amount * 100)


def _int(
    entry: Mapping[str, Any], key: str, path: str, default: int | None, lo: int, hi: int
) -> int | None:
    value = entry.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{path}.{key}", _("expects a whole number, got %(value)s", value=repr(value))
        )
    if not lo <= value <= hi:
        raise InvalidInput(
            f"{path}.{key}", _("%(value)s is outside %(lo)s–%(hi)s", value=value, lo=lo, hi=hi)
        )
    return value


def _share(
    entry: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    hi_open: bool = False,
) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{path}.{key}", _("expects a number, got %(value)s", value=repr(value)))
    if value < lo or value > hi or (hi_open and value >= hi):
        bound = f"[{lo:g}, {hi:g})" if hi_open else f"[{lo:g}, {hi:g}]"
        raise InvalidInput(
            f"{path}.{key}", _("%(value)s is not in %(bound)s", value=value, bound=bound)
        )
    return float(value)


def _list(
    entry: Mapping[str, Any], key: str, path: str, allowed: Sequence[str] | None = None
) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            raise InvalidInput(
                f"{path}.{key}", _("expects a list of codes, got %(value)s", value=repr(item))
            )
        text = str(item).strip()
        if allowed is not None and text not in allowed:
            raise InvalidInput(
                f"{path}.{key}",
                _("'%(value)s' is not one of %(choices)s", value=text, choices=", ".join(allowed)),
            )
        out.append(text)
    return sorted(set(out))


def _date(entry: Mapping[str, Any], key: str, path: str) -> date | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{path}.{key}", _("'%(value)s' is not a date (YYYY-MM-DD)", value=value)
        ) from None


def _bool(entry: Mapping[str, Any], key: str, path: str, default: bool = True) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(
            f"{path}.{key}", _("expects true or false, got %(value)s", value=repr(value))
        )
    return value


# --------------------------------------------------------------------------- vocabulary


def vocabulary(session: Session) -> Vocabulary:
    """What a rule may name: the products and categories, and — once there are customers —
    the segments and countries they have (a typo would otherwise match nobody)."""
    has_customers = repository.customer_count(session)

    def distinct(column: Any) -> frozenset[str] | None:
        return repository.distinct_values(session, column) if has_customers else None

    from valuecenter.value.segments import load_segmentation

    try:
        value_segments: frozenset[str] | None = frozenset(load_segmentation().names())
    except InvalidInput:
        value_segments = None
    return Vocabulary(
        products=repository.product_codes(session),
        categories=repository.category_codes(session),
        segments=distinct(Customer.segment),
        value_segments=value_segments,
        countries=distinct(Customer.country),
    )


# --------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class CheckedAction:
    code: str
    values: dict[str, Any]
    rule: Any
    rule_source: str | None


def check_action(
    session: Session, entry: object, path: str, vocab: Vocabulary, *, rule_text: str | None = None
) -> CheckedAction:
    """Validate one action entry; its rule as parsed YAML (``eligible``) or as text."""
    e = _keys(entry, ACTION_KEYS, path)
    code = _code(e, path)
    kind = _text(e, "kind", path, required=True)
    kinds = [k.value for k in ActionKind]
    if kind not in kinds:
        raise InvalidInput(
            f"{path}.kind",
            _("'%(value)s' is not one of %(choices)s", value=kind, choices=", ".join(kinds)),
        )
    product_id = category_id = offer_id = None
    product = _text(e, "product", path, max_len=64)
    if product is not None:
        product_id = repository.product_id(session, product)
        if product_id is None:
            raise InvalidInput(f"{path}.product", _("no product '%(code)s' exists", code=product))
    category = _text(e, "category", path, max_len=64)
    if category is not None:
        if product is not None:
            raise InvalidInput(f"{path}.category", _("give a product or a category, not both"))
        category_id = repository.category_id(session, category)
        if category_id is None:
            raise InvalidInput(
                f"{path}.category", _("no category '%(code)s' exists", code=category)
            )
    retention = _text(e, "retention_offer", path, max_len=64)
    if retention is None and kind == ActionKind.RETENTION:
        raise InvalidInput(
            f"{path}.retention_offer",
            "a retention action presents an offer of the retention catalogue (the save "
            "desk's and the renewal list's): name its code",
        )
    if retention is not None:
        if kind != ActionKind.RETENTION:
            raise InvalidInput(f"{path}.retention_offer", _("only a retention action names one"))
        offer_id = repository.retention_offer_id(session, retention)
        if offer_id is None:
            raise InvalidInput(
                f"{path}.retention_offer",
                _("no retention offer '%(code)s' exists", code=retention),
            )
    valid_from = _date(e, "valid_from", path)
    valid_until = _date(e, "valid_until", path)
    if valid_from and valid_until and valid_until < valid_from:
        raise InvalidInput(f"{path}.valid_until", _("is before valid_from"))
    if rule_text is not None:
        try:
            raw_rule = yaml.safe_load(rule_text) if rule_text.strip() else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            message = (
                _("is not valid YAML (line %(line)s)", line=mark.line + 1)
                if mark is not None
                else _("is not valid YAML")
            )
            raise InvalidInput(f"{path}.eligible", message) from None
    else:
        raw_rule = e.get("eligible")
        rule_text = (
            None
            if raw_rule is None
            else yaml.safe_dump(raw_rule, sort_keys=False, allow_unicode=True).strip()
        )
    rule = parse(raw_rule, vocab, f"{path}.eligible")
    values = {
        "name": _text(e, "name", path, required=True),
        "kind": ActionKind(kind),
        "description": _text(e, "description", path, max_len=2000),
        "product_id": product_id,
        "category_id": category_id,
        "retention_offer_id": offer_id,
        "value_cents": _euro_cents(e, "value", path),
        "cost_cents": _euro_cents(e, "cost", path),
        "contact_cost_cents": _euro_cents(e, "contact_cost", path),
        "channels": _list(e, "channels", path, CHANNELS),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "prior_accept": _share(e, "prior_accept", path, 0.05),
        "conversion_days": _int(e, "conversion_days", path, 30, 1, 365),
        "repeat_after_days": _int(e, "repeat_after_days", path, 365, 0, 3650),
        "active": _bool(e, "active", path),
    }
    if values["prior_accept"] in (0.0, 1.0):
        raise InvalidInput(f"{path}.prior_accept", _("must be strictly between 0 and 1"))
    return CheckedAction(code, values, rule, rule_text)


def check_lever(
    session: Session, entry: object, path: str, actions: Mapping[str, int | None]
) -> tuple[str, dict[str, Any]]:
    e = _keys(entry, LEVER_KEYS, path)
    code = _code(e, path)
    action = _text(e, "action", path, max_len=64)
    if action is not None and action not in actions:
        raise InvalidInput(
            f"{path}.action", _("no action '%(code)s' in the catalogue", code=action)
        )
    hours = e.get("hours")
    hour_from = hour_to = None
    if hours is not None:
        if (
            not isinstance(hours, list)
            or len(hours) != 2
            or not all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
            or not 0 <= hours[0] < hours[1] <= 24
        ):
            raise InvalidInput(
                f"{path}.hours", _("expects [from, to) in whole hours, 0 ≤ from < to ≤ 24")
            )
        hour_from, hour_to = hours
    weight = _share(e, "weight", path, 1.0, lo=0.0, hi=100.0)
    return code, {
        "name": _text(e, "name", path, required=True),
        "weight": weight,
        "action_code": action,
        "kinds": _list(e, "kinds", path, [k.value for k in ActionKind]),
        "intents": _list(e, "intents", path),
        "channels": _list(e, "channels", path, CHANNELS),
        "weekdays": _list(e, "weekdays", path, WEEKDAYS),
        "hour_from": hour_from,
        "hour_to": hour_to,
        "min_wait_seconds": _int(e, "min_wait_seconds", path, None, 0, 86_400),
        "active": _bool(e, "active", path),
        "note": _text(e, "note", path, max_len=2000),
    }


def check_policy(
    entry: object, path: str, actions: Mapping[str, int | None]
) -> tuple[str, dict[str, Any]]:
    e = _keys(entry, POLICY_KEYS, path)
    code = _code(e, path)
    kind = _text(e, "kind", path, required=True)
    kinds = [k.value for k in PolicyKind]
    if kind not in kinds:
        raise InvalidInput(
            f"{path}.kind",
            _("'%(value)s' is not one of %(choices)s", value=kind, choices=", ".join(kinds)),
        )
    purpose = _text(e, "purpose", path) or "marketing"
    if purpose not in PURPOSES:
        raise InvalidInput(
            f"{path}.purpose",
            _("'%(value)s' is not one of %(choices)s", value=purpose, choices=", ".join(PURPOSES)),
        )
    channel = _text(e, "channel", path) or "any"
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(
            f"{path}.channel",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=channel,
                choices=", ".join(CONSENT_CHANNELS),
            ),
        )
    direction = _text(e, "direction", path) or "any"
    if direction not in ("inbound", "outbound", "any"):
        raise InvalidInput(
            f"{path}.direction", _("'%(value)s' is not inbound, outbound or any", value=direction)
        )
    action = _text(e, "action", path, max_len=64)
    if action is not None and action not in actions:
        raise InvalidInput(
            f"{path}.action", _("no action '%(code)s' in the catalogue", code=action)
        )
    max_count = _int(e, "max", path, None, 1, 1000)
    if max_count is None:
        raise InvalidInput(f"{path}.max", _("is required"))
    days = _int(e, "days", path, None, 1, 3650)
    if days is None:
        raise InvalidInput(f"{path}.days", _("is required"))
    pause = _int(e, "pause_days", path, None, 1, 3650)
    if kind == PolicyKind.REJECTION_PAUSE and pause is None:
        raise InvalidInput(f"{path}.pause_days", _("a rejection pause needs pause_days"))
    if kind == PolicyKind.FREQUENCY and pause is not None:
        raise InvalidInput(f"{path}.pause_days", _("only a rejection pause has pause_days"))
    return code, {
        "name": _text(e, "name", path, required=True),
        "kind": PolicyKind(kind),
        "purpose": purpose,
        "channel": channel,
        "direction": direction,
        "action_code": action,
        "max_count": max_count,
        "window_days": days,
        "pause_days": pause,
        "active": _bool(e, "active", path),
        "note": _text(e, "note", path, max_len=2000),
    }


def check_settings(entry: object, path: str = "settings") -> dict[str, Any]:
    e = _keys(entry, SETTINGS_KEYS, path)
    out: dict[str, Any] = {}
    if "exploration_share" in e:
        out["exploration_share"] = _share(e, "exploration_share", path, 0.05, hi=0.5)
    if "control_share" in e:
        out["control_share"] = _share(e, "control_share", path, 0.05, hi=0.5)
    if "max_actions" in e:
        out["max_actions"] = _int(e, "max_actions", path, 3, 1, 20)
    if "service_intents" in e:
        out["service_intents"] = _list(e, "service_intents", path)
    if "detractor_max_nps" in e:
        out["detractor_max_nps"] = _int(e, "detractor_max_nps", path, 6, 0, 10)
    if "detractor_days" in e:
        out["detractor_days"] = _int(e, "detractor_days", path, 30, 1, 3650)
    if "ending_within_days" in e:
        out["ending_within_days"] = _int(e, "ending_within_days", path, 90, 1, 3650)
    return out


# ---------------------------------------------------------------------------------- writes


def check_retention_offer(entry: object, path: str) -> OfferSpec:
    """One entry of a file's ``retention_offers``: the one retention catalogue the save desk,
    the renewal list and the engine's retention actions read (``retention_offers``)."""
    e = _keys(entry, OFFER_KEYS, path)
    share = e.get("discount_share", 0.0)
    uplift = e.get("prior_uplift", 0.1)
    for key, number in (("discount_share", share), ("prior_uplift", uplift)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidInput(f"{path}.{key}", f"'{number}' is not a number")
    spec = OfferSpec(
        code=_code(e, path),
        name=_text(e, "name", path, required=True) or "",
        kind=_text(e, "kind", path, required=True) or "",
        discount_share=float(share),
        free_months=_int(e, "free_months", path, 0, 0, 24) or 0,
        fixed_cost_cents=_euro_cents(e, "fixed_cost", path),
        campaign_action=_text(e, "campaign_action", path, max_len=64),
        prior_uplift=float(uplift),
        active=_bool(e, "active", path),
        description=_text(e, "description", path, max_len=2000),
    )
    try:
        return check_offer(spec)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}.{exc.field}", exc.detail) from None


def bump_version(session: Session) -> int:
    settings = repository.engine_settings(session)
    settings.version = int(settings.version) + 1
    settings.updated_at = utcnow()
    session.flush()
    return settings.version


def _write_action(session: Session, checked: CheckedAction) -> bool:
    action = repository.action_by_code(session, checked.code)
    created = action is None
    if action is None:
        action = Action(code=checked.code)
        session.add(action)
    for key, value in checked.values.items():
        setattr(action, key, value)
    action.rule = checked.rule
    action.rule_source = checked.rule_source
    action.updated_at = utcnow()
    session.flush()
    return created


def save_action(
    session: Session, entry: Mapping[str, Any], *, rule_text: str | None = None
) -> Action:
    """Create or update one action (the admin page, the CLI); refused whole when wrong."""
    checked = check_action(session, entry, "action", vocabulary(session), rule_text=rule_text)
    _write_action(session, checked)
    bump_version(session)
    return action_by_code(session, checked.code)


def action_by_code(session: Session, code: str) -> Action:
    action = repository.action_by_code(session, code)
    if action is None:
        raise NotFound(_("no action '%(code)s'", code=code))
    return action


def set_active(session: Session, code: str, active: bool) -> Action:
    action = action_by_code(session, code)
    action.active = active
    action.updated_at = utcnow()
    bump_version(session)
    return action


def _write_named(
    session: Session,
    model: type[Lever] | type[ContactPolicyRule],
    code: str,
    values: dict[str, Any],
) -> bool:
    values = dict(values)
    action_code = values.pop("action_code", None)
    row: Any = (
        repository.lever_by_code(session, code)
        if model is Lever
        else repository.policy_rule_by_code(session, code)
    )
    created = row is None
    if row is None:
        row = model(code=code)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.action_id = None if action_code is None else action_by_code(session, action_code).id
    session.flush()
    return created


def save_lever(session: Session, entry: Mapping[str, Any]) -> Lever:
    code, values = check_lever(session, entry, "lever", repository.action_ids(session))
    _write_named(session, Lever, code, values)
    bump_version(session)
    found = repository.lever_by_code(session, code)
    assert found is not None
    return found


def save_policy(session: Session, entry: Mapping[str, Any]) -> ContactPolicyRule:
    code, values = check_policy(entry, "policy", repository.action_ids(session))
    _write_named(session, ContactPolicyRule, code, values)
    bump_version(session)
    found = repository.policy_rule_by_code(session, code)
    assert found is not None
    return found


def save_settings(session: Session, entry: Mapping[str, Any]) -> EngineSettings:
    values = check_settings(entry)
    settings = repository.engine_settings(session)
    for key, value in values.items():
        setattr(settings, key, value)
    bump_version(session)
    return settings


def _entries(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key) or []
    if not isinstance(value, list):
        raise InvalidInput(key, _("expects a list"))
    codes: dict[str, int] = {}
    for i, entry in enumerate(value):
        code = entry.get("code") if isinstance(entry, Mapping) else None
        if isinstance(code, str) and code in codes:
            raise InvalidInput(
                f"{key}[{i}].code",
                _("'%(code)s' is also %(other)s", code=code, other=f"{key}[{codes[code]}]"),
            )
        if isinstance(code, str):
            codes[code] = i
    return value


def read_catalogue_file(path: Path) -> Mapping[str, Any]:
    """The parsed YAML of a catalogue file; one line naming the problem otherwise."""
    if not path.is_file():
        raise InvalidInput("file", _("%(file)s does not exist", file=path))
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput("file", _("%(file)s is not UTF-8 text", file=path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        message = (
            _(
                "%(file)s: line %(line)s, column %(column)s is not valid YAML",
                file=path,
                line=mark.line + 1,
                column=mark.column + 1,
            )
            if mark is not None
            else _("%(file)s: is not valid YAML", file=path)
        )
        raise InvalidInput("file", message) from None
    if not isinstance(document, Mapping):
        raise InvalidInput(
            "file",
            _(
                "%(file)s holds no catalogue (expected settings/actions/levers/contact_policy)",
                file=path,
            ),
        )
    return document


def import_catalogue(
    session: Session, document: Mapping[str, Any], *, prune: bool = False
) -> ImportSummary:
    """Check every entry of a catalogue document, then write them all (upsert by code).

    ``prune``: actions missing from the document are deactivated, levers and policy rules
    missing from it are deleted.
    """
    unknown = sorted(str(k) for k in document if k not in FILE_KEYS)
    if unknown:
        raise InvalidInput(
            unknown[0],
            _("unknown section; use %(sections)s", sections=", ".join(sorted(FILE_KEYS))),
        )
    vocab = vocabulary(session)
    offers = [
        check_retention_offer(entry, f"retention_offers[{i}]")
        for i, entry in enumerate(_entries(document, "retention_offers"))
    ]
    # The file's retention offers are written first so its retention actions can name them;
    # in a savepoint, so a wrong entry further on leaves nothing behind.
    with session.begin_nested():
        for spec in offers:
            upsert_offer(session, spec)
        actions = [
            check_action(session, entry, f"actions[{i}]", vocab)
            for i, entry in enumerate(_entries(document, "actions"))
        ]
        known: dict[str, int | None] = {
            **repository.action_ids(session),
            **{a.code: None for a in actions},
        }
        levers = [
            check_lever(session, entry, f"levers[{i}]", known)
            for i, entry in enumerate(_entries(document, "levers"))
        ]
        policies = [
            check_policy(entry, f"contact_policy[{i}]", known)
            for i, entry in enumerate(_entries(document, "contact_policy"))
        ]
        settings = (
            check_settings(document["settings"]) if document.get("settings") is not None else {}
        )

    summary = ImportSummary(settings=bool(settings))
    summary.retention_offers = len(offers)
    for checked in actions:
        created = _write_action(session, checked)
        summary.created["actions"] += int(created)
        summary.updated["actions"] += int(not created)
    for model, entries, label in (
        (Lever, levers, "levers"),
        (ContactPolicyRule, policies, "policy"),
    ):
        for code, values in entries:
            created = _write_named(session, model, code, values)
            summary.created[label] += int(created)
            summary.updated[label] += int(not created)
    if settings:
        row = repository.engine_settings(session)
        for key, value in settings.items():
            setattr(row, key, value)
    if prune:
        summary.deactivated = repository.deactivate_actions_except(
            session, [a.code for a in actions]
        )
        repository.delete_levers_except(session, [c for c, _v in levers])
        repository.delete_policy_rules_except(session, [c for c, _v in policies])
    summary.version = bump_version(session)
    tracked = {a.values["product_id"] for a in actions if a.values["product_id"] is not None}
    if tracked:
        summary.notes.append(
            "feature rows track the products the catalogue names: run `valuecenter offers "
            "features` after adding products so rules and models see who holds them"
        )
    return summary
