"""The ``offers``, ``consent`` and ``demo nba`` commands on every backend: a catalogue file in
and out (a wrong one is one line naming its path, and nothing is written), the feature rows,
a pilot of decisions on a small demo world trained into propensity models that then serve
the next decision, consent from the command line, and the do-not-call register."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.test_offers_reasons import RAW
from valuecenter.customers.models import Customer
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.offers.models import Action, Decision, PropensityModel
from valuecenter.offers.reasons import feature_label


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def demo(db_url: str, load_demo: Callable[..., None]) -> str:
    """The wholesale world of these tests (made once per session and backend on SQLite)."""
    load_demo("--preset", "wholesale", "--customers", "1500", "--seed", "5")
    return db_url


def test_a_wrong_catalogue_file_is_one_line_and_writes_nothing(
    demo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sessions: sessionmaker[Session],
) -> None:
    document = load_demo_catalogue("wholesale")
    document["actions"][2]["eligible"] = {"all": [{"segment": ["platinum", "gld"]}]}
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, out, err = run(["offers", "import", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "actions[2].eligible.all[0].segment: 'gld' is not a segment here" in err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
    path.write_text("actions: [\n", encoding="utf-8")
    code, _out, err = run(["offers", "import", str(path)], capsys)
    assert code == 2
    assert "is not valid YAML" in err
    code, _out, err = run(["offers", "import", str(tmp_path / "missing.yaml")], capsys)
    assert (code, err.strip()) == (2, f"error: file: {tmp_path / 'missing.yaml'} does not exist")


def test_a_pilot_trains_models_that_serve_the_next_decision(
    demo: str, capsys: pytest.CaptureFixture[str], sessions: sessionmaker[Session]
) -> None:
    result = _json(capsys, "demo", "nba", "--months", "2", "--seed", "5")
    assert isinstance(result, dict)
    history = result["history"]
    assert history["decisions"] > 250
    assert history["explored"] > 0.2 * history["decisions"]
    assert history["answered"] > 0
    training = result["training"]
    assert training["responses"] == history["answered"]
    actions = _json(capsys, "offers", "list")
    assert isinstance(actions, list)
    assert {a["code"] for a in actions} >= {"copy-paper-bulk", "solve-complaint-first"}
    features = _json(capsys, "offers", "features", "--as-of", "2026-11-01")
    assert isinstance(features, dict)
    assert features["customers"] == 1500
    with sessions() as session:
        customer, number = session.execute(
            select(Decision.customer_id, Customer.external_id)
            .join(Customer, Customer.id == Decision.customer_id)
            .where(Decision.arm == "nba")
            .limit(1)
        ).one()
    # The customer number people see, and the wait in minutes as on the agent desktop.
    out = _json(
        capsys, "offers", "decide", "--customer", number, "--intent", "order", "--wait", "7"
    )
    assert isinstance(out, dict)
    assert out["customer_id"] == customer
    assert out["model_version"] == training["version"]
    with sessions() as session:
        model = session.scalar(select(PropensityModel).where(PropensityModel.active.is_(True)))
        logged = session.get(Decision, out["decision_id"])
    assert model is not None
    assert logged is not None
    assert logged.model_id == model.id
    assert logged.source == "cli"
    assert logged.context["wait_seconds"] == 7 * 60
    reasons = [r for a in out["actions"] for r in a["reasons"]]
    if any(a["kind"] == "offer" for a in out["actions"]):
        assert any(f"model {model.version}" in r for r in reasons)
    # Every input the trained models read has its own phrase (issue 16: reasons in words).
    for name in model.feature_names:
        assert feature_label(name, 1.0) != "another customer trait", name
    assert not any(RAW.search(r.split(":", 1)[-1]) for r in reasons if "P(accept)" not in r)
    by_id = _json(capsys, "offers", "decide", "--customer", str(customer), "--intent", "order")
    assert isinstance(by_id, dict)
    assert by_id["customer_id"] == customer
    code, _out, err = run(["offers", "decide", "--customer", "C9999999"], capsys)
    assert (code, err.strip()) == (
        2,
        "error: --customer: no customer with number or id 'C9999999'",
    )
    code, _out, err = run(["offers", "train", "--learner", "forest"], capsys)
    assert code == 2
    assert "--learner: 'forest' is not one of auto, gbm, logistic" in err


def test_consent_and_the_register_from_the_command_line(
    demo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sessions: sessionmaker[Session],
) -> None:
    code, _out, err = run(
        ["consent", "record", "--customer", "1", "--purpose", "marketing", "--channel",
         "phone", "--source", "call"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "give exactly one of --grant and --withdraw" in err
    out = _json(
        capsys, "consent", "record", "--customer", "1", "--purpose", "marketing",
        "--channel", "phone", "--withdraw", "--source", "call K-1",
    )  # fmt: skip
    assert isinstance(out, dict)
    assert out["granted"] is False
    with sessions() as session:
        second = session.get(Customer, 2)
        assert second is not None
        number = second.external_id
    by_number = _json(
        capsys, "consent", "record", "--customer", number.lower(), "--purpose", "marketing",
        "--channel", "email", "--grant", "--source", "form",
    )  # fmt: skip
    assert isinstance(by_number, dict)
    assert by_number["customer_id"] == 2
    code, _out, err = run(
        ["consent", "record", "--customer", "1", "--purpose", "sales", "--channel", "phone",
         "--grant", "--source", "x"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "purpose: 'sales' is not one of" in err
    register = tmp_path / "register.txt"
    register.write_text("0612345678\n+49 211 123456\nhello\n\n", encoding="utf-8")
    result = _json(capsys, "consent", "dnc", "import", str(register), "--source", "BMN")
    assert isinstance(result, dict)
    assert (result["added"], result["rejected"]) == (2, 1)
    rejected = Path(str(result["rejected_file"])).read_text(encoding="utf-8")
    assert "3,hello,not a phone number" in rejected
