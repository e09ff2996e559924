"""Queues: their opening hours and service-level targets, read and checked in one place.

A queue's opening hours are, per weekday (``mon`` … ``sun``), a list of ``["HH:MM", "HH:MM"]``
intervals in the local time of its timezone (an IANA name such as ``Europe/Amsterdam``); the
end may be ``24:00`` (open until midnight), a weekday absent or empty is closed, intervals are
sorted and do not overlap. Public holidays are not part of a weekly pattern. The target says
the share of offered contacts to answer within a number of seconds (the "80/20" of a phone
queue: 80% within 20 seconds); the share lies in (0, 1], the seconds are at least 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from valuecenter.contacts.models import WEEKDAYS, Queue
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

OpeningHours = dict[str, list[list[str]]]
"""Weekday (``mon`` … ``sun``) -> sorted ``[start, end]`` intervals, ``HH:MM`` local time."""

ALWAYS_OPEN: OpeningHours = {day: [["00:00", "24:00"]] for day in WEEKDAYS}

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _minutes(field: str, value: object) -> int:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= 24 * 60:
        raise InvalidInput(field, _("'%(value)s' is not a time HH:MM", value=value))
    return minutes


def opening_hours(value: str | Mapping[str, Any] | None) -> OpeningHours:
    """The opening hours in ``value`` (a mapping, or its JSON text) checked and in the stored
    form: every weekday with its intervals sorted; blank or None is closed all week.

    Raises :class:`InvalidInput` (field ``opening_hours``) naming what is wrong."""
    field = "opening_hours"
    if value is None or (isinstance(value, str) and not value.strip()):
        return {day: [] for day in WEEKDAYS}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidInput(field, _('not JSON such as {"mon": [["08:00", "18:00"]]}')) from None
    if not isinstance(value, Mapping):
        raise InvalidInput(field, _('not JSON such as {"mon": [["08:00", "18:00"]]}'))
    unknown = sorted(str(k) for k in value if k not in WEEKDAYS)
    if unknown:
        raise InvalidInput(
            field,
            _(
                "unknown weekday '%(day)s' (use %(days)s)",
                day=unknown[0],
                days=", ".join(WEEKDAYS),
            ),
        )
    hours: OpeningHours = {}
    for day in WEEKDAYS:
        intervals = value.get(day) or []
        if not isinstance(intervals, list):
            raise InvalidInput(field, _("%(day)s: not a list of [start, end]", day=day))
        spans: list[tuple[int, int, str, str]] = []
        for interval in intervals:
            if not isinstance(interval, list) or len(interval) != 2:
                raise InvalidInput(field, _("%(day)s: not a list of [start, end]", day=day))
            start, end = (_minutes(field, v) for v in interval)
            if start >= end or start == 24 * 60:
                raise InvalidInput(
                    field, _("%(day)s: %(start)s is not before %(end)s", day=day, **_pair(interval))
                )
            spans.append((start, end, str(interval[0]), str(interval[1])))
        spans.sort()
        for before, after in pairwise(spans):
            if after[0] < before[1]:
                raise InvalidInput(field, _("%(day)s: intervals overlap", day=day))
        hours[day] = [[s, e] for _start, _end, s, e in spans]
    return hours


def _pair(interval: list[Any]) -> dict[str, object]:
    return {"start": interval[0], "end": interval[1]}


def timezone(name: str | None) -> ZoneInfo:
    """The IANA timezone called ``name``; :class:`InvalidInput` (field ``timezone``) if none."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "timezone", _("unknown timezone '%(value)s' (e.g. Europe/Amsterdam)", value=name)
        ) from None


def target(share: float, seconds: int) -> tuple[float, int]:
    """The service-level target (share within seconds), checked."""
    if not 0 < share <= 1:
        raise InvalidInput("service_level", _("the share must lie in (0, 1]"))
    if seconds < 1:
        raise InvalidInput("service_level_seconds", _("must be at least 1"))
    return share, seconds


def is_open(queue: Queue, at: datetime) -> bool:
    """Whether ``queue`` is open at the aware moment ``at`` (its local weekday and time fall in
    one of that weekday's intervals, the end excluded)."""
    if at.tzinfo is None:
        raise InvalidInput("at", _("needs a timezone"))
    local = at.astimezone(timezone(queue.timezone))
    minute = local.hour * 60 + local.minute
    for start, end in (queue.opening_hours or {}).get(WEEKDAYS[local.weekday()], []):
        if _minutes("opening_hours", start) <= minute < _minutes("opening_hours", end):
            return True
    return False
