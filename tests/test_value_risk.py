"""Risk that is measured, not assumed (issue 18, point 3): the out-of-time judgement of a risk
score (``analytics.validated_risk``), and on the default ``make run`` world (wholesale, 5,000
customers, seed 1, the score run of ``valuecenter bootstrap``) the chosen model, its AUC and
all six value segments populated — with the world's truth saying the at-risk segments are
the ones that leave."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from valuecenter.alerts.risk_source import FEATURE_SOURCES
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.validated_risk import validate_risk
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work
from valuecenter.demo.load import load_plan
from valuecenter.demo.presets import WHOLESALE
from valuecenter.demo.world import plan_world
from valuecenter.value.describe import risk_source
from valuecenter.value.risk import stratified_sample
from valuecenter.value.segments import load_segmentation
from valuecenter.value.service import ScoreOptions, run_score

MAKE_RUN = (5000, 1)  # Makefile: bootstrap --preset wholesale --customers 5000 --seed 1
SEGMENTS = ("champions", "save-first", "grow", "win-back", "serve-digital", "let-go")
AT_RISK = ("save-first", "win-back", "let-go")


def _labelled(n: int, signal: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n customers, 30% leavers; the score is the outcome plus noise (signal = separation)."""
    rng = np.random.default_rng(seed)
    left = (rng.random(n) < 0.3).astype(int)
    return signal * left + rng.normal(size=n), left


def test_a_score_that_separates_gets_its_auc_a_calibrated_risk_and_a_precise_cut() -> None:
    score, left = _labelled(4000, 1.5, 0)
    v = validate_risk(score, left)
    assert 0.80 <= v.auc <= 0.88  # Φ(1.5/√2) = 0.856 for two unit normals 1.5 apart
    risk = v.risk(score)
    assert np.all(np.diff(risk[np.argsort(score)]) >= 0)  # monotonic: the ranking is kept
    assert abs(risk.mean() - left.mean()) < 0.02  # calibrated on the whole
    flagged = v.at_risk(score)
    assert left[flagged].mean() >= 0.5  # the cut's promise: one in two of them left
    assert v.precision >= 0.5
    # Any monotonic rescaling judges the same.
    same = validate_risk(np.exp(score), left)
    assert same.auc == pytest.approx(v.auc)
    assert same.cut == pytest.approx(v.cut)


def test_a_score_that_cannot_be_judged_is_refused_with_the_reason() -> None:
    score, left = _labelled(4000, 1.5, 1)
    with pytest.raises(InputError, match="does not rank leavers above stayers"):
        validate_risk(-score, left)
    few = np.zeros(500, dtype=int)
    few[:5] = 1
    with pytest.raises(InputError, match="5 leavers of 500 customers; 20 of each"):
        validate_risk(np.arange(500.0), few)


