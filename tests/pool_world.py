"""A small hand-built world of account-manager pools for the per-AM metrics (issue 22):
October 2026 against September 2026, every figure computed by hand in :data:`EXPECTED`.

- AM ``nl-a`` (NL): customers a1…a6. September revenue a1 100.00, a2 80.00, a3 30.00,
  a5 10.00 (220.00); October a1 90.00, a3 50.00 (two lines: 30.00 of a product new to him,
  20.00 of one he bought in September), a4 200.00, a5 10.00 (350.00). His top 20% of 6 is
  ⌈1.2⌉ = 2 customers: a1 and a2, 180.00 in September → 90.00 in October: retention 0.5.
- AM ``nl-b`` (NL): b1 50.00 → 60.00, b2 nothing: top ⌈0.4⌉ = 1 customer (b1), 1.2.
- AM ``de-c`` (DE): c1 without orders: no top customers, retention None.
- AM ``de-d`` (DE) left (inactive): d1 with 40.00 in October, read only when asked for.

Sales after service: a3 called in on 5 October and ordered on 10 October a product he had not
bought (30.00; the 20.00 of a product he bought in September does not count); a5 called on
1 October and bought on 14 October a product he had bought in November 2025 (not new); a1
ordered an hour *before* his call; a4 ordered 25 days after his call, and his outbound call
does not count; b1 called on 30 October and bought a new product on 31 October (60.00).

Next best action in October: a1 two shown decisions (one offer accepted, 50.00; in the other
the offer was rejected and only the service action accepted), a2 a control decision, a3 one
decision with an offer (12.00) and a loyalty action (3.00) both accepted, a4 a decision that
showed nothing; a1's accepted offer of 30 September is outside. So ``nl-a``: 3 offers made,
2 accepted, 65.00 sales.

NPS in October: a1 10, a2 9, a3 5, a4 7 → (2 − 1) / 4 = 25; a5's 0 of September is outside.
Open: alerts of a1 and b1 (a2's is handled); a3's follow-up task (a5's is done).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from valuecenter.alerts.models import Alert, AlertKind, AlertRun, AlertStatus
from valuecenter.contacts.models import Channel, Contact, Direction
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.offers.models import (
    Action,
    ActionKind,
    Decision,
    DecisionArm,
    DecisionResponse,
    ResponseOutcome,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.quality.models import FollowupStatus, FollowupTask
from valuecenter.surveys.models import Survey

EXPECTED: dict[str, dict[str, object]] = {
    "nl-a": {
        "customers": 6,
        "revenue_cents": 35000,
        "previous_revenue_cents": 22000,
        "top_customers": 2,
        "top_previous_cents": 18000,
        "top_current_cents": 9000,
        "top_retention": 0.5,
        "offers_made": 3,
        "offers_accepted": 2,
        "sales_cents": 6500,
        "service_sales_cents": 3000,
        "nps": 25.0,
        "nps_answers": 4,
        "open_alerts": 1,
        "open_tasks": 1,
    },
    "nl-b": {
        "customers": 2,
        "revenue_cents": 6000,
        "previous_revenue_cents": 5000,
        "top_customers": 1,
        "top_previous_cents": 5000,
        "top_current_cents": 6000,
        "top_retention": 1.2,
        "offers_made": 0,
        "offers_accepted": 0,
        "sales_cents": 0,
        "service_sales_cents": 6000,
        "nps": None,
        "nps_answers": 0,
        "open_alerts": 1,
        "open_tasks": 0,
    },
    "de-c": {
        "customers": 1,
        "revenue_cents": 0,
        "previous_revenue_cents": 0,
        "top_customers": 0,
        "top_previous_cents": 0,
        "top_current_cents": 0,
        "top_retention": None,
        "offers_made": 0,
        "offers_accepted": 0,
        "sales_cents": 0,
        "service_sales_cents": 0,
        "nps": None,
        "nps_answers": 0,
        "open_alerts": 0,
        "open_tasks": 0,
    },
}


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


class PoolWorld:
    """Builds the world; ``ids`` maps names (AM codes, customers, products) to row ids."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self._n = 0

    def _ext(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def order(self, customer: str, when: datetime, *lines: tuple[str, int]) -> None:
        order = Order(external_id=self._ext("O"), customer_id=self.ids[customer], ordered_at=when)
        self.session.add(order)
        self.session.flush()
        for i, (product, cents) in enumerate(lines, start=1):
            self.session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=i,
                    product_id=self.ids[product],
                    quantity=1,
                    unit_price_ten_thousandths=cents * 100,
                    total_cents=cents,
                )
            )

    def contact(self, customer: str, when: datetime, direction: Direction) -> None:
        self.session.add(
            Contact(
                external_id=self._ext("K"),
                customer_id=self.ids[customer],
                channel=Channel.PHONE,
                direction=direction,
                started_at=when,
            )
        )

    def decision(
        self, customer: str, when: datetime, arm: DecisionArm, answers: dict[str, ResponseOutcome]
    ) -> None:
        shown = [
            {"action_id": self.ids[code], "code": code, "kind": code.split("-")[0]}
            for code in answers
        ]
        decision = Decision(
            customer_id=self.ids[customer],
            decided_at=when,
            channel="phone",
            direction="inbound",
            intent=None,
            context={},
            arm=arm,
            explored=False,
            source="api",
            catalogue_version=1,
            features={},
            actions=shown,
            suppressed=[],
        )
        self.session.add(decision)
        self.session.flush()
        for code, outcome in answers.items():
            self.session.add(
                DecisionResponse(
                    decision_id=decision.id,
                    action_id=self.ids[code],
                    customer_id=self.ids[customer],
                    outcome=outcome,
                    recorded_at=when,
                    channel="phone",
                    direction="inbound",
                    purpose="service" if code.startswith("service") else "marketing",
                )
            )

    def survey(self, customer: str, when: datetime, nps: int) -> int:
        survey = Survey(
            external_id=self._ext("S"), customer_id=self.ids[customer], answered_at=when, nps=nps
        )
        self.session.add(survey)
        self.session.flush()
        return survey.id


