"""Queries of the next-best-action engine: the catalogue (actions with what they name,
levers, contact-policy rules) for the admin pages, the catalogue's checks and imports, the
compiled engine and the training; the vocabulary a rule may name; the propensity models; the
decision log as training reads it. Never commits (the request dependency and ``db/uow.py``
do). The engine's hot path keeps its own prepared statements in ``offers/hotpath.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import utcnow
from valuecenter.offers.models import (
    Action,
    ContactPolicyRule,
    Decision,
    DecisionResponse,
    EngineSettings,
    Lever,
    PropensityModel,
)
from valuecenter.orders.models import Order, OrderLine
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


# --------------------------------------------------------------- the catalogue's checks


def customer_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def distinct_values(session: Session, column: InstrumentedAttribute[Any]) -> frozenset[str]:
    """The distinct non-empty values of a column (the segments or countries a rule may name)."""
    return frozenset(str(v) for v in session.scalars(select(column).distinct()) if v)


def product_codes(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Product.external_id)))


def category_codes(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Category.code)))


def product_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Product.id).where(Product.external_id == code))


def category_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Category.id).where(Category.code == code))


def retention_offer_id(session: Session, code: str) -> int | None:
    return session.scalar(select(RetentionOffer.id).where(RetentionOffer.code == code))


def action_by_code(session: Session, code: str) -> Action | None:
    return session.scalar(select(Action).where(Action.code == code))


def action_ids(session: Session) -> dict[str, int | None]:
    """Every action's id by its code."""
    return {code: i for i, code in session.execute(select(Action.id, Action.code)).all()}


def deactivate_actions_except(session: Session, keep: Sequence[str]) -> int:
    """Switch off every active action whose code is not in ``keep``; how many."""
    result: Any = session.execute(
        update(Action)
        .where(Action.code.not_in(list(keep)), Action.active.is_(True))
        .values(active=False, updated_at=utcnow())
    )
    return int(result.rowcount or 0)


def delete_levers_except(session: Session, keep: Sequence[str]) -> None:
    session.execute(delete(Lever).where(Lever.code.not_in(list(keep))))


def delete_policy_rules_except(session: Session, keep: Sequence[str]) -> None:
    session.execute(delete(ContactPolicyRule).where(ContactPolicyRule.code.not_in(list(keep))))


# ------------------------------------------------------------ the engine and the training

ActionTarget = tuple[Action, str | None, str | None]
"""An active action with the product id it names and the category its rule and model target
(its own, else its product's)."""


def active_actions(session: Session) -> list[ActionTarget]:
    """The active actions by code with what they target (:data:`ActionTarget`)."""
    rows = session.execute(
        select(Action, Product.external_id, Category.code)
        .outerjoin(Product, Product.id == Action.product_id)
        .outerjoin(Category, Category.id == func.coalesce(Action.category_id, Product.category_id))
        .outerjoin(RetentionOffer, RetentionOffer.id == Action.retention_offer_id)
        # A retention action presents an offer of the one retention catalogue: switched off
        # there (for the desk and the renewal list), it is gone from the engine too.
        .where(
            Action.active.is_(True),
            or_(Action.retention_offer_id.is_(None), RetentionOffer.active.is_(True)),
        )
        .order_by(Action.code)
    ).all()
    return [(a, p, c) for a, p, c in rows]


def active_retention_offer_ids(session: Session) -> tuple[int, ...]:
    """The active offers of the retention catalogue (part of the engine's stamp)."""
    ids = session.scalars(
        select(RetentionOffer.id).where(RetentionOffer.active.is_(True)).order_by(RetentionOffer.id)
    )
    return tuple(int(i) for i in ids)


def reason_labels(session: Session, product_ids: Sequence[int]) -> dict[str, str]:
    """Category code → name (all of them: a small table) and product external id → name for
    the catalogue's products (the only products the model inputs name), for the reasons."""
    categories = select(Category.code, Category.name).where(Category.name.is_not(None))
    out = {str(c): str(n) for c, n in session.execute(categories)}
    if product_ids:
        named = select(Product.external_id, Product.name).where(Product.id.in_(list(product_ids)))
        out.update({str(e): str(n) for e, n in session.execute(named)})
    return out


def active_levers(session: Session) -> list[Lever]:
    return list(session.scalars(select(Lever).where(Lever.active.is_(True)).order_by(Lever.code)))


def active_policy_rules(session: Session) -> list[ContactPolicyRule]:
    return list(
        session.scalars(
            select(ContactPolicyRule)
            .where(ContactPolicyRule.active.is_(True))
            .order_by(ContactPolicyRule.code)
        )
    )


