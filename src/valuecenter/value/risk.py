"""Risk that is measured, not assumed (issue 18, point 3): the value segments' risk axis and
the customer 360's risk come from the best *validated* risk model the run has.

Every candidate is a :class:`RiskSource`: a key, a name, and a function that scores the
customers twice — once as the company could have a horizon ago (fitted on the history before
``as_of − horizon``, every customer who had bought by then, with whether he then bought
again in the horizon, known at ``as_of``) and once today (fitted on all history). The run
judges each on that out-of-time cut (``analytics.validated_risk``: AUC, Platt calibration,
the precision-based at-risk cut) — on a stratified random sample of ``VALIDATION_SAMPLE``
customers of the cut when it is larger (an AUC on 100,000 customers has a standard error of
about 0.002; the fits at the cut are made on the sample too, today's on everyone) — and picks
the one with the highest AUC; the run stores its key, its AUC and every candidate's
figures, and every page says which model it was.

Candidates on purchases share one population and one outcome, so their AUCs compare like
for like: days since the last order (the baseline real data says is hard to beat: CDNOW AUC
0.706), the order-rhythm shortfall (share of the usual revenue missing in the recent window,
``analytics.rhythm``), and BG/NBD 1 − P(alive) (Fader, Hardie & Lee 2005; collapses on
wholesale data, where its fit sits at the no-dropout boundary). The alerts' learned rhythm
warning (``analytics.rhythm_warning``; CDNOW AUC 0.741) is judged on its own population
(customers with enough orders to have a rhythm) and outcome, like the churn model.
Features above this layer add their own (the contract churn model: ``alerts/risk_source.py``)
through ``run_score(..., risk_sources=...)``: one more entry in the list.

On the default demo world (wholesale, 5,000 customers, seed 1, horizon 180 days) the
validation cut has 4,409 customers of whom 27% left; AUCs: days since the last order 0.78,
the learned rhythm warning 0.76, order rhythm 0.70, BG/NBD 0.59.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.clv.bgnbd import fit_bgnbd, p_alive
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.analytics.rhythm import RhythmOptions, order_rhythm
from valuecenter.analytics.rhythm_warning import (
    Orders,
    customer_days,
    fit_warning,
    population,
    stopped,
)
from valuecenter.analytics.rhythm_warning import features as warning_features
from valuecenter.analytics.validated_risk import ValidatedRisk, validate_risk
from valuecenter.customers.models import Customer
from valuecenter.db.query import Query, Reader
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
RISK_HORIZON_DAYS = 180  # as the alerts' churn model: leaving within half a year
AT_RISK_PRECISION = 0.5  # at least one in two of the at-risk group left (validated)
MIN_COVERAGE = 0.5  # a model must score at least half of the scored customers to be chosen
WEEK_DAYS = 7.0
# The candidates are judged (fitted at the cut, AUC, calibration, at-risk cut) on a stratified
# random sample of this many customers of the validation cut; today's scores cover everyone.
# An AUC on 100,000 customers has a standard error of about 0.002 (Hanley & McNeil 1982).
VALIDATION_SAMPLE = 100_000
SAMPLE_SEED = 0


@dataclass(frozen=True)
class RiskInput:
    """What a risk source may use: the session, the run's day and risk horizon, the purchase
    days before ``as_of``, and the run's own BG/NBD P(alive) of every buyer (today)."""

    session: Session | None  # None on the Spark path: no database behind the run
    as_of: date
    horizon_days: int
    days: PurchaseDays
    bgnbd_p_alive: pd.Series  # by customer id
    scored: int = 0  # customers the run scores (with a purchase or a contract)
    validation_sample: int | None = VALIDATION_SAMPLE  # None: judge on every customer
    # Every customer's id (ascending) and country, when not read from ``session``.
    countries: tuple[IntArray, Sequence[str | None]] | None = None
    # The company's tables through one statement at a time, when not read from ``session``
    # (the Spark path: ``valuecenter.db.query``); the features' candidates read them so.
    query: Query | None = None

    @property
    def reader(self) -> Reader:
        """Where a candidate reads the tables: :attr:`query`, else the session."""
        if self.query is not None:
            return self.query
        assert self.session is not None
        return self.session

    @property
    def cut(self) -> date:
        return self.as_of - timedelta(days=self.horizon_days)

    # Shared by the purchase candidates, computed once per run (``cached_property`` writes the
    # instance's ``__dict__``, which a frozen dataclass allows).

    @cached_property
    def purchase_cut(self) -> _Cut:
        """The validation cut of the purchase history (:func:`_purchase_cut`)."""
        return _purchase_cut(self)

    @cached_property
    def validation_cut(self) -> _Cut:
        """The customers of the validation cut the candidates are judged on: a stratified
        random sample (:func:`stratified_sample`) of :attr:`purchase_cut`, ``before`` marking
        their days only; the whole cut when it is no larger than the sample."""
        cut = self.purchase_cut
        keep = stratified_sample(cut.left, self.validation_sample)
        if keep.all():
            return cut
        ids = cut.customer[keep]
        mine = np.isin(self.days.customer_id, ids) & cut.before
        return _Cut(cut.day, ids, cut.left[keep], mine)

    @cached_property
    def buyers(self) -> IntArray:
        """Every customer with a purchase day before ``as_of`` (ascending ids)."""
        return _first_of_runs(self.days.customer_id)

    @cached_property
    def markets(self) -> tuple[IntArray, npt.NDArray[np.object_]]:
        """Every customer's id (ascending) and market (his country, ``unknown`` when blank):
        from :attr:`countries` when the caller read them (the Spark path), else the database."""
        if self.countries is not None:
            ids, countries = self.countries
        else:
            assert self.session is not None
            rows = self.session.execute(
                select(Customer.id, Customer.country).order_by(Customer.id)
            ).all()
            ids = np.fromiter((c for c, _ in rows), dtype=np.int64, count=len(rows))
            countries = [country for _, country in rows]
        markets = np.asarray([country or "unknown" for country in countries], dtype=object)
        return np.asarray(ids, dtype=np.int64), markets


