"""The decision kernel's rule language: validated when saved, compiled once.

One language for every rule a manager writes about a customer in a contact: the eligibility of
the action catalogue's offers (seed 004: "which customers qualify for an offer?") and the
conditions of the inbound routing rules (seed 000: the ACD routes by customer information and
segment). A rule is a small declarative tree (YAML or JSON), so a manager can read it and the
engine can check it before it is ever used:

.. code-block:: yaml

    all:
      - segment: [platinum, gold, silver]       # the company's own label; a value or a list
      - value_segment: [champions, grow]        # the latest score run's six segments
      - country: {not_in: [CH]}
      - contract: [active, ending]              # none | active | ending (within N days)
      - not: {holds: {product: P06003}}         # bought in the last year (or {category: …})
      - open_complaint: false                   # open_case, open_complaint, detractor
      - clv: {gte: 500}                         # euro; tests gte, lte, gt, lt, eq
      - any:
          - intent: [order, product-info]
          - anniversary_within_days: 7
      - consent: {purpose: marketing, channel: email}
      - weekday: [mon]                          # the contact's local day, hour and wait
      - hour: {lt: 12}
      - wait_seconds: {gte: 120}

Combinators are ``all`` and ``any`` (non-empty lists) and ``not``; every other mapping is one
condition with exactly one field. :func:`parse` checks a rule against the fields, their value
types and — given a :class:`Vocabulary` — the products, categories, segments and countries
that exist, and returns its canonical form (what is stored); a broken rule is refused with the
path of the fault (``eligible.all[2].segment: 'gld' is not a segment …``), never evaluated at
request time. :func:`compile_rule` turns a canonical rule into a tree of small nodes whose
``check`` returns ``None`` when the customer qualifies, or the reason he does not (the
decision's ``suppressed`` list says it).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from valuecenter import channels
from valuecenter.decisions.facts import CHANNELS, CONTRACT_STATES, WEEKDAYS, Context, Facts
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

PURPOSES = ("service", "marketing", "profiling")
CONSENT_CHANNELS = channels.CONSENT_WORDS
KINDS = ("b2b", "b2c")

SET_FIELDS = (
    "segment",
    "value_segment",
    "country",
    "language",
    "kind",
    "plan",
    "intent",
    "channel",
    "contract",
    "weekday",
)
BOOL_FIELDS = ("open_case", "open_complaint", "detractor")
NUMBER_FIELDS = (
    "tenure_days",
    "clv",
    "revenue_12m",
    "orders_12m",
    "days_since_order",
    "last_nps",
    "churn_risk",
    "hour",
    "wait_seconds",
)
OTHER_FIELDS = ("holds", "anniversary_within_days", "consent")
COMBINATORS = ("all", "any", "not")
FIELDS = SET_FIELDS + BOOL_FIELDS + NUMBER_FIELDS + OTHER_FIELDS
COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "gte": (operator.ge, "≥"),
    "lte": (operator.le, "≤"),
    "gt": (operator.gt, ">"),
    "lt": (operator.lt, "<"),
    "eq": (operator.eq, "="),
}
MAX_DEPTH = 8
MAX_LIST = 200
EURO_FIELDS = frozenset({"clv", "revenue_12m"})
# What a rule says when a number it compares is unknown, in the reader's language (a
# function each, so the words are looked up when the rule is checked).
UNKNOWN: dict[str, Callable[[], str]] = {
    "last_nps": lambda: _("no NPS answer yet"),
    "clv": lambda: _("no customer value yet (run `valuecenter score`)"),
    "churn_risk": lambda: _("no open churn alert"),
    "days_since_order": lambda: _("no order yet"),
    "tenure_days": lambda: _("customer since unknown"),
}
FLAG_LABELS: dict[str, Callable[[], str]] = {
    "open_case": lambda: _("open case"),
    "open_complaint": lambda: _("open complaint"),
    "detractor": lambda: _("detractor"),
}


def _and() -> str:
    return " " + _("and") + " "


@dataclass(frozen=True)
class Vocabulary:
    """What exists, for checking a rule's values; ``None``: not known, anything goes."""

    products: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    segments: frozenset[str] | None = None
    value_segments: frozenset[str] | None = None
    countries: frozenset[str] | None = None
    languages: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """What a rule is checked against: the customer, the contact, whether he is a recent
    detractor (the engine's settings decide), and his consent right now."""

    facts: Facts
    context: Context
    detractor: bool
    consent: Callable[[str, str], bool]  # (purpose, consent channel) -> granted


# ---------------------------------------------------------------------------------- parse