_NEWEST_ACTIVE_MODEL = (PropensityModel.trained_at.desc(), PropensityModel.id.desc())


def active_model(session: Session) -> PropensityModel | None:
    """The newest active propensity model."""
    return session.scalar(
        select(PropensityModel)
        .where(PropensityModel.active.is_(True))
        .order_by(*_NEWEST_ACTIVE_MODEL)
        .limit(1)
    )


def active_model_id(session: Session) -> int | None:
    """The newest active propensity model's id (what makes a compiled engine stale)."""
    found = session.scalar(
        select(PropensityModel.id)
        .where(PropensityModel.active.is_(True))
        .order_by(*_NEWEST_ACTIVE_MODEL)
        .limit(1)
    )
    return None if found is None else int(found)


def deactivate_models(session: Session) -> None:
    session.execute(update(PropensityModel).values(active=False))


def decisions_before(session: Session, until: datetime) -> list[tuple[Any, ...]]:
    """(id, customer_id, decided_at, features) of the decisions made before ``until``."""
    rows = session.execute(
        select(Decision.id, Decision.customer_id, Decision.decided_at, Decision.features).where(
            Decision.decided_at < until
        )
    ).all()
    return [tuple(r) for r in rows]


def responses_before(session: Session, until: datetime) -> list[tuple[Any, ...]]:
    """(decision_id, action_id, outcome) of the responses recorded before ``until``."""
    rows = session.execute(
        select(
            DecisionResponse.decision_id, DecisionResponse.action_id, DecisionResponse.outcome
        ).where(DecisionResponse.recorded_at < until)
    ).all()
    return [tuple(r) for r in rows]


def purchases_since(
    session: Session, product_ids: Sequence[int], category_ids: Sequence[int], since: datetime
) -> list[tuple[Any, ...]]:
    """(customer_id, product_id, category_id, ordered_at) of the order lines of these products
    or categories ordered from ``since`` on (none asked: none)."""
    cond: list[ColumnElement[bool]] = []
    if product_ids:
        cond.append(OrderLine.product_id.in_(list(product_ids)))
    if category_ids:
        cond.append(Product.category_id.in_(list(category_ids)))
    if not cond:
        return []
    rows = session.execute(
        select(Order.customer_id, OrderLine.product_id, Product.category_id, Order.ordered_at)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.ordered_at >= since, or_(*cond))
    ).all()
    return [tuple(r) for r in rows]


# ------------------------------------------------------------------- decisions and answers


def pool_id_of(session: Session, user_id: int) -> int | None:
    """The id of the account-manager pool the user ``user_id`` owns, if any."""
    found = session.scalar(select(AccountManager.id).where(AccountManager.user_id == user_id))
    return None if found is None else int(found)


def existing_customer_ids(session: Session, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` are customers, ascending."""
    return sorted(
        {int(i) for i in session.scalars(select(Customer.id).where(Customer.id.in_(ids)))}
    )


def account_manager_id_of(session: Session, customer_id: int) -> int | None:
    """The id of the customer's account manager (None: no pool)."""
    return session.scalar(select(Customer.account_manager_id).where(Customer.id == customer_id))


def response_to(session: Session, decision_id: int, action_id: int) -> DecisionResponse | None:
    """The answer recorded to action ``action_id`` of decision ``decision_id``, if any."""
    return session.scalar(
        select(DecisionResponse).where(
            DecisionResponse.decision_id == decision_id, DecisionResponse.action_id == action_id
        )
    )


# ------------------------------------------------------- settings and what features track


def engine_settings(session: Session) -> EngineSettings:
    """The engine's settings row (created with the defaults when missing)."""
    settings = session.get(EngineSettings, 1)
    if settings is None:
        settings = EngineSettings(id=1, service_intents=[], version=1)
        session.add(settings)
        session.flush()
    return settings


def action_products_and_rules(session: Session) -> list[tuple[int | None, Any]]:
    """(product id, rule) of every action: what the feature rows must track."""
    return [(p, rule) for p, rule in session.execute(select(Action.product_id, Action.rule))]


def product_ids(session: Session, codes: Sequence[str]) -> list[int]:
    """The database ids of the products with these ids (unknown ones left out)."""
    found = session.scalars(select(Product.id).where(Product.external_id.in_(list(codes))))
    return [int(i) for i in found]


def offered_categories(session: Session) -> set[str]:
    """The codes of the categories an action offers (its own, or its product's)."""
    return {
        str(code)
        for code in session.scalars(
            select(Category.code)
            .select_from(Action)
            .join(Product, Product.id == Action.product_id, isouter=True)
            .join(
                Category,
                or_(Category.id == Action.category_id, Category.id == Product.category_id),
            )
        )
    }
