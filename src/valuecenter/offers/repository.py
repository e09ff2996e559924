"""Queries on the next-best-action catalogue: actions with what they name, levers, contact
policy rules, and the vocabulary the catalogue forms suggest. Never commits (the request
dependency and ``db/uow.py`` do). The engine's hot path keeps its own prepared statements in
``offers/hotpath.py``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.offers.models import Action, ContactPolicyRule, Lever
from valuecenter.products.models import Category, Product
from valuecenter.retention.models import RetentionOffer

ActionNames = tuple[Action, str | None, str | None, str | None, str | None]
"""An action with its product's id and name, its category's code and its retention offer's
code (None where it names none)."""


def actions_with_names(session: Session) -> list[ActionNames]:
    """Every action with what it names (:data:`ActionNames`), in no particular order."""
    rows = session.execute(
        select(Action, Product.external_id, Product.name, Category.code, RetentionOffer.code)
        .outerjoin(Product, Product.id == Action.product_id)
        .outerjoin(Category, Category.id == Action.category_id)
        .outerjoin(RetentionOffer, RetentionOffer.id == Action.retention_offer_id)
    ).all()
    return [(a, product, name, category, offer) for a, product, name, category, offer in rows]


def action_exists(session: Session, code: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Action.code == code)))


def action_codes(session: Session) -> dict[int, str]:
    """Every action's code by its id."""
    return {int(i): str(c) for i, c in session.execute(select(Action.id, Action.code)).all()}


def action_code(session: Session, action_id: int | None) -> str | None:
    """The code of the action ``action_id`` (None for none or a missing one)."""
    action = session.get(Action, action_id) if action_id is not None else None
    return action.code if action else None


def levers(session: Session) -> list[Lever]:
    """Every lever, by code."""
    return list(session.scalars(select(Lever).order_by(Lever.code)))


def lever_by_code(session: Session, code: str) -> Lever | None:
    return session.scalar(select(Lever).where(Lever.code == code))


def policy_rules(session: Session) -> list[ContactPolicyRule]:
    """Every contact-policy rule, by code."""
    return list(session.scalars(select(ContactPolicyRule).order_by(ContactPolicyRule.code)))


def policy_rule_by_code(session: Session, code: str) -> ContactPolicyRule | None:
    return session.scalar(select(ContactPolicyRule).where(ContactPolicyRule.code == code))


def product_choices(session: Session, limit: int) -> list[tuple[str, str | None]]:
    """(id, name) of the first ``limit`` products by id: the action form's suggestions."""
    rows = session.execute(
        select(Product.external_id, Product.name).order_by(Product.external_id).limit(limit)
    ).all()
    return [(str(c), n) for c, n in rows]


def category_choices(session: Session, limit: int) -> list[tuple[str, str | None]]:
    """(code, name) of the first ``limit`` categories by code."""
    rows = session.execute(
        select(Category.code, Category.name).order_by(Category.code).limit(limit)
    ).all()
    return [(str(c), n) for c, n in rows]


def retention_offer_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every retention offer by code."""
    rows = session.execute(
        select(RetentionOffer.code, RetentionOffer.name).order_by(RetentionOffer.code)
    ).all()
    return [(str(c), str(n)) for c, n in rows]