@dataclass(frozen=True)
class Measured:
    """A source's scores: raw (higher = more likely to leave, any monotonic scale) at the
    validation cut with what happened after it, and today."""

    then_score: FloatArray
    then_left: IntArray
    now_customer: IntArray  # database ids
    now_score: FloatArray
    fitted: dict[str, object] = field(default_factory=dict)  # the source's parameters


@dataclass(frozen=True)
class RiskSource:
    key: str  # stored with the run (≤ 32 characters)
    name: str  # marked with N_(); shown translated
    measure: Callable[[RiskInput], Measured]
    # At most how many customers it can score today, found cheaply (None: every buyer); a
    # source that cannot reach MIN_COVERAGE is not fitted at all.
    reach: Callable[[RiskInput], int] | None = None


@dataclass(frozen=True)
class RiskCandidate:
    source: RiskSource
    validated: ValidatedRisk | None
    measured: Measured | None
    skipped: str | None = None

    def describe(self) -> dict[str, object]:
        """The candidate's figures as stored with the run (``models.risk.candidates``)."""
        out: dict[str, object] = {"key": self.source.key, "name": self.source.name}
        if self.validated is None or self.measured is None:
            out["skipped"] = self.skipped
            return out
        v = self.validated
        out.update(
            {
                "auc": round(v.auc, 4),
                "brier": round(v.brier, 4),
                "rows": v.rows,
                "leavers": v.leavers,
                "cut": round(v.cut, 4),
                "precision_at_cut": round(v.precision, 4),
                "flagged_share": round(v.flagged_share, 4),
                "platt": {"a": v.platt.a, "b": v.platt.b},
                "scored_today": len(self.measured.now_customer),
                **self.measured.fitted,
            }
        )
        return out


# -- the purchase-based candidates -------------------------------------------------------------


@dataclass(frozen=True)
class _Cut:
    """The validation cut of the purchase history: customers who had bought before it
    (ascending ids) and whether they bought again in the horizon after it."""

    day: int  # days since 1970-01-01
    customer: IntArray
    left: IntArray
    before: npt.NDArray[np.bool_]  # mask of ``days`` before the cut


def stratified_sample(
    left: npt.ArrayLike, size: int | None, seed: int = SAMPLE_SEED
) -> npt.NDArray[np.bool_]:
    """A mask of ``size`` of the customers, drawn at random without replacement within the
    leavers and within the stayers in proportion to their numbers (a stratified sample: the
    leaving rate of the cut is kept, so calibration and precision read the same); all of
    them when there are no more than ``size`` (or ``size`` is None). Deterministic for a
    seed."""
    y = np.asarray(left).astype(bool)
    n = len(y)
    if size is None or n <= size:
        return np.ones(n, dtype=bool)
    rng = np.random.default_rng(seed)
    keep = np.zeros(n, dtype=bool)
    leavers = np.flatnonzero(y)
    take = round(size * len(leavers) / n)
    keep[rng.choice(leavers, size=take, replace=False)] = True
    keep[rng.choice(np.flatnonzero(~y), size=size - take, replace=False)] = True
    return keep


