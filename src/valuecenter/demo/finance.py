"""The demo company's books (issue 23): the costs the product cannot read from its data —
overhead, IT and telephony, training — entered per month, and a budget for the last year of
the history, so the P&L page of ``make run`` shows a whole department.

They are the demo's stated assumptions, not measurements: per month, the entered costs follow
the month's agent-hours cost line (``finance/costs.py``) with fixed ratios that make labour
about two thirds of the department's cost — overhead (management, facilities) 30%, IT and
telephony 15%, external training 3% of the agent-hours cost. The budget of the last year is
each cost line's year at those ratios, 5% above the run rate of the months so far (a budget a
manager can beat or miss), and a target for the proven save and offer yield of a tenth and a
twentieth of the department's cost (goals set by the demo company, not by its truth).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.contacts.models import Contact
from valuecenter.finance import budget, entries
from valuecenter.finance.costs import agent_hours
from valuecenter.finance.models import BudgetKind, CostKind
from valuecenter.finance.pnl import next_month

RATIOS = {
    CostKind.OVERHEAD: 0.30,
    CostKind.IT_TELEPHONY: 0.15,
    CostKind.TRAINING: 0.03,
}
NOTES = {
    CostKind.OVERHEAD: "management and facilities (demo assumption)",
    CostKind.IT_TELEPHONY: "telephony, CRM and workplace licences (demo assumption)",
    CostKind.TRAINING: "external courses (demo assumption)",
}
BUDGET_MARGIN = 1.05
SAVES_TARGET, OFFERS_TARGET = 0.10, 0.05


def _months(session: Session) -> list[date]:
    first, last = session.execute(
        select(func.min(Contact.started_at), func.max(Contact.started_at))
    ).one()
    if first is None or last is None:
        return []
    months = [first.date().replace(day=1)]
    while next_month(months[-1]) <= last.date():
        months.append(next_month(months[-1]))
    return months


def load_demo_books(session: Session) -> tuple[int, int]:
    """Enter the demo's costs for every month with contacts and the last year's budget;
    (cost rows, budget rows)."""
    months = _months(session)
    rows = []
    labour: dict[date, int] = {}
    for month in months:
        labour[month] = agent_hours(session, month, next_month(month)).cents
        for kind, ratio in RATIOS.items():
            cents = round(labour[month] * ratio)
            rows.append(entries.EntryRow(month, kind, None, None, cents, NOTES[kind]))
    if not rows:
        return 0, 0
    entered = entries.load(session, rows)
    year = months[-1].year
    so_far = [m for m in months if m.year == year]
    run_rate = sum(labour[m] for m in so_far) / len(so_far) * 12 * BUDGET_MARGIN
    department = run_rate * (1 + sum(RATIOS.values()))
    plan = [
        budget.BudgetRow(year, "agent-hours", BudgetKind.COST, round(run_rate)),
        *(
            budget.BudgetRow(year, kind.value, BudgetKind.COST, round(run_rate * ratio))
            for kind, ratio in RATIOS.items()
        ),
        budget.BudgetRow(year, "saves", BudgetKind.YIELD, round(department * SAVES_TARGET)),
        budget.BudgetRow(year, "nba-sales", BudgetKind.YIELD, round(department * OFFERS_TARGET)),
    ]
    return entered, budget.load(session, plan)
