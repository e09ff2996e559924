"""Every list a manager sees exports to CSV (issue 16): customers, alerts, save desk, renewals
and the save-value ledger, on every backend. Each export has the page's filters and order,
streams the whole list (not one page), respects the account manager's pool, writes its headers
through gettext, and neutralises text a spreadsheet would run as a formula — all through the
one writer of ``csv_export.py``. Each page links to its export with its current filters."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_alerts import ALERTS, ALL_OPEN, OWN_OPEN, add_alerts
from tests.test_web_renewals import add_run
from tests.test_web_retention_pages import Cases, cases  # noqa: F401  (the fixture)
from tests.web_fixtures import World, add_score_run, bearer, login, make_client
from valuecenter import csv_export
from valuecenter.customers.models import Customer, CustomerKind
from valuecenter.db.base import utcnow
from valuecenter.i18n import use_locale
from valuecenter.retention.desk import service as desk
from valuecenter.retention.desk.export import ledger_header, ledger_values
from valuecenter.retention.desk.ledger import ledger
from valuecenter.users.models import User

FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _table(response: Response) -> list[list[str]]:
    """The downloaded CSV's rows (header first), after checking it is a CSV download."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="[a-z-]+-\d{8}\.csv"', disposition)
    assert response.text.startswith(csv_export.BOM)
    return list(csv.reader(io.StringIO(response.text.removeprefix(csv_export.BOM))))


def _column(table: list[list[str]], name: str) -> list[str]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


# --- the one writer ---


def test_the_writer_neutralises_formulas_and_keeps_numbers() -> None:
    rows = [
        ["=1+1", "+31 6 1234", "-5", "@SUM(A1)", "\tx", "\r=x", "plain", "a=b"],
        [-1250, Decimal("-12.50"), 0.25, None, True, csv_export.cents(-123456), "", "'quoted"],
    ]
    text = "".join(csv_export.csv_text(["=Header", "b", "c", "d", "e", "f", "g", "h"], rows))
    assert text.startswith(csv_export.BOM)
    header, first, second = csv.reader(io.StringIO(text.removeprefix(csv_export.BOM)))
    assert header[0] == "'=Header"
    assert first == ["'=1+1", "'+31 6 1234", "'-5", "'@SUM(A1)", "'\tx", "'\r=x", "plain", "a=b"]
    assert second == ["-1250", "-12.50", "0.25", "", "yes", "-1234.56", "", "'quoted"]
    assert text.count("\r\n") == 3  # one line per row, Excel's line ends


def test_the_writer_streams_in_chunks_that_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_export, "ROWS_PER_CHUNK", 3)
    rows = [[i, f"name {i}"] for i in range(10)]
    chunks = list(csv_export.csv_text(["n", "name"], iter(rows)))
    assert len(chunks) == 1 + 4  # the header, then 3 + 3 + 3 + 1 rows
    table = list(csv.reader(io.StringIO("".join(chunks).removeprefix(csv_export.BOM))))
    assert table[1:] == [[str(i), f"name {i}"] for i in range(10)]


# --- customers ---


def _many_customers(sessions: sessionmaker[Session], world: World, n: int) -> None:
    """``n`` more customers of the account manager's pool (more than a page), the first one
    named like a formula."""
    with sessions() as session:
        assert world.own_pool is not None
        for i in range(n):
            session.add(
                Customer(
                    external_id=f"X{i:04d}",
                    name=FORMULA if i == 0 else f"Extra {i:04d}",
                    country="NL",
                    kind=CustomerKind.B2B,
                    account_manager_id=world.own_pool.id,
                )
            )
        session.commit()


