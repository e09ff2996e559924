"""The routing rule set as a manager writes it (YAML), checked whole before it is stored.

.. code-block:: yaml

    settings:
      default_queue: phone-nl          # where a call goes when no rule chose a queue
      self_service_queue: ivr          # the IVR's queue, for self_service rules
      base_priority: 0
    rules:                             # in order: the first matching queue action decides
      - name: Cancel goes to the retention team
        when: {intent: cancel}         # the decision kernel's rule language (decisions/rules.py)
        then: {queue_by_language: {nl: retention-nl, fr: retention-fr}}
      - name: Own account manager
        then: {route: own_am}          # only when his agent is available, else the next rules
      - name: Monday morning
        when: {all: [{weekday: mon}, {hour: {lt: 12}}]}
        then: {priority: 2}            # boosts add up
      - name: Invoice copy in the IVR
        when: {intent: invoice}
        then: {self_service: true}
        enabled: false

The conditions are parsed by the kernel (:func:`valuecenter.decisions.rules.parse`) with the
vocabulary of what exists — segments, countries, languages of the customers, agents and teams —
and the actions here against the active queues, so a typo is refused on save with its path
(``rules[2].then.queue: 'retentoin' is not a queue …``) and never reaches a call. Seeds 000/001
(the IVR, the retention team, the ACD by customer information and segment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.contacts.models import Queue
from valuecenter.customers.models import Customer
from valuecenter.decisions.rules import Vocabulary, parse
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

ACTIONS = ("queue", "route", "self_service", "priority", "queue_by_language")
ROUTES = ("own_am",)
RULE_KEYS = ("name", "when", "then", "enabled")
SETTINGS_KEYS = ("default_queue", "self_service_queue", "base_priority")
NOT_IN_ROUTING = ("consent", "detractor")
"""Kernel fields a routing rule may not use: routing reads no consent events and no detractor
window (the offers' settings), so such a condition could never be judged."""
MAX_RULES = 500
MAX_BOOST = 100
MAX_BASE_PRIORITY = 1000
_LANGUAGE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Words:
    """What exists, for checking a rule set (``None``: not known yet, not checked)."""

    queues: frozenset[str]
    languages: frozenset[str] | None
    rules: Vocabulary


@dataclass(frozen=True)
class CheckedRule:
    position: int
    name: str
    enabled: bool
    when: dict[str, Any] | None
    then: dict[str, Any]


@dataclass(frozen=True)
class CheckedSet:
    default_queue: str
    self_service_queue: str | None
    base_priority: int
    rules: tuple[CheckedRule, ...]


def words(session: Session) -> Words:
    """The active queues, the languages in use and the kernel's vocabulary (segments,
    countries, value segments, products, categories — the offers' vocabulary)."""
    from valuecenter.offers.catalogue import vocabulary

    queues = frozenset(session.scalars(select(Queue.code).where(Queue.active.is_(True))))
    used = union(
        select(Customer.language).distinct(),
        select(Team.language).distinct(),
        select(Agent.language).distinct(),
    )
    languages = frozenset(str(v).strip().lower() for v in session.scalars(used) if v)
    vocab = vocabulary(session)
    known = languages or None
    return Words(
        queues=queues,
        languages=known,
        rules=Vocabulary(
            products=vocab.products,
            categories=vocab.categories,
            segments=vocab.segments,
            value_segments=vocab.value_segments,
            countries=vocab.countries,
            languages=known,
        ),
    )


def read_file(path: Path) -> Any:
    """The parsed YAML of a rules file; one line naming the problem otherwise."""
    if not path.is_file():
        raise InvalidInput("file", _("%(file)s does not exist", file=path))
    try:
        return parse_text(path.read_text(encoding="utf-8"), str(path))
    except UnicodeDecodeError:
        raise InvalidInput("file", _("%(file)s is not UTF-8 text", file=path)) from None


def parse_text(text: str, source: str = "rules") -> Any:
    """YAML text as data; a syntax error is one line with its place."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None:
            raise InvalidInput("file", _("%(file)s: is not valid YAML", file=source)) from None
        raise InvalidInput(
            "file",
            _(
                "%(file)s: line %(line)s, column %(column)s is not valid YAML",
                file=source,
                line=mark.line + 1,
                column=mark.column + 1,
            ),
        ) from None


def check(document: object, known: Words) -> CheckedSet:
    """The whole rule set checked; :class:`InvalidInput` names the path of the first fault."""
    if not isinstance(document, Mapping):
        raise InvalidInput("", _("expected a mapping with settings and rules"))
    _only(document, ("settings", "rules"), "")
    settings = document.get("settings")
    if not isinstance(settings, Mapping):
        raise InvalidInput("settings", _("expected default_queue, self_service_queue and so on"))
    _only(settings, SETTINGS_KEYS, "settings")
    default_queue = _queue(settings.get("default_queue"), known, "settings.default_queue")
    self_service = settings.get("self_service_queue")
    self_service_queue = (
        None if self_service is None else _queue(self_service, known, "settings.self_service_queue")
    )
    base = settings.get("base_priority", 0)
    _whole(base, 0, MAX_BASE_PRIORITY, "settings.base_priority")
    rules = document.get("rules")
    if rules is None:
        rules = []
    if not isinstance(rules, list):
        raise InvalidInput("rules", _("expects a list of rules"))
    if len(rules) > MAX_RULES:
        raise InvalidInput("rules", _("at most %(n)s rules", n=MAX_RULES))
    checked = tuple(check_rule(rule, known, f"rules[{i}]", i + 1) for i, rule in enumerate(rules))
    for i, rule in enumerate(checked):
        if "self_service" in rule.then and self_service_queue is None:
            raise InvalidInput(
                f"rules[{i}].then.self_service",
                _("needs settings.self_service_queue (the IVR's queue)"),
            )
    return CheckedSet(default_queue, self_service_queue, int(base), checked)


def check_rule(rule: object, known: Words, path: str, position: int) -> CheckedRule:
    """One rule entry checked: its name, switch, condition and action."""
    if not isinstance(rule, Mapping):
        raise InvalidInput(path, _("expected name, when and then"))
    _only(rule, RULE_KEYS, path)
    name = rule.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{path}.name", _("a rule needs a name"))
    if len(name.strip()) > 200:
        raise InvalidInput(f"{path}.name", _("is longer than 200 characters"))
    enabled = rule.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput(f"{path}.enabled", _("expects true or false"))
    when = parse(rule.get("when"), known.rules, f"{path}.when")
    _refuse_fields(when, f"{path}.when")
    if "then" not in rule:
        raise InvalidInput(f"{path}.then", _("a rule needs an action"))
    then = check_action(rule["then"], known, f"{path}.then")
    return CheckedRule(position, name.strip(), enabled, when, then)


def check_action(action: object, known: Words, path: str) -> dict[str, Any]:
    """One action in its canonical form."""
    if not isinstance(action, Mapping) or len(action) != 1:
        raise InvalidInput(path, _("expects one action: %(actions)s", actions=", ".join(ACTIONS)))
    ((kind, value),) = action.items()
    here = f"{path}.{kind}"
    if kind == "queue":
        return {"queue": _queue(value, known, here)}
    if kind == "route":
        if value not in ROUTES:
            raise InvalidInput(
                here,
                _(
                    "'%(value)s' is not a route; use %(routes)s",
                    value=value,
                    routes=", ".join(ROUTES),
                ),
            )
        return {"route": value}
    if kind == "self_service":
        if value is not True:
            raise InvalidInput(here, _("expects true"))
        return {"self_service": True}
    if kind == "priority":
        _whole(value, -MAX_BOOST, MAX_BOOST, here)
        if value == 0:
            raise InvalidInput(here, _("a boost of 0 changes nothing"))
        return {"priority": int(value)}
    if kind == "queue_by_language":
        if not isinstance(value, Mapping) or not value:
            raise InvalidInput(here, _("expects languages with their queue, e.g. {nl: phone-nl}"))
        out: dict[str, str] = {}
        for language, queue in value.items():
            code = _language(language, known, f"{here}.{language}")
            out[code] = _queue(queue, known, f"{here}.{language}")
        return {"queue_by_language": dict(sorted(out.items()))}
    raise InvalidInput(
        path,
        _(
            "'%(value)s' is not an action; use one of %(actions)s",
            value=kind,
            actions=", ".join(ACTIONS),
        ),
    )


def _queue(value: object, known: Words, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(path, _("expects a queue code"))
    code = value.strip()
    if code not in known.queues:
        if not known.queues:
            raise InvalidInput(
                path, _("'%(value)s' is not a queue; no queues exist yet (import them)", value=code)
            )
        raise InvalidInput(
            path,
            _(
                "'%(value)s' is not a queue; use one of %(choices)s",
                value=code,
                choices=", ".join(sorted(known.queues)),
            ),
        )
    return code


def _language(value: object, known: Words, path: str) -> str:
    code = str(value).strip().lower() if isinstance(value, str) else ""
    if not _LANGUAGE.fullmatch(code):
        raise InvalidInput(
            path, _("'%(value)s' is not a language code such as nl, de or fr", value=value)
        )
    if known.languages is not None and code not in known.languages:
        raise InvalidInput(
            path,
            _(
                "'%(value)s' is not a language here; use one of %(choices)s",
                value=code,
                choices=", ".join(sorted(known.languages)),
            ),
        )
    return code


def _whole(value: object, low: int, high: int, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            path, _("expects a whole number %(low)s to %(high)s", low=low, high=high)
        )


def _only(mapping: Mapping[Any, Any], allowed: Iterable[str], path: str) -> None:
    allowed = tuple(allowed)
    for key in mapping:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise InvalidInput(
                where,
                _(
                    "unknown key '%(key)s'; use %(keys)s",
                    key=key,
                    keys=", ".join(allowed),
                ),
            )


def _refuse_fields(rule: Any, path: str) -> None:
    """Refuse the kernel fields routing cannot judge (:data:`NOT_IN_ROUTING`)."""
    if rule is None:
        return
    ((key, value),) = rule.items()
    if key in ("all", "any"):
        for i, part in enumerate(value):
            _refuse_fields(part, f"{path}.{key}[{i}]")
    elif key == "not":
        _refuse_fields(value, f"{path}.not")
    elif key in NOT_IN_ROUTING:
        raise InvalidInput(
            f"{path}.{key}", _("'%(field)s' is not used in routing rules", field=key)
        )


def as_document(checked: CheckedSet) -> dict[str, Any]:
    """The rule set as the YAML file holds it (export, the page's text)."""
    settings: dict[str, Any] = {"default_queue": checked.default_queue}
    if checked.self_service_queue is not None:
        settings["self_service_queue"] = checked.self_service_queue
    settings["base_priority"] = checked.base_priority
    rules: list[dict[str, Any]] = []
    for rule in checked.rules:
        entry: dict[str, Any] = {"name": rule.name}
        if rule.when is not None:
            entry["when"] = rule.when
        entry["then"] = rule.then
        if not rule.enabled:
            entry["enabled"] = False
        rules.append(entry)
    return {"settings": settings, "rules": rules}


def _plain(value: Any) -> Any:
    """Whole floats as ints (the kernel stores numbers as floats: ``hour: {lt: 12.0}``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump(document: Mapping[str, Any]) -> str:
    """YAML text of a rule set: the settings and each rule a block, a rule's condition and
    action each on one line (flow style), so a manager reads one rule at a glance."""
    settings = yaml.safe_dump(
        {"settings": document.get("settings") or {}}, sort_keys=False, allow_unicode=True
    )
    lines = [settings.rstrip("\n"), "rules:"]
    for rule in document.get("rules") or []:
        name = yaml.safe_dump({"name": rule["name"]}, allow_unicode=True, width=1000).strip()
        lines.append(f"  - {name}")
        for key in ("when", "then", "enabled"):
            if key in rule:
                value = yaml.safe_dump(
                    _plain(rule[key]), default_flow_style=True, allow_unicode=True, width=1000
                ).strip()
                lines.append(f"    {key}: {value.removesuffix(chr(10) + '...').strip()}")
    if len(lines) == 2:
        lines[-1] = "rules: []"
    return "\n".join(lines) + "\n"
