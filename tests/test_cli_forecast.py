"""``valuecenter forecast --data FILE --time-col C --value-col C --freq F --json`` (issue 21):
the JSON shape of the issue, the forecast starting right after the data, bad cells as one line
naming row and column, an unknown frequency refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli_runner import run_cli

KEYS = {"model", "horizon", "mase", "mase_seasonal_naive", "forecast"}


def _office_csv(path: Path, *, bad: str | None = None) -> Path:
    """Four weeks of hourly counts, Monday–Friday 09:00–16:00, with a UTC zone on the times."""
    rng = np.random.default_rng(1)
    rows = ["when,calls"]
    for day in pd.date_range("2025-03-03", periods=35, freq="D"):
        if day.weekday() >= 5:
            continue
        for hour in range(9, 17):
            rows.append(f"{(day + pd.Timedelta(hours=hour)).isoformat()}Z,{rng.poisson(30)}")
    if bad is not None:
        rows[3] = bad
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_json_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _office_csv(tmp_path / "calls.csv")
    code, out, err = run_cli(
        monkeypatch, capsys, "forecast", "--data", str(data), "--time-col", "when",
        "--value-col", "calls", "--freq", "H", "--horizon", "24", "--backtest-windows", "3",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= KEYS
    assert result["horizon"] == 24
    assert len(result["forecast"]) == 24
    # The data ends Friday 4 April 2025 16:00 (the zone dropped: the wall clock is kept).
    assert result["forecast"][0]["time"] == "2025-04-04T17:00:00"
    assert all(0 <= r["lo"] <= r["value"] <= r["hi"] for r in result["forecast"])
    assert result["mase_seasonal_naive"] > 0


def test_text_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _office_csv(tmp_path / "calls.csv")
    code, out, err = run_cli(
        monkeypatch, capsys, "forecast", "--data", str(data), "--time-col", "when",
        "--value-col", "calls", "--freq", "h", "--backtest-windows", "3",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("model ")
    assert "MASE" in out
    assert "2025-04-07 09:00" in out  # the next open interval: Monday 09:00
    assert "fitting " in err  # progress on stderr


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("yesterday,3", "row 4, column when: 'yesterday' is not a time"),
        ("2025-03-03T10:00:00Z,-4", "row 4, column calls: '-4' is not a count ≥ 0"),
    ],
)
def test_bad_cell_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad: str,
    message: str,
) -> None:
    data = _office_csv(tmp_path / "calls.csv", bad=bad)
    code, _out, err = run_cli(
        monkeypatch, capsys, "forecast", "--data", str(data), "--time-col", "when",
        "--value-col", "calls", "--freq", "h",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == f"error: --data: {message}"


def test_unknown_freq(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _office_csv(tmp_path / "calls.csv")
    code, out, err = run_cli(
        monkeypatch, capsys, "forecast", "--data", str(data), "--time-col", "when",
        "--value-col", "calls", "--freq", "7min", "--json",
    )  # fmt: skip
    assert code == 2
    assert json.loads(out)["error"] == "invalid_input"
    assert err.strip().startswith("error: --freq: '7min'")


def test_parquet_with_datetime_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(_office_csv(tmp_path / "calls.csv"))
    frame["when"] = pd.to_datetime(frame["when"]).dt.tz_localize(None)
    frame.to_parquet(tmp_path / "calls.parquet")
    code, out, err = run_cli(
        monkeypatch, capsys, "forecast", "--data", str(tmp_path / "calls.parquet"),
        "--time-col", "when", "--value-col", "calls", "--freq", "h", "--model",
        "profile_mean", "--backtest-windows", "3", "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["model"] == "profile_mean"
    opened = [r for r in result["forecast"] if not r["closed"]]
    assert opened[0]["time"] == "2025-04-07T09:00:00"
    assert len(opened) == 8