@pytest.fixture(scope="module")
def make_run_world(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The default `make run` world and its score run (the bootstrap's first two steps)."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('makerun')) / 'makerun.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_plan(session, plan_world(WHOLESALE, *MAKE_RUN))
        run_score(session, load_segmentation(), risk_sources=FEATURE_SOURCES)
    engine.dispose()
    return url


@pytest.mark.slow
def test_the_make_run_world_has_all_six_segments_with_the_model_their_risk_came_from(
    make_run_world: str,
) -> None:
    engine = make_engine(make_run_world)
    with engine.connect() as conn:
        run = conn.execute(text("SELECT risk_model, risk_auc, models FROM score_runs")).one()
        scores = pd.read_sql(
            text(
                "SELECT s.segment, s.risk, s.p_alive, t.churn_date "
                "FROM customer_scores s JOIN customers c ON c.id = s.customer_id "
                "JOIN truth_customers t ON t.customer_id = c.external_id"
            ),
            conn,
        )
    engine.dispose()
    models = run.models if isinstance(run.models, dict) else json.loads(run.models)
    risk = models["risk"]
    judged = {c["key"]: c for c in risk["candidates"]}
    print(
        "\nrisk candidates:",
        {k: c.get("auc", c.get("skipped")) for k, c in judged.items()},
        "chosen:",
        run.risk_model,
        run.risk_auc,
        f"validated at {risk['validated_at']} on {judged['recency']['rows']} customers, "
        f"{judged['recency']['leavers']} left",
    )
    # Every purchase model was judged on the same cut; the contract churn model scores only
    # the few contract customers of a wholesale world (under half of them) and says so.
    for key in ("recency", "order-rhythm", "bgnbd"):
        assert 0.5 < judged[key]["auc"] <= 1.0, key
    assert judged["recency"]["rows"] == judged["bgnbd"]["rows"] == judged["order-rhythm"]["rows"]
    assert "customers" in judged["churn-model"]["skipped"]
    # The run picked the best out-of-time AUC and stored it.
    best = max((c for c in judged.values() if "auc" in c), key=lambda c: c["auc"])
    assert run.risk_model == best["key"] == risk["chosen"]
    assert run.risk_auc == pytest.approx(best["auc"])
    # BG/NBD is not the model of a wholesale world (its fit runs to the no-dropout boundary).
    assert judged["bgnbd"]["auc"] < best["auc"]
    counts = scores["segment"].value_counts()
    print("segments:", counts.to_dict())
    for name in SEGMENTS:
        assert counts.get(name, 0) > 0, name
    # The at-risk segments are the customers who truly leave (the world's truth, never shown
    # to the product): a leaver is one whose churn date has passed.
    scored = scores[scores["segment"].isin(SEGMENTS)]
    gone = scored["churn_date"].notna()
    at_risk = scored["segment"].isin(AT_RISK)
    print(
        f"truly left: at-risk {gone[at_risk].mean():.3f}, healthy {gone[~at_risk].mean():.3f}; "
        f"mean risk at-risk {scored.loc[at_risk, 'risk'].mean():.3f}, "
        f"healthy {scored.loc[~at_risk, 'risk'].mean():.3f}"
    )
    assert gone[at_risk].mean() >= 0.25
    assert gone[~at_risk].mean() <= 0.05
    assert scored["risk"].between(0.0, 1.0).all()


@pytest.mark.slow
def test_without_a_validated_model_the_run_falls_back_to_p_alive_and_says_so(
    make_run_world: str,
) -> None:
    # Two years of history cannot validate a two-year horizon: every candidate is skipped
    # with its reason, and the segments' risk is P(alive) < at_risk_below, as before issue 18.
    engine = make_engine(make_run_world)
    with make_sessionmaker(engine)() as session:
        segmentation = load_segmentation()
        run = run_score(session, segmentation, ScoreOptions(risk_horizon_days=730), FEATURE_SOURCES)
        assert run.risk_model is None
        assert run.risk_auc is None
        risk = run.models["risk"]
        assert isinstance(risk, dict)
        assert risk["chosen"] is None
        assert all("skipped" in c for c in risk["candidates"])
        rows = session.execute(
            text("SELECT p_alive, risk, segment FROM customer_scores WHERE run_id = :r"),
            {"r": run.id},
        ).all()
        source = risk_source(run.run_id, run.risk_model, run.models)
        session.rollback()
    engine.dispose()
    scored = [(p, r, s) for p, r, s in rows if s in SEGMENTS]
    assert all(r == pytest.approx(1.0 - p) for p, r, _s in scored)
    at_risk = {s for p, _r, s in scored if p < segmentation.at_risk_below}
    assert at_risk <= set(AT_RISK)
    assert source.auc is None
    assert source.name == "BG/NBD P(alive), not validated"
    assert len(source.reasons) == 5  # every candidate, each with why it was not validated


@pytest.mark.slow
def test_the_choice_on_a_validation_sample_is_the_choice_on_the_whole_cut(
    make_run_world: str,
) -> None:
    # The run judges its candidates on a stratified random sample of the validation cut
    # (``VALIDATION_SAMPLE`` customers of a large company); on the `make run` world a sample of
    # about half the cut picks the model the whole cut picks, with AUCs within three of their
    # standard errors (Hanley & McNeil 1982) and the cut's leaving rate kept.
    engine = make_engine(make_run_world)
    runs = {}
    with make_sessionmaker(engine)() as session:
        for size in (None, 2000):
            options = ScoreOptions(validation_sample=size)
            run = run_score(session, load_segmentation(), options, FEATURE_SOURCES)
            runs[size] = (run.risk_model, run.models["risk"])
            session.rollback()
    engine.dispose()
    (full_model, full), (sampled_model, sampled) = runs[None], runs[2000]
    assert isinstance(full, dict)
    assert isinstance(sampled, dict)
    assert sampled["validation_cut"] == full["validation_cut"] == full["validation_sample"]
    assert sampled["validation_sample"] == 2000 < full["validation_cut"]
    assert sampled_model == full_model == full["chosen"] is not None
    whole = {c["key"]: c for c in full["candidates"] if "auc" in c}
    part = {c["key"]: c for c in sampled["candidates"] if "auc" in c}
    assert set(whole) == set(part)
    assert part["recency"]["rows"] == part["bgnbd"]["rows"] == 2000
    rate = whole["recency"]["leavers"] / whole["recency"]["rows"]
    assert part["recency"]["leavers"] / 2000 == pytest.approx(rate, abs=1 / 2000)
    for key, c in part.items():
        auc, n1 = c["auc"], c["leavers"]
        n0 = c["rows"] - n1
        q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
        se = np.sqrt(
            (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
        )
        assert abs(auc - whole[key]["auc"]) <= 3 * se, key


def test_a_stratified_sample_keeps_the_leaving_rate_and_is_reproducible() -> None:
    left = (np.arange(10_000) % 4 == 0).astype(int)  # 25% leavers
    keep = stratified_sample(left, 1000)
    assert keep.sum() == 1000
    assert left[keep].sum() == 250
    np.testing.assert_array_equal(keep, stratified_sample(left, 1000))
    assert not np.array_equal(keep, stratified_sample(left, 1000, seed=1))
    assert stratified_sample(left, None).all()
    assert stratified_sample(left, 10_000).all()
