"""The churn model core: encoder, target parsing, Platt calibration, contributions and reason
codes, the auto choice on a linear and a non-linear truth, and evaluate/score on frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from valuecenter.analytics.churn import (
    evaluate,
    fit_churn,
    fit_encoder,
    fit_platt,
    parse_target,
    score_file,
)
from valuecenter.analytics.churn.model import choose
from valuecenter.analytics.errors import InputError

# ---------------------------------------------------------------- encoder


def _customers() -> pd.DataFrame:
    """Text cells as a CSV gives them: a numeric column with blanks, a plan, an id-like phone
    number and a constant column."""
    return pd.DataFrame(
        {
            "calls": ["1", "", "3", "4", " ", "6", "7", "8"],
            "plan": ["basic", "pro", "basic", "", "pro", "basic", "max", "pro"],
            "phone": [f"555-{i:04d}" for i in range(8)],
            "country": ["NL"] * 8,
        }
    )


def test_encoder_fills_blanks_with_the_median_and_adds_an_indicator() -> None:
    encoder = fit_encoder(_customers())
    layout = encoder.layout
    assert layout.names == (
        "calls", "calls is missing", "plan = basic", "plan = pro", "plan = max",
    )  # fmt: skip
    assert layout.sources == ("calls", "calls", "plan", "plan", "plan")
    assert layout.typical == {"calls": 5.0}  # median of 1, 3, 4, 6, 7, 8
    fixes = encoder.fixes.as_dict()
    assert fixes["cells_filled_with_median"] == {"calls": 2}
    assert fixes["blank_text_cells"] == {"plan": 1}
    assert set(fixes["columns_dropped"]) == {"phone", "country"}
    assert "distinct" in fixes["columns_dropped"]["phone"]
    assert "constant" in fixes["columns_dropped"]["country"]
    x = encoder.transform(_customers())
    assert x[:, 0].tolist() == [1, 5, 3, 4, 5, 6, 7, 8]
    assert x[:, 1].tolist() == [0, 1, 0, 0, 1, 0, 0, 0]
    # The blank plan (row 4) is all zeros; every other row has exactly one plan.
    assert x[:, 2:].sum(axis=1).tolist() == [1, 1, 1, 0, 1, 1, 1, 1]


def test_encoder_applies_the_training_encoding_to_new_rows() -> None:
    encoder = fit_encoder(_customers())
    new = pd.DataFrame(
        {"calls": ["", "100"], "plan": ["gold", "max"], "phone": "x", "country": ["BE", "NL"]}
    )
    x = encoder.transform(new)
    assert x.shape == (2, 5)
    assert x[0].tolist() == [5, 1, 0, 0, 0]  # blank → training median; unseen plan → zeros
    assert x[1].tolist() == [100, 0, 0, 0, 1]
    with pytest.raises(InputError, match="column 'plan'"):
        encoder.transform(new.drop(columns=["plan"]))


def test_encoder_counts_cells_that_are_not_numbers() -> None:
    values = [str(v) for v in range(40)]
    values[7] = "n/a"  # 1 of 40 is not a number: the column stays numeric
    encoder = fit_encoder(pd.DataFrame({"tenure": values, "plan": ["a", "b"] * 20}))
    assert encoder.layout.names[:2] == ("tenure", "tenure is missing")
    assert encoder.fixes.not_numbers == {"tenure": 1}
    assert encoder.fixes.filled == {"tenure": 1}


def test_encoder_keeps_numeric_dtypes_and_rejects_a_frame_without_features() -> None:
    frame = pd.DataFrame({"spend": [1.5, np.nan, 3.0, np.inf], "active": [True, False, True, True]})
    encoder = fit_encoder(frame)
    assert encoder.layout.names == ("spend", "spend is missing", "active")
    assert encoder.fixes.filled == {"spend": 2}
    assert encoder.fixes.not_numbers == {"spend": 1}  # inf
    with pytest.raises(InputError, match="no usable feature column"):
        fit_encoder(pd.DataFrame({"only": ["same"] * 5}))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["basic", "pro", "max", "gold", "", "pro "]), min_size=1, max_size=30)
)
def test_transform_keeps_columns_and_order_for_any_values(values: list[str]) -> None:
    encoder = fit_encoder(_customers())
    rows = pd.DataFrame(
        {"calls": ["2"] * len(values), "plan": values, "phone": "p", "country": "NL"}
    )
    x = encoder.transform(rows)
    assert x.shape == (len(values), len(encoder.layout.names))
    block = x[:, 2:]
    seen = [v.strip() in ("basic", "pro", "max") for v in values]
    assert block.sum(axis=1).tolist() == [1.0 if s else 0.0 for s in seen]
    for row, value in zip(block, values, strict=True):
        if value.strip() in ("basic", "pro", "max"):
            assert encoder.layout.names[2 + int(row.argmax())] == f"plan = {value.strip()}"


# ---------------------------------------------------------------- target


@pytest.mark.parametrize(
    ("values", "positive"),
    [
        (["T", "F", "F", "T"], "T"),
        (["no", "yes", "No"], "yes"),
        (["0", "1", "0"], "1"),
        (["Existing Customer", "Attrited Customer"], "Attrited Customer"),
        (["stayed", "moved"], "moved"),
    ],
)
def test_target_infers_which_value_is_churn(values: list[str], positive: str) -> None:
    target = parse_target(pd.Series(values), "churn")
    assert target.positive == positive
    assert target.y.tolist() == [1 if v.lower() == positive.lower() else 0 for v in values]


def test_target_from_numbers_and_booleans() -> None:
    assert parse_target(pd.Series([1.0, 0.0, 1.0]), "c").y.tolist() == [1, 0, 1]
    assert parse_target(pd.Series([True, False]), "c").positive == "true"
    assert parse_target(pd.Series(["A", "B", "A"]), "c", positive="b").y.tolist() == [0, 1, 0]


def test_target_errors_name_the_value_and_the_line() -> None:
    with pytest.raises(InputError, match=r"line 4: 'maybe' is a third value in column 'churn'"):
        parse_target(pd.Series(["yes", "no", "maybe"]), "churn")  # row index 2 = file line 4
    with pytest.raises(InputError, match=r"line 3: column 'churn' is blank"):
        parse_target(pd.Series(["yes", "", "no"]), "churn")
    with pytest.raises(InputError, match=r"cannot tell which of 'A', 'B'.*give --positive"):
        parse_target(pd.Series(["A", "B"]), "churn")
    with pytest.raises(InputError, match="only the value 'no'"):
        parse_target(pd.Series(["no", "no"]), "churn")
    with pytest.raises(InputError, match=r"'x' does not occur in column 'churn'"):
        parse_target(pd.Series(["yes", "no"]), "churn", positive="x")


def test_blank_targets_allowed_for_rows_to_score() -> None:
    target = parse_target(pd.Series(["yes", None, "no"]), "churn", allow_blank=True)
    assert target.y.tolist() == [1, -1, 0]
    assert target.labelled.tolist() == [True, False, True]


# ---------------------------------------------------------------- calibration and the models


def test_platt_recovers_the_slope_and_intercept() -> None:
    # Labels drawn from P = σ(2s − 1): Platt's fit is the logistic regression of y on s.
    rng = np.random.default_rng(3)
    score = rng.normal(size=200_000)
    y = (rng.random(score.size) < 1 / (1 + np.exp(-(2 * score - 1)))).astype(int)
    platt = fit_platt(score, y)
    assert platt.a == pytest.approx(2.0, abs=0.03)
    assert platt.b == pytest.approx(-1.0, abs=0.03)


def _linear(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Churn from a logistic model of five numeric features (the linear truth)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    logit = x @ np.array([1.0, -0.8, 0.6, 0.5, -0.4]) - 1.5
    return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def _xor(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Churn from the sign of x0·x1 (XOR-like): no linear signal at all."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 5))
    return x, (rng.random(n) < np.where(x[:, 0] * x[:, 1] > 0, 0.85, 0.1)).astype(int)


def test_auto_picks_logistic_on_a_linear_truth() -> None:
    x, y = _linear(3000, seed=0)
    model = fit_churn(x, y, "auto", seed=0)
    assert model.kind == "logistic"
    auc = model.inner.auc
    assert auc["logistic"] > auc["gbm"]
    assert model.describe()["inner_cv"]["auc"].keys() == {"logistic", "gbm", "blend"}


def test_auto_picks_gbm_on_an_xor_truth() -> None:
    x, y = _xor(3000, seed=0)
    model = fit_churn(x, y, "auto", seed=0)
    assert model.kind == "gbm"
    assert model.inner.auc["gbm"] > 0.8 > 0.6 > model.inner.auc["logistic"]
    x_new, y_new = _xor(3000, seed=1)
    assert roc_auc_score(y_new, model.predict_proba(x_new)) > 0.8


def test_choose_prefers_the_simpler_model_within_the_noise() -> None:
    assert choose({"logistic": 0.800, "gbm": 0.801, "blend": 0.8015}) == "logistic"
    assert choose({"logistic": 0.800, "gbm": 0.810, "blend": 0.811}) == "gbm"
    assert choose({"logistic": 0.800, "gbm": 0.810, "blend": 0.815}) == "blend"


def test_calibrated_probabilities_match_the_churn_rate_on_new_rows() -> None:
    x, y = _linear(4000, seed=2)
    x_new, y_new = _linear(20_000, seed=3)
    for kind in ("gbm", "logistic"):
        p = fit_churn(x, y, kind, seed=0).predict_proba(x_new)  # type: ignore[arg-type]
        assert ((p >= 0) & (p <= 1)).all()
        assert p.mean() == pytest.approx(y_new.mean(), abs=0.015)


def test_gbm_contributions_add_up_to_lightgbm_raw_log_odds() -> None:
    x, y = _xor(1500, seed=4)
    model = fit_churn(x, y, "gbm", seed=0)
    assert model.gbm is not None
    contributions, bias = model.contributions(x[:200])
    raw = model.gbm.booster.predict(x[:200], raw_score=True)
    np.testing.assert_allclose(contributions.sum(axis=1) + bias, raw, atol=1e-9)
    # Calibration is applied after: P = σ(a·raw + b), not σ(raw).
    expected = 1 / (1 + np.exp(-(model.platt.a * raw + model.platt.b)))
    np.testing.assert_allclose(model.predict_proba(x[:200]), expected, rtol=1e-12)


def test_logistic_contributions_add_up_to_the_log_odds() -> None:
    x, y = _linear(1500, seed=5)
    model = fit_churn(x, y, "logistic", seed=0)
    assert model.logistic is not None
    contributions, bias = model.contributions(x)
    np.testing.assert_allclose(contributions.sum(axis=1) + bias, model.margin(x), atol=1e-9)
    # β·z with z standardised on the training rows: an average customer contributes 0.
    np.testing.assert_allclose(contributions.mean(axis=0), 0.0, atol=1e-9)


def _plan_frame(n: int, seed: int) -> pd.DataFrame:
    """Customers whose churn is driven by the plan (one-hot) and by service calls."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "prepaid"], size=n)
    calls = rng.poisson(1.5, size=n)
    noise = rng.normal(size=n)
    logit = -2.5 + 2.0 * (plan == "prepaid") + 1.5 * (calls >= 3) + 0.1 * noise
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "customer": [f"C{i}" for i in range(n)],
            "plan": plan,
            "calls": calls.astype(str),
            "noise": noise.round(3).astype(str),
            "churn": np.where(churn, "yes", "no"),
        }
    )


