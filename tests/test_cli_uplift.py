"""``valuecenter uplift evaluate`` on experiment files written from the known-uplift synthetic
experiment (:func:`valuecenter.analytics.uplift.known_uplift`): the JSON and the table, several
treatments, the rows dropped and counted, and every bad input as one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.test_importer_cli import cli
from valuecenter.analytics.uplift import known_uplift

KEYS = {"learner", "n_train", "n_test", "uplift_at", "qini", "auuc", "dropped"}


def _file(
    tmp_path: Path, n: int = 3000, treatments: int = 1, outcome: tuple[str, str] = ("0", "1")
) -> tuple[Path, pd.DataFrame]:
    data = known_uplift(n, seed=3, treatments=treatments)
    table = data.table(["control", "call", "email"][: treatments + 1], outcome)
    path = tmp_path / "experiment.csv"
    table.to_csv(path, index=False)
    return path, table


def _evaluate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: Path, *more: str
) -> tuple[int, str, str]:
    args = ["uplift", "evaluate", "--data", str(path), "--treatment-col", "treatment"]
    args += ["--control-value", "control", "--outcome-col", "renewed", *more]
    return cli(monkeypatch, capsys, *args)


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def test_evaluate_json_on_a_file_with_known_uplift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _table = _file(tmp_path)
    code, out, err = _evaluate(monkeypatch, capsys, path, "--treatment-value", "call", "--json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert set(result) >= KEYS | {"fixes", "treatment", "control"}
    assert result["n_train"] + result["n_test"] == 3000
    assert result["n_test"] == pytest.approx(1500, abs=3)  # --test-size 0.5 by default
    assert result["learner"] in ("t", "x", "dr", "ct")
    assert result["auto"]["inner_qini"].keys() == {"t", "ct", "x", "dr"}
    assert set(result["uplift_at"]) == {"10", "20", "30"}
    # The synthetic call has persuadables: the ranked top gains clearly, the ranking beats
    # random.
    assert result["uplift_at"]["30"] > 0.1
    assert result["qini"] > 0.03
    assert 0 < result["auuc"] < 1
    assert result["dropped"] == 0
    assert result["fixes"].keys() == {"cells_filled_with_median"}
    assert result["fixes"]["cells_filled_with_median"].keys() == {"nps"}  # 15% blank
    assert "per_treatment" not in result
    # The same seed gives the same figures; another seed another split.
    code, again, _ = _evaluate(monkeypatch, capsys, path, "--treatment-value", "call", "--json")
    assert json.loads(again)["qini"] == result["qini"]
    more = ("--treatment-value", "call", "--json", "--seed", "7", "--learner", "t")
    code, other, _ = _evaluate(monkeypatch, capsys, path, *more)
    assert json.loads(other)["learner"] == "t"
    assert json.loads(other)["auto"] is None


def test_evaluate_prints_a_table_without_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _table = _file(tmp_path)
    more = ("--treatment-value", "call", "--learner", "ct", "--test-size", "0.4")
    code, out, err = _evaluate(monkeypatch, capsys, path, *more)
    assert code == 0, err
    for label in ("uplift in the top 10%", "uplift in the top 30%", "Qini coefficient", "AUUC"):
        assert label in out
    assert "Uplift model ct: 1,200 test rows, each treatment against 'control'" in out
    assert "trained on 1,800 rows, tested on 1,200; learner ct" in out
    assert "rows dropped: 0" in out


def test_several_treatments_are_scored_each_and_as_a_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _table = _file(tmp_path, n=4500, treatments=2)
    more = ("--treatment-value", "call", "--treatment-value", "email", "--learner", "t", "--json")
    code, out, err = _evaluate(monkeypatch, capsys, path, *more)
    assert code == 0, err
    result = json.loads(out)
    assert result["treatment"] == ["call", "email"]
    assert set(result["per_treatment"]) == {"call", "email"}
    for figures in result["per_treatment"].values():
        assert set(figures) == {"uplift_at", "qini", "auuc"}
        assert figures["qini"] > 0
    assert result["n_train"] + result["n_test"] == 4500
    # Only one of the two treatments: the other's rows are dropped and counted.
    code, out, err = _evaluate(monkeypatch, capsys, path, *more[2:])
    assert code == 0, err
    one = json.loads(out)
    assert one["dropped"] == one["dropped_by_reason"]["other_treatment"] > 1000
    assert one["n_train"] + one["n_test"] + one["dropped"] == 4500


def test_blank_cells_are_filled_or_dropped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _path, table = _file(tmp_path)
    table = table.astype({"age": object, "treatment": object, "renewed": object})
    table.loc[table.index[::50], "age"] = ""  # 60 feature blanks: filled with the median
    table.loc[table.index[1::100], "treatment"] = ""  # 30 rows with no arm: dropped
    table.loc[table.index[2::100], "renewed"] = ""  # 30 rows with no outcome yet: dropped
    path = tmp_path / "blanks.csv"
    table.to_csv(path, index=False)
    more = ("--treatment-value", "call", "--learner", "t", "--json")
    code, out, err = _evaluate(monkeypatch, capsys, path, *more)
    assert code == 0, err
    result = json.loads(out)
    assert result["dropped_by_reason"] == {
        "blank_treatment": 30,
        "other_treatment": 0,
        "blank_outcome": 30,
    }
    assert result["dropped"] == 60
    assert result["n_train"] + result["n_test"] == 2940
    filled = result["fixes"]["cells_filled_with_median"]
    assert 0 < filled["age"] <= 60  # the training part's blanks (the encoder sees only those)


def test_text_outcomes_in_any_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    numbers, _ = _file(tmp_path, outcome=("0", "1"))
    code, out, _err = _evaluate(
        monkeypatch, capsys, numbers, "--treatment-value", "call", "--learner", "t", "--json"
    )
    expected = json.loads(out)
    _path, table = _file(tmp_path, outcome=("no", "yes"))
    table["renewed"] = table["renewed"].where(table.index % 2 == 0, table["renewed"].str.upper())
    path = tmp_path / "words.csv"
    table.to_csv(path, index=False)
    more = ("--treatment-value", "CALL", "--learner", "t", "--json")
    code, out, err = _evaluate(monkeypatch, capsys, path, *more)
    assert code == 0, err
    result = json.loads(out)
    for key in ("qini", "auuc", "uplift_at", "n_train", "n_test"):
        assert result[key] == expected[key]  # yes/YES/no/NO read exactly as 1/0


def test_a_third_outcome_value_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _path, table = _file(tmp_path, outcome=("no", "yes"))
    table.loc[41, "renewed"] = "maybe"
    path = tmp_path / "third.csv"
    table.to_csv(path, index=False)
    code, out, err = _evaluate(monkeypatch, capsys, path, "--treatment-value", "call")
    assert _one_line_error(code, out, err) == (
        "error: --outcome-col: line 43: 'maybe' in column 'renewed' is not an outcome; "
        "use 1/0, true/false or yes/no (any case)"
    )


def test_unknown_treatment_value_lists_what_the_column_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _table = _file(tmp_path)
    code, out, err = _evaluate(monkeypatch, capsys, path, "--treatment-value", "sms")
    line = _one_line_error(code, out, err)
    assert line.startswith(
        "error: --treatment-value: no row has 'sms' in column 'treatment'; the column holds "
    )
    assert line.endswith(("control, call", "call, control"))
    code, out, err = cli(
        monkeypatch, capsys, "uplift", "evaluate", "--data", str(path), "--treatment-col",
        "treatment", "--treatment-value", "call", "--control-value", "holdout", "--outcome-col",
        "renewed",
    )  # fmt: skip
    assert "--control-value: no row has 'holdout'" in _one_line_error(code, out, err)


def test_unknown_drop_cols_and_columns_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _table = _file(tmp_path)
    more = ("--treatment-value", "call", "--drop-cols", "noise_1,shoe_size,hat")
    line = _one_line_error(*_evaluate(monkeypatch, capsys, path, *more))
    assert line.startswith("error: --drop-cols: no column 'shoe_size', 'hat' in the data")
    more = ("--treatment-value", "call", "--drop-cols", "noise_1,noise_2", "--learner", "t")
    code, out, err = _evaluate(monkeypatch, capsys, path, *more, "--json")
    assert code == 0, err
    code, out, err = cli(
        monkeypatch, capsys, "uplift", "evaluate", "--data", str(path), "--treatment-col",
        "arm", "--treatment-value", "call", "--control-value", "control", "--outcome-col",
        "renewed",
    )  # fmt: skip
    line = _one_line_error(code, out, err)
    assert line.startswith("error: --treatment-col: no column 'arm' in the data (columns: ")


def test_bad_files_and_too_few_rows_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.csv"
    line = _one_line_error(*_evaluate(monkeypatch, capsys, missing, "--treatment-value", "call"))
    assert line == f"error: file: {missing}: no such file"
    header = tmp_path / "header.csv"
    header.write_text("treatment,renewed,age\n", encoding="utf-8")
    line = _one_line_error(*_evaluate(monkeypatch, capsys, header, "--treatment-value", "call"))
    assert line == f"error: --data: {header}: has no rows below the header"
    small, _table = _file(tmp_path, n=60)
    line = _one_line_error(*_evaluate(monkeypatch, capsys, small, "--treatment-value", "call"))
    assert line.startswith("error: --data: arm '")
    assert "each part needs at least 20 rows of every arm" in line
    path, _table = _file(tmp_path)
    more = ("--treatment-value", "call", "--test-size", "1.5")
    line = _one_line_error(*_evaluate(monkeypatch, capsys, path, *more))
    assert line == "error: --test-size: 1.5 is not a share between 0 and 1"
    more = ("--treatment-value", "call", "--learner", "s")
    line = _one_line_error(*_evaluate(monkeypatch, capsys, path, *more))
    assert line == "error: --learner: 's' is not one of auto, t, x, dr, ct"
    more = ("--treatment-value", "control")
    line = _one_line_error(*_evaluate(monkeypatch, capsys, path, *more))
    assert "must all differ" in line
