"""The decision engine through its real-time API on every backend (issue 8's "Done when"):
service-first suppression, a consent withdrawal taking effect on the next decision, the
contact-policy pause after three rejections, the do-not-call register, and an invalid rule
refused on save — plus the API's shape, the log of every decision, visibility and errors.

The catalogue is the small company's (``tests/test_web_nba_pages.py``): no exploration, no
control group, no model, so each score is the catalogue's prior × value − prior × cost.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_nba_pages import CATALOGUE
from tests.web_fixtures import NOW, World, bearer, make_client
from valuecenter.consent.service import import_register
from valuecenter.contacts.models import Channel, Contact, ContactReason
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.experiments.models import Experiment
from valuecenter.offers import catalogue, decisions
from valuecenter.offers.engine import load_engine
from valuecenter.offers.models import Action, Decision, DecisionResponse
from valuecenter.surveys.models import Survey

ZONE = ZoneInfo("Europe/Amsterdam")
POLICY = {
    "contact_policy": [
        *CATALOGUE["contact_policy"],  # type: ignore[misc]
        {"code": "one-call", "name": "One outbound marketing call per 30 days",
         "kind": "frequency", "purpose": "marketing", "channel": "phone",
         "direction": "outbound", "max": 1, "days": 30},
    ],
    "actions": [
        *CATALOGUE["actions"],  # type: ignore[misc]
        {"code": "solve-complaint", "name": "Solve the open complaint first", "kind": "service",
         "value": 25, "prior_accept": 0.6,
         "eligible": {"any": [{"open_complaint": True}, {"intent": ["complaint"]}]}},
        {"code": "detractor-call", "name": "Call back the detractor", "kind": "service",
         "value": 20, "prior_accept": 0.5, "eligible": {"detractor": True}},
    ],
}  # fmt: skip


@pytest.fixture
def offers(world: World, sessions: sessionmaker[Session]) -> World:
    document = {**copy.deepcopy(CATALOGUE), **copy.deepcopy(POLICY)}
    with sessions() as session:
        catalogue.import_catalogue(session, document)
        session.commit()
    return world


@pytest.fixture
def client(db_url: str, offers: World) -> Iterator[TestClient]:
    with make_client(db_url, nba_engine_ttl_seconds=0.0) as c:
        yield c


def decide(client: TestClient, world: World, role: str = "agent", **body: Any) -> dict[str, Any]:
    payload = {"customer_id": world.own.id, "channel": "phone", **body}
    response = client.post("/api/v1/decisions", json=payload, headers=bearer(world.tokens[role]))
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def shown(out: dict[str, Any]) -> list[str]:
    return [a["code"] for a in out["actions"]]


def held(out: dict[str, Any]) -> dict[str, str]:
    return {s["code"]: s["rule"] for s in out["suppressed"]}


def detail(out: dict[str, Any], code: str) -> str:
    return next(s["detail"] for s in out["suppressed"] if s["code"] == code)


def answer(client: TestClient, world: World, out: dict[str, Any], code: str, outcome: str) -> int:
    action_id = next(a["action_id"] for a in out["actions"] if a["code"] == code)
    response = client.post(
        f"/api/v1/decisions/{out['decision_id']}/responses",
        json={"action_id": action_id, "outcome": outcome},
        headers=bearer(world.tokens["agent"]),
    )
    return response.status_code


def open_complaint(
    sessions: sessionmaker[Session], world: World, external_id: str, *, days_ago: int
) -> None:
    """An unresolved complaint contact of the world's own customer, ``days_ago`` days ago."""
    with sessions() as session:
        contact = Contact(
            external_id=external_id, customer_id=world.own.id, channel=Channel.EMAIL,
            started_at=utcnow() - timedelta(days=days_ago), resolved=False,
        )  # fmt: skip
        session.add(contact)
        session.flush()
        session.add(ContactReason(contact_id=contact.id, position=1, reason="complaint"))
        session.commit()


