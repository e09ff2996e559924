"""The renewal list (C7): whom to call, with which offer, before his contract ends.

Seed 001: customers whose contract ends are called with a discount or free months, "but you
don't want to give those discounts to customers who renew silently anyway". So the list is
ranked by the **expected net incremental value** of the call, not by churn risk:

    net = uplift × value − call cost − P(renew | offer) × offer cost

- *uplift*: P(renew | offer) − P(renew | no offer), from an uplift model
  (``valuecenter.analytics.uplift``) learned on the company's own renewal campaigns, whose
  random control groups make the effect identifiable (treated vs held-out members, outcome
  "renewed"). Several offers are arms of one multi-treatment model; each customer gets the
  offer with the best net.
- *value*: the next term's fees (the ending contract's monthly fee × its term): what the
  renewal decides.
- *offer cost*: paid only by those who take the offer and renew — which is why a discount
  to a silent renewer is money given away.

Customers with a net ≤ 0 are left out and counted by why: **silent renewers** (renew anyway),
**lost causes** (leave anyway) and **not worth it** (some uplift, less than the cost). A
budget (calls, euros) cuts the rest; what it cuts is counted as over budget.

Before the list is trusted, the model is validated **out of time**: fitted on the older
campaigns and tested on the newest ones (their Qini coefficient and uplift@30% are stored on
the run, beside the training data's size per arm), then refitted on all of them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from valuecenter.alerts.contract_features import load_contracts
from valuecenter.alerts.reason_text import feature_reason, reason
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments import Effect, average_effect
from valuecenter.analytics.purchases import EPOCH, PurchaseDays
from valuecenter.analytics.uplift import fit_uplift, qini_coefficient, uplift_at_k
from valuecenter.analytics.uplift.calibration import Blp, best_linear_predictor, calibrated
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import _, format_date
from valuecenter.retention.models import (
    RenewalCandidate,
    RenewalGroup,
    RenewalRun,
    RetentionOffer,
)
from valuecenter.retention.offers import active_offers, offer_cost_cents
from valuecenter.retention.renewals.features import RENEWAL_FEATURES, renewal_table
from valuecenter.value.features import purchase_days
from valuecenter.value.repository import latest_run

Learner = Literal["auto", "t", "x", "dr", "ct"]
MIN_ARM_ROWS = 50  # members per arm (each offer and the control) needed to learn from


def to_learn() -> str:
    """What a company does when its campaigns cannot teach the list yet (the CLI's error, the
    bootstrap's line and the empty page all say it: one text, in the reader's language)."""
    return _(
        "What to do: run renewal campaigns with a random control group (every offer and the "
        "held-out group at least %(min)s members whose contract has ended), import them with "
        "`valuecenter import campaigns FILE`, then build the list with `valuecenter retention "
        "renewals`.",
        min=grouped(MIN_ARM_ROWS),
    )


HOLDOUT_SHARE = 0.25  # the newest campaigns holding about this share validate the model


@dataclass(frozen=True)
class RenewalOptions:
    as_of: date | None = None  # default: the latest score run's day, else today (UTC)
    horizon_days: int = 90  # contracts ending in (as_of, as_of + horizon]
    budget_calls: int | None = None
    budget_cents: int | None = None  # call costs + expected offer costs of the list
    call_cost_cents: int = 450  # an outbound retention call
    learner: Learner = "auto"
    seed: int = 0
    silent_renewal: float = 0.85  # renews at least this likely without an offer: silent
    lost_cause: float = 0.5  # renews less likely than this even with the offer: lost cause

    def check(self) -> None:
        if not 1 <= self.horizon_days <= 730:
            raise InvalidInput(
                "horizon_days", _("%(value)s is not in 1–730", value=self.horizon_days)
            )
        for name in ("budget_calls", "budget_cents"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInput(name, _("is negative"))
        if self.call_cost_cents < 0:
            raise InvalidInput("call_cost_cents", _("is negative"))
        if not 0.0 < self.lost_cause < self.silent_renewal < 1.0:
            raise InvalidInput("silent_renewal", _("needs 0 < lost_cause < silent_renewal < 1"))


@dataclass(frozen=True)
class TrainingSet:
    """Campaign members as rows: features at their campaign's start, arm (0 = control,
    k = the k-th offer) and whether they renewed; ``campaign`` orders them in time."""

    x: np.ndarray
    arm: np.ndarray
    y: np.ndarray
    campaign: np.ndarray  # index into ``campaigns`` (sorted by start)
    campaigns: list[str]


def _day(value: float) -> date:
    return EPOCH + timedelta(days=int(value))


def training_set(
    session: Session,
    as_of: date,
    offers: list[RetentionOffer],
    contracts: pd.DataFrame,
    days: PurchaseDays,
) -> TrainingSet:
    """The members of the campaigns of the offers' ``campaign_action`` that started before
    ``as_of`` and whose contract end (and so the outcome) lies before it. ``contracts`` and
    ``days`` (purchase days before ``as_of``) are read once by the caller: the features of
    each campaign's cut only look at what lies before it."""
    actions = {o.campaign_action: k + 1 for k, o in enumerate(offers) if o.campaign_action}
    campaigns = session.execute(
        select(Campaign.id, Campaign.external_id, Campaign.action, Campaign.started_at)
        .where(Campaign.action.in_(list(actions)))
        .order_by(Campaign.started_at, Campaign.id)
    ).all()
    as_of_day = (as_of - EPOCH).days
    parts: list[pd.DataFrame] = []
    names: list[str] = []
    for campaign_id, code, action, started in campaigns:
        cut = started.date()
        if cut >= as_of:
            continue
        members = pd.DataFrame(
            [
                tuple(r)
                for r in session.execute(
                    select(
                        CampaignMember.customer_id,
                        CampaignMember.arm,
                        CampaignMember.converted_at,
                    ).where(CampaignMember.campaign_id == campaign_id)
                ).all()
            ],
            columns=["customer_id", "arm", "converted"],
        )
        if members.empty:
            continue
        table = renewal_table(session, cut, days, contracts, frozenset(actions))
        rows = members.merge(table, on="customer_id", how="inner")
        rows = rows[rows["end_day"].notna() & (rows["end_day"] < as_of_day)]
        if rows.empty:
            continue
        converted = pd.to_datetime(rows["converted"], utc=True)
        rows = rows.assign(
            _arm=np.where(rows["arm"].astype(str) == Arm.CONTROL.value, 0, actions[str(action)]),
            _y=(converted.notna() & (converted < datetime.combine(as_of, datetime.min.time(), UTC)))
            .astype(np.int64)
            .to_numpy(),
            _campaign=len(names),
        )
        names.append(str(code))
        numbers = rows[list(RENEWAL_FEATURES)].apply(pd.to_numeric, errors="coerce")
        parts.append(
            numbers.astype(np.float64)
            .assign(_arm=rows["_arm"], _y=rows["_y"])
            .assign(_campaign=rows["_campaign"])
        )
    if not parts:
        raise InvalidInput(
            "campaigns",
            _(
                "no renewal campaign with a finished outcome before %(day)s for the offers' "
                "campaign actions (%(actions)s).",
                day=format_date(as_of),
                actions=", ".join(actions),
            )
            + " "
            + to_learn(),
        )
    frame = pd.concat(parts, ignore_index=True)
    return TrainingSet(
        x=frame[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64),
        arm=frame["_arm"].to_numpy(dtype=np.int64),
        y=frame["_y"].to_numpy(dtype=np.int64),
        campaign=frame["_campaign"].to_numpy(dtype=np.int64),
        campaigns=names,
    )


