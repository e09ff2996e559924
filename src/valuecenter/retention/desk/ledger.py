"""The save-value ledger: what the save desk kept, gross and incremental, per month, agent or
offer (estimator and its interval: :mod:`valuecenter.analytics.ledger`).

Rows count **closed** cases by the UTC day they were closed, within [since, until).

- ``by="month"``: a row per month; the desk cases of the month are compared with the control
  cases of the same month.
- ``by="agent"`` / ``by="offer"``: a row per agent (or ``unassigned``) / per offer given (or
  ``no-offer``); its desk cases are compared with *every* control case of the period. These
  rows are **not randomised** (``randomised=False``): the draw split desk from control, not
  one agent's or one offer's cases from the rest. An offer goes to the customers its
  suggestion picked (the high-value ones, whose keep rate differs anyway), and agents may
  get different case mixes, so such a row mixes the effect with who was in it. The month rows
  and the total are randomised comparisons; the month rows also stay fair when the control
  share or the callers' keep rate changes over the period.
- The **total** row compares every desk case with every control case of the period (the same
  for every ``by``).

Every row carries the gross figure *and* the incremental one beside it (the gross figure is
never given alone), the offers' cost, the net incremental value (incremental value − offer
cost, its interval shifted by the known cost) and its provenance: the score runs whose CLV
priced the cases and the share of the row's cases that were control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent
from valuecenter.analytics.ledger import Incremental, save_ledger
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.retention.models import (
    RetentionOffer,
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveStatus,
)
from valuecenter.value.models import ScoreRun

By = Literal["month", "agent", "offer"]
BY: tuple[By, ...] = ("month", "agent", "offer")
TOTAL = "total"


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger. Money in cents; rates 0–1 (``None`` for an empty arm)."""

    key: str
    label: str
    cases: int  # desk + control cases compared
    desk: int
    control: int
    kept_desk: int
    kept_control: int
    keep_rate_desk: float | None
    keep_rate_control: float | None
    gross_saves: int
    gross_value_cents: int
    offer_cost_cents: int
    incremental_saves: Incremental
    incremental_value_cents: Incremental
    net_incremental_value_cents: Incremental
    score_runs: list[str]
    control_share: float | None
    randomised: bool  # the row's desk cases against control cases as the draw split them


@dataclass(frozen=True)
class _Case:
    closed: datetime
    desk: bool
    kept: bool
    value: int
    cost: int
    agent_id: int | None
    offer_id: int | None
    score_run_id: int | None


def _bound(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, UTC)


def _closed_cases(session: Session, since: date | None, until: date | None) -> list[_Case]:
    start, stop = _bound(since), _bound(until)
    if start is not None and stop is not None and stop <= start:
        # [since, until) with until at or before since holds no day: an empty ledger, not an
        # error (issue 17: every pair of days the API's schema allows is a valid request).
        return []
    c = SaveCase
    stmt = select(
        c.closed_at, c.arm, c.outcome, c.value_cents, c.offer_cost_cents, c.agent_id,
        c.offer_id, c.score_run_id,
    ).where(c.status == SaveStatus.CLOSED, c.closed_at.is_not(None))  # fmt: skip
    if start is not None:
        stmt = stmt.where(c.closed_at >= start)
    if stop is not None:
        stmt = stmt.where(c.closed_at < stop)
    return [
        _Case(
            closed=closed.astimezone(UTC),
            desk=arm == SaveArm.DESK,
            kept=outcome == SaveOutcome.KEPT,
            value=int(value),
            cost=int(cost or 0),
            agent_id=agent_id,
            offer_id=offer_id,
            score_run_id=run_id,
        )
        for closed, arm, outcome, value, cost, agent_id, offer_id, run_id in session.execute(stmt)
        if closed is not None
    ]


def _row(
    key: str,
    label: str,
    desk: list[_Case],
    control: list[_Case],
    runs: dict[int, str],
    randomised: bool,
) -> LedgerRow:
    figures = save_ledger(
        [float(x.kept) for x in desk],
        [float(x.value) for x in desk],
        [float(x.kept) for x in control],
        [float(x.value) for x in control],
    )
    cost = sum(x.cost for x in desk)
    cases = len(desk) + len(control)
    used = {x.score_run_id for x in desk + control if x.score_run_id is not None}
    return LedgerRow(
        key=key,
        label=label,
        cases=cases,
        desk=figures.desk,
        control=figures.control,
        kept_desk=figures.kept_desk,
        kept_control=figures.kept_control,
        keep_rate_desk=figures.keep_rate_desk,
        keep_rate_control=figures.keep_rate_control,
        gross_saves=figures.gross_saves,
        gross_value_cents=round(figures.gross_value),
        offer_cost_cents=cost,
        incremental_saves=figures.incremental_saves,
        incremental_value_cents=figures.incremental_value,
        net_incremental_value_cents=figures.incremental_value.minus(cost),
        score_runs=sorted(runs.get(r, str(r)) for r in used),
        control_share=len(control) / cases if cases else None,
        randomised=randomised,
    )


Group = str | int | None


def _group_of(by: By, case: _Case) -> Group:
    if by == "month":
        return f"{case.closed:%Y-%m}"
    return case.agent_id if by == "agent" else case.offer_id


def _names(session: Session, by: By, groups: set[Group]) -> dict[Group, tuple[str, str]]:
    """(key, label) of every group: the month, the agent's id and name, the offer's code
    and name; desk cases without an agent or an offer get ``unassigned`` / ``no-offer``."""
    if by == "month":
        return {g: (str(g), str(g)) for g in groups}
    ids = {g for g in groups if isinstance(g, int)}
    named: dict[Group, tuple[str, str]] = {
        None: ("unassigned", "no agent recorded")
        if by == "agent"
        else ("no-offer", "kept or lost without an offer")
    }
    if by == "agent":
        agents = select(Agent.id, Agent.external_id, Agent.name).where(Agent.id.in_(ids))
        named |= {int(i): (ext, name or ext) for i, ext, name in session.execute(agents)}
    else:
        offers = select(RetentionOffer.id, RetentionOffer.code, RetentionOffer.name).where(
            RetentionOffer.id.in_(ids)
        )
        named |= {int(i): (code, name) for i, code, name in session.execute(offers)}
    return named


def ledger(
    session: Session, by: By, since: date | None = None, until: date | None = None
) -> list[LedgerRow]:
    """The ledger's rows for ``by`` (month, agent or offer; sorted by key), then the total
    row (key ``total``), from the cases closed in [since, until)."""
    if by not in BY:
        raise InvalidInput(
            "by", _("'%(value)s' is not one of %(choices)s", value=by, choices=", ".join(BY))
        )
    cases = _closed_cases(session, since, until)
    runs = {int(i): str(r) for i, r in session.execute(select(ScoreRun.id, ScoreRun.run_id))}
    desk = [x for x in cases if x.desk]
    control = [x for x in cases if not x.desk]
    groups = {_group_of(by, x) for x in (cases if by == "month" else desk)}
    names = _names(session, by, groups)
    rows: list[LedgerRow] = []
    for group in sorted(groups, key=lambda g: names[g][0]):
        key, label = names[group]
        mine = [x for x in desk if _group_of(by, x) == group]
        compared = [x for x in control if _group_of(by, x) == group] if by == "month" else control
        rows.append(_row(key, label, mine, compared, runs, randomised=by == "month"))
    rows.append(_row(TOTAL, "all cases", desk, control, runs, randomised=True))
    return rows
