"""The alert run: every customer looked at as of one day, in one transaction, under one run id.

1. **Order rhythm**: individual alerts from the rhythm warning
   (``valuecenter.analytics.rhythm_warning``, the score ``valuecenter rhythm evaluate`` judges
   on files): a logistic regression on rhythm features trained out of time — features at
   as_of − window, label "no order in the window after" (known today) — scores every customer
   with ``min_orders`` orders; a risk at or above the threshold chosen on that training cut
   (the lowest whose alerts were ≥ 50% right there) raises an alert. The gamma-Poisson rhythm
   (``valuecenter.analytics.rhythm``) still finds the market dips: one per country that orders
   clearly below its customers' rhythms (a dip still seen by a later run extends the same
   row), and in a dipping country only customers who are also below their peers there (its
   market-adjusted test) are alerted. Its figures word the reasons.
2. **Churn model** (``valuecenter.analytics.churn``) for customers with a running contract:
   trained out of time — features at as_of − horizon, label "left in the horizon after" —
   validated on the cut before that (trained at as_of − 2·horizon, tested at as_of − horizon),
   then applied to today's features. Calibrated risk ≥ the threshold raises an alert with
   the three features that push that customer's risk up most (tree contributions).
3. Each alert is priced: value at risk = risk × the customer's CLV of the latest score run
   (``valuecenter score``). For a rhythm alert the risk is the warning's probability that he
   places no order in the window ahead.

A customer with an open alert of a kind gets no second one of that kind; the run counts them.
An open order-rhythm alert whose customer has ordered again since is closed by the next run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from valuecenter.alerts.churn_fit import fit_validated_churn
from valuecenter.alerts.contract_features import FEATURE_TEXT
from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus, MarketDip
from valuecenter.alerts.reason_text import blank_reason, feature_reason, reason
from valuecenter.alerts.repository import dip_of, last_order_days, open_alert_customers
from valuecenter.analytics.churn.model import Kind
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.analytics.rhythm import RhythmOptions, RhythmResult, order_rhythm
from valuecenter.analytics.rhythm_eval import validate_warning
from valuecenter.analytics.rhythm_warning import (
    RhythmWarning,
    customer_days,
    features,
    fit_warning,
    population,
)
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.db.query import Query, database_query
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.value.features import purchase_days
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.value.repository import latest_run

DIP_GAP_DAYS = 45  # a dip seen again within this many days is the same dip


@dataclass(frozen=True)
class AlertOptions:
    as_of: date | None = None  # default: the latest score run's day
    rhythm: RhythmOptions = field(default_factory=RhythmOptions)
    horizon_days: int = 180  # the churn model predicts leaving within this many days
    risk_threshold: float = 0.3  # calibrated churn risk that raises an alert
    model: Kind = "auto"
    seed: int = 0


@dataclass(frozen=True)
class History:
    """What a run judges, read before ``as_of``: the customer-days of the orders, every
    customer's id (ascending) and country, and where the contract churn model reads its
    tables — the database (:func:`database_history`) or a Spark session
    (``spark.alerts``: ``valuecenter alerts run --engine spark``)."""

    days: PurchaseDays
    countries: tuple[npt.NDArray[np.int64], Sequence[str | None]]
    query: Query


Read = Callable[[Session, date], History]


def database_history(session: Session, as_of: date) -> History:
    customers = session.execute(select(Customer.id, Customer.country).order_by(Customer.id)).all()
    ids = np.fromiter((c for c, _ in customers), dtype=np.int64, count=len(customers))
    return History(
        purchase_days(session, as_of), (ids, [c for _, c in customers]), database_query(session)
    )


@dataclass(frozen=True)
class _Found:
    """What one kind of warning found: the alert rows to insert, its model description for
    the run, how many customers it skipped for an open alert, and the market dips it saw."""

    rows: list[dict[str, Any]]
    model: dict[str, object]
    still_open: int = 0
    dips: int = 0


def _latest_score(session: Session) -> ScoreRun:
    """The score run whose CLV prices the alerts (and whose day is the default as_of)."""
    score = latest_run(session)
    if score is None:
        raise InvalidInput("score", _("no score run yet; run `valuecenter score` first"))
    return score


@dataclass(frozen=True)
class _Warned:
    """One customer the rhythm warning alerts: his learned risk, his silence and own median
    gap (days), and his position in the rhythm result (-1: not in it)."""

    customer: int
    risk: float
    silence: int
    median_gap: float
    at: int


def _rhythm_reasons(
    res: RhythmResult, w: _Warned, window: int, market: str
) -> list[dict[str, object]]:
    """The rhythm alert's reasons as codes with their figures (alerts/reason_text.py): the
    warning's risk, then what the gamma-Poisson rhythm sees of him."""
    reasons: list[dict[str, object]] = [
        reason("rhythm-risk", {"risk_share": round(w.risk, 4), "window": window})
    ]
    gap = {"days": w.silence, "gap": round(w.median_gap)}
    # his silence beside his usual gap, overdue or not: the first thing an account manager asks
    reasons.append(reason("overdue" if w.silence > w.median_gap else "since-last", gap))
    i = w.at
    if i < 0 or not res.has_rhythm[i]:
        return reasons
    reasons.append(
        reason(
            "fewer-orders",
            {
                "observed": int(res.observed[i]),
                "window": window,
                "expected": round(float(res.expected[i]), 1),
            },
        )
    )
    usual = res.revenue_usual[i]
    if usual > 0 and res.revenue_window[i] < usual:
        reasons.append(
            reason(
                "revenue-down",
                {
                    "window": window,
                    "revenue_cents": round(float(res.revenue_window[i])),
                    "share": round(float(res.revenue_window[i] / usual), 4),
                    "usual_cents": round(float(usual)),
                },
            )
        )
    if res.market_dip[i]:
        reasons.append(reason("below-market", {"market": market}))
    return reasons


