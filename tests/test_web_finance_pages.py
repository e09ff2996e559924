"""The service P&L page (issue 23, points 3 and 6; ``web/pages/finance.py``) on both backends.

On the web test world with the save desk's closed cases of ``test_web_retention_pages.books``
(August 2026: 12 desk and 12 control cases, a proven save line; September: too few control
cases, unproven), the page shows the figures ``finance.statement.statement`` computes — the
cards, each cost and yield line, the proven badge, the seeds' figure beside the incremental one
— managers and admins see it and agents and account managers get 403, a wrong month is a 422
naming the field, the CSV holds the same lines, Dutch follows the locale, managers land on it
after logging in, and the save line's drill-down lists the save cases of the period.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_retention_pages import books  # noqa: F401  (the fixture)
from tests.web_fixtures import PASSWORD, World, csrf_from, login, make_client
from valuecenter.finance.pnl import latest_month, seeds_saves
from valuecenter.finance.statement import Statement, statement
from valuecenter.i18n import format_date, use_locale
from valuecenter.web.api.pools import last_month
from valuecenter.web.pages.finance import interval_words, roi_words, shift
from valuecenter.web.pages.finance import signed_money as money

AUGUST, SEPTEMBER = "2026-08", "2026-09"


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _part(html: str, element_id: str, end: str = "</tbody>") -> str:
    found = re.search(rf'id="{re.escape(element_id)}"(.*?){re.escape(end)}', html, re.S)
    assert found, f"no element {element_id}"
    return _text(found.group(1))


def _card(html: str, name: str) -> str:
    return _part(html, f"card-{name}", '<span class="card-note">')


def _statement(sessions: sessionmaker[Session], month: str) -> Statement:
    with sessions() as session, use_locale("en"):
        return statement(session, month, trend_months=0)


def _csv(response_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response_text.lstrip("\ufeff"))))


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_statements_figures(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "manager")
    page = client.get("/pnl", params={"month": AUGUST})
    assert page.status_code == 200, page.text
    html = page.text
    s = _statement(sessions, AUGUST)
    p, ytd = s.period, s.year_to_date
    saves = p.line("saves")
    assert saves.proven
    assert saves.incremental_cents is not None
    with use_locale("en"):
        assert "<h1>Service P&amp;L</h1>" in html or "<h1>Service P&L</h1>" in html
        assert '<a href="/pnl" aria-current="page">P&L</a>' in html  # first in the nav
        assert html.index('href="/pnl"') < html.index('href="/customers" ')
        # the cards: month and year to date
        assert _text(html).count("August 2026") >= 5
        assert money(p.cost_cents) in _card(html, "cost")
        assert money(ytd.cost_cents) in _card(html, "cost")
        proven = _card(html, "proven")
        assert money(p.proven_cents) in proven
        assert p.proven_cents == saves.incremental_cents  # the only proven line
        interval = interval_words(p.proven_interval_cents)
        assert interval is not None
        assert interval in proven
        assert money(p.net_cents) in _card(html, "net")
        assert roi_words(p.roi) in _card(html, "roi")
        assert money(p.unproven_gross_cents) in _card(html, "unproven")
        assert "Not proven — not counted" in html
        # each cost line with its month and year-to-date figure and its method
        for line in p.costs:
            row = _part(html, f"cost-{line.key}")
            assert line.label in row
            assert line.method in row
            assert money(line.cents) in row
        giveaways = _part(html, "cost-giveaways")
        assert money(p.costs[5].cents) in giveaways  # the desk's handsets
        # each yield line: gross, incremental, badge, reason, method, drill-down
        for line in p.yields:
            row = _part(html, f"yield-{line.key}")
            assert line.label in row
            assert money(line.gross_cents) in row
            assert line.method.replace("%%", "%") in row
            if line.incremental_cents is not None:
                assert money(line.incremental_cents) in row
            if not line.proven and line.reason:
                assert line.reason in row
        saves_row = _part(html, "yield-saves")
        assert "proven" in saves_row
        assert "95%: " + str(interval_words(saves.interval_cents)) in (saves_row)
        assert (
            'class="badge badge-proven"' in html.split('id="yield-saves"')[1].split("</tbody>")[0]
        )
        for key in ("nba-sales", "campaigns", "am-pools", "avoided-costs"):
            block = html.split(f'id="yield-{key}"')[1].split("</tbody>")[0]
            assert 'class="badge badge-unproven"' in block
        # provenance: the score run that priced the cases
        for run in saves.provenance["score_runs"]:  # type: ignore[attr-defined]
            assert run in saves_row
        # the seeds' way beside the honest way (point 6)
        seeds = seeds_saves(saves)
        box = _part(html, "seeds-box", "</details>")
        assert f"{seeds.kept} kept, {money(seeds.gross_cents)}" in box
        assert f"incremental against control: {money(seeds.incremental_cents)}" in box
        assert seeds.why in box
        # the drill-down lists the save cases of the month
        assert 'href="/retention/desk?status=closed&amp;since=2026-08-01&amp;until=2026-09-01"' in (
            html
        )
        # no budget: the hint how to load one
        assert "valuecenter finance budget load FILE" in _part(html, "budget", "</section>")
        # the trend is loaded after the page, the month picker moves by a month
        assert 'hx-get="/pnl/trend?month=2026-08"' in html
        assert 'href="/pnl?month=2026-07"' in html
        assert 'href="/pnl?month=2026-09"' in html
        assert 'href="/pnl/export.csv?month=2026-08"' in html
        assert "Read at" in _part(html, "pnl-source", "</p>")


def test_the_trend_fragment_holds_twelve_months(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "admin")
    part = client.get("/pnl/trend", params={"month": SEPTEMBER})
    assert part.status_code == 200, part.text
    assert "<html" not in part.text
    months = re.findall(r'<tr data-month="(\d{4}-\d{2})"', part.text)
    assert months == [f"2025-{m:02d}" for m in range(10, 13)] + [
        f"2026-{m:02d}" for m in range(1, 10)
    ]
    august = _statement(sessions, AUGUST).period
    with use_locale("en"):
        row = _part(part.text, "trend-table", 'data-month="2026-09"').split("2026-08")[1]
        assert money(august.cost_cents) in row
        assert money(august.proven_cents) in row
    assert '"pnl-trend"' in part.text
    assert '"pnl-unproven"' in part.text
    table = _csv(client.get("/pnl/trend/export.csv", params={"month": SEPTEMBER}).text)
    assert [r["month"] for r in table] == months
    by_month = {r["month"]: r for r in table}
    assert Decimal(by_month[AUGUST]["proven_yield_eur"]) == Decimal(august.proven_cents) / 100


def test_the_default_month_is_the_last_complete_month(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "manager")
    with sessions() as session:
        expected = latest_month(session)
    assert expected is not None
    html = client.get("/pnl").text
    assert f'name="month" value="{expected}"' in html


def test_the_page_is_for_managers_and_admins(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
) -> None:
    assert client.get("/pnl", follow_redirects=False).status_code == 303  # log in first
    for role in ("agent", "account-manager"):
        login(client, role)
        for path in ("/pnl", "/pnl/trend", "/pnl/export.csv", "/pnl/trend/export.csv"):
            refused = client.get(path, params={"month": AUGUST})
            assert refused.status_code == 403, path
        assert "this needs one of the roles: admin, manager" in client.get("/pnl").text
        assert 'href="/pnl"' not in client.get("/customers").text  # not in their nav
    login(client, "admin")
    assert client.get("/pnl", params={"month": AUGUST}).status_code == 200


@pytest.mark.parametrize(
    ("month", "said"),
    [
        ("oops", "is not a month like 2026-10"),
        ("2026-13", "is not a month like 2026-10"),
        ("9999-01", "the month must lie between 2000-01 and 2100-12"),
        ("1999-12", "the month must lie between 2000-01 and 2100-12"),
        ("2026-08-01", "is not a month like 2026-10"),
        ("x" * 5000, "is not a month like 2026-10"),
    ],
)
def test_a_wrong_month_is_a_one_line_error(
    client: TestClient, world: World, month: str, said: str
) -> None:
    login(client, "manager")
    for path in ("/pnl", "/pnl/trend", "/pnl/export.csv", "/pnl/trend/export.csv"):
        response = client.get(path, params={"month": month})
        assert response.status_code == 422, (path, response.status_code)
        assert "month: " in response.text
        assert said in response.text.replace("&#39;", "'")


def test_the_month_picker_stops_at_the_bounds() -> None:
    assert shift("2026-01", -1) == "2025-12"
    assert shift("2026-12", 1) == "2027-01"
    assert shift("2000-01", -1) is None
    assert shift("2100-12", 1) is None
    assert last_month(date(2026, 1, 15)) == "2025-12"


def test_the_edges_of_the_calendar_render(client: TestClient, world: World) -> None:
    login(client, "manager")
    first = client.get("/pnl", params={"month": "2000-01"})
    assert first.status_code == 200
    assert 'id="month-previous"' not in first.text
    last = client.get("/pnl", params={"month": "2100-12"})
    assert last.status_code == 200
    assert 'id="month-next"' not in last.text


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_holds_every_line_of_the_month_and_the_year(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "manager")
    response = client.get("/pnl/export.csv", params={"month": SEPTEMBER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="pnl-2026-09-' in response.headers["content-disposition"]
    rows = _csv(response.text)
    s = _statement(sessions, SEPTEMBER)
    for name, p in (("month", s.period), ("year_to_date", s.year_to_date)):
        mine = [r for r in rows if r["period"] == name]
        costs = {r["line"]: r for r in mine if r["side"] == "cost"}
        yields = {r["line"]: r for r in mine if r["side"] == "yield"}
        totals = {r["line"]: r for r in mine if r["side"] == "total"}
        assert list(costs) == [c.key for c in p.costs]
        assert list(yields) == [y.key for y in p.yields]
        for c in p.costs:
            assert Decimal(costs[c.key]["amount_eur"]) == Decimal(c.cents) / 100
        for y in p.yields:
            row = yields[y.key]
            assert Decimal(row["gross_eur"]) == Decimal(y.gross_cents) / 100
            assert row["proven"] == ("yes" if y.proven else "no")
            assert row["method"] == y.method
        assert Decimal(totals["cost"]["amount_eur"]) == Decimal(p.cost_cents) / 100
        assert Decimal(totals["proven-yield"]["amount_eur"]) == Decimal(p.proven_cents) / 100
        assert Decimal(totals["net"]["amount_eur"]) == Decimal(p.net_cents) / 100
        assert Decimal(totals["unproven-gross"]["amount_eur"]) == (
            Decimal(p.unproven_gross_cents) / 100
        )
    month_saves = next(r for r in rows if r["period"] == "month" and r["line"] == "saves")
    ytd_saves = next(r for r in rows if r["period"] == "year_to_date" and r["line"] == "saves")
    assert month_saves["proven"] == "no"  # September alone: 2 control cases
    assert ytd_saves["proven"] == "yes"  # with August
    assert month_saves["records_url"] == (
        "/retention/desk?status=closed&since=2026-09-01&until=2026-10-01"
    )
    assert month_saves["reason"]


# --- Dutch ------------------------------------------------------------------------------------


def test_the_page_in_dutch(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "manager")
    html = client.get("/pnl", params={"month": AUGUST}, headers={"Accept-Language": "nl"}).text
    assert '<html lang="nl">' in html
    s = _statement(sessions, AUGUST)
    text = _text(html)
    with use_locale("nl"):
        assert money(s.period.cost_cents) in _card(html, "cost")
        assert money(s.period.cost_cents).startswith("€ ")  # nl: '€ 1.234'
    assert "augustus 2026" in text
    for word in ("Kosten", "Netto", "Maand", "Tonen", "Uitloggen"):
        assert word in text, word
    assert "August 2026" not in text


# --- landing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("manager", "/pnl"),
        ("admin", "/pnl"),
        ("agent", "/customers"),
        ("account-manager", "/customers"),
    ],
)
def test_managers_land_on_the_pnl(
    client: TestClient, world: World, username: str, home: str
) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == home
    assert client.get("/", follow_redirects=False).headers["location"] == home
    assert client.get("/login", follow_redirects=False).headers["location"] == home
    # an explicit next still wins
    assert client.get("/login?next=/value", follow_redirects=False).headers["location"] == (
        "/value"
    )


# --- the drill-down target: the save desk's closed cases of a period -------------------------


def _case_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="case-(\d+)"', html)]


def test_the_desk_lists_the_cases_closed_in_a_period(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    login(client, "manager")
    august = client.get(
        "/retention/desk", params={"status": "closed", "since": "2026-08-01", "until": "2026-09-01"}
    )
    assert august.status_code == 200
    assert len(_case_ids(august.text)) == 24  # 12 desk + 12 control
    with use_locale("en"):
        words = (
            f"closed from {format_date(date(2026, 8, 1))}, before {format_date(date(2026, 9, 1))}"
        )
    assert words in _text(august.text)
    s = _statement(sessions, AUGUST)
    assert s.period.line("saves").records.count == 24
    september = client.get("/retention/desk", params={"since": "2026-09-01"})  # closed implied
    assert len(_case_ids(september.text)) == 5
    assert not set(_case_ids(september.text)) & set(_case_ids(august.text))
    export = _csv(
        client.get(
            "/retention/desk/export.csv",
            params={"status": "closed", "since": "2026-08-01", "until": "2026-09-01"},
        ).text
    )
    assert len(export) == 24
    for params, field in (
        ({"status": "open", "since": "2026-08-01"}, "status"),
        ({"since": "2026-09-01", "until": "2026-08-01"}, "until"),
        ({"since": "08/01/2026"}, "since"),
        ({"until": "9999-01-01"}, "until"),
    ):
        bad = client.get("/retention/desk", params=params)
        assert bad.status_code == 422, params
        assert f"{field}: " in bad.text
    # the save-value ledger links each month to its cases
    ledger = client.get("/retention/ledger").text
    assert 'href="/retention/desk?status=closed&amp;since=2026-08-01&amp;until=2026-09-01"' in (
        ledger
    )


def test_the_budget_table_and_its_csv(
    client: TestClient,
    world: World,
    books: None,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    from valuecenter.finance.budget import load, parse

    with sessions.begin() as session:
        load(session, parse("year,line,amount_eur\n2026,giveaways,1200\n2026,saves,24000\n"))
    login(client, "manager")
    html = client.get("/pnl", params={"month": AUGUST}).text
    assert 'id="budget-none"' not in html
    budget = _statement(sessions, AUGUST).budget
    assert [b.line for b in budget] == ["giveaways", "saves"]
    with use_locale("en"):
        for b in budget:
            row = _part(html, "budget-table", "</table>").split(b.label)[1]
            assert money(b.month_budget_cents) in row
            assert money(b.projection_cents) in row
    rows = _csv(client.get("/pnl/budget/export.csv", params={"month": AUGUST}).text)
    assert [r["line"] for r in rows] == ["giveaways", "saves"]
    saves = next(b for b in budget if b.line == "saves")
    assert saves.ytd_actual_cents is not None  # August's proven save line
    assert Decimal(rows[1]["ytd_actual_eur"]) == Decimal(saves.ytd_actual_cents) / 100
    assert Decimal(rows[1]["year_budget_eur"]) == Decimal(24000)
