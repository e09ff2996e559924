"""Contact reasons, avoidable contacts and the cost of a contact (issue 20, C16; seeds 000,
002, 003: customers ask 3–4 questions per contact; unnecessary contact is the main cost
driver — 70% of the calls were orders that could have gone online; know who calls about what
and what serving him costs).

All pure, over arrays or lists in any order:

- **Pareto** of reasons (Juran's "vital few"): each reason's count, its share and the
  cumulative share, largest first (ties by name) — over every reason of every contact (a
  contact with four questions counts four times) or over one label per contact (the primary
  reason);
- **peak days**: a day is a peak when its contact volume is *above* the ``quantile``-th
  quantile (default 0.9, linear interpolation) of the daily volumes of the period — every
  calendar day from the first to the last day with a contact, days without contacts counted
  as 0; so about one day in ten is a peak, and never a day at or below the threshold;
- **reason mix on peaks vs normal days**: per reason the share of contacts that mention it
  on peak days and on normal days, and the difference with Newcombe's hybrid score 95%
  interval (Newcombe 1998, method 10; :func:`valuecenter.analytics.ledger.newcombe`). The
  interval treats contacts as independent draws; contacts of one day share that day's causes
  (an outage, a late delivery run), so it is narrower than a day-clustered one would be — a
  difference of a point or two on a year of contacts is real in the data but small;
- **avoidable-contact rules**: a rule is a conjunction of conditions on the contact's intent,
  its reasons (any of them), channel, direction and whether it repeats an earlier contact of
  its chain; each condition lists the values it accepts (empty: any). A contact is avoidable
  when a rule matches; it is attributed to the *first* rule that matches, so the costs per
  rule add up to the avoidable cost;
- **cost of a contact** = handle minutes (talk + hold + wrap) × the cost of a handle minute
  on the contact's channel, in integer cents, rounded half up per contact (so totals are sums
  of whole cents). Waiting costs the company nothing here (the customer waits, not an agent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.ledger import newcombe
from valuecenter.channels import CONTACT_CHANNELS
from valuecenter.i18n import N_

IntArray = npt.NDArray[np.int64]
DIRECTIONS = ("inbound", "outbound")
RULE_KEYS = ("name", "label", "intent", "reason", "channel", "direction", "repeat")
PEAK_QUANTILE = 0.9


@dataclass(frozen=True)
class ParetoRow:
    reason: str
    count: int
    share: float
    cumulative: float  # share of this reason and every larger one


def pareto(labels: Iterable[str]) -> list[ParetoRow]:
    """Each label's count, share and cumulative share, largest first (ties by label)."""
    counts = Counter(labels)
    total = sum(counts.values())
    rows: list[ParetoRow] = []
    running = 0
    for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += count
        rows.append(ParetoRow(reason, count, count / total, running / total))
    return rows


def vital_few(rows: Sequence[ParetoRow], share: float = 0.8) -> int:
    """How many of the largest reasons it takes to reach ``share`` of the total."""
    for i, row in enumerate(rows):
        if row.cumulative >= share - 1e-12:
            return i + 1
    return len(rows)


@dataclass(frozen=True)
class PeakDays:
    threshold: float  # the quantile of the daily volumes; a peak day is above it
    quantile: float
    days: int  # calendar days in the period (from the first to the last day with a contact)
    peak: frozenset[int]  # the peak days (days since the epoch)


def peak_days(day: npt.ArrayLike, quantile: float = PEAK_QUANTILE) -> PeakDays:
    """The peak days of contacts started on ``day`` (integer days since the epoch)."""
    if not 0.0 < quantile < 1.0:
        raise InputError(N_("peak quantile: must be between 0 and 1"))
    days = np.asarray(day, dtype=np.int64)
    if len(days) == 0:
        return PeakDays(0.0, quantile, 0, frozenset())
    first = int(days.min())
    volume = np.bincount(days - first)
    threshold = float(np.quantile(volume, quantile))
    peak = frozenset(int(d) + first for d in np.flatnonzero(volume > threshold))
    return PeakDays(threshold, quantile, len(volume), peak)


@dataclass(frozen=True)
class MixRow:
    reason: str
    peak_contacts: int  # contacts on peak days that mention the reason
    peak_share: float | None  # … of the contacts on peak days
    normal_contacts: int
    normal_share: float | None
    difference: float | None  # peak share − normal share
    low: float | None  # its 95% interval (Newcombe)
    high: float | None


