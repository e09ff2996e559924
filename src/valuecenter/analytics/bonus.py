"""The account managers' bonus plan (issue 22, point 3; seed 000: 150 telesales AMs, each
with a fixed pool, "sales- en churnverantwoordelijkheid" and "een bonusplan voor goed
functioneren", with exact insight in what each AM does and sells).

**A plan** pays a base bonus per period (a month or a quarter) at 100% attainment, split over
up to three lines by weight (the weights add up to exactly 1):

- ``retention`` — revenue retention of his best customers (the seeds' 75% → 97%): revenue
  this period from last period's top customers ÷ their revenue last period, a ratio;
- ``sales`` — his **control-adjusted** sales credit in euro: only what is incremental
  against the engine's control group (:mod:`valuecenter.analytics.bonus_credit`);
- ``nps`` — the Net Promoter Score of his customers' answers in the period, −100…100.

**A line** has a ``target`` (> 0), a ``floor`` below the target (a measured value below the
floor pays nothing on the line; default 0) and a ``cap`` (≥ 1: the most the line pays, as a
multiple of its target payout). Its attainment is ``measured ÷ target``; it pays::

    payout = base × weight × min(max(attainment, 0), cap)     (0 below the floor)

rounded half up to whole cents, once per line; the bonus is the sum of the lines' cents, so
the explanation adds up to the cent. A line that cannot be measured (no top customers last
period, fewer NPS answers than ``min_answers``) pays what the plan's ``unmeasured`` says:
``zero`` (the default) or ``target`` (its target payout, attainment 1).

:func:`parse_plan` checks a plan mapping (from YAML or JSON) completely and refuses it with
one line naming the path (``lines.sales.cap: needs 1 or more …``); :func:`compute` computes
every AM's bonus with a line-by-line explanation. All arithmetic is exact (fractions), money
is integer cents.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from valuecenter.analytics.bonus_credit import (
    MIN_CONTROL,
    SalesCredit,
    SalesMonth,
    WithoutControl,
    round_half_up,
    sales_credit,
)
from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

MEASURES = ("retention", "sales", "nps")
PERIOD_KINDS = ("month", "quarter")
PLAN_KEYS = frozenset({"name", "period", "base_bonus", "lines", "sales_credit"})
LINE_KEYS = frozenset({"weight", "target", "floor", "cap", "unmeasured"})
NPS_KEYS = LINE_KEYS | {"min_answers"}
CREDIT_KEYS = frozenset({"min_control_customers", "without_control"})
MAX_EURO = Decimal("100000000")  # a bonus or a sales target above €100M is a typo
MAX_CAP = Decimal(10)
MAX_RETENTION = Decimal(10)
MAX_ANSWERS = 100_000
MAX_CONTROL = 1_000_000
MAX_NAME = 200


class Unmeasured(enum.StrEnum):
    ZERO = "zero"
    TARGET = "target"


class Status(enum.StrEnum):
    """How a line's payout came about."""

    PAID = "paid"  # attainment × target payout
    CAPPED = "capped"  # attainment above the cap: the cap paid
    FLOORED = "floored"  # measured below the floor: nothing
    UNMEASURED = "unmeasured"  # no measurement: the plan's ``unmeasured`` paid


@dataclass(frozen=True)
class PlanLine:
    """One line of a plan. ``target`` and ``floor`` are in the measure's unit: a ratio
    (retention), cents (sales) or NPS points."""

    measure: str
    weight: Decimal
    target: Decimal
    floor: Decimal
    cap: Decimal
    unmeasured: Unmeasured = Unmeasured.ZERO
    min_answers: int = 0  # nps only

    def as_json(self) -> dict[str, object]:
        money = self.measure == "sales"
        out: dict[str, object] = {
            "measure": self.measure,
            "weight": float(self.weight),
            ("target_cents" if money else "target"): int(self.target)
            if money
            else float(self.target),
            ("floor_cents" if money else "floor"): int(self.floor) if money else float(self.floor),
            "cap": float(self.cap),
            "unmeasured": str(self.unmeasured),
        }
        if self.measure == "nps":
            out["min_answers"] = self.min_answers
        return out


