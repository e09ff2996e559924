"""Reading files and cells: separators, formats, typed values and the reasons bad cells get.

No database here: these exercise ``readers``, ``convert`` and ``validate`` directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from valuecenter.errors import InvalidInput
from valuecenter.importer.convert import Formats, convert
from valuecenter.importer.entities import ENTITIES, SPECS, Column, Kind
from valuecenter.importer.readers import read_file, sniff_separator
from valuecenter.importer.validate import (
    canonical_names,
    check_columns,
    reject_duplicates,
    validate,
)


def cells(values: list[object], kind: Kind, formats: Formats | None = None, **kw: object):  # type: ignore[no-untyped-def]
    column = Column("x", kind, **kw)  # type: ignore[arg-type]
    out = convert(pd.Series(values, dtype=object), column, formats or Formats())
    return out.values.to_pylist(), out.bad.tolist(), out.problems


def test_entities_are_in_dependency_order() -> None:
    assert ENTITIES == (
        "agents",
        "customers",
        "products",
        "contracts",
        "orders",
        "queues",
        "contacts",
        "surveys",
        "consents",
        "employee_surveys",
        "campaigns",
        "campaign_members",
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17850.0", "17850"),
        (" 85123A ", "85123A"),
        ("007", "007"),
        ("1.5", "1.5"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_ids_are_trimmed_and_lose_the_float_artefact(raw: str | None, expected: str | None) -> None:
    values, bad, _ = cells([raw], Kind.ID)
    assert values == [expected]
    assert bad == [False]


def test_float_typed_ids_become_integers() -> None:
    out = convert(pd.Series([17850.0, np.nan, 12.5]), Column("x", Kind.ID), Formats())
    assert out.values.to_pylist() == ["17850", None, "12.5"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        ("y", True),
        ("Ja", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("n", False),
        ("NEE", False),
    ],
)
def test_booleans(raw: str, expected: bool) -> None:
    values, bad, _ = cells([raw], Kind.BOOL)
    assert values == [expected]
    assert bad == [False]


def test_unreadable_boolean_has_a_reason() -> None:
    values, bad, problems = cells(["maybe", "true"], Kind.BOOL)
    assert values == [None, True]
    assert bad == [True, False]
    assert problems == ["cannot read 'maybe' as yes/no (use true/false, yes/no, 1/0, ja/nee)"]


@pytest.mark.parametrize(
    ("raw", "decimal", "cents"),
    [
        ("2.55", ".", 255),
        ("0.29", ".", 29),
        ("-11062.06", ".", -1106206),
        ("3", ".", 300),
        ("2.5", ".", 250),
        ("2,55", ",", 255),
        ("1.234,56", ",", 123456),
        ("1.234.567,8", ",", 123456780),
        ("12", ",", 1200),
    ],
)
def test_money_becomes_integer_cents(raw: str, decimal: str, cents: int) -> None:
    values, bad, _ = cells([raw], Kind.MONEY, Formats(decimal=decimal))
    assert values == [cents]
    assert bad == [False]


@pytest.mark.parametrize(
    ("raw", "decimal", "problem"),
    [
        ("2.555", ".", "'2.555' has more than 2 decimals"),
        ("2,555", ",", "'2,555' has more than 2 decimals"),
        ("abc", ".", "cannot read 'abc' as an amount"),
        ("1,234.56", ".", "cannot read '1,234.56' as an amount"),
        ("1.5", ",", "cannot read '1.5' as an amount"),
    ],
)
def test_bad_money_is_rejected_with_the_reason(raw: str, decimal: str, problem: str) -> None:
    values, bad, problems = cells([raw, "1"], Kind.MONEY, Formats(decimal=decimal))
    assert values == [None, 100]
    assert bad == [True, False]
    assert problems == [problem]


def test_typed_money_and_ints() -> None:
    money = convert(pd.Series([2.55, 3.0, np.nan]), Column("x", Kind.MONEY), Formats())
    assert money.values.to_pylist() == [255, 300, None]
    ints = convert(pd.Series([3.0, 2.5]), Column("x", Kind.INT), Formats())
    assert ints.values.to_pylist() == [3, None]
    assert ints.problems == ["cannot read '2.5' as a whole number"]


def test_ints_accept_spreadsheet_floats_and_reject_words() -> None:
    values, bad, problems = cells(["6", "-3", "6.0", "+2", "six"], Kind.INT)
    assert values == [6, -3, 6, 2, None]
    assert bad == [False, False, False, False, True]
    assert problems == ["cannot read 'six' as a whole number"]


def test_dates_iso_and_with_a_format() -> None:
    values, bad, _ = cells(["2024-03-01", "2024-03-01 00:00:00", ""], Kind.DATE)
    assert values == [date(2024, 3, 1), date(2024, 3, 1), None]
    assert bad == [False, False, False]
    values, bad, problems = cells(
        ["01-03-2024", "31-02-2024"], Kind.DATE, Formats(date_format="%d-%m-%Y")
    )
    assert values == [date(2024, 3, 1), None]
    assert problems == ["cannot read '31-02-2024' as a date (expected %d-%m-%Y)"]


def test_naive_timestamps_are_in_the_given_zone_and_stored_utc() -> None:
    values, bad, _ = cells(
        ["2024-01-15 10:00:00", "2024-07-15T10:00:00"],
        Kind.TIMESTAMP,
        Formats(timezone="Europe/Amsterdam"),
    )
    assert values == [
        datetime(2024, 1, 15, 9, 0, tzinfo=UTC),  # CET = UTC+1
        datetime(2024, 7, 15, 8, 0, tzinfo=UTC),  # CEST = UTC+2
    ]
    assert bad == [False, False]


def test_timestamps_with_offsets_mixed_with_naive_ones_and_garbage() -> None:
    values, bad, problems = cells(
        ["2024-01-15T10:00:00+01:00", "2024-01-15 10:00:00", "2024-01-15T10:00:00Z", "nope"],
        Kind.TIMESTAMP,
    )
    assert values == [
        datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
        datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
        None,
    ]
    assert bad == [False, False, False, True]
    assert problems[0].startswith("cannot read 'nope' as a timestamp")


def test_timestamps_with_a_date_format() -> None:
    values, _, _ = cells(
        ["15-01-2024 10:30"],
        Kind.TIMESTAMP,
        Formats(date_format="%d-%m-%Y %H:%M", timezone="Europe/Amsterdam"),
    )
    assert values == [datetime(2024, 1, 15, 9, 30, tzinfo=UTC)]


def test_typed_timestamps_aware_and_naive() -> None:
    aware = pd.Series(pd.to_datetime(["2024-01-15 10:00"]).tz_localize("Europe/Amsterdam"))
    naive = pd.Series(pd.to_datetime(["2024-01-15 10:00"]))
    column = Column("x", Kind.TIMESTAMP)
    amsterdam = Formats(timezone="Europe/Amsterdam")
    assert convert(aware, column, Formats()).values.to_pylist() == [
        datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    ]
    assert convert(naive, column, amsterdam).values.to_pylist() == [
        datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    ]


def test_enums_are_case_insensitive_with_aliases() -> None:
    spec = SPECS["contacts"].column("channel")
    out = convert(
        pd.Series(["Phone", "SELF_SERVICE", "selfservice", "IVR", "pigeon"]), spec, Formats()
    )
    assert out.values.to_pylist() == [
        "phone",
        "self-service",
        "self-service",
        "self-service",
        None,
    ]
    assert out.problems == [
        "unknown value 'pigeon' (expected phone, chat, email, webcare, sms, fax, self-service)"
    ]


def frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def test_validate_collects_every_problem_of_a_row_with_its_column() -> None:
    data = frame(
        survey_id=["S1", "S2", "S3", "S4"],
        customer_id=["C1", "", "C1", "C1"],
        answered_at=["2024-01-01", "2024-01-01", "yesterday", "2024-01-01"],
        nps=["9", "7", "11", "x"],
    )
    v = validate(data, SPECS["surveys"], Formats())
    assert v.rejects.reasons.tolist() == [
        None,
        "customer_id is missing",
        "answered_at: cannot read 'yesterday' as a timestamp "
        "(expected ISO 8601, e.g. 2024-03-01 14:30:00); nps 11 is out of range (0–10)",
        "nps: cannot read 'x' as a whole number",
    ]


def test_duplicate_keys_reject_the_later_rows_citing_the_first_line() -> None:
    data = frame(customer_id=["C1", "C2", "C1", "C1", "C3"])
    v = validate(data, SPECS["customers"], Formats())
    reject_duplicates(v, ("customer_id",))
    assert v.rejects.reasons.tolist() == [
        None,
        None,
        "duplicate key, first seen on line 2",
        "duplicate key, first seen on line 2",
        None,
    ]


def test_too_long_values_are_rejected() -> None:
    v = validate(frame(customer_id=["X" * 65]), SPECS["customers"], Formats())
    assert v.rejects.reasons.tolist() == ["customer_id is longer than 64 characters"]


def test_headers_match_case_insensitively_and_through_the_mapping() -> None:
    spec = SPECS["orders"]
    names = canonical_names(
        [" Order_ID", "Klant", "besteld", "Product_id", "aantal", "prijs", "Extra"],
        spec,
        {
            "Klant": "customer_id",
            "besteld": "ordered_at",
            "aantal": "quantity",
            "prijs": "unit_price",
        },
    )
    assert names == {
        " Order_ID": "order_id",
        "Klant": "customer_id",
        "besteld": "ordered_at",
        "Product_id": "product_id",
        "aantal": "quantity",
        "prijs": "unit_price",
    }


def test_missing_required_column_is_one_line_naming_it_and_the_columns_found() -> None:
    spec = SPECS["orders"]
    columns = ["order_id", "ordered_at", "product_id", "quantity", "unit_price"]
    with pytest.raises(InvalidInput) as err:
        check_columns(columns, spec, canonical_names(columns, spec, {}))
    message = str(err.value)
    assert "\n" not in message
    assert "missing required column customer_id for orders" in message
    assert "columns found: order_id, ordered_at, product_id, quantity, unit_price" in message


def test_mapping_to_an_unknown_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'klant' is not a column of orders"):
        canonical_names(["a"], SPECS["orders"], {"a": "klant"})


@pytest.mark.parametrize(
    ("header", "sep"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"), ('"x;y",b,c', ",")],
)
def test_separator_sniffing(header: str, sep: str) -> None:
    assert sniff_separator(header) == sep


def test_csv_with_semicolons_and_a_bom_keeps_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes('\ufeffcustomer_id;name\n007;Bakkerij "De Zon"\n17850.0;Café\n'.encode())
    data = read_file(path)
    assert list(data.columns) == ["customer_id", "name"]
    assert data["customer_id"].tolist() == ["007", "17850.0"]
    assert data.attrs["sep"] == ";"


def test_latin1_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("customer_id,name\nC1,Caf\xe9\n".encode("latin-1"))
    assert read_file(path)["name"].tolist() == ["Café"]


def test_unreadable_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        read_file(tmp_path / "nope.csv")
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2,3\n")
    with pytest.raises(InvalidInput, match="not a valid CSV") as err:
        read_file(broken)
    assert "\n" not in str(err.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidInput, match="header"):
        read_file(empty)


def test_xlsx_sheets(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Intro", index=False)
        pd.DataFrame({"customer_id": [17850, 12], "since": [datetime(2024, 1, 2), None]}).to_excel(
            writer, sheet_name="Klanten", index=False
        )
    data = read_file(path, sheet="Klanten")
    assert data["customer_id"].tolist() == ["17850", "12"]
    assert data["since"].tolist()[0] == "2024-01-02 00:00:00"
    assert read_file(path)["x"].tolist() == ["1"]
    with pytest.raises(InvalidInput, match=r"no sheet 'Nope'.*Intro, Klanten"):
        read_file(path, sheet="Nope")


def test_parquet_keeps_types(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pd.DataFrame({"product_id": ["A"], "list_price": [2.55]}).to_parquet(path)
    data = read_file(path)
    assert pa.types.is_floating(pa.array(data["list_price"]).type)


def _dirty_orders() -> pd.DataFrame:
    return frame(
        order_id=["O1", " O1 ", "O2", "", "O3", "O3", "O4"],
        customer_id=["C1", "C1", "C2", "C3", "C4\u00a0", "'=C4", "C5"],
        ordered_at=[
            "2024-01-01",
            "2024-01-01",
            "yesterday",
            "2024-01-02",
            "",
            "2024-01-03",
            "0026-01-01",
        ],
        product_id=["P1", "P2.0", "P3", "P4", "P5", "P6", ""],
        quantity=["1", "x", "2", "3", "4", "99999999999", "5"],
        unit_price=["1.00", "2.001", "0.00001", "abc", "1", "1", "1"],
        currency=["eur", "EUR", " ", "EURO", "EUR", "EUR", "EUR"],
    )


def test_columns_checked_in_threads_give_the_reasons_of_one_after_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Large inputs check their columns in threads (``validate.PARALLEL_ROWS``): the same
    values and the same reasons in the same order, in the caller's language."""
    from valuecenter.i18n import use_locale
    from valuecenter.importer import validate as validate_module

    for locale in ("en", "nl"):
        with use_locale(locale):
            alone = validate(_dirty_orders(), SPECS["orders"], Formats())
            monkeypatch.setattr(validate_module, "PARALLEL_ROWS", 1)
            threaded = validate(_dirty_orders(), SPECS["orders"], Formats())
            monkeypatch.undo()
        assert threaded.rejects.reasons.tolist() == alone.rejects.reasons.tolist()
        assert threaded.rejects.bad.tolist() == alone.rejects.bad.tolist()
        assert {k: a.to_pylist() for k, a in threaded.values.items()} == {
            k: a.to_pylist() for k, a in alone.values.items()
        }
        assert alone.rejects.bad.tolist() == [False, True, True, True, True, True, True]
    assert threaded.codes("order_id").tolist() == alone.codes("order_id").tolist()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (["a", "b"], True),
        ([None, "b"], True),
        ([None, None], True),
        ([], True),
        ([" a", "b"], False),
        (["a", "b\t"], False),
        (["a", ""], False),
        (["'=x", "b"], False),
        (["a\u00a0", "b"], False),  # a no-break space is trimmed too
        (["x\x1c"], False),  # so is an ASCII separator control
        (["Café"], False),  # a non-ASCII edge: the full path decides (nothing to trim)
    ],
)
def test_the_clean_text_shortcut_only_skips_columns_with_nothing_to_clean(
    raw: list[str | None], clean: bool
) -> None:
    from valuecenter.importer.convert import already_clean, clean_text

    arr = pa.array(raw, type=pa.string())
    assert already_clean(arr) is clean
    expected = [
        None if v is None else (v[1:] if v.startswith("'=") else v.strip()) or None for v in raw
    ]
    assert clean_text(arr).to_pylist() == expected
    assert already_clean(pa.array(["  x", "y", " z"]).slice(1, 1))  # a slice reads its own cells