def _rhythm_action(res: RhythmResult, w: _Warned, window: int) -> str:
    """The suggested action, written in the run's language (stored as text)."""
    if w.silence > max(window, 2 * w.median_gap):
        return _(
            "Win-back call: no order for %(days)s days — ask what made him stop", days=w.silence
        )
    if w.at >= 0 and res.market_dip[w.at]:
        return _("Call him: his market is down, he more so — ask whether he now buys elsewhere")
    return _("Call him this week: ask how business is going and whether anything went wrong")


def _churn_action(row: pd.Series) -> str:
    """The suggested action, written in the run's language (stored as text)."""
    to_end = row["days_to_end"]
    if row["cancel_contacts_90d"] > 0 or row["complaints_90d"] > 0:
        return _("Solve his complaint first, then discuss his contract (retention desk)")
    if pd.notna(to_end) and 0 <= to_end <= 90:
        return _(
            "Call before his contract ends (in %(days)s days) with a renewal offer",
            days=round(to_end),
        )
    return _("Call to review his contract and how satisfied he is")


def _scores(session: Session, run: ScoreRun) -> dict[int, int]:
    rows = session.execute(
        select(CustomerScore.customer_id, CustomerScore.clv_cents).where(
            CustomerScore.run_id == run.id
        )
    ).all()
    return {int(c): int(v or 0) for c, v in rows}


def _order_rhythm(
    session: Session,
    run: AlertRun,
    history: History,
    options: AlertOptions,
    clv: dict[int, int],
    already: set[int],
) -> _Found:
    days = history.days
    ids, countries = history.countries
    markets = np.asarray([country or "unknown" for country in countries], dtype=object)
    index = np.searchsorted(ids, days.customer_id)
    as_of_day = (run.as_of - EPOCH).days
    try:
        res = order_rhythm(index, days.day, days.cents, markets, as_of_day, options.rhythm)
    except InputError as exc:
        return _Found([], {"skipped": str(exc)})
    window = options.rhythm.window_days
    try:
        warned, warning, validation = _warned(days, as_of_day, options.rhythm, ids, res)
    except InputError as exc:
        warned, warning, validation = [], None, {"skipped": str(exc)}
    rows: list[dict[str, Any]] = []
    skipped = 0
    for w in warned:
        if w.customer in already:
            skipped += 1
            continue
        value = clv.get(w.customer, 0)
        risk = round(w.risk, 4)
        market = str(markets[w.at]) if w.at >= 0 else "unknown"
        rows.append(
            {
                "customer_id": w.customer,
                "kind": AlertKind.ORDER_RHYTHM,
                "risk": risk,
                "clv_cents": value,
                "value_at_risk_cents": round(risk * value),
                "reasons": _rhythm_reasons(res, w, window, market),
                "action": _rhythm_action(res, w, window),
            }
        )
    dips = _record_dips(session, run, res)
    r, a = res.prior
    model: dict[str, object] = {
        "model": "rhythm warning (out-of-time logistic regression on rhythm features); "
        "market dips from the gamma-Poisson (NBD) rhythm per customer",
        "warning": warning.describe() if warning is not None else None,
        "validation": validation,
        "options": {k: getattr(options.rhythm, k) for k in options.rhythm.__dataclass_fields__},
        "prior": {"r": r, "a_days": a},
        "customers_with_rhythm": int(res.has_rhythm.sum()),
        "markets": [
            {"market": m.market, "ratio": round(m.ratio, 4), "z": round(m.z, 2), "dip": m.dip}
            for m in res.markets
        ],
        "market_dips": dips,
    }
    return _Found(rows, model, skipped, dips)