def _check_actions(offers: list[RetentionOffer]) -> None:
    """Each offer learns from its own campaigns: two offers on one campaign action would
    claim the same treated members."""
    seen: dict[str, str] = {}
    for offer in offers:
        action = str(offer.campaign_action)
        if action in seen:
            raise InvalidInput(
                "offers",
                _(
                    "offers '%(first)s' and '%(second)s' both learn from campaign action "
                    "'%(action)s'; give each offer its own campaigns (or deactivate one)",
                    first=seen[action],
                    second=offer.code,
                    action=action,
                ),
            )
        seen[action] = offer.code


def _check_arms(data: TrainingSet, offers: list[RetentionOffer]) -> None:
    counts = np.bincount(data.arm, minlength=len(offers) + 1)
    labels = ["control", *(o.code for o in offers)]
    for label, count in zip(labels, counts, strict=True):
        if count < MIN_ARM_ROWS:
            raise InvalidInput(
                "campaigns",
                _(
                    "the renewal campaigns hold %(count)s members in arm '%(arm)s' whose "
                    "contract has ended; at least %(min)s are needed to learn whom an offer "
                    "moves.",
                    count=grouped(int(count)),
                    arm=label,
                    min=grouped(MIN_ARM_ROWS),
                )
                + " "
                + to_learn(),
            )


