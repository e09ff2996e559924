"""The renewal list scored against the demo world's truth (``truth_responses``, action
``renewal-offer``: every contract customer's true chance of renewing at his next contract
end with and without the renewal discount).

Issue 18 asks that, on the telecom world of 20,000 customers, the list's true net incremental
value at 100, 200 and 500 calls be ≥ 1.3× that of calling the same number of customers by
churn risk (the issue-6 churn model) where that is positive, and positive where it is not
(Hillstrom's e-mail test: uplift ranking beats baseline-propensity ranking 1.53× in the top
30%), and that the BLP test of the list's uplift model find real heterogeneity (t > 2).
"True incremental value" of calling a customer is what the call changes, priced as the list
prices it:

    (p_treated − p_control) × next term's fees − call cost − p_treated × discount cost

— the discount is paid by everyone who renews with it, silent renewers included (seed 001).

The world gives persuadability an observable footprint as Hillstrom shows it (issue 18,
``docs/simulation.md`` "Persuadability"): price-minded customers hold SIM-only plans and are
persuadable by the discount far more often than handset-bundle customers. On the world
before it (no footprint) a model given the true uplift as its label explained R² < 0.05 of
it and no targeting could beat churn risk by 30% (commit c399ce3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_predict
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.alerts.contract_features import FEATURES, contract_table, load_contracts
from valuecenter.analytics.churn import fit_churn, fit_encoder
from valuecenter.analytics.purchases import EPOCH
from valuecenter.analytics.uplift import fit_uplift
from valuecenter.analytics.uplift.calibration import best_linear_predictor
from valuecenter.analytics.uplift.model import LEARNERS
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.latent import MATCH_UPLIFT
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import TELECOM
from valuecenter.demo.savedesk import RENEWAL_OFFER
from valuecenter.demo.truth_models import TruthResponse, TruthWorld
from valuecenter.demo.world import plan_world
from valuecenter.retention.models import RenewalCandidate, RenewalGroup
from valuecenter.retention.offers import upsert_offer
from valuecenter.retention.renewals.features import RENEWAL_FEATURES, renewal_table
from valuecenter.retention.renewals.service import (
    HOLDOUT_SHARE,
    RenewalOptions,
    TrainingSet,
    run_renewals,
    training_set,
)
from valuecenter.value.features import purchase_days

CUSTOMERS, SEED = 20_000, 1
HORIZON = 90
CALL = 450
DISCOUNT = RENEWAL_OFFER


@dataclass(frozen=True)
class Scored:
    frame: pd.DataFrame  # per candidate: figures of the list, churn risk, truth
    listed: int
    everyone: pd.DataFrame  # every contract customer: the list's features and his truth
    targeting: dict[str, object]  # how the run used the uplift model for the offer
    validation: dict[str, object]  # the run's out-of-time check (BLP of the newest campaigns)
    learners: tuple[str, ...]  # everyone's column "learned_<name>": predicted uplift
    train: TrainingSet  # the campaigns' members the run learns from


def _churn_risk(session: Session, as_of: date, customers: pd.Series) -> np.ndarray:
    """Issue 6's churn model, as the alert run trains it: features at as_of − 180 days,
    label "left in the 180 days after", applied to today's features."""
    days = purchase_days
    contracts = load_contracts(session)
    cut = as_of - timedelta(days=180)
    train = contract_table(session, cut, 180, days(session, cut), contracts)
    today = contract_table(session, as_of, 180, days(session, as_of), contracts)
    encoder = fit_encoder(train[list(FEATURES)])
    model = fit_churn(
        encoder.transform(train[list(FEATURES)]),
        train["left"].to_numpy(),
        "auto",
        0,
        encoder.layout,
    )
    risk = pd.Series(
        model.predict_proba(encoder.transform(today[list(FEATURES)])),
        index=today["customer_id"].to_numpy(),
    )
    return risk.reindex(customers.to_numpy()).to_numpy()


