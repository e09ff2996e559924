"""The simulation's hidden truth: reproducible to the byte, consistent with what is observable,
and good enough to score a policy on (issue 4, done-when 2 and 3)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from valuecenter.demo import world as world_mod
from valuecenter.demo.load import write_csv, write_plan_csv
from valuecenter.demo.presets import TELECOM, WHOLESALE
from valuecenter.demo.surveys import NPS_DRIVERS
from valuecenter.demo.truth import experiment, random_assignment
from valuecenter.demo.world import DemoWorld, build_world, plan_world


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world_mod, "BLOCK", 700)  # three blocks: ids run on across blocks
    plan = plan_world(TELECOM, 2000, 7, scenarios=("recession",))
    assert plan.blocks == 3
    first = _digests_of(write_plan_csv(plan, tmp_path / "a"), tmp_path / "a")
    again = _digests_of(
        write_plan_csv(plan_world(TELECOM, 2000, 7, scenarios=("recession",)), tmp_path / "b"),
        tmp_path / "b",
    )
    assert first == again
    assert "truth/truth_responses.csv" in first
    assert len(first) == len(world_mod.ENTITY_ORDER) + len(world_mod.TRUTH_TABLES) + 1
    other = _digests_of(
        write_plan_csv(plan_world(TELECOM, 2000, 8, scenarios=("recession",)), tmp_path / "c"),
        tmp_path / "c",
    )
    for name in ("orders.csv", "contacts.csv", "truth/truth_customers.csv"):
        assert other[name] != first[name], name
    # The in-memory world is the same company as the streamed one.
    memory = build_world(TELECOM, 2000, 7, scenarios=("recession",))
    write_csv(memory, tmp_path / "d")
    assert _digests(tmp_path / "d") == first
    ids = pd.read_csv(tmp_path / "a" / "contacts.csv", usecols=["contact_id"])["contact_id"]
    assert ids.is_unique


def _digests_of(files: dict[str, Path], root: Path) -> dict[str, str]:
    assert all(path.exists() for path in files.values())
    assert not list(root.rglob("*.part"))
    return _digests(root)


@pytest.fixture(scope="module")
def telecom() -> DemoWorld:
    return build_world(TELECOM, 20_000, 3)


@pytest.fixture(scope="module")
def wholesale() -> DemoWorld:
    return build_world(WHOLESALE, 20_000, 3)


@pytest.mark.parametrize("action", ["renewal-offer", "retention-offer", "cross-sell"])
def test_a_random_50_50_offer_experiment_recovers_the_true_uplift(
    telecom: DemoWorld, action: str
) -> None:
    truth = telecom.truth["truth_responses"]
    truth = truth[truth["action"] == action]
    ids, treated = random_assignment(truth, 0.5, seed=11)
    result = experiment(truth, action, ids, treated)
    true_uplift = result.outcome.true_uplift
    assert true_uplift > 0.01  # the offer works on average, so the test can fail
    assert result.effect.covers(true_uplift)
    # Over many replications — a new random assignment and new draws of the outcomes (the
    # u of truth_responses), as another run of the same experiment would have — the interval
    # covers the true uplift about 95% of the time and the estimate is unbiased.
    rng = np.random.default_rng(5)
    estimates, covered = [], 0
    for seed in range(200):
        again = truth.assign(u=rng.random(len(truth)))
        ids, treated = random_assignment(again, 0.5, seed=1000 + seed)
        effect = experiment(again, action, ids, treated).effect
        estimates.append(effect.estimate)
        covered += effect.covers(true_uplift)
    # Binomial(200, 0.95): 190 expected; 180 is its 0.1% quantile (a 95% interval covering
    # fewer times than that is wrong, not unlucky). On issue 18's telecom world the renewal
    # offer covers 183 times with these seeds and 190 with two other replication seeds.
    assert 180 <= covered <= 0.99 * 200
    spread = float(np.std(estimates))
    assert abs(float(np.mean(estimates)) - true_uplift) < 0.25 * spread


def test_response_types_have_the_uplift_their_name_says(telecom: DemoWorld) -> None:
    # Seed 001: silent renewers renew anyway; only some renew because of the offer.
    responses = telecom.truth["truth_responses"]
    kind = telecom.truth["truth_customers"].set_index("customer_id")["response_type"]
    renewal = responses[responses["action"] == "renewal-offer"]
    uplift = (renewal["p_treated"] - renewal["p_control"]).groupby(renewal["customer_id"].map(kind))
    assert uplift.max()["sure-thing"] == 0.0
    assert uplift.max()["lost-cause"] == 0.0
    assert uplift.min()["persuadable"] > 0.0
    assert uplift.max()["sleeping-dog"] < 0.0
    # Lost causes are the riskiest: targeting by risk alone would waste offers on them.
    p_leave = (1 - renewal["p_control"]).groupby(renewal["customer_id"].map(kind)).mean()
    assert p_leave["lost-cause"] > p_leave["persuadable"] > p_leave["sure-thing"]
    sms = responses[responses["action"] == "sms"]
    assert (sms["p_control"] == 0).all()
    assert 0.45 <= sms["p_treated"].mean() <= 0.55


def test_every_contact_has_its_true_cause_and_the_tick_box_is_sometimes_wrong(
    wholesale: DemoWorld,
) -> None:
    contacts = wholesale.frames["contacts"]
    truth = wholesale.truth["truth_contacts"]
    assert (truth["contact_id"].to_numpy() == contacts["contact_id"].to_numpy()).all()
    assert set(truth["origin"]) == {
        "service",
        "order",
        "leaving",
        "outbound",
        "transfer",
        "repeat",
        "callback",
    }
    failure_demand = truth["origin"].isin(["transfer", "repeat", "callback"])
    assert truth.loc[failure_demand, "avoidable"].all()
    assert 0.2 < truth["avoidable"].mean() < 0.8
    ticked = contacts["resolved"] == True  # noqa: E712
    really = truth["true_resolved"] == True  # noqa: E712
    wrong = ticked & ~really & ~contacts["abandoned"]
    assert wrong.sum() > 0.05 * ticked.sum()
    # A repeat follows a question that was not really solved, in the same case.
    repeats = contacts[truth["origin"].to_numpy() == "repeat"]
    solved = truth.set_index("contact_id")["true_resolved"]
    for case_id, started in zip(repeats["case_id"], repeats["started_at"], strict=True):
        before = contacts[(contacts["case_id"] == case_id) & (contacts["started_at"] < started)]
        assert (solved.loc[before["contact_id"]] == False).any()  # noqa: E712
        break  # one case is enough to document the rule; the mask test below covers all
    case_solved = solved.groupby(contacts["case_id"].to_numpy()).apply(lambda s: s.eq(False).any())
    assert case_solved.loc[repeats["case_id"].unique()].all()


def test_nobody_orders_or_calls_after_his_true_churn_date(wholesale: DemoWorld) -> None:
    churn = pd.to_datetime(
        wholesale.truth["truth_customers"].set_index("customer_id")["churn_date"]
    ).dt.tz_localize("UTC")
    for entity, column in (("orders", "ordered_at"), ("contacts", "started_at")):
        frame = wholesale.frames[entity]
        left = frame["customer_id"].map(churn)
        late = frame[column] > left + pd.Timedelta(days=2)
        assert not late.any(), entity
    causes = wholesale.truth["truth_customers"]["churn_cause"].value_counts()
    assert causes["attrition"] > causes.get("contract-end", 0) > 0


def test_telecom_customers_decide_at_the_contract_end(telecom: DemoWorld) -> None:
    # Seed 001: contracts of one or two years, renewed at the end or not.
    truth = telecom.truth["truth_customers"]
    at_end = truth[truth["churn_cause"] == "contract-end"]
    assert len(at_end) > 0.5 * truth["churn_cause"].notna().sum()
    contracts = telecom.frames["contracts"]
    ended = contracts[contracts["status"] == "ended"].groupby("customer_id")["end_date"].max()
    matched = at_end["churn_date"].to_numpy() == at_end["customer_id"].map(ended).to_numpy()
    assert matched.mean() > 0.95


def test_nps_follows_its_stated_causal_model(wholesale: DemoWorld) -> None:
    # Seed 003: first-contact fix rose while NPS did not; transfers and speed drive NPS.
    drivers = dict(zip(*(np.array(NPS_DRIVERS, dtype=object).T[:2]), strict=True))
    table = wholesale.truth["truth_nps_drivers"].set_index("driver")["effect"]
    assert table.to_dict() == drivers
    assert table["first_contact_fix"] == 0.0
    contacts = wholesale.frames["contacts"]
    ends = contacts["started_at"] + pd.to_timedelta(
        contacts["wait_seconds"] + contacts["talk_seconds"], unit="s"
    )
    first = contacts.groupby("case_id")["started_at"].transform("min")
    moves = contacts["transferred_from"].notna().groupby(contacts["case_id"]).transform("sum")
    by_id = pd.DataFrame(
        {
            "e2e_days": ((ends - first).dt.total_seconds() / 86_400).clip(upper=8.0),
            "transfers": moves,
            "fcf": (contacts["resolved"] == True).astype(float),  # noqa: E712
        }
    ).set_index(contacts["contact_id"])
    surveys = wholesale.frames["surveys"].join(by_id, on="contact_id")
    x = np.column_stack(
        [np.ones(len(surveys)), surveys["transfers"], surveys["e2e_days"], surveys["fcf"]]
    )
    coef, *_ = np.linalg.lstsq(x, surveys["nps"].to_numpy(dtype=float), rcond=None)
    _, transfers, e2e, fcf = coef
    assert -2.0 < transfers < -1.0
    assert -0.8 < e2e < -0.25
    assert abs(fcf) < 0.2


def test_engaged_agents_have_happier_customers(wholesale: DemoWorld) -> None:
    # Seed 002: employees' NPS and customers' NPS correlate.
    employee = wholesale.frames["employee_surveys"].groupby("agent_id")["score"].mean()
    surveys = wholesale.frames["surveys"]
    agent = surveys["contact_id"].map(
        wholesale.frames["contacts"].set_index("contact_id")["agent_id"]
    )
    customer = surveys["nps"].groupby(agent).mean()
    both = pd.concat([employee, customer], axis=1, join="inner")
    assert len(both) >= 15
    assert both.corr().iloc[0, 1] > 0.3


@pytest.mark.parametrize("name", ["wholesale", "telecom"])
def test_team_enps_moves_with_the_teams_customer_nps(
    name: str, request: pytest.FixtureRequest
) -> None:
    # Seed 002: employees' NPS and customers' NPS correlate 80%; per team, from the observable
    # employee surveys and the NPS of the customers the team's agents served.
    world: DemoWorld = request.getfixturevalue(name)
    team = world.frames["agents"].set_index("agent_id")["team"]
    employee = world.frames["employee_surveys"]
    enps = employee["score"].groupby(employee["agent_id"].map(team)).mean()
    surveys = world.frames["surveys"]
    agent = surveys["contact_id"].map(world.frames["contacts"].set_index("contact_id")["agent_id"])
    nps = surveys["nps"].groupby(agent.map(team)).mean()
    both = pd.concat([enps, nps], axis=1, join="inner")
    assert len(both) >= 5
    assert both.corr().iloc[0, 1] > 0.6
