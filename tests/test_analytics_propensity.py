"""Propensity models of the next-best-action engine: calibration on a known logistic truth,
the auto choice on an interaction, the shrunk prior, the JSON payload round trip, input
errors, and the one-row fast path."""

from __future__ import annotations

import dataclasses
import json
import zlib

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from sklearn.metrics import roc_auc_score

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.propensity import (
    ActionModel,
    fit_action,
    from_payload,
    shrunk_rate,
    to_payload,
)

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]

LINEAR_BETA = np.array([0.9, -0.7, 0.5, 0.4, -0.3, 0.2, 0.0, 0.0, 0.1, -0.1])
LINEAR_INTERCEPT = -2.6  # a base rate of about 12%
NAMES = [f"f{i}" for i in range(10)]


def _linear(n: int, seed: int) -> tuple[Matrix, Labels, Matrix]:
    """Features, labels and the true P(accept) = σ(x·β − 2.6), 10 features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    p = special.expit(x @ LINEAR_BETA + LINEAR_INTERCEPT)
    return x, (rng.random(n) < p).astype(np.int64), p


def _interaction(n: int, seed: int) -> tuple[Matrix, Labels, Matrix]:
    """A truth no linear model can express: P = σ(1.8·x₀·x₁ + 0.3·x₂ − 1.5)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    p = special.expit(1.8 * x[:, 0] * x[:, 1] + 0.3 * x[:, 2] - 1.5)
    return x, (rng.random(n) < p).astype(np.int64), p


def _assert_calibrated(predicted: Matrix, observed: Labels, truth: Matrix) -> None:
    """Mean within 10% relative of the observed rate; per decile of the prediction its mean
    within 1 point plus 3 standard errors of the observed rate, and within 1 point of the
    true probability."""
    assert abs(predicted.mean() - observed.mean()) <= 0.1 * observed.mean()
    for rows in np.array_split(np.argsort(predicted), 10):
        mean = predicted[rows].mean()
        se = np.sqrt(mean * (1 - mean) / len(rows))
        assert abs(mean - observed[rows].mean()) <= 0.01 + 3 * se, (mean, observed[rows].mean())
        assert abs(mean - truth[rows].mean()) <= 0.01, (mean, truth[rows].mean())


# ---------------------------------------------------------------- fitted models, shared


@pytest.fixture(scope="module")
def linear_auto() -> ActionModel:
    x, y, _ = _linear(20_000, seed=1)
    return fit_action(x, y, prior=0.1, feature_names=NAMES)


@pytest.fixture(scope="module")
def small() -> tuple[Matrix, Labels]:
    x, y, _ = _linear(1_500, seed=5)
    return x[:, :4], y


@pytest.fixture(scope="module")
def small_models(small: tuple[Matrix, Labels]) -> dict[str, ActionModel]:
    """One model of each kind on the same 4 features; the blend joins the other two's parts
    (``auto`` picks it only when it wins, which no fixed small data set guarantees)."""
    x, y = small
    names = NAMES[:4]
    logistic = fit_action(x, y, prior=0.1, kind="logistic", feature_names=names)
    gbm = fit_action(x, y, prior=0.1, kind="gbm", feature_names=names)
    blend = dataclasses.replace(gbm, kind="blend", logistic=logistic.logistic)
    prior = fit_action(x[:50], y[:50], prior=0.1, feature_names=names)
    assert (logistic.kind, gbm.kind, prior.kind) == ("logistic", "gbm", "prior")
    return {"logistic": logistic, "gbm": gbm, "blend": blend, "prior": prior}


# ---------------------------------------------------------------- a known logistic truth


def test_predictions_follow_a_known_logistic_truth_and_are_calibrated(
    linear_auto: ActionModel,
) -> None:
    x, y, truth = _linear(20_000, seed=2)  # fresh rows of the same truth
    predicted = linear_auto.predict(x)
    assert linear_auto.kind == "logistic"  # the truth is linear: no gain from trees
    assert linear_auto.rows == 20_000
    assert 0.08 < linear_auto.positives / linear_auto.rows < 0.16
    assert np.corrcoef(predicted, truth)[0, 1] >= 0.9
    _assert_calibrated(predicted, y, truth)
    assert linear_auto.auc is not None
    assert abs(linear_auto.auc - roc_auc_score(y, truth)) < 0.02


