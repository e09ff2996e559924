"""The renewal list scored against the demo world's truth (``truth_responses``, action
``renewal-offer``: every contract customer's true chance of renewing at his next contract
end with and without the renewal discount).

Issue 7 asks that, on the telecom world, the list targeted by expected net incremental value
earn ≥ 30% more *true* incremental value than calling the same number of customers by churn
risk (the issue-6 churn model), at the same budget. "True incremental value" of calling a
customer is what the call changes, priced as the list prices it:

    (p_treated − p_control) × next term's fees − call cost − p_treated × discount cost

— the discount is paid by everyone who renews with it, silent renewers included (seed 001).
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
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import TELECOM
from valuecenter.demo.savedesk import RENEWAL_OFFER
from valuecenter.demo.truth_models import TruthResponse, TruthWorld
from valuecenter.demo.world import plan_world
from valuecenter.retention.models import RenewalCandidate, RenewalGroup
from valuecenter.retention.offers import upsert_offer
from valuecenter.retention.renewals.features import RENEWAL_FEATURES, renewal_table
from valuecenter.retention.renewals.service import RenewalOptions, run_renewals
from valuecenter.value.features import EPOCH, purchase_days

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
        load_plan(session, plan_world(TELECOM, CUSTOMERS, SEED))
        session.commit()
        world = session.scalars(select(TruthWorld)).one()
        upsert_offer(session, DISCOUNT)
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
        everyone = renewal_table(
            session,
            as_of,
            purchase_days(session, as_of),
            load_contracts(session),
            frozenset({"renewal-offer"}),
        )
        ids = dict(session.execute(select(Customer.id, Customer.external_id)).all())
    engine.dispose()
    everyone["ext"] = everyone["customer_id"].map(ids)
    everyone = everyone.merge(truth, on="ext", how="inner")
    everyone["value"] = everyone["fee_cents"] * everyone["term_months"]
    everyone["soon"] = (everyone["end_day"] > (as_of - EPOCH).days) & (
        everyone["end_day"] <= (as_of - EPOCH).days + HORIZON
    )
    frame = frame.merge(truth, on="ext", how="left")
    # What calling each candidate truly earns, priced as the list prices it.
    for table in (frame, everyone):
        _price(table)
    return Scored(frame=frame, listed=listed, everyone=everyone, targeting=targeting)


def _price(frame: pd.DataFrame) -> None:
    """What calling each customer truly earns, priced as the list prices it."""
    cost = DISCOUNT.discount_share * frame["value"]
    frame["true_gross"] = (frame["p1"] - frame["p0"]) * frame["value"]
    frame["true_net"] = frame["true_gross"] - CALL - frame["p1"] * cost


def _top(frame: pd.DataFrame, column: str, k: int) -> pd.DataFrame:
    return frame.sort_values([column, "customer_id"], ascending=[False, True]).head(k)


def test_the_renewal_list_against_calling_by_churn_risk(telecom: Scored) -> None:
    """The issue's comparison, measured on the truth.

    The list acts on individual uplift only where the BLP test on the newest campaigns
    confirms the model's ranking; in this world it does not (see the next test), so the list
    uses the discount's measured average effect for everyone — and at that effect a 10%
    discount on the next term costs more than it brings for every candidate: the list calls
    nobody, and counts them all as silent renewers or not worth an offer.

    Forced to spend a budget anyway (k calls, in the list's order of expected net value), the
    list loses far less than calling the k customers with the highest churn risk; both are
    priced on the truth. The issue's "≥ 30% more true incremental value" presumes calls that
    earn something, which no targeting on this world's data finds."""
    f = telecom.frame
    # Every candidate has his truth, but for the odd customer the world let go while a
    # second line's contract ran on (1 of 2,241 here).
    assert f["p0"].isna().mean() < 0.005
    f = f[f["p0"].notna()]
    listed = f[f["group"] == RenewalGroup.LISTED]
    assert len(listed) == telecom.listed
    assert (listed["net"] > 0).all()
    targeting = telecom.targeting
    print(f"targeting: {targeting}")
    if targeting["targeting"] == "average effect":
        assert (f["net"] <= 0).all() == (len(listed) == 0)
    silent = f[f["group"] == RenewalGroup.SILENT_RENEWER]
    others = f[f["group"] != RenewalGroup.SILENT_RENEWER]
    assert silent["p0"].mean() > others["p0"].mean()  # they truly renew more often
    print(f"groups: {f['group'].astype(str).value_counts().to_dict()}")
    print(
        f"candidates {len(f)}, listed {len(listed)}: true net € "
        f"{listed['true_net'].sum() / 100:,.0f}, gross € {listed['true_gross'].sum() / 100:,.0f}"
    )
    for k in (100, 200, 500):
        ours, by_risk = _top(f, "net", k), _top(f, "risk", k)
        print(
            f"forced to {k} calls: true net € {ours['true_net'].sum() / 100:,.0f} in the "
            f"list's order vs € {by_risk['true_net'].sum() / 100:,.0f} by churn risk; gross "
            f"€ {ours['true_gross'].sum() / 100:,.0f} vs € {by_risk['true_gross'].sum() / 100:,.0f}"
            f"; oracle net € {_top(f, 'true_net', k)['true_net'].sum() / 100:,.0f}"
        )
        assert ours["true_net"].sum() > by_risk["true_net"].sum()


def test_no_targeting_on_this_worlds_data_can_beat_churn_risk_by_30_percent(
    telecom: Scored,
) -> None:
    """Why the issue's ≥ 30% cannot be met in this world: a model that is *given the true
    uplift as its label* — more than any model learned from campaign outcomes can know —
    explains almost none of it from everything the product observes (contract, contacts,
    NPS, revenue, campaign responses), and ranking by it earns no more than ranking by risk.

    In the world (docs/simulation.md) an offer moves only *persuadable* customers, and a
    customer's response type leaves no observable trace before his contract ends: it sets
    his hazard (seen only once he leaves) and leans on his offer sensitivity, which shows
    only in a few campaign answers."""
    e = telecom.everyone
    x = e[list(RENEWAL_FEATURES)].to_numpy(dtype=np.float64)
    true_uplift = (e["p1"] - e["p0"]).to_numpy()

    def model() -> lgb.LGBMRegressor:
        return lgb.LGBMRegressor(n_estimators=300, learning_rate=0.03, num_leaves=15, verbose=-1)

    guess = cross_val_predict(model(), x, true_uplift, cv=5)
    p0_guess = cross_val_predict(model(), x, e["p0"].to_numpy(), cv=5)
    r2 = 1.0 - float(np.mean((guess - true_uplift) ** 2) / np.var(true_uplift))
    e = e.assign(
        net_guess=guess * e["value"]
        - CALL
        - (p0_guess + guess) * DISCOUNT.discount_share * e["value"],
        risk_guess=1.0 - p0_guess,
    )
    soon = e[e["soon"]]
    print(f"R² of the true uplift from the observable features: {r2:.3f}")
    assert r2 < 0.05
    for k in (100, 200):
        best, risky = _top(soon, "net_guess", k), _top(soon, "risk_guess", k)
        print(
            f"k={k}: gross € {best['true_gross'].sum() / 100:,.0f} vs € "
            f"{risky['true_gross'].sum() / 100:,.0f} by risk; net € "
            f"{best['true_net'].sum() / 100:,.0f} vs € {risky['true_net'].sum() / 100:,.0f}"
        )
        assert best["true_gross"].sum() < 1.3 * risky["true_gross"].sum()
