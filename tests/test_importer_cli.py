"""``valuecenter import``: JSON output, the rejected file, formats, and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli as cli
from tests.conftest import FIXTURES
from valuecenter.orders.models import Order, OrderLine

KEYS = {
    "entity", "read", "inserted", "updated", "unchanged", "rejected", "rejected_file", "seconds",
    "created",
}  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


CUSTOMERS = "customer_id,name,kind\nC1,Bakkerij,b2b\nC2,Slagerij,wholesale\n,Naamloos,b2c\n"


def test_json_output_rejected_file_and_reimport(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "customers.csv", CUSTOMERS + "C3,Garage,b2b\n")
    code, out, err = cli(monkeypatch, capsys, "import", "customers", str(path), "--json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert set(result) >= KEYS
    assert (result["read"], result["inserted"], result["rejected"]) == (4, 2, 2)
    rejected_file = tmp_path / "customers.rejected.csv"
    assert result["rejected_file"] == str(rejected_file)
    rejected = pd.read_csv(rejected_file, dtype=str, keep_default_na=False)
    assert rejected.columns.tolist() == ["line", "reason", "customer_id", "name", "kind"]
    assert rejected[["line", "reason"]].values.tolist() == [
        ["3", "kind: unknown value 'wholesale' (expected b2b, b2c)"],
        ["4", "customer_id is missing"],
    ]
    # Fixed file: the stale rejected file goes, and the unchanged rows are counted as such.
    write(path, "customer_id,name,kind\nC1,Bakkerij,b2b\nC2,Slagerij,b2c\nC3,Garage,b2b\n")
    code, out, _ = cli(monkeypatch, capsys, "import", "customers", str(path), "--json")
    again = json.loads(out)
    assert (again["inserted"], again["updated"], again["unchanged"], again["rejected"]) == (
        1,
        0,
        2,
        0,
    )
    assert again["rejected_file"] is None
    assert not rejected_file.exists()


def test_plain_output_says_loading_on_stderr(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.csv", CUSTOMERS)
    code, out, err = cli(monkeypatch, capsys, "import", "customers", str(path))
    assert code == 0
    assert out.startswith("customers: read 3 · inserted 1 · updated 0 · unchanged 0 · rejected 2")
    assert "import: loading customers: 3 rows… · " in err
    assert "import: committing… · " in err


def test_dutch_export_with_options(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "orders_nl.csv"
    shutil.copy(FIXTURES / "importer" / "orders_nl.csv", path)
    maps = [
        "Ordernummer=order_id", "Klantnummer=customer_id", "Besteldatum=ordered_at",
        "Artikel=product_id", "Omschrijving=product_name", "Aantal=quantity",
        "Stukprijs=unit_price", "Valuta=currency",
    ]  # fmt: skip
    args = ["import", "orders", str(path), "--sep", ";", "--decimal", ",", "--create-customers"]
    args += ["--date-format", "%d-%m-%Y %H:%M", "--timezone", "Europe/Amsterdam", "--json"]
    for m in maps:
        args += ["--map", m]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    result = json.loads(out)
    assert (result["inserted"], result["rejected"]) == (3, 2)
    assert result["created"] == {"customers": 2, "products": 2}
    rejected = pd.read_csv(path.with_name("orders_nl.rejected.csv"), sep=";", dtype=str)
    assert rejected.columns.tolist()[:3] == ["line", "reason", "Ordernummer"]
    assert rejected["reason"].tolist() == [
        "ordered_at: cannot read '31-02-2024 09:00' as a timestamp (expected %d-%m-%Y %H:%M)",
        "unit_price: '2,55555' has more than 4 decimals",
    ]
    with sessions() as s:
        assert s.scalar(select(func.sum(OrderLine.total_cents))) == (2 * 255 + 123450 - 255)
        stamps = dict(s.execute(select(Order.external_id, Order.ordered_at)).all())
        assert stamps["2024-001"].isoformat() == "2024-01-15T09:30:00+00:00"  # CET
        assert stamps["2024-002"].isoformat() == "2024-07-15T07:00:00+00:00"  # CEST
        assert set(s.scalars(select(Order.currency))) == {"EUR"}


def test_xlsx_and_parquet(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "products.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"about": ["export"]}).to_excel(writer, sheet_name="Info", index=False)
        pd.DataFrame({"Code": [1001, 1002], "Prijs": [2.5, 3.75]}).to_excel(
            writer, sheet_name="Artikelen", index=False
        )
    args = ["import", "products", str(book), "--sheet", "Artikelen", "--json"]
    args += ["--map", "Code=product_id", "--map", "Prijs=list_price"]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert json.loads(out)["inserted"] == 2
    parquet = tmp_path / "products.parquet"
    pd.DataFrame({"product_id": ["1001", "1003"], "list_price": [2.5, 1.0]}).to_parquet(parquet)
    code, out, err = cli(monkeypatch, capsys, "import", "products", str(parquet), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["inserted"], result["unchanged"]) == (1, 1)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["import", "order", "{file}"], 2, "unknown entity 'order' (one of: agents, customers"),
        (["import", "orders", "{dir}/nope.csv"], 2, "nope.csv: no such file"),
        (["import", "customers", "{file}", "--map", "x"], 2, "--map: 'x' is not SOURCE=COLUMN"),
        (["import", "customers", "{file}", "--decimal", ";"], 2, "--decimal: ';' is not"),
        (["import", "customers", "{file}", "--timezone", "Mars/Base"], 2, "unknown time zone"),
        (
            ["import", "orders", "{file}"],
            2,
            "missing required columns order_id, ordered_at, product_id, quantity, unit_price "
            "for orders (columns found: customer_id, name, kind)",
        ),
    ],
)
def test_errors_are_one_line_and_load_nothing(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    path = write(tmp_path / "c.csv", CUSTOMERS)
    filled = [a.format(file=path, dir=tmp_path) for a in args]
    got, out, err = cli(monkeypatch, capsys, *filled)
    assert got == code
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_unmigrated_database_says_upgrade(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", CUSTOMERS)
    result = subprocess.run(
        [sys.executable, "-m", "valuecenter", "import", "customers", str(path)],
        capture_output=True,
        text=True,
        env={"VALUECENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "PATH": ""},
        timeout=120,
        check=False,
    )
    assert result.returncode == 6
    assert result.stderr.strip().splitlines() == [
        "error: the database schema is empty: run `valuecenter db upgrade`"
    ]
