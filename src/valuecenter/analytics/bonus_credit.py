"""The control-adjusted sales credit of an account manager's bonus (issue 22, point 3): an AM
is paid only for the sales that are **incremental** — what his customers bought beyond what
they would have bought anyway — so he is not paid for customers who would have bought anyway
(seed 001: "you don't want to give those discounts to customers who renew silently anyway";
the same holds for a bonus).

**The control group.** The next-best-action engine draws a random control group per
customer and month (experiment ``nba-control:YYYY-MM``, ``offers/decisions.py``): a control
customer gets no sales offer that month, a treated one gets the engine's offers. The unit is
a **customer-month**, as in the engine's lift ledger (``offers/lift_ledger.py``): a customer
the engine decided for in the month is treated or control by that draw; a customer it never
decided for in the month is in neither arm.

**The credit of one month** is the lift ledger's estimator
(:func:`valuecenter.analytics.experiments.lift.group_lift`), ``n_t × (ȳ_t − ȳ_c)``, with the
AM's treated customers as the treated arm and the control customers of his **market** (every
AM's pool in his country) as the control arm, because his own pool's share of the draw (5% of
≈650 customers, about 32) is too small and too noisy to price a bonus on::

    credit = gross − n_t × (control sales ÷ control customers)

``gross`` is what his treated customers bought in the month, ``n_t`` their number. The
control group of the market is used when it has at least ``min_control`` customer-months
(30 by default: below that one large order in the control arm moves every AM's bonus of the
market); else the control group of all markets together (stated as such); else there is no
control and the plan decides: ``gross`` (the month's gross is credited, flagged as not
control-adjusted) or ``zero`` (nothing is credited).

**A period of several months** (a quarter) adds the months' credits; the sum is floored at
zero once (flooring each month would keep the lucky months and drop the unlucky ones: an
upward bias). The exact sum is a fraction of a cent; it is rounded half up to whole cents
once, at the end. The 95% interval of the credit (where the lift ledger's rules allow one:
at least 10 customers per arm, not too skewed) is the ledger's cluster-robust total over the
control-adjusted months, for information: the bonus pays the estimate.

Sales of his own control customers and of customers in neither arm are shown, not credited:
there is nothing to compare them with.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.lift import Lift, lift_table
from valuecenter.i18n import N_

MIN_CONTROL = 30
"""Control customer-months a market needs before its control group prices a credit."""


class Basis(enum.StrEnum):
    """Which control group priced a month's credit."""

    MARKET = "market"  # the control customers of the AM's own market
    ALL_MARKETS = "all-markets"  # the market had too few: every market's control customers
    NONE = "none"  # no control group large enough: not control-adjusted


class WithoutControl(enum.StrEnum):
    """What a month without a usable control group credits."""

    GROSS = "gross"  # the gross sales, flagged as not control-adjusted
    ZERO = "zero"  # nothing


@dataclass(frozen=True, slots=True)
class Unit:
    """One customer-month of an arm: the customer and what he bought in the month (cents,
    returns negative)."""

    customer_id: int
    sales_cents: int


@dataclass(frozen=True)
class SalesMonth:
    """One month of an AM's sales, with the control groups it may be priced against."""

    month: str  # YYYY-MM
    treated: Sequence[Unit]  # his pool's customers in the engine's arm this month
    market_control: Sequence[Unit]  # the control customers of his market (every pool)
    all_control: Sequence[Unit]  # the control customers of every market
    own_control_cents: int = 0  # what his own control customers bought (not credited)
    outside_cents: int = 0  # what his customers in neither arm bought (not credited)


@dataclass(frozen=True)
class MonthCredit:
    month: str
    basis: Basis
    treated: int
    gross_cents: int
    control_customers: int  # of the group used (0 without one)
    control_sales_cents: int
    baseline: Fraction  # n_t × control sales per customer (or what the plan puts in its place)
    own_control_cents: int
    outside_cents: int

    @property
    def control_rate(self) -> Fraction | None:
        """Control sales per customer-month, in cents (None without a control group)."""
        if not self.control_customers:
            return None
        return Fraction(self.control_sales_cents, self.control_customers)

    @property
    def incremental(self) -> Fraction:
        return self.gross_cents - self.baseline


