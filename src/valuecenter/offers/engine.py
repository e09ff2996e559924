"""The compiled decision engine: catalogue, levers, contact policy, settings and models, loaded
from the database once and kept per process until the catalogue's version or the active model
changes.

Compiling means: every rule parsed into its node tree (``decisions/rules.py``), every lever and
policy rule into a small immutable value, the active propensity models decoded from their
payload. A decision then touches no catalogue table at all (the issue: "no DB round-trip per
rule: the hot path reads a compact per-customer feature row and a compiled rule set").
:class:`EngineCache` checks the version with one tiny query at most every ``ttl`` seconds, so a
manager's change reaches every worker within that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.propensity import ActionModel, from_payload
from valuecenter.db.base import utcnow
from valuecenter.decisions.policy import PolicyRule
from valuecenter.decisions.rules import Node, compile_rule
from valuecenter.errors import InvalidInput
from valuecenter.offers import repository
from valuecenter.offers.inputs import POOLED, Layout, Target
from valuecenter.offers.models import Action, ActionKind, ContactPolicyRule

log = logging.getLogger("valuecenter.offers")

PURPOSE_OF_KIND = {
    ActionKind.OFFER: "marketing",
    ActionKind.RETENTION: "marketing",
    ActionKind.LOYALTY: "marketing",
    ActionKind.SERVICE: "service",
}
DEFAULT_TTL_SECONDS = 2.0
MAX_AGE_SECONDS = 600.0
"""A compiled engine is rebuilt at least this often, so the save desk's measurements it
holds stay fresh even when nothing in the catalogue changes."""


@dataclass(frozen=True, slots=True)
class CompiledAction:
    id: int
    code: str
    name: str
    kind: str
    purpose: str
    channels: frozenset[str]
    valid_from: date | None
    valid_until: date | None
    value_cents: int
    cost_cents: int
    contact_cost_cents: int
    prior_accept: float
    conversion_days: int
    repeat_after_days: int
    product: str | None  # external id
    category: str | None  # code (of the product's category when a product is given)
    rule: Node | None
    broken: str | None = None  # why the stored rule could not be compiled: never shown
    save: SaveEvidence | None = None  # a retention action's save-desk measurement

    @property
    def target(self) -> Target:
        return Target(self.code, self.category, self.product)


@dataclass(frozen=True, slots=True)
class SaveEvidence:
    """What the save desk has measured of a retention action's offer (``retention/
    desk/suggestion.py``): its uplift of the keep rate, shrunk towards the catalogue's prior, the
    keep rate with it, and the cases behind them."""

    offer: str  # its name, as the reasons say it
    uplift: float
    keep: float
    desk_cases: int
    control_cases: int


@dataclass(frozen=True, slots=True)
class CompiledLever:
    code: str
    name: str
    weight: float
    action_id: int | None
    kinds: frozenset[str]
    intents: frozenset[str]
    channels: frozenset[str]
    weekdays: frozenset[str]
    hour_from: int | None
    hour_to: int | None
    min_wait_seconds: int | None


@dataclass(frozen=True, slots=True)
class EngineConfig:
    exploration_share: float
    control_share: float
    max_actions: int
    service_intents: frozenset[str]
    detractor_max_nps: int
    detractor_days: int
    ending_within_days: int


@dataclass(frozen=True)
class Models:
    """The active propensity models: per action code an ``accept`` model and, for offers of a
    product or category, an ``organic`` one (P(buys it anyway, without the offer))."""

    id: int
    version: str
    feature_names: tuple[str, ...]
    accept: dict[str, ActionModel]
    organic: dict[str, ActionModel]
    summary: dict[str, object] = field(default_factory=dict)
    layout: Layout = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", Layout(self.feature_names))

    def accept_model(self, code: str, kind: str) -> tuple[ActionModel | None, str]:
        """The action's own model when it has one, else the pooled one for sales offers, else
        its constant rate (or nothing: the catalogue's prior); and which it is."""
        return _pick(self.accept, code, kind)

    def organic_model(self, code: str, kind: str) -> tuple[ActionModel | None, str]:
        return _pick(self.organic, code, kind)


def _pick(models: dict[str, ActionModel], code: str, kind: str) -> tuple[ActionModel | None, str]:
    own = models.get(code)
    if own is not None and own.kind != "prior":
        return own, "own"
    pooled = models.get(POOLED)
    if kind == ActionKind.OFFER and pooled is not None and pooled.kind != "prior":
        return pooled, "pooled"
    return own, "rate"


@dataclass(frozen=True)
class Engine:
    version: int
    config: EngineConfig
    actions: tuple[CompiledAction, ...]
    levers: tuple[CompiledLever, ...]
    policies: tuple[PolicyRule, ...]
    models: Models | None
    labels: Mapping[str, str] = field(default_factory=dict)
    """Names of the products (external id) and categories (code) the model inputs name, so a
    reason says "bought Copy paper A4" and not its code."""

    @property
    def history_days(self) -> int:
        """How far back a decision must read the customer's answers."""
        spans = [p.horizon_days for p in self.policies]
        spans += [a.repeat_after_days for a in self.actions]
        return max([30, *spans])

    def action(self, action_id: int) -> CompiledAction | None:
        return next((a for a in self.actions if a.id == action_id), None)


def _models(session: Session) -> Models | None:
    row = repository.active_model(session)
    if row is None:
        return None
    try:
        decoded, names = from_payload(row.payload)
    except InputError as exc:
        log.error("propensity model %s cannot be read (%s); deciding on priors", row.version, exc)
        return None
    accept = {k.split(":", 1)[1]: m for k, m in decoded.items() if k.startswith("accept:")}
    organic = {k.split(":", 1)[1]: m for k, m in decoded.items() if k.startswith("organic:")}
    return Models(
        id=row.id,
        version=row.version,
        feature_names=tuple(names),
        accept=accept,
        organic=organic,
        summary=dict(row.summary),
    )


def save_evidence(session: Session) -> dict[int, SaveEvidence]:
    """Per retention offer id: the desk's measured uplift, shrunk as the desk's suggestion
    shrinks it (precision weighting towards ``prior_uplift``)."""
    from valuecenter.retention.desk import suggestion

    known = suggestion.evidence(session, utcnow())
    n_c, kept_c = known.control
    control_rate = kept_c / n_c if n_c else None
    base = suggestion.shrunk(
        control_rate, float(n_c), suggestion.BASE_KEEP_PRIOR, suggestion.BASE_PRIOR_CASES
    )
    out: dict[int, SaveEvidence] = {}
    for offer in known.offers:
        n_o, kept_o = known.by_offer.get(offer.id, (0, 0))
        measured = kept_o / n_o - control_rate if n_o and control_rate is not None else None
        n_eff = 1.0 / (1.0 / n_o + 1.0 / n_c) if n_o and n_c else 0.0
        uplift = suggestion.shrunk(measured, n_eff, offer.prior_uplift, suggestion.PRIOR_CASES)
        out[offer.id] = SaveEvidence(
            offer=offer.name,
            uplift=uplift,
            keep=min(max(base + uplift, 0.0), 1.0),
            desk_cases=n_o,
            control_cases=n_c,
        )
    return out


def compile_action(
    action: Action,
    product: str | None,
    category: str | None,
    saves: dict[int, SaveEvidence] | None = None,
) -> CompiledAction:
    broken = None
    node: Node | None = None
    try:
        node = compile_rule(action.rule)
    except InvalidInput as exc:  # only a hand-edited database gets here
        broken = str(exc)
        log.error(
            "action %s: stored rule does not compile (%s); it is never shown", action.code, exc
        )
    return CompiledAction(
        id=action.id,
        code=action.code,
        name=action.name,
        kind=action.kind.value,
        purpose=PURPOSE_OF_KIND[action.kind],
        channels=frozenset(action.channels or ()),
        valid_from=action.valid_from,
        valid_until=action.valid_until,
        value_cents=int(action.value_cents),
        cost_cents=int(action.cost_cents),
        contact_cost_cents=int(action.contact_cost_cents),
        prior_accept=float(action.prior_accept),
        conversion_days=int(action.conversion_days),
        repeat_after_days=int(action.repeat_after_days),
        product=product,
        category=category,
        rule=node,
        broken=broken,
        save=(saves or {}).get(action.retention_offer_id or -1),
    )


def load_engine(session: Session) -> Engine:
    """Compile the active catalogue, levers, policy, settings and models."""
    settings = repository.engine_settings(session)
    rows = repository.active_actions(session)
    saves = save_evidence(session) if any(a.retention_offer_id for a, _p, _c in rows) else {}
    actions = tuple(compile_action(a, p, c, saves) for a, p, c in rows)
    levers = tuple(
        CompiledLever(
            code=lv.code,
            name=lv.name,
            weight=float(lv.weight),
            action_id=lv.action_id,
            kinds=frozenset(lv.kinds or ()),
            intents=frozenset(lv.intents or ()),
            channels=frozenset(lv.channels or ()),
            weekdays=frozenset(lv.weekdays or ()),
            hour_from=lv.hour_from,
            hour_to=lv.hour_to,
            min_wait_seconds=lv.min_wait_seconds,
        )
        for lv in repository.active_levers(session)
    )
    policies = tuple(policy_rule(p) for p in repository.active_policy_rules(session))
    config = EngineConfig(
        exploration_share=float(settings.exploration_share),
        control_share=float(settings.control_share),
        max_actions=int(settings.max_actions),
        service_intents=frozenset(settings.service_intents or ()),
        detractor_max_nps=int(settings.detractor_max_nps),
        detractor_days=int(settings.detractor_days),
        ending_within_days=int(settings.ending_within_days),
    )
    return Engine(
        version=int(settings.version),
        config=config,
        actions=actions,
        levers=levers,
        policies=policies,
        models=_models(session),
        labels=repository.reason_labels(
            session, [a.product_id for a, _p, _c in rows if a.product_id]
        ),
    )


Stamp = tuple[int, int | None, tuple[int, ...]]


def _stamp(session: Session) -> Stamp:
    """(catalogue version, active model id, active retention offers): what makes a compiled
    engine stale — the retention offers are the one retention catalogue, switched on and off
    by the retention team (``valuecenter retention offers``), not through the NBA catalogue."""
    settings = repository.engine_settings(session)
    return (
        int(settings.version),
        repository.active_model_id(session),
        repository.active_retention_offer_ids(session),
    )


class EngineCache:
    """One compiled engine per process (per app), rebuilt when its stamp changes.

    A changed stamp (the catalogue or the active model) is rebuilt before the next decision,
    so a manager's change is never served stale. The periodic rebuild that keeps the save
    desk's measured uplifts fresh (:data:`MAX_AGE_SECONDS`) happens in a background thread
    while the current engine goes on serving: on the 1M-customer world a rebuild takes long
    enough that the request which happened to trigger it would otherwise wait for it.
    """

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._stamp: Stamp | None = None
        self._checked = 0.0
        self._built = 0.0
        self._refreshing: threading.Thread | None = None

    def get(self, session: Session) -> Engine:
        now = time.monotonic()
        engine = self._engine
        if engine is not None and now - self._checked < self.ttl:
            return engine
        stamp = _stamp(session)
        with self._lock:
            if self._engine is None or stamp != self._stamp:
                self._engine = load_engine(session)
                self._stamp = stamp
                self._built = now
            elif now - self._built > MAX_AGE_SECONDS and self._refreshing is None:
                self._refreshing = threading.Thread(
                    target=self._refresh,
                    args=(session.get_bind(), stamp),
                    name="nba-engine-refresh",
                    daemon=True,
                )
                self._refreshing.start()
            self._checked = now
            return self._engine

    def _refresh(self, bind: Any, stamp: Stamp) -> None:
        try:
            with Session(bind) as session:
                engine = load_engine(session)
            with self._lock:
                if self._stamp == stamp:  # not replaced meanwhile by a newer stamp's build
                    self._engine = engine
                    self._built = time.monotonic()
        except Exception:  # the current engine serves on; the next check tries again
            log.exception("refreshing the decision engine failed")
        finally:
            self._refreshing = None

    def invalidate(self) -> None:
        with self._lock:
            self._engine = None
            self._stamp = None


def policy_rule(row: ContactPolicyRule) -> PolicyRule:
    """A stored contact-policy rule as the pure policy's :class:`PolicyRule` (the engine's and
    the campaign manager's one reading of the table)."""
    return PolicyRule(
        code=row.code,
        name=row.name,
        kind=row.kind.value,
        purpose=row.purpose,
        channel=row.channel,
        direction=row.direction,
        action_id=row.action_id,
        max_count=row.max_count,
        window_days=row.window_days,
        pause_days=row.pause_days,
    )
