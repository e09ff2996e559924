"""Inbound routing (issue 22, docs/routing.md): the rules decide where a call goes — cancel to the
retention team, own account manager when available, the language queue, an unknown caller to
the default queue, Monday morning and long waiters first, simple intents to self-service — every
rule set is checked on save with the decision kernel's language, and every decision is logged.
On SQLite and PostgreSQL (the ``world`` of tests/web_fixtures.py plus queues and agents)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cli_runner import run_cli
from tests.web_fixtures import World, bearer, csrf_from, login, make_client
from valuecenter.agents.models import Agent
from valuecenter.contacts.models import Queue
from valuecenter.customers.models import Customer
from valuecenter.decisions.facts import Context, Facts
from valuecenter.decisions.rules import compile_rule
from valuecenter.demo.contacts import queues_frame
from valuecenter.demo.load import demo_routing_rules
from valuecenter.demo.presets import get_preset
from valuecenter.errors import InvalidInput
from valuecenter.offers.models import CustomerFeatures
from valuecenter.routing import decide as routing
from valuecenter.routing import ruleset, service
from valuecenter.routing.arbitration import Caller, CompiledRule, route
from valuecenter.routing.engine import RulesCache
from valuecenter.routing.models import RoutingDecision

ZONE = ZoneInfo("Europe/Amsterdam")
MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, a Monday
MONDAY_14 = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
QUEUES = ("phone-nl", "phone-fr", "phone-de", "retention-nl", "retention-fr", "ivr", "orders-nl")

RULES: dict[str, Any] = {
    "settings": {"default_queue": "phone-nl", "self_service_queue": "ivr", "base_priority": 10},
    "rules": [
        {
            "name": "Cancel to retention",
            "when": {"intent": "cancel"},
            "then": {"queue_by_language": {"nl": "retention-nl", "fr": "retention-fr"}},
        },
        {
            "name": "Invoice copy in the IVR",
            "when": {"intent": ["invoice"]},
            "then": {"self_service": True},
        },
        {"name": "Own account manager", "then": {"route": "own_am"}},
        {
            "name": "Orders",
            "when": {"intent": "order"},
            "then": {"queue": "orders-nl"},
            "enabled": False,
        },
        {
            "name": "Language",
            "then": {"queue_by_language": {"nl": "phone-nl", "fr": "phone-fr", "de": "phone-de"}},
        },
        {"name": "Gold first", "when": {"segment": ["gold"]}, "then": {"priority": 2}},
        {
            "name": "Monday morning",
            "when": {"all": [{"weekday": "mon"}, {"hour": {"lt": 12}}]},
            "then": {"priority": 1},
        },
        {"name": "Long waiters", "when": {"wait_seconds": {"gte": 120}}, "then": {"priority": 3}},
    ],
}


def _queues(session: Session, codes: tuple[str, ...] = QUEUES) -> None:
    for code in codes:
        session.add(
            Queue(
                code=code,
                name=code,
                channel="self-service" if code == "ivr" else "phone",
                service_level_share=0.8,
                service_level_seconds=20,
                opening_hours={},
            )
        )
    session.flush()


def _features(session: Session, customer: Customer, **facts: object) -> None:
    session.add(
        CustomerFeatures(
            customer_id=customer.id,
            as_of=datetime(2026, 11, 1, tzinfo=UTC),
            refreshed_at=datetime(2026, 11, 1, tzinfo=UTC),
            feature_set="nba-1",
            account_manager_id=customer.account_manager_id,
            phone=facts.pop("phone", None),
            facts={
                "kind": customer.kind.value,
                "segment": customer.segment,
                "country": customer.country,
                "language": customer.language,
                **facts,
            },
        )
    )


@pytest.fixture
def routed(world: World, sessions: sessionmaker[Session]) -> World:
    """The world with queues, every customer's feature row, the AM01's own agent line (his
    login's user) and the rule set above loaded."""
    with sessions() as session:
        _queues(session)
        am_user = world.users["account_manager"].id
        session.add(Agent(external_id="AM-01", name="Anna de Jong", language="nl", user_id=am_user))
        for customer in session.scalars(select(Customer)):
            phone = "+31201234567" if customer.external_id == "C1001" else None
            _features(session, customer, phone=phone)
        service.load_rules(session, document=RULES)
        session.commit()
    return world


def _decide(session: Session, **call: Any) -> Any:
    return routing.decide(session, RulesCache().get(session), routing.Call(**call), zone=ZONE)


def _id(world: World, ext: str) -> int:
    return world.customers[ext].id


# ------------------------------------------------------------------------------- the rules


def test_cancel_goes_to_the_retention_team_in_his_language(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        nl = _decide(session, customer_id=_id(routed, "C1001"), intent="cancel", at=TUESDAY_9)
        fr = _decide(session, customer_id=_id(routed, "C2001"), intent="cancel", at=TUESDAY_9)
    assert (nl.queue, nl.agent_id, nl.self_service) == ("retention-nl", None, False)
    assert fr.queue == "retention-fr"
    assert nl.reasons[0] == (
        "Cancel to retention (intent in cancel): queue retention-nl for language nl"
    )


def test_own_account_manager_only_when_available(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    own = _id(routed, "C1001")
    with sessions() as session:
        unknown = _decide(session, customer_id=own, at=TUESDAY_9)
        service.set_presence(session, agent="AM-01", state="busy")
        busy = _decide(session, customer_id=own, at=TUESDAY_9)
        service.set_presence(session, agent="AM-01", state="available")
        available = _decide(session, customer_id=own, at=TUESDAY_9)
        agent_id = session.scalar(select(Agent.id).where(Agent.external_id == "AM-01"))
        other_pool = _decide(session, customer_id=_id(routed, "C2001"), at=TUESDAY_9)
    assert (unknown.agent_id, unknown.queue) == (None, "phone-nl")
    assert "his account manager AM01 is not reported by the ACD; next rule" in unknown.reasons[0]
    assert (busy.agent_id, busy.queue) == (None, "phone-nl")
    assert "his account manager AM01 is busy; next rule" in busy.reasons[0]
    # Available: his AM's agent first; the language queue is where the call waits otherwise.
    assert (available.agent_id, available.agent, available.queue) == (agent_id, "AM-01", "phone-nl")
    assert "his account manager AM01 (agent AM-01) is available" in available.reasons[0]
    # AM02 has no login, so no agent line: the rule says so and the next rules decide.
    assert other_pool.agent_id is None
    assert "has no line at the ACD" in other_pool.reasons[0]
    assert other_pool.queue == "phone-fr"


def test_language_of_the_call_else_of_the_customer(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        german = _decide(session, customer_id=_id(routed, "C1003"), at=TUESDAY_9)
        french_call = _decide(
            session, customer_id=_id(routed, "C1003"), language="fr-BE", at=TUESDAY_9
        )
        unlisted = _decide(session, customer_id=_id(routed, "C1003"), language="es", at=TUESDAY_9)
    assert german.queue == "phone-de"
    assert french_call.queue == "phone-fr"
    # A language no rule lists matches none: the default queue, said so.
    assert unlisted.queue == "phone-nl"
    assert unlisted.reasons[-1] == "no rule chose a queue: the default queue phone-nl"


def test_unknown_caller_gets_the_default_queue_never_an_error(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        no_id = _decide(session, customer_id=999_999, at=TUESDAY_9)
        no_number = _decide(session, phone="+31 6 9999 9999", at=TUESDAY_9)
        garbage = _decide(session, phone="call me maybe", at=TUESDAY_9)
        anonymous = _decide(session, at=TUESDAY_9)
        wants_to_leave = _decide(session, phone="+32 470 00 00 00", intent="cancel", language="fr")
        session.commit()
    for out, why in (
        (no_id, "unknown caller: no customer 999999"),
        (no_number, "unknown caller: no customer has this number"),
        (garbage, "unknown caller: not a phone number in international form"),
        (anonymous, "unknown caller: no number"),
    ):
        assert (out.queue, out.customer_id, out.agent_id, out.priority) == (
            "phone-nl",
            None,
            None,
            10,
        )
        assert out.reasons == [why, "no rule chose a queue: the default queue phone-nl"]
    # The call's own facts still count: an unknown caller who wants to cancel, in French.
    assert wants_to_leave.queue == "retention-fr"


def test_caller_found_by_his_number_and_the_log_keeps_no_number(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        out = _decide(session, phone="020-123 4567".replace("020", "0031 20"), at=TUESDAY_9)
        session.commit()
        row = session.get(RoutingDecision, out.decision_id)
    assert out.customer_id == _id(routed, "C1001")
    assert row is not None
    assert row.phone_hash is not None
    assert len(row.phone_hash) == 64
    assert "1234567" not in row.phone_hash
    assert "+31" not in str(row.reasons)


def test_monday_morning_boost(routed: World, sessions: sessionmaker[Session]) -> None:
    cid = _id(routed, "C1002")  # silver: no segment boost
    with sessions() as session:
        monday = _decide(session, customer_id=cid, at=MONDAY_9)
        afternoon = _decide(session, customer_id=cid, at=MONDAY_14)
        tuesday = _decide(session, customer_id=cid, at=TUESDAY_9)
    assert (monday.priority, afternoon.priority, tuesday.priority) == (11, 10, 10)
    assert "Monday morning (weekday in mon and hour < 12): priority +1" in monday.reasons


def test_long_waiters_and_top_segments_add_up(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    gold = _id(routed, "C1001")
    with sessions() as session:
        waited = _decide(session, customer_id=gold, at=MONDAY_9, wait_seconds=120)
        short = _decide(session, customer_id=gold, at=TUESDAY_9, wait_seconds=119)
    assert waited.priority == 10 + 2 + 1 + 3
    assert short.priority == 10 + 2
    assert "Long waiters (wait_seconds ≥ 120): priority +3" in waited.reasons


def test_simple_intents_go_to_self_service(routed: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        service.set_presence(session, agent="AM-01", state="available")
        out = _decide(session, customer_id=_id(routed, "C1001"), intent="invoice", at=TUESDAY_9)
    # Self-service comes before his own account manager in the rules.
    assert (out.self_service, out.queue, out.agent_id) == (True, "ivr", None)
    assert (
        out.reasons[0]
        == "Invoice copy in the IVR (intent in invoice): self-service in the IVR (queue ivr)"
    )


def test_a_customer_without_feature_row_is_read_from_the_customers(
    routed: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        cid = _id(routed, "C1003")
        session.query(CustomerFeatures).filter(CustomerFeatures.customer_id == cid).delete()
        out = _decide(session, customer_id=cid, at=TUESDAY_9)
    assert (out.customer_id, out.queue) == (cid, "phone-de")


def test_every_decision_is_logged(routed: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        out = _decide(
            session,
            customer_id=_id(routed, "C1001"),
            intent="cancel",
            at=MONDAY_9,
            wait_seconds=200,
        )
        session.commit()
        row = session.get(RoutingDecision, out.decision_id)
        assert row is not None
        assert (row.customer_id, row.intent, row.language, row.waited) == (
            _id(routed, "C1001"),
            "cancel",
            "nl",
            200,
        )
        assert (row.queue, row.priority, row.self_service, row.agent_id) == (
            "retention-nl",
            16,
            False,
            None,
        )
        assert row.reasons == out.reasons
        assert row.rules_version == 1
        assert row.contact_at == MONDAY_9
        assert row.latency_us >= 0
        assert row.phone_hash is None


def test_a_new_rule_set_reaches_the_cache(routed: World, sessions: sessionmaker[Session]) -> None:
    cache = RulesCache(ttl_seconds=0)
    with sessions() as session:
        assert cache.get(session).version == 1
        document = {**RULES, "settings": {**RULES["settings"], "default_queue": "phone-fr"}}
        service.load_rules(session, document=document)
        compiled = cache.get(session)
    assert (compiled.version, compiled.default_queue) == (2, "phone-fr")
    assert len(compiled.rules) == len(RULES["rules"]) - 1  # the one switched off


# -------------------------------------------------------------------------------- checking


def _refusal(session: Session, document: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        service.load_rules(session, document=document)
    return str(caught.value)


def _with_rule(rule: dict[str, Any], at: int = 2) -> dict[str, Any]:
    rules = list(RULES["rules"])
    rules[at] = rule
    return {**RULES, "rules": rules}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"name": "x", "then": {"queue": "retentoin"}},
            "rules[2].then.queue: 'retentoin' is not a queue; use one of ivr, orders-nl, "
            "phone-de, phone-fr, phone-nl, retention-fr, retention-nl",
        ),
        (
            {"name": "x", "when": {"mood": "angry"}, "then": {"queue": "ivr"}},
            "rules[2].when: unknown field 'mood'",
        ),
        (
            {"name": "x", "when": {"language": "es"}, "then": {"queue": "ivr"}},
            "rules[2].when.language: 'es' is not a language here; use one of de, fr, nl",
        ),
        (
            {"name": "x", "then": {"queue_by_language": {"dutch": "phone-nl"}}},
            "rules[2].then.queue_by_language.dutch: 'dutch' is not a language code",
        ),
        (
            {"name": "x", "then": {"queue_by_language": {"es": "phone-nl"}}},
            "rules[2].then.queue_by_language.es: 'es' is not a language here",
        ),
        (
            {"name": "x", "then": {"transfer": "boss"}},
            "rules[2].then: 'transfer' is not an action; use one of queue, route, self_service, "
            "priority, queue_by_language",
        ),
        ({"name": "x", "then": {"route": "boss"}}, "rules[2].then.route: 'boss' is not a route"),
        (
            {"name": "x", "then": {"priority": 500}},
            "rules[2].then.priority: expects a whole number",
        ),
        (
            {"name": "x", "then": {"queue": "ivr", "priority": 1}},
            "rules[2].then: expects one action",
        ),
        (
            {
                "name": "x",
                "when": {"consent": {"purpose": "marketing", "channel": "phone"}},
                "then": {"priority": 1},
            },
            "rules[2].when.consent: 'consent' is not used in routing rules",
        ),
        ({"when": {"intent": "x"}, "then": {"priority": 1}}, "rules[2].name: a rule needs a name"),
        ({"name": "x", "then": {"priority": 1}, "colour": "red"}, "rules[2].colour: unknown key"),
        (
            {"name": "x", "when": {"segment": "gld"}, "then": {"priority": 1}},
            "rules[2].when.segment: 'gld' is not a segment here",
        ),
    ],
)
def test_a_wrong_rule_is_refused_with_its_path_and_nothing_is_written(
    routed: World, sessions: sessionmaker[Session], rule: dict[str, Any], message: str
) -> None:
    with sessions() as session:
        assert _refusal(session, _with_rule(rule)).startswith(message)
        assert session.scalar(select(func.max(service.RoutingSettings.version))) == 1


def test_wrong_settings_are_refused(routed: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        bad_default = {**RULES, "settings": {**RULES["settings"], "default_queue": "nowhere"}}
        assert _refusal(session, bad_default).startswith(
            "settings.default_queue: 'nowhere' is not a queue"
        )
        no_ivr = {**RULES, "settings": {"default_queue": "phone-nl"}}
        assert _refusal(session, no_ivr) == (
            "rules[1].then.self_service: needs settings.self_service_queue (the IVR's queue)"
        )
        assert _refusal(session, ["not", "a", "mapping"]).startswith("expected a mapping")


def test_the_yaml_round_trips(routed: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        text = service.export_text(session)
        checked = service.check_document(session, ruleset.parse_text(text))
    assert ruleset.as_document(checked)["rules"][3] == {
        "name": "Orders",
        "when": {"intent": {"in": ["order"]}},
        "then": {"queue": "orders-nl"},
        "enabled": False,
    }
    with pytest.raises(InvalidInput, match=r"line 2, column"):
        ruleset.parse_text("a: [1,\nb: }")


@pytest.mark.parametrize("preset", ["wholesale", "telecom"])
def test_the_demo_rule_sets_hold_for_their_queues(
    preset: str, sessions: sessionmaker[Session], db_url: str
) -> None:
    with sessions() as session:
        _queues(session, tuple(queues_frame(get_preset(preset))["queue"]))
        loaded = service.load_rules(session, document=demo_routing_rules(preset))
    assert loaded.rules >= 7


def test_pure_arbitration_first_queue_decides_and_boosts_add_up() -> None:
    rules = [
        CompiledRule(1, "A", compile_rule({"intent": "x"}), "queue", queue="qa"),
        CompiledRule(2, "B", None, "queue", queue="qb"),
        CompiledRule(3, "Boost", None, "priority", boost=4),
        CompiledRule(4, "Boost 2", None, "priority", boost=-1),
    ]
    at = TUESDAY_9
    context = Context(at=at, local=at.astimezone(ZONE), channel="phone", intent="x")
    caller = Caller(Facts(customer_id=1), known=True)
    out = route(rules, caller, context, default_queue="d", self_service_queue=None, base_priority=5)
    assert (out.queue, out.priority) == ("qa", 8)
    assert [r.split(":")[0] for r in out.reasons] == [
        "A (intent in x)",
        "Boost (every call)",
        "Boost 2 (every call)",
    ]


# ------------------------------------------------------------------------ API, CLI, page


def test_api_decides_and_logs(routed: World, db_url: str) -> None:
    with make_client(db_url) as client:
        body = {"customer_id": _id(routed, "C1001"), "intent": "cancel", "waiting_seconds": 130}
        ok = client.post(
            "/api/v1/routing/decide", json=body, headers=bearer(routed.tokens["agent"])
        )
        assert ok.status_code == 201, ok.text
        out = ok.json()
        assert out["queue"] == "retention-nl"
        assert out["priority"] >= 13
        assert out["decision_id"] > 0
        assert client.post("/api/v1/routing/decide", json=body).status_code == 401
        am = client.post(
            "/api/v1/routing/decide", json=body, headers=bearer(routed.tokens["account_manager"])
        )
        assert am.status_code == 403
        unknown = client.post(
            "/api/v1/routing/decide",
            json={"phone": "+49 30 1234567"},
            headers=bearer(routed.tokens["manager"]),
        )
        assert unknown.status_code == 201
        assert unknown.json()["queue"] == "phone-nl"
        old = client.post(
            "/api/v1/routing/decide",
            json={"time": "1066-10-14T09:00:00+00:00"},
            headers=bearer(routed.tokens["manager"]),
        )
        assert old.status_code == 422
        assert old.json()["detail"].startswith("time:")
        for bad in ({"customer_id": "42"}, {"waiting_seconds": -1}, {"colour": "red"}):
            refused = client.post(
                "/api/v1/routing/decide", json=bad, headers=bearer(routed.tokens["agent"])
            )
            assert refused.status_code == 422, bad
        presence = client.put(
            "/api/v1/routing/presence/AM-01",
            json={"state": "available"},
            headers=bearer(routed.tokens["agent"]),
        )
        assert presence.status_code == 200
        assert presence.json()["state"] == "available"
        missing = client.put(
            "/api/v1/routing/presence/NOBODY",
            json={"state": "away"},
            headers=bearer(routed.tokens["agent"]),
        )
        assert missing.status_code == 404
        again = client.post(
            "/api/v1/routing/decide",
            json={"customer_id": _id(routed, "C1001")},
            headers=bearer(routed.tokens["agent"]),
        )
        assert again.json()["agent"] == "AM-01"


def test_cli_check_load_show(
    routed: World,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, shown, _err = run_cli(monkeypatch, capsys, "routing", "rules", "show")
    assert code == 0
    assert "Cancel to retention" in shown
    good = tmp_path / "rules.yaml"
    good.write_text(shown, encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "routing", "rules", "check", str(good))
    assert code == 0, err
    bad = tmp_path / "bad.yaml"
    bad.write_text(shown.replace("retention-fr", "retentoin"), encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "routing", "rules", "load", str(bad))
    assert code == 2
    assert "rules[0].then.queue_by_language.fr: 'retentoin' is not a queue" in err
    code, out, _err = run_cli(monkeypatch, capsys, "routing", "rules", "load", str(good), "--json")
    assert code == 0
    assert json.loads(out) == {"version": 2, "rules": 8, "enabled": 7}
    code, words, _err = run_cli(monkeypatch, capsys, "routing", "rules", "show", "--words")
    assert "1. Cancel to retention: intent in cancel → queue by language" in words
    code, out, _err = run_cli(
        monkeypatch, capsys, "routing", "decide", "--customer", "C2001", "--intent", "cancel"
    )
    assert code == 0
    assert "queue retention-fr" in out


def test_page_shows_checks_and_saves_the_rules(routed: World, db_url: str) -> None:
    with make_client(db_url) as client:
        login(client, "agent")
        assert client.get("/routing").status_code == 403
    with make_client(db_url) as client:
        login(client, "manager")
        page = client.get("/routing")
        assert page.status_code == 200
        assert "Cancel to retention" in page.text
        token = csrf_from(page.text)
        text = client.get("/routing").text
        yaml_text = service_text(db_url)
        refused = client.post(
            "/routing/rules",
            data={"rules": yaml_text.replace("orders-nl", "ordres"), "csrf_token": token},
        )
        assert refused.status_code == 422
        assert "rules[3].then.queue: &#39;ordres&#39; is not a queue" in refused.text
        assert client.post("/routing/rules", data={"rules": yaml_text}).status_code == 403
        saved = client.post(
            "/routing/rules", data={"rules": yaml_text, "csrf_token": token}, follow_redirects=False
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/routing?saved=2"
        after = client.get("/routing?saved=2").text
        assert "Rules version 2" in after, re.search(r"id=\"source\".{0,300}", after, re.S)
        csv = client.get("/routing/decisions.csv")
        assert csv.status_code == 200
        assert csv.text.splitlines()[0].lstrip("\ufeff").startswith("id,")
        assert client.get("/routing/presence.csv").status_code == 200
        assert text


def service_text(db_url: str) -> str:
    from valuecenter.db.engine import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            return service.export_text(session)
    finally:
        engine.dispose()
