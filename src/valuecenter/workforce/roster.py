"""Shifts, the roster (who works when) and the roster held against a staffing plan.

**Shifts** are patterns: a start in local time, a length, the weekdays (``1111100`` = Monday to
Friday). **The roster** is one row per agent and period at work, in training or on leave
(``schedule_entries``, UTC), imported from the planning tool a contact center already uses
(``valuecenter staffing roster import FILE``: columns ``agent_id``, ``starts_at``, ``ends_at``,
optional ``kind`` work/training/leave and ``shift``; times ISO 8601 with their offset, or
local wall-clock time of ``--timezone``). The import is all or nothing: every row is checked
first and the first bad one is reported with its row and column; a row for an agent and start
that is already there replaces it.

**Coverage** holds the roster against a plan, interval by interval: the agents at work (rows
of kind work overlapping the interval, counting only agents with the queue's channel as a
skill when anyone has it), how many of them are on the phones after shrinkage, and the
service level Erlang C expects with that many — so a planner sees which half hours the roster
leaves short before the day comes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.analytics.erlang import erlang_c_metrics
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.workforce.intervals import IntervalRow
from valuecenter.workforce.models import (
    AgentSkill,
    ForecastRun,
    ScheduleEntry,
    ScheduleKind,
    Shift,
    StaffingPlan,
)
from valuecenter.workforce.settings import checked_code_and_name
from valuecenter.workforce.volume import interval_seconds

MAX_ROWS = 1_000_000
MAX_HOURS = 24
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_WEEKDAYS = re.compile(r"^[01]{7}$")


# ---------------------------------------------------------------------- shifts


def save_shift(
    session: Session,
    *,
    code: str,
    name: str,
    start: str,
    minutes: int,
    weekdays: str = "1111100",
    team: str | None = None,
) -> Shift:
    """Add a shift pattern or change the one with this code."""
    code, name = checked_code_and_name(code, name)
    clock = _CLOCK.match(start.strip())
    if clock is None:
        raise InvalidInput("start", _("'%(value)s' is not a time of day (HH:MM)", value=start))
    if not 15 <= minutes <= 960:
        raise InvalidInput("minutes", _("must be from 15 to 960"))
    if not _WEEKDAYS.match(weekdays):
        raise InvalidInput(
            "weekdays", _("seven 0s and 1s, Monday first (1111100 = Monday to Friday)")
        )
    team_id = None
    if team:
        team_id = session.scalar(select(Team.id).where(Team.code == team))
        if team_id is None:
            raise NotFound(_("no team with code %(code)s", code=team))
    row = session.scalar(select(Shift).where(Shift.code == code))
    if row is None:
        row = Shift(code=code)
        session.add(row)
    row.name, row.team_id = name, team_id
    row.start_minute = int(clock.group(1)) * 60 + int(clock.group(2))
    row.minutes, row.weekdays = minutes, weekdays
    session.flush()
    return row


def shifts(session: Session) -> list[Shift]:
    return list(session.scalars(select(Shift).order_by(Shift.code)))


# ---------------------------------------------------------------------- roster import


@dataclass(frozen=True)
class RosterImport:
    rows: int
    agents: int
    first: datetime | None
    last: datetime | None


def _optional(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """The column as stripped text (empty cells ""), or None when the file has none."""
    if name not in frame.columns:
        return None
    return frame[name].astype("string").str.strip().fillna("")


def _required(frame: pd.DataFrame, name: str) -> pd.Series:
    found = _optional(frame, name)
    if found is None:
        columns = ", ".join(str(c) for c in frame.columns)
        raise InvalidInput(
            "file", _("no column '%(name)s' (columns: %(columns)s)", name=name, columns=columns)
        )
    return found


def _bad(row: int, column: str, value: object, what: str) -> InvalidInput:
    return InvalidInput(
        "file",
        _(
            "row %(row)s, column %(column)s: '%(value)s' is %(what)s",
            row=row,
            column=column,
            value="" if value is None or value is pd.NA else str(value),
            what=what,
        ),
    )


def _moments(text: pd.Series, zone: ZoneInfo, column: str, first_row: int) -> list[datetime]:
    """Each cell as a UTC moment: ISO 8601 with its offset (offsets may differ across a clock
    change), or a local wall-clock time of ``zone``."""
    values: list[datetime] = []
    for i, cell in enumerate(text.tolist()):
        try:
            stamp: pd.Timestamp | None = pd.Timestamp(str(cell)) if cell else None
        except (ValueError, TypeError, OverflowError):
            stamp = None
        if stamp is None or pd.isna(stamp):
            raise _bad(i + first_row, column, cell, _("not a date and time (ISO 8601)"))
        if not 2000 <= stamp.year <= 2100:
            raise _bad(i + first_row, column, cell, _("outside the years 2000–2100"))
        moment = stamp.to_pydatetime()
        if moment.tzinfo is None:
            # A wall-clock time whose two readings (fold 0 and 1) differ is one the clock skips
            # or repeats: refused rather than guessed.
            first, second = moment.replace(tzinfo=zone), moment.replace(tzinfo=zone, fold=1)
            if first.utcoffset() != second.utcoffset():
                raise _bad(
                    i + first_row, column, cell, _("a local time the clock skips or repeats")
                )
            moment = first
        values.append(moment.astimezone(UTC))
    return values


def import_roster(
    session: Session, frame: pd.DataFrame, *, timezone: str = "Europe/Amsterdam", first_row: int = 2
) -> RosterImport:
    """Check every row, then write them (module text); nothing is written when a row is bad."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "--timezone", _("'%(value)s' is not a time zone", value=timezone)
        ) from None
    if len(frame) == 0:
        raise InvalidInput("file", _("has no rows below the header"))
    if len(frame) > MAX_ROWS:
        raise InvalidInput("file", _("more than %(n)s rows", n=MAX_ROWS))
    agent_text = _required(frame, "agent_id")
    starts_text = _required(frame, "starts_at")
    ends_text = _required(frame, "ends_at")
    kind_text = _optional(frame, "kind")
    shift_text = _optional(frame, "shift")
    agents: dict[str, int] = dict(session.execute(select(Agent.external_id, Agent.id)).all())
    shift_ids: dict[str, int] = dict(session.execute(select(Shift.code, Shift.id)).all())
    starts = _moments(starts_text, zone, "starts_at", first_row)
    ends = _moments(ends_text, zone, "ends_at", first_row)
    kinds = {k.value: k for k in ScheduleKind}
    rows: dict[tuple[int, datetime], dict[str, object]] = {}
    for i in range(len(frame)):
        row = i + first_row
        agent = str(agent_text.iloc[i])
        if agent not in agents:
            raise _bad(row, "agent_id", agent, _("not a known agent"))
        start, end = starts[i], ends[i]
        if not start < end <= start + timedelta(hours=MAX_HOURS):
            raise _bad(
                row, "ends_at", ends_text.iloc[i], _("not after the start and within 24 hours")
            )
        kind_value = "" if kind_text is None else str(kind_text.iloc[i]).lower()
        if kind_value not in ("", *kinds):
            raise _bad(row, "kind", kind_value, _("not work, training or leave"))
        shift_code = "" if shift_text is None else str(shift_text.iloc[i]).lower()
        shift_id = shift_ids.get(shift_code) if shift_code else None
        if shift_code and shift_id is None:
            raise _bad(row, "shift", shift_code, _("not a known shift"))
        rows[(agents[agent], start)] = {
            "agent_id": agents[agent],
            "starts_at": start,
            "ends_at": end,
            "kind": kinds[kind_value or "work"],
            "shift_id": shift_id,
        }
    for agent_id, start in rows:
        session.execute(
            delete(ScheduleEntry).where(
                ScheduleEntry.agent_id == agent_id, ScheduleEntry.starts_at == start
            )
        )
    session.add_all(ScheduleEntry(**values) for values in rows.values())
    session.flush()
    moments = [start for _agent, start in rows]
    return RosterImport(
        rows=len(rows),
        agents=len({agent for agent, _start in rows}),
        first=min(moments) if moments else None,
        last=max(moments) if moments else None,
    )


