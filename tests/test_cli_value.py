"""``valuecenter clv fit`` and ``valuecenter value concentration`` on files: fits on the raw
CDNOW and Online Retail transactions, and one-line errors with exit code 2 on broken files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES
from tests.test_importer_cli import cli

ONLINE_RETAIL = FIXTURES / "importer" / "online_retail_2010-12_to_2011-02.csv"
KEYS = {"model", "customers", "params", "log_likelihood", "gamma_gamma", "seconds"}


@pytest.fixture(scope="module")
def cdnow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The raw CDNOW sample (whitespace-aligned, no header) with a header line added."""
    path = tmp_path_factory.mktemp("cdnow") / "cdnow_sample.txt"
    raw = (FIXTURES / "cdnow" / "CDNOW_sample.txt").read_text()
    path.write_text("id sample_id date cds dollars\n" + raw)
    return path


@pytest.fixture(scope="module")
def retail_with_amounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Online Retail sample with each line's value (Quantity × UnitPrice) as a column."""
    frame = pd.read_csv(ONLINE_RETAIL, dtype=str, keep_default_na=False)
    amount = frame["Quantity"].astype(float) * frame["UnitPrice"].astype(float)
    frame["Amount"] = amount.round(2).map("{:.2f}".format)
    path = tmp_path_factory.mktemp("retail") / "retail.csv"
    frame.to_csv(path, index=False)
    return path


def _cdnow_args(path: Path, *more: str) -> list[str]:
    return [
        "clv", "fit", str(path), "--sep", "whitespace", "--customer-col", "sample_id",
        "--date-col", "date", "--amount-col", "dollars", *more,
    ]  # fmt: skip