def build_pool_world(session: Session) -> dict[str, int]:
    """Writes the world (module docstring) and returns the ids by name; flushes, no commit."""
    w = PoolWorld(session)
    s = session
    for code, country, active in [
        ("nl-a", "NL", True),
        ("nl-b", "NL", True),
        ("de-c", "DE", True),
        ("de-d", "DE", False),
    ]:
        am = AccountManager(code=code, name=f"AM {code}", country=country, active=active)
        s.add(am)
        s.flush()
        w.ids[code] = am.id
    pools = {
        "nl-a": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "nl-b": ["b1", "b2"],
        "de-c": ["c1"],
        "de-d": ["d1"],
    }
    for am, names in pools.items():
        for name in names:
            customer = Customer(
                external_id=f"PW-{name}",
                name=f"Customer {name}",
                kind=CustomerKind.B2B,
                country=am[:2].upper(),
                account_manager_id=w.ids[am],
            )
            s.add(customer)
            s.flush()
            w.ids[name] = customer.id
    for code in ("P1", "P2", "P3"):
        product = Product(external_id=f"PW-{code}", name=code)
        s.add(product)
        s.flush()
        w.ids[code] = product.id

    # Orders (cents).
    w.order("a1", at(8, 20), ("P1", 7000))  # August: in neither period
    w.order("a1", at(9, 10), ("P1", 10000))
    w.order("a1", at(10, 20, 11), ("P1", 9000))
    w.order("a2", at(9, 12), ("P2", 8000))
    w.order("a3", at(9, 3), ("P1", 3000))
    w.order("a3", at(10, 10), ("P2", 3000), ("P1", 2000))
    w.order("a4", at(10, 20), ("P3", 20000))
    w.order("a4", datetime(2026, 11, 1, tzinfo=UTC), ("P3", 99900))  # November: outside
    w.order("a5", at(11, 1, year=2025), ("P1", 500))
    w.order("a5", at(9, 15), ("P2", 1000))
    w.order("a5", at(10, 14, 8), ("P1", 1000))
    w.order("b1", at(9, 1, 0), ("P1", 5000))
    w.order("b1", at(10, 31, 23), ("P3", 6000))
    w.order("d1", at(10, 5), ("P1", 4000))

    # Service contacts.
    w.contact("a3", at(10, 5, 10), Direction.INBOUND)
    w.contact("a5", at(10, 1, 9), Direction.INBOUND)
    w.contact("a1", at(10, 20, 12), Direction.INBOUND)
    w.contact("a4", at(9, 25), Direction.INBOUND)
    w.contact("a4", at(10, 18), Direction.OUTBOUND)
    w.contact("b1", at(10, 30), Direction.INBOUND)

    # The catalogue: code prefix = kind.
    for code, kind, cents in [
        ("offer-x", ActionKind.OFFER, 5000),
        ("offer-y", ActionKind.OFFER, 1200),
        ("loyalty-l", ActionKind.LOYALTY, 300),
        ("service-s", ActionKind.SERVICE, 700),
    ]:
        action = Action(code=code, name=code, kind=kind, value_cents=cents)
        s.add(action)
        s.flush()
        w.ids[code] = action.id
    ok, no = ResponseOutcome.ACCEPTED, ResponseOutcome.REJECTED
    w.decision("a1", at(10, 2), DecisionArm.NBA, {"offer-x": ok})
    w.decision("a1", at(10, 9), DecisionArm.NBA, {"offer-x": no, "service-s": ok})
    w.decision("a2", at(10, 3), DecisionArm.CONTROL, {})
    w.decision("a3", at(10, 4), DecisionArm.NBA, {"offer-y": ok, "loyalty-l": ok})
    w.decision("a4", at(10, 5), DecisionArm.NBA, {})
    w.decision("a1", at(9, 30), DecisionArm.NBA, {"offer-x": ok})

    # NPS.
    w.survey("a1", at(10, 3), 10)
    w.survey("a2", at(10, 4), 9)
    detractor = w.survey("a3", at(10, 6), 5)
    w.survey("a4", at(10, 7), 7)
    old = w.survey("a5", at(9, 8), 0)

    # Alerts and follow-up tasks.
    run = AlertRun(
        run_id="pool-world",
        started_at=at(10, 1),
        finished_at=at(10, 1),
        as_of=date(2026, 10, 1),
        customers=9,
        raised=3,
        still_open=0,
        market_dips=0,
        models={},
        seconds=0.1,
    )
    s.add(run)
    s.flush()
    for name, status in [("a1", AlertStatus.OPEN), ("a2", AlertStatus.HANDLED), ("b1", "open")]:
        s.add(
            Alert(
                run_id=run.id,
                customer_id=w.ids[name],
                kind=AlertKind.ORDER_RHYTHM,
                raised_on=date(2026, 10, 1),
                risk=0.5,
                clv_cents=100000,
                value_at_risk_cents=50000,
                reasons=[],
                action="call him",
                status=AlertStatus(status),
            )
        )
    for survey, name, status in [
        (detractor, "a3", FollowupStatus.OPEN),
        (old, "a5", FollowupStatus.DONE),
    ]:
        s.add(
            FollowupTask(
                survey_id=survey,
                customer_id=w.ids[name],
                created_at=at(10, 6),
                due_at=at(10, 8),
                status=status,
            )
        )
    s.flush()
    return w.ids
