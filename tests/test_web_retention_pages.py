"""The save desk page and the save-value ledger page (issue 7) on every backend: who may open
them, an account manager's own pool only, the suggestion and the control badge in the row,
recording an outcome through the row's htmx form (CSRF-checked; the closed row comes back with
the head line out of band; errors come back in the row), and the ledger's gross figure never
without the incremental one beside it, the non-randomised rows marked.

The open cases are opened through the desk's own ``open_case`` with a fixed draw (the arm is
under test in test_retention_desk.py); the suggestion's figures below are worked by hand from
the rule in ``retention/desk/service.py``. The ledger's closed cases are written directly with
hand-counted gross and incremental figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import World, csrf_from, login, make_client
from valuecenter.agents.models import Agent
from valuecenter.analytics.ledger import Incremental
from valuecenter.db.base import utcnow
from valuecenter.retention.desk import service as desk
from valuecenter.retention.desk.ledger import LedgerRow, ledger
from valuecenter.retention.models import (
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveSource,
    SaveStatus,
)
from valuecenter.retention.offers import OfferSpec, offer_by_code, upsert_offer
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.web.pages.retention_desk import control_words, suggestion_of
from valuecenter.web.pages.retention_ledger import RowView, _view, chart_spec, shown

HTMX = {"HX-Request": "true"}
SCORE_RUN = "score-20261101-0001"
CLV = {"C1001": 400_000, "C1002": 90_000, "C2001": 250_000, "C1003": 100_000}
OFFERS = (
    OfferSpec("free-month", "One month free", "free-months", free_months=1, prior_uplift=0.08),
    OfferSpec("handset", "A new handset", "handset", fixed_cost_cents=15_000, prior_uplift=0.12),
)


@dataclass(frozen=True)
class Cases:
    big: int  # C1001, own pool, desk: suggested handset, net € 387
    small: int  # C1002, own pool, desk, no contract: suggested handset, net € 15
    control: int  # C2001, the other pool, control


def _score_run(session: Session, world: World) -> ScoreRun:
    now = utcnow()
    run = ScoreRun(
        run_id=SCORE_RUN, started_at=now, finished_at=now, as_of=now.date(), customers=6,
        scored=4, horizon_months=36, discount_rate=0.1, models={}, segments={}, seconds=1.0,
    )  # fmt: skip
    session.add(run)
    session.flush()
    for ext, clv in CLV.items():
        session.add(
            CustomerScore(
                run_id=run.id, customer_id=world.customers[ext].id, revenue_12m_cents=0,
                revenue_cents=0, purchases=1, clv_cents=clv, segment="grow",
            )
        )  # fmt: skip
    return run


@pytest.fixture
def cases(world: World, sessions: sessionmaker[Session]) -> Cases:
    """A score run, the two offers, the agent user linked to agent A-7, and three open cases
    opened by the desk without any history (so every uplift is the catalogue's prior)."""
    with sessions() as session:
        _score_run(session, world)
        for spec in OFFERS:
            upsert_offer(session, spec)
        agent = session.scalars(select(Agent).where(Agent.external_id == "A-7")).one()
        agent.user_id = world.users["agent"].id
        ids = {}
        for name, ext, arm, hours in (("big", "C1001", SaveArm.DESK, 5),
                                      ("small", "C1002", SaveArm.DESK, 3),
                                      ("control", "C2001", SaveArm.CONTROL, 1)):  # fmt: skip
            made = desk.open_case(
                session,
                world.customers[ext].id,
                SaveSource.IVR if name != "small" else SaveSource.CONTACT_REASON,
                at=utcnow() - timedelta(hours=hours),
                control_share=0.1,
                arm=arm,
            )
            ids[name] = made.id
        session.commit()
        return Cases(**ids)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _row_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="case-(\d+)"', html)]


def _row(html: str, case_id: int) -> str:
    # The row ends after its outcome cell (its suggestion cell holds a table of its own).
    found = re.search(
        rf'<tr id="case-{case_id}".*?<td class="sd-outcome">.*?</td>\s*</tr>', html, re.S
    )
    assert found, f"no row of case {case_id}"
    return _text(found.group(0))


# --- the save desk ---


def test_the_desk_for_agents_managers_and_an_account_managers_pool(
    client: TestClient, world: World, cases: Cases
) -> None:
    assert client.get("/retention/desk", follow_redirects=False).status_code == 303  # log in
    login(client, "agent")
    html = client.get("/retention/desk").text
    assert _row_ids(html) == [cases.big, cases.control, cases.small]  # most valuable first
    text = _text(html)
    assert (
        "The whole desk: <strong>3</strong> open cases, <strong>€7,400</strong> of customer "
        "value (CLV) at stake" in text
    )
    assert (
        "1 in 10 cancel callers gets standard handling, no offer, so the desk&#39;s effect can "
        "be measured" in text
    )
    assert '<a href="/retention/desk" aria-current="page">Retention</a>' in html
    assert 'href="/retention/ledger"' not in html  # the ledger tab is for managers
    assert f'href="/customers/{world.customers["C2001"].id}"' in html
    newest = client.get("/retention/desk", params={"order": "newest"}).text
    assert _row_ids(newest) == [cases.control, cases.small, cases.big]
    for role in ("manager", "admin"):
        login(client, role)
        page = client.get("/retention/desk")
        assert page.status_code == 200
        assert _row_ids(page.text) == [cases.big, cases.control, cases.small]
        assert 'href="/retention/ledger"' in page.text

    login(client, "account-manager")
    mine = client.get("/retention/desk").text
    assert _row_ids(mine) == [cases.big, cases.small]  # not the other pool's case
    assert "Brasserie Lumière" not in mine
    assert (
        "Your pool: <strong>AM01</strong> (Anna de Jong): <strong>2</strong> open cases, "
        "<strong>€4,900</strong>" in _text(mine)
    )


def test_a_row_shows_the_suggestion_and_a_control_case_says_no_offer(
    client: TestClient, world: World, cases: Cases
) -> None:
    login(client, "agent")
    html = client.get("/retention/desk").text
    big = _row(html, cases.big)
    # No history: uplift = the prior, keep = 0.5 + uplift. Handset: 0.12 × € 4.000 − 0.62 ×
    # € 150 = € 387; free month: 0.08 × € 4.000 − 0.58 × € 49,50 = € 291.
    assert "<strong>A new handset</strong>" in big
    assert 'expected net <strong class="pos">€387</strong>' in big
    assert "Why: +12.0 pts kept × €4,000 CLV − 62% × €150 cost, the best of 2 offers." in big
    assert "Uplift is the catalogue's guess: not measured on the desk yet." in big
    assert '<span class="pos">€291</span>' in big  # the free month, in the offers weighed
    assert '<option value="handset" selected>A new handset</option>' in big
    assert '<option value="">No offer</option>' in big
    assert "IVR: chose “cancel”" in big
    assert "Pays €50 a month" in big  # a reason in the reader's language (€49.50 in whole euros)
    assert "€4,000" in big
    assert "€50/month" in big
    small = _row(html, cases.small)
    assert "Contact reason: cancel" in small
    # No running contract, so no fee: a free month gives him nothing and is not weighed; the
    # handset: 12 points × € 900 CLV − 62% kept × € 150 = € 15.
    assert "<strong>A new handset</strong>" in small
    assert 'expected net <strong class="pos">€15</strong>' in small
    assert "the best of 1 offer." in small
    control = _row(html, cases.control)
    assert "Control — standard handling, no offer" in control
    assert "make <strong>no offer</strong>" in control
    assert 'name="offer_code"' not in control
    assert "expected net" not in control
    assert 'class="arm arm-desk"' in big
    assert 'class="arm arm-desk"' not in control


def test_the_desk_filters(client: TestClient, world: World, cases: Cases) -> None:
    login(client, "manager")
    assert _row_ids(client.get("/retention/desk", params={"status": "closed"}).text) == []
    assert "No closed save cases." in client.get("/retention/desk?status=closed").text
    everything = client.get("/retention/desk", params={"status": "all", "order": ""}).text
    assert len(_row_ids(everything)) == 3
    for params, field in (({"status": "gone"}, "status"), ({"order": "oldest"}, "order")):
        bad = client.get("/retention/desk", params=params)
        assert bad.status_code == 422
        assert f"{field}: &#39;" in bad.text


def _post(client: TestClient, case_id: int, data: dict[str, str], token: str | None) -> str:
    headers = {**HTMX, **({"X-CSRF-Token": token} if token else {})}
    response = client.post(f"/retention/desk/{case_id}/outcome", data=data, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def _status(sessions: sessionmaker[Session], case_id: int) -> SaveStatus:
    with sessions() as session:
        found = session.get(SaveCase, case_id)
        assert found is not None
        return found.status


def test_the_outcome_form_needs_the_csrf_token(
    client: TestClient, world: World, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    login(client, "agent")
    url = f"/retention/desk/{cases.big}/outcome"
    refused = client.post(url, data={"outcome": "kept"}, headers=HTMX)
    assert refused.status_code == 403
    forged = client.post(url, data={"outcome": "kept"}, headers={**HTMX, "X-CSRF-Token": "x"})
    assert forged.status_code == 403
    plain = client.post(url, data={"outcome": "kept"}, follow_redirects=False)  # no form token
    assert plain.status_code == 403
    assert _status(sessions, cases.big) == SaveStatus.OPEN


def test_recording_kept_with_an_offer_returns_the_closed_row(
    client: TestClient, world: World, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    login(client, "agent")
    token = csrf_from(client.get("/retention/desk").text)
    row = _post(
        client,
        cases.big,
        {"outcome": "kept", "offer_code": "handset", "note": "Wants the new model"},
        token,
    )
    assert "<html" not in row
    assert row.lstrip().startswith(f'<tr id="case-{cases.big}" class="case-row case-closed">')
    closed = _row(row, cases.big)
    assert '<span class="outcome outcome-kept">Kept</span>' in closed
    assert "with <strong>A new handset</strong>" in closed
    assert "offer cost €150" in closed
    assert 'agent <span class="mono">A-7</span>' in closed
    assert "Wants the new model" in closed
    assert "<form" not in closed
    head = _text(row.split("<template>", 1)[1])  # the head line, out of band
    assert head.startswith('<p class="inbox-who" id="desk-who" hx-swap-oob="true">')
    assert "<strong>2</strong> open cases, <strong>€3,400</strong>" in head
    with sessions() as session:
        saved = session.get(SaveCase, cases.big)
        assert saved is not None
        assert (saved.status, saved.outcome, saved.offer_cost_cents) == (
            SaveStatus.CLOSED, SaveOutcome.KEPT, 15_000
        )  # fmt: skip
        assert saved.offer_id == offer_by_code(session, "handset").id
    # The closed row stays out of the open desk and shows under "closed".
    assert cases.big not in _row_ids(client.get("/retention/desk").text)
    assert _row_ids(client.get("/retention/desk?status=closed").text) == [cases.big]
    # Closed meanwhile (another tab): the row says so and stays closed.
    again = _text(_post(client, cases.big, {"outcome": "cancelled"}, token))
    assert f"save case {cases.big} was already closed (kept)" in again
    assert '<span class="outcome outcome-kept">Kept</span>' in again


def test_a_control_case_refuses_an_offer_in_its_row(
    client: TestClient, world: World, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    login(client, "manager")
    token = csrf_from(client.get("/retention/desk").text)
    row = _text(_post(client, cases.control, {"outcome": "kept", "offer_code": "handset"}, token))
    assert (
        f'<p class="row-message" role="alert">save case {cases.control} is in the control group: '
        "it gets standard handling, no offer</p>" in row
    )
    assert "<form" in row  # still open, to be recorded without the offer
    assert _status(sessions, cases.control) == SaveStatus.OPEN
    done = _text(_post(client, cases.control, {"outcome": "cancelled", "offer_code": ""}, token))
    assert '<span class="outcome outcome-cancelled">Cancelled</span>' in done
    assert "no offer" in done
    assert _status(sessions, cases.control) == SaveStatus.CLOSED


def test_outcome_errors_come_back_in_the_row_or_as_pages(
    client: TestClient, world: World, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    login(client, "account-manager")
    token = csrf_from(client.get("/retention/desk").text)
    wrong = _text(_post(client, cases.small, {"outcome": "maybe"}, token))
    assert "outcome: &#39;maybe&#39; is not one of kept, cancelled" in wrong
    assert "<form" in wrong
    unknown = _text(_post(client, cases.small, {"outcome": "kept", "offer_code": "car"}, token))
    assert "offer_code: &#39;car&#39; is not an offer" in unknown
    long = _text(_post(client, cases.small, {"outcome": "kept", "note": "x" * 2001}, token))
    assert "note: is 2,001 characters; at most 2,000" in long
    # Another pool's case stays a 404, whatever the fields.
    for outcome in ("kept", "maybe"):
        foreign = client.post(
            f"/retention/desk/{cases.control}/outcome",
            data={"outcome": outcome},
            headers={**HTMX, "X-CSRF-Token": token},
        )
        assert foreign.status_code == 404
    assert _status(sessions, cases.small) == SaveStatus.OPEN
    # Without JavaScript: the form field carries the token; back to the desk.
    plain = client.post(
        f"/retention/desk/{cases.small}/outcome",
        data={"outcome": "cancelled", "csrf_token": token},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/retention/desk"
    assert _status(sessions, cases.small) == SaveStatus.CLOSED
    bad = client.post(
        f"/retention/desk/{cases.big}/outcome",
        data={"outcome": "maybe", "csrf_token": token},
        follow_redirects=False,
    )
    assert bad.status_code == 422  # the error page
    assert "outcome: &#39;maybe&#39;" in bad.text


# --- the ledger ---

AUGUST = datetime(2026, 8, 10, 9, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def books(world: World, sessions: sessionmaker[Session]) -> None:
    """Closed cases, each worth € 1.000: August 12 desk cases (9 kept, three of them with the
    handset at € 150) and 12 control cases (6 kept); September 3 desk (all kept, no offer) and
    2 control cases (1 kept). By hand, August: gross 9 saves, € 9.000; incremental
    12 × (9/12 − 6/12) = +3.0 saves, 12 × (€ 750 − € 500) = € 3.000; offers € 450; net € 2.550.
    September: +1.5 saves, € 1.500, without an interval (too few cases)."""
    with sessions() as session:
        run = _score_run(session, world)
        for spec in OFFERS:
            upsert_offer(session, spec)
        handset = offer_by_code(session, "handset").id
        agent = session.scalars(select(Agent.id).where(Agent.external_id == "A-7")).one()
        customers = [c.id for c in world.customers.values()]
        arms = [(AUGUST, SaveArm.DESK, k < 9, handset if k < 3 else None) for k in range(12)]
        arms += [(AUGUST, SaveArm.CONTROL, k < 6, None) for k in range(12)]
        arms += [(SEPTEMBER, SaveArm.DESK, True, None) for _ in range(3)]
        arms += [(SEPTEMBER, SaveArm.CONTROL, k == 0, None) for k in range(2)]
        for k, (when, arm, kept, offer) in enumerate(arms):
            at = when + timedelta(hours=k % 12)
            session.add(
                SaveCase(
                    customer_id=customers[k % len(customers)], source=SaveSource.IVR,
                    opened_at=at - timedelta(days=1), arm=arm, status=SaveStatus.CLOSED,
                    value_cents=100_000, monthly_fee_cents=None, reasons=[], score_run_id=run.id,
                    suggestion={}, offer_id=offer, offer_cost_cents=15_000 if offer else 0,
                    outcome=SaveOutcome.KEPT if kept else SaveOutcome.CANCELLED, closed_at=at,
                    agent_id=agent if arm == SaveArm.DESK else None,
                )
            )  # fmt: skip
        session.commit()


def _cards(html: str) -> dict[str, str]:
    return {
        name: _text(found.group(1))
        for name, found in (
            (n, re.search(rf'<div class="card[^"]*" id="card-{n}">(.*?)</div>', html, re.S))
            for n in ("gross", "incremental", "cost", "net")
        )
        if found
    }


def test_the_ledger_is_for_managers(client: TestClient, world: World, books: None) -> None:
    for role in ("agent", "account-manager"):
        login(client, role)
        refused = client.get("/retention/ledger")
        assert refused.status_code == 403
        assert "this needs one of the roles: admin, manager" in refused.text
    login(client, "admin")
    assert client.get("/retention/ledger").status_code == 200


def test_the_ledger_shows_gross_and_incremental_together(
    client: TestClient, world: World, books: None, sessions: sessionmaker[Session]
) -> None:
    login(client, "manager")
    html = client.get("/retention/ledger", params={"until": "2026-09-01"}).text
    cards = _cards(html)
    assert "€9,000" in cards["gross"]
    assert "9 customers kept × their CLV — most would have stayed anyway" in cards["gross"]
    with sessions() as session:
        (_august, total) = ledger(session, "month", None, date(2026, 9, 1))
    value = total.incremental_value_cents
    assert value.low is not None
    assert value.high is not None
    assert (
        f'<span class="card-value {shown(value, True).sign}">€3,000</span>' in cards["incremental"]
    )
    assert (
        f"95% interval {shown(value, True).low} to {shown(value, True).high}"
        in cards["incremental"]
    )
    assert "+3.0 saves beyond the control group's keep rate" in cards["incremental"]
    assert "€450" in cards["cost"]
    assert "€2,550" in cards["net"]
    text = _text(html)
    assert "Cases closed before 1 Sept 2026" in text  # CLDR en_IE: "Sept"
    assert "24 cases compared: 12 desk, 12 in the control group (50%)" in text
    assert f'score run <span class="mono">{SCORE_RUN}</span>' in text
    assert "1 in 10 cancel callers gets standard handling" in text
    row = _text(re.search(r'<tr id="row-2026-08">(.*?)</tr>', html, re.S).group(1))  # type: ignore[union-attr]
    cells = re.findall(r'<td class="num[^"]*" data-label="([^"]+)">(.*?)</td>', row)
    figures = {label: re.sub(r"<[^>]+>", "", cell).strip() for label, cell in cells}
    assert figures["Cases desk / control"] == "12 / 12"
    assert figures["Keep rate desk / control"] == "75% / 50%"
    assert figures["Gross saves"] == "9"
    assert figures["Incremental saves"].startswith("+3.0 ")  # its interval below it
    assert figures["Gross value"] == "€9,000"
    assert figures["Incremental value"].startswith("€3,000 ")
    assert figures["Offer costs"] == "€450"
    assert figures["Net incremental value"].startswith("€2,550 ")
    # The gross column is never alone: each gross cell has its incremental cell beside it.
    labels = [label for label, _cell in cells]
    assert labels.index("Incremental saves") == labels.index("Gross saves") + 1
    assert labels.index("Incremental value") == labels.index("Gross value") + 1
    assert 'class="badge-nr"' not in html  # month rows are randomised


def test_months_without_an_interval_say_why(client: TestClient, world: World, books: None) -> None:
    login(client, "manager")
    html = client.get("/retention/ledger").text
    text = _text(html)
    assert "Cases closed 2026-08 to 2026-09" in text
    september = _text(re.search(r'<tr id="row-2026-09">(.*?)</tr>', html, re.S).group(1))  # type: ignore[union-attr]
    assert "+1.5" in september
    assert "€1,500" in september
    assert 'title="3 desk and 2 control cases: an interval needs at least 10 in each">' in (
        september
    )
    assert (
        '<span class="mono">2026-09</span>: 3 desk and 2 control cases: an interval needs at '
        "least 10 in each" in text
    )
    specs = json.loads(re.search(r'id="chart-specs">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    values = specs["ledger"]["data"]["values"]
    assert [(v["month"], v["measure"]) for v in values] == [
        ("2026-08", "Gross save value"),
        ("2026-08", "Incremental save value"),
        ("2026-09", "Gross save value"),
        ("2026-09", "Incremental save value"),
    ]
    assert values[0]["euros"] == 9_000
    assert values[1]["euros"] == pytest.approx(3_000)
    assert values[1]["low"] is not None
    assert values[1]["high"] > 3_000
    assert values[3]["low"] is None
    assert values[3]["euros"] == pytest.approx(1_500)


def test_agent_and_offer_rows_are_marked_not_randomised(
    client: TestClient, world: World, books: None
) -> None:
    login(client, "manager")
    by_offer = client.get("/retention/ledger", params={"by": "offer"}).text
    text = _text(by_offer)
    assert "Offer rows are not randomised comparisons" in text
    assert re.findall(r'<tr id="row-([^"]+)" class="row-nr">', by_offer) == [
        "handset",
        "no-offer",
    ]
    assert "A new handset" in text
    assert '<tr id="row-total">' in by_offer
    assert "All cases" in text
    by_agent = client.get("/retention/ledger", params={"by": "agent"}).text
    assert re.findall(r'<tr id="row-([^"]+)" class="row-nr">', by_agent) == ["A-7"]
    assert "Agent rows are not randomised comparisons" in _text(by_agent)
    assert "Sanne Bakker" in by_agent
    bad = client.get("/retention/ledger", params={"by": "week"})
    assert bad.status_code == 422
    assert "by: &#39;week&#39; is not one of month, agent, offer" in bad.text
    day = client.get("/retention/ledger", params={"since": "1-8-2026"})
    assert day.status_code == 422
    assert "since: &#39;1-8-2026&#39; is not a day (YYYY-MM-DD)" in day.text


def test_an_empty_ledger(client: TestClient, world: World) -> None:
    login(client, "manager")
    html = client.get("/retention/ledger").text
    assert "No closed save cases yet." in html
    assert "chart-specs" not in html
    period = client.get("/retention/ledger", params={"since": "2030-01-01"}).text
    assert "No closed save cases in this period." in period


# --- the helpers' words ---


def test_control_share_in_words() -> None:
    assert control_words(0.1).startswith("1 in 10 cancel callers gets standard handling")
    assert control_words(0.25).startswith("1 in 4 ")
    assert control_words(0.3).startswith("30% of cancel callers get standard handling")
    assert control_words(0.0).startswith("No control group is drawn")


def test_an_incremental_figure_in_words() -> None:
    with_interval = shown(Incremental(300_000.0, 1.0, -50_000.0, 650_000.0), money=True)
    assert (with_interval.estimate, with_interval.low, with_interval.high) == (
        "€3,000", "-€500", "€6,500"
    )  # fmt: skip
    assert with_interval.sign == ""  # the interval straddles zero: not coloured as a result
    assert shown(Incremental(3.0, 1.0, 1.0, 5.0), money=False).sign == "pos"
    assert shown(Incremental(-3.0, 1.0, -5.0, -1.0), money=False).estimate == "-3.0"
    assert shown(Incremental(-3.0, 1.0, -5.0, -1.0), money=False).sign == "neg"
    none = shown(Incremental(None, None, None, None, "no control case"), money=False)
    assert (none.estimate, none.reason) == ("–", "no control case")
    bare = shown(Incremental(2.0, None, None, None, "too few"), money=False)
    assert (bare.estimate, bare.low, bare.reason, bare.sign) == ("+2.0", None, "too few", "")


def test_a_suggestion_read_from_any_json() -> None:
    names = {"handset": "A new handset"}
    empty = suggestion_of({}, names)
    assert (empty.chosen, empty.offers, empty.why) == (
        None, [], "no suggestion was recorded for this case"
    )  # fmt: skip
    junk = suggestion_of(
        {"offers": [1, {"code": "handset", "net_cents": "x", "uplift": True}], "chosen": 5},
        names,
    )
    assert junk.chosen is None
    assert [(o.name, o.net_cents, o.uplift) for o in junk.offers] == [("A new handset", 0, 0.0)]
    stored = {
        "offers": [
            {"code": "a", "net_cents": 10, "uplift": 0.1, "measured_uplift": None},
            {"code": "handset", "net_cents": 500, "uplift": 0.2, "measured_uplift": 0.3},
        ],
        "chosen": "handset",
        "why": "highest expected net value (€5)",
        "control_cases": 12,
        "control_keep_rate": 0.75,
    }
    read = suggestion_of(stored, names)
    assert read.chosen is not None
    assert read.chosen.name == "A new handset"
    assert read.chosen.measured == 0.3
    assert [o.code for o in read.offers] == ["handset", "a"]  # best net first
    assert (read.control_cases, read.control_keep_rate) == (12, 0.75)


def test_chart_spec_has_both_figures_per_month() -> None:
    spec = chart_spec([])
    assert spec["data"] == {"values": []}
    layers = spec["layer"]
    assert isinstance(layers, list)
    assert len(layers) == 4
    assert layers[0]["mark"]["type"] == "bar"
    assert layers[1]["mark"]["type"] == "rule"  # the interval


def test_a_rows_missing_intervals_are_said_once_each() -> None:
    few = "3 desk and 2 control cases: an interval needs at least 10 in each"
    same = shown(Incremental(1.0, None, None, None, few), money=False)
    assert RowView(None, same, same, same).reasons == [few]  # type: ignore[arg-type]
    flat = shown(Incremental(2.0, None, None, None, "every desk case kept"), money=False)
    spread = shown(Incremental(3.0, 1.0, 1.0, 5.0), money=True)
    assert RowView(None, flat, spread, spread).reasons == [  # type: ignore[arg-type]
        "saves: every desk case kept"
    ]
    assert RowView(None, spread, spread, spread).reasons == []  # type: ignore[arg-type]


def test_a_row_that_is_not_randomised_is_never_coloured_as_a_result() -> None:
    clear = Incremental(5.0, 1.0, 3.0, 7.0)  # the whole interval above zero
    row = LedgerRow(
        key="handset", label="A new handset", cases=40, desk=20, control=20, kept_desk=18,
        kept_control=13, keep_rate_desk=0.9, keep_rate_control=0.65, gross_saves=18,
        gross_value_cents=1_800_000, offer_cost_cents=0, incremental_saves=clear,
        incremental_value_cents=clear, net_incremental_value_cents=clear, score_runs=[],
        control_share=0.5, randomised=True,
    )  # fmt: skip
    assert _view(row).saves.sign == "pos"
    chosen = _view(replace(row, randomised=False))
    assert (chosen.saves.sign, chosen.value.sign, chosen.net.sign) == ("", "", "")
    assert chosen.saves.low == "+3.0"  # the interval is still shown