def _first_of_runs(sorted_ids: IntArray) -> IntArray:
    """The distinct values of an ascending array (``np.unique`` without its sort; sorts when
    the array is not ascending after all)."""
    if len(sorted_ids) == 0:
        return sorted_ids.astype(np.int64)
    if np.any(sorted_ids[1:] < sorted_ids[:-1]):
        return np.unique(sorted_ids).astype(np.int64)
    return sorted_ids[np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]].astype(np.int64)


def _purchase_cut(inp: RiskInput) -> _Cut:
    day = (inp.cut - EPOCH).days
    before = inp.days.day < day
    known = _first_of_runs(inp.days.customer_id[before])  # days: sorted by customer
    later = _first_of_runs(inp.days.customer_id[~before])
    again = np.isin(known, later, assume_unique=True)
    return _Cut(day, known, (~again).astype(np.int64), before)


def _last_days(customer: IntArray, day: IntArray, ids: IntArray) -> IntArray:
    last = pd.Series(day).groupby(customer).max()
    return np.asarray(last.reindex(ids).to_numpy(), dtype=np.int64)


def _recency(inp: RiskInput) -> Measured:
    """log(1 + days since the last order), the plain baseline."""
    cut = inp.validation_cut
    d = inp.days
    then_last = _last_days(d.customer_id[cut.before], d.day[cut.before], cut.customer)
    now = inp.buyers
    now_last = _last_days(d.customer_id, d.day, now)
    end = (inp.as_of - EPOCH).days - 1  # as the score run's recency_days
    return Measured(
        then_score=np.log1p(cut.day - 1 - then_last).astype(np.float64),
        then_left=cut.left,
        now_customer=now,
        now_score=np.log1p(end - now_last).astype(np.float64),
    )


def _rhythm_missing(inp: RiskInput, as_of_day: int, mask: npt.NDArray[np.bool_]) -> pd.Series:
    """The rhythm warning's risk per customer id: the share of his usual revenue missing in
    the recent window (1 when he has no usual revenue), as the alert run prices it."""
    ids, markets = inp.markets
    d = inp.days
    whole = bool(mask.all())  # today: every day, read without copies
    res = order_rhythm(
        np.searchsorted(ids, d.customer_id if whole else d.customer_id[mask]),
        d.day if whole else d.day[mask],
        d.cents if whole else d.cents[mask],
        markets,
        as_of_day,
        RhythmOptions(),
    )
    usual = res.revenue_usual
    share = np.divide(res.revenue_window, usual, out=np.zeros(len(ids)), where=usual > 0)
    missing = np.where(usual > 0, np.clip(1.0 - share, 0.0, 1.0), 1.0)
    return pd.Series(missing, index=ids)


def _order_rhythm(inp: RiskInput) -> Measured:
    cut = inp.validation_cut
    then = _rhythm_missing(inp, cut.day, cut.before)
    now = inp.buyers
    today = _rhythm_missing(inp, (inp.as_of - EPOCH).days, np.ones(len(inp.days.day), bool))
    return Measured(
        then_score=then.reindex(cut.customer).to_numpy(dtype=np.float64),
        then_left=cut.left,
        now_customer=now,
        now_score=today.reindex(now).to_numpy(dtype=np.float64),
        fitted={"options": {"window_days": RhythmOptions().window_days}},
    )