def _check_members(session: Session, offers: list[RetentionOffer]) -> None:
    """The arms' sizes in the campaigns as they stand, before any feature is computed: the
    members whose contract has ended (``_check_arms``) are fewer, so too few here is too few
    there — said in a few milliseconds, which the empty renewal page can afford."""
    actions = [str(o.campaign_action) for o in offers]
    counts: dict[tuple[str, str], int] = {}
    for action, arm, n in session.execute(
        select(Campaign.action, CampaignMember.arm, func.count())
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(Campaign.action.in_(actions))
        .group_by(Campaign.action, CampaignMember.arm)
    ):
        counts[(str(action), str(arm))] = int(n)
    control = Arm.CONTROL.value
    arms = [("control", sum(n for (_a, arm), n in counts.items() if arm == control))]
    for o in offers:
        mine = (n for (a, arm), n in counts.items() if a == o.campaign_action and arm != control)
        arms.append((o.code, sum(mine)))
    for label, count in arms:
        if count < MIN_ARM_ROWS:
            raise InvalidInput(
                "campaigns",
                _(
                    "the renewal campaigns hold %(count)s members in arm '%(arm)s'; at least "
                    "%(min)s are needed to learn whom an offer moves.",
                    count=grouped(count),
                    arm=label,
                    min=grouped(MIN_ARM_ROWS),
                )
                + " "
                + to_learn(),
            )


@dataclass(frozen=True)
class Validation:
    """The out-of-time check: per offer, the BLP of the held-out campaigns (None when it
    could not be made), and what the run stores about it."""

    blp: list[Blp | None]
    report: dict[str, object]


def _validate(data: TrainingSet, options: RenewalOptions, k: int) -> Validation:
    """Fit on the older campaigns, test on the newest (≈ HOLDOUT_SHARE of the rows): Qini,
    uplift@30% and the BLP test of the predicted uplift, per offer."""
    nothing: list[Blp | None] = [None] * k
    share = np.cumsum(np.bincount(data.campaign)) / len(data.campaign)
    first_test = int(np.searchsorted(share, 1.0 - HOLDOUT_SHARE)) + 1
    test = data.campaign >= first_test
    if first_test >= len(data.campaigns) or test.all():
        return Validation(nothing, {"skipped": "too few campaigns to hold the newest out"})
    try:
        model = fit_uplift(
            data.x[~test], data.arm[~test], data.y[~test], options.learner, seed=options.seed
        )
    except InputError as exc:
        return Validation(nothing, {"skipped": str(exc)})
    uplift = model.predict(data.x[test])
    baseline = model.predict_outcome(data.x[test])[:, 0]
    report: dict[str, object] = {
        "test_campaigns": data.campaigns[first_test:],
        "train_rows": int((~test).sum()),
        "test_rows": int(test.sum()),
        "learner": model.learner,
    }
    per: dict[str, object] = {}
    blps: list[Blp | None] = []
    for j in range(k):
        rows = np.isin(data.arm[test], [0, j + 1])
        treated = data.arm[test][rows] == j + 1
        y = data.y[test][rows]
        score = uplift[rows, j]
        figures: dict[str, object] = {"rows": int(rows.sum())}
        try:
            figures["qini"] = round(float(qini_coefficient(score, treated, y)), 4)
            figures["uplift_at_30"] = round(float(uplift_at_k(score, treated, y, 0.3)), 4)
            blp = best_linear_predictor(score, treated, y, baseline=baseline[rows])
            figures["blp"] = blp.as_json()
        except InputError as exc:
            blp = None
            figures["skipped"] = str(exc)
        blps.append(blp)
        per[str(j + 1)] = figures
    report["per_offer"] = per
    return Validation(blps, report)


