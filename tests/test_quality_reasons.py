"""Contact reasons, avoidable contacts and cost-to-serve read from the database (issue 20),
on both backends: the hand-made history of ``tests/reasons_world.py`` through
``valuecenter service reasons | avoidable | cost-to-serve``; bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests import reasons_world
from tests.test_demo_cli import run
from valuecenter.settings import get_settings


@pytest.fixture
def history(db_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALUECENTER_CHANNEL_MINUTE_COST_CENTS", json.dumps(reasons_world.COSTS))
    get_settings.cache_clear()
    with sessions.begin() as session:
        reasons_world.build(session)
    yield
    get_settings.cache_clear()


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run(["service", *args, "--until", reasons_world.UNTIL, "--json"], capsys)
    assert code == 0, err
    found: dict[str, object] = json.loads(out)
    return found


def test_the_pareto_and_the_peaks(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    found = _json(["reasons"], capsys)
    pareto = found["pareto"]
    assert isinstance(pareto, list)
    assert [(r["reason"], r["count"]) for r in pareto] == [
        ("invoice", 3), ("order", 2), ("delivery", 1), ("offer", 1)
    ]  # fmt: skip
    assert pareto[0]["share"] == pytest.approx(3 / 7, abs=1e-4)
    assert pareto[1]["cumulative"] == pytest.approx(5 / 7, abs=1e-4)
    assert pareto[-1]["cumulative"] == 1.0
    primary = found["pareto_primary"]
    assert isinstance(primary, list)
    assert [(r["reason"], r["count"]) for r in primary] == [
        ("invoice", 2), ("order", 2), ("delivery", 1), ("offer", 1)
    ]  # fmt: skip
    assert found["reasons_per_contact"] == pytest.approx(7 / 6, abs=1e-4)
    provenance = found["provenance"]
    assert isinstance(provenance, dict)
    assert (provenance["contacts"], provenance["reasons"]) == (6, 7)
    assert provenance["until"].startswith("2026-11-01")
    peaks = found["peaks"]
    assert isinstance(peaks, dict)
    assert peaks["days"] == 5
    assert peaks["threshold"] == pytest.approx(2.6)
    assert peaks["peak_days"] == ["2026-10-05"]
    assert (peaks["peak_contacts"], peaks["normal_contacts"]) == (3, 3)
    mix = {m["reason"]: m for m in peaks["mix"]}
    # delivery: 1 of 3 on the peak day, 0 of 3 after.
    assert mix["delivery"]["peak_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert mix["delivery"]["normal_share"] == 0.0
    low, high = mix["delivery"]["ci95"]
    assert low < mix["delivery"]["difference"] < high
    code, out, err = run(["service", "reasons", "--until", reasons_world.UNTIL], capsys)
    assert code == 0, err
    assert "invoice" in out
    assert "1 peak days of 5" in out


def test_avoidable_contacts_and_their_cost(
    history: None, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _json(["avoidable"], capsys)
    assert (found["contacts"], found["avoidable"]) == (6, 3)
    assert found["share"] == 0.5
    assert (found["cost_cents"], found["avoidable_cost_cents"]) == (860, 500)
    rules = found["by_rule"]
    assert isinstance(rules, list)
    assert [(r["name"], r["contacts"], r["cost_cents"]) for r in rules] == [
        ("order-could-be-online", 1, 300),
        ("where-is-my-order", 1, 100),
        ("repeat-contact", 1, 100),
    ]
    assert sum(r["cost_cents"] for r in rules) == found["avoidable_cost_cents"]
    provenance = found["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["cost_cents_per_minute"]["chat"] == 50
    assert provenance["rules"] == [r["name"] for r in rules]
    code, out, err = run(["service", "avoidable", "--until", reasons_world.UNTIL], capsys)
    assert code == 0, err
    assert "3 of 6 contacts avoidable (50.0%), costing €5.00 of €8.60" in out


def test_cost_to_serve_by_every_group(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    by_customer = _json(["cost-to-serve", "--by", "customer"], capsys)
    rows = by_customer["rows"]
    assert isinstance(rows, list)
    assert [(r["key"], r["name"], r["contacts"], r["cost_cents"]) for r in rows] == [
        ("R2", "Bea Jansen", 3, 450), ("R1", "Acme BV", 3, 410)
    ]  # fmt: skip
    assert [r["avoidable_cost_cents"] for r in rows] == [100, 400]
    assert rows[0]["cost_per_contact_cents"] == 150
    assert rows[0]["top_reason"] == "invoice"
    assert rows[1]["handle_minutes"] == pytest.approx(6.0)
    assert by_customer["cost_cents"] == sum(r["cost_cents"] for r in rows) == 860
    top = _json(["cost-to-serve", "--top", "1"], capsys)
    assert [r["key"] for r in top["rows"]] == ["R2"]  # type: ignore[union-attr]
    assert top["groups"] == 2
    segments = _json(["cost-to-serve", "--by", "segment"], capsys)
    assert [(r["key"], r["cost_cents"]) for r in segments["rows"]] == [  # type: ignore[union-attr]
        ("win-back", 450), ("grow", 410)
    ]  # fmt: skip
    assert segments["provenance"]["score_run"] == "score-reasons-1"  # type: ignore[index]
    # Acme spent most on paper; Bea bought nothing and has a coffee-service contract.
    products = _json(["cost-to-serve", "--by", "product"], capsys)
    assert [(r["key"], r["cost_cents"]) for r in products["rows"]] == [  # type: ignore[union-attr]
        ("coffee-service", 450), ("paper", 410)
    ]  # fmt: skip
    clients = _json(["cost-to-serve", "--by", "client"], capsys)
    assert [(r["key"], r["cost_cents"]) for r in clients["rows"]] == [("R1", 410)]  # type: ignore[union-attr]
    code, out, err = run(["service", "cost-to-serve", "--until", reasons_world.UNTIL], capsys)
    assert code == 0, err
    assert "R2" in out
    assert "€4.50" in out


def test_a_rules_file(
    history: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("- name: chats\n  label: Every chat\n  channel: [chat]\n", encoding="utf-8")
    monkeypatch.setenv("VALUECENTER_AVOIDABLE_RULES_FILE", str(rules))
    get_settings.cache_clear()
    found = _json(["avoidable"], capsys)
    assert (found["avoidable"], found["avoidable_cost_cents"]) == (2, 350)
    rules.write_text("- name: chats\n  channel: [pigeon]\n", encoding="utf-8")
    code, _out, err = run(["service", "avoidable"], capsys)
    assert code == 2
    assert "rule 1: unknown channel pigeon" in err
    assert len(err.strip().splitlines()) == 1
    rules.write_text("- name: [unclosed\n", encoding="utf-8")
    code, _out, err = run(["service", "avoidable"], capsys)
    assert code == 2
    assert "is not YAML or JSON" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["reasons", "--since", "yesterday"], "--since"),
        (["reasons", "--since", "2026-11-02", "--until", "2026-11-01"], "must be before"),
        (["reasons", "--peak-quantile", "1.5"], "peak_quantile"),
        (["cost-to-serve", "--by", "planet"], "customer, segment, product, client"),
        (["cost-to-serve", "--top", "0"], "top"),
        (["avoidable", "--until", "2026-13-01"], "--until"),
    ],
)
def test_bad_input_is_one_line(
    history: None, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, _out, err = run(["service", *args], capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_a_bad_cost_model_is_one_line(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALUECENTER_CHANNEL_MINUTE_COST_CENTS", '{"pigeon": 3}')
    get_settings.cache_clear()
    try:
        code, _out, err = run(["service", "avoidable"], capsys)
    finally:
        get_settings.cache_clear()
    assert code == 2
    assert "VALUECENTER_CHANNEL_MINUTE_COST_CENTS" in err
    assert "unknown channel pigeon" in err


def test_an_empty_database(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    found = _json(["reasons"], capsys)
    assert found["pareto"] == []
    assert found["peaks"]["days"] == 0
    avoidable = _json(["avoidable"], capsys)
    assert (avoidable["contacts"], avoidable["share"], avoidable["cost_cents"]) == (0, None, 0)
    cost = _json(["cost-to-serve", "--by", "segment"], capsys)
    assert cost["rows"] == []
