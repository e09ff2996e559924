"""``valuecenter nps --data FILE --score-col COL [--group-col COL] [--sep ,] --json`` (issue 20,
point 6): the JSON shape of the issue, the groups, the rejected answers counted (never dropped
silently) and shown with their rows, CSV / Parquet / XLSX, one-line errors with exit code 2,
and the text in Dutch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_runner import run_cli
from valuecenter.analytics.nps import NpsCounts, estimate

KEYS = {"n", "nps", "ci95", "promoters", "passives", "detractors", "groups", "rejected"}
GROUP_KEYS = {"group", "n", "nps", "ci95", "promoters", "passives", "detractors"}

# Rows 2–16 of the file (the header is row 1). Valid: 10 9 8 7 6 0 9 10 (rows 2–9), " 9 "
# (row 15) and "8.0" (row 16): promoters 10 9 9 10 9 = 5, passives 8 7 8 = 3, detractors 6 0
# = 2 — the 5 / 3 / 2 of the analytics tests: NPS 30, adjusted Wald interval −19.05 to 65.20
# (by hand there), Wald 30 ± 48.41; the default score interval −21.66 to 67.53.
# Rejected: "abc" (row 10) not a number; blank (row 11); 11, −1 and 7.5 (rows 12–14) off the
# 0–10 scale.
ROWS = [
    ("1", "10", "chat"),
    ("2", "9", "chat"),
    ("3", "8", "phone"),
    ("4", "7", "phone"),
    ("5", "6", "phone"),
    ("6", "0", "chat"),
    ("7", "9", "phone"),
    ("8", "10", ""),
    ("9", "abc", "chat"),
    ("10", "", "phone"),
    ("11", "11", "chat"),
    ("12", "-1", "phone"),
    ("13", "7.5", "chat"),
    ("14", " 9 ", "chat"),
    ("15", "8.0", "phone"),
]


def _write(path: Path, sep: str = ",") -> Path:
    lines = [sep.join(("id", "score", "channel"))] + [sep.join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    return _write(tmp_path / "answers.csv")


def _nps(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    return run_cli(monkeypatch, capsys, *args)


def test_json_shape_counts_and_rejections(
    answers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "score",
        "--interval", "adjusted-wald", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert set(result) == KEYS
    assert result == {
        "n": 10,
        "nps": 30.0,
        "ci95": [-19.05, 65.2],
        "promoters": 5,
        "passives": 3,
        "detractors": 2,
        "groups": [],
        "rejected": {"non_numeric": 1, "out_of_range": 3, "blank": 1},
    }
    # every row is either counted or rejected
    assert result["n"] + sum(result["rejected"].values()) == len(ROWS)
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "score", "--json"
    )
    assert code == 0, err
    default = json.loads(out)
    assert default["ci95"] == [-21.66, 67.53]
    assert default["ci95"] == estimate(NpsCounts(5, 3, 2), "score").as_json()["ci95"]


def test_groups_each_with_their_figures(
    answers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """chat: 10, 9, 0, 9 → 3 promoters, 1 detractor (NPS 50); phone: 8, 7, 6, 9, 8 → 1 / 3 / 1
    (NPS 0); the 10 without a channel is its own group (null), after the named ones.
    chat has no passives, so its score interval is Wilson's for 3 of 4 mapped to 2p − 1:
    centre (3 + z²/2)/(4 + z²) = 4.920729/7.841459 = 0.627524, half-width
    z/(4 + z²)·√(4·¾·¼ + z²/4) = 0.249948·1.307809 = 0.326884 → p in [0.300640, 0.954408]
    → NPS in [−39.87, 90.88]."""
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "score",
        "--group-col", "channel", "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == KEYS
    assert result["n"] == 10
    groups = result["groups"]
    assert [g["group"] for g in groups] == ["chat", "phone", None]
    assert all(set(g) == GROUP_KEYS for g in groups)
    assert [(g["n"], g["nps"]) for g in groups] == [(4, 50.0), (5, 0.0), (1, 100.0)]
    assert groups[0]["ci95"] == [-39.87, 90.88]
    assert groups[0] == {"group": "chat", **estimate(NpsCounts(3, 0, 1)).as_json()}
    assert groups[1] == {"group": "phone", **estimate(NpsCounts(1, 3, 1)).as_json()}
    assert sum(g["n"] for g in groups) == result["n"]


def test_text_lists_the_first_rejected_rows(
    answers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _nps(
        monkeypatch, capsys, "--lang", "en", "nps", "--data", str(answers), "--score-col",
        "score", "--group-col", "channel",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "NPS 30.0, 95% interval -21.7 to 67.5 · 10 answers: promoters 5, passives 3, detractors 2"
    )
    assert lines[1] == ("5 rejected and not counted: 1 not a number, 3 off the 0–10 scale, 1 blank")
    assert lines[2:7] == [
        "  row 10: 'abc' is not a number",
        "  row 11: blank",
        "  row 12: '11' is not a whole number from 0 to 10",
        "  row 13: '-1' is not a whole number from 0 to 10",
        "  row 14: '7.5' is not a whole number from 0 to 10",
    ]
    assert lines[7] == "By channel:"
    assert lines[8].startswith("  chat     NPS 50.0, ")
    assert lines[10].startswith("  (blank)  NPS 100.0, ")
    assert "· 1 answer: " in lines[10]


def test_separator_interval_and_all_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "answers.txt", sep="|")
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(path), "--score-col", "score", "--sep", "|",
        "--interval", "wald", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["ci95"] == [-18.41, 78.41]  # 30 ± 48.41 (test_analytics_nps)
    bad = tmp_path / "bad.csv"
    bad.write_text("score\nx\n\n12\n", encoding="utf-8")
    code, out, err = _nps(monkeypatch, capsys, "nps", "--data", str(bad), "--score-col", "score")
    assert code == 0, err
    assert out.splitlines()[0] == "no valid answer, so no NPS"
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(bad), "--score-col", "score", "--json"
    )
    result = json.loads(out)
    assert (result["n"], result["nps"], result["ci95"]) == (0, None, None)
    # pyarrow reads the empty line as no row at all
    assert result["rejected"] == {"non_numeric": 1, "out_of_range": 1, "blank": 0}


def test_parquet_and_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Parquet keeps numbers as numbers (a missing one is blank; its rows count from 1);
    XLSX cells are read as text."""
    frame = pd.DataFrame({"score": [10.0, 9.0, None, 3.0, 12.0], "team": list("aabbb")})
    parquet = tmp_path / "answers.parquet"
    frame.to_parquet(parquet)
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(parquet), "--score-col", "score",
        "--group-col", "team", "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert (result["n"], result["promoters"], result["detractors"]) == (3, 2, 1)
    assert result["rejected"] == {"non_numeric": 0, "out_of_range": 1, "blank": 1}
    assert [(g["group"], g["n"]) for g in result["groups"]] == [("a", 2), ("b", 1)]
    code, out, err = _nps(
        monkeypatch, capsys, "--lang", "en", "nps", "--data", str(parquet), "--score-col", "score"
    )
    assert "  row 3: blank" in out.splitlines()
    xlsx = tmp_path / "answers.xlsx"
    frame.to_excel(xlsx, index=False)
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(xlsx), "--score-col", "score", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert (result["n"], result["rejected"]["out_of_range"], result["rejected"]["blank"]) == (
        3,
        1,
        1,
    )


