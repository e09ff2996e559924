"""Hostile values (issue 17): integers past 64 bits, days as numbers, dates far in the future
or past, unknown or repeated parameters and spreadsheet formulas never reach a 500 or a
spreadsheet; each gets a one-line 422 (API and pages) or a rejected row (importer)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import World, bearer, login, make_client
from valuecenter import csv_export
from valuecenter.bounds import ID_MAX, row_offset
from valuecenter.consent import service as consent_service
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import Customer
from valuecenter.db.uow import unit_of_work
from valuecenter.importer.service import ImportOptions, import_file, import_frame
from valuecenter.orders.models import Order

HUGE = "99999999999999999999"  # > 2^64


@pytest.fixture
def api(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url, page_size_max=77) as client:
        client.headers.update(bearer(world.tokens["manager"]))
        yield client


def _detail(response: Any) -> str:
    return str(response.json()["detail"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/v1/customers?page={HUGE}", None),
        ("GET", f"/api/v1/customers/{HUGE}", None),
        ("GET", f"/api/v1/customers/export.csv?page={HUGE}", None),
        ("POST", f"/api/v1/alerts/{HUGE}/handle", {"outcome": "no-contact"}),
        ("GET", f"/api/v1/alerts?page={HUGE}", None),
        ("GET", f"/api/v1/retention/cases?page={HUGE}", None),
        ("GET", f"/api/v1/retention/renewals?page={HUGE}", None),
        ("POST", f"/api/v1/retention/cases/{HUGE}/outcome", {"outcome": "kept"}),
        ("POST", f"/api/v1/decisions/{HUGE}/responses", {"action_id": 1, "outcome": "accepted"}),
        ("POST", "/api/v1/decisions", {"customer_id": int(HUGE), "channel": "phone"}),
        ("POST", "/api/v1/decisions", {"customer_id": ID_MAX + 1, "channel": "phone"}),
        ("POST", "/api/v1/decisions", {"customer_id": "1", "channel": "phone"}),
        ("POST", "/api/v1/decisions", {"customer_id": True, "channel": "phone"}),
        (
            "POST",
            "/api/v1/decisions",
            {"customer_id": 1, "channel": "phone", "context": {"wait_seconds": False}},
        ),
        (
            "POST",
            f"/api/v1/customers/{HUGE}/consents",
            {"purpose": "marketing", "channel": "phone", "granted": True, "source": "call"},
        ),
        (
            "POST",
            "/api/v1/customers/1/consents",
            {"purpose": "marketing", "channel": "phone", "granted": 0, "source": "call"},
        ),
        ("GET", "/api/v1/customers?page_size=78", None),  # the setting's maximum is 77
        ("GET", "/api/v1/customers?page=0", None),
    ],
)
def test_out_of_range_or_mistyped_numbers_are_422(
    api: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"


def test_the_largest_page_is_an_empty_page(api: TestClient) -> None:
    for path in ("/api/v1/customers", "/api/v1/alerts", "/api/v1/retention/cases"):
        response = api.get(path, params={"page": ID_MAX, "page_size": 77})
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []
    assert row_offset(ID_MAX, 10**12) == 2**63 - 1  # never an OFFSET the database cannot bind


@pytest.mark.parametrize(
    "query",
    ["since=0", "until=0", "since=20261101", "until=1.5", "since=2026-11-01T00:00:00"],
)
def test_days_are_iso_dates_only(api: TestClient, query: str) -> None:
    for path in ("/api/v1/retention/ledger", "/api/v1/retention/ledger/export.csv"):
        response = api.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query, response.text)
    if query.startswith("since"):
        assert api.get(f"/api/v1/alerts/market-dips?{query}").status_code == 422


def test_until_at_or_before_since_is_an_empty_period(api: TestClient) -> None:
    for until in ("2026-11-01", "2026-10-31"):
        response = api.get(f"/api/v1/retention/ledger?since=2026-11-01&until={until}")
        assert response.status_code == 200, response.text
        assert response.json()["total"]["cases"] == 0
        # the export too (it used to fail after the download had started: a broken file)
        export = api.get(f"/api/v1/retention/ledger/export.csv?since=2026-11-01&until={until}")
        assert export.status_code == 200
        assert export.text.splitlines()[-1].startswith("total")


def test_unknown_and_repeated_query_parameters_are_422(api: TestClient) -> None:
    typo = api.get("/api/v1/alerts?pagesize=10")
    assert typo.status_code == 422
    assert _detail(typo) == "pagesize: unknown parameter"
    twice = api.get("/api/v1/alerts?status=open&status=all")
    assert twice.status_code == 422
    assert _detail(twice) == "status: given more than once"
    fast = api.post("/api/v1/decisions?x=1", json={"customer_id": 1, "channel": "phone"})
    assert fast.status_code == 422
    assert _detail(fast) == "x: unknown parameter"


def test_a_wrong_method_names_every_method_of_the_path(api: TestClient) -> None:
    response = api.request("TRACE", "/api/v1/retention/cases")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert api.request("PUT", "/api/v1/decisions").headers["Allow"] == "POST"


def test_the_decision_api_says_401_before_it_reads_the_body(api: TestClient) -> None:
    response = api.post("/api/v1/decisions", json={"customer_id": 0}, headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_openapi_document_names_every_answer(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"200", "401", "503"} <= set(me)
    decide = schema["paths"]["/api/v1/decisions"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "413", "422", "503"} <= set(decide)
    assert "Retry-After" in decide["503"]["headers"]
    assert decide["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    listing = schema["paths"]["/api/v1/customers"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["page_size"]["maximum"] == 77  # the setting the list enforces
    assert (params["page"]["minimum"], params["page"]["maximum"]) == (1, ID_MAX)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    one = schema["paths"]["/api/v1/customers/{customer_id}"]["get"]["parameters"][0]
    assert one["schema"]["maximum"] == ID_MAX


# --- the pages (not in the OpenAPI document): the same bounds -----------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/customers?page={HUGE}"),
        ("GET", f"/customers/{HUGE}"),
        ("GET", f"/customers/{HUGE}/nba"),
        ("GET", f"/alerts?page={HUGE}"),
        ("GET", f"/retention/desk?page={HUGE}"),
        ("GET", f"/retention/renewals?page={HUGE}"),
        ("GET", "/retention/ledger?since=0"),
        ("GET", "/retention/ledger/export.csv?until=0"),
        ("POST", f"/alerts/{HUGE}/handle"),
        ("POST", f"/retention/desk/{HUGE}/outcome"),
        ("POST", f"/customers/1/nba/{HUGE}/responses"),
    ],
)
def test_pages_refuse_out_of_range_numbers_and_days(
    db_url: str, world: World, method: str, path: str
) -> None:
    with make_client(db_url) as client:
        login(client, "manager")
        response = client.request(method, path, follow_redirects=False)
    # 422 with the page's message (a form without its CSRF token may be refused first: 403)
    assert response.status_code in (422, 403), response.text
    if method == "GET":
        assert response.status_code == 422
        assert "Please check your input" in response.text


def test_pages_show_the_largest_page_empty(db_url: str, world: World) -> None:
    with make_client(db_url) as client:
        login(client, "manager")
        for path in ("/customers", "/alerts", "/retention/desk"):
            assert client.get(f"{path}?page={ID_MAX}").status_code == 200, path
        for until in ("2026-11-01", "2026-10-01"):
            period = f"since=2026-11-01&until={until}"
            assert client.get(f"/retention/ledger?{period}").status_code == 200
            assert client.get(f"/retention/ledger/export.csv?{period}").status_code == 200


# --- the importer: dates within a window ---------------------------------------------------


def _orders(*stamps: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "order_id": f"O{i}",
                "customer_id": "C1",
                "ordered_at": stamp,
                "product_id": "P1",
                "quantity": "1",
                "unit_price": "2.50",
            }
            for i, stamp in enumerate(stamps, start=1)
        ],
        dtype=object,
    )


def test_the_importer_refuses_dates_outside_1900_to_the_horizon(
    sessions: sessionmaker[Session],
) -> None:
    today = datetime.now(UTC).date()
    soon = (today + timedelta(days=300)).isoformat()
    late = (today + timedelta(days=400)).isoformat()
    horizon = (today + timedelta(days=365)).isoformat()
    frame = _orders(
        "2024-01-15 10:00", "9999-12-31 23:59", "1899-12-31 10:00", f"{soon} 09:00", late
    )
    with unit_of_work(sessions) as session:
        result, rejected = import_frame(
            session, "orders", frame, options=ImportOptions(create_customers=True)
        )
    assert (result.inserted, result.rejected) == (2, 3)
    assert rejected[["line", "reason"]].values.tolist() == [
        [3, f"ordered_at 9999-12-31 is not between 1900-01-01 and {horizon}"],
        [4, f"ordered_at 1899-12-31 is not between 1900-01-01 and {horizon}"],
        [6, f"ordered_at {late} is not between 1900-01-01 and {horizon}"],
    ]
    with sessions() as s:
        assert sorted(s.scalars(select(Order.external_id))) == ["O1", "O4"]
    # The horizon is a setting (VALUECENTER_IMPORT_HORIZON_DAYS): 500 days takes the last one.
    with unit_of_work(sessions) as session:
        result, _rejected = import_frame(
            session, "orders", _orders(late), options=ImportOptions(horizon_days=500)
        )
    assert (result.inserted + result.updated, result.rejected) == (1, 0)


def test_a_planned_end_may_lie_years_ahead_but_not_in_9999(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        session.add(Customer(external_id="C1", name="Bakkerij"))
    ahead = date.today().replace(year=date.today().year + 3, day=1).isoformat()
    frame = pd.DataFrame(
        [
            {"contract_id": "K1", "customer_id": "C1", "plan": "Lease", "monthly_fee": "10",
             "start_date": "2026-01-01", "end_date": ahead},
            {"contract_id": "K2", "customer_id": "C1", "plan": "Lease", "monthly_fee": "10",
             "start_date": "2026-01-01", "end_date": "9999-12-31"},
        ],
        dtype=object,
    )  # fmt: skip
    with unit_of_work(sessions) as session:
        result, rejected = import_frame(session, "contracts", frame)
    assert (result.inserted, result.rejected) == (1, 1)
    assert str(rejected["reason"].iloc[0]).startswith("end_date 9999-12-31 is not between")
    with sessions() as s:
        assert [c.end_date.isoformat() for c in s.scalars(select(Contract))] == [ahead]  # type: ignore[union-attr]


# --- every CSV the product writes neutralises formulas --------------------------------------

FORMULA = '=HYPERLINK("http://x.example","click")'


def test_the_rejected_file_neutralises_formulas_and_reads_back_as_it_was(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,name,kind\n"
        f'C1,"{FORMULA.replace(chr(34), chr(34) * 2)}",nonsense\n'
        "C2,@SUM(A1),b2b\n"
        "-5,+31 6 1234,nonsense\n",
        encoding="utf-8",
    )
    with unit_of_work(sessions) as session:
        result = import_file(session, "customers", path)
    assert (result.inserted, result.rejected) == (1, 2)
    with (tmp_path / "customers.rejected.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["line", "reason", "customer_id", "name", "kind"]
    assert rows[1][3] == "'" + FORMULA
    assert rows[2][2:] == ["'-5", "'+31 6 1234", "nonsense"]  # text, so neutralised too
    assert rows[1][0] == "2"  # the line number is a number: as it is
    # Fixed and imported again as it is, the cells read as they were in the first file.
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(
        (tmp_path / "customers.rejected.csv")
        .read_text(encoding="utf-8")
        .replace("nonsense", "b2c"),
        encoding="utf-8",
    )
    frame = pd.read_csv(fixed, dtype=str).drop(columns=["line", "reason"])
    with unit_of_work(sessions) as session:
        again, _rejected = import_frame(session, "customers", frame)
    assert (again.inserted, again.rejected) == (2, 0)
    with sessions() as s:
        names = dict(s.execute(select(Customer.external_id, Customer.name)).all())
    assert names["C1"] == FORMULA
    assert names["-5"] == "+31 6 1234"


def test_the_do_not_call_rejected_file_neutralises_formulas(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "register.csv"
    path.write_text("number\n=1+1\n+31201234567\n", encoding="utf-8")
    with unit_of_work(sessions) as session:
        consent_service.import_register(session, path, source="test")
    text = (tmp_path / "register.csv.rejected.csv").read_text(encoding="utf-8")
    assert "'=1+1" in text
    assert "\n=1+1" not in text
    assert ",=1+1" not in text


def test_frames_written_by_the_cli_are_neutralised() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["=cmd|' /C calc'!A0", "C2", "-1"], "score": [0.5, -0.25, 1.0]}
    )
    out = csv_export.neutralised_frame(frame)
    assert out["customer_id"].tolist() == ["'=cmd|' /C calc'!A0", "C2", "'-1"]
    assert out["score"].tolist() == [0.5, -0.25, 1.0]  # numbers stay numbers
    assert frame["customer_id"].iloc[0].startswith("=")  # a copy
    assert csv_export.neutralised_row([3, "@x", None, "\tx"]) == [3, "'@x", None, "'\tx"]