def _rhythm_warning(inp: RiskInput) -> Measured:
    """The alerts' learned rhythm warning (``analytics.rhythm_warning``: a logistic model on
    rhythm features, trained a horizon before the day it scores, on the outcome known by
    then), with the risk horizon: judged at the cut on its own population (customers with
    ``min_orders`` orders whose first order is a horizon before the cut) and outcome (no order
    in the horizon after it), and applied today to the same kind of population."""
    d = inp.days
    h, m = inp.horizon_days, RhythmOptions().min_orders
    orders = customer_days(d.customer_id, d.day, d.cents)
    then_day = (inp.cut - EPOCH).days - 1  # orders on or before it: those before the cut
    now_day = (inp.as_of - EPOCH).days - 1
    # Judged on the validation sample: fitted on its customers' orders (those of the others
    # play no part), scored on those of them in the warning's population.
    cut = inp.validation_cut
    sampled = cut.customer is not inp.purchase_cut.customer
    codes = np.flatnonzero(np.isin(orders.ids.astype(np.int64), cut.customer))
    then_fit = fit_warning(_orders_of(orders, codes) if sampled else orders, then_day, h, m)
    then_customers = population(orders, then_day, h, m)
    then_table = warning_features(orders, then_customers, then_day, h)
    judged = np.isin(then_customers, codes) if sampled else np.ones(len(then_customers), bool)
    then_risk = then_fit.risk(then_table[judged])
    # Today's warning trains a horizon before today, on all of the validation cut: the
    # features just computed (now_day − h == then_day).
    now_fit = fit_warning(orders, now_day, h, m, table=then_table)
    now_customers = population(orders, now_day, h, m)
    now_risk = now_fit.risk(warning_features(orders, now_customers, now_day, h))
    return Measured(
        then_score=logit(then_risk),
        then_left=stopped(orders, then_customers[judged], then_day, h).astype(np.int64),
        now_customer=orders.ids[now_customers].astype(np.int64),
        now_score=logit(now_risk),
        fitted=now_fit.describe(),
    )


def _orders_of(orders: Orders, codes: IntArray) -> Orders:
    """The orders of some customers (codes, ascending) as orders of their own."""
    mine = np.isin(orders.customer, codes)
    return Orders(
        ids=orders.ids[codes],
        customer=np.searchsorted(codes, orders.customer[mine]).astype(np.int64),
        day=orders.day[mine],
        amount=orders.amount[mine],
    )


def logit(p: npt.ArrayLike) -> FloatArray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


def _bgnbd(inp: RiskInput) -> Measured:
    """1 − P(alive) of a BG/NBD fitted at the cut (weeks, as the score run); today the run's
    own fit."""
    cut = inp.validation_cut
    d = inp.days
    frame = pd.DataFrame({"c": d.customer_id[cut.before], "d": d.day[cut.before]})
    g = frame.groupby("c")["d"].agg(["count", "min", "max"]).reindex(cut.customer)
    x = (g["count"] - 1).to_numpy(dtype=np.float64)
    t_x = (g["max"] - g["min"]).to_numpy(dtype=np.float64) / WEEK_DAYS
    age = (cut.day - 1 - g["min"]).to_numpy(dtype=np.float64) / WEEK_DAYS
    fit = fit_bgnbd(x, t_x, age)
    now = inp.bgnbd_p_alive.dropna()
    return Measured(
        then_score=logit(1.0 - p_alive(fit, x, t_x, age)),
        then_left=cut.left,
        now_customer=now.index.to_numpy(dtype=np.int64),
        now_score=logit(1.0 - now.to_numpy(dtype=np.float64)),
        fitted={
            "at_cut": {
                "r": fit.r,
                "alpha": fit.alpha,
                "a": fit.a if np.isfinite(fit.a) else None,
                "b": fit.b if np.isfinite(fit.b) else None,
            }
        },
    )


RECENCY = RiskSource("recency", N_("days since the last order"), _recency)
ORDER_RHYTHM = RiskSource(
    "order-rhythm", N_("order rhythm (share of the usual revenue missing)"), _order_rhythm
)
BGNBD = RiskSource("bgnbd", N_("BG/NBD 1 − P(alive)"), _bgnbd)
RHYTHM_WARNING = RiskSource(
    "rhythm-warning", N_("rhythm warning (learned, as the alerts)"), _rhythm_warning
)
PURCHASE_SOURCES: tuple[RiskSource, ...] = (RECENCY, ORDER_RHYTHM, RHYTHM_WARNING, BGNBD)
"""The candidates every run has; ``run_score(risk_sources=...)`` adds the features' own."""


def measure(source: RiskSource, inp: RiskInput, precision: float) -> RiskCandidate:
    """One candidate judged on the out-of-time cut; a source that cannot be fitted or
    validated is kept with the reason (shown with the run)."""
    need = int(np.ceil(MIN_COVERAGE * inp.scored))
    try:
        if source.reach is not None and (reach := source.reach(inp)) < need:
            raise InputError(
                N_("it scores at most %(n)s of the %(scored)s customers; %(need)s are needed"),
                n=reach,
                scored=inp.scored,
                need=need,
            )
        measured = source.measure(inp)
        if len(measured.now_customer) < need:
            raise InputError(
                N_("it scores %(n)s of the %(scored)s customers; %(need)s are needed"),
                n=len(measured.now_customer),
                scored=inp.scored,
                need=need,
            )
        # A source judged on its own population (the contract churn model) is sampled here.
        keep = stratified_sample(measured.then_left, inp.validation_sample)
        validated = validate_risk(
            measured.then_score[keep], measured.then_left[keep], precision=precision
        )
    except InputError as exc:
        return RiskCandidate(source, None, None, str(exc))
    return RiskCandidate(source, validated, measured)