def _average_effects(data: TrainingSet, k: int) -> list[Effect]:
    """Per offer: the renewal rate with it minus without, over every campaign (randomised
    within each campaign, so the difference is the average effect on the members)."""
    effects: list[Effect] = []
    for j in range(k):
        rows = np.isin(data.arm, [0, j + 1])
        effects.append(average_effect(data.y[rows], data.arm[rows] == j + 1))
    return effects


def _acted_uplift(
    predicted: np.ndarray, validation: Validation, effects: list[Effect]
) -> tuple[np.ndarray, list[dict[str, object]]]:
    """The uplift the list acts on, per offer: calibrated individual uplift where the BLP test
    on the newest campaigns confirmed the model's ranking, else the offer's measured average
    effect for everyone (and why)."""
    acted = np.empty_like(predicted)
    how: list[dict[str, object]] = []
    for j, effect in enumerate(effects):
        blp = validation.blp[j]
        if blp is not None and blp.heterogeneity:
            acted[:, j] = calibrated(predicted[:, j], blp, ate=effect.estimate)
            how.append({"targeting": "individual", "loading": round(blp.loading, 4)})
        else:
            acted[:, j] = effect.estimate
            why = (
                f"the model's ranking did not hold on the newest campaigns (BLP t = {blp.t:.2f})"
                if blp is not None
                else "the model could not be checked on held-out campaigns"
            )
            how.append({"targeting": "average effect", "why": why})
        how[-1]["average_effect"] = effect.as_json()
    return acted, how


def _reasons(row: pd.Series, offer: RetentionOffer) -> list[dict[str, object]]:
    """Why a candidate is listed, as codes with their figures (alerts/reason_text.py), shown
    in the reader's language."""
    out: list[dict[str, object]] = [
        feature_reason("days_to_end", int(row["days_to_end"])),
        reason(
            "renewal",
            {
                "p0_share": round(float(row["p0"]), 4),
                "p1_share": round(float(row["p1"]), 4),
                "offer": offer.name,
                "uplift_points": round(float(row["uplift"]) * 100, 2),
            },
        ),
        reason("value", {"value_cents": round(float(row["value_cents"]))}),
    ]
    if row["messages_365d"] > 0:
        out.append(
            reason(
                "responses_365d",
                {
                    "answered": int(row["responses_365d"]),
                    "messages": int(row["messages_365d"]),
                },
                phrase="answered-of",
            )
        )
    return out


def _group(net: float, p0: float, p1: float, options: RenewalOptions) -> RenewalGroup | None:
    if net > 0:
        return None
    if p0 >= options.silent_renewal:
        return RenewalGroup.SILENT_RENEWER
    if p1 < options.lost_cause:
        return RenewalGroup.LOST_CAUSE
    return RenewalGroup.NOT_WORTH