def test_gbm_is_calibrated_too() -> None:
    # 16,000 rows: the inner folds (2/3 of them) and the refit both stop early, so Platt's a
    # and b are fitted on scores like the final model's. Between 10,000 and 15,000 rows the
    # folds grow all 300 trees and the refit stops early (about 70): the mean is then ~14%
    # high (see the module docstring).
    x, y, _ = _linear(16_000, seed=3)
    model = fit_action(x, y, prior=0.1, kind="gbm")
    assert model.kind == "gbm"
    xt, yt, truth = _linear(20_000, seed=4)
    predicted = model.predict(xt)
    assert np.corrcoef(predicted, truth)[0, 1] >= 0.9
    assert abs(predicted.mean() - yt.mean()) <= 0.1 * yt.mean()


def test_describe_names_the_strongest_features(linear_auto: ActionModel) -> None:
    summary = linear_auto.describe()
    json.dumps(summary)  # JSON-able
    assert summary["kind"] == "logistic"
    assert summary["rows"] == 20_000
    assert summary["auc"] == pytest.approx(linear_auto.auc, abs=1e-6)
    top = summary["top_features"]
    assert isinstance(top, list)
    # |β| is largest for f0, then f1: they lead the ranking.
    assert [entry["feature"] for entry in top[:2]] == ["f0", "f1"]
    assert "calibration" in summary


def test_contributions_add_up_to_the_calibrated_log_odds(linear_auto: ActionModel) -> None:
    x, _, _ = _linear(5, seed=9)
    assert linear_auto.platt is not None
    assert linear_auto.logistic is not None
    bias = linear_auto.platt.a * linear_auto.logistic.intercept + linear_auto.platt.b
    for row in x:
        total = linear_auto.contributions_one(row).sum() + bias
        assert total == pytest.approx(special.logit(linear_auto.predict_one(row)), abs=1e-9)


# ---------------------------------------------------------------- a non-linear truth


def test_auto_picks_trees_on_an_interaction_and_beats_the_logistic_model() -> None:
    x, y, _ = _interaction(5_000, seed=3)
    auto = fit_action(x, y, prior=0.2)
    logistic = fit_action(x, y, prior=0.2, kind="logistic")
    assert auto.kind in ("gbm", "blend")
    assert auto.auc is not None
    assert logistic.auc is not None
    assert auto.auc > logistic.auc + 0.1
    xt, yt, _ = _interaction(5_000, seed=4)
    assert roc_auc_score(yt, auto.predict(xt)) > roc_auc_score(yt, logistic.predict(xt)) + 0.1


# ---------------------------------------------------------------- too few answers


def test_too_few_positives_give_the_shrunk_prior() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = np.zeros(400, dtype=np.int64)
    y[:12] = 1  # 12 accepted < 30
    model = fit_action(x, y, prior=0.05, prior_strength=20.0)
    assert model.kind == "prior"
    assert (model.rows, model.positives, model.auc) == (400, 12, None)
    assert model.rate == pytest.approx((12 + 20 * 0.05) / (400 + 20))
    assert np.all(model.predict(x) == model.rate)
    assert model.predict_one(x[0]) == model.rate
    assert np.all(model.contributions_one(x[0]) == 0)
    assert model.describe()["top_features"] == []


def test_too_few_negatives_and_no_answers_give_the_prior() -> None:
    x = np.ones((40, 2))
    assert fit_action(x, np.ones(40, dtype=np.int64), prior=0.3).kind == "prior"
    empty = fit_action(np.empty((0, 2)), np.empty(0), prior=0.3)
    assert (empty.kind, empty.rows, empty.rate) == ("prior", 0, 0.3)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.integers(0, 500),
    share=st.floats(0, 1),
    prior=st.floats(1e-6, 1 - 1e-6),
    strength=st.floats(1e-3, 1e4),
)
def test_the_shrunk_rate_lies_between_prior_and_observed_rate(
    rows: int, share: float, prior: float, strength: float
) -> None:
    positives = round(share * rows)
    y = np.zeros(rows, dtype=np.int64)
    y[:positives] = 1
    model = fit_action(
        np.zeros((rows, 1)),
        y,
        prior=prior,
        prior_strength=strength,
        min_positives=rows + 2,  # always the prior: this is about the rate
    )
    observed = positives / rows if rows else prior
    low, high = min(prior, observed), max(prior, observed)
    assert low - 1e-12 <= model.rate <= high + 1e-12
    assert model.rate == pytest.approx(shrunk_rate(positives, rows, prior, strength))


# ---------------------------------------------------------------- payload


