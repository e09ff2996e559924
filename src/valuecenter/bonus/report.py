"""A bonus run as a manager reads it: each line's explanation in words (the current language),
the JSON of ``valuecenter bonus compute --json`` (the same in every language: codes, plain
numbers and the explanation in English) and the CSV export's rows."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from valuecenter.analytics.bonus import BonusResult, LineResult, Status, Unmeasured
from valuecenter.analytics.bonus_credit import Basis, MonthCredit, SalesCredit, WithoutControl
from valuecenter.bonus.service import AmBonus, BonusRun
from valuecenter.csv_export import cents
from valuecenter.formatting import grouped, money_exact
from valuecenter.i18n import _, format_number, format_percent, use_locale


def measure_name(measure: str) -> str:
    names = {
        "retention": _("best-customer revenue retention"),
        "sales": _("incremental sales"),
        "nps": _("NPS"),
    }
    return names[measure]


def value_text(measure: str, value: Fraction | None) -> str:
    """A measured value or a target in its unit: a percentage, euro or NPS points."""
    if value is None:
        return "–"
    if measure == "retention":
        return format_percent(float(value), decimals=1)
    if measure == "sales":
        return money_exact(float(value))
    return format_number(float(value), decimals=1)


def _multiple(value: Fraction) -> str:
    return format_percent(float(value), decimals=1)


def _basis(month: MonthCredit, credit: SalesCredit) -> str:
    if not month.treated:
        return _(
            "%(month)s: none of his customers in the engine's arm, nothing to credit",
            month=month.month,
        )
    if month.basis == Basis.MARKET:
        return _(
            "%(month)s: his customers in the engine's arm (%(treated)s) bought %(gross)s; the "
            "control customers of market %(market)s (%(control)s) bought %(rate)s each, so "
            "%(baseline)s was expected",
            month=month.month,
            treated=grouped(month.treated),
            gross=money_exact(month.gross_cents),
            control=grouped(month.control_customers),
            market=credit.market or "–",
            rate=money_exact(float(month.control_rate or 0)),
            baseline=money_exact(float(month.baseline)),
        )
    if month.basis == Basis.ALL_MARKETS:
        return _(
            "%(month)s: his customers in the engine's arm (%(treated)s) bought %(gross)s; market "
            "%(market)s had fewer than %(min)s control customers, so the control customers of "
            "all markets (%(control)s) priced it: %(rate)s each, %(baseline)s expected",
            month=month.month,
            treated=grouped(month.treated),
            gross=money_exact(month.gross_cents),
            market=credit.market or "–",
            min=grouped(credit.min_control),
            control=grouped(month.control_customers),
            rate=money_exact(float(month.control_rate or 0)),
            baseline=money_exact(float(month.baseline)),
        )
    what = (
        _("the gross is credited")
        if credit.without_control == WithoutControl.GROSS
        else _("nothing is credited")
    )
    return _(
        "%(month)s: his customers in the engine's arm (%(treated)s) bought %(gross)s; NOT "
        "control-adjusted: fewer than %(min)s control customers in market %(market)s and in all "
        "markets, so %(what)s",
        month=month.month,
        treated=grouped(month.treated),
        gross=money_exact(month.gross_cents),
        min=grouped(credit.min_control),
        market=credit.market or "–",
        what=what,
    )


def _measured(line: LineResult) -> str:
    measure = line.measure
    if measure == "sales":
        credit = line.sales
        if credit is None or not credit.months:
            return _("no month to credit")
        parts = [_basis(m, credit) for m in credit.months]
        parts.append(
            _(
                "credited %(credited)s (gross %(gross)s − expected %(baseline)s%(floored)s)",
                credited=money_exact(credit.credited_cents),
                gross=money_exact(credit.gross_cents),
                baseline=money_exact(credit.baseline_cents),
                floored=_(", below zero: nothing") if credit.floored else "",
            )
        )
        return "; ".join(parts)
    if measure == "retention":
        return _("no top customers last period: not measured") if line.measured is None else ""
    return "" if line.measured is not None else _("too few NPS answers: not measured")


def _retention_words(bonus: AmBonus) -> str:
    m = bonus.metrics
    return _(
        "last period's top customers (%(n)s) bought %(current)s this period against "
        "%(previous)s then",
        n=grouped(m.top_customers),
        current=money_exact(m.top_current_cents),
        previous=money_exact(m.top_previous_cents),
    )


def _nps_words(bonus: AmBonus, line: LineResult) -> str:
    m = bonus.metrics
    return _(
        "%(answers)s answers (at least %(min)s needed)",
        answers=grouped(m.nps_answers),
        min=grouped(line.line.min_answers),
    )


def explain(line: LineResult, bonus: AmBonus) -> str:
    """One line's explanation in the current language: what was measured and how, the target,
    the attainment, the floor or cap that acted and what it pays."""
    measure = line.measure
    if measure == "retention":
        context = _retention_words(bonus)
    elif measure == "nps":
        context = _nps_words(bonus, line)
    else:
        context = ""
    head = " · ".join(x for x in (context, _measured(line)) if x)
    share = money_exact(line.target_payout_cents)
    payout = money_exact(line.payout_cents)
    if line.status == Status.UNMEASURED:
        what = _("its target share") if line.line.unmeasured == Unmeasured.TARGET else _("nothing")
        tail = _("the plan pays %(what)s → %(payout)s", what=what, payout=payout)
    else:
        measured = _(
            "%(measured)s against target %(target)s: attainment %(attainment)s",
            measured=value_text(measure, line.measured),
            target=value_text(measure, Fraction(line.line.target)),
            attainment=_multiple(line.attainment or Fraction(0)),
        )
        if line.status == Status.FLOORED:
            rule = _(
                "below the floor of %(floor)s: nothing",
                floor=value_text(measure, Fraction(line.line.floor)),
            )
        elif line.status == Status.CAPPED:
            rule = _(
                "capped at %(cap)s of %(share)s → %(payout)s",
                cap=_multiple(Fraction(line.line.cap)),
                share=share,
                payout=payout,
            )
        else:
            rule = _(
                "%(multiple)s of %(share)s → %(payout)s",
                multiple=_multiple(line.paid_multiple),
                share=share,
                payout=payout,
            )
        tail = f"{measured}; {rule}"
    return f"{head} · {tail}" if head else tail


# --- JSON ----------------------------------------------------------------------------------


def _ratio(value: Fraction | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _sales_json(credit: SalesCredit) -> dict[str, object]:
    lift = credit.lift
    return {
        "gross_cents": credit.gross_cents,
        "expected_cents": credit.baseline_cents,
        "credited_cents": credit.credited_cents,
        "floored": credit.floored,
        "control_adjusted": credit.adjusted,
        "not_adjusted_months": credit.unadjusted,
        "basis": str(credit.basis),
        "treated_customers": credit.treated,
        "own_control_sales_cents": credit.own_control_cents,
        "outside_sales_cents": credit.outside_cents,
        "months": [
            {
                "month": m.month,
                "basis": str(m.basis),
                "experiment": f"nba-control:{m.month}",
                "treated_customers": m.treated,
                "gross_cents": m.gross_cents,
                "control_customers": m.control_customers,
                "control_sales_cents": m.control_sales_cents,
                "control_per_customer_cents": _ratio(m.control_rate, 2),
                "expected_cents": _ratio(m.baseline, 2),
                "incremental_cents": _ratio(m.incremental, 2),
            }
            for m in credit.months
        ],
        "interval": None if lift is None else lift.incremental.as_json(digits=0),
    }


def _line_json(line: LineResult, bonus: AmBonus) -> dict[str, object]:
    out: dict[str, object] = {
        **line.line.as_json(),
        "measured": _ratio(line.measured),
        "attainment": _ratio(line.attainment),
        "paid_multiple": _ratio(line.paid_multiple),
        "status": str(line.status),
        "target_payout_cents": line.target_payout_cents,
        "payout_cents": line.payout_cents,
    }
    if line.sales is not None:
        out["sales"] = _sales_json(line.sales)
    with use_locale("en"):
        out["explanation"] = explain(line, bonus)
    return out


def _bonus_json(bonus: AmBonus) -> dict[str, object]:
    r: BonusResult = bonus.result
    m = bonus.metrics
    return {
        "account_manager_id": r.account_manager_id,
        "code": r.code,
        "name": r.name,
        "country": r.country,
        "bonus_cents": r.total_cents,
        "base_cents": r.base_cents,
        "lines": [_line_json(x, bonus) for x in r.lines],
        "figures": {
            "customers": m.customers,
            "revenue_cents": m.revenue_cents,
            "previous_revenue_cents": m.previous_revenue_cents,
            "top_customers": m.top_customers,
            "top_previous_cents": m.top_previous_cents,
            "top_current_cents": m.top_current_cents,
            "nps": m.nps,
            "nps_answers": m.nps_answers,
            "offers_made": m.offers_made,
            "offers_accepted": m.offers_accepted,
            "accepted_value_cents": m.sales_cents,
        },
    }


def run_json(run: BonusRun) -> dict[str, object]:
    """Every AM's bonus with its lines, and the provenance: period, plan file and hash, the
    control groups used."""
    return {
        "period": {
            "label": run.period.label,
            "kind": run.plan.plan.period,
            "start": run.period.start.isoformat(),
            "end": run.period.end.isoformat(),
            "previous": run.period.previous().label,
        },
        "plan": run.plan.as_json(),
        "control": {
            "experiments": [f"nba-control:{m}" for m in run.months],
            "control_share_setting": run.control_share_setting,
            "min_control_customers": run.plan.plan.min_control,
            "without_control": str(run.plan.plan.without_control),
            "groups": [g.as_json() for g in run.controls],
        },
        "computed_at": run.computed_at.isoformat(),
        "ams": [_bonus_json(b) for b in run.bonuses],
        "total_cents": run.total_cents,
    }


# --- CSV -----------------------------------------------------------------------------------


def _unit(measure: str, value: Fraction | None) -> object:
    """A value for the CSV: euro for sales, a plain number otherwise."""
    if value is None:
        return None
    if measure == "sales":
        return cents(round(value))
    return round(float(value), 6)


def export_header() -> list[str]:
    return [
        _("Account manager"),
        _("Name"),
        _("Market"),
        _("Period"),
        _("Line"),
        _("Measured"),
        _("Target"),
        _("Attainment"),
        _("Status"),
        _("Target payout (EUR)"),
        _("Payout (EUR)"),
        _("Gross sales (EUR)"),
        _("Credited sales (EUR)"),
        _("Control group"),
        _("Explanation"),
        _("Plan file SHA-256"),
    ]


def export_rows(run: BonusRun) -> Iterator[list[object]]:
    for bonus in run.bonuses:
        r = bonus.result
        for line in r.lines:
            credit = line.sales
            yield [
                r.code,
                r.name,
                r.country,
                run.period.label,
                line.measure,
                _unit(line.measure, line.measured),
                _unit(line.measure, Fraction(line.line.target)),
                _ratio(line.attainment),
                str(line.status),
                cents(line.target_payout_cents),
                cents(line.payout_cents),
                None if credit is None else cents(credit.gross_cents),
                None if credit is None else cents(credit.credited_cents),
                None if credit is None else str(credit.basis),
                explain(line, bonus),
                run.plan.sha256,
            ]
        yield [r.code, r.name, r.country, run.period.label, "total", None, None, None, None,
               cents(r.base_cents), cents(r.total_cents), None, None, None, None,
               run.plan.sha256]  # fmt: skip