def test_one_line_errors_with_exit_code_2(
    answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    missing = tmp_path / "nope.csv"
    code, out, err = _nps(monkeypatch, capsys, "nps", "--data", str(missing), "--score-col", "s")
    assert code == 2
    assert err == f"error: --data: {missing}: no such file\n"
    assert out == ""
    code, out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "nps", "--json"
    )
    assert code == 2
    assert err == (
        "error: --score-col: no column 'nps' in the file (columns: id, score, channel)\n"
    )
    assert json.loads(out) == {
        "error": "invalid_input",
        "detail": "--score-col: no column 'nps' in the file (columns: id, score, channel)",
    }
    code, _out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "score",
        "--group-col", "region",
    )  # fmt: skip
    assert code == 2
    assert err.startswith("error: --group-col: no column 'region'")
    assert len(err.splitlines()) == 1
    code, _out, err = _nps(
        monkeypatch, capsys, "nps", "--data", str(answers), "--score-col", "score",
        "--interval", "exact",
    )  # fmt: skip
    assert code == 2
    assert err == "error: --interval: 'exact' is not one of score, adjusted-wald, wald\n"
    empty = tmp_path / "empty.csv"
    empty.write_text("score\n", encoding="utf-8")
    code, _out, err = _nps(monkeypatch, capsys, "nps", "--data", str(empty), "--score-col", "x")
    assert code == 2
    assert err == f"error: --data: {empty}: has no rows below the header\n"
    assert "Traceback" not in err


def test_dutch_output(
    answers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _nps(
        monkeypatch, capsys, "--lang", "nl", "nps", "--data", str(answers), "--score-col",
        "score", "--group-col", "channel",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "NPS 30,0, 95%-interval -21,7 tot 67,5 · 10 antwoorden: promotors 5, passieven 3, "
        "criticasters 2"
    )
    assert lines[1] == (
        "5 geweigerd en niet meegeteld: 1 geen getal, 3 buiten de schaal 0–10, 1 leeg"
    )
    assert lines[2] == "  rij 10: 'abc' is geen getal"
    assert lines[7] == "Per channel:"
    assert lines[10].startswith("  (leeg)  NPS 100,0, ")
    code, _out, err = _nps(
        monkeypatch, capsys, "--lang", "nl", "nps", "--data", str(answers), "--score-col", "x"
    )
    assert code == 2
    assert err.startswith("fout: --score-col: ")