def test_customers_export_the_whole_filtered_list_in_the_pages_order(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    _many_customers(sessions, world, 40)  # the page shows 25
    login(client, "manager")
    table = _table(client.get("/customers/export.csv"))
    assert table[0][:3] == ["Customer number", "Customer", "Kind"]
    assert len(table) - 1 == 46
    names = dict(zip(_column(table, "Customer number"), _column(table, "Customer"), strict=True))
    assert names["X0000"] == "'" + FORMULA  # neutralised
    assert names["C1002"] == "Café Zonneveld"
    be = _table(client.get("/customers/export.csv", params={"country": "BE"}))
    assert _column(be, "Customer number") == ["C2002", "C2001"]
    found = _table(client.get("/customers/export.csv", params={"q": "extra 003"}))
    assert len(found) - 1 == 10  # X0030..X0039
    page = client.get("/customers", params={"country": "BE", "page": 1}).text
    assert 'href="/customers/export.csv?country=BE"' in page


def test_customers_export_respects_the_pool(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    _many_customers(sessions, world, 3)
    login(client, "account-manager")
    table = _table(client.get("/customers/export.csv"))
    numbers = set(_column(table, "Customer number"))
    assert numbers == {"C1001", "C1002", "C1003", "X0000", "X0001", "X0002"}
    assert set(_column(table, "Account manager")) == {"AM01"}


def _value_and_risk(sessions: sessionmaker[Session], world: World) -> None:
    """The open alerts of ``add_alerts`` (highest open risk: C2002 0.9, C1002 0.8, C1003 0.7
    with two alerts, C1001 0.5; C2001 and D9001 none) and a later score run: C1001 'grow' at
    EUR 5,000, C2001 'keep' at EUR 12,000, the rest unscored."""
    with sessions() as session:
        add_alerts(session, world)
        add_score_run(
            session,
            world,
            "score-export",
            {"C1001": ("grow", 500_000), "C2001": ("keep", 1_200_000)},
        )
        session.commit()


def test_customers_export_follows_the_pages_sort_and_open_alerts_filter(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    _value_and_risk(sessions, world)
    login(client, "manager")
    by_risk = _table(client.get("/customers/export.csv", params={"sort": "risk"}))
    numbers = ["C2002", "C1002", "C1003", "C1001", "C2001", "D9001"]
    assert _column(by_risk, "Customer number") == numbers
    assert _column(by_risk, "Risk") == ["0.9", "0.8", "0.7", "0.5", "", ""]
    assert _column(by_risk, "Open alerts") == ["1", "1", "2", "1", "0", "0"]
    by_clv = _table(client.get("/customers/export.csv", params={"sort": "clv"}))
    assert _column(by_clv, "Customer number")[:3] == ["C2001", "C1001", "C2002"]
    assert _column(by_clv, "CLV (EUR)")[:3] == ["12000.00", "5000.00", ""]
    by_segment = _table(client.get("/customers/export.csv", params={"sort": "value-segment"}))
    assert _column(by_segment, "Value segment")[:3] == ["grow", "keep", ""]
    # The page's CSV link carries its sort and filter, and the file lists the page's rows.
    params = {"sort": "risk", "alerts": "open", "country": "NL"}
    page = client.get("/customers", params=params).text
    assert 'href="/customers/export.csv?sort=risk&amp;alerts=open&amp;country=NL"' in page
    shown = re.findall(r'<td class="mono">(C\d+)</td>', page)
    linked = _table(client.get("/customers/export.csv", params=params))
    assert _column(linked, "Customer number") == shown == ["C1002", "C1001"]
    wrong = client.get("/customers/export.csv", params={"sort": "mood"})
    assert wrong.status_code == 422  # the error page, before any file starts
    assert "mood&#39; is not one of name, value-segment, clv, risk" in wrong.text
    login(client, "account-manager")  # his pool only
    own = _table(client.get("/customers/export.csv", params={"alerts": "open", "sort": "risk"}))
    assert _column(own, "Customer number") == ["C1002", "C1003", "C1001"]


# --- alerts ---


def test_alerts_export_with_the_inbox_filters_and_order(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        ids = add_alerts(session, world)
    login(client, "manager")
    table = _table(client.get("/alerts/export.csv"))
    assert _column(table, "Alert") == [str(ids[n]) for n in ALL_OPEN]
    first = dict(zip(table[0], table[1], strict=True))
    customer, kind, _days, risk, clv, _outcome = ALERTS["other_open"]
    assert first["Customer number"] == customer
    assert first["Kind"] == kind.value
    assert Decimal(first["CLV (EUR)"]) == Decimal(clv) / 100
    assert Decimal(first["Value at risk (EUR)"]) == Decimal(round(risk * clv)) / 100
    assert first["Account manager"] == "AM02"
    everything = _table(client.get("/alerts/export.csv", params={"status": "all"}))
    assert len(everything) - 1 == len(ALERTS)
    churn = _table(client.get("/alerts/export.csv", params={"kind": "churn-model"}))
    assert _column(churn, "Alert") == [str(ids["churn_left"])]
    bad = client.get("/alerts/export.csv", params={"kind": "nope"})
    assert bad.status_code == 422
    assert "kind" in bad.text
    page = client.get("/alerts", params={"kind": "churn-model", "page": 1}).text
    assert 'href="/alerts/export.csv?kind=churn-model"' in page


def test_alerts_export_respects_the_pool_and_the_roles(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        ids = add_alerts(session, world)
    login(client, "account-manager")
    table = _table(client.get("/alerts/export.csv"))
    assert _column(table, "Alert") == [str(ids[n]) for n in OWN_OPEN]
    login(client, "agent")
    assert client.get("/alerts/export.csv").status_code == 403


# --- the save desk ---


def test_desk_export_with_the_desks_filters_order_and_pool(
    client: TestClient,
    world: World,
    cases: Cases,  # noqa: F811  (the desk pages' fixture)
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:  # a customer named like a formula
        customer = session.get(Customer, world.customers["C1002"].id)
        assert customer is not None
        customer.name = "@cmd"
        session.commit()
    login(client, "agent")
    table = _table(client.get("/retention/desk/export.csv"))
    assert _column(table, "Case") == [str(cases.big), str(cases.control), str(cases.small)]
    assert _column(table, "Arm") == ["desk", "control", "desk"]
    assert _column(table, "Customer")[2] == "'@cmd"
    newest = _table(client.get("/retention/desk/export.csv", params={"order": "newest"}))
    assert _column(newest, "Case") == [str(cases.control), str(cases.small), str(cases.big)]
    closed = _table(client.get("/retention/desk/export.csv", params={"status": "closed"}))
    assert len(closed) == 1  # the header only
    assert client.get("/retention/desk/export.csv?order=oldest").status_code == 422
    page = client.get("/retention/desk", params={"order": "newest"}).text
    assert 'href="/retention/desk/export.csv?order=newest"' in page
    login(client, "account-manager")
    pool = _table(client.get("/retention/desk/export.csv"))
    assert _column(pool, "Case") == [str(cases.big), str(cases.small)]


# --- renewals ---


def test_renewals_export_with_the_group_the_run_and_the_pool(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    add_run(sessions, world)
    login(client, "manager")
    table = _table(client.get("/retention/renewals/export.csv"))
    assert _column(table, "Customer number") == ["C2001", "C1001", "C1003"]
    assert _column(table, "Call order") == ["1", "2", "3"]
    assert set(_column(table, "Renewal run")) == {"renewals-test"}
    assert set(_column(table, "Offer")) == {"renewal-discount-10"}
    assert set(_column(table, "Monthly fee (EUR)")) == {"35.00"}
    everyone = _table(client.get("/retention/renewals/export.csv", params={"group": "all"}))
    assert len(everyone) - 1 == 5
    missing = client.get("/retention/renewals/export.csv", params={"run": "nope"})
    assert missing.status_code == 404
    assert client.get("/retention/renewals/export.csv?group=nope").status_code == 422
    page = client.get("/retention/renewals", params={"group": "all"}).text
    assert 'href="/retention/renewals/export.csv?group=all"' in page
    login(client, "account-manager")
    pool = _table(client.get("/retention/renewals/export.csv", params={"group": "all"}))
    assert set(_column(pool, "Account manager")) == {"AM01"}


def test_renewals_export_without_a_run_is_the_header_only(client: TestClient, world: World) -> None:
    login(client, "manager")
    assert len(_table(client.get("/retention/renewals/export.csv"))) == 1


# --- the ledger ---


def test_ledger_export_has_the_pages_rows_and_total(
    client: TestClient,
    world: World,
    cases: Cases,  # noqa: F811  (the desk pages' fixture)
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        agent = session.get(User, world.users["agent"].id)
        for case_id, outcome, offer in (
            (cases.big, "kept", "handset"),
            (cases.small, "cancelled", None),
            (cases.control, "kept", None),
        ):
            desk.record_outcome(
                session, case_id, outcome=outcome, offer_code=offer, user=agent, at=utcnow()
            )
        session.commit()
        expected = ledger(session, "offer")
    login(client, "manager")
    table = _table(client.get("/retention/ledger/export.csv", params={"by": "offer"}))
    with use_locale("en"):
        assert table[0] == ledger_header()
    assert table[-1][0] == "total"
    assert len(table) - 1 == len(expected)
    written = "".join(csv_export.csv_text([], [ledger_values(r) for r in expected]))
    assert table[1:] == list(csv.reader(io.StringIO(written.removeprefix(csv_export.BOM))))[1:]
    assert _column(table, "Offer cost (EUR)")[-1] == "150.00"
    future = utcnow().date() + timedelta(days=1)
    later = _table(client.get("/retention/ledger/export.csv", params={"since": str(future)}))
    assert [row[0] for row in later[1:]] == ["total"]
    assert _column(later, "Cases") == ["0"]
    assert client.get("/retention/ledger/export.csv?by=week").status_code == 422
    page = client.get("/retention/ledger", params={"by": "offer"}).text
    assert 'href="/retention/ledger/export.csv?by=offer"' in page
    login(client, "agent")
    assert client.get("/retention/ledger/export.csv").status_code == 403


# --- the API ---


def test_the_api_exports_customers_in_the_lists_sort_and_open_alerts_filter(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    _value_and_risk(sessions, world)
    manager = bearer(world.tokens["manager"])
    params = {"sort": "clv", "open_alerts": "true"}
    listed = client.get("/api/v1/customers", params=params, headers=manager).json()["items"]
    table = _table(client.get("/api/v1/customers/export.csv", params=params, headers=manager))
    numbers = _column(table, "Customer number")
    assert numbers == [i["customer_id"] for i in listed] == ["C1001", "C2002", "C1002", "C1003"]
    assert _column(table, "Value segment") == ["grow", "", "", ""]
    assert _column(table, "CLV (EUR)") == ["5000.00", "", "", ""]
    assert _column(table, "Risk") == ["0.5", "0.9", "0.8", "0.7"]
    by_risk = _table(client.get("/api/v1/customers/export.csv?sort=risk", headers=manager))
    assert _column(by_risk, "Customer number")[:4] == ["C2002", "C1002", "C1003", "C1001"]
    wrong = client.get("/api/v1/customers/export.csv?sort=mood", headers=manager)
    assert wrong.status_code == 422
    # The API's sort is an enumeration in its OpenAPI document (issue 17), checked by it.
    assert wrong.json()["detail"] == (
        "sort: Input should be 'name', 'value-segment', 'clv' or 'risk'"
    )


def test_the_api_exports_customers_alerts_and_renewals(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        ids = add_alerts(session, world)
    add_run(sessions, world)
    am, manager = bearer(world.tokens["account_manager"]), bearer(world.tokens["manager"])

    customers = _table(client.get("/api/v1/customers/export.csv", headers=am))
    assert set(_column(customers, "Customer number")) == {"C1001", "C1002", "C1003"}
    be = _table(client.get("/api/v1/customers/export.csv?country=BE", headers=manager))
    assert _column(be, "Customer number") == ["C2002", "C2001"]

    alerts = _table(client.get("/api/v1/alerts/export.csv", headers=am))
    assert _column(alerts, "Alert") == [str(ids[n]) for n in OWN_OPEN]
    handled = _table(client.get("/api/v1/alerts/export.csv?status=handled", headers=manager))
    assert len(handled) - 1 == 2
    assert client.get("/api/v1/alerts/export.csv").status_code == 401
    assert client.get("/api/v1/alerts/export.csv?kind=nope", headers=am).status_code == 422

    renewals = _table(client.get("/api/v1/retention/renewals/export.csv", headers=manager))
    assert _column(renewals, "Customer number") == ["C2001", "C1001", "C1003"]
    pool = _table(client.get("/api/v1/retention/renewals/export.csv?group=all", headers=am))
    assert set(_column(pool, "Account manager")) == {"AM01"}


def test_the_api_exports_the_desk_and_the_ledger(
    client: TestClient,
    world: World,
    cases: Cases,  # noqa: F811  (the desk pages' fixture)
) -> None:
    am, manager = bearer(world.tokens["account_manager"]), bearer(world.tokens["manager"])
    desk_csv = _table(client.get("/api/v1/retention/cases/export.csv?order=value", headers=am))
    assert _column(desk_csv, "Case") == [str(cases.big), str(cases.small)]
    newest = _table(client.get("/api/v1/retention/cases/export.csv", headers=manager))
    assert _column(newest, "Case") == [str(cases.control), str(cases.small), str(cases.big)]
    ledger_csv = _table(client.get("/api/v1/retention/ledger/export.csv", headers=manager))
    assert [row[0] for row in ledger_csv[1:]] == ["total"]  # no case closed yet
    assert client.get("/api/v1/retention/ledger/export.csv", headers=am).status_code == 403