def test_the_api_answers_in_the_issue_shape_and_logs_every_decision(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    out = decide(client, offers, intent="order", context={"wait_seconds": 30})
    assert set(out) >= {"decision_id", "actions", "suppressed", "model_version", "arm"}
    assert out["customer_id"] == offers.own.id
    # € 36,00 for the oven check, € 4,50 for the thank-you call (the module docstring's rule).
    assert shown(out) == ["oven-check", "thank-you"]
    top = out["actions"][0]
    assert set(top) >= {"action_id", "kind", "score", "reasons"}
    assert top["kind"] == "offer"
    assert top["score"] == pytest.approx(36.0)
    assert any("catalogue's prior" in r for r in top["reasons"])
    assert held(out)["flour-pallet"] == "eligibility"
    assert detail(out, "flour-pallet") == "excluded: bought product P-BREAD in the last year"
    assert held(out)["how-to-guide"] == "eligibility"
    assert out["model_version"] is None
    with sessions() as session:
        row = session.get(Decision, out["decision_id"])
        assert row is not None
        assert row.user_id == offers.users["agent"].id
        assert row.source == "api"
        assert row.intent == "order"
        assert row.context["wait_seconds"] == 30
        assert [a["code"] for a in row.actions] == ["oven-check", "thank-you"]
        assert {s["code"]: s["rule"] for s in row.suppressed} == held(out)
        assert row.features["intent_order"] == 1.0
        assert row.catalogue_version == out["catalogue_version"]


def test_service_first_holds_back_sales_offers_and_puts_the_service_action_on_top(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    out = decide(client, offers, intent="complaint")
    assert out["service_first"] == "service need: the customer calls about 'complaint'"
    assert shown(out)[0] == "solve-complaint"
    assert out["actions"][0]["reasons"][0].startswith("service first:")
    assert held(out)["oven-check"] == "service-first"
    assert "thank-you" in shown(out)  # loyalty is not a sales offer

    # An open complaint: an unresolved complaint contact yesterday, now an order call.
    open_complaint(sessions, offers, "K-C", days_ago=1)
    out = decide(client, offers, intent="order")
    assert out["service_first"] == "open complaint: solve it before any offer"
    assert shown(out)[0] == "solve-complaint"
    assert held(out)["oven-check"] == "service-first"


def test_a_recent_detractor_score_puts_service_first(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        session.add(
            Survey(external_id="S-9", customer_id=offers.own.id, answered_at=utcnow(), nps=3)
        )
        session.commit()
    out = decide(client, offers, intent="order")
    assert out["service_first"].startswith("recent detractor (NPS 3")
    assert shown(out)[0] == "detractor-call"
    assert held(out)["oven-check"] == "service-first"


def test_a_consent_withdrawal_takes_effect_on_the_next_decision(
    client: TestClient, offers: World
) -> None:
    assert "oven-check" in shown(decide(client, offers))
    response = client.post(
        f"/api/v1/customers/{offers.own.id}/consents",
        json={"purpose": "marketing", "channel": "phone", "granted": False, "source": "call K-7"},
        headers=bearer(offers.tokens["agent"]),
    )
    assert response.status_code == 201, response.text
    out = decide(client, offers)
    assert "oven-check" not in shown(out)
    assert held(out)["oven-check"] == "consent"
    assert detail(out, "oven-check").startswith("marketing by phone withdrawn")
    assert detail(out, "oven-check").endswith("(call K-7)")
    assert held(out)["thank-you"] == "consent"  # loyalty moments are marketing too
    # Chat is not the withdrawn channel: offers may still be made there.
    assert "oven-check" in shown(decide(client, offers, channel="chat"))


def test_three_rejections_pause_the_offer_and_it_comes_back_after_90_days(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    for _ in range(3):
        out = decide(client, offers)
        assert shown(out)[0] == "oven-check"
        assert answer(client, offers, out, "oven-check", "rejected") == 201
    out = decide(client, offers)
    assert "oven-check" not in shown(out)
    assert held(out)["oven-check"] == "rejection-pause"
    assert "three-strikes: rejected 3× within 365 days" in detail(out, "oven-check")
    with sessions() as session:
        later = decisions.decide(
            session,
            load_engine(session),
            decisions.Request(customer_id=offers.own.id, channel="phone"),
            viewer=None,
            zone=ZONE,
            now=utcnow() + timedelta(days=91),
        )
        session.rollback()
    assert "oven-check" in [a.code for a in later.actions]


def test_an_accepted_offer_is_not_offered_again_and_an_answer_is_recorded_once(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    out = decide(client, offers)
    assert answer(client, offers, out, "oven-check", "accepted") == 201
    assert answer(client, offers, out, "oven-check", "rejected") == 409
    again = decide(client, offers)
    assert "oven-check" not in shown(again)
    assert held(again)["oven-check"] == "repeat"
    response = client.post(
        f"/api/v1/decisions/{out['decision_id']}/responses",
        json={"action_id": 999_999, "outcome": "accepted"},
        headers=bearer(offers.tokens["agent"]),
    )
    assert response.status_code == 404  # no such shown action (issue 17: not a wrong field)
    assert "was not shown" in response.json()["detail"]
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(DecisionResponse))
    assert count == 1


def test_one_outbound_marketing_call_per_30_days(client: TestClient, offers: World) -> None:
    out = decide(client, offers, context={"direction": "outbound"})
    assert answer(client, offers, out, "oven-check", "ignored") == 201
    again = decide(client, offers, context={"direction": "outbound"})
    assert held(again)["oven-check"] == "frequency"
    assert detail(again, "oven-check").startswith("one-call: 1 marketing presentation")
    # An inbound call is not an outbound marketing call.
    assert "oven-check" in shown(decide(client, offers))


def test_a_number_on_the_do_not_call_register_gets_no_outbound_marketing_call(
    client: TestClient, offers: World, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions() as session:
        customer = session.get(Customer, offers.own.id)
        assert customer is not None
        customer.phone = "06-12 34 56 78"
        session.commit()
    register = tmp_path / "bel-me-niet.csv"
    register.write_text(
        "number;registered_on\n+31612345678;2025-03-01\nnot a number;2025-03-01\n",
        encoding="utf-8",
    )
    with sessions() as session:
        result = import_register(session, register, source="Bel-me-niet 2026-12")
        session.commit()
    assert (result.added, result.rejected) == (1, 1)
    assert result.rejected_file is not None
    assert "not a phone number" in result.rejected_file.read_text(encoding="utf-8")

    out = decide(client, offers, context={"direction": "outbound"})
    assert held(out)["oven-check"] == "do-not-call"
    assert detail(out, "oven-check") == (
        "the number is on the do-not-call register since 2025-03-01: no outbound marketing call"
    )
    assert "oven-check" in shown(decide(client, offers))  # he called us: not telemarketing

    # The next snapshot no longer lists him: the outbound call is allowed again.
    register.write_text("number\n+31699999999\n", encoding="utf-8")
    with sessions() as session:
        result = import_register(session, register, source="Bel-me-niet 2026-12")
        session.commit()
    assert (result.added, result.removed) == (1, 1)
    assert "oven-check" in shown(decide(client, offers, context={"direction": "outbound"}))


def test_an_invalid_rule_is_refused_on_save_and_nothing_is_written(
    offers: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Action))
        with pytest.raises(InvalidInput) as caught:
            catalogue.save_action(
                session,
                {"code": "bad", "name": "Bad rule", "kind": "offer", "prior_accept": 0.1},
                rule_text="all:\n  - segment: [gld]\n",
            )
        assert caught.value.field == "action.eligible.all[0].segment"
        assert "'gld' is not a segment here" in caught.value.detail
        session.rollback()
        document = copy.deepcopy(CATALOGUE)
        document["actions"].append(  # type: ignore[attr-defined]
            {"code": "worse", "name": "Unknown field", "kind": "offer", "prior_accept": 0.1,
             "eligible": {"all": [{"segmnt": "gold"}]}}
        )  # fmt: skip
        document["actions"][0]["name"] = "Renamed, must not be saved"  # type: ignore[index]
        with pytest.raises(InvalidInput) as caught:
            catalogue.import_catalogue(session, document)
        assert caught.value.field == "actions[4].eligible.all[0]"
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Action)) == before
        name = session.scalar(select(Action.name).where(Action.code == "oven-check"))
        assert name == "Oven check-up at half price"


def test_visibility_roles_and_bad_input(client: TestClient, offers: World) -> None:
    other = client.post(
        "/api/v1/decisions",
        json={"customer_id": offers.other.id, "channel": "phone"},
        headers=bearer(offers.tokens["account_manager"]),
    )
    assert other.status_code == 404
    assert decide(client, offers, role="account_manager")["customer_id"] == offers.own.id
    missing = client.post(
        "/api/v1/decisions",
        json={"customer_id": 987_654, "channel": "phone"},
        headers=bearer(offers.tokens["agent"]),
    )
    assert missing.status_code == 404
    bad = client.post(
        "/api/v1/decisions",
        json={"customer_id": offers.own.id, "channel": "pigeon"},
        headers=bearer(offers.tokens["agent"]),
    )
    assert bad.status_code == 422
    assert (
        client.post("/api/v1/decisions", json={"customer_id": 1, "channel": "phone"}).status_code
        == 401
    )


def test_a_changed_catalogue_reaches_the_next_decision(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    assert "oven-check" in shown(decide(client, offers))
    with sessions() as session:
        catalogue.set_active(session, "oven-check", False)
        session.commit()
    out = decide(client, offers)
    assert "oven-check" not in shown(out)
    assert "oven-check" not in held(out)
    assert NOW.tzinfo is not None


def test_a_retention_action_uses_the_save_desks_measured_uplift(
    client: TestClient, offers: World, sessions: sessionmaker[Session]
) -> None:
    """With no desk cases yet, the desk's uplift is the offer's prior (0.15) and the keep rate
    the base prior 0.5 plus it: score = 0.15 × € 500 − 0.65 × € 50 = € 42,50."""
    from valuecenter.retention.offers import OfferSpec, upsert_offer

    with sessions() as session:
        upsert_offer(
            session,
            OfferSpec(code="discount-20", name="20% off", kind="discount", discount_share=0.2,
                      prior_uplift=0.15),
        )  # fmt: skip
        catalogue.save_action(
            session,
            {"code": "save-offer", "name": "Save: 20% off", "kind": "retention",
             "retention_offer": "discount-20", "value": 500, "cost": 50, "prior_accept": 0.3,
             "eligible": {"intent": ["cancel"]}},
        )  # fmt: skip
        session.commit()
    out = decide(client, offers, intent="cancel")
    save = next(a for a in out["actions"] if a["code"] == "save-offer")
    assert save["score"] == pytest.approx(42.5)
    assert any(r.startswith("save desk: “20% off” raises the keep rate by +15.0%")
               for r in save["reasons"])  # fmt: skip


def test_the_one_round_trip_read_equals_the_four_queries(
    client: TestClient, offers: World, sessions: sessionmaker[Session], db_url: str
) -> None:
    """On PostgreSQL a decision reads the customer in one statement (``offers/hotpath.py``);
    it must see exactly what the four queries of the SQLite path see — consents, answers, an
    open complaint and the do-not-call register included."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the one-statement read is PostgreSQL's")
    from valuecenter.offers import hotpath

    out = decide(client, offers)
    assert answer(client, offers, out, "oven-check", "rejected") == 201
    client.post(
        f"/api/v1/customers/{offers.own.id}/consents",
        json={"purpose": "marketing", "channel": "email", "granted": False, "source": "form"},
        headers=bearer(offers.tokens["agent"]),
    )
    open_complaint(sessions, offers, "K-S", days_ago=2)
    now = utcnow()
    since = now - timedelta(days=365)
    with sessions() as session:
        cid = offers.own.id
        snap = hotpath.read(session, cid, now=now, answers_since=since)
        assert snap is not None
        row = decisions._rows(session, [cid], now)[cid]
        assert (
            decisions._with_matter(
                decisions._Row(snap.facts, snap.registered, snap.registered_on), snap.open_matter
            )
            == row
        )
        assert row.facts.open_complaint is True
        assert sorted(snap.consents, key=repr) == sorted(
            decisions.consent_events(session, [cid])[cid], key=repr
        )
        assert any(c.source == "form" and not c.granted for c in snap.consents)
        assert sorted(snap.answers, key=repr) == sorted(
            decisions._answers(session, [cid], since)[cid], key=repr
        )
        assert [a.outcome for a in snap.answers] == ["rejected"]
        assert hotpath.read(session, -1, now=now, answers_since=since) is None


def test_the_engine_cache_rebuilds_a_change_at_once_and_refreshes_in_the_background(
    offers: World, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalogue change is compiled before the next decision; the periodic refresh (for the
    save desk's fresh measurements) runs beside the serving engine, never in a request."""
    from valuecenter.offers import engine as engine_module
    from valuecenter.offers.engine import EngineCache

    cache = EngineCache(ttl_seconds=0.0)
    with sessions() as session:
        first = cache.get(session)
        assert cache.get(session) is first
    monkeypatch.setattr(engine_module, "MAX_AGE_SECONDS", 0.0)
    with sessions() as session:
        assert cache.get(session) is first  # served while the refresh runs
    refreshing = cache._refreshing
    if refreshing is not None:
        refreshing.join(timeout=30)
    monkeypatch.setattr(engine_module, "MAX_AGE_SECONDS", 3600.0)
    with sessions() as session:
        refreshed = cache.get(session)
    assert refreshed is not first
    assert refreshed.version == first.version
    with sessions() as session:
        catalogue.set_active(session, "oven-check", False)
        session.commit()
    with sessions() as session:
        changed = cache.get(session)
    assert changed.version > first.version
    assert "oven-check" not in [a.code for a in changed.actions]
    assert "oven-check" in [a.code for a in first.actions]


def test_the_control_group_is_drawn_by_the_experiments_kernel_once_a_month(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    """Issue 19: the next best action's control group comes from the one experiments kernel —
    per month an experiment ``nba-control:YYYY-MM`` whose stored arms keep a customer in his
    arm all month and hold the control count within one customer of the share; a decision of
    a control customer holds back the sales offers."""
    document = {**copy.deepcopy(CATALOGUE), **copy.deepcopy(POLICY)}
    document["settings"] = {**document["settings"], "control_share": 0.5}  # type: ignore[dict-item]
    with sessions() as session:
        catalogue.import_catalogue(session, document)
        extra = [Customer(external_id=f"K{i:04d}") for i in range(199)]
        session.add_all(extra)
        session.flush()
        ids = [world.own.id, *(c.id for c in extra)]
        arms = {cid: decisions.control_arm(session, 0.5, cid, NOW) for cid in ids}
        assert all(decisions.control_arm(session, 0.5, c, NOW) == arms[c] for c in ids)
        assert abs(sum(arms.values()) - 100) <= 1
        experiment = session.scalars(
            select(Experiment).where(Experiment.key == f"nba-control:{NOW:%Y-%m}")
        ).one()
        assert experiment.treated_share == 0.5
        # a batch of the next month draws that month's arms, the stored ones of this month stay
        later = NOW + timedelta(days=40)
        batch = decisions.control_arms(session, 0.5, [(c, later) for c in ids] + [(ids[0], NOW)])
        assert batch[(ids[0], f"{NOW:%Y-%m}")] == arms[ids[0]]
        assert abs(sum(batch[(c, f"{later:%Y-%m}")] for c in ids) - 100) <= 1
        session.commit()
    with make_client(db_url, nba_engine_ttl_seconds=0.0) as client:
        out = decide(client, world, intent="order")
    control_rule = {s["rule"] for s in out["suppressed"]} >= {"control-group"}
    assert control_rule == arms[world.own.id]
