"""A hand-made service history for contact reasons, avoidable contacts and cost-to-serve,
whose figures are worked out here once (tests/test_quality_reasons.py, the page's test).

Acme (R1, B2B, bought paper for €90 and ink for €40) and Bea (R2, B2C, no orders, a
coffee-service contract); one score run puts Acme in "grow", Bea in "win-back". Six contacts
(cost model: phone €1, chat €0.50, self-service €0.05 a handle minute):

| # | day | who | channel | dir | intent | reasons | talk+wrap | cost | rule |
|---|-----|-----|---------|-----|--------|---------|-----------|------|------|
| 1 | 0 | Acme | phone | in | order | order, invoice | 120+60 | 300 | order-could-be-online |
| 2 | 0 | Acme | phone | in | (none) | delivery | 60+0 | 100 | where-is-my-order |
| 3 | 0 | Bea | chat | in | (none) | invoice | 240+60 hold | 250 | – |
| 4 | 2 | Bea | chat | in | (none) | invoice | 120+0 | 100 | repeat-contact (3 → 4) |
| 5 | 2 | Acme | self-service | in | order | order | 120+0 | 10 | – |
| 6 | 4 | Bea | phone | out | offer | offer | 60+0 | 100 | – |

Contact 3 has no wrap-up but 60 s on hold, which counts. Total €8.60; avoidable 3 of 6
contacts, €5.00. Per customer: Bea €4.50 (avoidable €1.00),
Acme €4.10 (€4.00). Reasons: invoice 3, order 2, delivery 1, offer 1 (7); primary: invoice 2,
order 2, delivery 1, offer 1. Daily volumes over days 0–4: 3, 0, 2, 0, 1 → the 90th
percentile 2.6: day 0 is the only peak (contacts 1–3).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from valuecenter.contacts.models import Channel, Contact, ContactReason, Direction
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import Customer, CustomerKind
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.value.models import CustomerScore, ScoreRun

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
COSTS = {"phone": 100, "chat": 50, "self-service": 5}
UNTIL = "2026-11-01"
CONTACTS = (
    ("R1", Channel.PHONE, Direction.INBOUND, 0, "order", ("order", "invoice"), 120, 60),
    ("R1", Channel.PHONE, Direction.INBOUND, 0, None, ("delivery",), 60, 0),
    ("R2", Channel.CHAT, Direction.INBOUND, 0, None, ("invoice",), 240, 0),
    ("R2", Channel.CHAT, Direction.INBOUND, 2, None, ("invoice",), 120, 0),
    ("R1", Channel.SELF_SERVICE, Direction.INBOUND, 2, "order", ("order",), 120, 0),
    ("R2", Channel.PHONE, Direction.OUTBOUND, 4, "offer", ("offer",), 60, 0),
)


def build(session: Session) -> dict[str, Customer]:
    """The history above, flushed (the caller commits)."""
    people = {
        "R1": Customer(external_id="R1", name="Acme BV", kind=CustomerKind.B2B),
        "R2": Customer(external_id="R2", name="Bea Jansen", kind=CustomerKind.B2C),
    }
    session.add_all(people.values())
    paper, ink = Category(code="paper", name="Paper"), Category(code="ink", name="Ink")
    session.add_all([paper, ink])
    session.flush()
    products = [
        Product(external_id="RP1", name="A4", category_id=paper.id),
        Product(external_id="RP2", name="Toner", category_id=ink.id),
    ]
    session.add_all(products)
    session.flush()
    order = Order(external_id="RO1", customer_id=people["R1"].id, ordered_at=T0 - timedelta(30))
    session.add(order)
    session.flush()
    for no, (product, cents) in enumerate(((products[0], 9000), (products[1], 4000)), 1):
        session.add(
            OrderLine(
                order_id=order.id, line_no=no, product_id=product.id, quantity=1,
                unit_price_ten_thousandths=cents * 100, total_cents=cents,
            )
        )  # fmt: skip
    session.add(
        Contract(
            external_id="RC1", customer_id=people["R2"].id, plan="coffee-service",
            monthly_fee_cents=7900, start_date=date(2026, 1, 1),
        )
    )  # fmt: skip
    for i, (who, channel, direction, day, intent, reasons, talk, wrap) in enumerate(CONTACTS):
        contact = Contact(
            external_id=f"RK{i + 1}", customer_id=people[who].id, channel=channel,
            direction=direction, started_at=T0 + timedelta(days=day, minutes=i),
            talk_seconds=talk, wrap_seconds=wrap, intent=intent,
            hold_seconds=60 if i == 2 else 0,
        )  # fmt: skip
        session.add(contact)
        session.flush()
        for position, reason in enumerate(reasons, 1):
            session.add(ContactReason(contact_id=contact.id, position=position, reason=reason))
    run = ScoreRun(
        run_id="score-reasons-1", started_at=T0, finished_at=T0, as_of=T0.date(), customers=2,
        scored=2, horizon_months=24, discount_rate=0.1, models={}, segments={}, seconds=0.1,
    )  # fmt: skip
    session.add(run)
    session.flush()
    for who, segment in (("R1", "grow"), ("R2", "win-back")):
        session.add(
            CustomerScore(
                run_id=run.id, customer_id=people[who].id, revenue_12m_cents=0,
                revenue_cents=0, purchases=1, segment=segment,
            )
        )  # fmt: skip
    session.flush()
    return people