@pytest.mark.parametrize("kind", ["gbm", "logistic", "auto"])
def test_reasons_are_positive_merged_and_readable(kind: str) -> None:
    frame = _plan_frame(3000, seed=6)
    features = frame[["plan", "calls", "noise"]]
    encoder = fit_encoder(features)
    x = encoder.transform(features)
    y = (frame["churn"] == "yes").to_numpy().astype(int)
    model = fit_churn(x, y, kind, seed=0, feature_names=encoder.layout)  # type: ignore[arg-type]
    reasons = model.reasons(x[:300], k=3)
    merged = model.source_contributions(x[:300])
    sources = list(encoder.layout.source_names)
    for row, row_reasons in enumerate(reasons):
        assert len(row_reasons) <= 3
        shares = [r.contribution for r in row_reasons]
        assert all(s > 0 for s in shares)
        assert shares == sorted(shares, reverse=True)
        for reason in row_reasons:
            assert reason.feature in sources  # one-hot columns merged back into "plan"
            assert reason.contribution == pytest.approx(merged[row, sources.index(reason.feature)])
    prepaid = frame.index[:300][frame["plan"][:300] == "prepaid"]
    firsts = [reasons[i][0] for i in prepaid if reasons[i]]
    assert sum(r.text == "plan = prepaid" and r.value == "prepaid" for r in firsts) > 0.8 * len(
        prepaid
    )
    many_calls = next(i for i in range(300) if int(frame["calls"][i]) >= 5)
    texts = [r.text for r in reasons[many_calls]]
    assert f"calls = {frame['calls'][many_calls]} (typical 1)" in texts
    vectorised = model.reason_texts(x[:300], k=3)
    assert [list(t) for t in zip(*vectorised, strict=True)] == [
        [r.text for r in rr] + [""] * (3 - len(rr)) for rr in reasons
    ]
    assert [name for name, _ in model.top_features(2)] == ["plan", "calls"]


