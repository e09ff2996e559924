"""The real export: three months of the UCI Online Retail data set (tests/fixtures/importer,
SOURCE.txt there: Chen, Sain & Guo 2012, CC BY 4.0) through ``valuecenter import orders``.

Every expected figure is computed here with pandas from the file itself, and the literals
from SOURCE.txt are asserted too.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import FIXTURES
from valuecenter.cli.main import main
from valuecenter.customers.models import Customer
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

RETAIL = FIXTURES / "importer" / "online_retail_2010-12_to_2011-02.csv"
MAPS = {
    "InvoiceNo": "order_id",
    "StockCode": "product_id",
    "Description": "product_name",
    "Quantity": "quantity",
    "InvoiceDate": "ordered_at",
    "UnitPrice": "unit_price",
    "CustomerID": "customer_id",
    "Country": "country",
}


def run_import(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    args = ["valuecenter", "import", "orders", str(path), "--create-customers", "--json"]
    for source, target in MAPS.items():
        args += ["--map", f"{source}={target}"]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    assert done.value.code == 0, out.err
    result: dict[str, object] = json.loads(out.out)
    return result


@pytest.mark.slow
def test_online_retail_export(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / RETAIL.name
    shutil.copy(RETAIL, path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    blank = raw["CustomerID"].str.strip() == ""
    good = raw[~blank]
    expected_rejected = int(blank.sum())
    assert (len(raw), expected_rejected) == (105_335, 36_210)  # SOURCE.txt
    customers = good["CustomerID"].str.replace(r"\.0$", "", regex=True)
    cents = (good["UnitPrice"].astype(float) * 100).round().astype("int64")
    expected_value = int((good["Quantity"].astype("int64") * cents).sum())

    result = run_import(path, monkeypatch, capsys)
    assert result["read"] == 105_335
    assert result["rejected"] == expected_rejected
    assert result["inserted"] == 105_335 - expected_rejected == 69_125
    assert (result["updated"], result["unchanged"]) == (0, 0)
    assert result["created"] == {
        "customers": customers.nunique(),
        "products": good["StockCode"].nunique(),
    }
    assert result["created"] == {"customers": 1_749, "products": 2_776}  # SOURCE.txt
    rejected_file = path.with_name(f"{path.stem}.rejected.csv")
    assert result["rejected_file"] == str(rejected_file)
    rejected = pd.read_csv(rejected_file, dtype=str, keep_default_na=False)
    assert set(rejected["reason"]) == {"customer_id is missing"}
    expected_lines = (blank[blank].index + 2).tolist()  # the header is line 1
    assert rejected["line"].astype(int).tolist() == expected_lines
    assert rejected.columns.tolist() == ["line", "reason", *raw.columns]

    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == good["InvoiceNo"].nunique()
        assert s.scalar(select(func.count()).select_from(Customer)) == customers.nunique()
        assert s.scalar(select(func.count()).select_from(Product)) == good["StockCode"].nunique()
        value = s.scalar(select(func.sum(OrderLine.total_cents)))
        assert value == expected_value
        assert s.scalar(select(func.count()).where(OrderLine.quantity < 0)) == int(
            (good["Quantity"].astype(int) < 0).sum()
        )
        assert s.scalar(select(Customer.external_id).where(Customer.external_id == "17850"))

    again = run_import(path, monkeypatch, capsys)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 69_125)
    assert again["rejected"] == expected_rejected
    assert again["created"] == {}
    again_rejected = pd.read_csv(rejected_file, dtype=str, keep_default_na=False)
    assert again_rejected["line"].astype(int).tolist() == expected_lines
