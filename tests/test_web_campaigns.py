"""The campaign manager's pages (issue 19) on a demo company, on both backends: a manager runs
the wizard from a selection to the launch through its forms (the live count, the sample size,
the eligibility preview that stores nothing and equals the launch), the goal is frozen after
the launch (the form says so, 409), the results page shows campaign_results' figures, the
contact list and the lists are CSV downloads, the landing page checks a voucher code without
saying whose it is and throttles guessing, other roles are refused and bad input is a 4xx."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import ImmutableMultiDict

from tests.test_campaign_manager import _responses
from tests.test_demo_cli import run
from tests.web_fixtures import PASSWORD, cheap_argon2, csrf_from, login, make_client
from valuecenter.campaigns.models import Arm, Campaign, CampaignMember, CampaignVoucher
from valuecenter.customers.models import Customer
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.errors import InvalidInput
from valuecenter.experiments.models import Experiment, ExperimentAssignment
from valuecenter.i18n import use_locale
from valuecenter.marketing.results import campaign_results
from valuecenter.marketing.schemas import Goal
from valuecenter.offers import catalogue
from valuecenter.users.models import Role
from valuecenter.users.service import create_user
from valuecenter.web.pages.campaigns_forms import DraftForm, GoalForm, SelectionForm
from valuecenter.web.templating import money, percent, points


@pytest.fixture
def demo(
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> sessionmaker[Session]:
    """The wholesale demo (800 customers, scored), its catalogue, and a manager, an admin
    and an account manager who can log in."""
    cheap_argon2(monkeypatch)
    load_demo("--preset", "wholesale", "--customers", "800", "--seed", "7")
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    with sessions.begin() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("wholesale"))
        for name, role in (
            ("manager", Role.MANAGER),
            ("admin", Role.ADMIN),
            ("account-manager", Role.ACCOUNT_MANAGER),
        ):
            create_user(session, username=name, password=PASSWORD, role=role)
    return sessions


def _token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return csrf_from(page.text)


def _text(html: str) -> str:
    """The page's text with tags and runs of white space collapsed (for figure checks)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _wizard_to_goal(client: TestClient, code: str = "TONER-1") -> int:
    """Steps 1–2: save the selection "everybody", create the draft; returns its id."""
    token = _token(client, "/campaigns/new")
    saved = client.post(
        "/campaigns/selections",
        data={"csrf_token": token, "name": "everybody"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    target = saved.headers["location"]
    assert target.startswith("/campaigns/new/proposition?selection=")
    step2 = client.get(target)
    assert "800 customers now" in step2.text
    selection = target.rsplit("=", 1)[1]
    form = {
        "csrf_token": csrf_from(step2.text),
        "selection_id": selection,
        "code": code,
        "name": "Toner for everybody",
        "action": "toner-multipack",
        "channel": "email",
        "start": "2026-11-01",
        "runtime_days": "30",
        "fixed_cost": "75",
        "cost_per_contact": "1,50",  # the Dutch way works as well: parse_decimal's fallback
        "cost_per_voucher": "0",
        "margin_share": "30",
        "vouchers": "on",
        "landing_title": "Your toner voucher",
        "landing_body": "Enter the code from our e-mail.",
    }
    bad = client.post("/campaigns/new/proposition", data={**form, "margin_share": "lots"})
    assert bad.status_code == 422
    assert "&#39;lots&#39; is not a number" in bad.text
    assert 'value="Toner for everybody"' in bad.text  # what he typed is kept
    made = client.post("/campaigns/new/proposition", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    again = client.post("/campaigns/new/proposition", data=form)
    assert again.status_code == 409
    assert f"a campaign with code {code} exists already" in again.text
    found = re.fullmatch(r"/campaigns/(\d+)/goal", made.headers["location"])
    assert found, made.headers["location"]
    return int(found.group(1))


def test_a_manager_runs_the_wizard_to_the_launch_and_reads_the_results(
    demo: sessionmaker[Session],
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    sessions = demo
    with make_client(db_url) as client:
        login(client, "manager")
        listed = client.get("/campaigns")
        assert listed.status_code == 200
        assert "No campaigns yet." in listed.text
        assert 'href="/campaigns"' in listed.text
        assert 'aria-current="page"' in listed.text

        # Step 1: the live count per value segment (a read: nothing is saved).
        counted = client.get("/campaigns/selection/count", params={"segments": "champions"})
        assert counted.status_code == 200
        assert '<span class="live-number" id="count-total">72</span>' in counted.text
        assert '<td>champions</td><td class="num">72</td>' in counted.text.replace("\n", "")
        wrong = client.get("/campaigns/selection/count", params={"clv_min": "many"})
        assert wrong.status_code == 200
        assert "&#39;many&#39; is not a number" in wrong.text

        campaign_id = _wizard_to_goal(client)

        # Step 3: the sample size live, then the goal stored.
        plan = client.get(
            "/campaigns/plan", params={"baseline": "8", "mde": "8", "campaign": campaign_id}
        )
        assert plan.status_code == 200
        # Fleiss, 8% → 16%, α 5%, power 80%, equal arms: 258 per arm (test_campaign_manager).
        assert '<span class="live-number" id="plan-treated">258</span>' in plan.text
        assert '<strong id="plan-total">516</strong>' in plan.text
        assert "Scale when the always-valid interval" in plan.text
        goal_page = client.get(f"/campaigns/{campaign_id}/goal")
        token = csrf_from(goal_page.text)
        goal = {"csrf_token": token, "metric": "conversion", "baseline": "8", "mde": "8"}
        refused = client.post(f"/campaigns/{campaign_id}/goal", data={**goal, "power": "20"})
        assert refused.status_code == 422
        assert 'id="goal-error"' in refused.text
        stored = client.post(f"/campaigns/{campaign_id}/goal", data=goal, follow_redirects=False)
        assert stored.status_code == 303
        assert stored.headers["location"] == f"/campaigns/{campaign_id}/eligibility"

        # Step 4: the preview draws in a savepoint that is rolled back: nothing is stored.
        preview = client.get(f"/campaigns/{campaign_id}/eligibility")
        assert preview.status_code == 200, preview.text
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(ExperimentAssignment)) == 0
            assert (
                session.scalar(select(func.count()).where(Experiment.key == "global-holdout")) == 0
            )
        shown = {
            rule: int(n.replace(",", ""))
            for rule, n in re.findall(r'data-rule="([a-z-]+)">([\d,]+)<', preview.text)
        }
        assert set(shown) == {"global-holdout", "no-consent", "do-not-call", "contact-policy"}

        # Step 5: the launch; a draft's results page leads back into the wizard.
        draft = client.get(f"/campaigns/{campaign_id}", follow_redirects=False)
        assert draft.headers["location"] == f"/campaigns/{campaign_id}/launch"
        confirm = client.get(f"/campaigns/{campaign_id}/launch")
        launched = client.post(
            f"/campaigns/{campaign_id}/launch",
            data={"csrf_token": csrf_from(confirm.text)},
            follow_redirects=False,
        )
        assert launched.status_code == 303, launched.text
        with sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            # The launch removed exactly what the preview said it would.
            assert campaign.exclusions == {"selected": 800, **shown}
            code = campaign.external_id

        # The goal is pre-registered: the form is read-only, a POST is refused with 409.
        frozen = client.get(f"/campaigns/{campaign_id}/goal")
        assert "pre-registered, cannot change" in frozen.text
        assert 'id="goal-form"' not in frozen.text
        changed = client.post(
            f"/campaigns/{campaign_id}/goal",
            data={**goal, "csrf_token": csrf_from(frozen.text), "mde": "5"},
        )
        assert changed.status_code == 409
        assert "the goal of a launched campaign cannot change (pre-registered)" in changed.text
        relaunch = client.post(
            f"/campaigns/{campaign_id}/launch", data={"csrf_token": csrf_from(frozen.text)}
        )
        assert relaunch.status_code == 409
        assert f"campaign {code} is launched already" in relaunch.text

        # The contact list: a POST (it marks the members exported), a CSV download.
        results_page = client.get(f"/campaigns/{campaign_id}?launched=1")
        notice = "Launched. The goal and the decision rule are now pre-registered."
        assert notice in results_page.text
        token = csrf_from(results_page.text)
        exported = client.post(f"/campaigns/{campaign_id}/contacts.csv", data={"csrf_token": token})
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        with sessions() as session:
            treated = session.scalar(
                select(func.count()).where(
                    CampaignMember.campaign_id == campaign_id,
                    CampaignMember.arm == Arm.TREATMENT,
                )
            )
            marked = session.scalar(
                select(func.count()).where(
                    CampaignMember.campaign_id == campaign_id,
                    CampaignMember.exported_at.is_not(None),
                )
            )
        assert len(rows) == marked == treated  # nobody withdrew since the launch
        assert all(len(r["voucher"]) == 10 for r in rows)
        no_token = client.post(f"/campaigns/{campaign_id}/contacts.csv")
        assert no_token.status_code == 403

        # Responses come in; the results page shows campaign_results' figures.
        answers = tmp_path / "responses.csv"
        _responses(answers, sessions, campaign_id)
        code_, _out, err = run(["campaign", "responses", code, str(answers)], capsys)
        assert code_ == 0, err
        page = client.get(f"/campaigns/{campaign_id}")
        assert page.status_code == 200
        with sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            figures = campaign_results(session, campaign)
        r = figures.readout
        text = _text(page.text)
        assert r.lift is not None
        assert r.lift_low is not None
        assert r.always_low is not None
        assert r.roi is not None
        assert r.roi_low is not None
        with use_locale("en"):
            assert points(r.lift) in text
            assert f"95%: {points(r.lift_low)} to {points(r.lift_high or 0)}" in text
            assert f"always valid: {points(r.always_low)} to {points(r.always_high or 0)}" in text
            assert money(r.cost_cents) in text
            assert f"95%: {percent(r.roi_low)} to {percent(r.roi_high)}" in text
            for arm in (r.treated, r.control):
                assert f"{arm.members:,} {arm.conversions:,} {percent(arm.rate, 1)}" in text
            inc = r.incremental_revenue
            assert inc.estimate is not None
            assert inc.low is not None
            assert inc.high is not None
            assert f"{money(inc.estimate)} 95%: {money(inc.low)} to {money(inc.high)}" in text
        assert r.decision == "scale"
        assert 'class="decision-word">Scale<' in page.text
        assert f"campaign:{code}" in text
        assert '"lift"' in page.text  # the chart's spec is inline
        assert '"low"' in page.text

        # The lists and their CSV exports.
        listed = client.get("/campaigns")
        assert code in listed.text
        assert "Scale" in listed.text
        listing = client.get("/campaigns/export.csv")
        assert listing.status_code == 200
        lines = list(csv.DictReader(io.StringIO(listing.text.lstrip("\ufeff"))))
        assert [(x["code"], x["status"], x["decision"]) for x in lines] == [
            (code, "running", "scale")
        ]
        assert int(lines[0]["treated"]) == r.treated.members
        channels = client.get("/campaigns/channels")
        assert channels.status_code == 200
        assert "E-mail" in channels.text
        rates = client.get("/campaigns/channels/export.csv")
        assert "email" in {x["channel"] for x in csv.DictReader(io.StringIO(rates.text[1:]))}

        # Stop: the results stay readable, stopping twice is a 409 page, not a 500.
        stopped = client.post(
            f"/campaigns/{campaign_id}/stop", data={"csrf_token": token}, follow_redirects=False
        )
        assert stopped.status_code == 303
        assert "Stopped." in client.get(stopped.headers["location"]).text
        twice = client.post(f"/campaigns/{campaign_id}/stop", data={"csrf_token": token})
        assert twice.status_code == 409


def test_the_landing_page_checks_a_code_without_saying_whose_and_throttles_guessing(
    demo: sessionmaker[Session], db_url: str
) -> None:
    sessions = demo
    with make_client(db_url) as client:
        login(client, "manager")
        campaign_id = _wizard_to_goal(client, "LAND-1")
        token = _token(client, f"/campaigns/{campaign_id}/goal")
        client.post(
            f"/campaigns/{campaign_id}/goal",
            data={"csrf_token": token, "baseline": "10", "mde": "30"},
        )
        launched = client.post(
            f"/campaigns/{campaign_id}/launch", data={"csrf_token": token, "underpowered": "on"}
        )
        assert launched.status_code == 200
    with sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        assert campaign.landing_slug
        slug = campaign.landing_slug
        voucher = session.scalars(
            select(CampaignVoucher).where(CampaignVoucher.campaign_id == campaign_id).limit(1)
        ).one()
        holder = session.get(Customer, voucher.customer_id)
        assert holder is not None
        code, name = voucher.code, holder.name
    with make_client(db_url) as visitor:  # no login
        page = visitor.get(f"/l/{slug}")
        assert page.status_code == 200
        assert "Your toner voucher" in page.text
        assert "Enter the code from our e-mail." in page.text
        token = csrf_from(page.text)
        valid = visitor.post(f"/l/{slug}", data={"csrf_token": token, "code": code.lower()})
        assert valid.status_code == 200
        assert "This code is valid for this campaign." in valid.text
        assert name not in valid.text
        assert holder.external_id not in valid.text
        no_csrf = visitor.post(f"/l/{slug}", data={"code": code})
        assert no_csrf.status_code == 403
        assert visitor.get("/l/no-such-page").status_code == 404
        for attempt in range(10):
            wrong = visitor.post(
                f"/l/{slug}", data={"csrf_token": token, "code": f"WRONG{attempt}"}
            )
            assert wrong.status_code == 200
            assert "This code is not valid for this campaign." in wrong.text
        locked = visitor.post(f"/l/{slug}", data={"csrf_token": token, "code": code})
        assert locked.status_code == 429  # even the right code, once locked out
        assert "This code is valid" not in locked.text


def test_other_roles_are_refused_and_bad_input_is_a_4xx(
    demo: sessionmaker[Session], db_url: str
) -> None:
    with make_client(db_url) as client:
        login(client, "account-manager")
        assert "/campaigns" not in client.get("/customers").text.split("<main")[0]
        for path in ("/campaigns", "/campaigns/new", "/campaigns/channels", "/campaigns/1"):
            assert client.get(path).status_code == 403, path
        token = _token(client, "/customers")
        refused = client.post("/campaigns/selections", data={"csrf_token": token, "name": "x"})
        assert refused.status_code == 403
    with make_client(db_url) as client:
        login(client, "admin")
        assert client.get("/campaigns").status_code == 200
        assert client.get("/campaigns/abc").status_code == 422
        assert client.get("/campaigns/999999").status_code == 404
        assert client.get("/campaigns/999999/goal").status_code == 404
        assert client.get("/campaigns/new/proposition?selection=999999").status_code == 404
        assert client.get("/campaigns/plan?alpha=x&baseline=8&mde=1").status_code == 200
        token = _token(client, "/campaigns/new")
        unnamed = client.post("/campaigns/selections", data={"csrf_token": token})
        assert unnamed.status_code == 422
        assert "give the selection a name to save it" in unnamed.text
        too_wide = client.post(
            "/campaigns/selections",
            data={"csrf_token": token, "name": "x", "risk_min": "150"},
        )
        assert too_wide.status_code == 422
        bad_code = client.post(
            "/campaigns/new/proposition",
            data={
                "csrf_token": token,
                "selection_id": "1",
                "code": "bad code!",
                "name": "n",
                "action": "toner-multipack",
                "channel": "email",
                "start": "2026-11-01",
            },
        )
        assert bad_code.status_code == 422
        assert "use letters, digits" in bad_code.text
        too_long = client.post(
            "/campaigns/new/proposition",
            data={
                "csrf_token": token,
                "selection_id": "1",
                "code": "C-1",
                "name": "n",
                "action": "toner-multipack",
                "channel": "fax",
                "start": "2026-11-01",
            },
        )
        assert too_long.status_code == 422
        assert "must be one of" in too_long.text
        dutch = client.post("/language", data={"csrf_token": token, "language": "nl", "next": "/"})
        assert dutch.status_code in (200, 303)
        refused = client.post("/campaigns/selections", data={"csrf_token": token})
        assert refused.status_code == 422


shares = st.floats(min_value=0.05, max_value=0.95, allow_nan=False).map(lambda x: round(x, 4))


@settings(max_examples=60, deadline=None)
@given(
    locale=st.sampled_from(["en", "nl"]),
    metric=st.sampled_from(["conversion", "retention", "revenue"]),
    baseline=st.floats(min_value=0.01, max_value=0.9).map(lambda x: round(x, 4)),
    mde=st.floats(min_value=0.005, max_value=0.5).map(lambda x: round(x, 4)),
    treated=shares,
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
    power=st.sampled_from([0.8, 0.9]),
    min_roi=st.floats(min_value=-1, max_value=5).map(lambda x: round(x, 3)),
)
def test_a_goal_shown_in_its_form_reads_back_as_the_same_goal(
    locale: str,
    metric: str,
    baseline: float,
    mde: float,
    treated: float,
    alpha: float,
    power: float,
    min_roi: float,
) -> None:
    """The goal form writes a goal as the locale types it (percentages, the decimal comma in
    Dutch) and reads the same goal back: a reload of step 3 never changes what is stored."""
    goal = Goal.model_validate(
        {
            "metric": metric,
            "baseline": baseline,
            "mde": mde,
            "sd_euro": 25.0 if metric == "revenue" else None,
            "alpha": alpha,
            "power": power,
            "treated_share": treated,
            "min_roi": min_roi,
        }
    )
    with use_locale(locale):
        again = GoalForm.of(goal).goal()
    for name, value in goal.model_dump().items():
        if isinstance(value, float):
            assert getattr(again, name) == pytest.approx(value, rel=1e-9, abs=1e-9), name
        else:
            assert getattr(again, name) == value, name


TYPED_FIELDS = (
    *("clv_min", "clv_max", "risk_min", "risk_max", "bought_within_days", "contract_end_from"),
    *("code", "name", "selection_id", "start", "runtime_days", "budget", "margin_share"),
    *("channel", "metric", "baseline", "mde", "sd_euro", "alpha", "power", "treated_share"),
    "min_roi",
)
typed = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["inf", "nan", "-1", "1e400", "0", "1,5", "150", "2026-13-01", "ab c"]),
)


@settings(max_examples=150, deadline=None)
@given(
    form=st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(TYPED_FIELDS, typed),
    ),
    locale=st.sampled_from(["en", "nl"]),
)
def test_whatever_is_typed_the_forms_give_a_schema_or_name_the_field(
    form: dict[str, str], locale: str
) -> None:
    """No typed text makes a form fail otherwise than with InvalidInput naming a field of
    the form (a page answers it on the form with 422, never a 500)."""
    data = ImmutableMultiDict({**form, "action": "x"})
    for read, make in (
        (SelectionForm.read, lambda f: f.spec()),
        (DraftForm.read, lambda f: f.draft()),
        (GoalForm.read, lambda f: f.goal()),
    ):
        parsed = read(data)
        refused: InvalidInput | None = None
        with use_locale(locale):
            try:
                make(parsed)
            except InvalidInput as error:
                refused = error
        if refused is not None:
            assert refused.field in {f.name for f in fields(parsed)} | {"form"}, refused
