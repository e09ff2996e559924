"""The uplift core: the metrics on hand-computed examples and their invariants, the folds and the
cross-fit, every learner against the known uplift of the synthetic experiment (the oracle),
several treatments, unequal arms and given propensities, and the model's checks.

The metric conventions are scikit-uplift's (``sklift.metrics``: ``uplift_at_k(strategy=
"overall")``, ``qini_auc_score``, ``uplift_auc_score``); the hand examples below are worked out
with the formulas written in :mod:`valuecenter.analytics.uplift.metrics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from valuecenter.analytics.churn.features import fit_encoder
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.uplift import (
    auuc,
    fit_uplift,
    fold_ids,
    known_uplift,
    parse_outcome,
    qini_coefficient,
    qini_curve,
    stratified_split,
    uplift_at_k,
    uplift_curve,
)
from valuecenter.analytics.uplift.base import SMALL_PARAMS
from valuecenter.analytics.uplift.crossfit import crossfit_outcomes
from valuecenter.analytics.uplift.data import experiment
from valuecenter.analytics.uplift.model import choose
from valuecenter.analytics.uplift.t_learner import TLearner

# ---------------------------------------------------------------- metrics: hand examples

# Eight rows already in descending score order (worked by hand in the tests below).
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
TREATED = np.array([1, 0, 1, 1, 0, 0, 1, 0])
Y = np.array([1, 0, 1, 0, 1, 0, 0, 1])


def test_qini_curve_by_hand() -> None:
    # Q = Y_t − Y_c·N_t/N_c (0 while no control row): at N = 5, 2 − 1·3/2; at N = 7, 2 − 1·4/3.
    curve = qini_curve(SCORE, TREATED, Y)
    assert curve.x.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert curve.y == pytest.approx([0, 1, 1, 2, 2, 0.5, 1, 2 - 4 / 3, 0])


def test_qini_coefficient_by_hand() -> None:
    # Model area (trapezoids) = 49/6; the random line ends at (8, 0): area 0. The perfect
    # ranking (treated responders, then non-responders, then control responders; ties enter
    # together) has points (2, 2), (6, 2), (8, 0): area 2 + 8 + 2 = 12.
    assert qini_coefficient(SCORE, TREATED, Y) == pytest.approx((49 / 6) / 12)


def test_uplift_curve_and_auuc_by_hand() -> None:
    # U = (Y_t/N_t − Y_c/N_c)·N: area 38/3. Perfect (CR = TN = 2, so score 2·[y = t] + t):
    # points (2, 2), (4, 4), (6, 3), (8, 0): area 18.
    curve = uplift_curve(SCORE, TREATED, Y)
    expected = [0, 1, 2, 3, 8 / 3, 5 / 6, 2, 7 / 6, 0]
    assert curve.y == pytest.approx(expected)
    assert auuc(SCORE, TREATED, Y) == pytest.approx((38 / 3) / 18)


def test_random_line_uses_the_curve_end_point() -> None:
    # The same rows with the last control responder turned into a non-responder: Q(8) = 1 and
    # the random line's area is 8 · 1 / 2 = 4.
    y = Y.copy()
    y[7] = 0
    model = qini_curve(SCORE, TREATED, y)
    perfect = qini_curve(y * TREATED - y * (1 - TREATED), TREATED, y)
    area = np.trapezoid(model.y, model.x)
    best = np.trapezoid(perfect.y, perfect.x)
    assert model.y[-1] == pytest.approx(1.0)
    assert qini_coefficient(SCORE, TREATED, y) == pytest.approx((area - 4) / (best - 4))


def test_uplift_at_k_overall_convention_by_hand() -> None:
    # Top 4 of the whole set: treated rows 0, 2, 3 (2 of 3 respond), control row 1 (0 of 1).
    assert uplift_at_k(SCORE, TREATED, Y, 0.5) == pytest.approx(2 / 3)
    assert uplift_at_k(SCORE, TREATED, Y, 0.25) == pytest.approx(1.0)
    assert uplift_at_k(SCORE, TREATED, Y, 1.0) == pytest.approx(2 / 4 - 2 / 4)


def test_uplift_at_k_keeps_tied_rows_in_their_order() -> None:
    score = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    treated = np.array([1, 0, 0, 1, 1, 0])
    y = np.array([1, 0, 1, 0, 0, 0])
    # Top 3 (floor of 6 · 0.5) of the stable order: rows 0, 1, 2 → 1/1 − 1/2.
    assert uplift_at_k(score, treated, y, 0.5) == pytest.approx(0.5)


def test_uplift_at_k_names_the_missing_arm_and_bad_k() -> None:
    with pytest.raises(InputError, match=r"uplift_at_k: no control row in the top 12%"):
        uplift_at_k(SCORE, TREATED, Y, 0.125)
    with pytest.raises(InputError, match=r"k: the top 10% of 8 rows is no row"):
        uplift_at_k(SCORE, TREATED, Y, 0.1)
    with pytest.raises(InputError, match=r"^k: 0 is not a share"):
        uplift_at_k(SCORE, TREATED, Y, 0)


def test_metrics_check_their_inputs() -> None:
    with pytest.raises(InputError, match="no control row"):
        qini_coefficient(SCORE, np.ones(8), Y)
    with pytest.raises(InputError, match="three arrays of one length"):
        auuc(SCORE[:7], TREATED, Y)
    with pytest.raises(InputError, match=r"^y: outcomes must be 0 or 1"):
        qini_coefficient(SCORE, TREATED, Y * 2)
    with pytest.raises(InputError, match=r"^uplift: row 3 has no score"):
        qini_coefficient(np.where(np.arange(8) == 3, np.nan, SCORE), TREATED, Y)
    with pytest.raises(InputError, match="no ranking beats a random one"):
        qini_coefficient(SCORE, TREATED, np.zeros(8, dtype=int))


def _brute_qini(score: Any, t: Any, y: Any) -> float:
    """The Qini coefficient straight from the definitions, threshold by threshold, without
    cumulative sums (the reference the vectorised code is checked against)."""

    def curve(s: Any) -> tuple[list[float], list[float]]:
        xs, qs = [0.0], [0.0]
        for cut in sorted(set(s.tolist()), reverse=True):
            top = s >= cut
            n_t, n_c = (top & (t == 1)).sum(), (top & (t == 0)).sum()
            y_t, y_c = (y[top & (t == 1)]).sum(), (y[top & (t == 0)]).sum()
            xs.append(float(top.sum()))
            qs.append(float(y_t - (y_c * n_t / n_c if n_c else 0.0)))
        return xs, qs

    def area(xs: list[float], qs: list[float]) -> float:
        return sum((xs[i + 1] - xs[i]) * (qs[i + 1] + qs[i]) / 2 for i in range(len(xs) - 1))

    model = curve(score)
    perfect = curve(y * t - y * (1 - t))
    random = model[0][-1] * model[1][-1] / 2
    return (area(*model) - random) / (area(*perfect) - random)


# ---------------------------------------------------------------- metrics: invariants

rows = st.integers(min_value=40, max_value=120)


@st.composite
def experiments(draw: st.DrawFn, balanced: bool = False) -> tuple[Any, Any, Any]:
    """Scores with ties (small integers), arms, outcomes; every arm × outcome has 2+ rows."""
    n = draw(rows)
    if balanced:
        n += n % 2
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if balanced:
        t = np.tile([1, 0], n // 2)
    else:
        t = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    assume(all(((t == a) & (y == b)).sum() >= 2 for a in (0, 1) for b in (0, 1)))
    score = np.array(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), dtype=float)
    return score, t, y


@settings(max_examples=60, deadline=None)
@given(experiments())
def test_qini_matches_the_definition_threshold_by_threshold(data: tuple[Any, Any, Any]) -> None:
    score, t, y = data
    assert qini_coefficient(score, t, y) == pytest.approx(_brute_qini(score, t, y), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(experiments())
def test_metrics_are_invariant_to_monotone_transforms(data: tuple[Any, Any, Any]) -> None:
    score, t, y = data
    for transformed in (3 * score - 7, score**3, np.exp(score / 10), score + 1000):
        assert qini_coefficient(transformed, t, y) == pytest.approx(qini_coefficient(score, t, y))
        assert auuc(transformed, t, y) == pytest.approx(auuc(score, t, y))
        for k in (0.1, 0.3, 0.5):
            try:
                expected = uplift_at_k(score, t, y, k)
            except InputError:
                continue
            assert uplift_at_k(transformed, t, y, k) == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(experiments(balanced=True))
def test_the_perfect_ranking_beats_any_other_with_equal_arms(
    data: tuple[Any, Any, Any],
) -> None:
    score, t, y = data
    perfect = qini_coefficient(y * t - y * (1 - t), t, y)
    assert perfect == pytest.approx(1.0)
    assert qini_coefficient(score, t, y) <= perfect + 1e-9


def test_with_unequal_arms_the_qini_perfect_curve_can_be_beaten() -> None:
    # A documented property of Radcliffe's curve (and scikit-uplift's): while no control row
    # is in the top, control responders do not count, so with 4 treated and 20 control rows a
    # ranking that puts most controls before the treated non-responders exceeds 1.
    t = np.array([1, 1] + [0] * 20 + [1, 1])
    y = np.array([1, 1, 0, 0, 0, 0, 0] + [1] * 15 + [0, 0])
    score = -np.arange(24, dtype=float)
    assert qini_coefficient(score, t, y) > 1.0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(200, 400),
    treated_share=st.floats(0.3, 0.7),
    rate=st.floats(0.15, 0.85),
)
def test_random_scores_give_a_qini_of_zero_in_expectation(
    seed: int, n: int, treated_share: float, rate: float
) -> None:
    rng = np.random.default_rng(seed)
    t = (rng.random(n) < treated_share).astype(int)
    y = (rng.random(n) < rate).astype(int)
    assume(all(((t == a) & (y == b)).sum() >= 10 for a in (0, 1) for b in (0, 1)))
    values = np.array([qini_coefficient(rng.random(n), t, y) for _ in range(300)])
    standard_error = values.std() / np.sqrt(len(values))
    assert abs(values.mean()) < 4 * standard_error + 0.01


# ---------------------------------------------------------------- folds, split, cross-fit


def test_folds_are_stratified_on_arm_and_outcome_and_reproducible() -> None:
    rng = np.random.default_rng(3)
    arm = rng.integers(0, 3, 1000)
    y = (rng.random(1000) < 0.3).astype(int)
    folds = fold_ids(arm, y, 5, seed=1)
    assert np.array_equal(folds, fold_ids(arm, y, 5, seed=1))
    assert not np.array_equal(folds, fold_ids(arm, y, 5, seed=2))
    for a in range(3):
        for outcome in (0, 1):
            counts = np.bincount(folds[(arm == a) & (y == outcome)], minlength=5)
            assert counts.max() - counts.min() <= 1
    assert np.bincount(folds).max() - np.bincount(folds).min() <= 1
    with pytest.raises(InputError, match=r"^folds: 1 folds"):
        fold_ids(arm, y, 1, seed=0)


def test_split_keeps_the_share_of_every_stratum() -> None:
    rng = np.random.default_rng(4)
    arm = rng.integers(0, 2, 999)
    y = (rng.random(999) < 0.2).astype(int)
    train, test = stratified_split(arm, y, 0.3, seed=0)
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == 999
    for a in (0, 1):
        for outcome in (0, 1):
            stratum = np.nonzero((arm == a) & (y == outcome))[0]
            assert len(np.intersect1d(stratum, test)) == round(len(stratum) * 0.3)


def test_crossfit_predictions_come_from_models_that_never_saw_the_row() -> None:
    # Pure noise: a model predicting rows it was fitted on follows their outcomes (overfit);
    # out-of-fold predictions cannot.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3000, 5))
    arm = rng.integers(0, 2, 3000)
    y = (rng.random(3000) < 0.5).astype(int)
    data = experiment(x, arm, y, None)
    nuisance = crossfit_outcomes(data, 3, seed=0)
    control = arm == 0
    in_sample = np.mean([m.predict(x[control]) for m in nuisance.models[0]], axis=0)
    assert np.corrcoef(in_sample, y[control])[0, 1] > 0.15
    assert abs(np.corrcoef(nuisance.oof[control, 0], y[control])[0, 1]) < 0.06


# ---------------------------------------------------------------- learners vs the oracle


@pytest.fixture(scope="module")
def one_treatment() -> dict[str, Any]:
    """20,000 rows of the known-uplift experiment, split in halves, encoded on the first."""
    return _halves(known_uplift(20_000, seed=0, treatments=1), seed=0)


def _halves(data: Any, seed: int) -> dict[str, Any]:
    train, test = stratified_split(data.arm, data.y, 0.5, seed)
    encoder = fit_encoder(data.frame.iloc[train])
    return {
        "x_train": encoder.transform(data.frame.iloc[train]),
        "x_test": encoder.transform(data.frame.iloc[test]),
        "arm_train": data.arm[train],
        "y_train": data.y[train],
        "arm_test": data.arm[test],
        "y_test": data.y[test],
        "true_test": data.uplift[test],
    }


@pytest.mark.parametrize("learner", ["t", "x", "dr", "ct"])
def test_each_learner_is_within_20_percent_of_the_oracle(
    one_treatment: dict[str, Any], learner: Any
) -> None:
    d = one_treatment
    model = fit_uplift(d["x_train"], d["arm_train"], d["y_train"], learner, seed=0)
    predicted = model.predict(d["x_test"])
    assert predicted.shape == (len(d["y_test"]), 1)
    treated = d["arm_test"] == 1
    oracle = uplift_at_k(d["true_test"][:, 0], treated, d["y_test"], 0.3)
    ours = uplift_at_k(predicted[:, 0], treated, d["y_test"], 0.3)
    assert oracle > 0.15  # the oracle finds the persuadables
    assert abs(ours - oracle) <= 0.2 * oracle, (learner, ours, oracle)
    assert np.corrcoef(predicted[:, 0], d["true_test"][:, 0])[0, 1] > 0.6
    assert model.learner == learner
    assert model.describe()["learner"] == learner


def test_auto_chooses_by_inner_qini_and_keeps_the_simpler_on_a_tie(
    one_treatment: dict[str, Any],
) -> None:
    d = one_treatment
    data = experiment(d["x_train"][:6000], d["arm_train"][:6000], d["y_train"][:6000], None)
    chosen, why = choose(data, seed=0, folds=5)
    assert set(why.qini) == {"t", "ct", "x", "dr"}
    assert all(0 < q < 1 for q in why.qini.values())
    assert why.rows == 6000
    # Whatever was chosen, every candidate simpler than it lost to it clearly (or was it).
    order = ["t", "ct", "x", "dr"]
    kept = "t"
    for candidate in order[1:]:
        share = why.wins[f"{candidate} over {kept}"]
        if share >= 0.95:
            kept = candidate
    assert chosen == kept
    described = why.as_dict()
    assert described["inner_qini"].keys() == why.qini.keys()
    assert "95%" in described["rule"]


def test_auto_model_records_its_choice(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    model = fit_uplift(d["x_train"][:4000], d["arm_train"][:4000], d["y_train"][:4000])
    assert model.requested == "auto"
    assert model.learner in ("t", "ct", "x", "dr")
    info = model.describe()
    assert info["auto"]["inner_qini"].keys() == {"t", "ct", "x", "dr"}
    assert info["rows_per_arm"] == np.bincount(d["arm_train"][:4000]).tolist()


def test_predict_outcome_is_control_plus_uplift(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    x, x_new = d["x_train"][:5000], d["x_test"][:500]
    for learner in ("t", "x", "dr", "ct"):
        model = fit_uplift(x, d["arm_train"][:5000], d["y_train"][:5000], learner, seed=1)
        outcome = model.predict_outcome(x_new)
        assert outcome.shape == (500, 2)
        assert ((outcome >= 0) & (outcome <= 1)).all()
        uplift = model.predict(x_new)[:, 0]
        inside = (outcome[:, 1] > 0) & (outcome[:, 1] < 1)
        assert np.allclose(outcome[inside, 1] - outcome[inside, 0], uplift[inside])
    t_model = fit_uplift(x, d["arm_train"][:5000], d["y_train"][:5000], "t", seed=1)
    assert isinstance(t_model.fitted, TLearner)
    mu = t_model.fitted.outcomes
    assert np.allclose(t_model.predict_outcome(x_new)[:, 1], mu[1].predict(x_new))


def test_fits_are_deterministic_for_a_seed(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    args = (d["x_train"][:3000], d["arm_train"][:3000], d["y_train"][:3000], "dr")
    first = fit_uplift(*args, seed=7).predict(d["x_test"][:200])
    again = fit_uplift(*args, seed=7).predict(d["x_test"][:200])
    other = fit_uplift(*args, seed=8).predict(d["x_test"][:200])
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_small_arms_get_the_regularised_trees(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    model = fit_uplift(d["x_train"][:800], d["arm_train"][:800], d["y_train"][:800], "t")
    trees = model.describe()["fitted"]["outcome_trees"]
    assert trees == [SMALL_PARAMS["n_estimators"]] * 2
    big = fit_uplift(d["x_train"], d["arm_train"], d["y_train"], "t")
    assert all(t < 500 for t in big.describe()["fitted"]["outcome_trees"])  # early stopping


def test_features_may_hold_nan(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    x = d["x_train"][:3000].copy()
    x[::7, 0] = np.nan
    model = fit_uplift(x, d["arm_train"][:3000], d["y_train"][:3000], "x")
    assert np.isfinite(model.predict(x)).all()


# ---------------------------------------------------------------- several treatments


@pytest.mark.parametrize("learner", ["t", "x", "dr", "ct"])
def test_two_treatments_find_which_is_best_for_whom(learner: Any) -> None:
    data = known_uplift(20_000, seed=1, treatments=2)
    d = _halves(data, seed=1)
    model = fit_uplift(d["x_train"], d["arm_train"], d["y_train"], learner, seed=1)
    predicted = model.predict(d["x_test"])
    assert predicted.shape == (len(d["y_test"]), 2)
    assert model.treatments == 2
    assert model.predict_outcome(d["x_test"][:10]).shape == (10, 3)
    true = d["true_test"]
    differ = np.abs(true[:, 0] - true[:, 1]) > 0.05  # rows where the choice matters
    best = true[differ].argmax(axis=1)
    chance = max(best.mean(), 1 - best.mean())  # always picking the more common best
    accuracy = (predicted[differ].argmax(axis=1) == best).mean()
    assert accuracy > chance + 0.2, (learner, accuracy, chance)


# ---------------------------------------------------------------- unequal arms, propensities


def test_class_transformation_is_weighted_for_unequal_arms() -> None:
    # 20% control, 80% treated: without the 1/propensity weights the label-flip classifier
    # would rank by 0.8·p₁ − 0.2·p₀ and its mean would be far from the average effect.
    data = known_uplift(20_000, seed=2, treatments=1, shares=(0.2, 0.8))
    d = _halves(data, seed=2)
    model = fit_uplift(d["x_train"], d["arm_train"], d["y_train"], "ct", seed=2)
    predicted = model.predict(d["x_test"])[:, 0]
    true = d["true_test"][:, 0]
    assert abs(predicted.mean() - true.mean()) < 0.02
    assert np.corrcoef(predicted, true)[0, 1] > 0.6


def test_given_propensities_are_used_and_checked(one_treatment: dict[str, Any]) -> None:
    d = one_treatment
    x, arm, y = d["x_train"][:4000], d["arm_train"][:4000], d["y_train"][:4000]
    share = np.bincount(arm) / len(arm)
    own = share[arm]
    by_share = fit_uplift(x, arm, y, "dr", seed=0).predict(x[:100])
    given = fit_uplift(x, arm, y, "dr", seed=0, propensity=own).predict(x[:100])
    assert np.allclose(by_share, given)  # the default is exactly the arm shares
    doubled = fit_uplift(x, arm, y, "dr", seed=0, propensity=np.clip(own * 1.5, 0, 1))
    assert not np.allclose(doubled.predict(x[:100]), by_share)
    assert doubled.describe()["propensity"] == "given per row"
    bad = own.copy()
    bad[17] = 0.0
    with pytest.raises(InputError, match=r"^propensity: row 17 is 0.0"):
        fit_uplift(x, arm, y, "dr", propensity=bad)


# ---------------------------------------------------------------- checks


def test_bad_training_data_is_named() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    arm = np.tile([0, 1], 100)
    y = rng.integers(0, 2, 200)
    with pytest.raises(InputError, match=r"^learner: 'z' is not one of auto, t, x, dr, ct"):
        fit_uplift(x, arm, y, "z")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^y: row 4 is 2; outcomes are 0 or 1"):
        fit_uplift(x, arm, np.where(np.arange(200) == 4, 2, y), "t")
    few = arm.copy()
    few[:190] = np.where(few[:190] == 1, 0, few[:190])
    with pytest.raises(InputError, match=r"^arm: arm 1 has 5 row\(s\); each arm needs at least 20"):
        fit_uplift(x, few, y, "t")
    with pytest.raises(InputError, match=r"^arm: no treated row"):
        fit_uplift(x, np.zeros(200, dtype=int), y, "t")
    with pytest.raises(InputError, match=r"^arm: expected 200 values"):
        fit_uplift(x, arm[:10], y, "t")
    with pytest.raises(InputError, match=r"^x: row 3 holds an infinite value"):
        fit_uplift(np.where(np.arange(600).reshape(200, 3) == 9, np.inf, x), arm, y, "t")
    model = fit_uplift(x, arm, y, "t")
    with pytest.raises(InputError, match=r"^x: expected 3 feature columns, got shape \(5, 2\)"):
        model.predict(np.zeros((5, 2)))


# ---------------------------------------------------------------- synthetic data, outcome


def test_the_synthetic_experiment_has_persuadables_sleeping_dogs_and_zeros() -> None:
    data = known_uplift(30_000, seed=9, treatments=2, shares=(0.5, 0.25, 0.25))
    assert data.frame.shape == (30_000, 16)
    assert data.frame.select_dtypes("object").columns.tolist() == ["plan", "region"]
    assert 0.12 < data.frame["nps"].isna().mean() < 0.18
    assert np.bincount(data.arm) / 30_000 == pytest.approx([0.5, 0.25, 0.25], abs=0.01)
    uplift = data.uplift
    assert uplift.shape == (30_000, 2)
    assert np.allclose(uplift, data.p[:, 1:] - data.p[:, [0]])
    for k in range(2):
        assert (uplift[:, k] == 0).mean() > 0.5  # no effect on most customers
        assert (uplift[:, k] < -0.02).mean() > 0.05  # sleeping dogs
        assert (uplift[:, k] > 0.1).mean() > 0.15  # persuadables
    # The outcome follows the truth of each row's own arm.
    own = data.p[np.arange(30_000), data.arm]
    assert data.y.mean() == pytest.approx(own.mean(), abs=0.01)
    again = known_uplift(30_000, seed=9, treatments=2, shares=(0.5, 0.25, 0.25))
    assert np.array_equal(again.y, data.y)
    table = data.table(["control", "call", "email"], ("no", "yes"))
    assert set(table["treatment"]) == {"control", "call", "email"}
    assert set(table["renewed"]) == {"no", "yes"}
    with pytest.raises(InputError, match=r"^shares: need 3 positive shares"):
        known_uplift(10, seed=0, treatments=2, shares=(0.5, 0.5))


def test_outcomes_are_read_in_plain_spellings_only() -> None:
    values = pd.Series(["yes", "No", " TRUE", "f", "1", "0", "", "1.0"])
    rows = np.ones(8, dtype=bool)
    assert parse_outcome(values, "renewed", rows).tolist() == [1, 0, 1, 0, 1, 0, -1, 1]
    with pytest.raises(InputError, match=r"^outcome_col: line 4: 'maybe' in column 'renewed'"):
        parse_outcome(pd.Series(["yes", "no", "maybe"]), "renewed", np.ones(3, dtype=bool))
    skipped: npt.NDArray[np.bool_] = np.array([True, True, False])
    assert parse_outcome(pd.Series(["yes", "no", "maybe"]), "r", skipped).tolist() == [1, 0, -1]
