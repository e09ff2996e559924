"""A customer who wants to leave, on the web test company (``web_fixtures``): an open churn
alert of an alert run, an open save case, and a catalogue whose retention action presents
an offer of the retention catalogue beside a sales offer — the setup the 360's risk block
and the next-best-action's "retention first" are tested on (API, pages and browser)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.web_fixtures import NOW, World
from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus
from valuecenter.offers import catalogue
from valuecenter.retention.models import SaveArm, SaveCase, SaveSource, SaveStatus

ALERT_RUN = "alerts-test-run"
RISK = 0.72
CATALOGUE = {
    "settings": {"exploration_share": 0.0, "control_share": 0.0, "max_actions": 3},
    "retention_offers": [
        {"code": "free-delivery-6m", "name": "Free delivery for six months", "kind": "other",
         "fixed_cost": 120, "prior_uplift": 0.1},
    ],
    "actions": [
        # 20% × € 200 − 20% × € 20 = € 36: the best action of a contact without a cause.
        {"code": "toner-pack", "name": "Toner multipack, 10% off", "kind": "offer",
         "product": "P-OVEN", "value": 200, "cost": 20, "prior_accept": 0.2},
        # The desk's prior: 10% × € 300 − 60% keep × € 20 = € 18: less than the sale, yet
        # first for a leaver.
        {"code": "save-free-delivery", "name": "Stay with us: free delivery for six months",
         "kind": "retention", "retention_offer": "free-delivery-6m", "value": 300, "cost": 20,
         "prior_accept": 0.1, "eligible": {"intent": ["cancel"]}},
    ],
}  # fmt: skip


def add_catalogue(session: Session) -> None:
    catalogue.import_catalogue(session, CATALOGUE)


def add_alert(session: Session, world: World) -> Alert:
    run = AlertRun(
        run_id=ALERT_RUN,
        started_at=NOW,
        finished_at=NOW,
        as_of=NOW.date(),
        customers=6,
        raised=1,
        still_open=0,
        market_dips=0,
        models={"order_rhythm": {"kind": "gamma-Poisson rhythm"}},
        seconds=0.1,
    )
    session.add(run)
    session.flush()
    alert = Alert(
        run_id=run.id,
        customer_id=world.own.id,
        kind=AlertKind.ORDER_RHYTHM,
        raised_on=NOW.date(),
        risk=RISK,
        clv_cents=500_000,
        value_at_risk_cents=round(RISK * 500_000),
        reasons=[{"code": "gap", "text": "No order for 41 days; he orders every 12"}],
        action="Call him this week",
        status=AlertStatus.OPEN,
    )
    session.add(alert)
    session.flush()
    return alert


def add_save_case(session: Session, world: World) -> SaveCase:
    case = SaveCase(
        customer_id=world.own.id,
        source=SaveSource.CONTACT_REASON,
        opened_at=NOW - timedelta(days=1),
        arm=SaveArm.DESK,
        status=SaveStatus.OPEN,
        value_cents=500_000,
        reasons=[],
        suggestion={},
    )
    session.add(case)
    session.flush()
    return case
