"""Arbitration: which actions to show this customer in this contact, in which order, and why
each of the others is held back. Pure: a function of the compiled engine, the customer's
facts, consent and recent answers, the contact's context and a random source.

For each active action, in order, the first rule that refuses it suppresses it with its name:

1. ``rule-broken`` — its stored rule did not compile (never evaluated);
2. ``validity`` — before ``valid_from`` or after ``valid_until``;
3. ``channel`` — not offered on this channel;
4. ``consent`` / ``do-not-call`` — the purpose is not allowed on this channel now
   (``consent/state.py``);
5. ``eligibility`` — the action's rule says no, with the condition that failed;
6. ``repeat``, ``frequency`` and ``rejection-pause`` — the contact policy (``decisions/policy.py``);
7. ``service-first`` — an open complaint, a recent detractor score or a service-need intent
   holds back every sales offer (seed 004: "customers with a service need are not always open
   to an offer"), and puts the service actions on top;
8. ``control-group`` — the customer is in this month's control group (the experiments kernel's
   ``nba-control:YYYY-MM``, balanced to within one customer): no sales offer, so the offers'
   lift is measured against him;
9. ``not-worth`` — a sales offer whose expected net value is not positive.

The rest are scored by their expected incremental value (the issue's arbitration with the
retention work's lesson that only the *incremental* chance counts, seed 001)::

    score = lever × (P(accept) − P(buys anyway)) × value − P(accept) × cost − contact cost

``P(accept)`` is the action's propensity model (``analytics/propensity.py``) — or the
catalogue's prior before there is one, or the action's average rate when the customer has
objected to profiling; ``P(buys anyway)`` is the organic model of an offer of a product, 0
for other actions; ``lever`` is the product of the manager's matching levers (a cancel intent
boosts retention offers, the Monday-morning rule of seed 002 damps sales offers). Service
actions go first when service comes first; then everything by score. The score ranks; what
an action is worth is its *expected net value*, the same sum without the lever weight, and
that is the euro figure the agent sees (a lever weighs a rank, not euros: the reasons say
the weight beside the euro line, ``offers/reasons.py``).

**Exploration**: in a share of decisions one random candidate sales offer (one that passed
rules 1–8) takes the place of the best one and is marked ``explored``, so the models keep
learning about offers they would otherwise stop showing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from valuecenter.analytics.propensity import ActionModel
from valuecenter.consent.state import ConsentEvent, Verdict, consent_channel, verdict
from valuecenter.decisions.facts import CHANNELS, Context, Facts
from valuecenter.decisions.policy import (
    Answer,
    frequency_block,
    rejection_block,
    repeat_block,
)
from valuecenter.decisions.rules import Subject
from valuecenter.formatting import money_exact
from valuecenter.i18n import format_number, format_percent
from valuecenter.i18n import gettext as _
from valuecenter.offers.engine import CompiledAction, CompiledLever, Engine, Models
from valuecenter.offers.inputs import top_categories
from valuecenter.offers.reasons import expected_line, lever_phrase, open_case_phrase

Explain = Callable[[ActionModel, np.ndarray], list[str]]
"""(model, its inputs) → the features that raise his P(accept) most, in words."""
SALES = "offer"
SERVICE = "service"
RETENTION = "retention"
CANCEL = "cancel"
TOP_REASONS = 2


def _share(share: float, *, signed: bool = False) -> str:
    """A probability or a lift in the reader's locale, one decimal: '20.0%' (nl '20,0%')."""
    text = format_percent(share, decimals=1)
    return "+" + text if signed and share >= 0 else text


