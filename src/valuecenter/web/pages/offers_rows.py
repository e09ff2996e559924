"""The catalogue admin pages' rows (``pages/offers.py``): an action, a lever and a contact-policy
rule as the list shows them, read through ``offers/repository.py``, and the vocabulary the
action form suggests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from valuecenter.decisions.rules import describe
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.offers import repository
from valuecenter.offers.models import Action, ContactPolicyRule, Lever

KIND_ORDER = {k: i for i, k in enumerate(("offer", "retention", "service", "loyalty"))}
MAX_SUGGESTIONS = 2_000


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
    """Every action, by kind (offer, retention, service, loyalty) then code."""
    out = []
    for action, product, product_name, category, offer in repository.actions_with_names(session):
        words, broken = _rule_words(action.rule)
        out.append(ActionRow(action, product, product_name, category, offer, words, broken))
    out.sort(key=lambda r: (KIND_ORDER.get(r.action.kind.value, 9), r.action.code))
    return out


def lever_rows(session: Session) -> list[LeverRow]:
    codes = repository.action_codes(session)
    return [
        LeverRow(lv, codes.get(lv.action_id) if lv.action_id else None)
        for lv in repository.levers(session)
    ]


def policy_rows(session: Session) -> list[PolicyRow]:
    codes = repository.action_codes(session)
    return [
        PolicyRow(r, codes.get(r.action_id) if r.action_id else None)
        for r in repository.policy_rules(session)
    ]


def lever_row(session: Session, code: str) -> LeverRow:
    lever = repository.lever_by_code(session, code)
    if lever is None:
        raise NotFound(f"no lever '{code}'")
    return LeverRow(lever, repository.action_code(session, lever.action_id))


def policy_row(session: Session, code: str) -> PolicyRow:
    rule = repository.policy_rule_by_code(session, code)
    if rule is None:
        raise NotFound(f"no contact-policy rule '{code}'")
    return PolicyRow(rule, repository.action_code(session, rule.action_id))


def action_row(session: Session, code: str) -> ActionRow:
    found = next((r for r in action_rows(session) if r.action.code == code), None)
    if found is None:
        raise NotFound(f"no action '{code}'")
    return found


def vocab_lists(session: Session) -> dict[str, object]:
    """The products, categories and retention offers the action form suggests."""
    return {
        "products": repository.product_choices(session, MAX_SUGGESTIONS),
        "categories": repository.category_choices(session, MAX_SUGGESTIONS),
        "retention_offers": repository.retention_offer_choices(session),
    }