def test_cdnow_raw_transactions_reproduce_the_paper(
    cdnow_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Days with the paper's calibration period 1997-01-01..1997-09-30: the paper's estimates,
    # with α in days (the paper's 4.414 per week × 7).
    args = _cdnow_args(cdnow_file, "--calibration-end", "1997-09-30", "--json")
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert set(result) >= KEYS | {"holdout"}
    assert result["model"] == "bgnbd"
    assert result["customers"] == 2357
    params = result["params"]
    assert params["r"] == pytest.approx(0.243, abs=1e-3)
    assert params["alpha"] / 7 == pytest.approx(4.414, abs=1e-3)
    assert params["a"] == pytest.approx(0.793, abs=1e-3)
    assert params["b"] == pytest.approx(2.426, abs=1e-3)
    assert result["degenerate"] is None
    gg = result["gamma_gamma"]
    assert gg["customers"] == 946
    assert (gg["p"], gg["q"], gg["v"]) == (
        pytest.approx(6.25, abs=0.01),
        pytest.approx(3.74, abs=0.01),
        pytest.approx(15.44, abs=0.01),
    )
    holdout = result["holdout"]
    assert holdout["actual"] == 1882  # repeat purchase days from 1997-10-01 to 1998-06-30
    assert holdout["predicted"] == pytest.approx(holdout["actual"], rel=0.15)


def test_cdnow_in_weeks_and_readable_output(
    cdnow_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _cdnow_args(cdnow_file, "--freq", "W", "--calibration-end", "1997-09-30", "--json")
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    result = json.loads(out)
    # Whole weeks (Monday–Sunday) instead of days / 7: close to the paper, not equal.
    assert result["params"]["r"] == pytest.approx(0.243, rel=0.25)
    assert result["params"]["alpha"] == pytest.approx(4.414, rel=0.6)
    assert result["holdout"]["periods"] == 39
    assert result["holdout"]["predicted"] == pytest.approx(result["holdout"]["actual"], rel=0.1)
    # --horizon bounds the holdout.
    args = _cdnow_args(cdnow_file, "--freq", "W", "--calibration-end", "1997-09-30")
    code, out, err = cli(monkeypatch, capsys, *args, "--horizon", "10", "--json")
    assert code == 0, err
    short = json.loads(out)["holdout"]
    assert short["periods"] == 10
    assert short["actual"] < result["holdout"]["actual"]
    code, out, err = cli(monkeypatch, capsys, *_cdnow_args(cdnow_file, "--horizon", "52"))
    assert code == 0, err
    assert out.startswith("BG/NBD on 2,357 customers (time in days)")
    assert "Gamma-Gamma on" in out
    assert "Next 52 days:" in out


def test_online_retail_sample_gives_a_sensible_fit(
    retail_with_amounts: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["clv", "fit", str(ONLINE_RETAIL), "--customer-col", "CustomerID"]
    args += ["--date-col", "InvoiceDate", "--json"]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    result = json.loads(out)
    assert result["customers"] == 1749  # the rows without a CustomerID are skipped
    assert result["rows_skipped"] == 36210
    assert result["gamma_gamma"] is None
    assert all(0 < result["params"][k] < 1e3 for k in ("r", "alpha", "a", "b"))
    # With amounts (returns make some lines negative) and a two-month calibration.
    args = ["clv", "fit", str(retail_with_amounts), "--customer-col", "CustomerID"]
    args += ["--date-col", "InvoiceDate", "--amount-col", "Amount"]
    args += ["--calibration-end", "2011-01-31", "--json"]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    result = json.loads(out)
    assert 0 < result["customers"] < 1749  # only customers who started by 31 January
    gg = result["gamma_gamma"]
    assert gg is not None
    assert gg["customers"] > 100
    assert gg["q"] > 1
    assert gg["p"] > 0
    assert gg["v"] > 0
    holdout = result["holdout"]
    assert holdout["periods"] == 28
    assert holdout["predicted"] == pytest.approx(holdout["actual"], rel=0.3)


def test_concentration_of_online_retail(
    retail_with_amounts: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["value", "concentration", str(retail_with_amounts), "--customer-col", "CustomerID"]
    code, out, err = cli(monkeypatch, capsys, *args, "--amount-col", "Amount", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"customers", "top1_share", "top10_share", "top20_share", "gini"}
    frame = pd.read_csv(retail_with_amounts, dtype={"CustomerID": str})
    per_customer = frame.dropna(subset=["CustomerID"]).groupby("CustomerID")["Amount"].sum()
    ordered = per_customer.clip(lower=0).sort_values(ascending=False)
    assert result["customers"] == len(ordered) == 1749
    top = -(-len(ordered) // 10)  # ceil(10% of 1,749) = 175
    assert result["top10_share"] == pytest.approx(ordered.iloc[:top].sum() / ordered.sum())
    assert 0 < result["top1_share"] < result["top10_share"] < result["top20_share"] < 1
    assert 0.5 < result["gini"] < 1


def test_no_dropout_reports_the_nbd_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 3,000 customers buying on Poisson days from their first purchase on, none dropping out.
    rng = np.random.default_rng(11)
    rows = []
    start = pd.Timestamp("2024-01-01")
    for customer in range(3000):
        rate = rng.gamma(1.0, 1 / 20.0)  # about one purchase in 20 days
        first = int(rng.integers(0, 60))
        days = first + np.concatenate([[0], np.cumsum(rng.exponential(1 / rate, 200))])
        for day in days[days < 365]:
            rows.append((customer, (start + pd.Timedelta(days=float(day))).date().isoformat()))
    path = tmp_path / "nbd.csv"
    pd.DataFrame(rows, columns=["customer", "day"]).to_csv(path, index=False)
    args = ["clv", "fit", str(path), "--customer-col", "customer", "--date-col", "day"]
    code, out, err = cli(monkeypatch, capsys, *args, "--horizon", "30", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["degenerate"] == "nbd"
    assert result["params"]["a"] == 0
    assert result["params"]["b"] is None  # infinite: JSON has no infinity
    assert result["params"]["r"] == pytest.approx(1.0, rel=0.25)
    assert result["forecast"]["expected_purchases"] > 0
    code, out, err = cli(monkeypatch, capsys, *args)
    assert "degenerated to the NBD: no dropout" in out
    assert "b inf" in out


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (
            "c,d,a\n1,2024-01-01,5\n",
            ["--customer-col", "klant", "--date-col", "d"],
            "error: --customer-col: no column 'klant' in the file (columns: c, d, a)",
        ),
        (
            "c,d,a\n1,2024-01-01,5\n1,2024-13-01,3\n",
            ["--customer-col", "c", "--date-col", "d"],
            "error: --date-col: line 3: cannot read '2024-13-01' as a date (give --date-format)",
        ),
        (
            "c,d,a\n1,01-02-2024,5\n1,31-02-2024,3\n",
            ["--customer-col", "c", "--date-col", "d", "--date-format", "%d-%m-%Y"],
            "error: --date-col: line 3: cannot read '31-02-2024' as a date (expected %d-%m-%Y)",
        ),
        (
            "c,d,a\n1,2024-01-01,5\n2,2024-01-03,3\n1,2024-01-01,2\n",
            ["--customer-col", "c", "--date-col", "d"],
            "error: --customer-col: no repeat buyers: every customer bought in one period only",
        ),
        (
            "c,d,a\n1,2024-01-01,5\n1,2024-01-02,five\n",
            ["--customer-col", "c", "--date-col", "d", "--amount-col", "a"],
            "error: --amount-col: line 3: 'five' is not a number",
        ),
        ("", ["--customer-col", "c", "--date-col", "d"], "error: file: "),
        ("c,d,a\n", ["--customer-col", "c", "--date-col", "d"], "error: file: "),
        (
            "c,d\n1,2024-01-01\n1,2024-01-05\n",
            ["--customer-col", "c", "--date-col", "d", "--freq", "M"],
            "error: --freq: 'M' is not D (day) or W (week)",
        ),
        (
            "c,d\n1,2024-01-01\n1,2024-01-05\n",
            ["--customer-col", "c", "--date-col", "d", "--calibration-end", "2024-02-30"],
            "error: --calibration-end: '2024-02-30' is not a date YYYY-MM-DD",
        ),
    ],
    ids=[
        "missing column", "bad date", "bad date with format", "no repeat buyers", "bad amount",
        "empty file", "header only", "bad freq", "bad calibration end",
    ],
)  # fmt: skip
def test_broken_files_give_one_line_and_exit_code_2(
    text: str,
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _write(tmp_path, "t.csv", text)
    code, out, err = cli(monkeypatch, capsys, "clv", "fit", str(path), *args, "--json")
    assert code == 2
    # Under --json the error is also a JSON object on stdout, with the same words.
    assert json.loads(out) == {"error": "invalid_input", "detail": err.strip()[len("error: ") :]}
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)
    assert "Traceback" not in err
    if not text.strip():
        assert "the first line (the header) is empty" in err
    elif text.count("\n") == 1:
        assert err.rstrip().endswith("has no rows below the header")


def test_missing_file_and_zero_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--customer-col", "c", "--date-col", "d"]
    code, _, err = cli(monkeypatch, capsys, "clv", "fit", str(tmp_path / "nope.csv"), *args)
    assert (code, err.strip()) == (2, f"error: file: {tmp_path / 'nope.csv'}: no such file")
    path = _write(tmp_path, "zero.csv", "c,a\n1,-5\n2,0\n")
    code, _, err = cli(
        monkeypatch, capsys, "value", "concentration", str(path), "--customer-col", "c",
        "--amount-col", "a",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == "error: --amount-col: the total value is zero, so there are no shares"