def _warned(
    days: PurchaseDays,
    as_of_day: int,
    options: RhythmOptions,
    ids: np.ndarray,
    res: RhythmResult,
) -> tuple[list[_Warned], RhythmWarning, dict[str, object]]:
    """The customers the rhythm warning alerts today, the fitted warning and its out-of-time
    validation. In a dipping market a customer is alerted only when the market-adjusted
    rhythm also finds him below his peers (the recession is not his leaving)."""
    orders = customer_days(days.customer_id, days.day, days.cents)
    h, m = options.window_days, options.min_orders
    warning = fit_warning(orders, as_of_day, h, m, options.warning_precision)
    try:
        validation: dict[str, object] = validate_warning(
            orders, as_of_day, h, m, options.warning_precision
        )
    except InputError as exc:
        validation = {"skipped": str(exc)}
    judged = population(orders, as_of_day, h, m)
    if len(judged) == 0:
        return [], warning, validation
    table = features(orders, judged, as_of_day, h)
    risk = warning.risk(table)
    silence = np.expm1(table["log_recency"].to_numpy(np.float64))
    gap = np.expm1(table["log_median_gap"].to_numpy(np.float64))
    customer = orders.ids[judged].astype(np.int64)
    at = np.searchsorted(ids, customer)
    inside = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == customer)
    at = np.where(inside, at, -1)
    dip = np.where(at >= 0, res.market_dip[np.maximum(at, 0)], False)
    below_peers = np.where(at >= 0, res.alert[np.maximum(at, 0)], False)
    hit = (risk >= warning.threshold) & (~dip | below_peers)
    warned = [
        _Warned(int(customer[i]), float(risk[i]), round(silence[i]), float(gap[i]), int(at[i]))
        for i in np.flatnonzero(hit)
    ]
    return warned, warning, validation


def _record_dips(session: Session, run: AlertRun, res: RhythmResult) -> int:
    count = 0
    for m in res.markets:
        if not m.dip:
            continue
        count += 1
        dip = dip_of(session, "country", m.market, run.as_of - timedelta(days=DIP_GAP_DAYS))
        figures = {
            "customers": m.customers,
            "expected_orders": round(m.expected, 2),
            "observed_orders": m.observed,
            "ratio": round(m.ratio, 4),
            "below_rhythm": m.below,
        }
        if dip is None:
            session.add(
                MarketDip(
                    first_run_id=run.id,
                    last_run_id=run.id,
                    scope="country",
                    market=m.market,
                    first_seen_on=run.as_of,
                    last_seen_on=run.as_of,
                    **figures,
                )
            )
        else:
            dip.last_run_id = run.id
            dip.last_seen_on = max(dip.last_seen_on, run.as_of)
            for key, value in figures.items():
                setattr(dip, key, value)
    return count


def _churn_model(
    run: AlertRun,
    history: History,
    options: AlertOptions,
    clv: dict[int, int],
    already: set[int],
) -> _Found:
    h = options.horizon_days
    fitted = fit_validated_churn(
        history.query, run.as_of, h, history.days, options.model, options.seed
    )
    if isinstance(fitted, str):
        return _Found([], {"skipped": fitted})
    model, today, x_today, risk = fitted.model, fitted.today, fitted.x_today, fitted.risk
    validation = fitted.validation
    customers = today["customer_id"].to_numpy()
    hits = [int(i) for i in np.flatnonzero(risk >= options.risk_threshold)]
    skipped = sum(1 for i in hits if int(customers[i]) in already)
    hits = [i for i in hits if int(customers[i]) not in already]
    # Reason codes (tree contributions) only for the customers who get an alert.
    reasons = model.reasons(x_today[hits], 3) if hits else []
    rows: list[dict[str, Any]] = []
    for i, found in zip(hits, reasons, strict=True):
        customer = int(customers[i])
        value = clv.get(customer, 0)
        chance = round(float(risk[i]), 4)
        texts = [_reason(r.feature, r.value, r.text) for r in found]
        rows.append(
            {
                "customer_id": customer,
                "kind": AlertKind.CHURN_MODEL,
                "risk": chance,
                "clv_cents": value,
                "value_at_risk_cents": round(chance * value),
                "reasons": texts,
                "action": _churn_action(today.iloc[i]),
            }
        )
    described = model.describe()
    described["top_features"] = [name for name, _ in model.top_features(5)]
    described["horizon_days"] = h
    described["threshold"] = options.risk_threshold
    described["validation"] = validation
    return _Found(rows, described, skipped)