@pytest.mark.parametrize("kind", ["prior", "logistic", "gbm", "blend"])
def test_payload_round_trip_gives_identical_predictions(
    kind: str, small: tuple[Matrix, Labels], small_models: dict[str, ActionModel]
) -> None:
    x, _ = small
    model = small_models[kind]
    payload = to_payload({"offer-a": model}, NAMES[:4])
    assert isinstance(payload, bytes)
    document = json.loads(zlib.decompress(payload))  # plain JSON, no pickle
    assert set(document["actions"]) == {"offer-a"}
    assert b"pickle" not in zlib.decompress(payload)
    models, names = from_payload(payload)
    assert names == NAMES[:4]
    restored = models["offer-a"]
    assert restored.kind == kind
    assert np.array_equal(restored.predict(x), model.predict(x))
    assert [restored.predict_one(row) for row in x[:20]] == [model.predict_one(r) for r in x[:20]]
    assert np.array_equal(restored.contributions(x[:20]), model.contributions(x[:20]))
    assert restored.describe() == model.describe()


def test_payload_holds_a_whole_catalogue(small_models: dict[str, ActionModel]) -> None:
    models, names = from_payload(to_payload(small_models, NAMES[:4]))
    assert list(models) == list(small_models)
    assert names == NAMES[:4]


def test_payload_refuses_other_feature_columns_and_bad_bytes(
    small_models: dict[str, ActionModel],
) -> None:
    with pytest.raises(InputError, match="other feature columns"):
        to_payload(small_models, ["a", "b", "c", "d"])
    with pytest.raises(InputError, match="not zlib-compressed JSON"):
        from_payload(b"not a payload")
    with pytest.raises(InputError, match="not a propensity payload"):
        from_payload(zlib.compress(b'{"format": "something else"}'))


# ---------------------------------------------------------------- the one-row path


@pytest.mark.parametrize("kind", ["prior", "logistic", "gbm", "blend"])
def test_predict_one_equals_predict(
    kind: str, small: tuple[Matrix, Labels], small_models: dict[str, ActionModel]
) -> None:
    x, _ = small
    model = small_models[kind]
    batch = model.predict(x[:50])
    one = np.array([model.predict_one(row) for row in x[:50]])
    np.testing.assert_allclose(one, batch, rtol=1e-12, atol=0)
    contributions = np.array([model.contributions_one(row) for row in x[:5]])
    np.testing.assert_array_equal(contributions, model.contributions(x[:5]))


def test_gbm_contributions_add_up_to_its_calibrated_log_odds(
    small: tuple[Matrix, Labels], small_models: dict[str, ActionModel]
) -> None:
    x, _ = small
    model = small_models["gbm"]
    assert model.platt is not None
    margin = model.margin(x[:10])
    total = model.contributions(x[:10]).sum(axis=1)
    # The rest is a·(LightGBM's expected value) + b: the same for every row.
    rest = special.logit(model.predict(x[:10])) - total
    np.testing.assert_allclose(rest, rest[0], atol=1e-9)
    np.testing.assert_allclose(model.platt.a * margin + model.platt.b - total, rest, atol=1e-9)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": np.zeros((10, 2)), "y": np.zeros(9)}, "features for"),
        ({"x": np.zeros(10)}, "features for"),
        ({"x": np.full((10, 2), np.nan)}, "blanks or infinite"),
        ({"x": np.full((10, 2), np.inf)}, "blanks or infinite"),
        ({"y": np.full(10, 2)}, "labels must be 1"),
        ({"y": np.full(10, 0.5)}, "labels must be 1"),
        ({"prior": 0.0}, "prior"),
        ({"prior": 1.0}, "prior"),
        ({"prior": float("nan")}, "prior"),
        ({"prior_strength": 0.0}, "prior_strength"),
        ({"kind": "forest"}, "kind"),
        ({"min_positives": 1}, "min_positives"),
        ({"feature_names": ["a"]}, "feature_names"),
    ],
)
def test_bad_input_is_one_readable_line(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"x": np.zeros((10, 2)), "y": np.zeros(10), "prior": 0.1}
    arguments.update(change)
    with pytest.raises(InputError, match=message) as caught:
        fit_action(**arguments)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["prior", "logistic", "gbm"])
def test_scoring_refuses_wrong_shapes_and_blanks(
    kind: str, small_models: dict[str, ActionModel]
) -> None:
    model = small_models[kind]
    with pytest.raises(InputError, match="features"):
        model.predict(np.zeros((3, 5)))
    with pytest.raises(InputError, match="features"):
        model.predict_one(np.zeros(3))
    with pytest.raises(InputError, match="blanks"):
        model.predict(np.array([[0.0, np.nan, 0.0, 0.0]]))
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(InputError, match="blanks"):
            model.predict_one(np.array([0.0, bad, 0.0, 0.0]))