def score_candidates(
    table: pd.DataFrame,
    uplift: np.ndarray,
    p_renew: np.ndarray,
    offers: list[RetentionOffer],
    options: RenewalOptions,
) -> pd.DataFrame:
    """Per candidate: the offer with the best expected net, its figures, group and rank.
    ``uplift`` (n, offers) is the uplift acted on, ``p_renew`` the chance of renewing
    without an offer."""
    fee = table["fee_cents"].to_numpy(dtype=np.int64)
    term = table["term_months"].to_numpy(dtype=np.float64)
    value = np.round(fee * term).astype(np.int64)
    costs = np.column_stack(
        [
            [offer_cost_cents(o, int(f), int(t)) for f, t in zip(fee, term, strict=True)]
            for o in offers
        ]
    ).astype(np.float64)
    p_offer = np.clip(p_renew[:, None] + uplift, 0.0, 1.0)
    net = uplift * value[:, None] - options.call_cost_cents - p_offer * costs
    best = np.argmax(net, axis=1)
    rows = np.arange(len(table))
    frame = table.assign(
        offer_index=best,
        p0=p_renew,
        p1=p_offer[rows, best],
        uplift=uplift[rows, best],
        value_cents=value,
        cost_cents=np.round(options.call_cost_cents + p_offer[rows, best] * costs[rows, best]),
        net_cents=np.round(net[rows, best]),
    )
    frame["group"] = [
        _group(n, a, b, options)
        for n, a, b in zip(frame["net_cents"], frame["p0"], frame["p1"], strict=True)
    ]
    worth = frame["group"].isna()
    order = frame[worth].sort_values(["net_cents", "customer_id"], ascending=[False, True])
    spend = order["cost_cents"].cumsum()
    within = np.ones(len(order), dtype=bool)
    if options.budget_calls is not None:
        within &= np.arange(len(order)) < options.budget_calls
    if options.budget_cents is not None:
        within &= spend.to_numpy() <= options.budget_cents
    # A budget cuts the tail: once a row is over it, every later row is too.
    within = np.cumprod(within).astype(bool)
    frame.loc[order.index, "group"] = np.where(
        within, RenewalGroup.LISTED, RenewalGroup.OVER_BUDGET
    )
    frame["rank"] = pd.Series(np.nan, index=frame.index)
    frame.loc[order.index[within], "rank"] = np.arange(1, int(within.sum()) + 1)
    return frame


@dataclass(frozen=True)
class _Ready:
    """What a renewal run learns from, once every precondition holds."""

    as_of: date
    score_id: int | None
    offers: list[RetentionOffer]
    contracts: pd.DataFrame
    days: PurchaseDays
    data: TrainingSet


def _ready(session: Session, options: RenewalOptions) -> _Ready:
    """The run's inputs; :class:`InvalidInput` saying why (and what to do) when the company
    cannot have a renewal list yet. :func:`run_renewals` and :func:`why_no_list` both ask
    here, so the CLI, the bootstrap and the page give the same reason."""
    score = latest_run(session)
    as_of = options.as_of or (score.as_of if score else datetime.now(UTC).date())
    offers = [o for o in active_offers(session) if o.campaign_action]
    if not offers:
        raise InvalidInput(
            "offers",
            _(
                "no active retention offer names a campaign action to learn from; add one with "
                "`valuecenter retention offers add --campaign-action ...`."
            )
            + " "
            + to_learn(),
        )
    _check_actions(offers)
    _check_members(session, offers)
    contracts = load_contracts(session)
    days = purchase_days(session, as_of)
    data = training_set(session, as_of, offers, contracts, days)
    _check_arms(data, offers)
    return _Ready(as_of, score.id if score else None, offers, contracts, days, data)


def why_no_list(session: Session, options: RenewalOptions | None = None) -> str | None:
    """Why no renewal list can be built now, in the words of the error the run would raise
    (``None``: it can; it has only not been run)."""
    try:
        _ready(session, options or RenewalOptions())
    except InvalidInput as exc:
        return str(exc)
    return None