def peak_mix(peak: npt.ArrayLike, reasons: Sequence[Sequence[str]]) -> list[MixRow]:
    """Per reason the share of contacts mentioning it on peak days (``peak`` True) and on the
    other days, and the difference with its 95% interval; largest difference first (by size,
    ties by reason). A reason counts once per contact however often it is given."""
    on_peak = np.asarray(peak, dtype=bool)
    if len(on_peak) != len(reasons):
        raise InputError(N_("contacts: needs one peak flag and one list of reasons per contact"))
    n_peak, n_normal = int(on_peak.sum()), int((~on_peak).sum())
    at_peak: Counter[str] = Counter()
    normal: Counter[str] = Counter()
    for flag, given in zip(on_peak.tolist(), reasons, strict=True):
        (at_peak if flag else normal).update(set(given))
    rows = []
    for reason in sorted(set(at_peak) | set(normal)):
        a, b = at_peak[reason], normal[reason]
        p = a / n_peak if n_peak else None
        q = b / n_normal if n_normal else None
        if p is None or q is None:
            rows.append(MixRow(reason, a, p, b, q, None, None, None))
            continue
        low, high = newcombe(float(a), n_peak, float(b), n_normal)
        rows.append(MixRow(reason, a, p, b, q, p - q, low, high))
    return sorted(rows, key=lambda r: (-abs(r.difference or 0.0), r.reason))


@dataclass(frozen=True)
class Rule:
    """An avoidable-contact rule: every condition given must hold (values within one
    condition are alternatives); ``repeat`` True/False requires the contact to repeat / not
    to repeat an earlier contact of its chain, None accepts both."""

    name: str
    label: str
    intent: frozenset[str] = frozenset()
    reason: frozenset[str] = frozenset()
    channel: frozenset[str] = frozenset()
    direction: frozenset[str] = frozenset()
    repeat: bool | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            **{
                key: sorted(getattr(self, key))
                for key in ("intent", "reason", "channel", "direction")
                if getattr(self, key)
            },
            **({} if self.repeat is None else {"repeat": self.repeat}),
        }


ASSISTED = frozenset(c.value for c in CONTACT_CHANNELS) - {"self-service"}
DEFAULT_RULES: tuple[Rule, ...] = (
    # Seed 000: 70% of the calls were orders that could have been placed online.
    Rule(
        "order-could-be-online",
        N_("Order placed through an agent that could have been placed online"),
        intent=frozenset({"order"}),
        channel=ASSISTED,
        direction=frozenset({"inbound"}),
    ),
    # "Where is my order?": a delivery status a track-and-trace message would have answered.
    Rule(
        "where-is-my-order",
        N_("Where is my order: a delivery status track and trace would have answered"),
        intent=frozenset({"where-is-my-order", "delivery"}),
        direction=frozenset({"inbound"}),
    ),
    # Failure demand (Seddon 2003, "Freedom from Command and Control"): a customer contacts
    # again about the same issue because it was not solved the first time (repeats, transfers,
    # callbacks after an abandoned call: every contact of a chain after its first) — with an
    # agent: a customer serving himself again is no unnecessary work for the service desk.
    Rule(
        "repeat-contact",
        N_("Repeat contact about an issue not solved the first time (failure demand)"),
        channel=ASSISTED,
        direction=frozenset({"inbound"}),
        repeat=True,
    ),
)