def _reason(feature: str, value: float | str | None, fallback: str) -> dict[str, object]:
    """A churn-model reason in an account manager's words (FEATURE_TEXT), stored as the feature
    with its value so it is shown in the reader's language; the model's own wording otherwise."""
    blank = value is None or (isinstance(value, int | float) and np.isnan(value))
    if blank and (words := blank_reason(feature)) is not None:
        return words
    if feature not in FEATURE_TEXT or not isinstance(value, int | float) or np.isnan(value):
        return {"code": feature, "text": fallback}
    return feature_reason(feature, float(value))


def _close_recovered(session: Session, run: AlertRun) -> int:
    """Close the open order-rhythm alerts of customers who have ordered again since the alert
    was raised (before this run's day): the warning is over. They are marked handled without
    an outcome, with a note — so the precision counts them as false alarms, which they were
    unless the account manager records a save himself first."""
    still_open = (
        Alert.kind == AlertKind.ORDER_RHYTHM,
        Alert.status == AlertStatus.OPEN,
        Alert.raised_on < run.as_of,
    )
    open_alerts = session.execute(
        select(Alert.id, Alert.customer_id, Alert.raised_on).where(*still_open)
    ).all()
    if not open_alerts:
        return 0
    last_order = last_order_days(session, *still_open, before=run.as_of)
    now = utcnow()
    changes = [
        {
            "id": alert_id,
            "status": AlertStatus.HANDLED,
            "handled_at": now,
            "note": f"Closed by alert run {run.run_id}: ordered again on "
            f"{last_order[customer].isoformat()}",
        }
        for alert_id, customer, raised_on in open_alerts
        if customer in last_order and last_order[customer] >= raised_on
    ]
    if changes:
        session.execute(update(Alert), changes)
    return len(changes)


def run_alerts(
    session: Session, options: AlertOptions | None = None, read: Read = database_history
) -> AlertRun:
    """Look at every customer and raise the alerts; return the stored run (flushed). The
    history is read by ``read`` (the database's own, or a Spark session's); the run, its
    alerts and dips are written through ``session``."""
    options = options or AlertOptions()
    if options.horizon_days < 30 or not 0.0 < options.risk_threshold < 1.0:
        raise InvalidInput("--horizon-days", "needs 30 days or more and a threshold in (0, 1)")
    began = time.perf_counter()
    started = utcnow()
    score = _latest_score(session)
    as_of = options.as_of or score.as_of
    run = AlertRun(
        run_id=f"alerts-{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}",
        started_at=started,
        finished_at=started,
        as_of=as_of,
        score_run_id=score.id,
        customers=0,
        raised=0,
        still_open=0,
        market_dips=0,
        models={},
        seconds=0.0,
    )
    session.add(run)
    session.flush()
    recovered = _close_recovered(session, run)
    history = read(session, as_of)
    clv = _scores(session, score)
    rhythm = _order_rhythm(
        session, run, history, options, clv, open_alert_customers(session, AlertKind.ORDER_RHYTHM)
    )
    churn = _churn_model(
        run, history, options, clv, open_alert_customers(session, AlertKind.CHURN_MODEL)
    )
    rows = rhythm.rows + churn.rows
    if rows:
        session.execute(
            insert(Alert),
            [
                {**row, "run_id": run.id, "raised_on": as_of, "status": AlertStatus.OPEN}
                for row in rows
            ],
        )
    run.customers = len(clv)
    run.raised = len(rows)
    run.still_open = rhythm.still_open + churn.still_open
    run.market_dips = rhythm.dips
    run.models = {
        "order_rhythm": rhythm.model,
        "churn_model": churn.model,
        "score_run": score.run_id,
        "raised": {"order-rhythm": len(rhythm.rows), "churn-model": len(churn.rows)},
        "closed_recovered": recovered,
    }
    run.finished_at = utcnow()
    run.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    return run


def backfill(
    session: Session,
    months: int,
    options: AlertOptions | None = None,
    progress: Callable[[str], None] | None = None,
    read: Read = database_history,
) -> list[AlertRun]:
    """Replay the alert run every four weeks over the last ``months`` months up to the score
    run's day (oldest first), as if the product had been running — so that the precision of
    alerts raised months ago can be read at once. Every run prices its alerts with the latest
    score run's CLV (the only one there is). ``progress`` hears "run k/n (day)" per run."""
    if not 0 <= months <= 24:
        raise InvalidInput("--backfill-months", f"{months} is outside 0–24")
    options = options or AlertOptions()
    today = options.as_of or _latest_score(session).as_of
    steps = round(months * 365.25 / 12 / 28)
    days = [today - timedelta(days=28 * k) for k in range(steps, -1, -1)]
    runs = []
    for k, day in enumerate(days, start=1):
        if progress is not None:
            progress(_("alert run %(k)s/%(n)s (%(day)s)", k=k, n=len(days), day=day.isoformat()))
        runs.append(run_alerts(session, replace(options, as_of=day), read))
    return runs