@dataclass(frozen=True)
class BonusPlan:
    name: str
    period: str  # month | quarter
    base_cents: int
    lines: tuple[PlanLine, ...]  # in MEASURES order
    min_control: int = MIN_CONTROL
    without_control: WithoutControl = WithoutControl.GROSS

    def line(self, measure: str) -> PlanLine | None:
        return next((x for x in self.lines if x.measure == measure), None)

    @property
    def max_cents(self) -> int:
        """The most the plan can pay one AM in a period (every line at its cap)."""
        return sum(round_half_up(_share(self, x) * Fraction(x.cap)) for x in self.lines)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "period": self.period,
            "base_cents": self.base_cents,
            "max_cents": self.max_cents,
            "lines": [x.as_json() for x in self.lines],
            "sales_credit": {
                "min_control_customers": self.min_control,
                "without_control": str(self.without_control),
            },
        }


# --- parsing -------------------------------------------------------------------------------


def _brief(value: object) -> str:
    """A value as a message shows it: at most 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:39]}…"


def _number(value: object, path: str) -> Decimal:
    """A YAML/JSON number as the decimal it was written as (0.1 stays 0.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InputError(
            N_("%(path)s: needs a number, not %(value)s"), path=path, value=_brief(value)
        )
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # pragma: no cover - repr of a float is always a decimal
        raise InputError(N_("%(path)s: needs a number"), path=path) from None
    if not number.is_finite():
        raise InputError(N_("%(path)s: needs a finite number"), path=path)
    return number


def _euro_cents(value: object, path: str, *, low: Decimal = Decimal(0)) -> Decimal:
    """An amount in euro (at most two decimals) as cents, in [low, MAX_EURO]."""
    euro = _number(value, path)
    if euro < low or euro > MAX_EURO:
        raise InputError(
            N_("%(path)s: needs an amount in euro from %(low)s to %(high)s"),
            path=path,
            low=f"{low:,}",
            high=f"{MAX_EURO:,}",
        )
    cents = euro * 100
    if cents != cents.to_integral_value():
        raise InputError(N_("%(path)s: at most two decimals (whole cents)"), path=path)
    return cents.to_integral_value()


def _int(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(
            N_("%(path)s: needs a whole number from %(low)s to %(high)s"),
            path=path,
            low=low,
            high=high,
        )
    return value


def _choice(value: object, path: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(
            N_("%(path)s: '%(value)s' is not one of %(choices)s"),
            path=path,
            value=_brief(value),
            choices=", ".join(choices),
        )
    return value


def _keys(mapping: object, path: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(mapping, Mapping):
        raise InputError(N_("%(path)s: needs a mapping of keys to values"), path=path or "plan")
    for key in mapping:
        if not isinstance(key, str) or key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise InputError(
                N_("%(path)s: unknown key; use %(keys)s"),
                path=_brief(where),
                keys=", ".join(sorted(allowed)),
            )
    return mapping


def _required(mapping: Mapping[str, object], key: str, path: str) -> object:
    if key not in mapping or mapping[key] is None:
        raise InputError(N_("%(path)s: is missing"), path=f"{path}.{key}" if path else key)
    return mapping[key]


def _target_and_floor(measure: str, raw: Mapping[str, object], path: str) -> tuple[Decimal, ...]:
    target_raw = _required(raw, "target", path)
    floor_raw = raw.get("floor")
    if measure == "sales":
        target = _euro_cents(target_raw, f"{path}.target", low=Decimal("0.01"))
        floor = Decimal(0) if floor_raw is None else _euro_cents(floor_raw, f"{path}.floor")
        return target, floor
    low, high = (Decimal(-100), Decimal(100)) if measure == "nps" else (Decimal(0), MAX_RETENTION)
    target = _number(target_raw, f"{path}.target")
    if not Decimal(0) < target <= high:
        raise InputError(
            N_("%(path)s: needs a number above 0 and at most %(high)s"),
            path=f"{path}.target",
            high=high,
        )
    floor = Decimal(0) if floor_raw is None else _number(floor_raw, f"{path}.floor")
    if not low <= floor <= high:
        raise InputError(
            N_("%(path)s: needs a number from %(low)s to %(high)s"),
            path=f"{path}.floor",
            low=low,
            high=high,
        )
    return target, floor


def _line(measure: str, raw: object, path: str) -> PlanLine:
    keys = NPS_KEYS if measure == "nps" else LINE_KEYS
    mapping = _keys(raw, path, keys)
    weight = _number(_required(mapping, "weight", path), f"{path}.weight")
    if not Decimal(0) < weight <= 1:
        raise InputError(N_("%(path)s: needs a share above 0 and at most 1"), path=f"{path}.weight")
    target, floor = _target_and_floor(measure, mapping, path)
    if floor >= target:
        raise InputError(
            N_("%(path)s: must be below the target (%(target)s)"),
            path=f"{path}.floor",
            target=_shown(measure, target),
        )
    cap = _number(_required(mapping, "cap", path), f"{path}.cap")
    if not Decimal(1) <= cap <= MAX_CAP:
        raise InputError(
            N_(
                "%(path)s: needs 1 or more (a multiple of the target payout: 1 pays at most the "
                "target, 1.5 at most 150%%) and at most %(high)s"
            ),
            path=f"{path}.cap",
            high=MAX_CAP,
        )
    unmeasured = Unmeasured(
        _choice(mapping.get("unmeasured", "zero"), f"{path}.unmeasured", list(Unmeasured))
    )
    min_answers = 0
    if measure == "nps":
        min_answers = _int(mapping.get("min_answers", 1), f"{path}.min_answers", 1, MAX_ANSWERS)
    return PlanLine(measure, weight, target, floor, cap, unmeasured, min_answers)


def _shown(measure: str, value: Decimal) -> str:
    return f"€{value / 100:,.2f}" if measure == "sales" else f"{value:g}"


def parse_plan(mapping: object) -> BonusPlan:
    """A checked :class:`BonusPlan` from its mapping (see the module docstring and
    ``docs/bonus-plan.example.yaml``); an :class:`InputError` naming the path otherwise."""
    plan = _keys(mapping, "", PLAN_KEYS)
    name = plan.get("name", "bonus plan")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_NAME:
        raise InputError(N_("name: needs a text of 1 to %(n)s characters"), n=MAX_NAME)
    period = _choice(_required(plan, "period", ""), "period", PERIOD_KINDS)
    base = _euro_cents(_required(plan, "base_bonus", ""), "base_bonus", low=Decimal("0.01"))
    raw_lines = _keys(_required(plan, "lines", ""), "lines", frozenset(MEASURES))
    if not raw_lines:
        raise InputError(
            N_("lines: needs at least one of %(measures)s"), measures=", ".join(MEASURES)
        )
    lines = tuple(_line(m, raw_lines[m], f"lines.{m}") for m in MEASURES if m in raw_lines)
    total = sum((x.weight for x in lines), Decimal(0))
    if total != 1:
        raise InputError(
            N_("lines: the weights add up to %(total)s; they must add up to exactly 1"),
            total=f"{total:g}",
        )
    credit = _keys(plan.get("sales_credit") or {}, "sales_credit", CREDIT_KEYS)
    min_control = _int(
        credit.get("min_control_customers", MIN_CONTROL),
        "sales_credit.min_control_customers",
        1,
        MAX_CONTROL,
    )
    without = WithoutControl(
        _choice(
            credit.get("without_control", "gross"),
            "sales_credit.without_control",
            list(WithoutControl),
        )
    )
    return BonusPlan(name.strip(), period, int(base), lines, min_control, without)


# --- computing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AmInputs:
    """What one AM did in the period: the measures' raw figures."""

    account_manager_id: int
    code: str
    name: str | None
    country: str | None
    top_customers: int  # last period's top customers
    top_previous_cents: int  # their revenue last period
    top_current_cents: int  # their revenue this period
    nps: Fraction | None  # of his customers' answers in the period
    nps_answers: int
    sales: Sequence[SalesMonth]


@dataclass(frozen=True)
class LineResult:
    """One line of one AM's bonus, explained: what was measured against which target, the
    attainment, whether the floor or the cap acted, and the cents it pays."""

    line: PlanLine
    measured: Fraction | None  # ratio, cents or NPS points (None: not measured)
    attainment: Fraction | None  # measured ÷ target, before floor and cap
    paid_multiple: Fraction  # what the line pays, as a multiple of its target payout
    status: Status
    target_payout_cents: int  # base × weight, rounded
    payout_cents: int
    sales: SalesCredit | None = None  # the sales line's gross and credited figures

    @property
    def measure(self) -> str:
        return self.line.measure


@dataclass(frozen=True)
class BonusResult:
    account_manager_id: int
    code: str
    name: str | None
    country: str | None
    lines: tuple[LineResult, ...]
    base_cents: int

    @property
    def total_cents(self) -> int:
        return sum(x.payout_cents for x in self.lines)


def _share(plan: BonusPlan, line: PlanLine) -> Fraction:
    return Fraction(plan.base_cents) * Fraction(line.weight)


def _pay(
    plan: BonusPlan, line: PlanLine, measured: Fraction | None, sales: SalesCredit | None = None
) -> LineResult:
    share = _share(plan, line)
    target_payout = round_half_up(share)
    if measured is None:
        multiple = Fraction(1) if line.unmeasured == Unmeasured.TARGET else Fraction(0)
        return LineResult(
            line, None, None, multiple, Status.UNMEASURED, target_payout,
            round_half_up(share * multiple), sales,
        )  # fmt: skip
    attainment = measured / Fraction(line.target)
    cap = Fraction(line.cap)
    if measured < Fraction(line.floor):
        status, multiple = Status.FLOORED, Fraction(0)
    elif attainment > cap:
        status, multiple = Status.CAPPED, cap
    else:
        status, multiple = Status.PAID, max(attainment, Fraction(0))
    return LineResult(
        line, measured, attainment, multiple, status, target_payout,
        round_half_up(share * multiple), sales,
    )  # fmt: skip


def _retention(inputs: AmInputs) -> Fraction | None:
    if inputs.top_customers <= 0 or inputs.top_previous_cents <= 0:
        return None
    return Fraction(max(inputs.top_current_cents, 0), inputs.top_previous_cents)


def _nps(line: PlanLine, inputs: AmInputs) -> Fraction | None:
    if inputs.nps is None or inputs.nps_answers < line.min_answers:
        return None
    if not -100 <= inputs.nps <= 100:
        raise InputError(
            N_("nps: %(code)s has an NPS of %(value)s, outside -100…100"),
            code=inputs.code,
            value=f"{float(inputs.nps):g}",
        )
    return inputs.nps


def compute_one(plan: BonusPlan, inputs: AmInputs) -> BonusResult:
    """One AM's bonus under ``plan``."""
    results: list[LineResult] = []
    for line in plan.lines:
        if line.measure == "retention":
            results.append(_pay(plan, line, _retention(inputs)))
        elif line.measure == "nps":
            results.append(_pay(plan, line, _nps(line, inputs)))
        else:
            credit = sales_credit(
                inputs.sales,
                market=inputs.country,
                min_control=plan.min_control,
                without_control=plan.without_control,
            )
            measured = Fraction(credit.credited_cents) if credit.months else None
            results.append(_pay(plan, line, measured, credit))
    return BonusResult(
        inputs.account_manager_id,
        inputs.code,
        inputs.name,
        inputs.country,
        tuple(results),
        plan.base_cents,
    )


def compute(plan: BonusPlan, inputs: Sequence[AmInputs]) -> list[BonusResult]:
    """Every AM's bonus under ``plan``, in the order of ``inputs``."""
    return [compute_one(plan, x) for x in inputs]


def as_fraction(value: float | int | Fraction | Decimal | None) -> Fraction | None:
    """A measured figure as an exact fraction (a float as the decimal it prints as)."""
    if value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(N_("value: %(value)s is not a finite number"), value=value)
        return Fraction(Decimal(repr(value)))
    return Fraction(value)
