"""The import's quarantine file in the user's language: ``FILE.rejected.csv``'s headers and
reasons (cell problems, missing values, ranges, duplicates, unknown references) follow the CLI
language, and so do the do-not-call register's rejected lines. The file's own columns keep
their names, and the summary counts do not depend on the language."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from valuecenter.cli.main import main

CUSTOMERS = (
    "customer_id,name,kind\nC1,Bakkerij,b2b\nC2,Slagerij,wholesale\n,Naamloos,b2c\nC1,Dubbel,b2b\n"
)
ORDERS = (
    "order_id,customer_id,ordered_at,product_id,quantity,unit_price\n"
    "O1,C1,2026-01-05,P1,2,10.00\n"
    "O2,C9,2026-01-06,P1,1,5.00\n"
    "O3,C1,05/01/2026,P1,x,1.23456\n"
)

EXPECTED = {
    "nl": {
        "header": ["regel", "reden", "customer_id", "name", "kind"],
        "customers": [
            ["3", "kind: onbekende waarde 'wholesale' (verwacht: b2b, b2c)"],
            ["4", "customer_id ontbreekt"],
            ["5", "dubbele sleutel, eerst gezien op regel 2"],
        ],
        "orders": [
            ["3", "onbekende klant 'C9'"],
            [
                "4",
                "ordered_at: '05/01/2026' is niet te lezen als tijdstip (verwacht: ISO 8601, bv. "
                "2024-03-01 14:30:00); quantity: 'x' is niet te lezen als geheel getal; "
                "unit_price: '1.23456' heeft meer dan 4 decimalen",
            ],
        ],
        "register": [
            ["regel", "waarde", "reden"],
            ["3", "", "leeg nummer"],
            ["4", "abc", "geen telefoonnummer (nationale nummers gelezen als NL)"],
            ["5", "2024-13-01", "registered_on is geen datum (JJJJ-MM-DD)"],
        ],
    },
    "en": {
        "header": ["line", "reason", "customer_id", "name", "kind"],
        "customers": [
            ["3", "kind: unknown value 'wholesale' (expected b2b, b2c)"],
            ["4", "customer_id is missing"],
            ["5", "duplicate key, first seen on line 2"],
        ],
        "orders": [
            ["3", "unknown customer 'C9'"],
            [
                "4",
                "ordered_at: cannot read '05/01/2026' as a timestamp (expected ISO 8601, e.g. "
                "2024-03-01 14:30:00); quantity: cannot read 'x' as a whole number; "
                "unit_price: '1.23456' has more than 4 decimals",
            ],
        ],
        "register": [
            ["line", "value", "reason"],
            ["3", "", "empty number"],
            ["4", "abc", "not a phone number (national numbers read as NL)"],
            ["5", "2024-13-01", "registered_on is not a date (YYYY-MM-DD)"],
        ],
    },
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    with pytest.raises(SystemExit) as done:
        main([*args, "--json"])
    out = capsys.readouterr()
    assert done.value.code in (0, None), out.err
    result: dict[str, object] = json.loads(out.out)
    return result


def _lines(path: Path) -> list[list[str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [frame.columns.tolist(), *frame.values.tolist()]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_rejected_file_speaks_the_language(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    want = EXPECTED[lang]
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    result = _run(capsys, "--lang", lang, "import", "customers", str(customers))
    assert (result["inserted"], result["rejected"]) == (1, 3)
    rejected = _lines(tmp_path / "customers.rejected.csv")
    assert rejected[0] == want["header"]
    assert [row[:2] for row in rejected[1:]] == want["customers"]
    assert rejected[1][2:] == ["C2", "Slagerij", "wholesale"]  # the file's own cells

    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    result = _run(capsys, "--lang", lang, "import", "orders", str(orders))
    assert result["rejected"] == 2
    rejected = _lines(tmp_path / "orders.rejected.csv")
    assert rejected[0][:2] == want["header"][:2]
    assert [row[:2] for row in rejected[1:]] == want["orders"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_register_rejected_file_speaks_the_language(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    register = tmp_path / "dnc.csv"
    register.write_text(
        "number,registered_on\n0612345678,\n,2024-01-01\nabc,\n0687654321,2024-13-01\n",
        encoding="utf-8",
    )
    result = _run(capsys, "--lang", lang, "consent", "dnc", "import", str(register))
    assert (result["read"], result["added"], result["rejected"]) == (4, 1, 3)
    assert _lines(tmp_path / "dnc.csv.rejected.csv") == EXPECTED[lang]["register"]
