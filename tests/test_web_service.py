"""The service dashboard (issue 20, ``web/pages/service.py``) on both backends: on the web test
world the page shows the figures ``quality/service.py`` computes (cards, chains per channel,
NPS per group, teams, drivers), the CSV exports hold the same rows, managers and admins see it
and agents and account managers get 403, and wrong input is a 4xx, never a 500.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import NOW, World, login, make_client
from valuecenter.analytics.nps import NpsEstimate
from valuecenter.bounds import FIRST_DAY, LAST_DAY
from valuecenter.contacts.models import Channel, Contact, ContactReason, Direction
from valuecenter.errors import InvalidInput
from valuecenter.i18n import format_number, format_percent, use_locale
from valuecenter.quality.kpis import kpi_report
from valuecenter.quality.reasons import reasons_report
from valuecenter.quality.service import chain_report, enps_report, nps_report
from valuecenter.surveys.models import Survey
from valuecenter.web.pages.service import (
    Change,
    _period,
    fcr_change,
    nps_change,
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, attribute: str, value: str) -> str:
    found = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={value}"
    return _text(found.group(1))


def _nps(e: NpsEstimate | None) -> str:
    assert e is not None
    return format_number(100 * e.nps, decimals=1)


def _add_history(sessions: sessionmaker[Session], world: World) -> None:
    """A few more answered contacts of the own customer, so NPS has groups to show."""
    with sessions.begin() as session:
        for i, (channel, score) in enumerate(
            [(Channel.PHONE, 9), (Channel.PHONE, 3), (Channel.CHAT, 10), (Channel.EMAIL, 7)]
        ):
            at = NOW - timedelta(days=40 + 3 * i)
            contact = Contact(
                external_id=f"SV{i}", customer_id=world.own.id, channel=channel,
                direction=Direction.INBOUND, started_at=at, wait_seconds=60, talk_seconds=200,
                wrap_seconds=20, abandoned=False, resolved=bool(i % 2), queue=f"q-{channel}",
            )  # fmt: skip
            session.add(contact)
            session.flush()
            session.add(ContactReason(contact_id=contact.id, position=1, reason="invoice"))
            session.add(
                Survey(
                    external_id=f"SVS{i}",
                    customer_id=world.own.id,
                    contact_id=contact.id,
                    channel=channel.value,
                    answered_at=at + timedelta(hours=2),
                    nps=score,
                )
            )


def test_the_page_shows_the_services_figures(
    world: World, sessions: sessionmaker[Session], db_url: str
) -> None:
    _add_history(sessions, world)
    with sessions() as session:
        chains = chain_report(session)
        by_channel = nps_report(session, "channel")
        by_team = nps_report(session, "team")
        teams = enps_report(session)
    with make_client(db_url) as client:
        login(client, "manager")
        page = client.get("/service")
        assert page.status_code == 200, page.text
        html = page.text
        with use_locale("en"):
            o = chains.overall
            assert o.fcr is not None
            assert o.fcr_tick_box is not None
            card = _text(html.split('id="card-fcr"')[1].split("</div>")[0])
            assert format_percent(o.fcr, decimals=1) in card
            assert format_percent(o.fcr_tick_box, decimals=1) in card
            assert _nps(by_channel.overall) in _text(html.split('id="card-nps"')[1][:600])
            for name, f in chains.by_channel.items():
                row = _row(html, "data-channel", name)
                assert f"{f.contacts:,}" in row
                if f.fcr is not None:
                    assert format_percent(f.fcr, decimals=1) in row
            for group, e in by_channel.groups:
                assert group is not None
                row = _row(html, "data-group", group)
                assert _nps(e) in row
                assert f" {e.counts.n} " in f" {row} "
            for team, _enps, customers in teams.teams:
                if customers is not None:
                    assert _nps(customers) in _row(html, "data-team", team)
        # service levels per queue and the top reasons, as the services compute them
        with sessions() as session:
            levels = kpi_report(session, by="queue", interval="all")
            top = reasons_report(session).pareto_primary
        assert levels.rows  # the contacts reached queues the product does not know (20 s)
        for level in levels.rows:
            assert f"{level.figures.offered:,}" in _row(html, "data-queue", level.group)
        assert 'id="levels-table"' in html
        reasons_table = html.split('id="reasons-table"')[1].split("</table>")[0]
        for reason in top[:8]:
            assert reason.reason in reasons_table
        assert '<a href="/service" aria-current="page">' in html
        assert 'hx-get="/service/drivers"' in html
        # the htmx selector's fragment: NPS per team
        part = client.get("/service/nps?by=team")
        assert part.status_code == 200
        assert "<html" not in part.text
        for group, e in by_team.groups:
            if group is not None:
                assert _nps(e) in _row(part.text, "data-group", group)
        # drivers: the test world has too few answers; the fragment says why, not a 500
        drivers = client.get("/service/drivers")
        assert drivers.status_code == 200
        assert 'id="drivers-none"' in drivers.text or 'id="drivers-said"' in drivers.text
        # Dutch
        client.cookies.set("lang", "nl")
        dutch = client.get("/service", headers={"Accept-Language": "nl"})
        assert dutch.status_code == 200


def test_csv_exports_hold_the_services_rows(
    world: World, sessions: sessionmaker[Session], db_url: str
) -> None:
    _add_history(sessions, world)
    with sessions() as session:
        chains = chain_report(session)
        by_channel = nps_report(session, "channel")
    with make_client(db_url) as client:
        login(client, "admin")
        got = client.get("/service/chains/export.csv")
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))
        assert [r["channel"] for r in rows] == ["all", *chains.by_channel]
        assert int(rows[0]["contacts"]) == chains.overall.contacts
        got = client.get("/service/nps/export.csv?by=channel")
        rows = list(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))
        assert by_channel.overall is not None
        assert int(rows[0]["n"]) == by_channel.overall.counts.n == by_channel.answers
        assert sum(int(r["n"]) for r in rows[1:]) == by_channel.answers
        got = client.get("/service/levels/export.csv")
        rows = list(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))
        with sessions() as session:
            levels = kpi_report(session, by="queue", interval="all")
        assert [r["queue"] for r in rows] == [r.group for r in levels.rows]
        for path in (
            "/service/teams/export.csv",
            "/service/trend/export.csv",
            "/service/drivers/export.csv",
        ):
            got = client.get(path)
            assert got.status_code == 200, path
            assert got.text.lstrip("\ufeff").splitlines()[0].count(",") >= 4


def test_only_managers_and_admins_and_bad_input_is_a_4xx(world: World, db_url: str) -> None:
    paths = ("/service", "/service/nps", "/service/drivers", "/service/chains/export.csv")
    for role in ("agent", "account-manager"):
        with make_client(db_url) as client:
            login(client, role)
            assert 'href="/service"' not in client.get("/customers").text
            for path in paths:
                assert client.get(path).status_code == 403, (role, path)
    with make_client(db_url) as client:
        assert client.get("/service", follow_redirects=False).status_code in (302, 303, 401)
        login(client, "manager")
        for query in (
            "since=9999-01-01",
            "until=9999-12-31",
            "since=1970-01-01",
            "since=2026-13-01",
            "since=0",
            "since=2026-05-01&until=2026-04-01",
            "by=nonsense",
            "by=%00",
        ):
            for path in ("/service", "/service/nps", "/service/drivers", "/service/nps/export.csv"):
                if path == "/service/drivers" and query.startswith("by="):
                    continue  # the drivers take no group
                got = client.get(f"{path}?{query}")
                assert got.status_code == 422, (path, query, got.status_code)
        assert client.get("/service?since=2026-01-01&until=2026-02-01").status_code == 200
        assert client.get("/service?since=2000-01-01&until=2100-12-31").status_code == 200
        # a period without any data: the page renders with its empty states
        empty = client.get("/service?since=2001-01-01&until=2001-02-01")
        assert empty.status_code == 200
        assert "No NPS answers in the period." in empty.text


def test_the_sibling_pages_are_linked_once_they_exist(world: World, db_url: str) -> None:
    with make_client(db_url) as client:
        login(client, "manager")
        assert 'id="service-links"' not in client.get("/service").text
        app = client.app
        assert isinstance(app, FastAPI)
        app.add_api_route("/service/reasons", lambda: {}, name="service_reasons")
        page = client.get("/service").text
        assert 'id="service-links"' in page
        assert 'href="/service/reasons"' in page
        assert 'href="/service/followups"' not in page


@given(since=st.text(max_size=12), until=st.text(max_size=12))
def test_any_period_text_is_a_period_or_a_named_refusal(since: str, until: str) -> None:
    refused: InvalidInput | None = None
    try:
        period = _period(since, until)
    except InvalidInput as error:
        refused = error
    if refused is not None:
        assert refused.field in ("since", "until")
        return
    for day in (period.since, period.until):
        assert day is None or FIRST_DAY <= day <= LAST_DAY
    if period.since is not None and period.until is not None:
        assert period.since < period.until


def test_the_changes_in_words() -> None:
    with use_locale("en"):
        rose = fcr_change((0.030, 0.015, 0.045), tick_box=True)
        assert rose == Change("up", "FCR by the tick box rose +3.0 points [+1.5, +4.5]")
        flat = nps_change((0.037, -0.030, 0.104))
        assert flat == Change("flat", "NPS changed +3.7 [−3.0, +10.4]: no significant change")
        fell = fcr_change((-0.019, -0.035, -0.002), tick_box=False)
        assert fell is not None
        assert fell.direction == "down"
        assert nps_change(None) is None
