"""The renewal run on every backend: it learns from the renewal campaigns' arms, checks its
model out of time, prices every candidate, leaves silent renewers and lost causes out and
counts them, respects the budget (calls and euros), and refuses bad input in one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.contracts.models import Contract
from valuecenter.errors import InvalidInput
from valuecenter.retention.models import RenewalCandidate, RenewalGroup, RenewalRun
from valuecenter.retention.offers import OfferSpec, upsert_offer
from valuecenter.retention.renewals.service import RenewalOptions, run_renewals

AS_OF = date(2026, 11, 1)  # the demo world's last day + 1
DISCOUNT = OfferSpec(
    code="renewal-discount-10",
    name="10% off the next term",
    kind="discount",
    discount_share=0.10,
    campaign_action="renewal-offer",
)
# The same campaigns' effect, but an offer that costs nothing when taken (a courtesy call):
# worth making wherever the measured effect × the next term's fees beats the call's cost.
COURTESY = OfferSpec(
    code="courtesy-call",
    name="A call about the new plans",
    kind="other",
    campaign_action="renewal-offer",
)


@pytest.fixture
def telecom(db_url: str, load_demo: Callable[..., None]) -> str:
    """The telecom world every test here reads (made once per session and backend on SQLite)."""
    # Seed 5: on this small world the renewal offers' average effect is measured on about 90
    # controls (± 3.7 points), and on issue 18's world seed 4 happens to measure +0.15 points,
    # at which the courtesy call pays for nobody; seed 5 measures +2.0 (the truth: ≈ +3.6).
    load_demo("--preset", "telecom", "--customers", "3000", "--seed", "5")
    return db_url


def _candidates(session: Session, run_id: int) -> list[RenewalCandidate]:
    return list(session.scalars(select(RenewalCandidate).where(RenewalCandidate.run_id == run_id)))


def test_a_run_prices_and_groups_every_contract_ending_in_the_horizon(
    telecom: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        upsert_offer(session, COURTESY)
        result = run_renewals(session, RenewalOptions(as_of=AS_OF, horizon_days=60))
        session.commit()
        ending = session.scalar(
            select(func.count(func.distinct(Contract.customer_id))).where(
                Contract.end_date > AS_OF,
                Contract.end_date <= AS_OF + timedelta(days=60),
                Contract.start_date <= AS_OF,
            )
        )
        rows = _candidates(session, result.id)
        assert result.candidates == len(rows) > 0
        assert len(rows) <= (ending or 0)
        assert sum(int(v) for v in result.counts.values()) == len(rows)  # type: ignore[call-overload]
        listed = sorted(
            (r for r in rows if r.group == RenewalGroup.LISTED), key=lambda r: r.rank or 0
        )
        assert listed
        assert [r.rank for r in listed] == list(range(1, len(listed) + 1))
        nets = [r.net_cents for r in listed]
        assert nets == sorted(nets, reverse=True)
        assert all(r.net_cents > 0 for r in listed)
        assert all(r.net_cents <= 0 for r in rows if r.group != RenewalGroup.LISTED)
        for r in rows:
            assert AS_OF < r.ends_on <= AS_OF + timedelta(days=60)
            assert 0.0 <= r.p_renew <= 1.0
            assert r.reasons
            # uplift is stored to 4 decimals
            expected = r.uplift * r.value_cents - 450
            assert abs(r.net_cents - expected) <= 1 + 0.00005 * r.value_cents
        for r in rows:
            if r.group == RenewalGroup.SILENT_RENEWER:
                assert r.p_renew >= 0.85
            if r.group == RenewalGroup.LOST_CAUSE:
                assert r.p_renew_offer < 0.5
        model = result.model
        trained = model["trained_on"]
        assert isinstance(trained, dict)
        arms = trained["rows_per_arm"]
        assert arms["control"] >= 50
        assert arms["courtesy-call"] > arms["control"]  # a tenth was held out
        assert all(str(c).startswith("RENEW-") for c in trained["campaigns"])
        targeting = model["targeting"]
        assert isinstance(targeting, dict)
        effect = targeting["courtesy-call"]["average_effect"]
        assert effect["control_n"] == arms["control"]
        validation = model["validation"]
        assert isinstance(validation, dict)
        assert "per_offer" in validation or "skipped" in validation


@pytest.mark.sqlite_only(
    "budgets cut the list in Python; the renewal run's SQL (its budget columns too) runs on"
    " PostgreSQL in the other tests of this file"
)
def test_budgets_cut_the_list_and_count_what_they_cut(
    telecom: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        upsert_offer(session, COURTESY)
        full = run_renewals(session, RenewalOptions(as_of=AS_OF, horizon_days=90))
        assert full.listed > 5
        calls = run_renewals(session, RenewalOptions(as_of=AS_OF, horizon_days=90, budget_calls=5))
        assert calls.listed == 5
        assert calls.counts["over-budget"] == full.listed - 5
        cap = 5_000  # €50
        money = run_renewals(
            session, RenewalOptions(as_of=AS_OF, horizon_days=90, budget_cents=cap)
        )
        spent = sum(
            r.cost_cents for r in _candidates(session, money.id) if r.group == RenewalGroup.LISTED
        )
        assert spent <= cap
        assert money.listed == cap // 450  # a courtesy call costs only the call
        assert money.totals["expected_cost_cents"] == spent


def test_a_discount_that_costs_more_than_it_brings_lists_nobody(
    telecom: str, sessions: sessionmaker[Session]
) -> None:
    """A 10% discount on a whole term is paid by everyone who renews with it, silent renewers
    included; at the few points of renewal it buys in this world, no call pays (seed 001)."""
    with sessions() as session:
        upsert_offer(session, DISCOUNT)
        result = run_renewals(session, RenewalOptions(as_of=AS_OF, horizon_days=90))
        rows = _candidates(session, result.id)
        assert rows
        assert result.listed == 0
        assert result.counts["listed"] == 0
        for r in rows:
            assert r.cost_cents > r.uplift * r.value_cents
            assert r.group in (
                RenewalGroup.SILENT_RENEWER,
                RenewalGroup.LOST_CAUSE,
                RenewalGroup.NOT_WORTH,
            )


def test_bad_input_is_one_line(
    telecom: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session:
        with pytest.raises(InvalidInput, match="offers"):
            run_renewals(session, RenewalOptions(as_of=AS_OF))
        upsert_offer(session, DISCOUNT)
        with pytest.raises(InvalidInput, match="campaigns"):
            run_renewals(session, RenewalOptions(as_of=date(2024, 11, 1)))
        with pytest.raises(InvalidInput, match="horizon_days"):
            run_renewals(session, RenewalOptions(as_of=AS_OF, horizon_days=0))
        upsert_offer(session, COURTESY)
        with pytest.raises(InvalidInput, match="both learn from campaign action 'renewal-offer'"):
            run_renewals(session, RenewalOptions(as_of=AS_OF))
        upsert_offer(session, replace(COURTESY, active=False))
        session.commit()
    code, _out, err = run(["retention", "renewals", "--learner", "nope"], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "--learner" in err
    code, out, err = run(["retention", "renewals", "--as-of", "2026-11-01", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["candidates"] > 0
    assert summary["listed"] == summary["counts"]["listed"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RenewalRun)) == 1