@dataclass(frozen=True)
class SalesCredit:
    """The sales line's figures: gross beside credited incremental sales, month by month."""

    months: tuple[MonthCredit, ...]
    market: str | None
    min_control: int
    without_control: WithoutControl
    gross_cents: int  # what his treated customers bought
    baseline_cents: int  # the control groups' prediction for them, rounded
    credited_cents: int  # max(0, gross − baseline), rounded half up once
    floored: bool  # the control group's prediction exceeded his gross: credited 0
    lift: Lift | None  # the ledger's estimate and interval over the control-adjusted months

    @property
    def _priced(self) -> list[MonthCredit]:
        """The months with treated customers (a month without any credits nothing either way)."""
        return [m for m in self.months if m.treated]

    @property
    def basis(self) -> Basis | str:
        """The one basis of every month with treated customers, or ``mixed``."""
        kinds = {m.basis for m in self._priced}
        if not kinds:
            return Basis.NONE
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def adjusted(self) -> bool:
        """Every month with treated customers was priced against a control group (and there
        was one)."""
        priced = self._priced
        return bool(priced) and all(m.basis != Basis.NONE for m in priced)

    @property
    def unadjusted(self) -> list[str]:
        """The months with treated customers but no control group large enough."""
        return [m.month for m in self._priced if m.basis == Basis.NONE]

    @property
    def treated(self) -> int:
        return sum(m.treated for m in self.months)

    @property
    def own_control_cents(self) -> int:
        return sum(m.own_control_cents for m in self.months)

    @property
    def outside_cents(self) -> int:
        return sum(m.outside_cents for m in self.months)


def round_half_up(amount: Fraction) -> int:
    """``amount`` to a whole number, halves away from zero (the rounding of every bonus cent)."""
    whole = int(abs(amount) + Fraction(1, 2))
    return whole if amount >= 0 else -whole


def _units_sum(units: Sequence[Unit]) -> int:
    return sum(u.sales_cents for u in units)


def _month(m: SalesMonth, min_control: int, without: WithoutControl) -> MonthCredit:
    gross = _units_sum(m.treated)
    n_t = len(m.treated)
    for basis, group in ((Basis.MARKET, m.market_control), (Basis.ALL_MARKETS, m.all_control)):
        if len(group) >= min_control:
            control = _units_sum(group)
            baseline = Fraction(n_t * control, len(group))
            return MonthCredit(
                m.month, basis, n_t, gross, len(group), control, baseline,
                m.own_control_cents, m.outside_cents,
            )  # fmt: skip
    baseline = Fraction(0) if without == WithoutControl.GROSS else Fraction(gross)
    return MonthCredit(
        m.month, Basis.NONE, n_t, gross, 0, 0, baseline, m.own_control_cents, m.outside_cents
    )


def _lift(months: Sequence[SalesMonth], credits: Sequence[MonthCredit]) -> Lift | None:
    """The ledger's total over the control-adjusted months (cluster: the customer)."""
    y: list[int] = []
    treated: list[bool] = []
    group: list[int] = []
    cluster: list[int] = []
    k = 0
    for month, credit in zip(months, credits, strict=True):
        if credit.basis == Basis.NONE:
            continue
        control = month.market_control if credit.basis == Basis.MARKET else month.all_control
        for arm, units in ((True, month.treated), (False, control)):
            for u in units:
                y.append(u.sales_cents)
                treated.append(arm)
                group.append(k)
                cluster.append(u.customer_id)
        k += 1
    if k == 0:
        return None
    _rows, total = lift_table(
        np.asarray(y, dtype=np.float64),
        np.asarray(treated, dtype=bool),
        np.asarray(group, dtype=np.int64),
        np.asarray(cluster, dtype=np.int64),
    )
    return total


def sales_credit(
    months: Sequence[SalesMonth],
    *,
    market: str | None = None,
    min_control: int = MIN_CONTROL,
    without_control: WithoutControl = WithoutControl.GROSS,
) -> SalesCredit:
    """The control-adjusted sales credit of one AM over the months of a period (see the
    module docstring)."""
    if min_control < 1:
        raise InputError(N_("min_control_customers: needs 1 or more"))
    seen: set[str] = set()
    for m in months:
        if m.month in seen:
            raise InputError(N_("months: %(month)s appears twice"), month=m.month)
        seen.add(m.month)
    credits = tuple(_month(m, min_control, without_control) for m in months)
    gross = sum(c.gross_cents for c in credits)
    baseline = sum((c.baseline for c in credits), Fraction(0))
    incremental = gross - baseline
    return SalesCredit(
        months=credits,
        market=market,
        min_control=min_control,
        without_control=without_control,
        gross_cents=gross,
        baseline_cents=round_half_up(baseline),
        credited_cents=round_half_up(max(incremental, Fraction(0))),
        floored=incremental < 0,
        lift=_lift(months, credits),
    )
