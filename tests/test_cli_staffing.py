"""``valuecenter staffing erlang`` (issue 21): the worked example (Call Centre Helper's Erlang C
example: 100 calls per 30 minutes, AHT 180 s, 80/20 → 14 agents, 20 with 30% shrinkage) as
JSON and as text, Erlang A with --patience, percentages, and one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.cli_runner import run_cli

EXAMPLE = (
    "staffing", "erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
    "--target-seconds", "20",
)  # fmt: skip
KEYS = {
    "traffic_erlangs",
    "agents",
    "service_level",
    "p_wait",
    "asa_seconds",
    "occupancy",
    "agents_with_shrinkage",
}


def test_json_of_the_worked_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        monkeypatch, capsys, *EXAMPLE, "--service-level", "0.8", "--shrinkage", "0.3", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == KEYS
    assert result["traffic_erlangs"] == pytest.approx(10.0)
    assert result["agents"] == 14
    assert result["agents_with_shrinkage"] == 20
    assert result["p_wait"] == pytest.approx(0.1741, abs=5e-5)
    assert result["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert result["asa_seconds"] == pytest.approx(7.8, abs=0.05)
    assert result["occupancy"] == pytest.approx(0.714, abs=5e-4)


def test_percentages_and_the_occupancy_cap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run_cli(
        monkeypatch, capsys, *EXAMPLE, "--service-level", "80", "--max-occupancy", "70",
        "--shrinkage", "30", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert (result["agents"], result["agents_with_shrinkage"]) == (15, 22)


def test_erlang_a_with_patience(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run_cli(
        monkeypatch, capsys, *EXAMPLE, "--service-level", "0.8", "--patience", "60", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert set(result) == KEYS | {"abandon_rate"}
    assert result["agents"] == 12
    assert result["abandon_rate"] == pytest.approx(0.076, abs=5e-4)
    assert result["service_level"] == pytest.approx(0.860, abs=5e-4)


def test_text_in_english_and_dutch_numbers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = (*EXAMPLE, "--service-level", "0.8", "--shrinkage", "0.3", "--patience", "300")
    code, out, _err = run_cli(monkeypatch, capsys, "--lang", "en", *args)
    assert code == 0
    assert "Agents needed: 13" in out
    assert "Service level: 85.8% answered within 20 s" in out
    assert "Average speed of answer: 7.5 s" in out
    assert "Abandoned: 2.5%" in out
    assert "10.00 Erlangs" in out
    assert "1,800 s" in out
    code, out, _err = run_cli(monkeypatch, capsys, "--lang", "nl", *args)
    assert code == 0
    assert "85,8%" in out
    assert "10,00" in out
    assert "1.800" in out
    assert "7,5" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--aht", "0"), "--aht: must be > 0"),
        (("--service-level", "150"), "--service-level: must be between 0 and 1"),
        (("--shrinkage", "100"), "--shrinkage: must be in [0, 1)"),
        (("--calls", "-3"), "--calls: cannot be negative"),
        (("--calls", "1e12"), "--calls: at most 100000 Erlangs per interval"),
        (("--patience", "0"), "--patience: must be > 0"),
        (("--interval", "0"), "--interval: must be > 0"),
    ],
)
def test_bad_input_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    message: str,
) -> None:
    args = [*EXAMPLE, "--service-level", "0.8"]
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    code, out, err = run_cli(monkeypatch, capsys, "--lang", "en", *args)
    assert code == 2
    assert err.strip() == f"error: {message}" or err.strip().startswith(f"error: {message}")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert out == ""
    code, out, err = run_cli(monkeypatch, capsys, "--lang", "en", *args, "--json")
    assert code == 2
    error = json.loads(out)
    assert error["error"] == "invalid_input"
    assert error["detail"].startswith(message)


def test_a_missing_option_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(monkeypatch, capsys, "staffing", "erlang", "--calls", "100")
    assert code == 2
    assert "Traceback" not in err
