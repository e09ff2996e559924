"""Budget and forecast of the service P&L (issue 23, point 7; docs/finance.md).

A yearly **budget** per cost line and a yearly **target** per yield line, loaded from a CSV
file (``year,line,amount_eur``; ``valuecenter finance budget load FILE``). A load replaces the
years it holds, all or nothing; a bad row is refused with its row number and field.

Beside each line: the month against a twelfth of the year, the year to date against the
months elapsed, and a **year-end projection** at the run rate of the months so far
(year to date ÷ months × 12) — the simplest forecast that a finance director can check by
hand; seasonal businesses should read it with that in mind (the method says so).
A yield line's actual is its *proven* incremental figure: a target is met by what is proven.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from valuecenter.errors import InvalidInput
from valuecenter.finance.costs import CostLine
from valuecenter.finance.ledger import YieldLine
from valuecenter.finance.models import Budget, BudgetKind
from valuecenter.i18n import _

COST_LINES = (
    "agent-hours",
    "training",
    "attrition",
    "overhead",
    "it-telephony",
    "giveaways",
    "campaigns",
    "other",
)
YIELD_LINES = ("saves", "nba-sales", "campaigns-yield", "am-pools", "avoided-costs")
MAX_CENTS = 10**13  # €100 billion: beyond any department's year
HEADER = ("year", "line", "amount_eur")


def yield_budget_key(key: str) -> str:
    """The budget key of a yield line (``campaigns`` is also a cost line)."""
    return "campaigns-yield" if key == "campaigns" else key


def amount_cents(text: str | None, where: str) -> int:
    """A CSV row's ``amount_eur`` in whole cents: 0 to €100 billion, at most two decimals
    (Decimal, so 0.1 + 0.2 stays exact); :class:`InvalidInput` naming the row otherwise."""
    try:
        cents = Decimal((text or "").strip()) * 100
    except InvalidOperation:
        cents = Decimal("NaN")
    if not (cents.is_finite() and 0 <= cents < MAX_CENTS and cents == cents.to_integral()):
        raise InvalidInput(
            f"{where}, amount_eur",
            _("must be an amount in euros from 0 to 100,000,000,000 with at most 2 decimals"),
        )
    return int(cents)


@dataclass(frozen=True)
class BudgetRow:
    year: int
    line: str
    kind: BudgetKind
    amount_cents: int


def parse(text: str) -> list[BudgetRow]:
    """The rows of a budget CSV; :class:`InvalidInput` naming the row and field."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or tuple(f.strip() for f in reader.fieldnames) != HEADER:
        raise InvalidInput("header", _("the header must be %(header)s", header=",".join(HEADER)))
    rows: list[BudgetRow] = []
    seen: set[tuple[int, str]] = set()
    for number, raw in enumerate(reader, start=2):
        where = _("row %(row)s", row=number)
        year_text = (raw.get("year") or "").strip()
        if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            raise InvalidInput(f"{where}, year", _("must be a year from 2000 to 2100"))
        line = (raw.get("line") or "").strip()
        if line in COST_LINES:
            kind = BudgetKind.COST
        elif line in YIELD_LINES:
            kind = BudgetKind.YIELD
        else:
            raise InvalidInput(
                f"{where}, line",
                _(
                    "'%(line)s' is not a line; one of %(lines)s",
                    line=line[:40],
                    lines=", ".join(COST_LINES + YIELD_LINES),
                ),
            )
        cents = amount_cents(raw.get("amount_eur"), where)
        key = (int(year_text), line)
        if key in seen:
            raise InvalidInput(
                f"{where}, line", _("%(line)s appears twice for its year", line=line)
            )
        seen.add(key)
        rows.append(BudgetRow(int(year_text), line, kind, cents))
    if not rows:
        raise InvalidInput("file", _("the file holds no budget rows"))
    return rows


def load(session: Session, rows: Iterable[BudgetRow]) -> int:
    """Replace the budgets of the years in ``rows`` with ``rows``; the number stored."""
    rows = list(rows)
    years = sorted({r.year for r in rows})
    session.execute(delete(Budget).where(Budget.year.in_(years)))
    session.add_all(
        Budget(year=r.year, line=r.line, kind=r.kind, amount_cents=r.amount_cents) for r in rows
    )
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class BudgetLine:
    """One line against its budget or target. Money in cents; ``None``: not known."""

    line: str
    kind: BudgetKind
    label: str
    year_cents: int
    month_budget_cents: int
    month_actual_cents: int | None
    ytd_budget_cents: int
    ytd_actual_cents: int | None
    projection_cents: int | None


def _actual_cost(lines: Iterable[CostLine]) -> dict[str, int]:
    return {line.key: line.cents for line in lines}


def _actual_yield(lines: Iterable[YieldLine]) -> dict[str, int | None]:
    return {
        yield_budget_key(line.key): (line.incremental_cents if line.proven else None)
        for line in lines
    }


def against_budget(
    session: Session,
    month: date,
    month_costs: list[CostLine],
    month_yields: list[YieldLine],
    ytd_costs: list[CostLine],
    ytd_yields: list[YieldLine],
) -> list[BudgetLine]:
    """Each budgeted line of ``month``'s year: the month and the year to date (January to
    ``month``) against the budget, and the year-end projection (module docstring)."""
    budgets = session.scalars(
        select(Budget).where(Budget.year == month.year).order_by(Budget.kind, Budget.line)
    ).all()
    elapsed = month.month
    labels = {line.key: line.label for line in month_costs}
    labels |= {yield_budget_key(line.key): line.label for line in month_yields}
    month_actual: dict[str, int | None] = {
        **_actual_cost(month_costs),
        **_actual_yield(month_yields),
    }
    ytd_actual: dict[str, int | None] = {**_actual_cost(ytd_costs), **_actual_yield(ytd_yields)}
    out = []
    for budget in budgets:
        ytd = ytd_actual.get(budget.line)
        out.append(
            BudgetLine(
                line=budget.line,
                kind=budget.kind,
                label=labels.get(budget.line, budget.line),
                year_cents=budget.amount_cents,
                month_budget_cents=round(budget.amount_cents / 12),
                month_actual_cents=month_actual.get(budget.line),
                ytd_budget_cents=round(budget.amount_cents * elapsed / 12),
                ytd_actual_cents=ytd,
                projection_cents=None if ytd is None else round(ytd / elapsed * 12),
            )
        )
    return out
