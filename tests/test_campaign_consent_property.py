"""Issue 19: a customer who withdrew his consent is never exported (property test).

Hypothesis draws a handful of customers, each with a history of marketing consent events
(granted or withdrawn, by e-mail or on every channel, before the launch, between the launch
and the export, or after the export) and launches an e-mail campaign on all of them. Whatever
the history, the export holds exactly the treated members whose latest event before the
export does not withdraw marketing by e-mail (rule 1 of ``consent/state.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.campaigns.models import Arm, CampaignMember
from valuecenter.consent.models import Consent, ConsentChannel, Purpose
from valuecenter.customers.models import Customer, CustomerKind
from valuecenter.marketing.schemas import CampaignDraft, Goal, SelectionSpec
from valuecenter.marketing.selection import save_selection
from valuecenter.marketing.service import create_campaign, export_members, launch, set_goal
from valuecenter.offers.models import Action, ActionKind

LAUNCH = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EXPORT = LAUNCH + timedelta(days=1)
# When an event happens: before the launch, between launch and export, after the export.
MOMENTS = (LAUNCH - timedelta(days=3), LAUNCH + timedelta(hours=5), EXPORT + timedelta(hours=1))

event = st.tuples(
    st.booleans(),  # granted
    st.sampled_from([ConsentChannel.EMAIL, ConsentChannel.ANY, ConsentChannel.SMS]),
    st.sampled_from(range(len(MOMENTS))),
    st.integers(0, 59),  # minutes, so events of one moment differ
)
histories = st.lists(
    st.lists(event, max_size=4, unique_by=lambda e: (e[1], e[2], e[3])), min_size=2, max_size=12
)
_run = count()


def _withdrawn_at_export(history: list[tuple[bool, ConsentChannel, int, int]]) -> bool:
    relevant = [
        (MOMENTS[m] + timedelta(minutes=minute), granted, channel)
        for granted, channel, m, minute in history
        if channel in (ConsentChannel.EMAIL, ConsentChannel.ANY)
        and MOMENTS[m] + timedelta(minutes=minute) <= EXPORT
    ]
    if not relevant:
        return False
    # The latest decides; at a tie the channel's own event wins over "any".
    latest = max(relevant, key=lambda e: (e[0], e[2] == ConsentChannel.EMAIL))
    return not latest[1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories=histories)
def test_a_customer_who_withdrew_is_never_exported(
    sessions: sessionmaker[Session], histories: list[list[tuple[bool, ConsentChannel, int, int]]]
) -> None:
    run = next(_run)
    with sessions() as session:
        try:
            _check(session, run, histories)
        finally:
            session.rollback()


def _check(
    session: Session, run: int, histories: list[list[tuple[bool, ConsentChannel, int, int]]]
) -> None:
    customers = [
        Customer(
            external_id=f"P{run}-{i}", kind=CustomerKind.B2C, country="NL", email=f"c{i}@x.example"
        )
        for i in range(len(histories))
    ]
    session.add_all(customers)
    session.add(Action(code=f"a{run}", name="offer", kind=ActionKind.OFFER, channels=["email"]))
    session.flush()
    for customer, history in zip(customers, histories, strict=True):
        session.add_all(
            Consent(
                customer_id=customer.id,
                purpose=Purpose.MARKETING,
                channel=channel,
                granted=granted,
                source="test",
                recorded_at=MOMENTS[m] + timedelta(minutes=minute),
            )
            for granted, channel, m, minute in history
        )
    session.flush()
    selection = save_selection(session, f"s{run}", SelectionSpec())
    campaign = create_campaign(
        session,
        CampaignDraft(
            code=f"P{run}", name="p", selection_id=selection.id, action=f"a{run}",
            channel="email", start=date(2026, 11, 2),
        ),
    )  # fmt: skip
    set_goal(session, campaign, Goal(baseline=0.1, mde=0.4))
    launch(session, campaign, at=LAUNCH, underpowered=True)
    exported = export_members(session, campaign, at=EXPORT)
    out = {row[0] for row in exported.rows}
    treated = set(
        session.scalars(
            select(Customer.external_id)
            .join(CampaignMember, CampaignMember.customer_id == Customer.id)
            .where(CampaignMember.campaign_id == campaign.id, CampaignMember.arm == Arm.TREATMENT)
        )
    )
    withdrawn = {
        c.external_id for c, h in zip(customers, histories, strict=True) if _withdrawn_at_export(h)
    }
    assert not out & withdrawn  # never exported
    assert out == treated - withdrawn  # and nobody allowed is dropped
    assert exported.removed["no-consent"] == len(treated & withdrawn)
