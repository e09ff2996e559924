"""The value-ledger interface (``finance/ledger.py``) and its three yield lines on every backend:
each line's figures are its domain ledger's for the same period (the save-value ledger's
total, the lift ledger's total, the campaigns' readouts summed), a line without a control
group is never proven, and the proven total never holds an unproven line.

The worlds are the domain tests' own: the save desk's closed cases of
tests/test_retention_ledger.py, the decision log of tests/test_offers_lift_ledger.py, and two
small hand-made campaigns with their control arms."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.test_offers_lift_ledger import AS_OF, log  # noqa: F401  (the fixture)
from tests.test_retention_desk import Desk
from tests.test_retention_ledger import books  # noqa: F401  (the fixture)
from valuecenter.analytics.incremental_sum import sum_independent
from valuecenter.analytics.ledger import Incremental, incremental
from valuecenter.campaigns.models import Arm, Campaign, CampaignChannel, CampaignMember
from valuecenter.customers.models import Customer
from valuecenter.experiments.models import (
    Experiment,
    ExperimentAssignment,
    ExperimentKind,
    ExperimentStatus,
)
from valuecenter.finance.ledger import RecordsRef, YieldLine, proven_total
from valuecenter.finance.lines import LEDGERS, CampaignsLedger, NbaSalesLedger, SavesLedger
from valuecenter.marketing.results import campaign_results
from valuecenter.offers.lift_ledger import lift_ledger
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.retention.desk.ledger import ledger

JULY, AUGUST, SEPTEMBER, OCTOBER, NOVEMBER = (date(2026, m, 1) for m in (7, 8, 9, 10, 11))
READ_AT = datetime(2026, 12, 1, tzinfo=UTC)


def _rounded(value: Incremental) -> tuple[int | None, tuple[int, int] | None]:
    estimate = None if value.estimate is None else round(value.estimate)
    if value.low is None or value.high is None:
        return estimate, None
    return estimate, (round(value.low), round(value.high))


def test_the_register_holds_every_line_once() -> None:
    keys = [ledger.key for ledger in LEDGERS]
    assert keys == ["saves", "nba-sales", "campaigns", "am-pools", "avoided-costs"]


# --- saves --------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [AUGUST, SEPTEMBER])
def test_the_saves_line_is_the_save_ledgers_total(
    books: Desk,  # noqa: F811
    sessions: sessionmaker[Session],
    month: date,
) -> None:
    end = date(month.year, month.month + 1, 1)
    with sessions() as session:
        # August's draw is recorded as the experiments kernel's; September's cases were not.
        session.add(
            Experiment(
                key="save-desk:2026-08",
                kind=ExperimentKind.SAVE_DESK,
                name="Save desk 2026-08",
                status=ExperimentStatus.RUNNING,
                treated_share=0.5,
                created_at=datetime(2026, 8, 1, tzinfo=UTC),
            )
        )
        session.flush()
        line = SavesLedger().line(session, month, end)
        total = ledger(session, "month", month, end)[-1]
    assert line.key == "saves"
    assert (line.start, line.end) == (month, end)
    assert line.gross_cents == total.gross_value_cents > 0
    assert (line.incremental_cents, line.interval_cents) == _rounded(total.incremental_value_cents)
    assert line.incremental_cents is not None
    # August: 12 desk, 10 control cases — an interval; September: 3 control cases — none.
    assert line.proven is (month == AUGUST)
    assert (line.reason is None) is (month == AUGUST)
    assert line.provenance["desk_cases"] == total.desk
    assert line.provenance["control_cases"] == total.control
    assert line.provenance["score_runs"] == total.score_runs
    assert line.provenance["experiments"] == (["save-desk:2026-08"] if month == AUGUST else [])
    assert line.records.count == total.cases == total.desk + total.control
    assert line.records.url() == (
        f"/retention/desk?status=closed&since={month.isoformat()}&until={end.isoformat()}"
    )
    assert str(total.desk) in line.method
    assert str(total.control) in line.method


def test_a_month_of_desk_cases_without_control_is_unproven(
    books: Desk,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    """July holds one desk case and no control case: a gross figure, nothing incremental."""
    with sessions() as session:
        line = SavesLedger().line(session, JULY, AUGUST)
    assert line.gross_cents == 777_777
    assert line.incremental_cents is None
    assert line.interval_cents is None
    assert not line.proven
    assert line.reason is not None
    assert "control" in line.reason
    assert proven_total([line]) == 0


# --- next-best-action sales ---------------------------------------------------------------


@pytest.mark.parametrize("month", [SEPTEMBER, OCTOBER])
def test_the_nba_line_is_the_lift_ledgers_total(
    log: dict[str, int],  # noqa: F811
    sessions: sessionmaker[Session],
    month: date,
) -> None:
    end = date(month.year, month.month + 1, 1)
    with sessions() as session:
        line = NbaSalesLedger(as_of=AS_OF).line(session, month, end)
        total = lift_ledger(session, month, end, as_of=AS_OF).total
    assert line.gross_cents == total.sales_treated_cents > 0
    assert (line.incremental_cents, line.interval_cents) == _rounded(total.sales.incremental)
    assert line.provenance["experiments"] == [f"nba-control:{month:%Y-%m}"]
    assert line.records.count == total.sales.treated + total.sales.control
    if month == OCTOBER:  # customer 0 alone, no control customer: nothing to compare with
        assert total.sales.control == 0
        assert line.incremental_cents is None
        assert not line.proven
    else:
        assert line.proven is total.sales.incremental.has_interval
    assert line.proven is (line.interval_cents is not None)


# --- campaigns ----------------------------------------------------------------------------

PEOPLE = 20  # per arm


def _campaign(session: Session, code: str, started: datetime, *, control: bool) -> int:
    """A campaign with ``PEOPLE`` treated members (every third converts, revenue varying) and,
    with ``control``, ``PEOPLE`` control members (every fifth converts)."""
    experiment = Experiment(
        key=f"campaign:{code}",
        kind=ExperimentKind.CAMPAIGN,
        name=code,
        status=ExperimentStatus.RUNNING,
        treated_share=0.5 if control else 1.0,
        created_at=started,
        launched_at=started,
    )
    session.add(experiment)
    session.flush()
    campaign = Campaign(
        external_id=code,
        name=code,
        channel=CampaignChannel.EMAIL,
        started_at=started,
        experiment_id=experiment.id,
        cost_per_contact_cents=10,
    )
    session.add(campaign)
    people = [
        Customer(external_id=f"{code}-{i}", name=f"{code} {i}", country="NL")
        for i in range(2 * PEOPLE if control else PEOPLE)
    ]
    session.add_all(people)
    session.flush()
    for i, person in enumerate(people):
        treated = i < PEOPLE
        converts = i % 3 == 0 if treated else i % 5 == 0
        session.add(
            CampaignMember(
                campaign_id=campaign.id,
                customer_id=person.id,
                arm=Arm.TREATMENT if treated else Arm.CONTROL,
                contacted_at=started if treated else None,
                converted_at=started + timedelta(days=3) if converts else None,
                revenue_cents=2_000 + 350 * i if converts else 0,
            )
        )
    return campaign.id


@pytest.fixture
def campaigns(sessions: sessionmaker[Session]) -> dict[str, int]:
    """September: two campaigns with control arms; October: one without a control arm; an
    imported campaign without an experiment in September."""
    with sessions() as session:
        ids = {
            "SEP-A": _campaign(session, "SEP-A", datetime(2026, 9, 3, tzinfo=UTC), control=True),
            "SEP-B": _campaign(session, "SEP-B", datetime(2026, 9, 20, tzinfo=UTC), control=True),
            "OCT": _campaign(session, "OCT", datetime(2026, 10, 5, tzinfo=UTC), control=False),
        }
        session.add(
            Campaign(
                external_id="IMPORTED",
                name="imported",
                channel=CampaignChannel.EMAIL,
                started_at=datetime(2026, 9, 10, tzinfo=UTC),
            )
        )
        session.commit()
        return ids


def test_the_campaigns_line_sums_the_period_campaigns_readouts(
    campaigns: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        line = CampaignsLedger(as_of=READ_AT).line(session, SEPTEMBER, OCTOBER)
        readouts = [
            campaign_results(session, session.get_one(Campaign, campaigns[code]), at=READ_AT)
            for code in ("SEP-A", "SEP-B")
        ]
    figures = [r.readout.incremental_revenue for r in readouts]
    assert all(f.estimate is not None and f.has_interval for f in figures)
    assert line.gross_cents == sum(r.readout.treated.revenue_cents for r in readouts) > 0
    assert line.incremental_cents == round(sum(float(f.estimate or 0) for f in figures))
    assert (line.incremental_cents, line.interval_cents) == _rounded(sum_independent(figures))
    assert line.proven
    assert line.provenance["campaigns"] == ["SEP-A", "SEP-B"]
    assert line.provenance["experiments"] == ["campaign:SEP-A", "campaign:SEP-B"]
    assert line.provenance["without_experiment"] == 1
    assert line.records.count == 4 * PEOPLE


def test_a_campaign_without_control_arm_is_unproven(
    campaigns: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        line = CampaignsLedger(as_of=READ_AT).line(session, OCTOBER, NOVEMBER)
        alone = campaign_results(session, session.get_one(Campaign, campaigns["OCT"]), at=READ_AT)
        empty = CampaignsLedger(as_of=READ_AT).line(session, NOVEMBER, date(2026, 12, 1))
    assert line.gross_cents == alone.readout.treated.revenue_cents > 0
    assert alone.readout.control.members == 0
    assert line.incremental_cents is None
    assert not line.proven
    assert line.reason
    assert not empty.proven
    assert empty.gross_cents == 0
    assert empty.reason
    assert proven_total([line, empty]) == 0


def test_the_proven_total_of_the_registered_lines(
    books: Desk,  # noqa: F811
    campaigns: dict[str, int],
    sessions: sessionmaker[Session],
) -> None:
    """August's saves are proven, September's campaigns too: the total is theirs alone; the
    pools and avoided-costs lines have no random control group and never count."""
    with sessions() as session:
        lines = [lg.line(session, AUGUST, OCTOBER) for lg in LEDGERS]
    saves, nba, campaign_line, pools, avoided = lines
    assert saves.proven
    assert campaign_line.proven
    assert not pools.proven
    assert not avoided.proven
    expected = sum(x.incremental_cents or 0 for x in lines if x.proven)
    assert proven_total(lines) == expected
    assert nba.records.count == 0
    assert not nba.proven  # no decision in the period: nothing measured


# --- the interface itself -----------------------------------------------------------------


def _line(proven: bool, incremental: int | None, interval: tuple[int, int] | None) -> YieldLine:
    return YieldLine(
        key="x",
        label="x",
        start=AUGUST,
        end=SEPTEMBER,
        gross_cents=abs(incremental or 0) * 3,
        incremental_cents=incremental,
        interval_cents=interval,
        proven=proven,
        method="",
        provenance={},
        records=RecordsRef(path="/x"),
    )


@st.composite
def lines(draw: st.DrawFn) -> YieldLine:
    incremental = draw(st.none() | st.integers(-(10**12), 10**12))
    interval = None
    if incremental is not None and draw(st.booleans()):
        half = draw(st.integers(0, 10**10))
        interval = (incremental - half, incremental + half)
    proven = interval is not None and draw(st.booleans())
    return _line(proven, incremental, interval)


@given(st.lists(lines(), max_size=12))
def test_an_unproven_line_never_enters_the_proven_total(drawn: list[YieldLine]) -> None:
    proven = [x for x in drawn if x.proven]
    unproven = [x for x in drawn if not x.proven]
    assert (
        proven_total(drawn) == proven_total(proven) == sum(x.incremental_cents or 0 for x in proven)
    )
    assert proven_total(unproven) == 0
    # Adding an unproven line anywhere changes nothing.
    assert proven_total([*unproven, *drawn, *unproven]) == proven_total(drawn)


def test_a_line_cannot_claim_proof_without_its_figures() -> None:
    with pytest.raises(ValueError, match="proven"):
        _line(True, 100, None)
    with pytest.raises(ValueError, match="proven"):
        _line(True, None, None)


def test_the_sum_of_independent_experiments() -> None:
    a = Incremental(100.0, 30.0, 40.0, 160.0)
    b = Incremental(50.0, 40.0, -30.0, 130.0)
    total = sum_independent([a, b])
    assert total.estimate == 150.0
    assert total.std_error == pytest.approx(50.0)
    assert total.low == pytest.approx(150.0 - 1.959963984540054 * 50.0)
    assert sum_independent([a]) == a
    assert sum_independent([]) == Incremental(0.0, 0.0, 0.0, 0.0)
    no_control = Incremental(None, None, None, None, "no control")
    assert sum_independent([a, no_control]).estimate is None
    no_interval = Incremental(20.0, None, None, None, "too few")
    assert sum_independent([a, no_interval]) == Incremental(120.0, None, None, None, "too few")
    assert math.isfinite(float(total.high or 0))


def test_the_global_holdout_stands_beside_the_campaigns_line_never_in_it(
    campaigns: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """All campaigns together against the global holdout (finance/holdout.py): 20 customers
    who may receive campaigns, 12 held out, their September orders (one held-out customer's
    order falls in October and does not count). The line's own figures do not move."""
    with sessions() as session:
        before = CampaignsLedger(as_of=READ_AT).line(session, SEPTEMBER, OCTOBER)
    revenue = {
        True: [1_000 + 150 * i for i in range(20)],
        False: [900 + 100 * i for i in range(12)],
    }
    with sessions.begin() as session:
        holdout = Experiment(
            key="global-holdout",
            kind=ExperimentKind.HOLDOUT,
            name="Global holdout: no campaigns",
            status=ExperimentStatus.RUNNING,
            treated_share=0.95,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        product = Product(external_id="P-H", name="paper")
        session.add_all([holdout, product])
        session.flush()
        for arm, amounts in revenue.items():
            for i, cents in enumerate(amounts):
                person = Customer(external_id=f"H{arm:d}-{i}", name="h", country="NL")
                session.add(person)
                session.flush()
                session.add(
                    ExperimentAssignment(
                        experiment_id=holdout.id,
                        customer_id=person.id,
                        stratum="all",
                        treated=arm,
                        assigned_at=datetime(2026, 1, 2, tzinfo=UTC),
                    )
                )
                day = datetime(2026, 10 if (not arm and i == 0) else 9, 10, tzinfo=UTC)
                order = Order(external_id=f"HO{arm:d}-{i}", customer_id=person.id, ordered_at=day)
                session.add(order)
                session.flush()
                session.add(
                    OrderLine(
                        order_id=order.id,
                        line_no=1,
                        product_id=product.id,
                        quantity=1,
                        unit_price_ten_thousandths=cents * 100,
                        total_cents=cents,
                    )
                )
    with sessions() as session:
        line = CampaignsLedger(as_of=READ_AT).line(session, SEPTEMBER, OCTOBER)
    held_out = [0.0] + [float(c) for c in revenue[False][1:]]  # the first's order is October's
    want = incremental(np.array(revenue[True], dtype=float), np.array(held_out), "revenue")
    assert want.low is not None
    assert want.high is not None
    assert line.provenance["holdout_eligible"] == 20
    assert line.provenance["holdout_held_out"] == 12
    assert line.provenance["holdout_incremental_cents"] == round(want.estimate or 0)
    assert line.provenance["holdout_low_cents"] == round(want.low)
    assert line.provenance["holdout_high_cents"] == round(want.high)
    assert "global holdout" in line.method
    # beside the line, not in it
    assert (line.gross_cents, line.incremental_cents, line.interval_cents, line.proven) == (
        before.gross_cents,
        before.incremental_cents,
        before.interval_cents,
        before.proven,
    )
    assert proven_total([line]) == proven_total([before])
