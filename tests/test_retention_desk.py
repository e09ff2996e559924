"""The save desk (``retention/desk/service.py``) on every backend: what a case freezes at opening,
the random arm and its share, the suggestion's rule by hand, one open case per customer, the
outcome's rules (a control case gets no offer, the cost counts only when kept with an offer, a
closed case stays closed), cases from contacts (idempotent), and who sees which cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.agents.models import Agent, Team
from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus
from valuecenter.alerts.schemas import reasons_of
from valuecenter.contacts.models import Channel, Contact, ContactReason
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.experiments.models import Experiment, ExperimentAssignment, ExperimentStratum
from valuecenter.i18n import use_locale
from valuecenter.retention.desk import listing as desk_list
from valuecenter.retention.desk import service as desk
from valuecenter.retention.desk import suggestion
from valuecenter.retention.models import SaveArm, SaveCase, SaveOutcome, SaveSource, SaveStatus
from valuecenter.retention.offers import OfferSpec, upsert_offer
from valuecenter.users.models import Role, User
from valuecenter.value.models import CustomerScore, ScoreRun

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
OFFERS = (
    OfferSpec(
        "discount-20", "20% off for a year", "discount", discount_share=0.2, prior_uplift=0.15
    ),
    OfferSpec("free-month", "One month free", "free-months", free_months=1, prior_uplift=0.08),
    OfferSpec("handset", "A new handset", "handset", fixed_cost_cents=15_000, prior_uplift=0.12),
    OfferSpec("old-gift", "A mug", "other", fixed_cost_cents=500, prior_uplift=0.5, active=False),
)


DESK, CONTROL = SaveArm.DESK, SaveArm.CONTROL


@dataclass
class Desk:
    customers: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    agent_id: int = 0
    score_run: str = ""


def _contact(
    session: Session,
    ext: str,
    customer: int,
    days_ago: float,
    reason: str | None,
    intent: str | None = None,
) -> int:
    contact = Contact(
        external_id=ext,
        customer_id=customer,
        channel=Channel.PHONE,
        started_at=NOW - timedelta(days=days_ago),
        intent=intent,
    )
    session.add(contact)
    session.flush()
    if reason is not None:
        session.add(ContactReason(contact_id=contact.id, position=1, reason=reason))
    return contact.id


def build_desk(session: Session, *, score: bool = True) -> Desk:
    """Three customers (C1 and C2 in the account manager's pool AM01, C3 in AM02), their
    contracts, contacts and a churn alert, a score run, a retention agent and the offers."""
    d = Desk()
    for role in ("agent", "account_manager", "manager"):
        user = User(username=role, password_hash="x", role=Role(role))
        session.add(user)
        d.users[role] = user
    session.flush()
    own = AccountManager(code="AM01", user_id=d.users["account_manager"].id)
    other = AccountManager(code="AM02")
    session.add_all([own, other])
    session.flush()
    for ext, pool in (("C1", own), ("C2", own), ("C3", other)):
        customer = Customer(
            external_id=ext,
            name=f"Customer {ext}",
            account_manager_id=pool.id,
            customer_since=date(2020, 10, 15),
        )
        session.add(customer)
        session.flush()
        d.customers[ext] = customer.id
    c1, c2, c3 = (d.customers[k] for k in ("C1", "C2", "C3"))
    session.add_all(
        [
            Contract(
                external_id="K1",
                customer_id=c1,
                plan="Unlimited",
                monthly_fee_cents=3000,
                start_date=date(2024, 11, 14),
                end_date=date(2026, 11, 14),
                status=ContractStatus.ACTIVE,
            ),
            Contract(
                external_id="K2",
                customer_id=c1,
                plan="Tablet",
                monthly_fee_cents=1000,
                start_date=date(2026, 1, 1),
                end_date=date(2027, 12, 31),
                status=ContractStatus.ACTIVE,
            ),
            Contract(
                external_id="K3",
                customer_id=c1,
                plan="Old",
                monthly_fee_cents=9900,
                start_date=date(2020, 10, 15),
                end_date=date(2022, 10, 14),
                status=ContractStatus.RENEWED,
                renewed_at=date(2022, 10, 14),
            ),
            Contract(
                external_id="K4",
                customer_id=c2,
                plan="Basic",
                monthly_fee_cents=2000,
                start_date=date(2025, 1, 1),
                end_date=date(2026, 9, 30),
                status=ContractStatus.ACTIVE,
            ),
        ]
    )
    d.contacts["c1-cancel"] = _contact(session, "T1", c1, 10, "cancel", "cancel")
    d.contacts["c1-complaint"] = _contact(session, "T2", c1, 20, "complaint", "complaint")
    d.contacts["c1-complaint2"] = _contact(session, "T3", c1, 30, "complaint")
    d.contacts["c1-price-old"] = _contact(session, "T4", c1, 100, "price")
    d.contacts["c2-cancel"] = _contact(session, "T5", c2, 1, "cancel")
    d.contacts["c3-ivr"] = _contact(session, "T6", c3, 2, "invoice", "cancel")
    d.contacts["c3-ivr-again"] = _contact(session, "T7", c3, 1.5, None, "cancel")
    if score:
        run = ScoreRun(
            run_id="score-20261001-0001",
            started_at=NOW,
            finished_at=NOW,
            as_of=date(2026, 10, 1),
            customers=3,
            scored=3,
            horizon_months=36,
            discount_rate=0.1,
            models={},
            segments={},
            seconds=1.0,
        )
        session.add(run)
        session.flush()
        d.score_run = run.run_id
        for ext, clv, segment in (
            ("C1", 500_000, "champions"),
            ("C2", 20_000, "grow"),
            ("C3", 0, "let-go"),
        ):
            session.add(
                CustomerScore(
                    run_id=run.id,
                    customer_id=d.customers[ext],
                    revenue_12m_cents=0,
                    revenue_cents=0,
                    purchases=0,
                    clv_cents=clv,
                    segment=segment,
                )
            )
        alert_run = AlertRun(
            run_id="alerts-20261001",
            started_at=NOW,
            finished_at=NOW,
            as_of=date(2026, 10, 1),
            score_run_id=run.id,
            customers=3,
            raised=1,
            still_open=0,
            market_dips=0,
            models={},
            seconds=1.0,
        )
        session.add(alert_run)
        session.flush()
        session.add(
            Alert(
                run_id=alert_run.id,
                customer_id=c1,
                kind=AlertKind.CHURN_MODEL,
                raised_on=date(2026, 10, 1),
                risk=0.42,
                clv_cents=500_000,
                value_at_risk_cents=210_000,
                reasons=[],
                action="Call",
                status=AlertStatus.OPEN,
            )
        )
    team = Team(code="retention-nl")
    session.add(team)
    session.flush()
    agent = Agent(external_id="A-R1", name="Ruud", team_id=team.id, user_id=d.users["agent"].id)
    session.add(agent)
    session.flush()
    d.agent_id = agent.id
    for spec in OFFERS:
        upsert_offer(session, spec)
    session.commit()
    return d


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> Desk:
    with sessions() as session:
        return build_desk(session)


def _open(
    session: Session, d: Desk, who: str, arm: SaveArm | None = DESK, **kw: object
) -> SaveCase:
    return desk.open_case(
        session,
        d.customers[who],
        kw.pop("source", SaveSource.IVR),
        at=kw.pop("at", NOW),
        control_share=0.1,
        arm=arm,
        **kw,
    )


def test_open_case_freezes_value_fee_risk_and_reasons(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = _open(session, world, "C1", contact_id=world.contacts["c1-cancel"])
        session.commit()
        assert (case.arm, case.status, case.source) == (SaveArm.DESK, SaveStatus.OPEN, "ivr")
        assert case.value_cents == 500_000
        assert case.monthly_fee_cents == 4000  # the two running contracts, not the renewed one
        assert case.risk == 0.42
        run = session.scalars(select(ScoreRun)).one()
        assert case.score_run_id == run.id
        assert case.opened_at == NOW
        # Stored as codes with their figures and the English sentence of the time ...
        assert [(r["code"], r["params"], r["text"]) for r in case.reasons] == [
            ("days_to_end", {"n": 30}, "Contract ends in 30 days"),
            (
                "cancel_contacts_90d",
                {"n": 1},
                "Asked about cancelling in the last 90 days: 1×",
            ),
            ("complaints_90d", {"n": 2}, "Complaints in the last 90 days: 2"),
            ("tenure_days", {"n": 2191}, "Customer for 2,191 days"),
            ("monthly_fee_eur", {"cents": 4000}, "Pays €40 a month"),
            (
                "segment",
                {"segment": "champions", "clv_cents": 500_000},
                "Value segment champions: CLV €5,000",
            ),
            (
                "churn-risk",
                {"risk_share": 0.42, "raised_day": "2026-10-01"},
                "Churn model risk 42% (alert of 1 Oct 2026)",
            ),
        ]
        # ... and shown in the reader's language, numbers and money by his locale.
        with use_locale("nl"):
            assert [r.text for r in reasons_of(case.reasons)] == [
                "Contract loopt af over 30 dagen",
                "Vroeg naar opzeggen in de laatste 90 dagen: 1×",
                "Klachten in de laatste 90 dagen: 2",
                "Klant sinds 2.191 dagen",
                "Betaalt € 40 per maand",
                "Waardesegment champions: CLV € 5.000",
                "Opzegrisico volgens het model 42% (signaal van 1 okt 2026)",
            ]
        # C2's contract ran past its end; he has no churn alert.
        other = _open(session, world, "C2", arm=CONTROL)
        assert other.risk is None
        assert {
            "code": "days_past_end",
            "params": {"n": 15},
            "text": "Contract ran past its end 15 days ago (rolling on)",
        } in other.reasons


def test_suggestion_without_history_is_the_priors_rule_by_hand(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    """No closed case yet: û = prior, keep = 0.5 + û, cost over 12 months of € 40.
    discount-20: 0.15 × 5,000 − 0.65 × 96 = 687.60; free-month: 0.08 × 5,000 − 0.58 × 40 =
    376.80; handset: 0.12 × 5,000 − 0.62 × 150 = 507. The inactive mug is not considered."""
    with sessions() as session:
        case = _open(session, world, "C1")
        s = case.suggestion
        assert s["chosen"] == "discount-20"
        assert case.suggested_offer_id is not None
        offers = {o["code"]: o for o in s["offers"]}
        assert set(offers) == {"discount-20", "free-month", "handset"}
        assert offers["discount-20"] == {
            "code": "discount-20",
            "prior_uplift": 0.15,
            "desk_cases": 0,
            "measured_uplift": None,
            "uplift": 0.15,
            "keep": 0.65,
            "cost_cents": 9600,
            "net_cents": 68760,
        }
        assert offers["free-month"]["net_cents"] == 37680
        assert offers["handset"]["net_cents"] == 50700
        assert (s["control_cases"], s["base_keep"], s["term_months"]) == (0, 0.5, 12)


def test_suggestion_learns_from_closed_history_by_hand(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    """Evidence: 100 control cases (70 kept), 40 desk cases with free-month (34 kept). Base
    keep (5 × 0.5 + 100 × 0.7) / 105; free-month measured 0.85 − 0.7 = 0.15 with n_eff =
    1/(1/40 + 1/100) = 28.57, shrunk: (28.57 × 0.15 + 80 × 0.08) / 108.57."""
    with sessions() as session:
        offers = {o.code: o for o in suggestion.evidence(session, NOW).offers}
        known = suggestion.Evidence(
            list(offers.values()), {offers["free-month"].id: (40, 34)}, (100, 70)
        )
        chosen, how = suggestion.suggest(known, 100_000, 2_000)
    base = (5 * 0.5 + 100 * 0.7) / 105
    n_eff = 1 / (1 / 40 + 1 / 100)
    uplift = (n_eff * 0.15 + 80 * 0.08) / (n_eff + 80)
    rows = {o["code"]: o for o in how["offers"]}
    free = rows["free-month"]
    assert free["measured_uplift"] == pytest.approx(0.15)
    assert free["uplift"] == pytest.approx(uplift, abs=1e-4)
    assert free["keep"] == pytest.approx(base + uplift, abs=1e-4)
    assert free["net_cents"] == round(uplift * 100_000 - (base + uplift) * 2_000)
    # discount-20 is unmeasured: its prior, on the measured base.
    assert rows["discount-20"]["net_cents"] == round(0.15 * 100_000 - (base + 0.15) * 4_800)
    assert how["control_keep_rate"] == 0.7
    assert chosen is not None
    assert chosen.code == "discount-20"
    # A customer worth nothing gets no offer: each costs more than it can save.
    nothing, why = suggestion.suggest(known, 0, 2_000)
    assert nothing is None
    assert why["chosen"] is None
    assert why["why"] == "no offer is expected to save more than it costs"


def test_control_cases_get_no_suggestion_and_no_offer(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = _open(session, world, "C1", arm=CONTROL)
        assert case.arm == SaveArm.CONTROL
        assert case.suggested_offer_id is None
        assert case.suggestion == {
            "control": True,
            "why": "control group: standard handling, no offer",
        }
        with pytest.raises(Conflict) as caught:
            desk.record_outcome(session, case.id, outcome="kept", offer_code="free-month", at=NOW)
        assert str(caught.value) == (
            f"save case {case.id} is in the control group: it gets standard handling, no offer"
        )
        closed = desk.record_outcome(session, case.id, outcome="kept", at=NOW)
        assert (closed.offer_id, closed.offer_cost_cents, closed.outcome) == (None, 0, "kept")


def test_the_kernel_draws_the_arm_once_per_customer_and_month(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    """The arm comes from the experiments kernel (issue 19): the month's save-desk experiment
    stores it, so a customer who calls to cancel again in the same month keeps his arm; each
    month is its own experiment; a zero control share draws nothing."""
    with sessions() as session:
        arms = []
        for k in range(5):
            case = desk.open_case(
                session,
                world.customers["C3"],
                "request",
                at=NOW + timedelta(minutes=k),
                control_share=0.5,
                arm=None,
            )
            desk.record_outcome(session, case.id, outcome="cancelled", at=case.opened_at)
            arms.append(case.arm)
        assert len(set(arms)) == 1
        month = NOW.strftime("%Y-%m")
        experiment = session.scalar(
            select(Experiment).where(Experiment.key == f"save-desk:{month}")
        )
        assert experiment is not None
        assert experiment.treated_share == 0.5
        stored = session.scalars(select(ExperimentAssignment.treated)).all()
        assert stored == [arms[0] == SaveArm.DESK]
        counts = session.scalars(select(ExperimentStratum)).one()
        assert (counts.stratum, counts.total) == ("control 0.5", 1)
        later = desk.open_case(
            session,
            world.customers["C3"],
            "request",
            at=NOW + timedelta(days=40),
            control_share=0.0,
            arm=None,
        )
        assert later.arm == SaveArm.DESK
        assert session.scalar(select(func.count()).select_from(Experiment)) == 1


def test_one_open_case_per_customer_and_one_case_per_contact(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        first = _open(session, world, "C1", contact_id=world.contacts["c1-cancel"])
        with pytest.raises(
            Conflict, match=f"customer C1 already has an open save case \\({first.id}\\)"
        ):
            _open(session, world, "C1")
        desk.record_outcome(session, first.id, outcome="kept", at=NOW)
        with pytest.raises(Conflict, match=f"already opened save case {first.id}"):
            _open(session, world, "C1", contact_id=world.contacts["c1-cancel"])
        with pytest.raises(InvalidInput, match="is not a contact of customer C1"):
            _open(session, world, "C1", contact_id=world.contacts["c2-cancel"])
        again = _open(session, world, "C1")  # closed before: a new case may open
        assert again.id != first.id


def test_the_database_keeps_one_open_case_per_customer_under_a_race(
    world: Desk, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests that both saw no open case: the partial unique index refuses the second,
    as a Conflict, and the first case stays intact."""
    with sessions() as session:
        first = _open(session, world, "C1")
        monkeypatch.setattr(desk, "open_case_of", lambda _session, _customer: None)
        with pytest.raises(Conflict, match="customer C1 already has an open save case"):
            _open(session, world, "C1")
        session.commit()
    with sessions() as session:
        cases = session.scalars(select(SaveCase)).all()
        assert [c.id for c in cases] == [first.id]
        assert cases[0].status == SaveStatus.OPEN


def test_outcome_rules(world: Desk, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        kept = _open(session, world, "C1")
        done = desk.record_outcome(
            session,
            kept.id,
            outcome=SaveOutcome.KEPT,
            offer_code="discount-20",
            user=world.users["agent"],
            note="  wants a tablet deal  ",
            at=NOW + timedelta(hours=1),
        )
        assert (done.status, done.outcome, done.note) == ("closed", "kept", "wants a tablet deal")
        assert done.offer_cost_cents == 9600  # 20% × € 40 × 12 months
        assert done.agent_id == world.agent_id  # the user's agent
        assert done.handled_by == world.users["agent"].id
        assert done.closed_at == NOW + timedelta(hours=1)
        with pytest.raises(
            Conflict,
            match=f"save case {kept.id} was already closed \\(kept\\) on 2026-10-15 13:00 UTC",
        ):
            desk.record_outcome(session, kept.id, outcome="cancelled", at=NOW)
        lost = _open(session, world, "C2")
        gone = desk.record_outcome(
            session,
            lost.id,
            outcome="cancelled",
            offer_code="handset",
            agent_id=world.agent_id,
            at=NOW,
        )
        assert (gone.offer_cost_cents, gone.agent_id) == (0, world.agent_id)  # not taken: no cost
        assert gone.offer_id is not None
        third = _open(session, world, "C3")
        for kwargs, message in (
            ({"outcome": "maybe"}, "outcome: 'maybe' is not one of kept, cancelled"),
            ({"outcome": "kept", "offer_code": "nope"}, "offer_code: 'nope' is not an offer"),
            (
                {"outcome": "kept", "offer_code": "old-gift"},
                "offer_code: 'old-gift' is no longer active",
            ),
            ({"outcome": "kept", "note": "x" * 2001}, "note: is 2,001 characters; at most 2,000"),
            ({"outcome": "kept", "agent_id": 99999}, "agent_id: agent 99999 does not exist"),
            (
                {"outcome": "kept", "at": NOW - timedelta(days=1)},
                "at: 2026-10-14 12:00 is before the case opened",
            ),
            (
                {"outcome": "kept", "at": datetime(2026, 10, 16)},
                "at: needs a time zone (times are UTC)",
            ),
        ):
            with pytest.raises(InvalidInput) as caught:
                desk.record_outcome(session, third.id, **{"at": NOW, **kwargs})
            assert str(caught.value) == message
        assert third.status == SaveStatus.OPEN
        with pytest.raises(NotFound, match="save case 99999 does not exist"):
            desk.record_outcome(session, 99999, outcome="kept", at=NOW)


def test_opening_errors_are_one_line(world: Desk, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for kwargs, error, message in (
            (
                {"source": "fax"},
                InvalidInput,
                "source: 'fax' is not one of ivr, contact-reason, request",
            ),
            ({"at": datetime(2026, 10, 15)}, InvalidInput, "at: needs a time zone (times are UTC)"),
        ):
            with pytest.raises(error) as caught:
                _open(session, world, "C1", **kwargs)
            assert str(caught.value) == message
        with pytest.raises(InvalidInput, match=r"control_share: 1.0 is not in \[0, 1\)"):
            desk.open_case(
                session, world.customers["C1"], "ivr", at=NOW, control_share=1.0, arm=DESK
            )
        with pytest.raises(NotFound, match="customer 99999 does not exist"):
            desk.open_case(session, 99999, "ivr", at=NOW, control_share=0.1, arm=DESK)


def test_no_score_run_no_case(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        d = build_desk(session, score=False)
        with pytest.raises(InvalidInput) as caught:
            _open(session, d, "C1")
    assert str(caught.value) == "score: no score run yet; run `valuecenter score` first"


def test_cases_from_contacts_are_idempotent(world: Desk, sessions: sessionmaker[Session]) -> None:
    """In the last 15 days: C1's IVR cancel (10 days ago), C2's cancel reason (1 day ago), C3's
    two IVR cancels (2 and 1.5 days ago: the second finds his case open). C1's complaint is no
    cancel contact."""
    since, until = NOW - timedelta(days=15), NOW
    with sessions() as session:
        counts = desk.open_from_contacts(session, since, until, 0.0)
        session.commit()
        assert counts == {
            "contacts": 4,
            "opened": 3,
            "desk": 3,
            "control": 0,
            "contact_had_case": 0,
            "customer_had_open_case": 1,
        }
        cases = {c.contact_id: c for c in session.scalars(select(SaveCase))}
        assert cases[world.contacts["c1-cancel"]].source == SaveSource.IVR
        assert cases[world.contacts["c2-cancel"]].source == SaveSource.CONTACT_REASON
        assert cases[world.contacts["c3-ivr"]].source == SaveSource.IVR
        assert cases[world.contacts["c1-cancel"]].opened_at == NOW - timedelta(days=10)
        again = desk.open_from_contacts(session, since, until, 0.0)
        assert again["opened"] == 0
        assert again["contact_had_case"] == 3
        assert again["customer_had_open_case"] == 1
        with pytest.raises(InvalidInput, match="until: must be after since"):
            desk.open_from_contacts(session, until, since, 0.0)


def test_who_sees_which_cases(world: Desk, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        c1 = _open(session, world, "C1", at=NOW - timedelta(hours=3))  # € 5,000
        c2 = _open(session, world, "C2", at=NOW - timedelta(hours=1))  # € 200
        c3 = _open(session, world, "C3", at=NOW - timedelta(hours=2))  # € 0, other pool
        desk.record_outcome(session, c2.id, outcome="kept", at=NOW)
        session.commit()
        agent, am = world.users["agent"], world.users["account_manager"]

        def ids(viewer: User, **kw: object) -> list[int]:
            rows, total = desk_list.case_rows(session, viewer, **kw)
            assert total == len(rows)
            return [r.case.id for r in rows]

        assert ids(agent) == [c3.id, c1.id]  # open, newest first
        assert ids(agent, status=None, order="value") == [c1.id, c2.id, c3.id]
        assert ids(agent, status=SaveStatus.CLOSED) == [c2.id]
        assert ids(am, status=None) == [c2.id, c1.id]  # his pool only
        row = desk_list.case_rows(session, am)[0][0]
        assert (row.customer.external_id, row.customer.account_manager, row.score_run) == (
            "C1",
            "AM01",
            world.score_run,
        )
        assert row.suggested_offer == "discount-20"
        assert row.offer is None
        assert desk_list.visible_case(session, am, c3.id) is None
        with pytest.raises(NotFound, match=f"save case {c3.id} does not exist"):
            desk.record_outcome(session, c3.id, outcome="kept", user=am, at=NOW)
        with pytest.raises(NotFound, match="customer C3 does not exist"):
            desk_list.visible_customer(session, am, "C3")
        assert desk_list.visible_customer(session, agent, "C3").id == world.customers["C3"]
        with pytest.raises(InvalidInput, match="page_size: must be between 1 and 200"):
            desk_list.case_page(
                session,
                agent,
                status=None,
                order="newest",
                page=1,
                page_size=500,
                page_size_max=200,
            )


def test_evidence_counts_closed_cases_up_to_a_moment(
    world: Desk, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        a = _open(session, world, "C1")
        desk.record_outcome(session, a.id, outcome="kept", offer_code="free-month", at=NOW)
        b = _open(session, world, "C2", arm=CONTROL)
        desk.record_outcome(session, b.id, outcome="cancelled", at=NOW + timedelta(days=2))
        c = _open(session, world, "C3", arm=CONTROL)
        desk.record_outcome(session, c.id, outcome="kept", at=NOW + timedelta(days=2))
        free = next(
            o.id for o in suggestion.evidence(session, NOW).offers if o.code == "free-month"
        )
        before = suggestion.evidence(session, NOW + timedelta(days=1))
        assert (before.by_offer, before.control) == ({free: (1, 1)}, (0, 0))
        after = suggestion.evidence(session, NOW + timedelta(days=3))
        assert after.control == (2, 1)
        assert [o.code for o in after.offers] == ["discount-20", "free-month", "handset"]


def test_the_control_share_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from valuecenter.settings import Settings

    assert Settings().save_control_share == 0.1
    monkeypatch.setenv("VALUECENTER_SAVE_CONTROL_SHARE", "0.25")
    assert Settings().save_control_share == 0.25
    for bad in (1.0, -0.1):
        with pytest.raises(ValidationError, match="save_control_share"):
            Settings(save_control_share=bad)
