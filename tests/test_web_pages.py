"""The pages: customer search (full page and htmx partial), the customer 360, error pages,
formatting, security headers and the packaged assets."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import (
    World,
    bearer,
    login,
    make_client,
    settings_for,
)
from valuecenter.formatting import money_short
from valuecenter.web.templating import day, duration, money, nps_class, stamp

REPO = Path(__file__).resolve().parents[1]
HTMX = {"HX-Request": "true", "HX-Target": "results"}


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _rows(html: str) -> list[str]:
    return re.findall(r'<a class="strong" href="/customers/\d+">([^<]+)</a>', html)


def test_search_page_and_live_results(client: TestClient, world: World) -> None:
    login(client, "manager")
    page = client.get("/customers")
    assert page.status_code == 200
    html = page.text
    assert "<!doctype html>" in html
    assert 'hx-get="/customers"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert '"X-CSRF-Token"' in html  # hx-headers on <body>
    assert _rows(html)[0] == "Atelier Vos"
    assert len(_rows(html)) == 6
    assert '<option value="AM02"' in html
    assert '<option value="BE"' in html

    partial = client.get("/customers", params={"q": "bakk"}, headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert _rows(partial.text) == ["Bakkerij de Vries"]
    assert partial.headers["Vary"].startswith("HX-Request, HX-Target")

    # a history restore needs the whole page again
    restore = client.get(
        "/customers", params={"q": "bakk"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<!doctype html>" in restore.text

    filtered = client.get("/customers", params={"country": "BE", "account_manager": "AM02"})
    assert _rows(filtered.text) == ["Atelier Vos", "Brasserie Lumière"]
    assert "Brasserie Lumière" in filtered.text


def test_search_paging_and_empty_states(client: TestClient, world: World) -> None:
    login(client, "agent")
    from valuecenter.web.pages import customers as pages

    pages.PAGE_SIZE, old = 4, pages.PAGE_SIZE
    try:
        first = client.get("/customers", headers=HTMX).text
        assert "page 1 of 2" in first
        assert 'href="/customers?page=2"' in first
        assert 'hx-target="#results" hx-push-url="true"' in first  # swaps the results' inside
        second = client.get("/customers", params={"page": 2}, headers=HTMX).text
        assert len(_rows(second)) == 2
        assert "Previous" in second
        assert "Next" not in second
        past = client.get("/customers", params={"page": 9}, headers=HTMX).text
        assert "past the end" in past
    finally:
        pages.PAGE_SIZE = old
    none = client.get("/customers", params={"q": "zzz"}, headers=HTMX).text
    assert "No customers match." in none


def test_account_manager_page_shows_only_his_pool(client: TestClient, world: World) -> None:
    login(client, "account-manager")
    html = client.get("/customers").text
    assert set(_rows(html)) == {"Bakkerij de Vries", "Café Zonneveld", "Drukkerij Noord"}
    assert "Your pool AM01" in html
    assert '<option value="AM02"' not in html
    assert _rows(client.get("/customers", params={"account_manager": "AM02"}).text) == []


def test_customer_360_page(client: TestClient, world: World) -> None:
    login(client, "agent")
    response = client.get(f"/customers/{world.own.id}")
    assert response.status_code == 200
    html = response.text
    for expected in (
        "<h1>Bakkerij de Vries</h1>",
        "C1001",
        "Anna de Jong",
        "€2,033.50",  # revenue, last 12 months (English page: English amounts)
        "Order O-3",
        "€1,930.00",
        "-€34.50",  # the return
        "delivery, invoice",
        "Sanne Bakker",
        "Delivery was late again",
        "Oven maintenance plus",
        "withdrawn",
        "Sourdough flour 25 kg",
        "Phone 2 · Chat 1 · E-mail 1",
    ):
        assert expected in html, expected
    assert html.count('class="tl tl-') == 14

    only_surveys = client.get(f"/customers/{world.own.id}", params={"show": "survey"}).text
    assert only_surveys.count('class="tl tl-') == 2
    ignored = client.get(f"/customers/{world.own.id}", params={"show": "bogus"}).text
    assert ignored.count('class="tl tl-') == 14


def test_customer_without_history_shows_useful_empty_states(
    client: TestClient, world: World
) -> None:
    login(client, "agent")
    html = client.get(f"/customers/{world.customers['D9001'].id}").text
    for expected in (
        "no contacts yet",
        "no orders yet",
        "no survey answered yet",
        "No contracts.",
        "Nothing here yet.",
        "€0.00",
    ):
        assert expected in html, expected


def test_error_pages_are_friendly(client: TestClient, world: World) -> None:
    login(client, "account-manager")
    for path in (f"/customers/{world.other.id}", "/customers/999999", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        assert "Not found" in response.text
        assert "Back to customers" in response.text
    bad = client.get("/customers", params={"page": "x"})
    assert bad.status_code == 422
    assert "page: must be a whole number (given: x)" in bad.text


def test_user_content_is_escaped(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        customer = session.get(type(world.own), world.own.id)
        assert customer is not None
        customer.name = "<script>alert(1)</script>"
    login(client, "agent")
    html = client.get(f"/customers/{world.own.id}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_security_headers(client: TestClient, world: World) -> None:
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    static = client.get("/static/vendor/htmx.min.js")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_api_docs_are_served_from_vendored_swagger_ui(client: TestClient) -> None:
    import base64
    import hashlib

    docs = client.get("/docs")
    assert docs.status_code == 200
    html = docs.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert f'"/static/vendor/swagger-ui/{asset}"' in html, asset
    assert re.findall(r"https?://", html) == [], "a URL to another host (a CDN?)"
    assert "url: '/openapi.json'" in html
    assert '"validatorUrl": null' in html

    # Self only; the one inline script (Swagger UI's start-up call) allowed by its hash.
    csp = dict(d.strip().split(" ", 1) for d in docs.headers["Content-Security-Policy"].split(";"))
    (inline,) = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert csp["script-src"] == f"'self' 'sha256-{digest}'"
    assert csp["style-src"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert "unsafe" not in docs.headers["Content-Security-Policy"]
    assert docs.headers["Cache-Control"] == "no-store"

    for asset, kind, size in (
        ("swagger-ui-bundle.js", "javascript", 1_000_000),
        ("swagger-ui.css", "text/css", 100_000),
        ("favicon-32x32.png", "image/png", 100),
    ):
        got = client.get(f"/static/vendor/swagger-ui/{asset}")
        assert got.status_code == 200, asset
        assert kind in got.headers["content-type"], asset
        assert len(got.content) > size, asset
    assert client.get("/redoc").status_code == 404
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


def test_contact_time_is_shown_in_the_display_timezone(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    from datetime import UTC, datetime

    from valuecenter.contacts.models import Channel, Contact

    with sessions() as session, session.begin():
        for ext, at in (
            ("K-TZ1", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),  # CET, UTC+1
            ("K-TZ2", datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),  # already 3 March there
        ):
            session.add(
                Contact(
                    external_id=ext, customer_id=world.own.id, channel=Channel.SMS, started_at=at
                )
            )
    login(client, "agent")
    html = client.get(f"/customers/{world.own.id}", params={"show": "contact"}).text
    when = dict(re.findall(r'<time class="tl-when" datetime="([^"]+)"><span>([^<]*)</span>', html))
    clock = dict(re.findall(r'<time class="tl-when" datetime="([^"]+)">.*?muted">([^<]*)<', html))
    # the page shows Amsterdam time; the machine-readable attribute stays UTC
    assert when["2026-03-02T08:00:00+00:00"] == "2 Mar 2026"
    assert clock["2026-03-02T08:00:00+00:00"] == "09:00"
    assert when["2026-03-02T23:30:00+00:00"] == "3 Mar 2026"
    assert clock["2026-03-02T23:30:00+00:00"] == "00:30"
    assert "times in Europe/Amsterdam" in html
    api = client.get(f"/api/v1/customers/{world.own.id}", headers=bearer(world.tokens["agent"]))
    started = {k["started_at"] for k in api.json()["contacts"]["items"]}
    assert {"2026-03-02T08:00:00Z", "2026-03-02T23:30:00Z"} <= started  # the API stays UTC


def test_display_timezone_is_a_setting(db_url: str, world: World) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        settings_for(db_url, display_timezone="Mars/Olympus")
    with make_client(db_url, display_timezone="UTC") as utc:
        login(utc, "agent")
        assert "times in UTC" in utc.get("/customers").text


def test_formatting() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert stamp(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), amsterdam) == "2 Mar 2026 09:00"
    assert stamp(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), amsterdam) == "1 Jul 2026 10:00"  # CEST
    assert day(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), amsterdam) == "3 Mar 2026"
    assert day(date(2026, 3, 2), amsterdam) == "2 Mar 2026"  # a date is not shifted
    assert money(123456) == "€1,234.56"  # the default language; Dutch: tests/test_i18n_pages.py
    assert money(-1250) == "-€12.50"
    assert money(5) == "€0.05"
    assert money(100_000_000_00, "USD") == "US$100,000,000.00"
    assert money(100, "CHF") == "CHF1.00"
    assert money(None) == "–"
    assert money_short(123456) == "€1,235"  # valuecenter.formatting follows the locale too
    assert day(date(2026, 3, 2)) == "2 Mar 2026"
    assert stamp(datetime(2026, 3, 2, 9, 5, tzinfo=UTC)) == "2 Mar 2026 09:05"
    assert duration(410) == "6:50"
    assert duration(3725) == "1:02:05"
    assert [nps_class(s) for s in (0, 6, 7, 8, 9, 10, None)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
        "none",
    ]


def test_vendored_htmx_is_pinned_with_its_licence() -> None:
    vendor = REPO / "src/valuecenter/web/static/vendor"
    assert (vendor / "htmx.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (vendor / "htmx.LICENSE").read_text()
    assert "htmx.org 2.0.11" in (vendor / "VERSIONS.txt").read_text()
    script = (REPO / "scripts/vendor-assets.sh").read_text()
    assert "HTMX_VERSION=2.0.11" in script
    assert "npm pack" in script


def test_vendored_swagger_ui_is_pinned_with_its_licence() -> None:
    swagger = REPO / "src/valuecenter/web/static/vendor/swagger-ui"
    assert sorted(p.name for p in swagger.iterdir()) == [
        "LICENSE",
        "NOTICE",
        "favicon-32x32.png",
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css",
    ]
    assert "Apache License" in (swagger / "LICENSE").read_text()
    assert "SmartBear" in (swagger / "NOTICE").read_text()
    assert (
        "swagger-ui-dist 5.35.0"
        in (REPO / "src/valuecenter/web/static/vendor/VERSIONS.txt").read_text()
    )
    assert "SWAGGER_UI_VERSION=5.35.0" in (REPO / "scripts/vendor-assets.sh").read_text()


def test_wheel_contains_templates_and_static(tmp_path: Path) -> None:
    import subprocess
    import sys

    # Builds offline (~1.5 s) with the hatchling of the dev extras; without it, it cannot build.
    pytest.importorskip("hatchling", reason="hatchling (the build backend) is not installed")

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("valuecenter-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "valuecenter/web/templates/base.html",
        "valuecenter/web/templates/customers/detail.html",
        "valuecenter/web/static/app.css",
        "valuecenter/web/static/vendor/htmx.min.js",
        "valuecenter/web/static/vendor/htmx.LICENSE",
        "valuecenter/web/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "valuecenter/web/static/vendor/swagger-ui/LICENSE",
    ):
        assert needed in names, needed