def parse(rule: object, vocabulary: Vocabulary | None = None, path: str = "eligible") -> Any:
    """Validate ``rule`` and return its canonical form; :class:`InvalidInput` names the path
    of the first fault. ``None`` (no rule) is returned as ``None``: everyone qualifies."""
    if rule is None:
        return None
    return _parse(rule, vocabulary or Vocabulary(), path, 0)


def _parse(rule: object, vocab: Vocabulary, path: str, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise InvalidInput(path, _("rules nest at most %(n)s levels deep", n=MAX_DEPTH))
    if not isinstance(rule, Mapping):
        raise InvalidInput(
            path, _("expected a condition or all/any/not, got %(value)s", value=_shown(rule))
        )
    if len(rule) != 1:
        keys = ", ".join(str(k) for k in rule) or _("nothing")
        raise InvalidInput(
            path,
            _(
                "a condition has exactly one field (got %(keys)s); combine several with "
                "all: [...] or any: [...]",
                keys=keys,
            ),
        )
    ((key, value),) = rule.items()
    here = f"{path}.{key}"
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise InvalidInput(here, _("expects a non-empty list of rules"))
        return {key: [_parse(v, vocab, f"{here}[{i}]", depth + 1) for i, v in enumerate(value)]}
    if key == "not":
        return {"not": _parse(value, vocab, here, depth + 1)}
    if key in SET_FIELDS:
        return {key: _parse_set(key, value, vocab, here)}
    if key in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise InvalidInput(here, _("expects true or false, got %(value)s", value=_shown(value)))
        return {key: value}
    if key in NUMBER_FIELDS:
        return {key: _parse_number(value, here)}
    if key == "holds":
        return {key: _parse_holds(value, vocab, here)}
    if key == "anniversary_within_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 183:
            raise InvalidInput(
                here, _("expects a whole number of days 0–183, got %(value)s", value=_shown(value))
            )
        return {key: value}
    if key == "consent":
        return {key: _parse_consent(value, here)}
    raise InvalidInput(
        path,
        _(
            "unknown field '%(field)s'; use one of %(fields)s or all/any/not",
            field=key,
            fields=", ".join(FIELDS),
        ),
    )


def _parse_set(field: str, value: object, vocab: Vocabulary, path: str) -> dict[str, list[str]]:
    op = "in"
    if isinstance(value, Mapping):
        if len(value) != 1 or next(iter(value)) not in ("in", "not_in"):
            raise InvalidInput(path, _("expects a value, a list, {in: [...]} or {not_in: [...]}"))
        ((op, value),) = value.items()
    values = value if isinstance(value, list) else [value]
    if not values:
        raise InvalidInput(path, _("the list is empty"))
    if len(values) > MAX_LIST:
        raise InvalidInput(path, _("lists hold at most %(n)s values", n=MAX_LIST))
    texts: list[str] = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            raise InvalidInput(path, _("expects text values, got %(value)s", value=_shown(item)))
        texts.append(str(item).strip())
    known: Iterable[str] | None = {
        "contract": CONTRACT_STATES,
        "channel": CHANNELS,
        "weekday": WEEKDAYS,
        "kind": KINDS,
        "segment": vocab.segments,
        "value_segment": vocab.value_segments,
        "country": vocab.countries,
        "language": vocab.languages,
    }.get(field)
    if known is not None:
        allowed = set(known)
        for text in texts:
            if text not in allowed:
                raise InvalidInput(
                    path,
                    _(
                        "'%(value)s' is not a %(field)s here; use one of %(choices)s",
                        value=text,
                        field=field.replace("_", " "),
                        choices=", ".join(sorted(allowed)),
                    ),
                )
    return {op: sorted(set(texts))}


def _parse_number(value: object, path: str) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput(
            path,
            _("expects tests such as {gte: 10}; use %(tests)s", tests=", ".join(COMPARISONS)),
        )
    out: dict[str, float] = {}
    for op, number in value.items():
        if op not in COMPARISONS:
            raise InvalidInput(
                path,
                _("'%(op)s' is not a test; use %(tests)s", op=op, tests=", ".join(COMPARISONS)),
            )
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidInput(
                f"{path}.{op}", _("expects a number, got %(value)s", value=_shown(number))
            )
        if not math.isfinite(number):
            raise InvalidInput(f"{path}.{op}", _("expects a finite number"))
        out[str(op)] = float(number)
    return out


def _parse_holds(value: object, vocab: Vocabulary, path: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise InvalidInput(path, _("expects {product: ID} or {category: CODE}"))
    ((what, code),) = value.items()
    if what not in ("product", "category"):
        raise InvalidInput(path, _("'%(value)s' is not product or category", value=what))
    if not isinstance(code, str | int) or isinstance(code, bool) or not str(code).strip():
        raise InvalidInput(f"{path}.{what}", _("expects an id, got %(value)s", value=_shown(code)))
    code = str(code).strip()
    known = vocab.products if what == "product" else vocab.categories
    if known is not None and code not in known:
        raise InvalidInput(
            f"{path}.{what}",
            _("no product '%(code)s' exists", code=code)
            if what == "product"
            else _("no category '%(code)s' exists", code=code),
        )
    return {str(what): code}


def _parse_consent(value: object, path: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or set(value) != {"purpose", "channel"}:
        raise InvalidInput(path, _("expects {purpose: …, channel: …}"))
    purpose, channel = str(value["purpose"]), str(value["channel"])
    if purpose not in PURPOSES:
        raise InvalidInput(
            f"{path}.purpose",
            _("'%(value)s' is not one of %(choices)s", value=purpose, choices=", ".join(PURPOSES)),
        )
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(
            f"{path}.channel",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=channel,
                choices=", ".join(CONSENT_CHANNELS),
            ),
        )
    return {"purpose": purpose, "channel": channel}


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# -------------------------------------------------------------------------------- compile


class Node:
    """A compiled rule: ``check`` is ``None`` when the subject qualifies, else why not."""

    __slots__ = ()

    def check(self, s: Subject) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class _All(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def check(self, s: Subject) -> str | None:
        for part in self.parts:
            why = part.check(s)
            if why is not None:
                return why
        return None

    def describe(self) -> str:
        return _and().join(p.describe() for p in self.parts)


class _Any(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def check(self, s: Subject) -> str | None:
        reasons = []
        for part in self.parts:
            why = part.check(s)
            if why is None:
                return None
            reasons.append(why)
        return _("none of: %(reasons)s", reasons="; ".join(reasons))

    def describe(self) -> str:
        return "(" + (" " + _("or") + " ").join(p.describe() for p in self.parts) + ")"


class _Not(Node):
    __slots__ = ("inner",)

    def __init__(self, inner: Node) -> None:
        self.inner = inner

    def check(self, s: Subject) -> str | None:
        if self.inner.check(s) is not None:
            return None
        return _("excluded: %(rule)s", rule=self.inner.describe())

    def describe(self) -> str:
        return _("not %(rule)s", rule=self.inner.describe())


def _set_value(field: str, s: Subject) -> frozenset[str]:
    f, c = s.facts, s.context
    if field == "plan":
        return f.plans
    value = {
        "segment": f.segment,
        "value_segment": f.value_segment,
        "country": f.country,
        "language": c.language or f.language,
        "kind": f.kind,
        "intent": c.intent,
        "channel": c.channel,
        "contract": f.contract,
        "weekday": c.weekday,
    }[field]
    return frozenset() if value is None else frozenset((value,))


class _InSet(Node):
    __slots__ = ("field", "negate", "values")

    def __init__(self, field: str, values: list[str], negate: bool) -> None:
        self.field, self.values, self.negate = field, frozenset(values), negate

    def check(self, s: Subject) -> str | None:
        have = _set_value(self.field, s)
        hit = bool(have & self.values)
        if hit != self.negate:
            return None
        shown = ", ".join(sorted(have)) or _("unknown")
        if self.negate:
            return _("%(field)s is %(value)s (excluded)", field=self.field, value=shown)
        return _(
            "%(field)s is %(value)s, not %(values)s",
            field=self.field,
            value=shown,
            values=_list(self.values),
        )

    def describe(self) -> str:
        if self.negate:
            return _("%(field)s not in %(values)s", field=self.field, values=_list(self.values))
        return _("%(field)s in %(values)s", field=self.field, values=_list(self.values))


class _Flag(Node):
    __slots__ = ("field", "want")

    def __init__(self, field: str, want: bool) -> None:
        self.field, self.want = field, want

    def check(self, s: Subject) -> str | None:
        have = {
            "open_case": s.facts.open_case,
            "open_complaint": s.facts.open_complaint,
            "detractor": s.detractor,
        }[self.field]
        if have == self.want:
            return None
        what = FLAG_LABELS[self.field]()
        return _("has %(what)s", what=what) if have else _("has no %(what)s", what=what)

    def describe(self) -> str:
        what = FLAG_LABELS[self.field]()
        return what if self.want else _("no %(what)s", what=what)


def _number(field: str, s: Subject) -> float | None:
    f = s.facts
    if field == "tenure_days":
        tenure = f.tenure_days(s.context.today)
        return None if tenure is None else float(tenure)
    if field == "clv":
        return None if f.clv_cents is None else f.clv_cents / 100
    if field == "revenue_12m":
        return f.revenue_12m_cents / 100
    if field == "orders_12m":
        return float(f.orders_12m)
    if field == "days_since_order":
        return None if f.days_since_order is None else float(f.days_since_order)
    if field == "last_nps":
        return None if f.last_nps is None else float(f.last_nps)
    if field == "hour":
        return float(s.context.hour)
    if field == "wait_seconds":
        return float(s.context.wait_seconds)
    return f.churn_risk  # churn_risk


class _Compare(Node):
    __slots__ = ("field", "tests")

    def __init__(self, field: str, tests: Mapping[str, float]) -> None:
        self.field = field
        self.tests = tuple(tests.items())

    def check(self, s: Subject) -> str | None:
        value = _number(self.field, s)
        if value is None:
            unknown = UNKNOWN.get(self.field)
            return unknown() if unknown else _("%(field)s unknown", field=self.field)
        for op, bound in self.tests:
            fn, sign = COMPARISONS[op]
            if not fn(value, bound):
                return _(
                    "%(field)s %(value)s, needs %(sign)s %(bound)s",
                    field=self.field,
                    value=self._fmt(value),
                    sign=sign,
                    bound=self._fmt(bound),
                )
        return None

    def _fmt(self, v: float) -> str:
        if self.field in EURO_FIELDS:
            return f"€{v:,.0f}"
        return f"{v:g}"

    def describe(self) -> str:
        return _and().join(
            f"{self.field} {COMPARISONS[op][1]} {self._fmt(b)}" for op, b in self.tests
        )


class _Holds(Node):
    __slots__ = ("code", "what")

    def __init__(self, what: str, code: str) -> None:
        self.what, self.code = what, code

    def check(self, s: Subject) -> str | None:
        held = s.facts.products if self.what == "product" else s.facts.categories
        if self.code in held:
            return None
        if self.what == "product":
            return _("has not bought product %(code)s this year", code=self.code)
        return _("has not bought category %(code)s this year", code=self.code)

    def describe(self) -> str:
        if self.what == "product":
            return _("bought product %(code)s in the last year", code=self.code)
        return _("bought category %(code)s in the last year", code=self.code)


class _Anniversary(Node):
    __slots__ = ("days",)

    def __init__(self, days: int) -> None:
        self.days = days

    def check(self, s: Subject) -> str | None:
        since = s.facts.customer_since
        if since is None:
            return _("customer since unknown")
        away = days_to_anniversary(since, s.context.today)
        if away <= self.days:
            return None
        return _(
            "anniversary is %(away)s days away (within %(days)s needed)", away=away, days=self.days
        )

    def describe(self) -> str:
        return _("customer anniversary within %(days)s days", days=self.days)


class _Consent(Node):
    __slots__ = ("channel", "purpose")

    def __init__(self, purpose: str, channel: str) -> None:
        self.purpose, self.channel = purpose, channel

    def check(self, s: Subject) -> str | None:
        if s.consent(self.purpose, self.channel):
            return None
        return _(
            "no %(purpose)s consent for %(channel)s", purpose=self.purpose, channel=self.channel
        )

    def describe(self) -> str:
        return _("%(purpose)s consent for %(channel)s", purpose=self.purpose, channel=self.channel)


def days_to_anniversary(since: date, today: date) -> int:
    """Days between ``today`` and the nearest anniversary of ``since`` (either side; a
    29 February anniversary falls on 28 February in other years)."""
    best = 366
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            day = since.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= since:
            best = min(best, abs((day - today).days))
    return best


def compile_rule(canonical: Mapping[str, Any] | None) -> Node | None:
    """A canonical rule (as :func:`parse` returns and the database stores) as a node tree;
    ``None`` for no rule. A malformed rule (not from :func:`parse`) raises InvalidInput."""
    if canonical is None:
        return None
    return _compile(parse(canonical))


def _compile(rule: Mapping[str, Any]) -> Node:
    ((key, value),) = rule.items()
    if key == "all":
        return _All([_compile(v) for v in value])
    if key == "any":
        return _Any([_compile(v) for v in value])
    if key == "not":
        return _Not(_compile(value))
    if key in SET_FIELDS:
        ((op, values),) = value.items()
        return _InSet(key, values, negate=op == "not_in")
    if key in BOOL_FIELDS:
        return _Flag(key, bool(value))
    if key in NUMBER_FIELDS:
        return _Compare(key, value)
    if key == "holds":
        ((what, code),) = value.items()
        return _Holds(what, code)
    if key == "anniversary_within_days":
        return _Anniversary(int(value))
    return _Consent(value["purpose"], value["channel"])


def describe(canonical: Mapping[str, Any] | None) -> str:
    """The rule in words, for pages ("everyone" when there is none)."""
    node = compile_rule(canonical)
    return "everyone" if node is None else node.describe()


def _list(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


__all__ = [
    "FIELDS",
    "Node",
    "Subject",
    "Vocabulary",
    "compile_rule",
    "days_to_anniversary",
    "describe",
    "parse",
]