def choose(
    inp: RiskInput, sources: Sequence[RiskSource], precision: float = AT_RISK_PRECISION
) -> tuple[RiskCandidate | None, list[RiskCandidate]]:
    """Every candidate judged, and the one with the highest out-of-time AUC among those that
    score at least ``MIN_COVERAGE`` of the customers (None: none could be validated). AUCs
    measured on different populations (the churn model's contract customers) are compared
    only when the model covers most of the run's customers."""
    candidates = [measure(s, inp, precision) for s in sources]
    valid = [c for c in candidates if c.validated is not None]
    best = max(valid, key=lambda c: c.validated.auc if c.validated else 0.0, default=None)
    return best, candidates


@dataclass(frozen=True)
class RiskAxis:
    """Per scored customer: his risk, whether he is at risk and which model it came from, and
    what the run stores."""

    risk: FloatArray  # chance of leaving within the horizon (or 1 − P(alive), uncovered)
    at_risk: npt.NDArray[np.bool_]
    model_of: npt.NDArray[np.object_]  # per customer: the source's key (None: P(alive))
    model: str | None  # the chosen source's key (None: P(alive), not validated)
    auc: float | None
    described: dict[str, object]


def risk_axis(
    inp: RiskInput,
    sources: Sequence[RiskSource],
    customer_id: IntArray,
    alive: FloatArray,
    at_risk_below: float,
    precision: float = AT_RISK_PRECISION,
) -> RiskAxis:
    """The risk of the scored customers (``customer_id``, their run's P(alive) ``alive``):
    from the best validated model; a customer that model does not score (too few orders for a
    rhythm, no contract for the churn model) takes his risk from the next best validated model
    that scores him, each with its own calibration and cut; one no model scores keeps
    1 − P(alive) and the segments' ``at_risk_below`` rule. Each is counted."""
    best, candidates = choose(inp, sources, precision)
    risk = 1.0 - alive
    at_risk = alive < at_risk_below
    model_of = np.full(len(customer_id), None, dtype=object)
    described: dict[str, object] = {
        "horizon_days": inp.horizon_days,
        "validated_at": inp.cut.isoformat(),
        "validation_cut": len(inp.purchase_cut.customer),
        "validation_sample": len(inp.validation_cut.customer),
        "precision": precision,
        "candidates": [c.describe() for c in candidates],
    }
    if best is None or best.validated is None or best.measured is None:
        described.update({"chosen": None, "not_covered": len(customer_id)})
        return RiskAxis(risk, at_risk, model_of, None, None, described)
    ranked = sorted(
        (
            (c, c.validated, c.measured)
            for c in candidates
            if c.validated is not None and c.measured is not None
        ),
        key=lambda item: -item[1].auc,
    )
    filled: list[dict[str, object]] = []
    open_ = np.ones(len(customer_id), dtype=bool)
    for candidate, validated, measured in ranked:
        scored = pd.Series(validated.risk(measured.now_score), index=measured.now_customer)
        mine = scored.reindex(customer_id).to_numpy(dtype=np.float64)
        take = open_ & np.isfinite(mine)
        risk = np.where(take, mine, risk)
        at_risk = np.where(take, mine >= validated.cut, at_risk)
        model_of[take] = candidate.source.key
        if candidate is not best and take.any():
            filled.append(
                {
                    "key": candidate.source.key,
                    "name": candidate.source.name,
                    "auc": round(validated.auc, 4),
                    "customers": int(take.sum()),
                }
            )
        open_ &= ~take
    described.update(
        {
            "chosen": best.source.key,
            "auc": round(best.validated.auc, 4),
            "cut": round(best.validated.cut, 4),
            "not_covered": int(open_.sum()),
            "filled": filled,
            "at_risk": int(at_risk.sum()),
        }
    )
    return RiskAxis(risk, at_risk, model_of, best.source.key, best.validated.auc, described)
