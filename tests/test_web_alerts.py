"""The alerts inbox through the API and the pages (issue 6): ordered by value at risk, an
account manager's own pool only, handling once (then 409), the precision counts of crafted
alerts, the market dip shown once to managers, CSRF on the htmx handle post.

The alerts are written directly (the alert run is not under test here). Reference figures
are the hand-counted outcomes of the alerts in :func:`add_alerts`, following the definitions
in ``valuecenter.alerts.precision`` (its module docstring).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import NOW, World, bearer, csrf_from, login, make_client
from valuecenter.alerts.models import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertRun,
    AlertStatus,
    MarketDip,
)
from valuecenter.alerts.schemas import reasons_of
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.i18n import use_locale
from valuecenter.value.models import ScoreRun
from valuecenter.web.pages.alerts import describe_alert_models

TODAY = NOW.date()
SCORE_RUN = "score-20261101-0001"
LATEST_RUN = f"alerts-{TODAY:%Y%m%d}"
HTMX = {"HX-Request": "true"}

# name: (customer, kind, raised days ago, risk, CLV cents, handled outcome or None)
ALERTS: dict[str, tuple[str, AlertKind, int, float, int, AlertOutcome | None]] = {
    "churn_left": ("C1003", AlertKind.CHURN_MODEL, 150, 0.7, 200_000, None),
    "churn_false": ("C1001", AlertKind.CHURN_MODEL, 130, 0.3, 100_000, AlertOutcome.FALSE_ALARM),
    "rhythm_false": ("C1001", AlertKind.ORDER_RHYTHM, 120, 0.5, 300_000, None),
    "rhythm_left": ("C1002", AlertKind.ORDER_RHYTHM, 100, 0.8, 500_000, None),
    "other_kept": ("C2001", AlertKind.ORDER_RHYTHM, 95, 0.6, 900_000, AlertOutcome.KEPT),
    "other_open": ("C2002", AlertKind.ORDER_RHYTHM, 10, 0.9, 1_000_000, None),
    "recent_own": ("C1003", AlertKind.ORDER_RHYTHM, 5, 0.4, 250_000, None),
}
OWN_OPEN = ["rhythm_left", "rhythm_false", "churn_left", "recent_own"]  # by value at risk
ALL_OPEN = ["other_open", *OWN_OPEN]
MODELS = {  # the shape alerts/service.py stores
    "order_rhythm": {
        "model": "gamma-Poisson (NBD) rhythm per customer",
        "options": {"surprise": 0.95},
        "prior": {"r": 0.8123, "a_days": 23.41},
        "customers_with_rhythm": 5,
    },
    "churn_model": {"kind": "gbm", "validation": {"auc": 0.8123, "rows": 40}},
    "score_run": SCORE_RUN,
    "raised": {"order-rhythm": 1, "churn-model": 0},
}


def _reasons(name: str, customer: str) -> list[dict[str, object]]:
    return [
        {"code": "rhythm", "text": f"{customer} ({name}) ordered every 21 days, now silent 63"},
        {"code": "market", "text": "His market orders as usual: it is him, not the season"},
    ]


def _run(session: Session, as_of: date, score_run_id: int, models: Mapping[str, object]) -> int:
    run = AlertRun(
        run_id=f"alerts-{as_of:%Y%m%d}",
        started_at=NOW,
        finished_at=NOW,
        as_of=as_of,
        score_run_id=score_run_id,
        customers=6,
        raised=1,
        still_open=0,
        market_dips=0,
        models=dict(models),
        seconds=0.5,
    )
    session.add(run)
    session.flush()
    return run.id


def add_alerts(session: Session, world: World) -> dict[str, int]:
    """The alerts of :data:`ALERTS` (one alert run per day raised, the latest run today), the
    DE market dip, and a contract of C1003 cancelled after its churn-model alert. Commits and
    returns the alert ids by name."""
    score = ScoreRun(
        run_id=SCORE_RUN,
        started_at=NOW,
        finished_at=NOW,
        as_of=TODAY - timedelta(days=160),
        customers=6,
        scored=2,
        horizon_months=12,
        discount_rate=0.1,
        models={},
        segments={},
        seconds=1.0,
    )
    session.add(score)
    session.flush()
    runs: dict[int, int] = {}
    for days in sorted({spec[2] for spec in ALERTS.values()} | {0}, reverse=True):
        runs[days] = _run(session, TODAY - timedelta(days=days), score.id, MODELS)
    ids: dict[str, int] = {}
    for name, (customer, kind, days, risk, clv, outcome) in ALERTS.items():
        alert = Alert(
            run_id=runs[days],
            customer_id=world.customers[customer].id,
            kind=kind,
            raised_on=TODAY - timedelta(days=days),
            risk=risk,
            clv_cents=clv,
            value_at_risk_cents=round(risk * clv),
            reasons=_reasons(name, customer),
            action=f"Call {customer} this week & ask about the silence",
            status=AlertStatus.HANDLED if outcome else AlertStatus.OPEN,
            outcome=outcome,
            note="Spoke to the owner" if outcome else None,
            handled_at=NOW - timedelta(days=80) if outcome else None,
            handled_by=world.users["manager"].id if outcome else None,
        )
        session.add(alert)
        session.flush()
        ids[name] = alert.id
    session.add(
        MarketDip(
            first_run_id=runs[10],
            last_run_id=runs[0],
            scope="country",
            market="DE",
            first_seen_on=TODAY - timedelta(days=10),
            last_seen_on=TODAY,
            customers=540,
            expected_orders=473.4,
            observed_orders=312,
            ratio=312 / 473.4,
            below_rhythm=212,
        )
    )
    session.add(
        Contract(
            external_id="CT-3",
            customer_id=world.customers["C1003"].id,
            plan="Print fleet lease",
            monthly_fee_cents=19900,
            start_date=date(2023, 1, 1),
            end_date=TODAY + timedelta(days=200),
            status=ContractStatus.CANCELLED,
            cancelled_at=TODAY - timedelta(days=100),
        )
    )
    session.commit()
    return ids


@pytest.fixture
def alerts(world: World, sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return add_alerts(session, world)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _var(name: str) -> int:
    _, _, _, risk, clv, _ = ALERTS[name]
    return round(risk * clv)


# --- the API ---


def test_api_lists_open_alerts_highest_value_at_risk_first(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    body = client.get("/api/v1/alerts", headers=bearer(world.tokens["manager"])).json()
    assert [item["id"] for item in body["items"]] == [alerts[n] for n in ALL_OPEN]
    assert (body["total"], body["page"], body["page_size"]) == (5, 1, 50)
    assert body["source"]["run_id"] == LATEST_RUN
    assert body["source"]["as_of"] == TODAY.isoformat()
    first = body["items"][0]
    assert first["customer"] == {
        "id": world.customers["C2002"].id,
        "external_id": "C2002",
        "name": "Atelier Vos",
        "country": "BE",
        "account_manager": "AM02",
    }
    assert (first["kind"], first["risk"], first["clv_cents"]) == ("order-rhythm", 0.9, 1_000_000)
    assert first["value_at_risk_cents"] == 900_000
    assert first["reasons"][1] == {
        "code": "market",
        "text": "His market orders as usual: it is him, not the season",
    }
    assert first["raised_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert first["run_id"] == f"alerts-{TODAY - timedelta(days=10):%Y%m%d}"
    assert (first["status"], first["outcome"], first["handled_at"]) == ("open", None, None)


def test_api_filters_and_pages(client: TestClient, world: World, alerts: dict[str, int]) -> None:
    client.headers.update(bearer(world.tokens["admin"]))

    def ids(**params: object) -> list[int]:
        response = client.get("/api/v1/alerts", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(status="handled") == [alerts["other_kept"], alerts["churn_false"]]
    assert len(ids(status="all")) == len(ALERTS)
    assert ids(kind="churn-model") == [alerts["churn_left"]]
    assert ids(page=2, page_size=2) == [alerts["rhythm_false"], alerts["churn_left"]]
    for params, field in (
        ({"status": "closed"}, "status"),
        ({"kind": "gut-feeling"}, "kind"),
        ({"page_size": 201}, "page_size"),  # settings.page_size_max
        ({"page": 0}, "page"),
    ):
        refused = client.get("/api/v1/alerts", params=params)
        assert refused.status_code == 422, params
        assert refused.json()["detail"].startswith(f"{field}:"), refused.json()


def test_account_manager_sees_and_handles_only_his_pool(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["account_manager"]))
    body = client.get("/api/v1/alerts").json()
    assert [item["id"] for item in body["items"]] == [alerts[n] for n in OWN_OPEN]
    assert {item["customer"]["account_manager"] for item in body["items"]} == {"AM01"}

    foreign = client.post(f"/api/v1/alerts/{alerts['other_open']}/handle", json={"outcome": "kept"})
    missing = client.post("/api/v1/alerts/999999/handle", json={"outcome": "kept"})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == {
        "error": "not_found",
        "detail": f"alert {alerts['other_open']} does not exist",
    }
    assert missing.json()["detail"] == "alert 999999 does not exist"
    manager = client.get("/api/v1/alerts", headers=bearer(world.tokens["manager"])).json()
    assert manager["items"][0]["status"] == "open"  # the foreign alert was not touched


def test_handle_once_then_conflict(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["account_manager"]))
    alert_id = alerts["rhythm_false"]
    done = client.post(
        f"/api/v1/alerts/{alert_id}/handle",
        json={"outcome": "kept", "note": "  New contact person; orders resume in May  "},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["id"], body["status"], body["outcome"]) == (alert_id, "handled", "kept")
    assert body["note"] == "New contact person; orders resume in May"
    assert body["handled_at"] is not None
    assert body["customer"]["external_id"] == "C1001"
    assert body["run_id"] == f"alerts-{TODAY - timedelta(days=120):%Y%m%d}"

    again = client.post(f"/api/v1/alerts/{alert_id}/handle", json={"outcome": "left"})
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    assert f"alert {alert_id} was already handled (kept)" in again.json()["detail"]
    open_ids = [i["id"] for i in client.get("/api/v1/alerts").json()["items"]]
    assert alert_id not in open_ids
    assert len(open_ids) == len(OWN_OPEN) - 1


def test_a_bad_outcome_or_note_is_422_naming_the_field(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["account_manager"]))
    url = f"/api/v1/alerts/{alerts['rhythm_left']}/handle"
    bad = client.post(url, json={"outcome": "maybe"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_input"
    assert bad.json()["detail"].startswith("outcome:")
    assert client.post(url, json={}).json()["detail"].startswith("outcome:")
    long_note = client.post(url, json={"outcome": "kept", "note": "x" * 2001})
    assert long_note.status_code == 422
    assert long_note.json()["detail"] == "note: is 2,001 characters; at most 2,000"
    assert client.get("/api/v1/alerts").json()["items"][0]["status"] == "open"


@pytest.mark.parametrize(
    ("role", "path", "method"),
    [
        ("agent", "/api/v1/alerts", "get"),
        ("agent", "/api/v1/alerts/1/handle", "post"),
        ("agent", "/api/v1/alerts/market-dips", "get"),
        ("agent", "/api/v1/alerts/precision", "get"),
        ("account_manager", "/api/v1/alerts/precision", "get"),
        ("account_manager", "/api/v1/alerts/market-dips", "get"),
    ],
)
def test_roles_that_may_not_are_refused(
    client: TestClient, world: World, alerts: dict[str, int], role: str, path: str, method: str
) -> None:
    response = client.request(
        method, path, headers=bearer(world.tokens[role]), json={"outcome": "kept"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_market_dips_api_reports_each_dip_once(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    client.headers.update(bearer(world.tokens["manager"]))
    (dip,) = client.get("/api/v1/alerts/market-dips").json()
    assert (dip["scope"], dip["market"], dip["below_rhythm"]) == ("country", "DE", 212)
    assert (dip["first_run_id"], dip["last_run_id"]) == (
        f"alerts-{TODAY - timedelta(days=10):%Y%m%d}",
        LATEST_RUN,
    )
    later = (TODAY + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/alerts/market-dips", params={"since": later}).json() == []


def _cells(row: dict[str, object]) -> tuple[object, ...]:
    return (row["alerts"], row["left"], row["kept"], row["false_alarms"])


def test_precision_counts_left_kept_and_false_alarms(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    """Hand count (definitions: valuecenter.alerts.precision), alerts ≥ 90 days old:
    rhythm_left — C1002 never ordered after it: left; rhythm_false — C1001 ordered 10 and
    5 days ago: not left, open: false alarm; churn_left — C1003's contract cancelled 100 days
    ago, after the alert, none active: left; churn_false — C1001's contract is active: not
    left, handled false-alarm: false alarm; other_kept — C2001 ordered 3 days ago, handled
    kept: kept. Total 5: left 2, kept 1, false alarms 2; precision 3/5."""
    client.headers.update(bearer(world.tokens["manager"]))
    body = client.get("/api/v1/alerts/precision").json()
    assert (body["reference"], body["run_id"], body["min_age_days"]) == (
        TODAY.isoformat(),
        LATEST_RUN,
        90,
    )
    assert _cells(body["total"]) == (5, 2, 1, 2)
    assert body["total"]["precision"] == pytest.approx(0.6)
    expected: dict[tuple[str, str], list[int]] = {}
    for name, outcome in (
        ("rhythm_left", "left"),
        ("rhythm_false", "false"),
        ("churn_left", "left"),
        ("churn_false", "false"),
        ("other_kept", "kept"),
    ):
        _, kind, days, *_ = ALERTS[name]
        key = (kind.value, f"{TODAY - timedelta(days=days):%Y-%m}")
        cell = expected.setdefault(key, [0, 0, 0, 0])
        cell[0] += 1
        cell[{"left": 1, "kept": 2, "false": 3}[outcome]] += 1
    assert {(r["kind"], r["month"]): list(_cells(r)) for r in body["rows"]} == expected
    for row in body["rows"]:
        assert row["left"] + row["kept"] + row["false_alarms"] == row["alerts"]

    # 7 days: other_open (10 days, C2002 never ordered) counts too, and is a customer lost.
    week = client.get("/api/v1/alerts/precision", params={"min_age_days": 7}).json()
    assert _cells(week["total"]) == (6, 3, 1, 2)
    refused = client.get("/api/v1/alerts/precision", params={"min_age_days": -1})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("min_age_days:")


def test_no_alert_run_yet(client: TestClient, world: World) -> None:
    client.headers.update(bearer(world.tokens["manager"]))
    assert client.get("/api/v1/alerts").json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
        "source": None,
    }
    empty = client.get("/api/v1/alerts/precision").json()
    assert (empty["reference"], empty["run_id"], empty["rows"]) == (None, None, [])
    assert _cells(empty["total"]) == (0, 0, 0, 0)
    login(client, "account-manager")
    html = client.get("/alerts").text
    assert "No alerts yet: no alert run has been made." in html
    assert "<code>valuecenter alerts run</code>" in html
    assert "<strong>0</strong> open alerts" in html


# --- the pages ---


def _row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="alert-(\d+)"', html)]


def test_inbox_page_of_an_account_manager(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    login(client, "account-manager")
    response = client.get("/alerts")
    assert response.status_code == 200
    html = response.text
    assert _row_ids(html) == [alerts[n] for n in OWN_OPEN]
    own_var = sum(_var(n) for n in OWN_OPEN)
    assert own_var == 790_000
    who = re.sub(r"\s+", " ", re.search(r'id="inbox-who">(.*?)</p>', html, re.S).group(1))  # type: ignore[union-attr]
    assert who.strip() == (
        "Your pool: <strong>AM01</strong> (Anna de Jong), <strong>4</strong> open alerts, "
        "<strong>€7,900</strong> at risk"
    )
    source = re.sub(r"\s+", " ", re.search(r'id="source">(.*?)</p>', html, re.S).group(1))  # type: ignore[union-attr]
    assert f'Alert run <strong class="mono">{LATEST_RUN}</strong>' in source
    assert f'CLV from score run <span class="mono">{SCORE_RUN}</span>' in source
    assert (
        "order rhythm: gamma-Poisson (NBD) rhythm per customer (r=0.812, a_days=23.4); "
        "churn model: gbm, validation AUC 0.81; raised (order-rhythm=1, churn-model=0)"
    ) in source
    assert source.count(SCORE_RUN) == 1  # stored in the models too; said once
    assert "C1002 (rhythm_left) ordered every 21 days, now silent 63" in html
    assert "Call C1002 this week &amp; ask about the silence" in html  # escaped
    assert "€4,000" in html  # rhythm_left: 80% of € 5.000
    assert "80%" in html
    assert f'href="/customers/{world.customers["C1002"].id}"' in html
    assert "Atelier Vos" not in html  # the other pool's alert
    assert "Market dips" not in html
    assert 'href="/alerts/precision"' not in html
    assert '<a href="/alerts" aria-current="page">Alerts</a>' in html
    assert 'hx-post="/alerts/' in html


def test_inbox_filters_and_paging(
    client: TestClient, world: World, alerts: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from valuecenter.web.pages import alerts as pages

    login(client, "manager")
    churn = client.get("/alerts", params={"kind": "churn-model", "status": ""}).text
    assert _row_ids(churn) == [alerts["churn_left"]]
    handled = client.get("/alerts", params={"status": "handled"}).text
    assert _row_ids(handled) == [alerts["other_kept"], alerts["churn_false"]]
    assert "Spoke to the owner" in handled
    assert 'class="outcome outcome-kept">Kept</span>' in handled
    both = client.get("/alerts", params={"kind": "churn-model", "status": "handled"}).text
    assert _row_ids(both) == [alerts["churn_false"]]
    bad = client.get("/alerts", params={"kind": "gut-feeling"})
    assert bad.status_code == 422
    assert "kind: &#39;gut-feeling&#39; is not one of" in bad.text

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    first = client.get("/alerts").text
    assert "page 1 of 3" in first
    assert _row_ids(first) == [alerts["other_open"], alerts["rhythm_left"]]
    assert 'href="/alerts?page=2"' in first
    assert 'hx-target="#inbox" hx-select="#inbox" hx-swap="outerHTML"' in first
    third = client.get("/alerts", params={"page": 3}).text
    assert _row_ids(third) == [alerts["recent_own"]]
    assert "past the end" in client.get("/alerts", params={"page": 9}).text

    login(client, "account-manager")  # the handled order-rhythm alert is of the other pool
    none = client.get("/alerts", params={"kind": "order-rhythm", "status": "handled"}).text
    assert _row_ids(none) == []
    assert "No handled alerts of this kind." in none


def test_handle_from_the_page_needs_the_csrf_token(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    login(client, "account-manager")
    page = client.get("/alerts").text
    token = csrf_from(page)
    alert_id = alerts["rhythm_left"]
    url = f"/alerts/{alert_id}/handle"

    refused = client.post(url, data={"outcome": "kept"}, headers=HTMX)
    assert refused.status_code == 403
    forged = client.post(url, data={"outcome": "kept"}, headers={**HTMX, "X-CSRF-Token": "x"})
    assert forged.status_code == 403
    still = client.get("/api/v1/alerts", headers=bearer(world.tokens["account_manager"]))
    assert still.json()["items"][0]["status"] == "open"

    done = client.post(
        url,
        data={"outcome": "kept", "note": "Owner back from holiday"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert done.status_code == 200
    row = done.text
    assert "<html" not in row
    assert row.lstrip().startswith(f'<tr id="alert-{alert_id}" class="alert-row alert-handled">')
    assert '<span class="status status-handled">handled</span>' in row
    assert 'class="outcome outcome-kept">Kept</span>' in row
    assert "Owner back from holiday" in row
    assert "<form" not in row
    head = re.sub(r"\s+", " ", row.split("<template>", 1)[1])  # the head line, out of band
    assert head.startswith('<p class="inbox-who" id="inbox-who" hx-swap-oob="true">')
    assert "<strong>3</strong> open alerts, <strong>€3,900</strong> at risk" in head
    # No list address (a plain htmx post): no caption to update.
    assert 'id="inbox-caption"' not in row

    # Handled meanwhile (another tab): the row shows how, and says so.
    again = client.post(url, data={"outcome": "left"}, headers={**HTMX, "X-CSRF-Token": token})
    assert again.status_code == 200
    assert f"alert {alert_id} was already handled (kept)" in again.text
    # A wrong field: the open row again, naming the field.
    other = alerts["rhythm_false"]
    wrong = client.post(
        f"/alerts/{other}/handle",
        data={"outcome": "maybe"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert wrong.status_code == 200
    assert (
        "outcome: &#39;maybe&#39; is not one of kept, left, false-alarm, no-contact" in wrong.text
    )
    assert "<form" in wrong.text
    # Another pool's alert stays a 404, whatever the fields.
    for outcome in ("kept", "maybe"):
        foreign = client.post(
            f"/alerts/{alerts['other_open']}/handle",
            data={"outcome": outcome},
            headers={**HTMX, "X-CSRF-Token": token},
        )
        assert foreign.status_code == 404

    # Without JavaScript: the form field carries the token; back to the inbox.
    plain = client.post(
        f"/alerts/{other}/handle",
        data={"outcome": "no-contact", "csrf_token": token},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/alerts"
    assert _row_ids(client.get("/alerts").text) == [alerts["churn_left"], alerts["recent_own"]]


def test_market_dip_panel_for_managers_only(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    login(client, "manager")
    html = client.get("/alerts").text
    assert 'id="market-dips"' in html
    text = re.sub(r"\s+", " ", html)
    since = (TODAY - timedelta(days=10)).day
    assert f"<strong>DE</strong>: orders 34% below the customers' own rhythm since {since} " in text
    assert "212 customers — reported once, not as alerts." in text
    assert text.count("<strong>DE</strong>") == 1
    assert "312 orders where their rhythms expected 473" in text
    assert "All pools, <strong>5</strong> open alerts, <strong>€16,900</strong> at risk" in text
    assert 'href="/alerts/precision"' in html
    login(client, "account-manager")
    assert 'id="market-dips"' not in client.get("/alerts").text


def test_agents_have_no_inbox(client: TestClient, world: World, alerts: dict[str, int]) -> None:
    login(client, "agent")
    assert client.get("/alerts").status_code == 403
    assert client.get("/alerts/precision").status_code == 403
    assert 'href="/alerts"' not in client.get("/customers").text


def test_precision_page(client: TestClient, world: World, alerts: dict[str, int]) -> None:
    login(client, "account-manager")
    assert client.get("/alerts/precision").status_code == 403
    login(client, "manager")
    response = client.get("/alerts/precision")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.text)
    foot = re.search(r"<tfoot>(.*?)</tfoot>", text).group(1)  # type: ignore[union-attr]
    cells = re.findall(r'<td class="num[^"]*">(?:<span.*?</span>)?([^<]+)</td>', foot)
    assert cells == ["5", "2", "1", "2", "60%"]
    assert f'as of alert run <span class="mono">{LATEST_RUN}</span>' in text
    cutoff = TODAY - timedelta(days=90)
    assert f"alerts raised on or before {cutoff.day} " in text
    for n in (30, 60, 90, 180):
        assert f'<option value="{n}"' in text
    assert '<option value="90" selected>' in text
    assert "Precision</strong> = (left + kept) / alerts" in text
    week = re.sub(r"\s+", " ", client.get("/alerts/precision", params={"min_age_days": 7}).text)
    assert '<option value="7" selected>' in week
    assert re.findall(r"<tfoot>.*?<td class=\"num\">(\d+)</td>", week)[0] == "6"


# --- robustness of what the runs store ---

JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


def test_the_models_line_says_why_a_model_was_skipped() -> None:
    line = describe_alert_models(
        {"churn_model": {"skipped": "no contract is running"}, "order_rhythm": {}}
    )
    assert line == "churn model skipped: no contract is running; order rhythm"
    with use_locale("nl"):  # a run's stored English reason, read by a Dutch manager
        line = describe_alert_models(
            {"churn_model": {"skipped": "no contract is running"}, "order_rhythm": {}}
        )
    assert line == "opzegmodel overgeslagen: er loopt geen contract; bestelritme"


MODEL_NAMES = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)


@given(st.dictionaries(MODEL_NAMES, JSON, max_size=5), st.dictionaries(st.text(), JSON))
def test_the_models_line_renders_whatever_a_run_stored(
    models: dict[str, object], odd: dict[str, object]
) -> None:
    line = describe_alert_models(models)
    for name in models:  # every model the run names is on the line, whatever it holds
        assert name.replace("_", " ") in line
    assert (line == "") == (not models)
    assert isinstance(describe_alert_models(odd), str)  # odd names: no error either


@given(st.lists(JSON, max_size=6))
def test_reasons_render_whatever_a_run_stored(stored: list[object]) -> None:
    reasons = reasons_of(stored)  # type: ignore[arg-type]
    assert all(r.text for r in reasons)
    assert len(reasons) <= len(stored)


def test_mark_handled_updates_the_inbox_caption_out_of_band(
    client: TestClient, world: World, alerts: dict[str, int]
) -> None:
    """After "Mark handled" the list's caption says the new count (issue 16: it kept the old)."""
    login(client, "account-manager")
    page = client.get("/alerts").text
    token = csrf_from(page)
    caption = re.search(r'<span id="inbox-caption">(.*?)</span></span>', page, re.S)
    assert caption is not None
    assert re.sub(r"\s+", " ", caption.group(1)).startswith("<strong>4</strong> open alerts")
    shown_at = "http://testserver/alerts?kind=&status=open"
    done = client.post(
        f"/alerts/{alerts['rhythm_left']}/handle",
        data={"outcome": "kept"},
        headers={**HTMX, "X-CSRF-Token": token, "HX-Current-URL": shown_at},
    )
    assert done.status_code == 200
    oob = re.sub(r"\s+", " ", done.text.split('<span id="inbox-caption"', 1)[1])
    assert oob.startswith(' hx-swap-oob="true"><strong>3</strong> open alerts')
    # The list of every status still holds 5 alerts (one handled now).
    every = client.post(
        f"/alerts/{alerts['rhythm_false']}/handle",
        data={"outcome": "false-alarm"},
        headers={**HTMX, "X-CSRF-Token": token, "HX-Current-URL": shown_at + "&status=all"},
    )
    text = re.sub(r"\s+", " ", every.text)
    assert 'hx-swap-oob="true"><strong>' in text
    assert re.search(r'id="inbox-caption" hx-swap-oob="true"><strong>\d+</strong> alerts', text)