@dataclass(frozen=True, slots=True)
class Shown:
    action: CompiledAction
    rank: int
    score_cents: float  # the expected net value in cents (no lever weight)
    p_accept: float
    p_organic: float
    explored: bool
    reasons: list[str]
    weight: float = 1.0  # the levers' weight on its rank

    def as_json(self) -> dict[str, object]:
        a = self.action
        return {
            "action_id": a.id,
            "code": a.code,
            "name": a.name,
            "kind": a.kind,
            "rank": self.rank,
            "score": round(self.score_cents / 100, 4),
            "weight": round(self.weight, 6),
            "p_accept": round(self.p_accept, 6),
            "p_organic": round(self.p_organic, 6),
            "explored": self.explored,
            "reasons": self.reasons,
        }


@dataclass(frozen=True, slots=True)
class Held:
    action: CompiledAction
    rule: str
    detail: str

    def as_json(self) -> dict[str, object]:
        return {
            "action_id": self.action.id,
            "code": self.action.code,
            "rule": self.rule,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Verdicts:
    """The customer's consent and register status, asked once per purpose and channel."""

    events: Sequence[ConsentEvent]
    context: Context
    on_register: bool = False
    registered_on: date | None = None
    _cache: dict[tuple[str, str, bool], Verdict] = field(default_factory=dict)

    def ask(self, purpose: str, channel: str, outbound: bool) -> Verdict:
        key = (purpose, channel, outbound)
        found = self._cache.get(key)
        if found is None:
            found = verdict(
                self.events,
                purpose=purpose,
                channel=channel,
                at=self.context.at,
                outbound=outbound,
                on_register=self.on_register,
                do_not_call_since=self.registered_on,
            )
            self._cache[key] = found
        return found

    def granted(self, purpose: str, channel: str) -> bool:
        return self.ask(purpose, channel, False).allowed


@dataclass(frozen=True)
class Outcome:
    shown: list[Shown]
    held: list[Held]
    arm: str  # nba | control
    explored: bool
    features: dict[str, float]
    service_first: str | None


def context_features(ctx: Context, service_intents: frozenset[str]) -> dict[str, float]:
    """The contact's part of the model inputs (the customer's part is his feature row)."""
    out = {f"ch:{c}": 1.0 if ctx.channel == c else 0.0 for c in CHANNELS}
    intent = ctx.intent or ""
    out.update(
        {
            "outbound": 1.0 if ctx.direction == "outbound" else 0.0,
            "intent_none": 1.0 if not intent else 0.0,
            "intent_service": 1.0 if intent in service_intents else 0.0,
            "intent_order": 1.0 if intent == "order" else 0.0,
            "intent_cancel": 1.0 if intent == "cancel" else 0.0,
            "monday_morning": 1.0 if ctx.weekday == "mon" and 8 <= ctx.hour < 12 else 0.0,
            "weekend": 1.0 if ctx.weekday in ("sat", "sun") else 0.0,
            "hour_local": round(ctx.hour / 24, 4),
            "wait_minutes": round(min(ctx.wait_seconds / 60, 30.0), 3),
        }
    )
    return out


def lever_weight(
    levers: Sequence[CompiledLever], action: CompiledAction, ctx: Context
) -> tuple[float, list[str]]:
    """The product of the matching levers' weights, and their names."""
    weight, names = 1.0, []
    for lv in levers:
        if lv.action_id is not None and lv.action_id != action.id:
            continue
        if lv.kinds and action.kind not in lv.kinds:
            continue
        if lv.intents and (ctx.intent or "") not in lv.intents:
            continue
        if lv.channels and ctx.channel not in lv.channels:
            continue
        if lv.weekdays and ctx.weekday not in lv.weekdays:
            continue
        if lv.hour_from is not None and ctx.hour < lv.hour_from:
            continue
        if lv.hour_to is not None and ctx.hour >= lv.hour_to:
            continue
        if lv.min_wait_seconds is not None and ctx.wait_seconds < lv.min_wait_seconds:
            continue
        weight *= lv.weight
        names.append(lever_phrase(lv.name, lv.weight))
    return weight, names


def service_first(engine: Engine, facts: Facts, ctx: Context, detractor: bool) -> str | None:
    """Why service comes first in this contact, or ``None``."""
    if facts.open_complaint:
        return "open complaint: solve it before any offer"
    if detractor:
        when = f" on {facts.last_nps_at:%Y-%m-%d}" if facts.last_nps_at else ""
        return f"recent detractor (NPS {facts.last_nps}{when})"
    if ctx.intent and ctx.intent in engine.config.service_intents:
        return f"service need: the customer calls about '{ctx.intent}'"
    return None


def is_detractor(engine: Engine, facts: Facts, ctx: Context) -> bool:
    c = engine.config
    if facts.last_nps is None or facts.last_nps_at is None:
        return False
    recent = ctx.at - facts.last_nps_at <= timedelta(days=c.detractor_days)
    return recent and facts.last_nps <= c.detractor_max_nps


def _estimate(
    models: Models | None,
    base: np.ndarray | None,
    features: dict[str, float],
    actions: Sequence[CompiledAction],
    profiling: bool,
    explain: Explain | None,
) -> dict[int, tuple[float, float, list[str]]]:
    """P(accept), P(buys anyway) and their reasons for each action, with every model called
    once on the stacked rows of the actions it serves (one LightGBM call for the pooled model
    instead of one per offer)."""
    if models is None or base is None:
        return {}
    wanted: dict[int, tuple[ActionModel, list[int]]] = {}

    def ask(model: ActionModel, action_id: int) -> None:
        wanted.setdefault(id(model), (model, []))[1].append(action_id)

    plan: dict[int, tuple[ActionModel | None, str, ActionModel | None, str]] = {}
    for a in actions:
        accept, which = models.accept_model(a.code, a.kind)
        organic, how = models.organic_model(a.code, a.kind)
        plan[a.id] = (accept, which, organic, how)
        if profiling and accept is not None and which != "rate":
            ask(accept, a.id)
        if profiling and organic is not None and how != "rate":
            ask(organic, a.id)
    # Input vectors only for the actions a model scores (none under a profiling objection).
    tops = top_categories(features)
    targets = {a.id: a.target for a in actions}
    scored = {i for _model, ids in wanted.values() for i in ids}
    inputs = {i: models.layout.for_action(base, features, targets[i], tops) for i in scored}
    predicted: dict[tuple[int, int], float] = {}
    for key, (model, ids) in wanted.items():
        values = model.predict(np.vstack([inputs[i] for i in ids]))
        predicted.update({(key, i): float(v) for i, v in zip(ids, values, strict=True)})
    out: dict[int, tuple[float, float, list[str]]] = {}
    for a in actions:
        accept, which, organic, how = plan[a.id]
        reasons: list[str] = []
        p, p0 = a.prior_accept, 0.0
        if accept is None:
            reasons.append(
                _("P(accept) %(p)s: the catalogue's prior (no answers yet)", p=_share(p))
            )
        elif (id(accept), a.id) in predicted:
            p = predicted[(id(accept), a.id)]
            auc = f", AUC {format_number(accept.auc, decimals=2)}" if accept.auc is not None else ""
            label = _("pooled model of all offers") if which == "pooled" else accept.kind
            reasons.append(
                _(
                    "P(accept) %(p)s (model %(model)s: %(label)s%(auc)s)",
                    p=_share(p),
                    model=models.version,
                    label=label,
                    auc=auc,
                )
            )
            if explain is not None:
                reasons.extend(explain(accept, inputs[a.id])[:TOP_REASONS])
        else:
            rated = models.accept.get(a.code) or accept
            p = rated.rate
            reasons.append(
                _(
                    "P(accept) %(p)s: the action's average rate (model %(model)s)",
                    p=_share(p),
                    model=models.version,
                )
                + ("" if profiling else " " + _("(profiling objection: no personal data used)"))
            )
        if organic is not None:
            if (id(organic), a.id) in predicted:
                p0 = predicted[(id(organic), a.id)]
            else:
                p0 = (models.organic.get(a.code) or organic).rate
            reasons.append(
                _(
                    "would buy anyway %(p0)s: incremental %(lift)s",
                    p0=_share(p0),
                    lift=_share(p - p0, signed=True),
                )
            )
        out[a.id] = (p, p0, reasons)
    return out


def decide(
    engine: Engine,
    facts: Facts,
    ctx: Context,
    verdicts: Verdicts,
    answers: Sequence[Answer],
    rng: random.Random,
    *,
    control: bool,
    explain: Explain | None = None,
) -> Outcome:
    """Arbitrate for one contact (see the module docstring for the order of the rules);
    ``control``: the customer is in this month's control group (drawn by the experiments
    kernel, :func:`valuecenter.offers.decisions.control_arms`)."""
    c = engine.config
    detractor = is_detractor(engine, facts, ctx)
    first = service_first(engine, facts, ctx, detractor)
    subject = Subject(facts=facts, context=ctx, detractor=detractor, consent=verdicts.granted)
    features = {**facts.x, **context_features(ctx, c.service_intents)}
    models = engine.models
    base = models.layout.base(features) if models is not None else None
    profiling = verdicts.granted("profiling", "any")
    outbound = ctx.direction == "outbound"
    today = ctx.today
    channel = consent_channel(ctx.channel)

    held: list[Held] = []
    passed: list[CompiledAction] = []
    candidates: list[tuple[CompiledAction, float, float, float, list[str]]] = []
    explorable: list[tuple[CompiledAction, float, float, float, list[str]]] = []
    expected: dict[int, tuple[float, float]] = {}  # action id → (expected cents, lever weight)
    for action in engine.actions:

        def hold(rule: str, detail: str, action: CompiledAction = action) -> None:
            held.append(Held(action, rule, detail))

        if action.broken is not None:
            hold("rule-broken", action.broken)
            continue
        if action.valid_from is not None and today < action.valid_from:
            hold("validity", f"starts {action.valid_from:%Y-%m-%d}")
            continue
        if action.valid_until is not None and today > action.valid_until:
            hold("validity", f"ended {action.valid_until:%Y-%m-%d}")
            continue
        if action.channels and ctx.channel not in action.channels:
            hold("channel", f"not offered on {ctx.channel}")
            continue
        allowed = verdicts.ask(action.purpose, channel, outbound)
        if not allowed.allowed:
            hold(allowed.rule, allowed.detail)
            continue
        if action.rule is not None:
            why = action.rule.check(subject)
            if why is not None:
                hold("eligibility", why)
                continue
        why = repeat_block(answers, action.id, action.repeat_after_days, ctx.at)
        if why is not None:
            hold("repeat", why)
            continue
        blocked = False
        for rule in engine.policies:
            if rule.kind == "frequency":
                why = frequency_block(
                    answers,
                    rule,
                    purpose=action.purpose,
                    channel=ctx.channel,
                    direction=ctx.direction,
                    at=ctx.at,
                )
            else:
                why = rejection_block(answers, rule, action.id, ctx.at)
            if why is not None:
                hold(rule.kind, f"{rule.code}: {why}")
                blocked = True
                break
        if blocked:
            continue
        if action.kind == SALES and first is not None:
            hold("service-first", first)
            continue
        if action.kind == SALES and control:
            hold(
                "control-group",
                f"in this month's control group ({c.control_share:.0%} of customers): "
                "no sales offer, so the offers' lift is measured",
            )
            continue

        passed.append(action)

    estimates = _estimate(models, base, features, passed, profiling, explain)
    for action in passed:
        p, p0, reasons = estimates.get(action.id) or (
            action.prior_accept,
            0.0,
            [
                _(
                    "P(accept) %(p)s: the catalogue's prior (no model yet)",
                    p=_share(action.prior_accept),
                )
            ],
        )
        weight, lever_names = lever_weight(engine.levers, action, ctx)
        if action.kind == RETENTION and ctx.open_case_since is not None:
            reasons.insert(0, open_case_phrase(ctx.open_case_since))
        reasons.extend(lever_names)
        value = action.value_cents
        if action.kind == "retention" and value == 0 and facts.clv_cents:
            value = facts.clv_cents
            reasons.append(_("a save is worth his CLV, %(value)s", value=money_exact(value)))
        if action.save is not None:
            # The retention work's measurement: the desk's uplift of the keep rate against its
            # control group is the incremental P; the offer costs whoever stays with it.
            s = action.save
            p, p0 = s.keep, s.keep - s.uplift
            reasons.append(
                _(
                    "save desk: “%(offer)s” raises the keep rate by %(uplift)s (%(desk)s desk "
                    "cases against %(control)s in control, shrunk towards the catalogue's prior)",
                    offer=s.offer,
                    uplift=_share(s.uplift, signed=True),
                    desk=format_number(s.desk_cases),
                    control=format_number(s.control_cases),
                )
            )
        # The levers weigh the rank (the gain side of the score); the euro line never carries
        # a weight (offers/reasons.py).
        costs = p * action.cost_cents + action.contact_cost_cents
        score = weight * (p - p0) * value - costs
        expected[action.id] = ((p - p0) * value - costs, weight)
        reasons.append(
            expected_line(
                expected_cents=(p - p0) * value - costs,
                incremental=p - p0,
                value_cents=value,
                p_accept=p,
                cost_cents=action.cost_cents,
                contact_cost_cents=action.contact_cost_cents,
            )
        )
        entry = (action, score, p, p0, reasons)
        if action.kind == SALES:
            explorable.append(entry)
            if score <= 0:
                held.append(Held(action, "not-worth", reasons[-1]))
                continue
        candidates.append(entry)

    def order(
        entry: tuple[CompiledAction, float, float, float, list[str]],
    ) -> tuple[int, float, str]:
        action, score = entry[0], entry[1]
        if first is not None and action.kind == SERVICE:
            return (0, -score, action.code)
        # A customer who wants to cancel (the intent, or an open save case) hears the
        # retention offer before any sale: "not toner" (issue 16).
        if ctx.intent == CANCEL and action.kind == RETENTION:
            return (1, -score, action.code)
        return (2, -score, action.code)

    candidates.sort(key=order)
    explored, explored_id = False, -1
    if explorable and rng.random() < c.exploration_share:
        pick = explorable[rng.randrange(len(explorable))]
        reasons = [
            _(
                "exploration: shown at random (%(share)s of decisions) so the models keep learning",
                share=format_percent(c.exploration_share),
            ),
            *pick[4],
        ]
        candidates = [e for e in candidates if e[0].id != pick[0].id]
        held = [h for h in held if h.action.id != pick[0].id]
        # The random offer takes the place of the best sales offer: after the service
        # actions that come first, before every other action.
        at = next(
            (i for i, e in enumerate(candidates) if e[0].kind == SALES),
            sum(1 for e in candidates if order(e)[0] == 0),
        )
        candidates.insert(at, (pick[0], pick[1], pick[2], pick[3], reasons))
        explored, explored_id = True, pick[0].id
    shown: list[Shown] = []
    for rank, (action, score, p, p0, reasons) in enumerate(candidates[: c.max_actions], start=1):
        is_explored = explored and action.id == explored_id
        if first is not None and action.kind == SERVICE:
            reasons = [_("service first: %(why)s", why=first), *reasons]
        value_cents, weight = expected.get(action.id, (score, 1.0))
        shown.append(Shown(action, rank, value_cents, p, p0, is_explored, reasons, weight))
    for action, _score, _p, _p0, reasons in candidates[c.max_actions :]:
        held.append(
            Held(
                action,
                "ranked-lower",
                _("below the top %(n)s: %(why)s", n=c.max_actions, why=reasons[-1]),
            )
        )
    return Outcome(
        shown=shown,
        held=held,
        arm="control" if control else "nba",
        explored=explored and any(s.explored for s in shown),
        features=features,
        service_first=first,
    )