def _values(index: int, key: str, raw: object) -> frozenset[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise InputError(
            N_("rule %(index)s: %(key)s must be a list of codes"), index=index, key=key
        )
    values = frozenset(v.strip() for v in raw)
    allowed = {"channel": {c.value for c in CONTACT_CHANNELS}, "direction": set(DIRECTIONS)}
    unknown = sorted(values - allowed[key]) if key in allowed else []
    if unknown:
        raise InputError(
            N_("rule %(index)s: unknown %(key)s %(values)s; use %(allowed)s"),
            index=index,
            key=key,
            values=", ".join(unknown),
            allowed=", ".join(sorted(allowed[key])),
        )
    return values


def parse_rules(data: object) -> tuple[Rule, ...]:
    """Rules from parsed YAML or JSON: a list of rules, or ``{"rules": [...]}``; each rule a
    mapping of ``name`` (unique), optional ``label``, and at least one condition of
    ``intent``, ``reason``, ``channel``, ``direction`` (lists of codes) and ``repeat``
    (true/false)."""
    if isinstance(data, Mapping) and set(data) == {"rules"}:
        data = data["rules"]
    if not isinstance(data, list) or not data:
        raise InputError(N_("rules: must be a non-empty list of rules"))
    rules: list[Rule] = []
    for index, raw in enumerate(data, start=1):
        if not isinstance(raw, Mapping):
            raise InputError(N_("rule %(index)s: must be a mapping"), index=index)
        unknown = sorted(str(k) for k in raw if k not in RULE_KEYS)
        if unknown:
            raise InputError(
                N_("rule %(index)s: unknown key %(keys)s; use %(allowed)s"),
                index=index,
                keys=", ".join(unknown),
                allowed=", ".join(RULE_KEYS),
            )
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError(N_("rule %(index)s: needs a name"), index=index)
        if any(r.name == name.strip() for r in rules):
            raise InputError(
                N_("rule %(index)s: name %(name)s is used twice"), index=index, name=name
            )
        label = raw.get("label", name)
        repeat = raw.get("repeat")
        if not isinstance(label, str) or (repeat is not None and not isinstance(repeat, bool)):
            raise InputError(
                N_("rule %(index)s: label must be text and repeat true or false"), index=index
            )
        conditions = {
            key: _values(index, key, raw[key])
            for key in ("intent", "reason", "channel", "direction")
            if key in raw
        }
        if not any(conditions.values()) and repeat is None:
            raise InputError(N_("rule %(index)s: needs at least one condition"), index=index)
        rules.append(Rule(name=name.strip(), label=label, repeat=repeat, **conditions))
    return tuple(rules)


def match_rules(
    rules: Sequence[Rule],
    intent: Sequence[str | None],
    reasons: Sequence[Sequence[str]],
    channel: Sequence[str],
    direction: Sequence[str],
    repeat: npt.ArrayLike,
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """The first rule (its index, −1 none) each contact matches, and a contacts × rules
    matrix of every match (a contact may match several rules)."""
    n = len(intent)
    repeats = np.asarray(repeat, dtype=bool)
    if not (len(reasons) == len(channel) == len(direction) == len(repeats) == n):
        raise InputError(
            N_("contacts: needs one intent, reason list, channel, direction and repeat flag each")
        )
    hits = np.zeros((n, len(rules)), dtype=bool)
    for j, rule in enumerate(rules):
        ok = np.ones(n, dtype=bool)
        if rule.intent:
            ok &= np.fromiter((i in rule.intent for i in intent), dtype=bool, count=n)
        if rule.reason:
            ok &= np.fromiter((not rule.reason.isdisjoint(r) for r in reasons), bool, count=n)
        if rule.channel:
            ok &= np.fromiter((c in rule.channel for c in channel), dtype=bool, count=n)
        if rule.direction:
            ok &= np.fromiter((d in rule.direction for d in direction), dtype=bool, count=n)
        if rule.repeat is not None:
            ok &= repeats == rule.repeat
        hits[:, j] = ok
    first = np.where(hits.any(axis=1), hits.argmax(axis=1), -1).astype(np.int64)
    return first, hits


def contact_cost_cents(
    channel: Sequence[str],
    handle_seconds: npt.ArrayLike,
    cents_per_minute: Mapping[str, int],
) -> IntArray:
    """Each contact's cost in whole cents: handle seconds × the channel's cents per minute /
    60, rounded half up. A channel missing from ``cents_per_minute`` is refused."""
    seconds = np.asarray(handle_seconds, dtype=np.int64)
    if len(seconds) != len(channel):
        raise InputError(N_("contacts: needs one channel and one handle time per contact"))
    if (seconds < 0).any():
        raise InputError(N_("handle seconds: must not be negative"))
    missing = sorted(set(channel) - set(cents_per_minute))
    if missing:
        raise InputError(
            N_("cost model: no cost per minute for channel %(names)s"), names=", ".join(missing)
        )
    rate = np.fromiter((cents_per_minute[c] for c in channel), dtype=np.int64, count=len(seconds))
    return (seconds * rate + 30) // 60
