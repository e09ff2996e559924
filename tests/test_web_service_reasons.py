"""The contact reasons page ``/service/reasons`` on both backends: for managers and admins
only, the hand-made history of ``tests/reasons_world.py`` with its figures, the Pareto chart's
spec, every table's CSV export, and bad filters as 4xx pages."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests import reasons_world
from tests.web_fixtures import cheap_argon2, login, make_client, password_hash
from valuecenter.privacy.models import AuditAction, AuditEntry
from valuecenter.users.models import Role, User

PERIOD = {"since": "2026-10-01", "until": reasons_world.UNTIL}


@pytest.fixture
def client(
    db_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    cheap_argon2(monkeypatch)
    with sessions.begin() as session:
        for role in (Role.AGENT, Role.MANAGER, Role.ADMIN):
            session.add(
                User(username=role.value, full_name=role.value.title(),
                     password_hash=password_hash(), role=role)
            )  # fmt: skip
        reasons_world.build(session)
    with make_client(db_url, channel_minute_cost_cents=reasons_world.COSTS) as c:
        yield c


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _csv(client: TestClient, what: str, **params: str) -> list[list[str]]:
    response = client.get(f"/service/reasons/{what}.csv", params={**PERIOD, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


def test_the_page_is_for_managers(client: TestClient) -> None:
    login(client, "agent")
    refused = client.get("/service/reasons")
    assert refused.status_code == 403
    assert client.get("/service/reasons/pareto.csv").status_code == 403
    login(client, "admin")
    assert client.get("/service/reasons").status_code == 200


def test_the_page_shows_the_figures(client: TestClient) -> None:
    login(client, "manager")
    html = client.get("/service/reasons", params=PERIOD).text
    text = _text(html)
    assert "6 contacts read, 7 reasons" in text
    assert "segments from score run score-reasons-1" in text
    # Avoidable: 3 of 6 contacts, €5.00 of €8.60.
    assert "3 of 6 contacts, by the rules below" in text
    assert "58.1% of €9, the cost of every contact" in text  # €5.00 of €8.60
    assert "phone €1.00, chat €0.50" in text
    rows = re.findall(r'<tr data-rule="([^"]+)">', html)
    assert rows == ["order-could-be-online", "where-is-my-order", "repeat-contact"]
    assert re.findall(r'<tr data-reason="([^"]+)">', html)[:4] == [
        "invoice", "order", "delivery", "offer"
    ]  # fmt: skip
    assert "1 peak days of 5 (more than 2.6 contacts a day), 3 contacts on them" in text
    assert "Bea Jansen 3 8 €4.50 €1.00 €1.50 invoice" in text
    assert "coffee-service" in text
    specs = json.loads(re.search(r'id="chart-specs">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    values = specs["pareto"]["data"]["values"]
    assert [(v["reason"], v["count"]) for v in values] == [
        ("invoice", 3), ("order", 2), ("delivery", 1), ("offer", 1)
    ]  # fmt: skip
    assert values[-1]["cumulative"] == pytest.approx(1.0)
    # The CSV links carry the page's filters.
    assert 'href="/service/reasons/customer.csv?since=2026-10-01&amp;until=2026-11-01"' in html


def test_every_table_exports(client: TestClient) -> None:
    login(client, "manager")
    pareto = _csv(client, "pareto")
    assert pareto[0] == ["reason", "count", "share", "cumulative_share", "primary_count"]
    assert pareto[1][:2] == ["invoice", "3"]
    assert sum(int(r[1]) for r in pareto[1:]) == 7
    peaks = _csv(client, "peaks")
    assert peaks[0][0] == "reason"
    assert {r[0] for r in peaks[1:]} == {"invoice", "order", "delivery", "offer"}
    avoidable = _csv(client, "avoidable")
    assert [(r[0], r[2], r[5]) for r in avoidable[1:]] == [
        ("order-could-be-online", "1", "300"),
        ("where-is-my-order", "1", "100"),
        ("repeat-contact", "1", "100"),
    ]
    customers = _csv(client, "customer")
    assert [(r[0], r[1], r[4]) for r in customers[1:]] == [
        ("R2", "Bea Jansen", "450"), ("R1", "Acme BV", "410")
    ]  # fmt: skip
    assert [r[0] for r in _csv(client, "segment")[1:]] == ["win-back", "grow"]
    assert [r[0] for r in _csv(client, "product")[1:]] == ["coffee-service", "paper"]
    assert [r[0] for r in _csv(client, "client")[1:]] == ["R1"]


def test_the_page_and_its_exports_are_audited_as_lists(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    # The cost-to-serve tables name customers (GDPR, web/audit.py): one list entry each.
    login(client, "manager")
    client.get("/service/reasons", params=PERIOD)
    _csv(client, "customer")
    with sessions() as session:
        found = [
            (e.action, e.route, e.customer_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert found[-2:] == [
        (AuditAction.LIST, "GET /service/reasons", None),
        (AuditAction.LIST, "GET /service/reasons/{what}.csv", None),
    ]


def test_an_empty_period(client: TestClient) -> None:
    login(client, "manager")
    html = client.get(
        "/service/reasons", params={"since": "2026-11-15", "until": "2026-11-20"}
    ).text
    assert "No contacts in this period." in html
    assert "chart-specs" not in html


@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [
        ("/service/reasons", {"since": "1-10-2026"}, "since: &#39;1-10-2026&#39; is not a day"),
        ("/service/reasons", {"since": "2026-11-02", "until": "2026-11-01"}, "must be before"),
        ("/service/reasons", {"peak_quantile": "2"}, "peak_quantile: must be between 0 and 1"),
        ("/service/reasons", {"peak_quantile": "x"}, "peak_quantile: &#39;x&#39; is not a number"),
        ("/service/reasons/planets.csv", {}, "what: &#39;planets&#39; is not one of"),
        ("/service/reasons/pareto.csv", {"until": "2026-13-01"}, "until:"),
    ],
)
def test_bad_filters_are_4xx(
    client: TestClient, path: str, params: dict[str, str], needle: str
) -> None:
    login(client, "manager")
    response = client.get(path, params=params)
    assert 400 <= response.status_code < 500
    assert needle in response.text
