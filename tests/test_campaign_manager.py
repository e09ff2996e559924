"""Issue 19: a campaign run end to end through the CLI on the demo world — a saved selection,
the consent filter with its counts, the stratified control group, the export, imported
responses and the results with ROI and the pre-registered decision — and the rules that make
it an honest experiment (the goal frozen at launch, the same arm for the same customer, arms
balanced within each value segment to ±1)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.analytics.ledger import newcombe
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember
from valuecenter.customers.models import Customer
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.experiments.models import Experiment, ExperimentAssignment
from valuecenter.offers import catalogue

COST_PER_CONTACT = 1.50
FIXED_COST = 75.0
MARGIN = 0.30


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    parsed: dict[str, object] = json.loads(out)
    return parsed


@pytest.fixture
def world(
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> sessionmaker[Session]:
    load_demo("--preset", "wholesale", "--customers", "800", "--seed", "7")
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    with sessions.begin() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("wholesale"))
    return sessions


def _responses(path: Path, sessions: sessionmaker[Session], campaign_id: int) -> None:
    """Simulated answers: treated members convert with 33%, control members with 10%, each
    conversion worth €40–€120 (a fixed seed)."""
    rng = np.random.default_rng(19)
    with sessions() as session:
        rows = session.execute(
            select(Customer.external_id, CampaignMember.arm)
            .join(Customer, Customer.id == CampaignMember.customer_id)
            .where(CampaignMember.campaign_id == campaign_id)
            .order_by(Customer.external_id)
        ).all()
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer", "responded_at", "converted_at", "revenue"])
        for external, arm in rows:
            p = 0.33 if arm == Arm.TREATMENT else 0.10
            if rng.random() < p:
                revenue = f"{rng.uniform(40, 120):.2f}"
                out.writerow([external, "2026-11-05T10:00:00", "2026-11-06T12:00:00", revenue])


def test_a_campaign_end_to_end_selection_consent_export_responses_results(
    world: sessionmaker[Session], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sessions = world
    saved = _cli(capsys, "campaign", "selection", "save", "everybody", "--spec", "{}")
    assert saved["count"] == 800
    counted = _cli(
        capsys, "campaign", "selection", "count", "--spec", '{"segments": ["champions"]}'
    )
    assert counted["count"] == 72
    assert counted["by_segment"] == {"champions": 72}

    _cli(
        capsys,
        "campaign", "create", "--code", "TONER-1", "--name", "Toner for everybody",
        "--selection", str(saved["id"]), "--action", "toner-multipack", "--channel", "email",
        "--start", "2026-11-01", "--runtime-days", "30",
        "--fixed-cost", str(FIXED_COST), "--cost-per-contact", str(COST_PER_CONTACT),
        "--margin-share", str(MARGIN), "--vouchers",
    )  # fmt: skip
    planned = _cli(capsys, "campaign", "goal", "TONER-1", "--baseline", "0.08", "--mde", "0.08")
    # Fleiss' formula, 8% → 16%, α 0.05, power 0.8, equal arms: 258 per arm (hand computation
    # with the same formula as test_analytics_experiments_design).
    assert planned == {"treated": 258, "control": 258, "total": 516}

    launched = _cli(capsys, "campaign", "launch", "TONER-1")
    # Every selected customer is either eligible or removed by exactly one rule.
    removed = {k: v for k, v in launched.items() if k.startswith("removed_")}
    assert launched["selected"] == 800
    assert launched["selected"] == sum(removed.values()) + launched["eligible"]  # type: ignore[operator]
    assert removed["removed_no_consent"] > 0
    assert removed["removed_global_holdout"] > 0
    assert launched["treated"] + launched["control"] == launched["eligible"]  # type: ignore[operator]
    with capsys.disabled():
        print(json.dumps(launched))  # the figures, for the closing note (pytest -s)

    with sessions() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.external_id == "TONER-1"))
        assert campaign is not None
        campaign_id = campaign.id
        # Arms balanced within each value segment to ±1 (the kernel's stratified assignment).
        drawn = session.execute(
            select(ExperimentAssignment.stratum, ExperimentAssignment.treated)
            .join(Experiment, Experiment.id == ExperimentAssignment.experiment_id)
            .where(Experiment.key == "campaign:TONER-1")
        ).all()
        per: dict[str, list[int]] = {}
        for stratum, treated in drawn:
            per.setdefault(stratum, []).append(int(treated))
        assert len(per) >= 5
        for arms in per.values():
            assert abs(sum(arms) - len(arms) / 2) <= 1
        # No member withdrew marketing by e-mail before the launch.
        assert (
            session.scalar(
                select(func.count())
                .select_from(CampaignMember)
                .where(CampaignMember.campaign_id == campaign_id)
            )
            == launched["eligible"]
        )

    # The goal is pre-registered: it cannot change after the launch.
    code, _out, err = run(
        ["campaign", "goal", "TONER-1", "--baseline", "0.1", "--mde", "0.05"], capsys
    )
    assert code == 4
    assert "pre-registered" in err
    assert "Traceback" not in err

    # A treated member withdraws his consent after the launch: he is not exported.
    with sessions() as session:
        first_treated = session.scalar(
            select(Customer.external_id)
            .join(CampaignMember, CampaignMember.customer_id == Customer.id)
            .where(CampaignMember.campaign_id == campaign_id, CampaignMember.arm == Arm.TREATMENT)
            .order_by(Customer.external_id)
            .limit(1)
        )
    assert first_treated is not None
    _cli(
        capsys, "consent", "record", "--customer", first_treated, "--purpose", "marketing",
        "--channel", "email", "--withdraw", "--source", "unsubscribe link",
    )  # fmt: skip
    target = tmp_path / "list.csv"
    exported = _cli(capsys, "campaign", "export", "TONER-1", "--out", str(target))
    assert exported["removed"] == {"no-consent": 1, "do-not-call": 0, "contact-policy": 0}
    assert exported["exported"] == launched["treated"] - 1  # type: ignore[operator]
    with target.open(encoding="utf-8-sig") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == exported["exported"]
    assert first_treated not in {line["customer"] for line in lines}
    assert all(len(line["voucher"]) == 10 for line in lines)
    assert all(line["phone"].startswith("00") for line in lines if line["phone"])

    answers = tmp_path / "responses.csv"
    _responses(answers, sessions, campaign_id)
    imported = _cli(capsys, "campaign", "responses", "TONER-1", str(answers))
    assert imported["not_members"] == 0
    assert imported["members"] > 50

    results = _cli(capsys, "campaign", "results", "TONER-1")
    with capsys.disabled():
        print(json.dumps(results))
    # The figures by hand from the members as stored.
    with sessions() as session:
        members = session.execute(
            select(CampaignMember.arm, CampaignMember.converted_at, CampaignMember.revenue_cents)
            .where(CampaignMember.campaign_id == campaign_id)
        ).all()  # fmt: skip
    t = [(c is not None, r) for a, c, r in members if a == Arm.TREATMENT]
    k = [(c is not None, r) for a, c, r in members if a == Arm.CONTROL]
    x_t, x_c = sum(c for c, _r in t), sum(c for c, _r in k)
    lift = x_t / len(t) - x_c / len(k)
    low, high = newcombe(x_t, len(t), x_c, len(k))
    incremental_cents = len(t) * (sum(r for _c, r in t) / len(t) - sum(r for _c, r in k) / len(k))
    cost_cents = round(FIXED_COST * 100) + round(COST_PER_CONTACT * 100) * (len(t) - 1)
    roi = (incremental_cents * MARGIN - cost_cents) / cost_cents
    assert results["lift"] == pytest.approx(lift)
    assert results["lift_ci95"] == pytest.approx([low, high])
    always = results["lift_always_valid"]
    assert isinstance(always, list)
    assert always[0] < low
    assert always[1] > high
    assert results["cost_euro"] == pytest.approx(cost_cents / 100)
    assert results["roi"] == pytest.approx(roi)
    assert results["decision"] == "scale"  # a true lift of 23 points is far above 0
    provenance = results["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["experiment"] == "campaign:TONER-1"

    rates = _cli(capsys, "campaign", "channels")
    assert isinstance(rates, list)
    by_channel = {r["channel"]: r for r in rates}
    # The demo's history: direct mail answered by a few percent, SMS by about half (seed 001).
    assert by_channel["direct-mail"]["rate"] < 0.06
    assert by_channel["sms"]["rate"] > 0.4


def test_the_same_customer_lands_in_the_same_arm_and_a_bad_response_row_writes_nothing(
    world: sessionmaker[Session], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Deterministic assignment: the stored arms are exactly what the kernel's hash gives
    for the experiment's key (so a re-run reproduces them), and a bad row of a response file
    is one line naming the row and the field, with nothing written."""
    from valuecenter.analytics.experiments.assignment import assign

    saved = _cli(
        capsys,
        "campaign",
        "selection",
        "save",
        "champions",
        "--spec",
        '{"segments": ["champions", "grow"]}',
    )
    _cli(
        capsys, "campaign", "create", "--code", "A-1", "--name", "A",
        "--selection", str(saved["id"]), "--action", "chair-pro", "--channel", "phone",
        "--start", "2026-11-01",
    )  # fmt: skip
    _cli(capsys, "campaign", "goal", "A-1", "--baseline", "0.1", "--mde", "0.3")
    launched = _cli(capsys, "campaign", "launch", "A-1", "--underpowered")
    sessions = world
    with sessions() as session:
        rows = session.execute(
            select(
                ExperimentAssignment.customer_id,
                ExperimentAssignment.stratum,
                ExperimentAssignment.treated,
            )
            .join(Experiment, Experiment.id == ExperimentAssignment.experiment_id)
            .where(Experiment.key == "campaign:A-1")
            .order_by(ExperimentAssignment.customer_id)
        ).all()  # fmt: skip
    assert len(rows) == launched["eligible"]
    again = assign("campaign:A-1", [r[0] for r in rows], 0.5, [r[1] for r in rows])
    assert list(again) == [bool(r[2]) for r in rows]

    with sessions() as session:
        someone = session.scalar(select(Customer.external_id).where(Customer.id == rows[0][0]))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer,responded_at,converted_at,revenue\n"
        f"{someone},2026-11-02T10:00:00,2026-11-03T10:00:00,50\n"
        f"{someone},2026-11-02T10:00:00,yesterday,50\n"
    )
    code, _out, err = run(["campaign", "responses", "A-1", str(bad)], capsys)
    assert code == 2
    assert "row 3, converted_at" in err
    assert "Traceback" not in err
    with sessions() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(CampaignMember)
                .join(Campaign, Campaign.id == CampaignMember.campaign_id)
                .where(Campaign.external_id == "A-1", CampaignMember.converted_at.is_not(None))
            )
            == 0
        )