@pytest.fixture(scope="module")
def telecom(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    """A telecom world of 20,000 customers (two years of renewal campaigns with a random
    tenth held out), the renewal list at the world's last day, the churn risk of every
    candidate, and the truth."""
    url = f"sqlite:///{tmp_path_factory.mktemp('renewal') / 'world.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        plan = plan_world(TELECOM, CUSTOMERS, SEED)
        load_plan(session, plan)
        session.commit()
        world = session.scalars(select(TruthWorld)).one()
        offer = upsert_offer(session, DISCOUNT)
        as_of = world.ends + timedelta(days=1)
        run_ = run_renewals(
            session, RenewalOptions(as_of=as_of, horizon_days=HORIZON, call_cost_cents=CALL)
        )
        rows = session.execute(
            select(
                RenewalCandidate.customer_id,
                Customer.external_id,
                RenewalCandidate.group,
                RenewalCandidate.rank,
                RenewalCandidate.net_cents,
                RenewalCandidate.value_cents,
                RenewalCandidate.uplift,
            )
            .join(Customer, Customer.id == RenewalCandidate.customer_id)
            .where(RenewalCandidate.run_id == run_.id)
        ).all()
        frame = pd.DataFrame(
            [tuple(r) for r in rows],
            columns=["customer_id", "ext", "group", "rank", "net", "value", "uplift"],
        )
        frame["risk"] = _churn_risk(session, as_of, frame["customer_id"])
        truth = pd.DataFrame(
            [
                tuple(r)
                for r in session.execute(
                    select(
                        TruthResponse.customer_id, TruthResponse.p_control, TruthResponse.p_treated
                    ).where(TruthResponse.action == "renewal-offer")
                ).all()
            ],
            columns=["ext", "p0", "p1"],
        )
        listed = run_.listed
        how = run_.model["targeting"]
        assert isinstance(how, dict)
        targeting = how[DISCOUNT.code]
        validation = run_.model["validation"]
        assert isinstance(validation, dict)
        contracts = load_contracts(session)
        days = purchase_days(session, as_of)
        everyone = renewal_table(session, as_of, days, contracts, frozenset({"renewal-offer"}))
        # Each of the repo's learners, fitted on the campaigns' observed outcomes as the run
        # fits them, predicts the uplift of every contract customer.
        data = training_set(session, as_of, [offer], contracts, days)
        x_now = everyone[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64)
        for name in LEARNERS:
            model = fit_uplift(data.x, data.arm, data.y, name, seed=0)
            everyone[f"learned_{name}"] = model.predict(x_now)[:, 0]
        ids = dict(session.execute(select(Customer.id, Customer.external_id)).all())
    engine.dispose()
    everyone["ext"] = everyone["customer_id"].map(ids)
    hidden = plan.latent.frame.set_index("customer_id")["price_minded"]
    everyone["price_minded"] = everyone["ext"].map(hidden).fillna(0).astype(int)
    everyone = everyone.merge(truth, on="ext", how="inner")
    everyone["value"] = everyone["fee_cents"] * everyone["term_months"]
    everyone["soon"] = (everyone["end_day"] > (as_of - EPOCH).days) & (
        everyone["end_day"] <= (as_of - EPOCH).days + HORIZON
    )
    frame = frame.merge(truth, on="ext", how="left")
    # What calling each candidate truly earns, priced as the list prices it.
    for table in (frame, everyone):
        _price(table)
    return Scored(
        frame=frame,
        listed=listed,
        everyone=everyone,
        targeting=targeting,
        validation=validation,
        learners=LEARNERS,
        train=data,
    )


def _price(frame: pd.DataFrame) -> None:
    """What calling each customer truly earns, priced as the list prices it."""
    cost = DISCOUNT.discount_share * frame["value"]
    frame["true_gross"] = (frame["p1"] - frame["p0"]) * frame["value"]
    frame["true_net"] = frame["true_gross"] - CALL - frame["p1"] * cost


def _top(frame: pd.DataFrame, column: str, k: int) -> pd.DataFrame:
    return frame.sort_values([column, "customer_id"], ascending=[False, True]).head(k)


def _blp_t(validation: dict[str, object]) -> float:
    per = validation["per_offer"]
    assert isinstance(per, dict)
    blp = per["1"]["blp"]
    return float(blp["t"])


def test_the_renewal_list_against_calling_by_churn_risk(telecom: Scored) -> None:
    """Issue 18's renewal target, measured on the truth: the list's first k calls (in its
    order of expected net value) against the k customers with the highest churn risk, at
    k = 100, 200 and 500, and the BLP test of the run's uplift model on the newest
    campaigns (held out of its fit)."""
    f = telecom.frame
    # Every candidate has his truth, but for the odd customer the world let go while a
    # second line's contract ran on.
    assert f["p0"].isna().mean() < 0.005
    f = f[f["p0"].notna()]
    listed = f[f["group"] == RenewalGroup.LISTED]
    assert len(listed) == telecom.listed
    assert (listed["net"] > 0).all()
    print(f"targeting: {telecom.targeting}")
    print(f"validation: {telecom.validation}")
    silent = f[f["group"] == RenewalGroup.SILENT_RENEWER]
    others = f[f["group"] != RenewalGroup.SILENT_RENEWER]
    assert silent["p0"].mean() > others["p0"].mean()  # they truly renew more often
    print(f"groups: {f['group'].astype(str).value_counts().to_dict()}")
    print(
        f"candidates {len(f)}, listed {len(listed)}: true net € "
        f"{listed['true_net'].sum() / 100:,.0f}, gross € {listed['true_gross'].sum() / 100:,.0f}"
    )
    results: list[tuple[int, float, float]] = []
    for k in (100, 200, 500):
        ours, by_risk = _top(f, "net", k), _top(f, "risk", k)
        mine, theirs = ours["true_net"].sum(), by_risk["true_net"].sum()
        print(
            f"{k} calls: true net € {mine / 100:,.0f} in the list's order vs "
            f"€ {theirs / 100:,.0f} by churn risk"
            + (f" ({mine / theirs:.2f}×)" if theirs > 0 else "")
            + f"; gross € {ours['true_gross'].sum() / 100:,.0f} vs "
            f"€ {by_risk['true_gross'].sum() / 100:,.0f}; oracle net "
            f"€ {_top(f, 'true_net', k)['true_net'].sum() / 100:,.0f}"
        )
        results.append((k, mine, theirs))
    t = _blp_t(telecom.validation)
    print(f"BLP t of the list's uplift model on the newest campaigns: {t:.2f}")
    newest, _every = _oracle_bound(telecom)
    _trusted(telecom)
    # What holds: the list loses far less than calling by churn risk at every budget, and
    # no ranking — not even the oracle's — passes the BLP gate on the newest campaigns.
    for _k, mine, theirs in results:
        assert mine > theirs
    assert newest < 2.0


@pytest.mark.xfail(
    strict=True,
    reason="issue 18's renewal target is not met on this world: its renewal campaigns hold "
    "out a tenth as control (≈ 100 controls in the newest campaigns), too few for a BLP "
    "t > 2 even for an oracle's ranking (the first test prints the bound)",
)
def test_issue_18_renewal_target(telecom: Scored) -> None:
    """Issue 18's Done-when, as stated: ≥ 1.3× the true net value of calling by churn risk
    at 100, 200 and 500 calls (positive where that is not), and BLP t > 2."""
    f = telecom.frame[telecom.frame["p0"].notna()]
    for k in (100, 200, 500):
        mine = _top(f, "net", k)["true_net"].sum()
        theirs = _top(f, "risk", k)["true_net"].sum()
        assert mine >= 1.3 * theirs if theirs > 0 else mine > 0
    assert _blp_t(telecom.validation) > 2.0


def _trusted(telecom: Scored) -> None:
    """What each learner's ranking would earn if the list trusted it (candidates ending
    within the horizon, ranked by predicted uplift × next term's fees), for the report."""
    soon = telecom.everyone[telecom.everyone["soon"]]
    for name in telecom.learners:
        ranked = soon.assign(
            _g=soon[f"learned_{name}"] * soon["value"] * (1.0 - DISCOUNT.discount_share)
        )
        figures = ", ".join(
            f"{k}: € {_top(ranked, '_g', k)['true_net'].sum() / 100:,.0f}" for k in (100, 200, 500)
        )
        print(f"learner {name}'s ranking, if trusted, true net at {figures}")


def _oracle_bound(telecom: Scored) -> tuple[float, float]:
    """The most a BLP test on these campaigns can show: the score of a model given the true
    uplift as its label (fitted on today's contract customers, whose truth the world
    stores), tested on the campaigns' members — the newest ones the run holds out, and all."""
    e = telecom.everyone
    oracle = lgb.LGBMRegressor(
        n_estimators=300, learning_rate=0.03, num_leaves=15, verbose=-1, n_jobs=1
    )
    oracle.fit(e[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64), e["p1"] - e["p0"])
    data = telecom.train
    score = oracle.predict(data.x)
    share = np.cumsum(np.bincount(data.campaign)) / len(data.campaign)
    newest = data.campaign >= int(np.searchsorted(share, 1.0 - HOLDOUT_SHARE)) + 1
    ts: list[float] = []
    for name, rows in (("newest campaigns", newest), ("all campaigns", np.ones_like(newest))):
        blp = best_linear_predictor(score[rows], data.arm[rows] == 1, data.y[rows])
        print(
            f"oracle-score BLP on the {name}: t = {blp.t:.2f} ({int(rows.sum())} members, "
            f"{int((data.arm[rows] == 0).sum())} controls)"
        )
        ts.append(blp.t)
    return ts[0], ts[1]


def _r2(guess: np.ndarray, truth: np.ndarray) -> float:
    return 1.0 - float(np.mean((guess - truth) ** 2) / np.var(truth))


@dataclass(frozen=True)
class Oracle:
    guess: np.ndarray  # out-of-fold true uplift from the list's features (oracle label)
    p0_guess: np.ndarray  # out-of-fold chance of renewing without the offer
    r2: float


@pytest.fixture(scope="module")
def oracle(telecom: Scored) -> Oracle:
    """A model given the true uplift as its label, out of fold (5 folds), on every contract
    customer's RENEWAL_FEATURES — more than any model learned from outcomes can know."""
    e = telecom.everyone
    x = e[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64)
    true_uplift = (e["p1"] - e["p0"]).to_numpy()

    def model() -> lgb.LGBMRegressor:
        return lgb.LGBMRegressor(
            n_estimators=300, learning_rate=0.03, num_leaves=15, verbose=-1, n_jobs=1
        )

    guess = cross_val_predict(model(), x, true_uplift, cv=5)
    p0_guess = cross_val_predict(model(), x, e["p0"].to_numpy(), cv=5)
    return Oracle(guess=guess, p0_guess=p0_guess, r2=_r2(guess, true_uplift))


def test_persuadability_has_a_footprint_as_in_hillstrom(telecom: Scored, oracle: Oracle) -> None:
    """Issue 18, point 2, on the telecom world's renewal discount, printed: the R² a model
    given the true uplift as its label explains out of fold (the target R² ≥ 0.15 is the
    xfail test below; the world before issue 18 gave < 0.05); asserted: the best of the
    repo's learners — fitted on the campaigns' observed outcomes only — finds a top 30%
    whose true uplift is 1.4–1.7× the average (Hillstrom: 7.2 vs 4.52 points, 1.6×; uplift
    ranking beats baseline-propensity ranking 1.53×). Also printed: the true uplift of
    price-minded (SIM-only) customers against the others (Hillstrom: +7.3 vs +1.1 points for
    those who bought the offer's category before) and the correlation of predicted uplift
    with the predicted baseline (Hillstrom −0.26)."""
    e = telecom.everyone
    true_uplift = (e["p1"] - e["p0"]).to_numpy()
    guess, p0_guess, r2 = oracle.guess, oracle.p0_guess, oracle.r2
    average = float(true_uplift.mean())
    match = e["price_minded"].to_numpy() == 1  # SIM-only plans (latent.MATCH_RATIO)
    print(
        f"true uplift {average * 100:.2f} points on average; SIM-only (price-minded) "
        f"{true_uplift[match].mean() * 100:.2f} vs handset {true_uplift[~match].mean() * 100:.2f}"
        f" (ratio {true_uplift[match].mean() / true_uplift[~match].mean():.1f}, Hillstrom "
        f"{MATCH_UPLIFT:.1f}); oracle-label R² {r2:.3f}; corr(true uplift, true p0) "
        f"{np.corrcoef(true_uplift, e['p0'])[0, 1]:.2f}"
    )
    top = max(1, int(0.3 * len(e)))
    by_risk = np.argsort(p0_guess, kind="stable")[:top]
    oracle_top = true_uplift[np.argsort(-guess, kind="stable")[:top]].mean()
    print(f"oracle top 30%: {oracle_top / average:.2f}×")
    print(f"churn-risk top 30% (lowest predicted p0): {true_uplift[by_risk].mean() / average:.2f}×")
    ratios: dict[str, float] = {}
    for name in telecom.learners:
        predicted = e[f"learned_{name}"].to_numpy()
        order = np.argsort(-predicted, kind="stable")[:top]
        ratios[name] = float(true_uplift[order].mean() / average)
        print(
            f"learner {name}: top 30% {ratios[name]:.2f}× the average uplift; "
            f"corr(predicted uplift, predicted baseline) "
            f"{np.corrcoef(predicted, p0_guess)[0, 1]:.2f}"
        )
    best = max(ratios.values())
    assert 1.4 <= best <= 1.7, best
    assert r2 > 0.05  # the world before issue 18: < 0.05


@pytest.mark.xfail(
    strict=True,
    reason="a customer's response type is a lottery whose odds the plan sets: the part of "
    "the true uplift any model can explain is the spread of those odds, R² ≈ 0.08 here",
)
def test_issue_18_oracle_r2_on_renewals(oracle: Oracle) -> None:
    """Issue 18, point 1: an oracle-label model explains R² ≥ 0.15 of the true renewal
    uplift out of fold (the previous test prints it)."""
    assert oracle.r2 >= 0.15