def test_reasons_by_compiled_kernel_equal_lightgbm_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From KERNEL_MIN_ROWS rows on, the compiled leaf-table kernel gives the same source
    contributions and reasons as ``pred_contrib`` on every row (issue 16), blanks and missing
    values included."""
    from valuecenter.analytics.churn import model as churn_model
    from valuecenter.analytics.churn import reasons as reason_codes
    from valuecenter.analytics.churn import tree_patterns

    monkeypatch.setattr(churn_model, "KERNEL_MIN_ROWS", 1_000)
    frame = _plan_frame(4_000, seed=8)
    frame.loc[::9, "noise"] = ""  # blanks: a missing-indicator column
    frame.loc[::11, "plan"] = ""  # a blank text cell: all its one-hot columns 0
    features = frame[["plan", "calls", "noise"]]
    encoder = fit_encoder(features)
    x = encoder.transform(features)
    assert "noise is missing" in encoder.layout.names
    y = (frame["churn"] == "yes").to_numpy().astype(int)
    model = fit_churn(x, y, "gbm", seed=0, feature_names=encoder.layout)
    assert model.gbm is not None
    x[::7, encoder.layout.names.index("noise")] = np.nan  # NaN in the matrix itself
    per_row = reason_codes.merge(model.contributions(x)[0], model.layout)  # pred_contrib
    fast = model.source_contributions(x)  # ≥ KERNEL_MIN_ROWS rows: the kernel
    assert isinstance(vars(model).get("_forest"), tree_patterns.Forest)  # it was taken
    np.testing.assert_allclose(fast, per_row, rtol=0, atol=1e-9)
    fast_reasons = model.reasons(x)
    old_reasons = reason_codes.reasons(x, per_row, model.layout, 3)
    assert [[(r.feature, str(r.value), r.text) for r in rr] for rr in fast_reasons] == [
        [(r.feature, str(r.value), r.text) for r in rr] for rr in old_reasons
    ]  # str: a NaN value is not equal to itself
    assert sum(len(rr) for rr in fast_reasons) > len(x)  # most rows have reasons
    for fast_row, old_row in zip(fast_reasons, old_reasons, strict=True):
        for a, b in zip(fast_row, old_row, strict=True):
            assert a.contribution == pytest.approx(b.contribution, abs=1e-9)
    texts = model.reason_texts(x)
    assert [list(t) for t in zip(*texts, strict=True)] == [
        [r.text for r in rr] + [""] * (3 - len(rr)) for rr in old_reasons
    ]


# ---------------------------------------------------------------- evaluate and score


def test_evaluate_never_uses_the_id_column() -> None:
    # A numeric id that encodes the outcome (churners from 10000 up) would give AUC 1.0 if it
    # leaked into the features; so would the 0/1 "leak" column the caller drops.
    frame = _plan_frame(1200, seed=7)
    frame["customer"] = (np.where(frame["churn"] == "yes", 10_000, 0) + frame.index).astype(str)
    frame["leak"] = np.where(frame["churn"] == "yes", "1", "0")
    result = evaluate(frame, "churn", "customer", drop_cols=["leak"], folds=3, kind="logistic")
    assert 0.6 < result["auc"] < 0.95
    assert result["positive"] == "yes"
    assert "customer" not in result["top_features"]
    assert "leak" not in result["top_features"]
    assert result["model"]["per_fold"] == ["logistic"] * 3
    assert len(result["auc_per_fold"]) == 3


def test_evaluate_rejects_unknown_columns_and_too_few_churners() -> None:
    frame = _plan_frame(200, seed=8)
    with pytest.raises(InputError, match=r"drop_cols: no column 'nope'.*columns: customer, plan"):
        evaluate(frame, "churn", "customer", drop_cols=["nope"])
    with pytest.raises(InputError, match="target: no column 'left'"):
        evaluate(frame, "left", "customer")
    with pytest.raises(InputError, match="id_col: no column 'id'"):
        evaluate(frame, "churn", "id")
    few = frame.assign(churn=["yes"] * 5 + ["no"] * 195)
    with pytest.raises(InputError, match=r"5 row\(s\) of class 'yes'.*at least 10"):
        evaluate(few, "churn", "customer")


def test_score_trains_on_labelled_rows_and_scores_all() -> None:
    frame = _plan_frame(1500, seed=9)
    frame.loc[1400:, "churn"] = ""  # customers whose outcome is not known yet
    scored = score_file(frame, "churn", "customer", kind="logistic")
    assert scored.trained_rows == 1400
    assert scored.unlabelled_rows == 100
    assert scored.model.rows == 1400
    table = scored.table
    assert table.columns.tolist() == ["customer", "probability", "reason_1", "reason_2", "reason_3"]
    assert table["customer"].tolist() == frame["customer"].tolist()
    assert table["probability"].between(0, 1).all()
