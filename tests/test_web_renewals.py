"""The renewal list through the API and the page (issue 7): call order, the groups left out
and their counts, an account manager's own pool only, the run and model it comes from.

The run is written directly (the renewal run itself is under test in test_retention_renewal
and test_renewal_truth)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.web_fixtures import NOW, World, bearer, login, make_client
from valuecenter.campaigns.models import Arm, Campaign, CampaignChannel, CampaignMember
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.retention.models import RenewalCandidate, RenewalGroup, RenewalRun
from valuecenter.retention.offers import OfferSpec, upsert_offer

TODAY = NOW.date()
# customer: (group, rank, net cents)
CANDIDATES = {
    "C1001": (RenewalGroup.LISTED, 2, 9_000),
    "C1002": (RenewalGroup.SILENT_RENEWER, None, -4_000),
    "C2001": (RenewalGroup.LISTED, 1, 12_000),
    "C2002": (RenewalGroup.LOST_CAUSE, None, -800),
    "C1003": (RenewalGroup.LISTED, 3, 500),
}
MODEL = {
    "uplift": {"learner": "x"},
    "offers": ["renewal-discount-10"],
    "trained_on": {
        "campaigns": ["RENEW-2026Q1", "RENEW-2026Q2"],
        "rows": 1200,
        "rows_per_arm": {"control": 120, "renewal-discount-10": 1080},
    },
    "validation": {
        "test_campaigns": ["RENEW-2026Q2"],
        "per_offer": {"1": {"qini": 0.0812, "uplift_at_30": 0.061, "rows": 400}},
    },
}


DISCOUNT_SPEC = OfferSpec(
    code="renewal-discount-10",
    name="10% off the next term",
    kind="discount",
    discount_share=0.1,
    campaign_action="renewal-offer",
)


def add_run(sessions: sessionmaker[Session], world: World) -> None:
    with sessions() as session:
        offer = upsert_offer(session, DISCOUNT_SPEC)
        run = RenewalRun(
            run_id="renewals-test",
            started_at=NOW,
            finished_at=NOW,
            as_of=TODAY,
            horizon_days=90,
            budget_calls=3,
            budget_cents=None,
            call_cost_cents=450,
            score_run_id=None,
            candidates=len(CANDIDATES),
            listed=3,
            counts={"listed": 3, "silent-renewer": 1, "lost-cause": 1},
            model=MODEL,
            totals={
                "expected_extra_renewals": 1.2,
                "expected_incremental_value_cents": 40_000,
                "expected_cost_cents": 18_500,
                "expected_net_cents": 21_500,
            },
            seconds=1.0,
        )
        session.add(run)
        session.flush()
        for k, (ext, (group, rank, net)) in enumerate(CANDIDATES.items()):
            customer = world.customers[ext]
            contract = Contract(
                external_id=f"CT-R{k}",
                customer_id=customer.id,
                plan="unlimited",
                monthly_fee_cents=3_500,
                start_date=TODAY - timedelta(days=700),
                end_date=TODAY + timedelta(days=20 + k),
                status=ContractStatus.ACTIVE,
            )
            session.add(contract)
            session.flush()
            session.add(
                RenewalCandidate(
                    run_id=run.id,
                    customer_id=customer.id,
                    contract_id=contract.id,
                    ends_on=contract.end_date or date.max,
                    group=group,
                    rank=rank,
                    offer_id=offer.id,
                    p_renew=0.7,
                    p_renew_offer=0.8,
                    uplift=0.1,
                    value_cents=84_000,
                    cost_cents=8_850,
                    net_cents=net,
                    reasons=[{"code": "days_to_end", "text": f"Contract ends in {20 + k} days"}],
                )
            )
        session.commit()


@pytest.fixture
def renewals(world: World, sessions: sessionmaker[Session]) -> World:
    add_run(sessions, world)
    return world


def test_listed_customers_come_in_call_order_with_the_run(db_url: str, renewals: World) -> None:
    client = make_client(db_url)
    body = client.get("/api/v1/retention/renewals", headers=bearer(renewals.tokens["agent"])).json()
    assert [c["customer"]["external_id"] for c in body["items"]] == ["C2001", "C1001", "C1003"]
    assert [c["rank"] for c in body["items"]] == [1, 2, 3]
    assert body["counts"]["listed"] == 3
    assert body["counts"]["silent-renewer"] == 1
    assert body["source"]["run_id"] == "renewals-test"
    assert body["source"]["model"]["uplift"]["learner"] == "x"
    first = body["items"][0]
    assert first["offer_code"] == "renewal-discount-10"
    assert first["reasons"][0]["text"].startswith("Contract ends in")


def test_an_account_manager_sees_only_his_pool(db_url: str, renewals: World) -> None:
    client = make_client(db_url)
    headers = bearer(renewals.tokens["account_manager"])
    body = client.get("/api/v1/retention/renewals?group=all", headers=headers).json()
    seen = {c["customer"]["external_id"] for c in body["items"]}
    assert seen == {"C1001", "C1002", "C1003"}
    assert body["counts"] == {
        "listed": 2,
        "over-budget": 0,
        "silent-renewer": 1,
        "lost-cause": 0,
        "not-worth": 0,
    }


def test_groups_filter_and_bad_parameters(db_url: str, renewals: World) -> None:
    client = make_client(db_url)
    headers = bearer(renewals.tokens["manager"])
    lost = client.get("/api/v1/retention/renewals?group=lost-cause", headers=headers).json()
    assert [c["customer"]["external_id"] for c in lost["items"]] == ["C2002"]
    assert lost["items"][0]["rank"] is None
    assert client.get("/api/v1/retention/renewals?group=nope", headers=headers).status_code == 422
    missing = client.get("/api/v1/retention/renewals?run=nope", headers=headers)
    assert missing.status_code == 404


def test_the_page_shows_the_list_its_groups_and_where_it_comes_from(
    db_url: str, renewals: World
) -> None:
    client = make_client(db_url)
    login(client, "manager")
    html = client.get("/retention/renewals").text
    assert "renewals-test" in html
    assert "learned from 1.200 members" in html or "learned from 1,200 members" in html
    assert html.index("Brasserie Lumière") < html.index("Bakkerij de Vries")
    assert "Silent renewers" in html
    assert "Qini 0.0812" in html
    silent = client.get("/retention/renewals?group=silent-renewer").text
    assert "Café Zonneveld" in silent
    assert "Brasserie Lumière" not in silent
    assert client.get("/retention/renewals?group=nope").status_code == 422


def test_the_page_without_a_run_says_how_to_make_one(db_url: str, world: World) -> None:
    client = make_client(db_url)
    login(client, "agent")
    html = client.get("/retention/renewals").text
    assert "No renewal list yet" in html
    assert "valuecenter retention renewals" in html


def _why(client: TestClient) -> str:
    html = client.get("/retention/renewals").text
    found = re.search(r'<p id="why-no-list">(.*?)</p>', html, re.S)
    assert found, "the empty page gives no reason"
    return unescape(re.sub(r"\s+", " ", found.group(1))).strip()


def test_the_empty_page_and_the_cli_give_the_same_reason(
    db_url: str,
    world: World,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 16: the default company had no renewal list and the page did not say why. The
    page, the command and the bootstrap ask the run's own precondition check (one text)."""
    client = make_client(db_url)
    login(client, "manager")
    code, _out, err = run(["retention", "renewals"], capsys)
    assert code == 2
    reason = err.strip().removeprefix("error: ")
    assert reason.startswith("offers: no active retention offer names a campaign action")
    assert _why(client) == f"It cannot be built on this company's data yet: {reason}"
    # The offer is there, but its campaigns held out too few customers to learn from.
    with sessions() as session:
        upsert_offer(session, DISCOUNT_SPEC)
        campaign = Campaign(
            external_id="RENEW-1",
            channel=CampaignChannel.PHONE,
            action="renewal-offer",
            started_at=NOW - timedelta(days=400),
        )
        session.add(campaign)
        session.flush()
        for k, customer in enumerate(world.customers.values()):
            arm = Arm.CONTROL if k % 2 else Arm.TREATMENT
            session.add(CampaignMember(campaign_id=campaign.id, customer_id=customer.id, arm=arm))
        session.commit()
        held_out = sum(1 for k in range(len(world.customers)) if k % 2)
    code, _out, err = run(["retention", "renewals"], capsys)
    assert code == 2
    reason = err.strip().removeprefix("error: ")
    assert reason == (
        f"campaigns: the renewal campaigns hold {held_out} members in arm 'control'; at least "
        "50 are needed to learn whom an offer moves. What to do: run renewal campaigns with a "
        "random control group (every offer and the held-out group at least 50 members whose "
        "contract has ended), import them with `valuecenter import campaigns FILE`, then build "
        "the list with `valuecenter retention renewals`."
    )
    assert _why(client) == f"It cannot be built on this company's data yet: {reason}"
