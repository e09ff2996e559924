"""Agents in teams, their hire and leave dates, and their employee NPS answers.

A team has a number of seats sized by the contacts it handles. Each seat is held by a chain of
agents: when one leaves (annual attrition around 25%, seed 004: three weeks of initial
training), the successor is hired three weeks before and takes over the seat on the leaving
day. Seats are planned from the forecast volume of each team, not from what later happened.

An agent's hidden ``engagement`` is his team's climate plus his own part; it lengthens
tenure, raises his employee NPS, and lifts the NPS of the customers he serves (seed 002:
employees' and customers' NPS correlate 80%), so a team's eNPS and its customers' NPS move
together. His ``quality`` (correlated with engagement) makes him solve more questions and
transfer fewer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo import names
from valuecenter.demo.timeline import (
    DAY,
    HOUR,
    FloatArray,
    IntArray,
    Window,
    days_since_epoch,
    local_to_utc,
    to_dates,
    to_timestamps,
)
from valuecenter.demo.vector import nullable

CONTACTS_PER_SEAT_MONTH = 400
TRAINING_DAYS = 21
_MEAN_TENURE_YEARS = 4.0
_SKILLS = {
    "service": "phone;chat;email;fax;sms",
    "orderdesk": "phone;fax;email",
    "retention": "phone;chat",
    "webcare": "webcare;chat",
}


@dataclass(frozen=True)
class Team:
    code: str
    function: str
    language: str | None


@dataclass(frozen=True)
class Workforce:
    """Agents (importer columns), hidden engagement and quality, and the seats that route
    contacts."""

    agents: pd.DataFrame
    teams: list[Team]
    engagement: np.ndarray  # per agent row
    quality: np.ndarray  # per agent row
    climate: np.ndarray  # per agent row: his team's climate
    hire_day: IntArray
    leave_day: IntArray  # -1: still employed at the window end
    team_codes: list[str]
    seat_agents: dict[int, list[IntArray]]  # team index -> per seat: agent rows in order
    seat_from: dict[int, list[IntArray]]  # team index -> per seat: local second each takes over


def build_workforce(
    teams: list[Team],
    handled_per_team: IntArray,
    window: Window,
    rng: np.random.Generator,
    name_rng: np.random.Generator,
) -> Workforce:
    start_day = days_since_epoch(window.start)
    end_day = start_day + window.days
    agent_team: list[int] = []
    hire: list[int] = []
    leave: list[int] = []
    engagement: list[float] = []
    seat_agents: dict[int, list[IntArray]] = {}
    seat_from: dict[int, list[IntArray]] = {}
    climate = rng.normal(0.0, 0.6, len(teams))
    for t in range(len(teams)):
        per_month = handled_per_team[t] / window.months
        seats = max(2, math.ceil(per_month / CONTACTS_PER_SEAT_MONTH))
        seat_agents[t], seat_from[t] = [], []
        for _ in range(seats):
            rows: list[int] = []
            froms: list[int] = []
            takes_over = start_day - 100_000
            hired = start_day - int(rng.integers(30, 8 * 365))
            current = start_day
            while True:
                e = float(climate[t] + 0.8 * rng.standard_normal())
                tenure = rng.exponential(_MEAN_TENURE_YEARS * 365 * math.exp(0.4 * e))
                leaves = int(current + tenure)
                rows.append(len(hire))
                froms.append(takes_over * DAY)
                agent_team.append(t)
                engagement.append(e)
                hire.append(hired)
                if leaves >= end_day:
                    leave.append(-1)
                    break
                leave.append(leaves)
                takes_over = leaves
                hired = leaves - TRAINING_DAYS
                current = leaves
            seat_agents[t].append(np.asarray(rows, dtype=np.int64))
            seat_from[t].append(np.asarray(froms, dtype=np.int64))
    team_idx = np.asarray(agent_team, dtype=np.int64)
    n = len(team_idx)
    eng = np.asarray(engagement)
    quality = 0.5 * eng + 0.85 * rng.standard_normal(n)
    languages = np.asarray(
        [teams[t].language or ("nl" if i % 3 else "de") for i, t in enumerate(agent_team)],
        dtype=object,
    )
    first, last = names.people(name_rng, languages)
    hire_day = np.asarray(hire, dtype=np.int64)
    leave_day = np.asarray(leave, dtype=np.int64)
    width = max(4, len(str(n)))
    leave_text = nullable(to_dates(np.maximum(leave_day, 0)).to_numpy(), leave_day >= 0)
    agents = pd.DataFrame(
        {
            "agent_id": [f"A{i:0{width}d}" for i in range(1, n + 1)],
            "name": first + " " + last,
            "team": np.asarray([teams[t].code for t in agent_team], dtype=object),
            "language": languages,
            "skills": np.asarray([_SKILLS[teams[t].function] for t in agent_team], dtype=object),
            "hire_date": to_dates(hire_day),
            "leave_date": leave_text,
        }
    )
    return Workforce(
        agents=agents,
        teams=list(teams),
        engagement=eng,
        quality=quality,
        climate=climate[team_idx],
        hire_day=hire_day,
        leave_day=leave_day,
        team_codes=[t.code for t in teams],
        seat_agents=seat_agents,
        seat_from=seat_from,
    )


def expected_volume(
    teams: list[Team],
    languages: np.ndarray,
    service_contacts: FloatArray,
    assisted_orders: FloatArray,
    ivr_share: float,
) -> IntArray:
    """The forecast contacts each team handles over the window, from each customer's expected
    service contacts and orders placed through the contact centre (the staffing plan)."""
    handled = service_contacts * 0.8 * (1.0 - 0.6 * ivr_share)
    out = np.zeros(len(teams), dtype=np.float64)
    for t, team in enumerate(teams):
        mine = languages == team.language if team.language else np.ones(len(languages), bool)
        if team.function == "service":
            out[t] = handled[mine].sum() * 0.9
        elif team.function == "orderdesk":
            out[t] = assisted_orders[mine].sum()
        elif team.function == "retention":
            out[t] = handled[mine].sum() * 0.08
        else:
            out[t] = handled.sum() * 0.04
    return np.round(out * 1.15).astype(np.int64)  # transfers, repeats and callbacks


def assign_agents(
    wf: Workforce, team: IntArray, local_s: IntArray, rng: np.random.Generator
) -> IntArray:
    """The agent row handling each contact (``-1`` where ``team`` is ``-1``): a random seat of
    the team, and whoever held that seat at the time."""
    out = np.full(len(team), -1, dtype=np.int64)
    for t, seats in wf.seat_agents.items():
        idx = np.flatnonzero(team == t)
        if len(idx) == 0:
            continue
        seat = rng.integers(0, len(seats), len(idx))
        for s, (rows, froms) in enumerate(zip(seats, wf.seat_from[t], strict=True)):
            mine = idx[seat == s]
            pos = np.searchsorted(froms, local_s[mine], side="right") - 1
            out[mine] = rows[np.maximum(pos, 0)]
    return out


def employee_surveys(wf: Workforce, window: Window, rng: np.random.Generator) -> pd.DataFrame:
    """Quarterly employee NPS (0–10) of the agents employed at the time (about 75% answer)."""
    start_day = days_since_epoch(window.start)
    ids = wf.agents["agent_id"].to_numpy()
    parts: list[pd.DataFrame] = []
    for day in range(start_day + 45, start_day + window.days, 91):
        active = (wf.hire_day <= day) & ((wf.leave_day < 0) | (wf.leave_day > day))
        answers = np.flatnonzero(active & (rng.random(len(ids)) < 0.75))
        leaving_soon = (wf.leave_day[answers] >= 0) & (wf.leave_day[answers] < day + 120)
        score = (
            7.0
            + 1.5 * wf.engagement[answers]
            - 2.0 * leaving_soon
            + rng.normal(0.0, 1.2, len(answers))
        )
        local = day * DAY + 8 * HOUR + rng.integers(0, 5 * DAY, len(answers))
        parts.append(
            pd.DataFrame(
                {
                    "agent_id": ids[answers],
                    "answered_at": to_timestamps(local_to_utc(local.astype(np.int64))),
                    "score": np.clip(np.round(score), 0, 10).astype(np.int64),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["agent_id", "answered_at", "score", "comment"])
    frame = pd.concat(parts, ignore_index=True)
    frame["comment"] = None
    return frame