# ---------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageRow:
    starts_at: datetime  # UTC
    needed: int  # agents on the phones the plan needs
    scheduled: int  # agents at work by the roster
    on_phones: int  # of them on the phones after shrinkage
    service_level: float | None  # Erlang C with that many; None: no calls


def _skilled(session: Session, channel: str) -> set[int] | None:
    """Agents with the queue's channel as a skill; None when nobody has that skill."""
    ids = set(session.scalars(select(AgentSkill.agent_id).where(AgentSkill.skill == channel)))
    return ids or None


def coverage(
    session: Session,
    plan: StaffingPlan,
    run: ForecastRun,
    rows: Sequence[IntervalRow],
    channel: str,
) -> list[CoverageRow]:
    """The roster against every interval of the plan (module text); empty without a roster in
    the plan's span."""
    if not rows:
        return []
    step = timedelta(seconds=interval_seconds(run.freq))
    first, last = rows[0].starts_at, rows[-1].starts_at + step
    entries = session.execute(
        select(ScheduleEntry.agent_id, ScheduleEntry.starts_at, ScheduleEntry.ends_at).where(
            ScheduleEntry.kind == ScheduleKind.WORK,
            ScheduleEntry.starts_at < last,
            ScheduleEntry.ends_at > first,
        )
    ).all()
    if not entries:
        return []
    skilled = _skilled(session, channel)
    spans = [(s, e) for agent, s, e in entries if skilled is None or agent in skilled]
    starts = np.array([r.starts_at.timestamp() for r in rows])
    ends = starts + step.total_seconds()
    scheduled = np.zeros(len(rows), dtype=np.int64)
    for s, e in spans:
        # at work for the whole interval (a half-covered interval is not counted)
        scheduled += (starts >= s.timestamp()) & (ends <= e.timestamp())
    on_phones = np.floor(scheduled * (1 - plan.shrinkage) + 1e-9).astype(np.int64)
    calls = np.array([r.calls for r in rows])
    traffic = calls * plan.aht_seconds / step.total_seconds()
    metrics = erlang_c_metrics(
        traffic, on_phones, plan.aht_seconds, float(plan.service_level_seconds)
    )
    levels = np.asarray(metrics.service_level, dtype=np.float64)
    return [
        CoverageRow(
            starts_at=r.starts_at,
            needed=r.agents,
            scheduled=int(scheduled[i]),
            on_phones=int(on_phones[i]),
            service_level=None
            if calls[i] <= 0 or not math.isfinite(levels[i])
            else float(levels[i]),
        )
        for i, r in enumerate(rows)
    ]
