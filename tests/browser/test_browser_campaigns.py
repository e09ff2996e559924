"""The campaign manager in Debian's Chromium (issue 19): a manager builds a selection with the
live count, fills the proposition, sets the goal while the sample size updates, reads the
eligibility preview and launches; then, with a month of answers, reads the results page — the
decision, the figures with their intervals and the lift over time with its always-valid band
drawn under the app's CSP.

The company is the wholesale demo (800 customers, scored) with its catalogue. After the launch
the test moves the launch 30 days back and imports answers spread over those days (treated
members convert with 33%, control members with 10%), so the curve has a month of days.
Screenshots go to test-artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    log_in,
    require_chromium,
    serve,
    watched_page,
)
from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember, CampaignVoucher
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.experiments.models import Experiment
from valuecenter.offers import catalogue
from valuecenter.settings import get_settings
from valuecenter.users.models import Role
from valuecenter.users.service import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DAYS = 30


@pytest.fixture
def campaign_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[str, str]]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'campaigns.db'}"
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    for args in (["demo", "--preset", "wholesale", "--customers", "800", "--seed", "7"], ["score"]):
        code, _out, err = run(args, capsys)
        assert code == 0, f"{' '.join(args)}: {err}"
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("wholesale"))
        create_user(session, username="manager", password=PASSWORD, role=Role.MANAGER)
    engine.dispose()
    with serve(url) as base:
        yield base, url
    get_settings.cache_clear()


def _a_month_of_answers(url: str, code: str, target: Path) -> None:
    """Move the launch ``DAYS`` days back and write answers spread over those days."""
    engine = make_engine(url)
    rng = np.random.default_rng(19)
    with make_sessionmaker(engine).begin() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.external_id == code)).one()
        experiment = session.get(Experiment, campaign.experiment_id)
        assert experiment is not None
        assert experiment.launched_at is not None
        shift = timedelta(days=DAYS)
        experiment.launched_at -= shift
        campaign.started_at -= shift
        if campaign.ended_at is not None:
            campaign.ended_at -= shift
        launched = experiment.launched_at
        rows = session.execute(
            select(Customer.external_id, CampaignMember.arm)
            .join(Customer, Customer.id == CampaignMember.customer_id)
            .where(CampaignMember.campaign_id == campaign.id)
            .order_by(Customer.external_id)
        ).all()
    engine.dispose()
    with target.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer", "responded_at", "converted_at", "revenue"])
        for external, arm in rows:
            if rng.random() < (0.33 if arm == Arm.TREATMENT else 0.10):
                day = launched + timedelta(days=float(rng.uniform(0.5, DAYS - 1)))
                stamp = day.replace(tzinfo=None).isoformat(timespec="seconds")
                out.writerow([external, stamp, stamp, f"{rng.uniform(40, 120):.2f}"])


def _a_voucher(url: str, code: str) -> str:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        found = session.scalars(
            select(CampaignVoucher.code)
            .join(Campaign, Campaign.id == CampaignVoucher.campaign_id)
            .where(Campaign.external_id == code)
            .limit(1)
        ).one()
    engine.dispose()
    return found


def test_a_manager_runs_a_campaign_from_selection_to_results(
    campaign_server: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, url = campaign_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "manager", "/campaigns")
            expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Campaigns")
            page.click("#new-campaign")
            expect(page).to_have_url(f"{base}/campaigns/new")
            total = page.locator("#count-total")
            expect(total).to_have_text("800")
            page.locator("input[name=segments][value=champions]").check()
            expect(total).to_have_text("72")  # the live count (htmx)
            expect(page.locator("#count-segments")).to_contain_text("champions")
            page.locator("input[name=segments][value=champions]").uncheck()
            expect(total).to_have_text("800")
            page.fill("#f-name", "Everybody")
            page.screenshot(path=ARTIFACTS / "campaigns-1-selection.png", full_page=True)
            page.click("#save-selection")

            expect(page.locator("#chosen-selection")).to_contain_text("800 customers now")
            page.fill("#f-code", "TONER-1")
            page.fill("#f-name", "Toner for everybody")
            page.select_option("#f-action", "toner-multipack")
            page.select_option("#f-channel", "email")
            page.fill("#f-fixed_cost", "75")
            page.fill("#f-cost_per_contact", "1.50")
            page.fill("#f-margin_share", "30")
            page.check("input[name=vouchers]")
            page.fill("#f-landing_title", "Your toner voucher")
            page.fill("#f-landing_body", "Enter the code from our e-mail.")
            page.screenshot(path=ARTIFACTS / "campaigns-2-proposition.png", full_page=True)
            page.click("#save-draft")

            expect(page).to_have_url(re.compile(r"/campaigns/\d+/goal$"))
            campaign = page.url.rsplit("/", 2)[1]
            page.fill("#f-baseline", "8")
            page.fill("#f-mde", "8")
            expect(page.locator("#plan-treated")).to_have_text("258")  # live, before saving
            expect(page.locator("#plan-total")).to_have_text("516")
            expect(page.locator("#rule-words")).to_contain_text("Scale when")
            page.screenshot(path=ARTIFACTS / "campaigns-3-goal.png", full_page=True)
            page.click("#save-goal")

            expect(page).to_have_url(f"{base}/campaigns/{campaign}/eligibility")
            expect(page.locator("#card-selected .card-value")).to_have_text("800")
            expect(page.locator("#removed-per-rule")).to_contain_text("Global holdout")
            expect(page.locator("#split-per-segment tbody tr").first).to_be_visible()
            page.screenshot(path=ARTIFACTS / "campaigns-4-eligibility.png", full_page=True)
            page.click("#to-launch")

            expect(page.locator("#launch-form")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "campaigns-5-launch.png", full_page=True)
            page.click("#launch")
            expect(page.locator("#notice")).to_contain_text("Launched.")
            expect(page.locator("#frozen-goal")).to_contain_text("pre-registered, cannot change")

            answers = tmp_path / "answers.csv"
            _a_month_of_answers(url, "TONER-1", answers)
            code, _out, err = run(["campaign", "responses", "TONER-1", str(answers)], capsys)
            assert code == 0, err
            page.goto(f"{base}/campaigns/{campaign}")
            expect(page.locator("#decision")).to_contain_text("Scale")
            expect(page.locator("#always-valid")).to_contain_text("always valid")
            expect(page.locator("#lift-chart[data-rendered=true]")).to_have_count(1)
            expect(page.locator("#lift-chart svg")).to_be_visible()
            expect(page.locator("#arms tbody tr")).to_have_count(2)
            page.screenshot(path=ARTIFACTS / "campaigns-6-results.png", full_page=True)
            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=ARTIFACTS / "campaigns-6-results-narrow.png", full_page=True)
            page.set_viewport_size({"width": 1440, "height": 900})

            landing = page.locator("a:has-text('landing page')").get_attribute("href")
            assert landing is not None
            visitor = watched_page(browser, problems)  # another browser context: no login
            visitor.goto(f"{base}{landing}")
            expect(visitor.locator("h1")).to_have_text("Your toner voucher")
            visitor.fill("input[name=code]", "NOTACODE22")
            visitor.click("button:has-text('Check the code')")
            expect(visitor.locator("#voucher-answer")).to_have_text(
                "This code is not valid for this campaign."
            )
            visitor.fill("input[name=code]", _a_voucher(url, "TONER-1").lower())
            visitor.click("button:has-text('Check the code')")
            expect(visitor.locator("#voucher-answer")).to_have_text(
                "This code is valid for this campaign."
            )
            visitor.screenshot(path=ARTIFACTS / "campaigns-landing.png", full_page=True)

            page.goto(f"{base}/campaigns")
            expect(page.locator("#campaigns tbody tr")).to_have_count(1)
            expect(page.locator("#campaigns")).to_contain_text("Scale")
            page.screenshot(path=ARTIFACTS / "campaigns-list.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
