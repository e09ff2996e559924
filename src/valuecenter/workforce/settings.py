"""The staffing settings (one row) and the editable table of commercial peak days.

Defaults (the migration inserts them; docs/staffing.md says why): 30% shrinkage, an occupancy
cap of 85%, 36 paid hours per FTE week, €22 an hour for a fixed agent, €28 an hour for a flex
agent plus €1,500 a year each to recruit, train and keep him current, at most 20 flex hours a
week per flex agent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.forecasting import DEFAULT_PEAK_DAYS, parse_peak_rule
from valuecenter.analytics.forecasting import PeakDay as PeakRule
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.workforce.models import PeakDay, StaffingSettings

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_CENTS = 100_000_000  # €1,000,000 an hour or a year: far above any real rate


def current(session: Session) -> StaffingSettings:
    """The settings row, created with the defaults if a database lost it."""
    row = session.get(StaffingSettings, 1)
    if row is None:
        row = StaffingSettings(id=1)
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class SettingsChange:
    shrinkage: float | None = None
    max_occupancy: float | None = None
    no_occupancy_cap: bool = False
    hours_per_fte_week: float | None = None
    cost_per_hour_cents: int | None = None
    flex_cost_per_hour_cents: int | None = None
    flex_fixed_cost_per_year_cents: int | None = None
    flex_hours_per_agent_week: float | None = None


def _share(field: str, value: float, *, closed: bool) -> float:
    ok = math.isfinite(value) and (0 < value <= 1 if closed else 0 <= value < 1)
    if not ok:
        raise InvalidInput(
            field,
            _("must be more than 0 and at most 1")
            if closed
            else _("must be at least 0 and below 1"),
        )
    return value


def _hours(field: str, value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= 80):
        raise InvalidInput(field, _("must be more than 0 and at most 80 hours"))
    return value


def _cents(field: str, value: int) -> int:
    if not 0 <= value <= MAX_CENTS:
        raise InvalidInput(field, _("must be from 0 to 1,000,000 euros"))
    return value


def update(session: Session, change: SettingsChange, *, user_id: int | None) -> StaffingSettings:
    """Apply the given fields (validated) to the settings row."""
    row = current(session)
    if change.shrinkage is not None:
        row.shrinkage = _share("shrinkage", change.shrinkage, closed=False)
    if change.no_occupancy_cap:
        row.max_occupancy = None
    elif change.max_occupancy is not None:
        row.max_occupancy = _share("max_occupancy", change.max_occupancy, closed=True)
    if change.hours_per_fte_week is not None:
        row.hours_per_fte_week = _hours("hours_per_fte_week", change.hours_per_fte_week)
    if change.flex_hours_per_agent_week is not None:
        row.flex_hours_per_agent_week = _hours(
            "flex_hours_per_agent_week", change.flex_hours_per_agent_week
        )
    for field in (
        "cost_per_hour_cents",
        "flex_cost_per_hour_cents",
        "flex_fixed_cost_per_year_cents",
    ):
        value = getattr(change, field)
        if value is not None:
            setattr(row, field, _cents(field, value))
    row.updated_at = utcnow()
    row.updated_by = user_id
    session.flush()
    return row


# ---------------------------------------------------------------------- peak days


def peak_days(session: Session) -> list[PeakDay]:
    return list(session.scalars(select(PeakDay).order_by(PeakDay.code)))


def active_rules(session: Session) -> tuple[PeakRule, ...]:
    """The active peak days as the forecasting core's rules."""
    return tuple(
        PeakRule(code=p.code, name=p.name, rule=p.rule) for p in peak_days(session) if p.active
    )


def _rule(text: str) -> str:
    rule = " ".join(text.split()).lower()
    if not rule or len(rule) > 64:
        raise InvalidInput("rule", _("must be 1 to 64 characters"))
    try:
        parse_peak_rule(rule)
    except InputError as error:
        raise InvalidInput("", error.translated()) from None
    return rule


def checked_code_and_name(code: str, name: str) -> tuple[str, str]:
    """A settings row's code (lower case, 1–64 of ``[a-z0-9_-]``) and name (1–200 characters,
    spaces collapsed), or :class:`InvalidInput` naming the field."""
    code = code.strip().lower()
    if not CODE.match(code):
        raise InvalidInput("code", _("use 1 to 64 lower-case letters, digits, '-' or '_'"))
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name", _("must be 1 to 200 characters"))
    return code, name


def save_peak_day(
    session: Session, *, code: str, name: str, rule: str, active: bool = True
) -> PeakDay:
    """Add a peak day or change the one with this code."""
    code, name = checked_code_and_name(code, name)
    checked = _rule(rule)
    row = session.scalar(select(PeakDay).where(PeakDay.code == code))
    if row is None:
        row = PeakDay(code=code, name=name, rule=checked, active=active)
        session.add(row)
    else:
        row.name, row.rule, row.active = name, checked, active
    session.flush()
    return row


def restore_default_peaks(session: Session) -> int:
    """Add the default peak days whose code is missing (the migration inserts them into a new
    database; the demo load and ``valuecenter staffing peaks defaults`` call this)."""
    have = set(session.scalars(select(PeakDay.code)))
    added = [
        PeakDay(code=p.code, name=p.name, rule=p.rule, active=True)
        for p in DEFAULT_PEAK_DAYS
        if p.code not in have
    ]
    session.add_all(added)
    session.flush()
    return len(added)


def remove_peak_day(session: Session, code: str) -> None:
    row = session.scalar(select(PeakDay).where(PeakDay.code == code.strip().lower()))
    if row is None:
        raise NotFound(_("no peak day with code %(code)s", code=code))
    session.delete(row)
    session.flush()