def run_renewals(session: Session, options: RenewalOptions | None = None) -> RenewalRun:
    """Build, store and return one renewal list (flushes; the caller commits)."""
    options = options or RenewalOptions()
    options.check()
    started = time.perf_counter()
    ready = _ready(session, options)
    as_of, offers, contracts, days, data = (
        ready.as_of,
        ready.offers,
        ready.contracts,
        ready.days,
        ready.data,
    )
    validation = _validate(data, options, len(offers))
    effects = _average_effects(data, len(offers))
    try:
        model = fit_uplift(data.x, data.arm, data.y, options.learner, seed=options.seed)
    except InputError as exc:
        raise InvalidInput("campaigns", exc.translated()) from exc
    actions = frozenset(o.campaign_action for o in offers if o.campaign_action)
    table = renewal_table(session, as_of, days, contracts, actions)
    as_of_day = (as_of - EPOCH).days
    soon = table["end_day"].notna() & (table["end_day"] > as_of_day)
    soon &= table["end_day"] <= as_of_day + options.horizon_days
    table = table[soon].reset_index(drop=True)
    run = RenewalRun(
        run_id=uuid.uuid4().hex,
        started_at=utcnow(),
        finished_at=utcnow(),
        as_of=as_of,
        horizon_days=options.horizon_days,
        budget_calls=options.budget_calls,
        budget_cents=options.budget_cents,
        call_cost_cents=options.call_cost_cents,
        score_run_id=ready.score_id,
        candidates=len(table),
        listed=0,
        counts={},
        model={},
        totals={},
        seconds=0.0,
    )
    session.add(run)
    session.flush()
    x = table[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64)
    acted, targeting = _acted_uplift(
        model.predict(x) if len(table) else np.zeros((0, len(offers))), validation, effects
    )
    scored = (
        score_candidates(table, acted, model.predict_outcome(x)[:, 0], offers, options)
        if len(table)
        else table.assign(group=[], rank=[])
    )
    _store(session, run, scored, offers)
    run.model = {
        "uplift": model.describe(),
        "offers": [o.code for o in offers],
        "trained_on": {
            "campaigns": data.campaigns,
            "rows": len(data.y),
            "rows_per_arm": {
                label: int(n)
                for label, n in zip(
                    ["control", *(o.code for o in offers)],
                    np.bincount(data.arm, minlength=len(offers) + 1),
                    strict=True,
                )
            },
            "renewal_rate_per_arm": {
                label: round(float(data.y[data.arm == k].mean()), 4)
                for k, label in enumerate(["control", *(o.code for o in offers)])
            },
        },
        "validation": validation.report,
        "targeting": dict(zip((o.code for o in offers), targeting, strict=True)),
        "value": "next term's fees (monthly fee × term months of the ending contract)",
    }
    run.finished_at = utcnow()
    run.seconds = round(time.perf_counter() - started, 3)
    session.flush()
    return run


def _store(
    session: Session, run: RenewalRun, scored: pd.DataFrame, offers: list[RetentionOffer]
) -> None:
    counts = {g.value: 0 for g in RenewalGroup}
    listed = scored[scored["group"] == RenewalGroup.LISTED] if len(scored) else scored
    rows: list[dict[str, Any]] = []
    for _index, row in scored.iterrows():
        group = RenewalGroup(row["group"])
        counts[group.value] += 1
        offer = offers[int(row["offer_index"])]
        rows.append(
            {
                "run_id": run.id,
                "customer_id": int(row["customer_id"]),
                "contract_id": int(row["contract_id"]),
                "ends_on": _day(row["end_day"]),
                "group": group,
                "rank": None if pd.isna(row["rank"]) else int(row["rank"]),
                "offer_id": offer.id,
                "p_renew": round(float(row["p0"]), 4),
                "p_renew_offer": round(float(row["p1"]), 4),
                "uplift": round(float(row["uplift"]), 4),
                "value_cents": int(row["value_cents"]),
                "cost_cents": int(row["cost_cents"]),
                "net_cents": int(row["net_cents"]),
                "reasons": _reasons(row, offer),
            }
        )
    if rows:
        session.execute(insert(RenewalCandidate), rows)
    stored: dict[str, object] = dict(counts)
    run.counts = stored
    run.listed = counts[RenewalGroup.LISTED.value]
    run.totals = {
        "expected_extra_renewals": round(float(listed["uplift"].sum()), 2) if len(listed) else 0,
        "expected_incremental_value_cents": int((listed["uplift"] * listed["value_cents"]).sum())
        if len(listed)
        else 0,
        "expected_cost_cents": int(listed["cost_cents"].sum()) if len(listed) else 0,
        "expected_net_cents": int(listed["net_cents"].sum()) if len(listed) else 0,
    }
